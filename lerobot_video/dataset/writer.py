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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.codec.encode import encode_depth_video, encode_video
from lerobot_video.codec.remux import concatenate_videos, content_duration_seconds
from lerobot_video.codec.support import check_supported, resolve_auto_codec
from lerobot_video.config import DepthEncoderConfig, EncoderConfig, RGBEncoderConfig
from lerobot_video.dataset._episode_buffer import EpisodeBuffer
from lerobot_video.dataset.layout import (
    DEFAULT_FEATURE_NAMES,
    EPISODES_PATH,
    INFO_PATH,
    RECORDING_PATH,
    STAGING_DIR,
    STATS_PATH,
    TASKS_PATH,
    ChunkingConfig,
    check_features,
    data_schema,
    episodes_schema,
    is_depth_feature,
    leading_rows,
    new_info,
    next_file_indices,
    recording_log_json,
    stats_feature_shapes,
    tasks_table,
    write_atomically,
    write_json,
    write_parquet,
)
from lerobot_video.dataset.reader import EpisodeInfo, VideoSegment
from lerobot_video.dataset.stats import (
    Stats,
    aggregate_stats,
    image_stats,
    sample_frames,
    stats_to_json,
    vector_stats,
)
from lerobot_video.dataset.streaming import EncodedEpisode, EncoderStats, EpisodeEncoders
from lerobot_video.errors import ConfigError

logger = logging.getLogger(__name__)

_MIB = 1024 * 1024


@dataclass(frozen=True, kw_only=True, slots=True)
class FileSlot:
    """The file episodes are currently appended to, for one stream (data, meta, one camera)."""

    chunk_index: int = 0
    file_index: int = 0
    num_episodes: int = 0  # committed episodes in this file
    num_frames: int = 0  # committed frames (data) or rows (episodes meta) in this file

    def advance(self, chunks_size: int) -> FileSlot:
        """The next file (a new chunk folder every ``chunks_size`` files), still empty."""
        chunk, file = next_file_indices(self.chunk_index, self.file_index, chunks_size)
        return FileSlot(chunk_index=chunk, file_index=file)


@dataclass(frozen=True, kw_only=True, slots=True)
class CommittedState:
    """What a writer continues from: the saved episodes' tasks, stats and current files.

    A new dataset starts from the defaults; :func:`~lerobot_video.resume_dataset` reads it
    back from disk.
    """

    tasks: tuple[str, ...] = ()
    stats: dict[str, Stats] | None = None
    data_slot: FileSlot = field(default_factory=FileSlot)
    meta_slot: FileSlot = field(default_factory=FileSlot)
    video_slots: Mapping[str, FileSlot] = field(default_factory=dict)
    dropped_log: Mapping[int, Sequence[int]] = field(default_factory=dict)


