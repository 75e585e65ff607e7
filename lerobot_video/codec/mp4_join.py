"""Joining MP4s at copy speed: their frames' bytes copied as they are, one index written anew.

A stream-copy join through FFmpeg reads every packet into Python and writes it back (about
10 µs a frame). When the inputs are simple, the joined file needs no packet work at all: its
``mdat`` is the inputs' frame bytes one after the other, and its ``moov`` their sample tables
laid end to end (durations, sizes, keyframes, one chunk per input). Simple means: one track,
frames stored back to back, no composition offsets (B-frames), no edit list moving them, and
the same timescale and the very same sample description (codec parameters included, which a
packet-level join would not even check). Anything else is refused with None, and the caller
joins through FFmpeg (:func:`~lerobot_video.codec.remux.concatenate_videos`).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from lerobot_video.codec.file_modes import write_atomically
from lerobot_video.codec.mp4_index import (
    Int64s,
    SampleIndex,
    _boxes,
    _child,
    _read_moov,
    read_sample_index,
)

_COPY_BYTES = 4 * 1024 * 1024
_KEPT = (b"mvhd", b"tkhd", b"mdhd", b"hdlr", b"vmhd", b"dinf", b"stsd")
"""Boxes copied from the first input (durations patched), in the order they are written."""


@dataclass(frozen=True, slots=True)
class _Input:
    path: Path
    ftyp: bytes
    boxes: dict[bytes, bytes]  # the _KEPT boxes, headers included
    index: SampleIndex


def join_mp4s(inputs: Sequence[Path], output: Path) -> list[float] | None:
    """Join simple MP4s into ``output`` by copying their frames' bytes; None if not simple.

    Args:
        inputs: MP4 files, in playing order (at least one).
        output: The file to write (atomically); its folder must exist.

    Returns:
        Where each input starts in ``output``, in seconds (the first at 0.0); None when an
        input is not simple, and then nothing is written.

    Raises:
        OSError: An input cannot be read, or ``output`` cannot be written.
        ValueError: An input's index is malformed.
    """
    parts = [_parse(path) for path in inputs]
    ready = [p for p in parts if p is not None]
    if not ready or len(ready) != len(parts):
        return None
    first = ready[0]
    same = (_description(first), first.index.timescale)
    if any((_description(p), p.index.timescale) != same for p in ready):
        return None
    moov = _moov(ready, data_offset=0)
    if moov is None:
        return None
    data_offset = len(first.ftyp) + len(moov) + 16  # a 16-byte mdat header (64-bit size)
    moov = _moov(ready, data_offset=data_offset)  # the same size: offsets are co64 either way
    assert moov is not None
    payload = sum(int(p.index.sizes.sum()) for p in ready)

    def write(temp: Path) -> None:
        with temp.open("wb") as out:
            out.write(first.ftyp + moov + struct.pack(">I4sQ", 1, b"mdat", 16 + payload))
            for part in ready:
                with part.path.open("rb") as source:
                    source.seek(int(part.index.offsets[0]))
                    _copy(source, out, int(part.index.sizes.sum()))

    # Not flushed to disk here: a join writes inside a merge's hidden folder, whose rename
    # is the commit point (as FFmpeg's joins there are not flushed either).
    write_atomically(output, write, durable=False)
    starts = np.cumsum([0] + [int(p.index.durations.sum()) for p in ready[:-1]])
    return [float(start) / first.index.timescale for start in starts]


def _copy(source: BinaryIO, out: BinaryIO, length: int) -> None:
    while length:
        chunk = source.read(min(_COPY_BYTES, length))
        if not chunk:
            raise OSError(f"{source.name!r} ended before its frames did")
        out.write(chunk)
        length -= len(chunk)


def _parse(path: Path) -> _Input | None:
    """An input's first box, kept boxes and index; None if it is not simple."""
    index = read_sample_index(path)
    order_ok = not index.reordered and index.edit_shift == 0 and index.sizes.size > 0
    back_to_back = bool(np.all(index.offsets[1:] == index.offsets[:-1] + index.sizes[:-1]))
    if not (order_ok and back_to_back):
        return None
    with path.open("rb") as file:
        data, _ = _read_moov(file)
        file.seek(0)
        size, kind = struct.unpack(">I4s", file.read(8))
        file.seek(0)
        ftyp = file.read(size) if kind == b"ftyp" and 8 <= size <= 4096 else b""
    moov = _child(data, (0, len(data)), b"moov")
    if not ftyp or moov is None or sum(k == b"trak" for k, _, _ in _boxes(data, *moov)) != 1:
        return None
    trak = _child(data, moov, b"trak")
    assert trak is not None
    parents = {
        b"mvhd": moov,
        b"tkhd": trak,
        b"mdhd": _child(data, trak, b"mdia"),
        b"hdlr": _child(data, trak, b"mdia"),
        b"vmhd": _child(data, trak, b"mdia", b"minf"),
        b"dinf": _child(data, trak, b"mdia", b"minf"),
        b"stsd": _child(data, trak, b"mdia", b"minf", b"stbl"),
    }
    kept = {name: _whole(data, parent, name) for name, parent in parents.items()}
    if any(box is None for box in kept.values()):
        return None
    return _Input(path, ftyp, {k: v for k, v in kept.items() if v is not None}, index)


