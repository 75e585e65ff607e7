"""LeRobot v3.0 datasets: layout, features, writer, reader, resume, stats, streaming, archive."""
