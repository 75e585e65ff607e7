"""What one episode is: its ``meta/episodes`` row, and the typed :class:`EpisodeInfo` of it.

Owns the row's columns (indices, tasks, video segments, stats) in both directions. Which file
a row goes to is :mod:`lerobot_video.dataset.placement`'s job; no file I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lerobot_video.dataset.stats import Stats


@dataclass(frozen=True, kw_only=True, slots=True)
class VideoSegment:
    """Where one episode of one camera lies inside an MP4 shared with other episodes.

    Attributes:
        chunk_index: ``chunk-XXX`` of the MP4.
        file_index: ``file-YYY`` of the MP4.
        from_seconds: Presentation time (s) of the episode's first frame in the file
            (LeRobot's ``from_timestamp``).
        to_seconds: End of the episode's span (s) in the file, ``from_seconds`` plus the
            episode's duration (LeRobot's ``to_timestamp``).
    """

    chunk_index: int
    file_index: int
    from_seconds: float
    to_seconds: float


@dataclass(frozen=True, kw_only=True, slots=True)
class EpisodeInfo:
    """One row of ``meta/episodes``: an episode's size, tasks and where its data lies.

    Attributes:
        episode_index: Index of the episode, from 0.
        length: Frames in the episode.
        tasks: The distinct tasks of its frames.
        dataset_from_index: Global ``index`` of its first frame.
        dataset_to_index: One past the global ``index`` of its last frame (half-open).
        data_chunk_index: ``chunk-XXX`` of the data parquet holding its rows.
        data_file_index: ``file-YYY`` of that parquet.
        videos: Camera key to the episode's :class:`VideoSegment`.
        dropped_frames: Positions, among the frames offered while recording, of those
            real-time mode dropped (the drop log, ``meta/recording.json``); None when the
            dataset does not say (e.g. recorded by LeRobot).
        video_bytes: Camera key to the bytes (>= 0) its MP4 grew by when the episode was
            appended (the whole file for an episode that started a file). Known only to
            the writer that saved the episode; None when read from disk, because episodes
            share MP4 files and the metadata does not record sizes.
    """

    episode_index: int
    length: int
    tasks: tuple[str, ...]
    dataset_from_index: int
    dataset_to_index: int
    data_chunk_index: int
    data_file_index: int
    videos: Mapping[str, VideoSegment]
    dropped_frames: tuple[int, ...] | None = None
    video_bytes: Mapping[str, int] | None = None

    @classmethod
    def from_row(
        cls,
        row: Mapping[str, Any],
        tasks: Sequence[str] | None = None,
        *,
        dropped_frames: Sequence[int] | None = None,
        video_bytes: Mapping[str, int] | None = None,
    ) -> EpisodeInfo:
        """Build from a ``meta/episodes`` row (column name to value).

        Args:
            row: The row; ``videos/<key>/...`` columns give :attr:`videos`.
            tasks: Overrides ``row["tasks"]`` when given.
            dropped_frames: The episode's dropped frames, when known.
            video_bytes: Each camera's bytes for the episode, when known.

        Returns:
            The episode.
        """
        keys = [
            c.split("/")[1] for c in row if c.startswith("videos/") and c.endswith("/file_index")
        ]
        videos = {
            key: VideoSegment(
                chunk_index=int(row[f"videos/{key}/chunk_index"]),
                file_index=int(row[f"videos/{key}/file_index"]),
                from_seconds=float(row[f"videos/{key}/from_timestamp"]),
                to_seconds=float(row[f"videos/{key}/to_timestamp"]),
            )
            for key in keys
        }
        return cls(
            episode_index=int(row["episode_index"]),
            length=int(row["length"]),
            tasks=tuple(row["tasks"] if tasks is None else tasks),
            dataset_from_index=int(row["dataset_from_index"]),
            dataset_to_index=int(row["dataset_to_index"]),
            data_chunk_index=int(row["data/chunk_index"]),
            data_file_index=int(row["data/file_index"]),
            videos=videos,
            dropped_frames=None if dropped_frames is None else tuple(dropped_frames),
            video_bytes=None if video_bytes is None else dict(video_bytes),
        )


def episode_row(
    *,
    episode_index: int,
    tasks: Sequence[str],
    dataset_from_index: int,
    length: int,
    data_file: tuple[int, int],
    segments: Mapping[str, VideoSegment],
    stats: Mapping[str, Stats],
) -> dict[str, Any]:
    """The ``meta/episodes`` row, keys in LeRobot's column order.

    The ``meta/episodes/chunk_index`` and ``file_index`` columns are added when the row is
    placed (:func:`~lerobot_video.dataset.placement.append_episode_row`).

    Args:
        episode_index: The episode's index.
        tasks: Its distinct tasks, in first-use order.
        dataset_from_index: Global ``index`` of its first frame.
        length: Its frames.
        data_file: (chunk, file) of the data parquet holding its rows.
        segments: Each camera's segment.
        stats: Each feature's stats of this episode.
    """
    row: dict[str, Any] = {
        "episode_index": episode_index,
        "tasks": list(tasks),
        "length": length,
        "data/chunk_index": data_file[0],
        "data/file_index": data_file[1],
        "dataset_from_index": dataset_from_index,
        "dataset_to_index": dataset_from_index + length,
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
