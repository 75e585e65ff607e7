"""Frame sources (replay, browser, OpenCV, RealSense), their discovery, and the recorder."""
