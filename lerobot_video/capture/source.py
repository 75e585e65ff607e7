"""The frame-source interface: what a camera (or a stand-in) gives a recorder.

One small interface, :class:`FrameSource` (``start``, ``read`` once per recording tick,
``stop``), so a recorder need not know where frames come from; :class:`StreamSpec` describes
a stream and :class:`SourceStatus` whether a kind of source can be used here. The sources
are one module each (replay, browser, opencv, realsense). Nothing here encodes or writes.
"""

from __future__ import annotations

import abc
import math
import os
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt

from lerobot_video.errors import ConfigError, DeviceUnavailableError

Frames = dict[str, npt.NDArray[np.uint8] | npt.NDArray[np.uint16]]
"""One reading of a source: stream key -> newest frame (read-only array)."""

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
        check_pixels("height", self.height)
        check_pixels("width", self.width)
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
    def read(self, timeout_seconds: float = 1.0) -> Frames:
        """The newest frame of every stream.

        Args:
            timeout_seconds: Longest wait for a frame, in seconds (> 0).

        Returns:
            ``{StreamSpec.key: frame}``: RGB (H, W, 3) uint8; depth (H, W, 1) uint16 mm.

        Raises:
            ConfigError: ``timeout_seconds`` is not > 0.
            DeviceUnavailableError: Not started, or no frame came within ``timeout_seconds``.
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


def read_only(array: _ArrayT) -> _ArrayT:
    """A read-only view of ``array``: sources hand out frames that callers must not change."""
    view = array.view()
    view.flags.writeable = False
    return view


def not_started(name: str) -> DeviceUnavailableError:
    """The error of reading a source that is not started."""
    return DeviceUnavailableError(
        f"Source {name!r} is not started; call start() first, or use it in a `with` block."
    )


def check_pixels(name: str, value: int) -> None:
    """Refuse a size that is not a positive whole number of pixels (``ConfigError``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive whole number of pixels, got {value!r}.")


def check_positive(name: str, value: float, unit: str) -> None:
    """Refuse a value that is not a finite number > 0 in ``unit`` (``ConfigError``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ConfigError(f"{name} must be a finite number > 0 ({unit}), got {value!r}.")


def check_flag(name: str, value: object) -> None:
    """Refuse a flag that is not ``True``/``False`` (``"no"`` would be true; ``ConfigError``)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be True or False, got {value!r}.")


def check_path(name: str, value: object) -> None:
    """Refuse a file argument that is not a non-empty path (``ConfigError``)."""
    if not isinstance(value, str | os.PathLike) or not str(value):
        raise ConfigError(f"{name} must be a file path (str or os.PathLike), got {value!r}.")
