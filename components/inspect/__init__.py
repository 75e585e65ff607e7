"""The Inspect page: a LeRobot dataset's encoding truth, on the Hub or on disk, in seconds.

``tab`` wires the events; ``layout`` builds the components; ``handlers`` holds what they run;
``sources`` finds and opens datasets; ``charts`` turns results into tables, HTML and figures.
"""
