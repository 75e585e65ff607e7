"""Random access to video frames by presentation time, correct for every codec.

LeRobot seeks to ``timestamp - 1 tick`` and decodes forward. MP4 seeks by *decode* time, so
with B-frames or open GOPs (libx265 defaults) that lands on a keyframe *after* the frame
wanted, whose leading pictures are then skipped or wrong. Here each opened file gets a packet
index (decode and presentation times, keyframe flags; demuxed once, no decoding), the start
point is the last keyframe whose *presentation* time is at or before the first frame needed,
and the seek goes to that keyframe's decode time. If a frame is still missing, decoding starts
again from the keyframe before. Opened files stay in a bounded LRU cache.
"""

from __future__ import annotations

import bisect
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import numpy.typing as npt

from lerobot_video.codec._pyav import open_input
from lerobot_video.errors import ConfigError, FrameIndexError, MediaError, path_argument

DECODER_CACHE_SIZE = int(os.environ.get("LEROBOT_VIDEO_DECODER_CACHE_SIZE", "16"))
"""How many opened video files are kept (least recently used are closed first)."""


def _rgb(frame: av.VideoFrame) -> npt.NDArray[np.uint8]:
    return cast("npt.NDArray[np.uint8]", frame.to_ndarray(format="rgb24"))


def _gray12(frame: av.VideoFrame) -> npt.NDArray[np.uint16]:
    # The luma plane as 16-bit words: 12-bit depth codes come back exactly as written.
    return cast("npt.NDArray[np.uint16]", frame.to_ndarray(format="gray12le"))


DEPTH_CODE_PIXEL_FORMATS = ("gray12le", "gray12be")
"""Stream pixel formats whose samples are 12-bit depth codes."""

_Converter = Callable[[av.VideoFrame], npt.NDArray[Any]]


@dataclass(frozen=True, slots=True)
class _Keyframe:
    dts: int  # decode timestamp, stream ticks: what the MP4 demuxer seeks by
    pts: int  # presentation timestamp, stream ticks


