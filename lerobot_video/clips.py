"""Clips for people to compare or record, loaded from files.

RGB from an ``.npz``, a video or image files; depth from an ``.npy``/``.npz`` or 16-bit PNGs.
Video decoding goes through :mod:`lerobot_video.codec`.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from lerobot_video.codec.decode import decode_all_frames
from lerobot_video.depth import DepthUnit, invalid_depth_mask
from lerobot_video.errors import ConfigError, FrameIndexError, MediaError, path_argument

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
"""Image files accepted as a frame sequence."""

BUNDLED_RGB_CLIP = Path(__file__).resolve().parents[1] / "assets" / "aloha_sim_rgb_ep0.npz"
"""The sample ALOHA clip, (100, 480, 640, 3) uint8 at 50 fps; ships in the repository only."""

BUNDLED_DEPTH_CLIP = BUNDLED_RGB_CLIP.with_name("aloha_sim_depth_ep0.npz")
"""Depth of the sample clip, (100, 480, 640) float32 metres."""

BUNDLED_PUSHT_CLIP = BUNDLED_RGB_CLIP.with_name("pusht_96_rgb_ep0.npz")
"""A Push-T episode, (72, 96, 96, 3) uint8 at 10 fps: the published study's PushT size."""

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


def _check_counts(fps: object, max_frames: object, *, fps_optional: bool) -> None:
    """Refuse an ``fps`` or ``max_frames`` that is not a positive integer (None where allowed).

    Raises:
        ConfigError: Naming the argument and the value.
    """
    for name, value, optional in (("fps", fps, fps_optional), ("max_frames", max_frames, True)):
        if value is None and optional:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            allowed = "an integer >= 1 or None" if optional else "an integer >= 1"
            raise ConfigError(f"{name} must be {allowed}, got {value!r}.")


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else f"{text[:197]}..."


def _path_list(paths: object, what: str) -> list[Path]:
    """``paths`` (a list or tuple of str/Path) as Paths; a lone string is refused by name.

    Raises:
        ConfigError: ``paths`` is not a sequence of non-empty paths.
    """
    if isinstance(paths, str | bytes | os.PathLike) or not isinstance(paths, Sequence):
        raise ConfigError(
            f"paths must be a list of {what} file paths, got {_short(paths)}; wrap a single "
            f"file in a list: [path]."
        )
    return [path_argument(p, f"paths[{i}]") for i, p in enumerate(paths)]


def _limit(name: str, frames: npt.NDArray[np.uint8], fps: int, max_frames: int | None) -> Clip:
    if max_frames is not None and len(frames) > max_frames:
        # A copy: a view would keep every frame of the source alive for as long as the clip.
        kept = frames[:max_frames].copy()
        return Clip(name=name, frames=kept, fps=fps, truncated_from=len(frames))
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
    path = path_argument(path)
    _check_counts(fps, max_frames, fps_optional=True)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as data:
                frames = np.asarray(data["frames"])
                file_fps = int(data["fps"]) if "fps" in data.files else None
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as err:
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
    _check_counts(fps, max_frames, fps_optional=False)
    files = sorted(_path_list(paths, "image"), key=lambda p: p.name)
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


