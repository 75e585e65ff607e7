"""LeRobot v3.0 datasets on disk.

What a dataset is (layout, features, schema, episodes, stats), how it is written (writer,
streaming encoders, placement, commit) and read (reader, resume, archive). Hub access, merging
and the encoding report will join this room.
"""