class _OpenVideo:
    """One opened file, its packet index, and a lock: a container is not thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.container = open_input(path)
        self.stream = self.container.streams.video[0]
        # Frame threading adds latency to short random reads; one thread is fastest here.
        self.stream.codec_context.thread_type = "NONE"
        self.time_base: Fraction = self.stream.time_base or Fraction(1, 1)
        self.frame_pts, self.keyframes = self._scan()
        self.keyframe_pts = [k.pts for k in self.keyframes]
        self.height = self.stream.codec_context.height
        self.width = self.stream.codec_context.width

    def _scan(self) -> tuple[npt.NDArray[np.int64], list[_Keyframe]]:
        packets: list[tuple[int, int, bool]] = []
        try:
            for packet in self.container.demux(self.stream):
                if packet.pts is not None and packet.dts is not None:
                    packets.append((packet.dts, packet.pts, packet.is_keyframe))
        except av.FFmpegError as err:
            self.container.close()
            raise MediaError(f"{str(self.path)!r} is corrupt: {err}.", path=self.path) from err
        header_frames = self.stream.frames
        if not packets or (header_frames and len(packets) < header_frames):
            self.container.close()
            raise MediaError(
                f"{str(self.path)!r} is truncated or corrupt: its header lists "
                f"{header_frames} frames but only {len(packets)} can be read.",
                path=self.path,
            )
        packets.sort()
        keyframes = [_Keyframe(dts=d, pts=p) for d, p, key in packets if key]
        if not keyframes:
            keyframes = [_Keyframe(dts=packets[0][0], pts=packets[0][1])]
        return np.array(sorted(p for _, p, _ in packets), dtype=np.int64), keyframes

    def nearest_frames(
        self, timestamps_seconds: npt.NDArray[np.float64], tolerance_seconds: float
    ) -> npt.NDArray[np.int64]:
        """Map each timestamp to the pts of the nearest frame; raise if beyond tolerance."""
        ticks = timestamps_seconds / float(self.time_base)
        right = np.clip(np.searchsorted(self.frame_pts, ticks), 1, len(self.frame_pts) - 1)
        left = right - 1
        if len(self.frame_pts) == 1:
            left = right = np.zeros_like(right)
        choose_right = np.abs(self.frame_pts[right] - ticks) < np.abs(self.frame_pts[left] - ticks)
        nearest = np.where(choose_right, self.frame_pts[right], self.frame_pts[left])
        error_seconds = np.abs(nearest * float(self.time_base) - timestamps_seconds)
        # Tiny slack: timestamps arrive as float seconds (i / fps), ticks are exact fractions.
        bad = np.flatnonzero(error_seconds > tolerance_seconds + 1e-9)
        if bad.size:
            first = bad[0]
            start_seconds = float(self.frame_pts[0] * self.time_base)
            end_seconds = float(self.frame_pts[-1] * self.time_base)
            raise FrameIndexError(
                f"No frame within tolerance_seconds={tolerance_seconds} of "
                f"{timestamps_seconds[first]:.6f} s in {str(self.path)!r}: the nearest frame is "
                f"at {nearest[first] * float(self.time_base):.6f} s. The video has "
                f"{len(self.frame_pts)} frames from {start_seconds:.6f} s to {end_seconds:.6f} "
                f"s; query frame times (index / fps) or raise tolerance_seconds."
            )
        return nearest.astype(np.int64)

    def decode(self, wanted_pts: Sequence[int], convert: _Converter) -> dict[int, npt.NDArray[Any]]:
        """Decode the frames with these pts, from the best keyframe, falling back."""
        wanted = set(wanted_pts)
        first = min(wanted)
        # Keyframes are in decode order and their pts increase along it, so bisect applies.
        start = max(bisect.bisect_right(self.keyframe_pts, first) - 1, 0)
        while True:
            found = self._decode_from(self.keyframes[start], wanted, convert)
            if len(found) == len(wanted) or start == 0:
                break
            start -= 1  # A leading picture was skipped: begin one keyframe earlier.
        if len(found) != len(wanted):
            missing = sorted(wanted - found.keys())
            raise MediaError(
                f"{str(self.path)!r} could not decode the frames at "
                f"{[round(float(p * self.time_base), 6) for p in missing]} s; the file is "
                f"corrupt.",
                path=self.path,
            )
        return found

    def _decode_from(
        self, keyframe: _Keyframe, wanted: set[int], convert: _Converter
    ) -> dict[int, npt.NDArray[Any]]:
        found: dict[int, npt.NDArray[Any]] = {}
        try:
            self.container.seek(keyframe.dts, backward=True, any_frame=False, stream=self.stream)
            for packet in self.container.demux(self.stream):
                for frame in self.stream.decode(packet):
                    if frame.pts in wanted:
                        found[frame.pts] = convert(frame)
                        if len(found) == len(wanted):
                            return found
        except av.FFmpegError as err:
            raise MediaError(f"{str(self.path)!r} is corrupt: {err}.", path=self.path) from err
        return found

    def close(self) -> None:
        self.container.close()


class _DecoderCache:
    """LRU cache of opened files, keyed by path, size and modification time."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[str, int, int], _OpenVideo] = OrderedDict()

    def get(self, path: Path) -> _OpenVideo:
        try:
            stat = os.stat(path)
        except OSError as err:
            raise MediaError(f"Video file {str(path)!r} cannot be read: {err}.", path=path) from err
        # Size and modification time make a rewritten file a new entry; the path is taken as
        # given (resolving it costs a syscall per component on every request).
        key = (os.fspath(path), stat.st_size, stat.st_mtime_ns)
        with self.lock:
            video = self.entries.get(key)
            if video is not None:
                self.entries.move_to_end(key)
                return video
        video = _OpenVideo(path)
        with self.lock:
            self.entries[key] = video
            while len(self.entries) > max(self.max_size, 1):
                _, evicted = self.entries.popitem(last=False)
                with evicted.lock:
                    evicted.close()
        return video

    def clear(self, under: str | None = None) -> None:
        with self.lock:
            keys = [
                key
                for key in self.entries
                if under is None or os.path.abspath(key[0]).startswith(under)
            ]
            for key in keys:
                video = self.entries.pop(key)
                with video.lock:
                    video.close()


