"""Measurements for people: encoder comparisons, depth round trips, one episode to look at."""
