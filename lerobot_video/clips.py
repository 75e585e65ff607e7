"""Clips to compare or record: the bundled sample, a video file, or an image sequence."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from lerobot_video.decode import decode_all_frames
from lerobot_video.errors import ConfigError, MediaError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
"""Image files accepted as a frame sequence."""

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi")
"""Video files accepted as a clip."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Clip:
    """RGB frames with their rate, ready to encode.

    Attributes:
        name: Short human-readable name.
        frames: (N, H, W, 3) uint8 RGB.
        fps: Frames per second.
        truncated_from: Frame count of the source when it was cut to ``max_frames``, else None.
    """

    name: str
    frames: npt.NDArray[np.uint8]
    fps: int
    truncated_from: int | None = None


def _limit(name: str, frames: npt.NDArray[np.uint8], fps: int, max_frames: int | None) -> Clip:
    if max_frames is not None and len(frames) > max_frames:
        return Clip(name=name, frames=frames[:max_frames], fps=fps, truncated_from=len(frames))
    return Clip(name=name, frames=frames, fps=fps)


def load_clip(
    path: str | os.PathLike[str], *, max_frames: int | None = None, fps: int | None = None
) -> Clip:
    """Load a clip from an ``.npz`` (arrays ``frames`` and ``fps``) or a video file.

    Args:
        path: An ``.npz`` as in the sample data, or a video FFmpeg can read.
        max_frames: Keep at most this many frames from the start; None keeps all.
        fps: Frame rate to use instead of the file's (for files without one).

    Returns:
        The clip.

    Raises:
        ConfigError: Unsupported file type or invalid contents.
        MediaError: The file cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                frames = np.asarray(data["frames"])
                file_fps = int(data["fps"]) if "fps" in data.files else None
        except (OSError, ValueError, KeyError) as err:
            raise MediaError(
                f"Cannot read {path.name!r} as a clip: {err}; expected an .npz with a "
                f"'frames' array (N, H, W, 3) uint8.",
                path=path,
            ) from err
        if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
            raise ConfigError(
                f"{path.name!r}: 'frames' must be (N, H, W, 3) uint8, got {frames.shape} "
                f"{frames.dtype}."
            )
        return _limit(path.stem, frames, fps or file_fps or 30, max_frames)
    if suffix in VIDEO_SUFFIXES:
        frames, file_fps = decode_all_frames(path, max_frames=max_frames)
        return Clip(name=path.stem, frames=frames, fps=fps or file_fps)
    raise ConfigError(
        f"Unsupported clip file {path.name!r}; allowed: .npz, {', '.join(VIDEO_SUFFIXES)}, "
        f"or a sequence of images ({', '.join(IMAGE_SUFFIXES)})."
    )


def load_image_sequence(
    paths: Sequence[str | os.PathLike[str]], *, fps: int, max_frames: int | None = None
) -> Clip:
    """Load image files, sorted by file name, as the frames of a clip.

    Args:
        paths: Image files of one size; colour or grey (grey is repeated to RGB).
        fps: Frames per second of the sequence.
        max_frames: Keep at most this many frames; None keeps all.

    Returns:
        The clip.

    Raises:
        ConfigError: No files, a non-image file, or images of different sizes.
    """
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ConfigError(f"fps must be an integer >= 1, got {fps!r}.")
    files = sorted((Path(p) for p in paths), key=lambda p: p.name)
    if not files:
        raise ConfigError("No image files given; upload one or more PNG or JPEG frames.")
    total = len(files)
    if max_frames is not None:
        files = files[:max_frames]
    frames: list[npt.NDArray[np.uint8]] = []
    for file in files:
        if file.suffix.lower() not in IMAGE_SUFFIXES:
            raise ConfigError(
                f"{file.name!r} is not an image; allowed: {', '.join(IMAGE_SUFFIXES)}."
            )
        try:
            with Image.open(file) as image:
                frame = np.asarray(image.convert("RGB"), dtype=np.uint8)
        except (OSError, UnidentifiedImageError) as err:
            raise ConfigError(f"{file.name!r} cannot be read as an image: {err}.") from err
        if frames and frame.shape != frames[0].shape:
            raise ConfigError(
                f"{file.name!r} is {frame.shape[1]}x{frame.shape[0]} but the first image is "
                f"{frames[0].shape[1]}x{frames[0].shape[0]}; all frames must have one size."
            )
        frames.append(frame)
    stacked = np.stack(frames)
    return Clip(
        name=files[0].stem,
        frames=stacked,
        fps=fps,
        truncated_from=total if total > len(files) else None,
    )
