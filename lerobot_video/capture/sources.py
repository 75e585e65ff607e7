"""Frame sources for recording: the interface, and the sources that need no camera hardware.

One small interface, :class:`FrameSource` (``start``, ``read`` once per recording tick,
``stop``), so a recorder need not know where frames come from. Here too are the sources built
on it that need no device: a replayed clip (:class:`ReplaySource`, the bundled ALOHA sample)
and frames pushed from a web page (:class:`BrowserSource`). The OpenCV and RealSense cameras
and device listing live in :mod:`lerobot_video.capture.devices`. Nothing here encodes or writes.
"""

from __future__ import annotations

import abc
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image

from lerobot_video.clips import (
    BUNDLED_DEPTH_CLIP,
    BUNDLED_RGB_CLIP,
    Clip,
    DepthClip,
    load_clip,
    load_depth_clip,
)
from lerobot_video.depth import MM_PER_M
from lerobot_video.errors import ConfigError, DeviceUnavailableError, FrameIndexError, MediaError

Frames = dict[str, npt.NDArray[np.uint8] | npt.NDArray[np.uint16]]
"""One reading of a source: stream key -> newest frame (read-only array)."""

_UINT16_MAX = int(np.iinfo(np.uint16).max)
# Frame indices are int(elapsed * fps); a tick that lands on a frame boundary must not lose
# that frame to float rounding (0.1 s * 50 fps = 4.9999999).
_INDEX_EPSILON = 1e-6

_SourceT = TypeVar("_SourceT", bound="FrameSource")
_ArrayT = TypeVar("_ArrayT", bound="np.ndarray[Any, Any]")


@dataclass(frozen=True, kw_only=True, slots=True)
class StreamSpec:
    """One stream a source delivers.

    Attributes:
        key: Name of the stream in :meth:`FrameSource.read`'s result, e.g. ``"color"``.
        height: Frame height in pixels.
        width: Frame width in pixels.
        channels: 3 for ``"rgb"`` (uint8), 1 for ``"depth"`` (uint16 millimetres, 0 = no
            reading).
        kind: ``"rgb"`` or ``"depth"``.
    """

    key: str
    height: int
    width: int
    channels: int
    kind: Literal["rgb", "depth"]

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ConfigError(f"Stream key must be a non-empty string, got {self.key!r}.")
        _check_pixels("height", self.height)
        _check_pixels("width", self.width)
        expected = {"rgb": 3, "depth": 1}.get(self.kind)
        if expected is None:
            raise ConfigError(f"Stream kind must be 'rgb' or 'depth', got {self.kind!r}.")
        if self.channels != expected:
            raise ConfigError(
                f"A {self.kind!r} stream has {expected} channel(s), got {self.channels!r}."
            )

    @property
    def shape(self) -> tuple[int, int, int]:
        """Shape of one frame, (H, W, C)."""
        return (self.height, self.width, self.channels)


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceStatus:
    """Whether a kind of source can be used here, for a source picker.

    Attributes:
        kind: ``"replay"``, ``"opencv"``, ``"realsense"`` or ``"browser"``.
        label: Human text, e.g. ``"OpenCV camera 0"``.
        available: True when the source should start.
        message: Why it is not available and how to fix it; empty when available.
        device: What selects the device: the OpenCV index or the RealSense serial number;
            None for replay, browser and unavailable entries.
    """

    kind: Literal["replay", "opencv", "realsense", "browser"]
    label: str
    available: bool
    message: str = ""
    device: int | str | None = None


