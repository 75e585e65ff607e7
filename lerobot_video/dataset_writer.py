"""Record a LeRobot v3.0 dataset episode by episode, without torch (non-streaming path).

Frames wait on disk (raw, under ``images/``) until :meth:`DatasetWriter.save_episode`
encodes each camera to a temporary MP4 and lays it after the previous episodes by stream copy.

Crash safety: every file a reader looks at is replaced atomically (temporary file, flush,
rename), and no parquet writer stays open between episodes: the current data and episodes
files are rewritten whole, with one row group per episode, each time an episode is saved.
``meta/info.json`` is written last and is the commit point: an episode counts once
``total_episodes`` includes it, so a process that dies mid-save or without
:meth:`~DatasetWriter.finalize` leaves a dataset whose saved episodes all read back.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video._episode_buffer import EpisodeBuffer
from lerobot_video._remux import concatenate_videos, content_duration_seconds
from lerobot_video.codecs import check_supported, resolve_auto_codec
from lerobot_video.config import DepthEncoderConfig, RGBEncoderConfig
from lerobot_video.dataset_meta import (
    EPISODES_PATH,
    INFO_PATH,
    STAGING_DIR,
    STATS_PATH,
    TASKS_PATH,
    ChunkingConfig,
    check_features,
    data_schema,
    episodes_schema,
    is_depth_feature,
    new_info,
    next_file_indices,
    stats_feature_shapes,
    tasks_table,
    write_json,
    write_parquet,
)
from lerobot_video.dataset_reader import EpisodeInfo, VideoSegment
from lerobot_video.dataset_stats import (
    Stats,
    aggregate_stats,
    image_stats,
    sample_frames,
    stats_to_json,
    vector_stats,
)
from lerobot_video.encode import encode_depth_video, encode_video
from lerobot_video.errors import ConfigError

logger = logging.getLogger(__name__)

_MIB = 1024 * 1024
_X265_ENCODERS = ("hevc", "libx265")
_X265_MIN_FRAMES = 3
"""libx265 hands out uninitialised decode timestamps for clips of 1 or 2 frames (seen with
FFmpeg 7.1 and 8.1; LeRobot 0.6.1 is affected too), which the MP4 muxer then refuses or
stores as garbage, so such episodes are refused up front."""


@dataclass(frozen=True, kw_only=True, slots=True)
class _FileSlot:
    """The file episodes are currently appended to, for one stream (data, meta, one camera)."""

    chunk_index: int = 0
    file_index: int = 0
    num_episodes: int = 0  # committed episodes in this file
    num_frames: int = 0  # committed frames (data) or rows (episodes meta) in this file

    def advance(self, chunks_size: int) -> _FileSlot:
        chunk, file = next_file_indices(self.chunk_index, self.file_index, chunks_size)
        return _FileSlot(chunk_index=chunk, file_index=file)


def create_dataset(
    root: str | os.PathLike[str],
    *,
    fps: int,
    features: Mapping[str, Mapping[str, Any]],
    robot_type: str | None = None,
    rgb_encoder: RGBEncoderConfig | None = None,
    depth_encoder: DepthEncoderConfig | None = None,
    chunking: ChunkingConfig | None = None,
) -> DatasetWriter:
    """Create an empty LeRobot v3.0 dataset and return its writer.

    Args:
        root: Folder to create; it must not exist.
        fps: Frames per second of every stream, an integer >= 1.
        features: ``name -> {"dtype", "shape", "names"[, "info"]}`` as in LeRobot: ``"video"``
            cameras of shape (H, W, 3) (RGB) or (H, W, 1) (depth, marked
            ``info.is_depth_map``), numeric vectors of shape (n,), ``"string"`` of shape (1,).
        robot_type: Free text stored in ``info.json``.
        rgb_encoder: Encoder for RGB cameras; LeRobot's default (libsvtav1) when None.
        depth_encoder: Encoder and quantizer for depth cameras; LeRobot's default (lossless
            12-bit HEVC) when None.
        chunking: File size limits; LeRobot's defaults (1000 files per chunk, 100 MiB data
            files, 200 MiB videos) when None.

    Returns:
        The writer; ``meta/info.json`` already exists.

    Raises:
        ConfigError: ``root`` exists, or invalid fps, features or encoder settings.
        CodecUnavailableError: An encoder needed by a camera is missing here.
    """
    root = Path(root)
    if root.exists():
        raise ConfigError(
            f"Dataset root {str(root)!r} already exists; pass a new folder (datasets are never "
            f"recorded into an existing one)."
        )
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ConfigError(f"fps must be an integer >= 1, got {fps!r}.")
    checked = check_features(features)
    rgb = resolve_auto_codec(rgb_encoder or RGBEncoderConfig())
    depth = resolve_auto_codec(depth_encoder or DepthEncoderConfig())
    if not isinstance(rgb, RGBEncoderConfig) or not isinstance(depth, DepthEncoderConfig):
        raise ConfigError(
            "rgb_encoder must be an RGBEncoderConfig, depth_encoder a DepthEncoderConfig."
        )
    cameras = [ft for ft in checked.values() if ft["dtype"] == "video"]
    if any(not is_depth_feature(ft) for ft in cameras):
        check_supported(rgb)
    if any(is_depth_feature(ft) for ft in cameras):
        check_supported(depth)
    info = new_info(
        fps=fps, features=checked, robot_type=robot_type, chunking=chunking or ChunkingConfig()
    )
    root.mkdir(parents=True)
    write_json(root / INFO_PATH, info)
    return DatasetWriter(root, info, rgb, depth)


class DatasetWriter:
    """Appends episodes to a dataset made by :func:`create_dataset`.

    Call :meth:`add_frame` for each frame, :meth:`save_episode` at the end of each episode,
    and :meth:`finalize` (or leave a ``with`` block) when done. Not thread-safe.
    """

    def __init__(
        self,
        root: Path,
        info: dict[str, Any],
        rgb_encoder: RGBEncoderConfig,
        depth_encoder: DepthEncoderConfig,
    ) -> None:
        self._root = root
        self._info = info
        self._features: dict[str, dict[str, Any]] = info["features"]
        self._fps: int = info["fps"]
        self._rgb_encoder = rgb_encoder
        self._depth_encoder = depth_encoder
        self._video_keys = [k for k, ft in self._features.items() if ft["dtype"] == "video"]
        self._depth_keys = {k for k in self._video_keys if is_depth_feature(self._features[k])}
        self._data_schema = data_schema(self._features)
        self._episodes_schema = episodes_schema(
            self._video_keys, stats_feature_shapes(self._features)
        )
        self._tasks: list[str] = []
        self._stats: dict[str, Stats] | None = None
        self._data_slot = _FileSlot()
        self._meta_slot = _FileSlot()
        self._video_slots = {key: _FileSlot() for key in self._video_keys}
        self._buffer = EpisodeBuffer(self._features, root / STAGING_DIR)
        self._finalized = False

    @property
    def root(self) -> Path:
        """The dataset folder."""
        return self._root

    @property
    def num_episodes(self) -> int:
        """Episodes saved so far."""
        return int(self._info["total_episodes"])

    @property
    def num_frames(self) -> int:
        """Frames in the saved episodes."""
        return int(self._info["total_frames"])

    @property
    def num_pending_frames(self) -> int:
        """Frames added to the current, not yet saved, episode."""
        return len(self._buffer)

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.finalize()

    def add_frame(self, frame: Mapping[str, Any]) -> None:
        """Add one frame to the current episode.

        Args:
            frame: Every user feature plus ``"task"`` (a non-empty string), and nothing else:
                ``timestamp``, ``frame_index`` and the indices are computed. Cameras are
                (H, W, C) or (C, H, W) arrays: RGB uint8, or float in [0, 1] (scaled by 255
                and truncated, as LeRobot does); depth uint16 (mm) or float32 (m), the unit
                fixed by the dataset's first depth frame. Numeric features are arrays of the
                declared shape and dtype (lists and Python numbers are cast if safe).

        Raises:
            ConfigError: Missing or extra keys, or a value of the wrong shape, dtype or range;
                the writer is finalized.
        """
        if self._finalized:
            raise ConfigError(
                "This dataset writer is finalized; create a new dataset to record more."
            )
        self._buffer.add(frame, self.num_episodes)

    def clear_episode(self) -> None:
        """Drop the frames added since the last saved episode (and their staged files)."""
        self._buffer.clear()

    def save_episode(self) -> EpisodeInfo:
        """Encode, place and index the current episode; the dataset is complete afterwards.

        Each camera is encoded to a temporary MP4 and appended to its current video file by
        stream copy (or starts the next file when the size limit is reached); the data rows
        become one new row group; stats, tasks, episodes metadata and finally
        ``info.json`` are rewritten atomically. If this raises, the dataset still reads as
        before the call and the frames stay buffered (retry, or :meth:`clear_episode`).

        Returns:
            The saved episode, as :class:`~lerobot_video.DatasetReader` will list it.

        Raises:
            ConfigError: No frames were added, the writer is finalized, or the episode is
                shorter than 3 frames while a camera uses libx265 (see ``_X265_MIN_FRAMES``).
            CodecUnavailableError: An encoder is not available here.
            MediaError: Encoding or writing a video failed.
        """
        if self._finalized or not self._buffer:
            raise ConfigError(
                "No frames to save: call add_frame first."
                if not self._finalized
                else "This dataset writer is finalized; create a new dataset to record more."
            )
        episode_index, length = self.num_episodes, len(self._buffer)
        self._check_episode_length(length)
        episode_tasks = list(dict.fromkeys(self._buffer.tasks))
        tasks = self._tasks + [t for t in episode_tasks if t not in self._tasks]
        columns = self._episode_columns(tasks)
        staged = self._buffer.camera_frames()
        stats = self._episode_stats(columns, staged)
        with tempfile.TemporaryDirectory(prefix=".episode-", dir=self._root) as temp_dir:
            segments, slots = self._save_videos(staged, Path(temp_dir))
        data_slot = self._save_data(columns)
        row = self._episode_row(episode_index, episode_tasks, columns, segments, stats, data_slot)
        meta_slot = self._save_episode_row(row)
        if len(tasks) > len(self._tasks):
            write_parquet(self._root / TASKS_PATH, tasks_table(tasks).schema, [tasks_table(tasks)])
        total_stats = aggregate_stats(self._stats, stats)
        write_json(self._root / STATS_PATH, stats_to_json(total_stats))
        info = {
            **self._info,
            "total_episodes": episode_index + 1,
            "total_frames": self.num_frames + length,
            "total_tasks": len(tasks),
            "splits": {"train": f"0:{episode_index + 1}"},
        }
        write_json(self._root / INFO_PATH, info)  # the commit point
        self._info, self._tasks, self._stats = info, tasks, total_stats
        self._data_slot, self._meta_slot, self._video_slots = data_slot, meta_slot, slots
        self.clear_episode()
        return EpisodeInfo.from_row(row, episode_tasks)

    def _check_episode_length(self, length: int) -> None:
        encoders = {self._depth_encoder.vcodec} if self._depth_keys else set()
        if set(self._video_keys) - self._depth_keys:
            encoders.add(self._rgb_encoder.vcodec)
        if length < _X265_MIN_FRAMES and encoders & set(_X265_ENCODERS):
            raise ConfigError(
                f"This episode has {length} frame(s), but libx265 (vcodec 'hevc') cannot encode "
                f"fewer than {_X265_MIN_FRAMES} frames reliably; add frames, clear_episode(), or "
                f"use another encoder for that camera."
            )

    def _episode_columns(self, tasks: list[str]) -> dict[str, npt.NDArray[Any]]:
        """Every data column of the buffered episode, default columns included."""
        length, start = len(self._buffer), self.num_frames
        columns = self._buffer.columns()
        frame_index = np.arange(length, dtype=np.int64)
        # LeRobot's stats see the float64 i / fps; the column stores it as float32.
        columns["timestamp"] = frame_index / self._fps
        columns["frame_index"] = frame_index
        columns["episode_index"] = np.full(length, self.num_episodes, dtype=np.int64)
        columns["index"] = np.arange(start, start + length, dtype=np.int64)
        columns["task_index"] = np.array([tasks.index(t) for t in self._buffer.tasks], np.int64)
        return columns

    def _episode_stats(
        self, columns: Mapping[str, npt.NDArray[Any]], staged: Mapping[str, npt.NDArray[Any]]
    ) -> dict[str, Stats]:
        """Stats of every non-string feature, in feature order."""
        stats: dict[str, Stats] = {}
        for key, feature in self._features.items():
            if feature["dtype"] == "video":
                sample = sample_frames(staged[key])
                stats[key] = image_stats(sample, is_depth=key in self._depth_keys)
            elif feature["dtype"] != "string":
                stats[key] = vector_stats(columns[key])
        return stats

    def _save_videos(
        self, staged: Mapping[str, npt.NDArray[Any]], temp_dir: Path
    ) -> tuple[dict[str, VideoSegment], dict[str, _FileSlot]]:
        """Encode each camera and place it; return its segment and the updated file slot."""
        segments, slots = {}, {}
        for key, frames in staged.items():
            episode_path = temp_dir / f"{key}.mp4"
            if key in self._depth_keys:
                info = encode_depth_video(
                    frames,
                    episode_path,
                    fps=self._fps,
                    config=self._depth_encoder,
                    input_unit=self._features[key]["info"]["depth_unit"],
                )
            else:
                info = encode_video(frames, episode_path, fps=self._fps, config=self._rgb_encoder)
            if self.num_episodes == 0:
                # LeRobot describes each video feature from its first episode only.
                existing = self._features[key].get("info") or {}
                self._features[key]["info"] = {**existing, **info}
            segments[key], slots[key] = self._place_video(key, episode_path)
        return segments, slots

    def _place_video(self, key: str, episode_path: Path) -> tuple[VideoSegment, _FileSlot]:
        slot = self._video_slots[key]
        duration_s = content_duration_seconds(episode_path)
        path = self._video_path(key, slot)
        limit_bytes = self._info["video_files_size_in_mb"] * _MIB
        if slot.num_episodes and path.stat().st_size + episode_path.stat().st_size >= limit_bytes:
            slot = slot.advance(self._info["chunks_size"])
            path = self._video_path(key, slot)
        if slot.num_episodes:
            # Start where the file really ends (not where the last episode said it ends), so
            # leftovers of a failed save never shift this episode.
            from_s = concatenate_videos([path, episode_path], path)[-1]
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(episode_path, path)
            from_s = 0.0
        segment = VideoSegment(
            chunk_index=slot.chunk_index,
            file_index=slot.file_index,
            from_seconds=from_s,
            to_seconds=from_s + duration_s,
        )
        return segment, _FileSlot(
            chunk_index=slot.chunk_index,
            file_index=slot.file_index,
            num_episodes=slot.num_episodes + 1,
        )

    def _video_path(self, key: str, slot: _FileSlot) -> Path:
        relative = str(self._info["video_path"]).format(
            video_key=key, chunk_index=slot.chunk_index, file_index=slot.file_index
        )
        return self._root / relative

    def _save_data(self, columns: Mapping[str, npt.NDArray[Any]]) -> _FileSlot:
        """Rewrite the current data file with its committed row groups plus this episode."""
        slot, length = self._data_slot, len(columns["index"])
        path = self._data_path(slot)
        if slot.num_episodes:
            size_mb = path.stat().st_size / _MIB
            if size_mb + size_mb / slot.num_frames * length >= self._info["data_files_size_in_mb"]:
                slot = slot.advance(self._info["chunks_size"])
                path = self._data_path(slot)
        table = self._data_table(columns)
        previous = pq.ParquetFile(path) if slot.num_episodes else None
        # Only the committed episodes are copied: rows of a save that failed are dropped.
        kept = [previous.read_row_group(i) for i in range(slot.num_episodes)] if previous else []
        write_parquet(path, self._data_schema, [*kept, table])
        return _FileSlot(
            chunk_index=slot.chunk_index,
            file_index=slot.file_index,
            num_episodes=slot.num_episodes + 1,
            num_frames=slot.num_frames + length,
        )

    def _data_table(self, columns: Mapping[str, npt.NDArray[Any]]) -> pa.Table:
        """The episode's rows as an Arrow table of the data schema."""
        arrays: list[pa.Array] = []
        for field_ in self._data_schema:
            dtype = self._features[field_.name]["dtype"]
            if dtype == "string":
                arrays.append(pa.array(columns[field_.name].tolist(), pa.string()))
                continue
            values = columns[field_.name].astype(dtype)  # timestamp: float64 -> float32
            if pa.types.is_fixed_size_list(field_.type):
                flat = pa.array(values.reshape(-1), field_.type.value_type)
                arrays.append(pa.FixedSizeListArray.from_arrays(flat, field_.type.list_size))
            else:
                arrays.append(pa.array(values, field_.type))
        return pa.Table.from_arrays(arrays, schema=self._data_schema)

    def _data_path(self, slot: _FileSlot) -> Path:
        relative = str(self._info["data_path"]).format(
            chunk_index=slot.chunk_index, file_index=slot.file_index
        )
        return self._root / relative

    def _episode_row(
        self,
        episode_index: int,
        tasks: list[str],
        columns: Mapping[str, npt.NDArray[Any]],
        segments: Mapping[str, VideoSegment],
        stats: Mapping[str, Stats],
        data_slot: _FileSlot,
    ) -> dict[str, Any]:
        """The ``meta/episodes`` row, keys in LeRobot's column order (meta indices later)."""
        start = int(columns["index"][0])
        row: dict[str, Any] = {
            "episode_index": episode_index,
            "tasks": tasks,
            "length": len(columns["index"]),
            "data/chunk_index": data_slot.chunk_index,
            "data/file_index": data_slot.file_index,
            "dataset_from_index": start,
            "dataset_to_index": start + len(columns["index"]),
        }
        for key, segment in segments.items():
            row[f"videos/{key}/chunk_index"] = segment.chunk_index
            row[f"videos/{key}/file_index"] = segment.file_index
            row[f"videos/{key}/from_timestamp"] = segment.from_seconds
            row[f"videos/{key}/to_timestamp"] = segment.to_seconds
        for key, feature_stats in stats.items():
            for name, value in feature_stats.items():
                row[f"stats/{key}/{name}"] = value.tolist()
        return row

    def _save_episode_row(self, row: dict[str, Any]) -> _FileSlot:
        """Rewrite the current episodes file with its committed rows plus ``row``."""
        slot = self._meta_slot
        path = self._episodes_path(slot)
        if slot.num_episodes:
            size_mb = path.stat().st_size / _MIB
            if size_mb + size_mb / slot.num_episodes >= self._info["data_files_size_in_mb"]:
                slot = slot.advance(self._info["chunks_size"])
                path = self._episodes_path(slot)
        row["meta/episodes/chunk_index"] = slot.chunk_index
        row["meta/episodes/file_index"] = slot.file_index
        new_row = pa.Table.from_pylist([row], schema=self._episodes_schema)
        kept = pq.read_table(path).slice(0, slot.num_episodes) if slot.num_episodes else None
        table = pa.concat_tables([kept, new_row]) if kept is not None else new_row
        write_parquet(path, self._episodes_schema, [table])
        return _FileSlot(
            chunk_index=slot.chunk_index,
            file_index=slot.file_index,
            num_episodes=slot.num_episodes + 1,
        )

    def _episodes_path(self, slot: _FileSlot) -> Path:
        return self._root / EPISODES_PATH.format(
            chunk_index=slot.chunk_index, file_index=slot.file_index
        )

    def finalize(self) -> None:
        """Stop recording: drop an unsaved episode and the staging folder. Idempotent.

        Every saved episode is already complete on disk, so nothing else needs flushing;
        calling this only tidies up.
        """
        if self._finalized:
            return
        if self._buffer:
            logger.info("Dropping %d unsaved frames at finalize.", len(self._buffer))
        self.clear_episode()
        shutil.rmtree(self._root / STAGING_DIR, ignore_errors=True)
        self._finalized = True
