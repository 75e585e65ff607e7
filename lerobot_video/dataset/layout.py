"""Where a LeRobot v3.0 dataset's files live: path templates, file names and file sizes.

Owns the folder layout (``meta/``, ``data/``, ``videos/``), how files are numbered into
chunks, and the storage fields of ``info.json``. No file I/O and no feature logic here.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lerobot_video.dataset.metadata_checks import inside
from lerobot_video.errors import ConfigError, MetadataError

CODEBASE_VERSION = "v3.0"
INFO_PATH = "meta/info.json"
STATS_PATH = "meta/stats.json"
TASKS_PATH = "meta/tasks.parquet"
EPISODES_DIR = "meta/episodes"
EPISODES_PATH = EPISODES_DIR + "/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
STAGING_DIR = "images"
"""Where frames wait between ``add_frame`` and ``save_episode``; LeRobot's temporary folder."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ChunkingConfig:
    """How recorded files are packed: LeRobot's ``info.json`` storage fields and defaults.

    Attributes:
        chunks_size: Files per ``chunk-XXX`` folder before the chunk index advances; >= 1.
        data_files_size_in_mb: Size (MiB) at which a data or episodes parquet file is closed
            and the next one started; > 0.
        video_files_size_in_mb: Size (MiB) at which an MP4 stops receiving episodes; > 0.
    """

    chunks_size: int = 1000
    data_files_size_in_mb: float = 100
    video_files_size_in_mb: float = 200

    def __post_init__(self) -> None:
        """Check the limits.

        Raises:
            ConfigError: A limit is not a positive number (``chunks_size`` an integer).
        """
        if isinstance(self.chunks_size, bool) or not isinstance(self.chunks_size, int):
            raise ConfigError(f"chunks_size must be an integer >= 1, got {self.chunks_size!r}.")
        for name in ("chunks_size", "data_files_size_in_mb", "video_files_size_in_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigError(f"{name} must be a positive number, got {value!r}.")


def next_file_indices(chunk_index: int, file_index: int, chunks_size: int) -> tuple[int, int]:
    """The (chunk, file) after this one: files fill a chunk, then the chunk index advances."""
    if file_index + 1 >= chunks_size:
        return chunk_index + 1, 0
    return chunk_index, file_index + 1


@dataclass(frozen=True, kw_only=True, slots=True)
class FileLayout:
    """Where one dataset's files go, and when a file is full.

    Attributes:
        root: The dataset folder.
        data_path: ``info.json``'s ``data_path`` template (``chunk_index``, ``file_index``).
        video_path: ``info.json``'s ``video_path`` template (plus ``video_key``).
        chunking: Files per chunk and file size limits.
    """

    root: Path
    data_path: str = DATA_PATH
    video_path: str = VIDEO_PATH
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)

    @classmethod
    def from_info(cls, root: Path, info: Mapping[str, Any]) -> FileLayout:
        """The layout ``info.json`` describes; missing storage fields take LeRobot's defaults.

        Raises:
            MetadataError: A storage field is not a positive number.
        """
        defaults = ChunkingConfig()
        try:
            chunking = ChunkingConfig(
                chunks_size=info.get("chunks_size", defaults.chunks_size),
                data_files_size_in_mb=info.get(
                    "data_files_size_in_mb", defaults.data_files_size_in_mb
                ),
                video_files_size_in_mb=info.get(
                    "video_files_size_in_mb", defaults.video_files_size_in_mb
                ),
            )
        except ConfigError as err:
            raise MetadataError(f"{str(root / INFO_PATH)!r} field {err}") from err
        return cls(
            root=root,
            data_path=str(info.get("data_path", DATA_PATH)),
            video_path=str(info.get("video_path") or VIDEO_PATH),
            chunking=chunking,
        )

    def data_file(self, chunk_index: int, file_index: int) -> Path:
        """The data parquet ``(chunk_index, file_index)``."""
        relative = self.data_path.format(chunk_index=chunk_index, file_index=file_index)
        return inside(self.root, relative, "data")

    def video_file(self, key: str, chunk_index: int, file_index: int) -> Path:
        """Camera ``key``'s MP4 ``(chunk_index, file_index)``."""
        relative = self.video_path.format(
            video_key=key, chunk_index=chunk_index, file_index=file_index
        )
        return inside(self.root, relative, f"{key!r} video")

    def episodes_file(self, chunk_index: int, file_index: int) -> Path:
        """The ``meta/episodes`` parquet ``(chunk_index, file_index)``."""
        return self.root / EPISODES_PATH.format(chunk_index=chunk_index, file_index=file_index)


def new_info(
    *,
    fps: int,
    features: Mapping[str, Any],
    robot_type: str | None,
    chunking: ChunkingConfig,
) -> dict[str, Any]:
    """The ``info.json`` of an empty dataset, keys in LeRobot's order.

    Args:
        fps: Frames per second of every stream.
        features: Feature name to its ``info.json`` entry (default columns included).
        robot_type: Free text, or None.
        chunking: The storage fields.
    """
    return {
        "codebase_version": CODEBASE_VERSION,
        "fps": fps,
        "features": copy.deepcopy(dict(features)),
        "total_episodes": 0,
        "total_frames": 0,
        "total_tasks": 0,
        "chunks_size": chunking.chunks_size,
        "data_files_size_in_mb": chunking.data_files_size_in_mb,
        "video_files_size_in_mb": chunking.video_files_size_in_mb,
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH,
        "robot_type": robot_type,
        "splits": {},
    }
