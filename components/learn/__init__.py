"""The Learn page: lessons on encoder settings, each measured on a real encoding."""
