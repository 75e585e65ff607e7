"""An MP4's frame index, read from its sample tables without decoding or demuxing a frame.

The ``moov`` box of an MP4 lists every frame: its decode time (``stts``), the offset to its
presentation time (``ctts``), its size (``stsz``), where its bytes are (``stco``/``co64`` with
``stsc``), which frames are keyframes (``stss``) and the edit list that shifts presentation times
(``elst``). Reading these tables gives GOP structure, B-frame reordering, bitrate, timing and
truncation for a file of any size. Only the top-level box headers and the ``moov`` box are
read, so a remote file (any seekable binary file object, such as a ranged HTTP reader) is
judged from a few kilobytes. The values equal what PyAV's demuxer reports for each packet
(tested).
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from lerobot_video.errors import MediaError, path_argument

Int64s = npt.NDArray[np.int64]
_MAX_MOOV_BYTES = 256 * 1024 * 1024
"""A 'moov' claiming more is corrupt: a day of 60 fps video indexes in well under this."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SampleIndex:
    """The frames of an MP4's first video track, in decode (file) order.

    Attributes:
        timescale: Ticks per second of ``pts``.
        pts: Presentation time of each frame, in ticks, as FFmpeg presents it (edit list
            applied), (N,) int64.
        sizes: Bytes of each frame, (N,) int64.
        offsets: Byte offset of each frame in the file, (N,) int64.
        keyframes: Positions (decode order) of the keyframes, (K,) int64.
        file_size: Bytes in the file.
        durations: Each frame's decode duration (``stts``), in ticks, (N,) int64.
        reordered: Whether frames carry composition offsets (``ctts``: B-frames).
        edit_shift: Ticks the edit list adds to every presentation time (0: none).
    """

    timescale: int
    pts: Int64s
    sizes: Int64s
    offsets: Int64s
    keyframes: Int64s
    file_size: int
    durations: Int64s
    reordered: bool
    edit_shift: int

    @property
    def frames_in_file(self) -> int:
        """Frames whose bytes lie wholly inside the file; fewer than N when it is truncated."""
        return int(np.count_nonzero(self.offsets + self.sizes <= self.file_size))


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
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


def _read_moov(file: BinaryIO) -> tuple[bytes, int]:
    """The ``moov`` box (header included) and the file's size, reading only box headers."""
    file_size = file.seek(0, io.SEEK_END)
    pos = 0
    while pos + 8 <= file_size:
        file.seek(pos)
        head = file.read(16)
        size, kind = struct.unpack_from(">I4s", head)
        header = 16 if size == 1 else 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", head, 8)
        elif size == 0:
            size = file_size - pos
        if size < header or pos + size > file_size:
            raise ValueError(f"box {kind!r} at byte {pos} overruns the file")
        if kind == b"moov":
            if size > _MAX_MOOV_BYTES:
                raise ValueError(f"box 'moov' claims {size} bytes")
            file.seek(pos)
            return file.read(size), file_size
        if kind == b"moof":
            raise ValueError("fragmented MP4 (its index is spread over 'moof' boxes)")
        pos += size
    raise ValueError("no 'moov' box (not an MP4, or truncated before its index)")


def _child(data: bytes, span: tuple[int, int], *path: bytes) -> tuple[int, int] | None:
    """Payload span of the first box along ``path`` under ``span``, or None."""
    found = next(((s, e) for k, s, e in _boxes(data, *span) if k == path[0]), None)
    return found if found is None or len(path) == 1 else _child(data, found, *path[1:])


def _table(data: bytes, span: tuple[int, int] | None, fmt: str) -> list[tuple[int, ...]]:
    """Entries of a full box whose payload is version/flags, a count, then ``fmt`` records."""
    if span is None:
        return []
    (count,) = struct.unpack_from(">I", data, span[0] + 4)
    step = struct.calcsize(fmt)
    if span[0] + 8 + count * step > span[1]:
        raise ValueError("a sample table is shorter than its entry count")
    return list(struct.iter_unpack(fmt, data[span[0] + 8 : span[0] + 8 + count * step]))


