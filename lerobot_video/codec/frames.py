"""NumPy frames to encoder frames: checking a frame, and wrapping a trusted one.

Checking and wrapping are separate so that frames already checked upstream (the dataset's
episode buffer checks every recorded frame) are only wrapped, never checked twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import av
import numpy as np
import numpy.typing as npt

from lerobot_video.config import DepthEncoderConfig
from lerobot_video.depth import DepthUnit, quantize_depth, resolve_depth_unit
from lerobot_video.errors import ConfigError

FrameAdapter = Callable[[npt.NDArray[Any]], av.VideoFrame]
"""Wraps one trusted frame for the encoder (no check)."""

FrameCheck = Callable[[npt.NDArray[Any], int, npt.NDArray[Any]], None]
"""Checks frame ``index`` against the first frame; raises :class:`ConfigError`."""


def check_rgb_frame(frame: npt.NDArray[Any], index: int, first: npt.NDArray[Any]) -> None:
    """Check that RGB frame ``index`` is (H, W, 3) uint8 of the first frame's size.

    Raises:
        ConfigError: Not a uint8 array, not (H, W, 3), or a size other than the first's.
    """
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        dtype = getattr(frame, "dtype", type(frame).__name__)
        raise ConfigError(f"Frame {index} must be a uint8 numpy array, got {dtype}.")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ConfigError(f"Frame {index} must have shape (H, W, 3), got {frame.shape}.")
    if frame.shape != first.shape:
        raise ConfigError(
            f"Frame {index} has shape {frame.shape} but frame 0 had {first.shape}; all frames "
            f"of a video must have the same size."
        )


def rgb_video_frame(frame: npt.NDArray[Any]) -> av.VideoFrame:
    """Wrap a checked RGB frame, (H, W, 3) uint8, for the encoder."""
    return av.VideoFrame.from_ndarray(frame, format="rgb24")


def check_depth_frame(frame: npt.NDArray[Any], index: int, first: npt.NDArray[Any]) -> None:
    """Check that depth frame ``index`` is (H, W) or (H, W, 1) like the first frame.

    Raises:
        ConfigError: Shape or dtype differ from the first frame's, or not (H, W[, 1]).
    """
    if (
        not isinstance(frame, np.ndarray)
        or frame.dtype != first.dtype
        or frame.shape != first.shape
    ):
        raise ConfigError(
            f"Depth frame {index} has shape {getattr(frame, 'shape', None)} and dtype "
            f"{getattr(frame, 'dtype', type(frame).__name__)}; frame 0 had {first.shape} "
            f"{first.dtype}. All frames must match."
        )
    if not (frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 1)):
        raise ConfigError(f"Depth frame {index} must be (H, W) or (H, W, 1), got {frame.shape}.")
    if frame.dtype.kind not in "iuf":
        raise ConfigError(
            f"Depth frame {index} has dtype {frame.dtype}; depth must be integers (mm) or "
            f"floats (m)."
        )


class DepthVideoFrames:
    """Quantizes trusted depth frames to 12-bit codes and wraps them as ``gray12le`` frames.

    Args:
        config: The depth mapping (``depth_min``, ``depth_max``, ``shift``, ``use_log``).
        input_unit: ``"auto"`` (mm for integers, m for floats), ``"m"`` or ``"mm"``.
        mark_invalid: Keep "no reading" pixels as code 0.
    """

    def __init__(
        self,
        config: DepthEncoderConfig,
        *,
        input_unit: Literal["auto", "m", "mm"] = "auto",
        mark_invalid: bool = False,
    ) -> None:
        if not isinstance(input_unit, str) or input_unit not in ("auto", "m", "mm"):
            raise ConfigError(f"input_unit must be 'auto', 'm' or 'mm', got {input_unit!r}.")
        if not isinstance(mark_invalid, bool):
            raise ConfigError(f"mark_invalid must be True or False, got {mark_invalid!r}.")
        self._quantization = config.quantization
        self._input_unit: Literal["auto", "m", "mm"] = input_unit
        self._mark_invalid = mark_invalid
        self._seen_first = False
        self.unit: DepthUnit = "mm"
        """The unit of the frames seen, fixed by the first one."""

    def __call__(self, frame: npt.NDArray[Any]) -> av.VideoFrame:
        """Quantize one depth frame, (H, W) or (H, W, 1), into an encoder frame.

        Raises:
            ConfigError: A dtype :func:`~lerobot_video.quantize_depth` refuses.
        """
        if not self._seen_first:
            self.unit = resolve_depth_unit(frame, self._input_unit)
            self._seen_first = True
        codes = quantize_depth(
            frame, self._quantization, input_unit=self._input_unit, mark_invalid=self._mark_invalid
        )
        return av.VideoFrame.from_ndarray(codes, format="gray12le")
