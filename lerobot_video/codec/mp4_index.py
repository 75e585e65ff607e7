"""An MP4's frame index, read from its sample tables without decoding or demuxing a frame.

The ``moov`` box of an MP4 lists every frame: its decode time (``stts``), the offset to its
presentation time (``ctts``), its size (``stsz``), which frames are keyframes (``stss``) and the
edit list that shifts presentation times (``elst``). Reading these tables, in pure Python and
through ``mmap`` so only the index's pages are touched, gives GOP structure, B-frame reordering,
bitrate and timing for a file of any size, and will let a remote file be judged from its index
alone. The values equal what PyAV's demuxer reports for each packet (tested).
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lerobot_video.errors import MediaError, path_argument

Int64s = npt.NDArray[np.int64]


@dataclass(frozen=True, kw_only=True, slots=True)
class SampleIndex:
    """The frames of an MP4's first video track, in decode (file) order.

    Attributes:
        timescale: Ticks per second of ``pts``.
        pts: Presentation time of each frame, in ticks, as FFmpeg presents it (edit list
            applied), (N,) int64.
        sizes: Bytes of each frame, (N,) int64.
        keyframes: Positions (decode order) of the keyframes, (K,) int64.
    """

    timescale: int
    pts: Int64s
    sizes: Int64s
    keyframes: Int64s


def _boxes(data: mmap.mmap, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of each box in ``data[start:end]``."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 16 if size == 1 else 8  # size 1: a 64-bit size follows the type
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise ValueError(f"box {kind!r} at byte {pos} overruns its parent")
        yield kind, pos + header, pos + size
        pos += size


def _child(data: mmap.mmap, span: tuple[int, int], *path: bytes) -> tuple[int, int] | None:
    """Payload span of the first box along ``path`` under ``span``, or None."""
    found = next(((s, e) for k, s, e in _boxes(data, *span) if k == path[0]), None)
    return found if found is None or len(path) == 1 else _child(data, found, *path[1:])


def _table(data: mmap.mmap, span: tuple[int, int] | None, fmt: str) -> list[tuple[int, ...]]:
    """Entries of a full box whose payload is version/flags, a count, then ``fmt`` records."""
    if span is None:
        return []
    (count,) = struct.unpack_from(">I", data, span[0] + 4)
    step = struct.calcsize(fmt)
    if span[0] + 8 + count * step > span[1]:
        raise ValueError("a sample table is shorter than its entry count")
    return list(struct.iter_unpack(fmt, data[span[0] + 8 : span[0] + 8 + count * step]))


def _timescale(data: mmap.mmap, span: tuple[int, int]) -> int:
    """Timescale (ticks per second) of an ``mvhd`` or ``mdhd`` payload."""
    # Version 1 has 64-bit creation and modification times before the timescale.
    return int(struct.unpack_from(">I", data, span[0] + (20 if data[span[0]] == 1 else 12))[0])


def _pts_shift(data: mmap.mmap, trak: tuple[int, int], movie_scale: int, media_scale: int) -> int:
    """Ticks FFmpeg adds to every pts for the edit list: empty edits minus the media start."""
    elst = _child(data, trak, b"edts", b"elst")
    fmt = ">Qqi" if elst and data[elst[0]] == 1 else ">Iii"
    shift = 0
    for duration, media_time, _rate in _table(data, elst, fmt):
        if media_time != -1:
            return shift - media_time
        shift += duration * media_scale // movie_scale
    return shift


def _samples(data: mmap.mmap, moov: tuple[int, int], trak: tuple[int, int]) -> SampleIndex:
    """The video samples of one ``trak``: timing, sizes and keyframes."""
    mvhd, mdhd = _child(data, moov, b"mvhd"), _child(data, trak, b"mdia", b"mdhd")
    stbl = _child(data, trak, b"mdia", b"minf", b"stbl")
    stsz = _child(data, stbl, b"stsz") if stbl else None
    if mvhd is None or mdhd is None or stbl is None or stsz is None:
        raise ValueError("the video track lacks 'mvhd', 'mdhd', 'stbl' or 'stsz'")
    timescale = _timescale(data, mdhd)
    deltas = [d for n, d in _table(data, _child(data, stbl, b"stts"), ">II") for _ in range(n)]
    dts = np.concatenate([[0], np.cumsum(deltas[:-1], dtype=np.int64)]).astype(np.int64)
    offsets = [o for c, o in _table(data, _child(data, stbl, b"ctts"), ">Ii") for _ in range(c)]
    fixed, count = struct.unpack_from(">II", data, stsz[0] + 4)
    # A zero 'sample_size' is followed by the count and one size per sample.
    sizes = np.array(_table(data, (stsz[0] + 4, stsz[1]), ">I") if fixed == 0 else [fixed] * count)
    stss = _child(data, stbl, b"stss")
    # No 'stss' means every sample is a keyframe (ISO/IEC 14496-12, 8.6.2).
    keyframes = np.arange(count) if stss is None else np.array(_table(data, stss, ">I")) - 1
    if not (len(dts) == len(sizes) == count) or (offsets and len(offsets) != count):
        raise ValueError("the sample tables disagree on the number of frames")
    shift = _pts_shift(data, trak, _timescale(data, mvhd), timescale)
    pts = dts + (np.asarray(offsets, dtype=np.int64) if offsets else 0) + shift
    sizes, keyframes = sizes.reshape(-1).astype(np.int64), keyframes.reshape(-1).astype(np.int64)
    return SampleIndex(
        timescale=timescale, pts=pts.astype(np.int64), sizes=sizes, keyframes=keyframes
    )


def read_sample_index(path: str | os.PathLike[str]) -> SampleIndex:
    """Read the frame index of an MP4's first video track from its ``moov`` box.

    Raises:
        ConfigError: ``path`` is not a path.
        MediaError: The file is missing, not an MP4 (or fragmented), or its index is malformed.
    """
    path = path_argument(path)
    try:
        # Mapped, not read: only the pages of the 'moov' index are touched.
        with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            moov = _child(data, (0, len(data)), b"moov")
            if moov is None:
                raise ValueError("no 'moov' box (not an MP4, or truncated before its index)")
            for kind, start, end in _boxes(data, *moov):
                hdlr = _child(data, (start, end), b"mdia", b"hdlr")
                if kind == b"trak" and hdlr and data[hdlr[0] + 8 : hdlr[0] + 12] == b"vide":
                    return _samples(data, moov, (start, end))
            raise ValueError("no video track")
    except (OSError, ValueError, struct.error) as err:  # ValueError: malformed or empty
        raise MediaError(f"{str(path)!r} cannot be indexed: {err}.", path=path) from err
