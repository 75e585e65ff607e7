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

import av

from lerobot_video.codec._pyav import open_input
from lerobot_video.codec.file_modes import new_file_mode
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
            for packet in source.demux(stream):
                if packet.dts is None:  # the demuxer's empty flush packet
                    continue
                packet.dts += shift
                if packet.pts is not None:
                    packet.pts += shift
                    end_ticks = max(end_ticks, packet.pts + (packet.duration or 0))
                packet.stream = out_stream
                out.mux(packet)
    return starts_seconds


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
