"""Codecs, the only room that imports PyAV.

The option table (pure), capability checks and encoder plans, browser playability, frame
adapters, encode, the MP4 writer, decode, probe and remux.
"""