class FrameSource(abc.ABC):
    """A camera, or something standing in for one, read once per recording tick.

    Call :meth:`start`, then :meth:`read` at the recording rate, then :meth:`stop` (or use
    the source in a ``with`` block). Returned arrays are read-only; copy them to modify.

    Attributes:
        name: Short identifier without spaces, e.g. ``"opencv0"``.
        fps: Frames per second the source delivers at.
    """

    name: str
    fps: float

    @abc.abstractmethod
    def streams(self) -> tuple[StreamSpec, ...]:
        """The streams :meth:`read` returns, known before :meth:`start`."""

    @abc.abstractmethod
    def start(self) -> None:
        """Open the device and begin delivering frames; does nothing when already started.

        Raises:
            DeviceUnavailableError: The device or its library is missing or refused.
        """

    @abc.abstractmethod
    def read(self, timeout_s: float = 1.0) -> Frames:
        """The newest frame of every stream.

        Args:
            timeout_s: Longest wait for a frame, in seconds (> 0).

        Returns:
            ``{StreamSpec.key: frame}``: RGB (H, W, 3) uint8; depth (H, W, 1) uint16 mm.

        Raises:
            ConfigError: ``timeout_s`` is not > 0.
            DeviceUnavailableError: Not started, or no frame came within ``timeout_s``.
        """

    @abc.abstractmethod
    def stop(self) -> None:
        """Release the device; safe to call more than once."""

    def __enter__(self: _SourceT) -> _SourceT:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


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
            ConfigError: ``fps`` is not > 0, unsupported files, or depth that does not match
                the RGB frames in count, size or rate.
            MediaError: A file cannot be read.
        """
        if fps is not None:
            _check_positive("fps", fps, "frames per second")
        clip = load_clip(rgb_path)
        self.name = clip.name
        self.fps = float(fps if fps is not None else clip.fps)
        self._rgb = _read_only(clip.frames)
        self._depth_mm = None if depth_path is None else _read_only(_replay_depth(depth_path, clip))
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

    def read(self, timeout_s: float = 1.0) -> Frames:
        """The current frame (paced) or the next one (unpaced); never waits.

        Args:
            timeout_s: Accepted for the interface (> 0); frames are always ready.

        Returns:
            ``{"color": (H, W, 3) uint8}`` plus ``{"depth": (H, W, 1) uint16 mm}`` with depth.

        Raises:
            ConfigError: ``timeout_s`` is not > 0.
            DeviceUnavailableError: Not started.
            FrameIndexError: Past the last frame with ``loop=False``.
        """
        _check_positive("timeout_s", timeout_s, "seconds")
        if self._start_time is None:
            raise _not_started(self.name)
        if self._paced:
            elapsed_s = max(0.0, self._clock() - self._start_time)
            index = int(elapsed_s * self.fps + _INDEX_EPSILON)
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


class BrowserSource(FrameSource):
    """Frames pushed from a web page's camera (one per message), read by a recorder.

    :meth:`push` may be called from a web-server thread while :meth:`read` runs in the
    recorder's thread. A frame of another size is centre-cropped to the source's aspect
    ratio and resized (bilinear, with Pillow), like CSS ``object-fit: cover``: the picture
    is never stretched, and the edges of a wider or taller picture are lost.
    """

    def __init__(
        self,
        *,
        height: int,
        width: int,
        fps: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Describe the frames the page will push.

        Args:
            height: Frame height in pixels that :meth:`read` returns.
            width: Frame width in pixels that :meth:`read` returns.
            fps: Rate the page is asked to send at, in frames per second.
            clock: Seconds from a monotonic clock; replaceable for tests.

        Raises:
            ConfigError: A size or rate that is not > 0.
        """
        _check_pixels("height", height)
        _check_pixels("width", width)
        _check_positive("fps", fps, "frames per second")
        self.height, self.width, self.fps = height, width, float(fps)
        self.name = "browser"
        self._clock = clock
        self._condition = threading.Condition()
        self._frame: npt.NDArray[np.uint8] | None = None
        self._pushed_at_s: float | None = None
        self._started = False

    def streams(self) -> tuple[StreamSpec, ...]:
        """One ``color`` stream of the configured size."""
        return (
            StreamSpec(key="color", height=self.height, width=self.width, channels=3, kind="rgb"),
        )

    def push(self, frame: npt.NDArray[np.uint8]) -> None:
        """Hand over the page's newest frame; it replaces any unread one.

        Args:
            frame: RGB, (H, W, 3) uint8, any size (fitted as the class describes). The array
                is copied, so the caller may reuse it.

        Raises:
            ConfigError: Not an (H, W, 3) uint8 array.
        """
        array = np.asarray(frame)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3:
            raise ConfigError(
                f"Browser frames must be RGB (H, W, 3) uint8, got shape {array.shape} "
                f"{array.dtype}."
            )
        fitted = _read_only(_cover(array, self.height, self.width))
        with self._condition:
            self._frame, self._pushed_at_s = fitted, self._clock()
            self._condition.notify_all()

    def start(self) -> None:
        """Forget frames pushed before now and accept reads."""
        with self._condition:
            self._started, self._frame, self._pushed_at_s = True, None, None

    def read(self, timeout_s: float = 1.0) -> Frames:
        """The newest pushed frame, which repeats while the page sends slower than reads.

        Args:
            timeout_s: Longest wait for a frame, in seconds (> 0). The page counts as gone
                when its newest frame is older than this.

        Returns:
            ``{"color": (height, width, 3) uint8 RGB}``.

        Raises:
            ConfigError: ``timeout_s`` is not > 0.
            DeviceUnavailableError: Not started, or no frame pushed in the last ``timeout_s``.
        """
        _check_positive("timeout_s", timeout_s, "seconds")

        def is_fresh() -> bool:
            pushed_at_s = self._pushed_at_s
            return pushed_at_s is not None and self._clock() - pushed_at_s <= timeout_s

        with self._condition:
            if not self._started:
                raise _not_started(self.name)
            if not self._condition.wait_for(is_fresh, timeout=timeout_s) or self._frame is None:
                raise DeviceUnavailableError(
                    f"No frame from the browser camera in {timeout_s:g} s; allow camera access "
                    f"in the browser, and keep the page open and visible (browsers pause "
                    f"hidden tabs)."
                )
            return {"color": self._frame}

    def stop(self) -> None:
        """Stop accepting reads and drop the newest frame."""
        with self._condition:
            self._started, self._frame, self._pushed_at_s = False, None, None


