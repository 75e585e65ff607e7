"""LeRobot v3.0 datasets on disk.

What a dataset is (layout, features, schema, episodes, stats), how it is written (writer,
streaming encoders, placement, commit), read (reader, resume, archive), measured (the encoding
report), reached on the Hub (open by ranges, push) and merged.
"""