def load_clip_files(
    paths: Sequence[str | os.PathLike[str]],
    *,
    fps: int | None = None,
    max_frames: int | None = None,
) -> Clip:
    """Load what a person picked as a clip: one ``.npz`` or video file, or image files.

    One ``.npz`` or video file goes to :func:`load_clip`; image files (one or many, any of
    :data:`IMAGE_SUFFIXES`) go to :func:`load_image_sequence`, sorted by name.

    Args:
        paths: One clip file, or image files.
        fps: Frame rate; None keeps a file's own (30 when it has none) and gives image
            sequences 30.
        max_frames: Keep at most this many frames from the start; None keeps all.

    Returns:
        The clip.

    Raises:
        ConfigError: No files, several clip files, clip and image files mixed, an
            unsupported file type or invalid contents.
        MediaError: A clip file cannot be read.
    """
    files = _path_list(paths, "clip")
    _check_counts(fps, max_frames, fps_optional=True)
    if not files:
        raise ConfigError("No clip files given; pick one video or .npz file, or image frames.")
    images = [f for f in files if f.suffix.lower() in IMAGE_SUFFIXES]
    if len(images) == len(files):
        return load_image_sequence(files, fps=30 if fps is None else fps, max_frames=max_frames)
    if len(files) == 1:
        return load_clip(files[0], max_frames=max_frames, fps=fps)
    others = [f.name for f in files if f.suffix.lower() not in IMAGE_SUFFIXES]
    raise ConfigError(
        f"Cannot load {len(files)} files as one clip: {others!r} are not images; pick one "
        f"video or .npz file alone, or only image files ({', '.join(IMAGE_SUFFIXES)})."
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class DepthClip:
    """Depth frames with their rate.

    Attributes:
        name: Short human-readable name.
        depth: (N, H, W) frames in ``unit``: uint16 millimetres or float32 metres.
        unit: ``"mm"`` or ``"m"``, the unit of ``depth``.
        fps: Frames per second.
    """

    name: str
    depth: npt.NDArray[Any]
    unit: DepthUnit
    fps: int

    def metres(self) -> npt.NDArray[np.float32]:
        """The frames in metres, float32, with sensor-invalid pixels (0, NaN, inf) as NaN."""
        return _as_metres(self.depth, self.unit)

    def frame_metres(self, index: int) -> npt.NDArray[np.float32]:
        """Frame ``index`` as :meth:`metres` gives it, (H, W), reading only that frame.

        Raises:
            FrameIndexError: ``index`` is outside [0, N - 1].
        """
        count = len(self.depth)
        if isinstance(index, bool) or not isinstance(index, int | np.integer):
            raise FrameIndexError(f"frame must be an integer, got {index!r}.")
        if not 0 <= index < count:
            raise FrameIndexError(f"frame must be in [0, {count - 1}], got {index!r}.")
        return _as_metres(self.depth[index], self.unit)


def _as_metres(depth: npt.NDArray[Any], unit: DepthUnit) -> npt.NDArray[np.float32]:
    """``depth`` in ``unit`` as float32 metres, sensor-invalid pixels as NaN (a new array)."""
    metres = np.array(depth, dtype=np.float32)  # a plain array even from a memory map
    if unit == "mm":
        metres /= 1000
    metres[invalid_depth_mask(depth)] = np.nan
    return metres


def _depth_array(path: Path) -> tuple[npt.NDArray[Any], int | None]:
    """The depth array in an ``.npy``/``.npz``, and the ``.npz``'s ``fps`` when it has one."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.asarray(np.load(path, allow_pickle=False)), None
        with np.load(path, allow_pickle=False) as data:
            key = "depth" if "depth" in data.files else data.files[0]
            fps = int(data["fps"]) if "fps" in data.files else None
            return np.asarray(data[key]), fps
    except (OSError, ValueError, IndexError, TypeError, EOFError, zipfile.BadZipFile) as err:
        raise ConfigError(
            f"Cannot read {path.name!r} as depth: {err}; expected .npy, or .npz with a 'depth' "
            f"array."
        ) from err


def _read_depth_png(file: Path) -> tuple[npt.NDArray[Any], Image.Image]:
    try:
        with Image.open(file) as image:
            return np.asarray(image), image
    except (OSError, UnidentifiedImageError) as err:
        raise MediaError(f"{str(file)!r} cannot be read as a PNG image: {err}.", path=file) from err


def _read_depth_pngs(files: list[Path]) -> npt.NDArray[np.uint16]:
    """16-bit PNG frames of one size, stacked (N, H, W) uint16 millimetres."""
    frames: list[npt.NDArray[np.uint16]] = []
    for file in files:
        frame, image = _read_depth_png(file)
        if frame.dtype != np.uint16 and image.mode not in ("I;16", "I"):
            raise ConfigError(
                f"{file.name!r} is an 8-bit image (mode {image.mode}); depth PNGs must be "
                f"16-bit millimetres."
            )
        if frames and frame.shape != frames[0].shape:
            raise ConfigError(
                f"{file.name!r} is {frame.shape[1]}x{frame.shape[0]} but "
                f"{files[0].name!r} is {frames[0].shape[1]}x{frames[0].shape[0]}; every "
                "depth frame must have the same size."
            )
        frames.append(frame.astype(np.uint16))
    return np.stack(frames)


def load_depth_clip(
    paths: Sequence[str | os.PathLike[str]],
    *,
    fps: int = 30,
    max_frames: int | None = None,
    unit: Literal["auto", "m", "mm"] = "auto",
) -> DepthClip:
    """Load depth from an ``.npy``/``.npz`` file or a sequence of 16-bit PNG files.

    Args:
        paths: One ``.npy``/``.npz`` (array (N, H, W), (H, W) or with a channel axis; an
            ``.npz`` may carry ``fps``), or PNG files of 16-bit millimetres sorted by name.
        fps: Frame rate when the file does not give one.
        max_frames: Keep at most this many frames from the start.
        unit: Unit of the values; ``"auto"``: integers are mm, floats m.

    Returns:
        The clip.

    Raises:
        ConfigError: Unsupported files, shapes or dtypes.
    """
    files = sorted(_path_list(paths, "depth"), key=lambda p: p.name)
    _check_counts(fps, max_frames, fps_optional=False)
    if not isinstance(unit, str) or unit not in ("auto", "m", "mm"):
        raise ConfigError(f"unit must be 'auto', 'm' or 'mm', got {unit!r}.")
    if not files:
        raise ConfigError("No depth files given; upload a .npy, a .npz, or 16-bit PNG frames.")
    if files[0].suffix.lower() in (".npy", ".npz"):
        if len(files) != 1:
            raise ConfigError("Upload one .npy or .npz file at a time.")
        depth, file_fps = _depth_array(files[0])
        fps = fps if file_fps is None else file_fps
    elif all(f.suffix.lower() == ".png" for f in files):
        depth = _read_depth_pngs(files[:max_frames])
    else:
        raise ConfigError(
            "Unsupported depth files; allowed: one .npy or .npz, or 16-bit PNG frames."
        )
    depth = depth[None] if depth.ndim == 2 else depth
    if depth.ndim == 4 and 1 in (depth.shape[1], depth.shape[-1]):
        depth = depth[:, 0] if depth.shape[1] == 1 else depth[..., 0]
    if depth.ndim != 3 or 0 in depth.shape:
        raise ConfigError(
            f"Depth must be (N, H, W) or (H, W) with at least one frame of at least 1x1 "
            f"pixel, got shape {depth.shape}."
        )
    if not (np.issubdtype(depth.dtype, np.floating) or np.issubdtype(depth.dtype, np.integer)):
        raise ConfigError(f"Depth must be numeric, got dtype {depth.dtype}.")
    resolved = (
        unit if unit != "auto" else ("m" if np.issubdtype(depth.dtype, np.floating) else "mm")
    )
    # Cut before converting: astype copies only the frames kept, and no view of the whole
    # file's frames outlives the call.
    depth = depth[:max_frames].astype(np.float32 if resolved == "m" else np.uint16)
    return DepthClip(name=files[0].stem, depth=depth, unit=resolved, fps=fps)