def create_dataset(
    root: str | os.PathLike[str],
    *,
    fps: int,
    features: Mapping[str, Mapping[str, Any]],
    robot_type: str | None = None,
    rgb_encoder: RGBEncoderConfig | None = None,
    depth_encoder: DepthEncoderConfig | None = None,
    chunking: ChunkingConfig | None = None,
    streaming_encoding: bool = True,
    encoder_queue_maxsize: int = 30,
    realtime: bool = False,
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
        streaming_encoding: Encode each camera on its own thread while the episode is
            recorded (saving then waits only for the frames still queued); False stages raw
            frames on disk and encodes them in :meth:`~DatasetWriter.save_episode`.
        encoder_queue_maxsize: Frames that may wait for each camera's encoder, >= 1.
        realtime: When an encoder falls behind, drop the whole frame (every camera and the
            data row, so video and data stay aligned) instead of waiting; the dropped frames
            are counted and recorded. Needs ``streaming_encoding``.

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
    recording = RecordingOptions(
        streaming_encoding=streaming_encoding,
        encoder_queue_maxsize=encoder_queue_maxsize,
        realtime=realtime,
    )
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
    return DatasetWriter(root, info, rgb, depth, recording)


@dataclass(frozen=True, kw_only=True, slots=True)
class RecordingOptions:
    """How frames reach the encoders; see :func:`create_dataset`. Validated on creation.

    Raises:
        ConfigError: ``encoder_queue_maxsize`` < 1, or ``realtime`` without streaming.
    """

    streaming_encoding: bool = True
    encoder_queue_maxsize: int = 30
    realtime: bool = False

    def __post_init__(self) -> None:
        size = self.encoder_queue_maxsize
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"encoder_queue_maxsize must be an integer >= 1, got {size!r}.")
        if self.realtime and not self.streaming_encoding:
            raise ConfigError(
                "realtime=True drops frames only when an encoder falls behind while "
                "recording, so it needs streaming_encoding=True."
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class RecordingStats:
    """The episode being recorded, as of now.

    Attributes:
        frames: Frames kept in the episode.
        dropped: Frames dropped in real-time mode (always 0 otherwise).
        encoders: Camera key to its encoder's queue depth and speed (empty when not
            streaming, or before the episode's first frame).
    """

    frames: int
    dropped: int
    encoders: Mapping[str, EncoderStats]


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
        recording: RecordingOptions,
        committed: CommittedState | None = None,
    ) -> None:
        committed = committed or CommittedState()
        self._root = root
        self._recording = recording
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
        self._tasks: list[str] = list(committed.tasks)
        self._stats: dict[str, Stats] | None = committed.stats
        self._data_slot = committed.data_slot
        self._meta_slot = committed.meta_slot
        self._video_slots = {
            key: committed.video_slots.get(key, FileSlot()) for key in self._video_keys
        }
        self._buffer = EpisodeBuffer(
            self._features, None if recording.streaming_encoding else root / STAGING_DIR
        )
        self._encoders: EpisodeEncoders | None = None
        self._dropped: list[int] = []  # offered-frame positions dropped in this episode
        # Saved episode -> its dropped frames.
        self._dropped_log: dict[int, Sequence[int]] = dict(committed.dropped_log)
        self._finalized = False

    @property
    def root(self) -> Path:
        """The dataset folder."""
        return self._root

    @property
    def fps(self) -> int:
        """Frames per second of every stream."""
        return self._fps

    @property
    def features(self) -> dict[str, dict[str, Any]]:
        """The user's features (default columns left out), in order; do not modify."""
        return {k: ft for k, ft in self._features.items() if k not in DEFAULT_FEATURE_NAMES}

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

    def add_frame(self, frame: Mapping[str, Any]) -> bool:
        """Add one frame to the current episode.

        With streaming encoding the cameras' images go to their encoder threads at once; a
        full queue makes this call wait, or, in real-time mode, drops the frame.

        Args:
            frame: Every user feature plus ``"task"`` (a non-empty string), and nothing else:
                ``timestamp``, ``frame_index`` and the indices are computed. Cameras are
                (H, W, C) or (C, H, W) arrays: RGB uint8, or float in [0, 1] (scaled by 255
                and truncated, as LeRobot does); depth uint16 (mm) or float32 (m), the unit
                fixed by the dataset's first depth frame. Numeric features are arrays of the
                declared shape and dtype (lists and Python numbers are cast if safe).

        Returns:
            True when the frame was kept; False when real-time mode dropped it (an encoder
            was behind), in which case nothing of it is stored and the drop is recorded.

        Raises:
            ConfigError: Missing or extra keys, or a value of the wrong shape, dtype or range;
                the writer is finalized.
            LeRobotVideoError: An encoder thread failed; :meth:`clear_episode` and retry.
        """
        if self._finalized:
            raise ConfigError(
                "This dataset writer is finalized; create a new dataset to record more."
            )
        checked = self._buffer.check(frame)
        if self._recording.streaming_encoding and self._video_keys:
            encoders = self._episode_encoders()
            if self._recording.realtime and not encoders.has_room():
                self._dropped.append(len(self._buffer) + len(self._dropped))
                return False
            encoders.offer(checked.images)
        self._buffer.append(checked, self.num_episodes)
        return True

    def recording_stats(self) -> RecordingStats:
        """Frames kept and dropped in the current episode, and each encoder's progress."""
        return RecordingStats(
            frames=len(self._buffer),
            dropped=len(self._dropped),
            encoders=self._encoders.stats() if self._encoders is not None else {},
        )

    def prepare_episode(self) -> None:
        """Open the next episode's encoders now, so its first frame does not wait for them.

        Optional: :meth:`add_frame` opens them otherwise. Opening takes tens of
        milliseconds per camera (SVT-AV1 starts its threads), enough to make the first
        frame of a 30 fps recording late. Does nothing without streaming encoding.

        Raises:
            ConfigError: The writer is finalized.
            LeRobotVideoError: An encoder could not be opened.
        """
        if self._finalized:
            raise ConfigError(
                "This dataset writer is finalized; create a new dataset to record more."
            )
        if self._recording.streaming_encoding and self._video_keys:
            self._episode_encoders().wait_ready()

    def _episode_encoders(self) -> EpisodeEncoders:
        if self._encoders is None:
            configs: dict[str, EncoderConfig] = {
                key: self._depth_encoder if key in self._depth_keys else self._rgb_encoder
                for key in self._video_keys
            }
            self._encoders = EpisodeEncoders(
                self._root,
                fps=self._fps,
                configs=configs,
                sizes={key: tuple(self._features[key]["shape"][:2]) for key in self._video_keys},
                queue_size=self._recording.encoder_queue_maxsize,
            )
        return self._encoders

    def clear_episode(self) -> None:
        """Drop the current episode: its frames, staged files and encoder threads."""
        self._buffer.clear()
        self._dropped = []
        if self._encoders is not None:
            self._encoders.discard()
            self._encoders = None

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
            ConfigError: No frames were added, or the writer is finalized.
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
        episode_tasks = list(dict.fromkeys(self._buffer.tasks))
        tasks = self._tasks + [t for t in episode_tasks if t not in self._tasks]
        columns = self._episode_columns(tasks)
        if self._encoders is not None:
            self._encoders.request_finish()
        # Data rows and stats first, while the encoders flush; rows past info.json's count
        # are invisible to readers (ours and LeRobot's) until the commit.
        data_slot = self._save_data(columns)
        frames = (
            self._encoders.samples() if self._encoders is not None else self._buffer.camera_frames()
        )
        stats = self._episode_stats(columns, frames)
        with tempfile.TemporaryDirectory(prefix=".episode-", dir=self._root) as temp_dir:
            segments, slots = self._place_videos(self._episode_videos(Path(temp_dir)))
        row = self._episode_row(episode_index, episode_tasks, columns, segments, stats, data_slot)
        meta_slot = self._save_episode_row(row)
        if len(tasks) > len(self._tasks):
            write_parquet(self._root / TASKS_PATH, tasks_table(tasks).schema, [tasks_table(tasks)])
        total_stats = aggregate_stats(self._stats, stats)
        write_json(self._root / STATS_PATH, stats_to_json(total_stats))
        dropped_log = {**self._dropped_log, episode_index: self._dropped}
        write_json(self._root / RECORDING_PATH, recording_log_json(dropped_log))
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
        self._dropped_log = dropped_log
        episode = EpisodeInfo.from_row(row, episode_tasks, dropped_frames=self._dropped)
        self.clear_episode()
        return episode

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
        self, columns: Mapping[str, npt.NDArray[Any]], frames: Mapping[str, npt.NDArray[Any]]
    ) -> dict[str, Stats]:
        """Stats of every non-string feature, in feature order.

        Args:
            columns: The episode's data columns.
            frames: Each camera's frames, (N, H, W, C), full size or already strided.
        """
        stats: dict[str, Stats] = {}
        for key, feature in self._features.items():
            if feature["dtype"] == "video":
                sample = sample_frames(frames[key])
                stats[key] = image_stats(sample, is_depth=key in self._depth_keys)
            elif feature["dtype"] != "string":
                stats[key] = vector_stats(columns[key])
        return stats

    def _episode_videos(self, temp_dir: Path) -> dict[str, EncodedEpisode]:
        """Each camera's episode as an MP4: the streamed ones, or staged frames encoded now."""
        if self._encoders is not None:
            return self._encoders.finish()
        videos = {}
        for key, frames in self._buffer.camera_frames().items():
            path = temp_dir / f"{key}.mp4"
            if key in self._depth_keys:
                info = encode_depth_video(
                    frames,
                    path,
                    fps=self._fps,
                    config=self._depth_encoder,
                    input_unit=self._features[key]["info"]["depth_unit"],
                )
            else:
                info = encode_video(frames, path, fps=self._fps, config=self._rgb_encoder)
            videos[key] = EncodedEpisode(path=path, info=info, samples=frames)
        return videos

    def _place_videos(
        self, videos: Mapping[str, EncodedEpisode]
    ) -> tuple[dict[str, VideoSegment], dict[str, FileSlot]]:
        """Append each camera's episode to its video file; return segments and new slots."""
        segments, slots = {}, {}
        for key, video in videos.items():
            if self.num_episodes == 0:
                # LeRobot describes each video feature from its first episode only.
                existing = self._features[key].get("info") or {}
                self._features[key]["info"] = {**existing, **video.info}
            segments[key], slots[key] = self._place_video(key, video.path)
        return segments, slots

    def _place_video(self, key: str, episode_path: Path) -> tuple[VideoSegment, FileSlot]:
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
            # Copied, not moved: if a later step of this save fails, a retry finds it again.
            write_atomically(path, lambda temp: shutil.copyfile(episode_path, temp))
            from_s = 0.0
        segment = VideoSegment(
            chunk_index=slot.chunk_index,
            file_index=slot.file_index,
            from_seconds=from_s,
            to_seconds=from_s + duration_s,
        )
        return segment, FileSlot(
            chunk_index=slot.chunk_index,
            file_index=slot.file_index,
            num_episodes=slot.num_episodes + 1,
        )

    def _video_path(self, key: str, slot: FileSlot) -> Path:
        relative = str(self._info["video_path"]).format(
            video_key=key, chunk_index=slot.chunk_index, file_index=slot.file_index
        )
        return self._root / relative

    def _save_data(self, columns: Mapping[str, npt.NDArray[Any]]) -> FileSlot:
        """Rewrite the current data file with its committed row groups plus this episode."""
        slot, length = self._data_slot, len(columns["index"])
        path = self._data_path(slot)
        if slot.num_episodes:
            size_mb = path.stat().st_size / _MIB
            if size_mb + size_mb / slot.num_frames * length >= self._info["data_files_size_in_mb"]:
                slot = slot.advance(self._info["chunks_size"])
                path = self._data_path(slot)
        table = self._data_table(columns)
        # Only the committed rows are copied: rows of a save that failed are dropped.
        kept = leading_rows(pq.ParquetFile(path), slot.num_frames) if slot.num_episodes else []
        write_parquet(path, self._data_schema, [*kept, table])
        return FileSlot(
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

    def _data_path(self, slot: FileSlot) -> Path:
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
        data_slot: FileSlot,
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

    def _save_episode_row(self, row: dict[str, Any]) -> FileSlot:
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
        return FileSlot(
            chunk_index=slot.chunk_index,
            file_index=slot.file_index,
            num_episodes=slot.num_episodes + 1,
        )

    def _episodes_path(self, slot: FileSlot) -> Path:
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
