"""Replay a recorded clip as if it were a live camera, and the bundled ALOHA sample.

Needs no device: the clip (and its depth) is loaded into memory and read by wall-clock time
or one frame per read. Nothing here encodes or writes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lerobot_video.capture.source import (
    Frames,
    FrameSource,
    StreamSpec,
    check_flag,
    check_path,
    check_positive,
    not_started,
    read_only,
)
from lerobot_video.clips import (
    BUNDLED_DEPTH_CLIP,
    BUNDLED_RGB_CLIP,
    Clip,
    DepthClip,
    load_clip,
    load_depth_clip,
)
from lerobot_video.depth import MM_PER_M
from lerobot_video.errors import ConfigError, FrameIndexError, MediaError

_UINT16_MAX = int(np.iinfo(np.uint16).max)
# Frame indices are int(elapsed * fps); a tick that lands on a frame boundary must not lose
# that frame to float rounding (0.1 s * 50 fps = 4.9999999).
_INDEX_EPSILON = 1e-6


class ReplaySource(FrameSource):
    """A recorded clip played back as if it were a live camera.

    With ``paced=True``, :meth:`read` returns the frame for the wall-clock time since
    :meth:`start` (frame ``int(elapsed_seconds * fps)``), so a slow reader skips frames as
    with a real camera. With ``paced=False`` each read returns the next frame at once
    (benchmarks). Depth is delivered as uint16 millimetres: NaN, inf and values <= 0 become
    0 (no reading), and depths beyond 65.535 m saturate at 65535, as in LeRobot's uint16 output.
    """

    def __init__(
        self,
        rgb_path: str | os.PathLike[str],
        depth_path: str | os.PathLike[str] | None = None,
        *,
        fps: float | None = None,
        loop: bool = True,
        paced: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Load the clip (and its depth) into memory.

        Args:
            rgb_path: An ``.npz`` with ``frames`` (N, H, W, 3) uint8 (and ``fps``), or a video
                file; see :func:`lerobot_video.load_clip`.
            depth_path: Optional depth for the same frames: ``.npy``/``.npz`` (N, H, W) in
                metres (float) or millimetres (integers); see
                :func:`lerobot_video.load_depth_clip`.
            fps: Playback rate in frames per second; None uses the clip's.
            loop: Start again after the last frame; otherwise reading past it raises.
            paced: Pick frames by elapsed time (True) or one per read (False).
            clock: Seconds from a monotonic clock; replaceable for tests.

        Raises:
            ConfigError: ``fps`` is not > 0, a path or flag of the wrong type, unsupported
                files, or depth that does not match the RGB frames in count, size or rate.
            MediaError: A file cannot be read.
        """
        check_path("rgb_path", rgb_path)
        if depth_path is not None:
            check_path("depth_path", depth_path)
        if fps is not None:
            check_positive("fps", fps, "frames per second")
        check_flag("loop", loop)
        check_flag("paced", paced)
        if not callable(clock):
            raise ConfigError(f"clock must be a callable returning seconds, got {clock!r}.")
        clip = load_clip(rgb_path)
        self.name = clip.name
        self.fps = float(fps if fps is not None else clip.fps)
        self._rgb = read_only(clip.frames)
        self._depth_mm = None if depth_path is None else read_only(_replay_depth(depth_path, clip))
        self._loop, self._paced, self._clock = loop, paced, clock
        self._start_time: float | None = None
        self._reads = 0

    @property
    def num_frames(self) -> int:
        """Frames in the clip."""
        return len(self._rgb)

    def streams(self) -> tuple[StreamSpec, ...]:
        """``color`` and, when depth was given, ``depth``, at the clip's size."""
        _, height, width, _ = self._rgb.shape
        specs = [StreamSpec(key="color", height=height, width=width, channels=3, kind="rgb")]
        if self._depth_mm is not None:
            specs.append(
                StreamSpec(key="depth", height=height, width=width, channels=1, kind="depth")
            )
        return tuple(specs)

    def start(self) -> None:
        """Start the replay clock at frame 0; does nothing when already started."""
        if self._start_time is None:
            self._start_time = self._clock()
            self._reads = 0

    def read(self, timeout_seconds: float = 1.0) -> Frames:
        """The current frame (paced) or the next one (unpaced); never waits.

        Args:
            timeout_seconds: Accepted for the interface (> 0); frames are always ready.

        Returns:
            ``{"color": (H, W, 3) uint8}`` plus ``{"depth": (H, W, 1) uint16 mm}`` with depth.

        Raises:
            ConfigError: ``timeout_seconds`` is not > 0.
            DeviceUnavailableError: Not started.
            FrameIndexError: Past the last frame with ``loop=False``.
        """
        check_positive("timeout_seconds", timeout_seconds, "seconds")
        if self._start_time is None:
            raise not_started(self.name)
        if self._paced:
            elapsed_seconds = max(0.0, self._clock() - self._start_time)
            index = int(elapsed_seconds * self.fps + _INDEX_EPSILON)
        else:
            index = self._reads
        self._reads += 1
        if index >= self.num_frames:
            if not self._loop:
                raise FrameIndexError(
                    f"Replay of {self.name!r} ended after its {self.num_frames} frames "
                    f"({self.num_frames / self.fps:g} s at {self.fps:g} fps); stop recording "
                    f"there, or pass loop=True to start the clip again."
                )
            index %= self.num_frames
        frames: Frames = {"color": self._rgb[index]}
        if self._depth_mm is not None:
            frames["depth"] = self._depth_mm[index]
        return frames

    def stop(self) -> None:
        """Stop the replay clock; the next :meth:`start` begins again at frame 0."""
        self._start_time = None


