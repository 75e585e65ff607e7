"""Record a LeRobot v3.0 dataset episode by episode, without torch: the dataset writer.

Frames are checked and buffered by :meth:`DatasetWriter.add_frame` (cameras streamed to
their encoders, or staged raw under ``images/``); :meth:`DatasetWriter.save_episode` builds
the episode's rows and stats and hands its files to :mod:`~lerobot_video.dataset.placement`.

Crash safety: every file a reader looks at is replaced atomically (temporary file, flush,
rename), and no parquet writer stays open between episodes: the current data and episodes
files are rewritten whole, with one row group per episode, each time an episode is saved.
``meta/info.json`` is written last and is the commit point: an episode counts once
``total_episodes`` includes it, so a process that dies mid-save or without
:meth:`~DatasetWriter.finalize` leaves a dataset whose saved episodes all read back.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

from lerobot_video.codec.encode import encode_depth_video, encode_video
from lerobot_video.codec.support import EncoderPlan
from lerobot_video.dataset._episode_buffer import EpisodeBuffer
from lerobot_video.dataset.commit import CommittedState, PlacedEpisode, commit_episode
from lerobot_video.dataset.encoding import RecordingOptions, RecordingStats
from lerobot_video.dataset.episodes import EpisodeInfo, episode_row
from lerobot_video.dataset.features import (
    DEFAULT_FEATURE_NAMES,
    FeatureInfo,
    features_json,
    video_keys,
    with_video_info,
)
from lerobot_video.dataset.layout import STAGING_DIR, FileLayout
from lerobot_video.dataset.placement import (
    FileSlot,
    append_data_rows,
    append_episode_row,
    place_video,
)
from lerobot_video.dataset.schema import (
    data_schema,
    data_table,
    episodes_schema,
    stats_feature_shapes,
)
from lerobot_video.dataset.stats import episode_stats
from lerobot_video.dataset.streaming import EncodedEpisode, EpisodeEncoders
from lerobot_video.errors import ConfigError

logger = logging.getLogger(__name__)


class DatasetWriter:
    """Appends episodes to a dataset made by :func:`~lerobot_video.create_dataset`.

    Call :meth:`add_frame` for each frame, :meth:`save_episode` at the end of each episode,
    and :meth:`finalize` (or leave a ``with`` block) when done. Not thread-safe.

    Args:
        root: The dataset folder.
        info: ``meta/info.json`` as committed (its ``features`` are replaced by ``features``).
        features: The typed features, default columns included.
        encoders: Camera key to its checked encoder plan.
        options: The writer's encoder options.
        committed: Where a resumed dataset continues from; None for a new one.
    """

    def __init__(
        self,
        root: Path,
        info: Mapping[str, Any],
        *,
        features: Mapping[str, FeatureInfo],
        encoders: Mapping[str, EncoderPlan],
        options: RecordingOptions,
        committed: CommittedState | None = None,
    ) -> None:
        self._root, self._options, self._info = root, options, dict(info)
        self._layout = FileLayout.from_info(root, info)
        self._features = dict(features)
        self._fps: int = info["fps"]
        self._plans = dict(encoders)
        self._video_keys = video_keys(self._features)
        self._data_schema = data_schema(self._features)
        self._episodes_schema = episodes_schema(
            self._video_keys, stats_feature_shapes(self._features)
        )
        committed = committed or CommittedState()
        slots = {key: committed.video_slots.get(key, FileSlot()) for key in self._video_keys}
        self._committed = replace(committed, video_slots=slots)
        staging = None if options.streaming_encoding else root / STAGING_DIR
        self._buffer = EpisodeBuffer(self._features, staging)
        self._encoders: EpisodeEncoders | None = None
        self._dropped: list[int] = []  # offered-frame positions dropped in this episode
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
        """The user's features (default columns left out), in order; new dicts each call.

        See :attr:`feature_infos` for the typed view.
        """
        return features_json(self.feature_infos)

    @property
    def feature_infos(self) -> dict[str, FeatureInfo]:
        """The user's features (default columns left out), typed, in order."""
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
            ConfigError: ``frame`` is not a mapping; missing or extra keys; a value of the
                wrong shape, dtype or range (NaN in a float image, a number that does not fit
                its feature's dtype); or the writer is finalized. A refused frame changes
                nothing (not even the depth unit a first depth frame fixes).
            LeRobotVideoError: An encoder thread failed; :meth:`clear_episode` and retry.
        """
        self._check_open()
        checked = self._buffer.check(frame)
        if self._options.streaming_encoding and self._video_keys:
            encoders = self._episode_encoders()
            if self._options.realtime and not encoders.has_room():
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
        self._check_open()
        if self._options.streaming_encoding and self._video_keys:
            self._episode_encoders().wait_ready()

    def _check_open(self) -> None:
        if self._finalized:
            raise ConfigError(
                "This dataset writer is finalized; create a new dataset to record more."
            )

    def _episode_encoders(self) -> EpisodeEncoders:
        if self._encoders is None:
            self._encoders = EpisodeEncoders(
                self._root,
                fps=self._fps,
                configs=self._plans,
                sizes={key: self._camera_size(key) for key in self._video_keys},
                queue_size=self._options.encoder_queue_maxsize,
            )
        return self._encoders

    def _camera_size(self, key: str) -> tuple[int, int]:
        height, width, _ = self._features[key].shape
        return height, width

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
            The saved episode, as :class:`~lerobot_video.DatasetReader` will list it, plus
            each camera's :attr:`~lerobot_video.EpisodeInfo.video_bytes`.

        Raises:
            ConfigError: No frames were added, or the writer is finalized.
            CodecUnavailableError: An encoder is not available here.
            MediaError: Encoding or writing a video failed.
        """
        self._check_open()
        if not self._buffer:
            raise ConfigError("No frames to save: call add_frame first.")
        episode_tasks = list(dict.fromkeys(self._buffer.tasks))
        tasks = self._committed.tasks
        tasks += tuple(t for t in episode_tasks if t not in tasks)
        columns = self._episode_columns(tasks)
        if self._encoders is not None:
            self._encoders.request_finish()
        placed, video_info = self._place_episode(episode_tasks, tasks, columns)
        features = self._features
        if self.num_episodes == 0:  # LeRobot describes each camera by its first episode
            features = with_video_info(features, video_info, self._buffer.depth_units)
        self._info, self._committed = commit_episode(
            self._root, self._info, features, self._committed, placed
        )
        self._features = features
        episode = EpisodeInfo.from_row(
            placed.row,
            episode_tasks,
            dropped_frames=placed.dropped_frames,
            video_bytes={key: video.added_bytes for key, video in placed.videos.items()},
        )
        self.clear_episode()
        return episode

    def _episode_columns(self, tasks: tuple[str, ...]) -> dict[str, npt.NDArray[Any]]:
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

    def _place_episode(
        self,
        episode_tasks: list[str],
        tasks: tuple[str, ...],
        columns: Mapping[str, npt.NDArray[Any]],
    ) -> tuple[PlacedEpisode, dict[str, dict[str, Any]]]:
        """Write the episode's data rows, videos and episodes row, all before the commit.

        Returns:
            The placed episode, and each camera's encoded ``info`` block.
        """
        committed = self._committed
        # Data rows and stats first, while the encoders flush; rows past info.json's count
        # are invisible to readers (ours and LeRobot's) until the commit.
        rows = data_table(columns, self._features, self._data_schema)
        data_slot = append_data_rows(self._layout, committed.data_slot, rows)
        frames = (
            self._encoders.samples() if self._encoders is not None else self._buffer.camera_frames()
        )
        stats = episode_stats(self._features, columns, frames)
        with tempfile.TemporaryDirectory(prefix=".episode-", dir=self._root) as temp_dir:
            encoded = self._episode_videos(Path(temp_dir))
            videos = {
                key: place_video(self._layout, key, committed.video_slots[key], video.path)
                for key, video in encoded.items()
            }
        row = episode_row(
            episode_index=self.num_episodes,
            tasks=episode_tasks,
            dataset_from_index=self.num_frames,
            length=len(self._buffer),
            data_file=(data_slot.chunk_index, data_slot.file_index),
            segments={key: video.segment for key, video in videos.items()},
            stats=stats,
        )
        row, meta_slot = append_episode_row(
            self._layout, committed.meta_slot, row, self._episodes_schema
        )
        placed = PlacedEpisode(
            row=row,
            length=len(self._buffer),
            tasks=tasks,
            stats=stats,
            data_slot=data_slot,
            meta_slot=meta_slot,
            videos=videos,
            dropped_frames=tuple(self._dropped),
        )
        return placed, {key: video.info for key, video in encoded.items()}

    def _episode_videos(self, temp_dir: Path) -> dict[str, EncodedEpisode]:
        """Each camera's episode as an MP4: the streamed ones, or staged frames encoded now."""
        if self._encoders is not None:
            return self._encoders.finish()
        videos = {}
        for key, frames in self._buffer.camera_frames().items():
            path = temp_dir / f"{key}.mp4"
            if self._features[key].is_depth:
                unit = self._buffer.depth_units[key]
                info = encode_depth_video(
                    frames, path, fps=self._fps, config=self._plans[key], input_unit=unit
                )
            else:
                info = encode_video(frames, path, fps=self._fps, config=self._plans[key])
            videos[key] = EncodedEpisode(path=path, info=info, samples=frames)
        return videos

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
