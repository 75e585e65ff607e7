"""Lay MP4 files end to end by stream copy (remux): no decoding, no re-encoding.

Private PyAV helper for the dataset writer. Packets of each later file are shifted so its
first frame follows the previous file's last frame, so presentation times continue without a
gap and every episode keeps its exact bitstream.

Durations are measured from the packets (last frame's end minus first frame's start), not
read from the header: FFmpeg 8's MP4 muxer stores the edit list of streams with B-frames in
milliseconds, so an 8-frame 30 fps HEVC file reports 4086/15360 s instead of 4096/15360 s,
which would shift every later episode off the frame grid.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import av
import numpy as np

from lerobot_video.codec._pyav import open_input
from lerobot_video.codec.file_modes import new_file_mode
from lerobot_video.codec.mp4_index import read_sample_index
from lerobot_video.errors import MediaError


def _stream_signature(stream: av.VideoStream) -> tuple[object, ...]:
    """What must agree between files laid end to end: codec, size, pixel format, time base."""
    context = stream.codec_context
    return (
        context.codec.canonical_name,
        context.width,
        context.height,
        context.pix_fmt,
        stream.time_base,
    )


def _time_base(stream: av.VideoStream, path: Path) -> Fraction:
    if stream.time_base is None:
        raise MediaError(f"{str(path)!r} has a video stream without a time base.", path=path)
    return stream.time_base


def concatenate_videos(inputs: Sequence[Path], output: Path) -> list[float]:
    """Write the first video stream of each input, one after the other, into ``output``.

    Like LeRobot's concat (FFmpeg's concat demuxer with stream copy), but done packet by
    packet: file ``k``'s first frame is placed where the last frame of file ``k-1`` ends
    (presentation time plus duration, in stream ticks). The result goes to a temporary file
    beside ``output`` and replaces it only when complete, so ``output`` may also be one of
    the inputs. ``movflags=faststart`` puts the index first, as LeRobot does.

    Args:
        inputs: MP4 files made by the same encoder settings (same codec, size, pixel format
            and time base), in playing order; at least one.
        output: The file to write; its folder must exist.

    Returns:
        Where each input starts in ``output``, in seconds (the first at 0.0).

    Raises:
        MediaError: An input is missing or unreadable, the inputs do not match, or FFmpeg
            fails while writing.
    """
    if not inputs:
        raise MediaError("No input videos to concatenate; pass at least one file.", path=output)
    with _replacing_mp4(output, "concatenating into") as out:
        return _copy_packets(inputs, out)


@contextlib.contextmanager
def _replacing_mp4(output: Path, action: str) -> Iterator[av.container.OutputContainer]:
    """An MP4 (``faststart``) written beside ``output``, moved over it if the block succeeds.

    ``output`` may be read inside the block; FFmpeg errors become :class:`MediaError`
    naming ``action`` ("truncating", ...), and the temporary file never stays behind.
    """
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{output.stem}.", suffix=".partial.mp4", dir=output.parent
    )
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        with av.open(
            str(temp_path), mode="w", format="mp4", options={"movflags": "faststart"}
        ) as out:
            yield out
        os.chmod(temp_path, new_file_mode())  # not mkstemp's owner-only 0o600
        os.replace(temp_path, output)
    except av.FFmpegError as err:
        raise MediaError(
            f"FFmpeg failed while {action} {str(output)!r}: {err}.", path=output
        ) from err
    finally:
        temp_path.unlink(missing_ok=True)


def _copy_packets(inputs: Sequence[Path], out: av.container.OutputContainer) -> list[float]:
    """Mux every packet of every input into ``out``, shifting timestamps to continue.

    Returns each input's start time in ``out``, in seconds.
    """
    starts_seconds: list[float] = []
    out_stream: av.VideoStream | None = None
    reference: tuple[object, ...] = ()
    end_ticks = 0  # end of the last frame written so far, in stream ticks
    for path in inputs:
        with open_input(path) as source:
            stream = source.streams.video[0]
            if out_stream is None:
                out_stream = out.add_stream_from_template(stream, opaque=True)
                # Keep the source time base (the muxer would pick its own otherwise), so
                # shifted timestamps mean the same ticks.
                out_stream.time_base = stream.time_base
                reference = _stream_signature(stream)
            signature = _stream_signature(stream)
            if signature != reference:
                raise MediaError(
                    f"Cannot concatenate {str(path)!r}: its stream (codec, width, height, "
                    f"pix_fmt, time base) is {signature}, but the first file's is {reference}. "
                    f"Only videos made with the same encoder settings can be laid end to end.",
                    path=path,
                )
            time_base = _time_base(stream, path)
            starts_seconds.append(float(end_ticks * time_base))
            # Shift so this file's first frame lands where the previous file's frames end.
            shift = end_ticks - (stream.start_time or 0)
            end_ticks = _shifted_packets(source, stream, out, out_stream, shift, end_ticks)
    return starts_seconds


def _shifted_packets(
    source: av.container.InputContainer,
    stream: av.VideoStream,
    out: av.container.OutputContainer,
    out_stream: av.VideoStream,
    shift: int,
    end_ticks: int,
) -> int:
    """Mux every packet of ``stream`` moved by ``shift`` ticks; the new end of the frames."""
    mux, last_end = out.mux, end_ticks
    # The hot loop of every join: attribute reads and writes cost, so each is done once.
    for packet in source.demux(stream):
        dts, pts = packet.dts, packet.pts
        if dts is None:  # the demuxer's empty flush packet
            continue
        if shift:
            packet.dts = dts + shift
            if pts is not None:
                packet.pts = pts + shift
        if pts is not None:
            last_end = max(last_end, pts + shift + (packet.duration or 0))
        packet.stream = out_stream
        mux(packet)
    return last_end


def content_duration_seconds(path: Path) -> float:
    """How long a video's frames last: last frame's end minus first frame's start, in seconds.

    Measured from packet timestamps (no decoding), so header rounding does not leak in; for
    a constant-rate file this is ``frames / fps``.

    Args:
        path: The video file.

    Returns:
        The duration in seconds.

    Raises:
        MediaError: The file is missing, unreadable or has no timed packets.
    """
    with open_input(path) as source:
        stream = source.streams.video[0]
        starts, ends = [], []
        try:
            for packet in source.demux(stream):
                if packet.pts is not None:
                    starts.append(packet.pts)
                    ends.append(packet.pts + (packet.duration or 0))
        except av.FFmpegError as err:
            raise MediaError(f"{str(path)!r} is corrupt: {err}.", path=path) from err
        if not starts:
            raise MediaError(f"{str(path)!r} has no video frames.", path=path)
        return float((max(ends) - min(starts)) * _time_base(stream, path))


def truncate_video(path: Path, end_seconds: float) -> None:
    """Keep only the frames that start before ``end_seconds``, by stream copy, atomically.

    Used to cut the tail a failed save appended after the last committed episode. Episodes
    are whole, separately encoded clips laid end to end, so no kept frame refers to a cut one.

    Args:
        path: The MP4 to shorten in place.
        end_seconds: Where the kept frames end (the last committed ``to_timestamp``).

    Raises:
        MediaError: The file is unreadable or FFmpeg fails while writing.
    """
    with open_input(path) as source, _replacing_mp4(path, "truncating") as out:
        stream = source.streams.video[0]
        out_stream = out.add_stream_from_template(stream, opaque=True)
        out_stream.time_base = stream.time_base
        # Half a tick of slack: to_timestamp is a float of an exact tick count.
        end_ticks = end_seconds / _time_base(stream, path) - 0.5
        for packet in source.demux(stream):
            if packet.dts is None or packet.pts is None or packet.pts >= end_ticks:
                continue
            packet.stream = out_stream
            out.mux(packet)


def extract_segment(
    path: Path,
    start_seconds: float,
    end_seconds: float,
    output: Path,
    *,
    file: BinaryIO | None = None,
) -> tuple[float, int]:
    """Copy the frames shown in ``[start_seconds, end_seconds)`` into a new MP4, by stream copy.

    Copying starts at the keyframe at or before ``start_seconds``, because the frames after it
    depend on it, and stops at the first packet decoded at or after ``end_seconds``. Only those
    packets are read, so through a ranged ``file`` a remote file costs about the bytes of the
    segment's GOPs. The copy keeps the bitstream; its timestamps start near 0.

    Args:
        path: The source MP4; with ``file``, only its name for messages.
        start_seconds: The first wanted frame's presentation time in the source.
        end_seconds: Where the wanted frames end (exclusive), in source seconds.
        output: The MP4 to write (atomically); its folder must exist.
        file: A readable, seekable binary file object to read instead of ``path``.

    Returns:
        Where the first wanted frame is shown in ``output`` (seconds, as FFmpeg presents it),
        and how many frames ``output`` holds.

    Raises:
        MediaError: The source is unreadable, holds no frame in the range, or FFmpeg fails.
    """
    if file is not None:
        _read_ahead(file, start_seconds, end_seconds)
    with open_input(path, file) as source, _replacing_mp4(output, "cutting into") as out:
        stream = source.streams.video[0]
        time_base = _time_base(stream, path)
        # Half a tick of slack: the bounds are floats of exact tick counts.
        start, end = start_seconds / time_base - 0.5, end_seconds / time_base - 0.5
        # The first frame's own tick: a keyframe there is where copying starts.
        first_tick = max(0, round(start_seconds / time_base))
        source.seek(first_tick, backward=True, any_frame=False, stream=stream)
        kept = [p for p in _packets_until(source, stream, end) if p.pts is not None]
        if not kept or not any(p.pts >= start for p in kept if p.pts is not None):
            raise MediaError(
                f"{str(path)!r} has no frame in [{start_seconds:.4f}, {end_seconds:.4f}) s.",
                path=path,
            )
        before = sum(1 for p in kept if p.pts is not None and p.pts < start)
        out_stream = out.add_stream_from_template(stream, opaque=True)
        out_stream.time_base = stream.time_base
        shift = -min(p.dts for p in kept if p.dts is not None)
        for packet in kept:
            packet.dts = None if packet.dts is None else packet.dts + shift
            packet.pts = None if packet.pts is None else packet.pts + shift
            packet.stream = out_stream
            out.mux(packet)
    index = read_sample_index(output)
    shown = np.sort(index.pts)
    return float(shown[before]) / index.timescale, int(shown.size)


_READ_AHEAD_LIMIT = 8 * 1024 * 1024
"""A segment's bytes are read in one go up to this size (larger ones stream in)."""