_CACHE = _DecoderCache(DECODER_CACHE_SIZE)


def clear_decoder_cache(under: str | os.PathLike[str] | None = None) -> None:
    """Close the video files kept open by :func:`decode_frames` (all, or those in a folder).

    Args:
        under: Close only files inside this folder (e.g. one whose files are about to be
            removed); None closes every one.
    """
    if under is None:
        _CACHE.clear()
        return
    folder = path_argument(under, "under")
    _CACHE.clear(os.path.join(os.path.abspath(folder), ""))


def decode_frames(
    path: str | os.PathLike[str],
    timestamps: Sequence[float] | npt.NDArray[np.floating],
    *,
    tolerance_seconds: float = 1e-4,
) -> npt.NDArray[np.uint8]:
    """Decode the frames shown at the given times, with LeRobot's timestamp semantics.

    Each timestamp selects the frame whose presentation time is nearest; if that frame is
    farther than ``tolerance_seconds``, the call fails rather than return a different frame.
    The file stays open in a bounded cache, so repeated requests do not reopen it.

    Args:
        path: The video file (MP4 as LeRobot writes it, or any file FFmpeg reads).
        timestamps: Times in seconds from the start of the file; any order, repeats allowed.
        tolerance_seconds: Largest accepted distance, in seconds, between a timestamp and the
            frame returned for it (LeRobot's ``tolerance_s``, default 1e-4).

    Returns:
        RGB frames, shape (len(timestamps), H, W, 3), uint8, in the order of ``timestamps``.

    Raises:
        ConfigError: ``timestamps`` is not a non-empty 1-D list, tuple or array of finite
            seconds (generators are refused), or ``tolerance_seconds`` is not a finite
            number >= 0.
        FrameIndexError: A timestamp has no frame within ``tolerance_seconds``.
        MediaError: The file is missing, not a video, truncated or corrupt.
    """
    return _decode_at(path_argument(path), timestamps, tolerance_seconds, _rgb)


def decode_depth_codes(
    path: str | os.PathLike[str],
    timestamps: Sequence[float] | npt.NDArray[np.floating],
    *,
    tolerance_seconds: float = 1e-4,
) -> npt.NDArray[np.uint16]:
    """Decode 12-bit depth codes at the given times, exactly as they were encoded.

    Same timestamp semantics and cache as :func:`decode_frames`. Only a decoder is needed
    (never an HEVC encoder, unlike LeRobot's reader). Turn codes into depth with
    :func:`lerobot_video.dequantize_depth` and ``DepthQuantization.from_info(info)``.

    Args:
        path: A depth video (``gray12le`` HEVC or FFV1 as LeRobot or this library writes).
        timestamps: Times in seconds from the start of the file.
        tolerance_seconds: Largest accepted distance, in seconds, to the frame returned.

    Returns:
        Codes, (len(timestamps), H, W) uint16 in [0, 4095] for 12-bit streams.

    Raises:
        ConfigError: ``timestamps`` is not a non-empty 1-D list, tuple or array of finite
            seconds (generators are refused), or ``tolerance_seconds`` is not a finite
            number >= 0.
        FrameIndexError: A timestamp has no frame within ``tolerance_seconds``.
        MediaError: The file is missing, not a video, truncated or corrupt, or not a 12-bit
            grey (depth) video.
    """
    return _decode_at(path_argument(path), timestamps, tolerance_seconds, _gray12)


