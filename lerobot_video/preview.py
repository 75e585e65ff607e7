"""Pictures for people: difference heatmaps and browser-playable preview clips."""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

import numpy as np
import numpy.typing as npt

from lerobot_video.config import RGBEncoderConfig
from lerobot_video.encode import encode_video
from lerobot_video.errors import ConfigError

# Anchor colours of the "inferno" colormap (black -> purple -> orange -> pale yellow): it is
# perceptually ordered and readable in greyscale, so a brighter pixel always means a larger
# error.
_INFERNO_ANCHORS = np.array(
    [
        [0, 0, 4],
        [40, 11, 84],
        [101, 21, 110],
        [159, 42, 99],
        [212, 72, 66],
        [245, 125, 21],
        [250, 193, 39],
        [252, 255, 164],
    ],
    dtype=np.float64,
)
_LUT = np.stack(
    [
        np.interp(np.linspace(0, 1, 256), np.linspace(0, 1, len(_INFERNO_ANCHORS)), channel)
        for channel in _INFERNO_ANCHORS.T
    ],
    axis=1,
).astype(np.uint8)

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
    if reference.shape != decoded.shape or reference.ndim != 3:
        raise ConfigError(
            f"Frames must both be (H, W, 3), got {reference.shape} and {decoded.shape}."
        )
    if not 1 <= full_scale_levels <= 255:
        raise ConfigError(f"full_scale_levels must be in [1, 255], got {full_scale_levels!r}.")
    error = np.abs(reference.astype(np.int16) - decoded.astype(np.int16)).max(axis=2)
    index = np.minimum(error * 255 // full_scale_levels, 255).astype(np.uint8)
    return cast("npt.NDArray[np.uint8]", _LUT[index])


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
    path = Path(path)
    encode_video(frames, path, fps=fps, config=PREVIEW_CONFIG)
    return path
