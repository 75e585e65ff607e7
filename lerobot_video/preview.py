"""Pictures for people: difference heatmaps and browser-playable preview clips."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from lerobot_video.codec.encode import encode_video
from lerobot_video.config import RGBEncoderConfig
from lerobot_video.depth import MM_PER_M
from lerobot_video.errors import ConfigError, path_argument


def _colormap(anchors: list[tuple[int, int, int]]) -> npt.NDArray[np.uint8]:
    """A 256-entry RGB lookup table interpolated between evenly spaced anchor colours."""
    points = np.array(anchors, dtype=np.float64)
    x = np.linspace(0, 1, 256)
    xp = np.linspace(0, 1, len(points))
    return np.stack([np.interp(x, xp, channel) for channel in points.T], axis=1).astype(np.uint8)


# "inferno" (black -> purple -> orange -> pale yellow) is perceptually ordered and readable in
# greyscale, so a brighter pixel always means a larger error.
_INFERNO = _colormap(
    [
        (0, 0, 4),
        (40, 11, 84),
        (101, 21, 110),
        (159, 42, 99),
        (212, 72, 66),
        (245, 125, 21),
        (250, 193, 39),
        (252, 255, 164),
    ]
)
# "turbo" (blue -> green -> red) separates nearby depths well; the usual depth-camera palette.
_TURBO = _colormap(
    [
        (48, 18, 59),
        (70, 107, 227),
        (40, 188, 235),
        (50, 241, 152),
        (164, 252, 60),
        (239, 208, 36),
        (251, 128, 34),
        (210, 49, 5),
        (122, 4, 3),
    ]
)
COLORMAPS: dict[str, npt.NDArray[np.uint8]] = {"turbo": _TURBO, "inferno": _INFERNO}
"""Colour maps by name, as 256x3 uint8 lookup tables."""

INVALID_DEPTH_COLOR = (64, 64, 64)
"""Dark grey: pixels with no valid depth. Neither map has a neutral grey, and a calm colour
keeps a frame readable when much of it has no reading (as depth viewers show it)."""

HEATMAP_FULL_SCALE_LEVELS = 32
"""Absolute error, in 8-bit levels, shown at full brightness in :func:`difference_heatmap`."""

PREVIEW_CONFIG = RGBEncoderConfig(vcodec="h264", pix_fmt="yuv420p", g=None, crf=18)
"""High-quality H.264 4:2:0: what every browser plays. Used only for previews."""


def difference_heatmap(
    reference: npt.NDArray[np.uint8],
    decoded: npt.NDArray[np.uint8],
    *,
    full_scale_levels: int = HEATMAP_FULL_SCALE_LEVELS,
) -> npt.NDArray[np.uint8]:
    """Colour the per-pixel error between an original frame and its decoded version.

    The error of a pixel is its largest absolute difference over R, G and B, in 8-bit levels;
    0 is black and ``full_scale_levels`` or more is pale yellow (inferno colormap), so
    heatmaps drawn with the same scale can be compared side by side.

    Args:
        reference: Original frame, (H, W, 3) uint8.
        decoded: Decoded frame, (H, W, 3) uint8.
        full_scale_levels: Error (levels, 1..255) that maps to the brightest colour.

    Returns:
        Heatmap, (H, W, 3) uint8 RGB.

    Raises:
        ConfigError: Shapes differ or the scale is outside 1..255.
    """
    if not isinstance(reference, np.ndarray) or not isinstance(decoded, np.ndarray):
        raise ConfigError(
            f"reference and decoded must be numpy frames (H, W, 3) uint8, got "
            f"{type(reference).__name__} and {type(decoded).__name__}."
        )
    if reference.shape != decoded.shape or reference.ndim != 3 or reference.shape[-1] != 3:
        raise ConfigError(
            f"Frames must both be (H, W, 3), got {reference.shape} and {decoded.shape}."
        )
    if reference.dtype != np.uint8 or decoded.dtype != np.uint8:
        raise ConfigError(f"Frames must be uint8, got {reference.dtype} and {decoded.dtype}.")
    if (
        isinstance(full_scale_levels, bool)
        or not isinstance(full_scale_levels, int | np.integer)
        or not 1 <= full_scale_levels <= 255
    ):
        raise ConfigError(f"full_scale_levels must be in [1, 255], got {full_scale_levels!r}.")
    # int32: error * 255 overflows int16 from 129 levels up.
    error = np.abs(reference.astype(np.int32) - decoded.astype(np.int32)).max(axis=2)
    index = np.minimum(error * 255 // full_scale_levels, 255).astype(np.uint8)
    return cast("npt.NDArray[np.uint8]", _INFERNO[index])


def browser_preview_clip(
    frames: npt.NDArray[np.uint8], path: str | os.PathLike[str], *, fps: int
) -> Path:
    """Write frames as an H.264 yuv420p MP4 that every browser plays.

    For streams browsers cannot play (HEVC, 4:4:4, 10/12-bit): pass the *decoded* frames, so
    the preview shows what the stream holds. The preview is re-encoded at high quality (crf
    18); fidelity figures must come from the original stream, not from it.

    Args:
        frames: RGB frames, (N, H, W, 3) uint8, with even H and W.
        path: Output MP4 file.
        fps: Frames per second.

    Returns:
        The written file.

    Raises:
        ConfigError: Invalid frames or fps.
        MediaError: FFmpeg failed.
    """
    path = path_argument(path)
    encode_video(frames, path, fps=fps, config=PREVIEW_CONFIG)
    return path


def auto_depth_range(depth: npt.NDArray[np.floating]) -> tuple[float, float]:
    """The 1st and 99th percentiles of the finite values: a range robust to outliers.

    Args:
        depth: Depth in any unit; NaN and infinite values are ignored.

    Returns:
        ``(low, high)`` in the same unit, with ``high > low``.

    Raises:
        ConfigError: No finite values.
    """
    finite = depth[np.isfinite(depth)]
    if finite.size == 0:
        raise ConfigError("The depth has no valid pixels to set a colour range from.")
    low, high = (float(v) for v in np.percentile(finite, [1, 99]))
    return (low, high) if high > low else (low, low + max(abs(low) * 1e-3, 1e-6))


def _depth_metres(depth: npt.NDArray[Any]) -> npt.NDArray[np.floating]:
    """Depth as recorded, channel axis dropped, in metres; NaN where an integer frame is 0."""
    try:
        array = np.asarray(depth)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"depth must be a numeric array, got {depth!r:.80}.") from err
    if array.ndim >= 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3):
        raise ConfigError(
            f"depth must be (H, W), (N, H, W), (H, W, 1) or (N, H, W, 1), got shape {array.shape}."
        )
    if np.issubdtype(array.dtype, np.integer):
        metres = array.astype(np.float32) / np.float32(MM_PER_M)
        metres[array <= 0] = np.nan  # 0 mm is a depth camera's "no reading"
        return metres
    if array.dtype.kind != "f":
        raise ConfigError(
            f"Depth must be integer millimetres or float metres, got dtype {array.dtype}."
        )
    return array


def _value_range(value_range: object) -> tuple[float, float]:
    """``(near, far)`` as two finite floats, or ConfigError naming what was given."""
    message = f"value_range must be (near, far), two finite numbers, got {value_range!r}."
    if not isinstance(value_range, tuple | list) or len(value_range) != 2:
        raise ConfigError(message)
    low, high = value_range
    for value in (low, high):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise ConfigError(message)
        if not np.isfinite(value):
            raise ConfigError(message)
    return float(low), float(high)


def colorize_depth(
    depth: npt.NDArray[Any],
    *,
    value_range: tuple[float, float] | None = None,
    colormap: str = "turbo",
) -> npt.NDArray[np.uint8]:
    """Colour-map depth for display; pixels with no reading in dark grey.

    Takes depth camera frames as recorded: integers are millimetres (0 is no reading),
    floats are metres (NaN or inf is no reading); either is shown in metres. Float depth in
    another unit works too when ``value_range`` is in that unit.

    Args:
        depth: A frame (H, W) or (H, W, 1), or frames (N, H, W) or (N, H, W, 1).
        value_range: ``(near, far)`` in metres mapped to the colormap's ends (values outside
            are clipped); None uses :func:`auto_depth_range`.
        colormap: A name in :data:`COLORMAPS`.

    Returns:
        RGB, the input shape without its channel axis plus a last axis of 3, uint8.

    Raises:
        ConfigError: Unknown colormap, a non-numeric dtype, empty range, or no valid pixels
            for an auto range.
    """
    if not isinstance(colormap, str) or colormap not in COLORMAPS:
        raise ConfigError(f"Unknown colormap {colormap!r}; allowed: {', '.join(COLORMAPS)}.")
    metres = _depth_metres(depth)
    low, high = _value_range(value_range) if value_range is not None else auto_depth_range(metres)
    if not high > low:
        raise ConfigError(f"value_range must have far > near, got {(low, high)!r}.")
    with np.errstate(invalid="ignore"):
        scaled = np.clip((metres - low) / (high - low), 0.0, 1.0)
    index = np.nan_to_num(scaled * 255, nan=0).astype(np.uint8)
    image = COLORMAPS[colormap][index]
    image[~np.isfinite(metres)] = INVALID_DEPTH_COLOR
    return cast("npt.NDArray[np.uint8]", image)


def colorize_error(error: npt.NDArray[np.floating], *, full_scale: float) -> npt.NDArray[np.uint8]:
    """Colour-map an absolute error (inferno: black exact, pale yellow >= ``full_scale``).

    Args:
        error: Signed or absolute error, (H, W) or (N, H, W), any unit; NaN shown dark grey.
        full_scale: Error, in the same unit, shown at full brightness; > 0.

    Returns:
        RGB, the input shape plus a last axis of 3, uint8.

    Raises:
        ConfigError: ``full_scale`` is not positive.
    """
    if (
        isinstance(full_scale, bool)
        or not isinstance(full_scale, int | float | np.number)
        or not 0 < full_scale < np.inf
    ):
        raise ConfigError(f"full_scale must be > 0 and finite, got {full_scale!r}.")
    return colorize_depth(np.abs(error), value_range=(0.0, full_scale), colormap="inferno")


def depth_preview_clip(
    depth: npt.NDArray[Any],
    path: str | os.PathLike[str],
    *,
    fps: int,
    value_range: tuple[float, float] | None = None,
) -> Path:
    """Write colour-mapped depth as a browser-playable 8-bit H.264 clip.

    Browsers cannot play 12-bit grey HEVC; this shows the same frames through
    :func:`colorize_depth` with one colour range for the whole clip.

    Args:
        depth: (N, H, W) or (N, H, W, 1) depth as for :func:`colorize_depth` (integers
            millimetres, floats metres); H and W even.
        path: Output MP4 file.
        fps: Frames per second.
        value_range: Colour range in metres; None uses :func:`auto_depth_range` over the
            whole clip.

    Returns:
        The written file.

    Raises:
        ConfigError: Invalid depth, range or fps.
        MediaError: FFmpeg failed.
    """
    metres = _depth_metres(depth)
    value_range = value_range or auto_depth_range(metres)
    frames = (colorize_depth(frame, value_range=value_range) for frame in metres)
    path = path_argument(path)
    encode_video(frames, path, fps=fps, config=PREVIEW_CONFIG)
    return path