def _description(part: _Input) -> bytes:
    """The sample description without its ``btrt`` box (bit rates: facts, not parameters)."""
    stsd = part.boxes[b"stsd"]
    at = stsd.find(b"\x00\x00\x00\x14btrt")
    return stsd if at < 0 else stsd[:at] + stsd[at + 20 :]


def _whole(data: bytes, parent: tuple[int, int] | None, name: bytes) -> bytes | None:
    """The first ``name`` box under ``parent``, header included (8-byte headers only)."""
    if parent is None:
        return None
    for kind, start, end in _boxes(data, *parent):
        if kind == name and struct.unpack_from(">I", data, start - 8)[0] == end - start + 8:
            return bytes(data[start - 8 : end])
    return None


def _box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, body: bytes) -> bytes:
    """A full box, version 0 and no flags."""
    return _box(kind, b"\0\0\0\0", body)


def _with_duration(box: bytes, duration: int, v0_at: int, v1_at: int) -> bytes | None:
    """``box`` with its duration field set (offsets for versions 0 and 1); None on overflow."""
    version = box[8]
    at, fmt = (v1_at, ">Q") if version == 1 else (v0_at, ">I")
    if fmt == ">I" and duration >= 2**32:
        return None
    return box[:at] + struct.pack(fmt, duration) + box[at + struct.calcsize(fmt) :]


def _moov(parts: list[_Input], *, data_offset: int) -> bytes | None:
    """The joined file's ``moov``: the first input's boxes, every input's tables end to end."""
    first = parts[0].boxes
    durations = np.concatenate([p.index.durations for p in parts])
    sizes = np.concatenate([p.index.sizes for p in parts])
    counts = [p.index.sizes.size for p in parts]
    firsts = np.cumsum([0, *counts[:-1]])
    keyframes = np.concatenate([p.index.keyframes + f for p, f in zip(parts, firsts, strict=True)])
    media = int(durations.sum())
    movie_scale = struct.unpack_from(">I", first[b"mvhd"], 28 if first[b"mvhd"][8] == 1 else 20)[0]
    movie = media * movie_scale // parts[0].index.timescale
    mvhd = _with_duration(first[b"mvhd"], movie, 24, 32)
    tkhd = _with_duration(first[b"tkhd"], movie, 28, 36)
    mdhd = _with_duration(first[b"mdhd"], media, 24, 32)
    if mvhd is None or tkhd is None or mdhd is None:
        return None
    chunk_offsets = data_offset + np.cumsum([0, *[int(p.index.sizes.sum()) for p in parts[:-1]]])
    stbl = _box(
        b"stbl",
        first[b"stsd"],
        _full(b"stts", _runs(durations)),
        _full(b"stss", struct.pack(">I", keyframes.size) + (keyframes + 1).astype(">u4").tobytes()),
        _full(
            b"stsc",
            struct.pack(">I", len(parts))
            + b"".join(
                struct.pack(">III", chunk + 1, count, 1) for chunk, count in enumerate(counts)
            ),
        ),
        _full(b"stsz", struct.pack(">II", 0, sizes.size) + sizes.astype(">u4").tobytes()),
        _full(b"co64", struct.pack(">I", len(parts)) + chunk_offsets.astype(">u8").tobytes()),
    )
    minf = _box(b"minf", first[b"vmhd"], first[b"dinf"], stbl)
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, first[b"hdlr"], minf))
    return _box(b"moov", mvhd, trak)


def _runs(durations: Int64s) -> bytes:
    """``stts``: (count, delta) runs of equal durations."""
    edges = np.flatnonzero(np.diff(durations)) + 1
    starts = np.concatenate([[0], edges])
    lengths = np.diff(np.concatenate([starts, [durations.size]]))
    table = np.stack([lengths, durations[starts]], axis=1).astype(">u4")
    return struct.pack(">I", starts.size) + table.tobytes()
