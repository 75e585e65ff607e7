"""The depth lesson: the 12-bit quantizer's step over the range, linear against logarithmic.

The theoretical step comes from :func:`~lerobot_video.quantization_step_mm`; beside it, the
error real depth frames actually get from a quantize/dequantize round trip (what lossless
12-bit video keeps), binned by depth. NumPy only; no encoding: the video is lossless, so the
round trip is the quantizer's alone.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lerobot_video.depth import (
    DepthQuantization,
    dequantize_depth,
    invalid_depth_mask,
    quantization_step_mm,
    quantize_depth,
)
from lerobot_video.errors import ConfigError

Floats = npt.NDArray[np.float64]
CURVE_POINTS = 200
"""Depths at which the theoretical step is drawn."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DepthStepLesson:
    """Step sizes of the linear and log quantizers, and the error real frames get from each.

    Attributes:
        linear: The linear mapping compared (``use_log=False``).
        log: The logarithmic mapping compared (``use_log=True``), same range and shift.
        depths_m: Depths where the steps are given, metres, (M,) ascending.
        linear_step_mm: Linear step at each depth, millimetres, (M,).
        log_step_mm: Log step at each depth, millimetres, (M,).
        bin_centres_m: Centres of the depth bins of the measured error, metres, (B,).
        pixels_per_bin: Valid pixels of the frames in each bin, (B,).
        linear_max_error_mm: Largest round-trip error in each bin, mm, (B,); NaN if empty.
        log_max_error_mm: The same for the log mapping, mm, (B,).
    """

    linear: DepthQuantization
    log: DepthQuantization
    depths_m: Floats
    linear_step_mm: Floats
    log_step_mm: Floats
    bin_centres_m: Floats
    pixels_per_bin: npt.NDArray[np.int64]
    linear_max_error_mm: Floats
    log_max_error_mm: Floats

    @property
    def linear_worst_error_mm(self) -> float:
        """Largest round-trip error of the linear mapping over every bin, mm."""
        return float(np.nanmax(self.linear_max_error_mm))

    @property
    def log_worst_error_mm(self) -> float:
        """Largest round-trip error of the log mapping over every bin, mm."""
        return float(np.nanmax(self.log_max_error_mm))


def _max_error_per_bin(
    depth_m: npt.NDArray[np.float32], quantization: DepthQuantization, edges: Floats
) -> Floats:
    # The quantizer takes frames: the pixels go through as one (1, M) frame.
    codes = quantize_depth(depth_m.reshape(1, -1), quantization, input_unit="m")
    back = dequantize_depth(codes, quantization, output_unit="m").reshape(-1)
    error_mm = np.abs(back.astype(np.float64) - depth_m) * 1000.0
    which = np.digitize(depth_m, edges) - 1
    result = np.full(len(edges) - 1, np.nan)
    for index in range(len(edges) - 1):
        inside = error_mm[which == index]
        if inside.size:
            result[index] = float(inside.max())
    return result


def depth_step_lesson(
    depth_m: npt.NDArray[np.floating], quantization: DepthQuantization, *, bins: int = 16
) -> DepthStepLesson:
    """Compare the linear and log step sizes of ``quantization``'s range on real depth.

    Args:
        depth_m: Depth frames in metres, any shape (for example (N, H, W)); invalid pixels
            (0, negative, NaN, inf) and depths outside [depth_min, depth_max] are left out
            of the measured error.
        quantization: The range and shift to compare; its ``use_log`` is ignored (both are
            shown).
        bins: Depth bins of the measured error, 1..100, equal widths over the valid depths.

    Returns:
        The steps and the measured errors.

    Raises:
        ConfigError: Not a float array, no valid pixel in range, or ``bins`` out of range.
    """
    if not isinstance(depth_m, np.ndarray) or depth_m.dtype.kind != "f":
        raise ConfigError(f"depth_m must be a float array of metres, got {type(depth_m).__name__}.")
    if isinstance(bins, bool) or not isinstance(bins, int) or not 1 <= bins <= 100:
        raise ConfigError(f"bins must be an integer in [1, 100], got {bins!r}.")
    linear = dataclasses.replace(quantization, use_log=False)
    log = dataclasses.replace(quantization, use_log=True)
    low, high = quantization.depth_min, quantization.depth_max
    valid = depth_m[~invalid_depth_mask(depth_m)].astype(np.float32)
    valid = valid[(valid >= low) & (valid <= high)]
    if not valid.size:
        raise ConfigError(f"No depth of the frames lies in [{low:g}, {high:g}] m.")
    depths = np.linspace(low, high, CURVE_POINTS)
    edges = np.linspace(float(valid.min()), float(valid.max()) + 1e-6, bins + 1)
    counts = np.histogram(valid, bins=edges)[0].astype(np.int64)
    return DepthStepLesson(
        linear=linear,
        log=log,
        depths_m=depths,
        linear_step_mm=quantization_step_mm(depths, linear),
        log_step_mm=quantization_step_mm(depths, log),
        bin_centres_m=(edges[:-1] + edges[1:]) / 2,
        pixels_per_bin=counts,
        linear_max_error_mm=_max_error_per_bin(valid, linear, edges),
        log_max_error_mm=_max_error_per_bin(valid, log, edges),
    )