def bundled_replay_source(
    with_depth: bool = True, *, fps: float | None = None, loop: bool = True, paced: bool = True
) -> ReplaySource:
    """Replay of the bundled ALOHA sample (100 frames of 480x640 at 50 fps), with its depth.

    Args:
        with_depth: Also deliver the sample's depth as a ``depth`` stream.
        fps: Playback rate; None uses the clip's 50 fps.
        loop: Start again after the last frame.
        paced: Pick frames by elapsed time (True) or one per read (False).

    Returns:
        The source, not started.

    Raises:
        MediaError: The sample files are missing (they ship with the repository's ``assets/``,
            not with an installed wheel).
    """
    paths = [BUNDLED_RGB_CLIP, BUNDLED_DEPTH_CLIP] if with_depth else [BUNDLED_RGB_CLIP]
    for path in paths:
        if not path.is_file():
            raise MediaError(
                f"The bundled sample {str(path)!r} is missing; it ships in the repository's "
                f"assets/ folder, so run from a checkout or pass your own clip to ReplaySource.",
                path=path,
            )
    depth_path = BUNDLED_DEPTH_CLIP if with_depth else None
    return ReplaySource(BUNDLED_RGB_CLIP, depth_path, fps=fps, loop=loop, paced=paced)


def _replay_depth(path: str | os.PathLike[str], clip: Clip) -> npt.NDArray[np.uint16]:
    depth = load_depth_clip([path], fps=clip.fps)
    name = Path(path).name
    if depth.depth.shape != clip.frames.shape[:3]:
        raise ConfigError(
            f"Depth {name!r} is {depth.depth.shape} (N, H, W) but the RGB clip {clip.name!r} "
            f"is {clip.frames.shape[:3]}; replay needs one depth frame of the same size per "
            f"RGB frame."
        )
    if depth.fps != clip.fps:
        raise ConfigError(
            f"Depth {name!r} is {depth.fps} fps but the RGB clip {clip.name!r} is {clip.fps} "
            f"fps; use recordings of one rate."
        )
    return _depth_clip_to_mm(depth)[..., None]


def _depth_clip_to_mm(clip: DepthClip) -> npt.NDArray[np.uint16]:
    """(N, H, W) uint16 mm: invalid (0, NaN, inf, negative) -> 0, beyond 65535 mm saturates."""
    if clip.unit == "mm":
        return np.asarray(clip.depth, dtype=np.uint16)
    mm = clip.metres()  # a float32 copy with NaN where invalid
    mm *= MM_PER_M
    np.rint(mm, out=mm)
    np.clip(mm, 0, _UINT16_MAX, out=mm)
    np.nan_to_num(mm, copy=False, nan=0.0)
    return mm.astype(np.uint16)