def _decode_at(
    path: Path,
    timestamps: Sequence[float] | npt.NDArray[np.floating],
    tolerance_seconds: float,
    convert: _Converter,
) -> npt.NDArray[Any]:
    times = _checked_times(timestamps)
    if (
        isinstance(tolerance_seconds, bool)
        or not isinstance(tolerance_seconds, int | float | np.floating | np.integer)
        or not tolerance_seconds >= 0
        or not math.isfinite(tolerance_seconds)
    ):
        raise ConfigError(
            f"tolerance_seconds must be a finite number of seconds >= 0, got {tolerance_seconds!r}."
        )
    video = _CACHE.get(path)
    pix_fmt = video.stream.codec_context.pix_fmt
    if convert is _gray12 and pix_fmt not in DEPTH_CODE_PIXEL_FORMATS:
        raise MediaError(
            f"{str(path)!r} is not a depth video: its pixel format is {pix_fmt!r}, but 12-bit "
            f"depth codes are stored as {' or '.join(DEPTH_CODE_PIXEL_FORMATS)}; use "
            f"decode_frames for colour video.",
            path=path,
        )
    with video.lock:
        nearest = video.nearest_frames(times, tolerance_seconds)
        decoded = video.decode(sorted(set(nearest.tolist())), convert)
    return np.stack([decoded[pts] for pts in nearest.tolist()])


def _checked_times(timestamps: object) -> npt.NDArray[np.float64]:
    """Timestamps as a 1-D float64 array, or ConfigError naming what was given."""
    message = (
        f"timestamps must be a non-empty 1-D sequence (list, tuple or array) of finite "
        f"seconds, got {timestamps!r}."
    )
    if isinstance(timestamps, str | bytes) or not isinstance(timestamps, Sequence | np.ndarray):
        raise ConfigError(message)
    try:
        times = np.asarray(timestamps, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ConfigError(message) from err
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)):
        raise ConfigError(message)
    return times


def decode_all_frames(
    path: str | os.PathLike[str], *, max_frames: int | None = None
) -> tuple[npt.NDArray[np.uint8], int]:
    """Decode a video from its start, in presentation order, as RGB.

    Args:
        path: The video file.
        max_frames: Stop after this many frames; None decodes them all.

    Returns:
        The frames, (N, H, W, 3) uint8, and the stream's frame rate rounded to frames per
        second (30 when the file does not say).

    Raises:
        ConfigError: ``max_frames`` is not an integer >= 1 or None.
        MediaError: The file is missing, not a video, or corrupt, or truncated (fewer frames
            decode than its header lists).
    """
    if max_frames is not None and (
        isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1
    ):
        raise ConfigError(f"max_frames must be an integer >= 1 or None, got {max_frames!r}.")
    path = path_argument(path)
    container = open_input(path)
    frames: list[npt.NDArray[np.uint8]] = []
    try:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"  # throughput matters here, not latency
        rate = stream.base_rate or stream.average_rate
        header_frames = stream.frames or 0
        for frame in container.decode(stream):
            frames.append(_rgb(frame))
            if max_frames is not None and len(frames) >= max_frames:
                break
    except av.FFmpegError as err:
        raise MediaError(f"{str(path)!r} is corrupt: {err}.", path=path) from err
    finally:
        container.close()
    if not frames:
        raise MediaError(f"{str(path)!r} has no decodable frames.", path=path)
    _check_complete(path, len(frames), header_frames, max_frames)
    return np.stack(frames), round(float(rate)) if rate else 30


def _check_complete(path: Path, decoded: int, header: int, max_frames: int | None) -> None:
    """Refuse a file that decodes to fewer frames than its header lists (truncated)."""
    expected = header if max_frames is None else min(header, max_frames)
    if header and decoded < expected:
        raise MediaError(
            f"{str(path)!r} is truncated or corrupt: its header lists {header} frames but "
            f"only {decoded} could be decoded.",
            path=path,
        )