class _NewestFrame:
    """The newest frame from a grab thread, or the error that stopped it. Thread-safe."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._frame: npt.NDArray[np.uint8] | None = None
        self._count = 0
        self._read_count = 0
        self._error: str | None = None

    def put(self, frame: npt.NDArray[np.uint8]) -> None:
        with self._condition:
            self._frame, self._count = _read_only(frame), self._count + 1
            self._condition.notify_all()

    def fail(self, message: str) -> None:
        with self._condition:
            self._error = message
            self._condition.notify_all()

    def clear(self) -> None:
        with self._condition:
            self._frame, self._count, self._read_count, self._error = None, 0, 0, None

    def wait(self, timeout_s: float, *, consume: bool, what: str) -> npt.NDArray[np.uint8]:
        """A frame newer than the last consumed one, waiting up to ``timeout_s``."""
        with self._condition:
            self._condition.wait_for(
                lambda: self._count > self._read_count or self._error is not None, timeout_s
            )
            if self._error is not None:
                raise DeviceUnavailableError(self._error)
            if self._frame is None or self._count == self._read_count:
                raise DeviceUnavailableError(
                    f"{what} sent no new frame in {timeout_s:g} s; check that it is connected "
                    f"and not used by another program."
                )
            if consume:
                self._read_count = self._count
            return self._frame


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


def _cover(frame: npt.NDArray[np.uint8], height: int, width: int) -> npt.NDArray[np.uint8]:
    """``frame`` centre-cropped to ``width:height`` and resized to (height, width, 3); a copy."""
    src_height, src_width = frame.shape[:2]
    if (src_height, src_width) == (height, width):
        return frame.copy()
    # Compare aspect ratios with integers: is the source wider than the target?
    if src_width * height > width * src_height:
        keep = max(1, round(src_height * width / height))
        start = (src_width - keep) // 2
        frame = frame[:, start : start + keep]
    else:
        keep = max(1, round(src_width * height / width))
        start = (src_height - keep) // 2
        frame = frame[start : start + keep]
    image = Image.fromarray(np.ascontiguousarray(frame)).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    return np.asarray(image, dtype=np.uint8).copy()


def _read_only(array: _ArrayT) -> _ArrayT:
    view = array.view()
    view.flags.writeable = False
    return view


def _not_started(name: str) -> DeviceUnavailableError:
    return DeviceUnavailableError(
        f"Source {name!r} is not started; call start() first, or use it in a `with` block."
    )


def _check_pixels(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive whole number of pixels, got {value!r}.")


def _check_positive(name: str, value: float, unit: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(f"{name} must be a finite number > 0 ({unit}), got {value!r}.")
