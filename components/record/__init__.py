"""The Record page: record episodes from a camera into a LeRobot dataset.

``tab`` wires the events; ``layout`` builds the components; ``form``, ``session``,
``sources`` and ``view`` hold the handlers' helpers.
"""
