"""Checks of :func:`~lerobot_video.create_dataset`'s arguments, before anything is made.

No file is written here; the only I/O is looking at the folders above the new root.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lerobot_video.config import DepthEncoderConfig, RGBEncoderConfig
from lerobot_video.dataset.layout import ChunkingConfig
from lerobot_video.errors import ConfigError


def check_new_root(root: Any) -> Path:
    """The new dataset folder as a path, refused when it exists or cannot be made.

    Raises:
        ConfigError: ``root`` is not a path, exists (file or folder, empty or not), or a
            folder above it is a file.
    """
    if not isinstance(root, str | os.PathLike) or not str(root):
        raise ConfigError(f"root must be a non-empty path (str or os.PathLike), got {root!r}.")
    path = Path(root)
    if path.exists() or path.is_symlink():
        kind = "a folder" if path.is_dir() else "a file"
        raise ConfigError(
            f"Dataset root {str(path)!r} already exists ({kind}); pass a new folder (datasets "
            f"are never recorded into an existing one; use resume_dataset to continue one)."
        )
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise ConfigError(
                    f"Dataset root {str(path)!r} cannot be made: {str(parent)!r} is a file, "
                    f"not a folder."
                )
            break
    return path


def check_arguments(
    *, rgb_encoder: Any, depth_encoder: Any, robot_type: Any = None, chunking: Any = None
) -> None:
    """Check the types of ``create_dataset``'s and ``resume_dataset``'s optional arguments.

    The recording flags are checked by :class:`~lerobot_video.RecordingOptions`.

    Raises:
        ConfigError: Naming the argument, the value and the expected type.
    """
    expected: dict[str, tuple[Any, type, str]] = {
        "robot_type": (robot_type, str, "a string or None"),
        "rgb_encoder": (
            rgb_encoder,
            RGBEncoderConfig,
            "an RGBEncoderConfig or None (e.g. RGBEncoderConfig(vcodec='h264'))",
        ),
        "depth_encoder": (
            depth_encoder,
            DepthEncoderConfig,
            "a DepthEncoderConfig or None (e.g. DepthEncoderConfig(vcodec='hevc'))",
        ),
        "chunking": (chunking, ChunkingConfig, "a ChunkingConfig or None"),
    }
    for name, (value, kind, allowed) in expected.items():
        if value is not None and not isinstance(value, kind):
            raise ConfigError(f"{name} must be {allowed}, got {value!r}.")
