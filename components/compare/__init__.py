"""The Compare page: encode one clip with several encoder configs and compare the results.

``tab`` wires the events; ``layout`` builds the components; ``handlers`` holds what they run.
"""