def _timescale(data: bytes, span: tuple[int, int]) -> int:
    """Timescale (ticks per second) of an ``mvhd`` or ``mdhd`` payload."""
    # Version 1 has 64-bit creation and modification times before the timescale.
    return int(struct.unpack_from(">I", data, span[0] + (20 if data[span[0]] == 1 else 12))[0])


def _pts_shift(data: bytes, trak: tuple[int, int], movie_scale: int, media_scale: int) -> int:
    """Ticks FFmpeg adds to every pts for the edit list: empty edits minus the media start."""
    elst = _child(data, trak, b"edts", b"elst")
    fmt = ">Qqi" if elst and data[elst[0]] == 1 else ">Iii"
    shift = 0
    for duration, media_time, _rate in _table(data, elst, fmt):
        if media_time != -1:
            return shift - media_time
        shift += duration * media_scale // movie_scale
    return shift


def _samples(
    data: bytes, moov: tuple[int, int], trak: tuple[int, int], file_size: int
) -> SampleIndex:
    """The video samples of one ``trak``: timing, sizes, places and keyframes."""
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
        timescale=timescale,
        pts=pts.astype(np.int64),
        sizes=sizes,
        offsets=_offsets(data, stbl, sizes),
        keyframes=keyframes,
        file_size=file_size,
        durations=np.asarray(deltas, dtype=np.int64),
        reordered=bool(offsets),
        edit_shift=int(shift),
    )


def _offsets(data: bytes, stbl: tuple[int, int], sizes: Int64s) -> Int64s:
    """Byte offset of each sample: its chunk's offset plus the sizes before it in the chunk."""
    stco, co64 = _child(data, stbl, b"stco"), _child(data, stbl, b"co64")
    chunk_offsets = np.array(
        [o for (o,) in (_table(data, stco, ">I") if stco else _table(data, co64, ">Q"))],
        dtype=np.int64,
    )
    runs = _table(data, _child(data, stbl, b"stsc"), ">III")
    per_chunk = np.zeros(chunk_offsets.size, dtype=np.int64)
    # Each run's samples-per-chunk holds from its first chunk (1-based) up to the next run's.
    nexts = [*(r[0] for r in runs[1:]), per_chunk.size + 1]
    for (first, count, _), after in zip(runs, nexts, strict=True):
        per_chunk[first - 1 : after - 1] = count
    if int(per_chunk.sum()) != sizes.size:
        raise ValueError("the chunk tables do not cover every sample")
    chunk_of = np.repeat(np.arange(per_chunk.size), per_chunk)
    before = np.cumsum(sizes) - sizes  # bytes of the samples before each, file-wide
    chunk_first = np.cumsum(per_chunk) - per_chunk  # first sample of each chunk
    offsets = chunk_offsets[chunk_of] + before - before[chunk_first[chunk_of]]
    return np.asarray(offsets, dtype=np.int64)


def read_sample_index(source: str | os.PathLike[str] | BinaryIO) -> SampleIndex:
    """Read the frame index of an MP4's first video track from its ``moov`` box.

    Args:
        source: The MP4's path, or a readable, seekable binary file object (its position is
            left anywhere); errors name the object's ``name`` attribute.

    Raises:
        ConfigError: ``source`` is neither a path nor a file object.
        MediaError: The file is missing, not an MP4 (or fragmented), or its index is malformed.
    """
    is_file = hasattr(source, "read") and hasattr(source, "seek")
    path = Path(str(getattr(source, "name", "video"))) if is_file else path_argument(source)
    try:
        if is_file:
            return _index(source)  # type: ignore[arg-type]
        with path.open("rb") as file:
            return _index(file)
    except (OSError, ValueError, struct.error) as err:  # ValueError: malformed or empty
        raise MediaError(f"{str(path)!r} cannot be indexed: {err}.", path=path) from err


def _index(file: BinaryIO) -> SampleIndex:
    data, file_size = _read_moov(file)
    moov = _child(data, (0, len(data)), b"moov")
    assert moov is not None  # _read_moov returned exactly one 'moov' box
    for kind, start, end in _boxes(data, *moov):
        hdlr = _child(data, (start, end), b"mdia", b"hdlr")
        if kind == b"trak" and hdlr and data[hdlr[0] + 8 : hdlr[0] + 12] == b"vide":
            return _samples(data, moov, (start, end), file_size)
    raise ValueError("no video track")