def _read_ahead(file: BinaryIO, start_seconds: float, end_seconds: float) -> None:
    """Read the bytes of the segment's packets in one go, so a ranged file fetches them at once.

    A hint only: the index (read from ``file``) gives the byte span from the keyframe at or
    before the start to the last frame decoded before the end; PyAV then reads from what the
    file keeps instead of asking for each packet. Skipped when the index is unreadable (the
    copy then reports the error) or the span is large.
    """
    try:
        index = read_sample_index(file)
    except MediaError:
        return
    seconds = index.pts / index.timescale
    keys = index.keyframes[seconds[index.keyframes] <= start_seconds + 1e-6]
    first = int(keys.max()) if keys.size else 0
    # Frames are stored in decode order; the last one needed is the last shown before the end,
    # and the demuxer reads one more to see that it is past the end.
    wanted = np.nonzero(seconds < end_seconds - 1e-6)[0]
    last = min(int(wanted.max()) + 1 if wanted.size else first, seconds.size - 1)
    low = int(index.offsets[first : last + 1].min(initial=index.offsets[first]))
    high = int((index.offsets + index.sizes)[first : last + 1].max(initial=low))
    if 0 < high - low <= _READ_AHEAD_LIMIT:
        file.seek(low)
        file.read(high - low)


def _packets_until(
    source: av.container.InputContainer, stream: av.VideoStream, end_ticks: float
) -> Iterator[av.Packet[Any]]:
    """Packets from the current position (a keyframe) until one is decoded at ``end_ticks``."""
    started = False
    try:
        for packet in source.demux(stream):
            if packet.dts is None or packet.dts >= end_ticks:
                return  # decode times only grow: every later frame is shown later still
            started = started or packet.is_keyframe
            if started:
                yield packet
    except av.FFmpegError as err:
        raise MediaError(f"{source.name!r} is corrupt: {err}.") from err
