"""Measurements for people: encoder comparisons and depth round trips."""
