"""The Depth page: round-trip depth through LeRobot's quantizer and encoders, in mm or m.

``tab`` wires the events; ``layout`` builds the components; ``handlers`` holds what they run.
"""
