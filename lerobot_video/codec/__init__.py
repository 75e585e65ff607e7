"""Codecs, the only room that imports PyAV.

Option mapping, capability checks, encode, the MP4 writer, decode, probe and remux.
"""
