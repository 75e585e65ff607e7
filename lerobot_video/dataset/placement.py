"""Where an episode's files go: appending it to the current data, episodes and video files.

Episodes share files. Each stream (the data rows, the episodes rows, each camera) has a
current file, described by a :class:`FileSlot`; an episode is appended to it, or starts the
next file when the size limit is reached. Every file is rewritten whole and published
atomically, and only the slot's committed rows are copied, so what a failed save left is
dropped. Independent of the writer: merging datasets places episodes the same way.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.codec.file_modes import write_atomically
from lerobot_video.codec.remux import concatenate_videos, content_duration_seconds
from lerobot_video.dataset.episodes import VideoSegment
from lerobot_video.dataset.files import leading_rows, write_parquet
from lerobot_video.dataset.layout import FileLayout, next_file_indices

_MIB = 1024 * 1024


@dataclass(frozen=True, kw_only=True, slots=True)
class FileSlot:
    """The file episodes are currently appended to, for one stream (data, meta, one camera).

    Attributes:
        chunk_index: ``chunk-XXX`` of the file.
        file_index: ``file-YYY`` of the file.
        num_episodes: Committed episodes in the file (0: the file is not started).
        num_frames: Committed frames (data) in the file; unused for other streams.
    """

    chunk_index: int = 0
    file_index: int = 0
    num_episodes: int = 0
    num_frames: int = 0

    def advance(self, chunks_size: int) -> FileSlot:
        """The next file (a new chunk folder every ``chunks_size`` files), still empty."""
        chunk, file = next_file_indices(self.chunk_index, self.file_index, chunks_size)
        return FileSlot(chunk_index=chunk, file_index=file)

    def with_episode(self, num_frames: int = 0) -> FileSlot:
        """This file after one more episode of ``num_frames`` frames was appended."""
        return FileSlot(
            chunk_index=self.chunk_index,
            file_index=self.file_index,
            num_episodes=self.num_episodes + 1,
            num_frames=self.num_frames + num_frames,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class PlacedVideo:
    """One camera's episode after it was appended to a shared MP4.

    Attributes:
        segment: Where the episode now lies.
        slot: The camera's current file, this episode included.
        added_bytes: How much the MP4 grew, in bytes (its whole size when the episode
            started the file).
    """

    segment: VideoSegment
    slot: FileSlot
    added_bytes: int


def place_video(layout: FileLayout, key: str, slot: FileSlot, episode_path: Path) -> PlacedVideo:
    """Append one camera's episode MP4 to the camera's current file, by stream copy.

    Args:
        layout: The dataset's files.
        key: The camera feature.
        slot: The camera's current file, committed episodes only.
        episode_path: The episode alone, encoded like the dataset's files. Left in place.

    Returns:
        The segment, the new slot and the bytes added.

    Raises:
        MediaError: The files cannot be read or concatenated.
    """
    duration_seconds = content_duration_seconds(episode_path)
    path = layout.video_file(key, slot.chunk_index, slot.file_index)
    limit_bytes = layout.chunking.video_files_size_in_mb * _MIB
    if slot.num_episodes and path.stat().st_size + episode_path.stat().st_size >= limit_bytes:
        slot = slot.advance(layout.chunking.chunks_size)
        path = layout.video_file(key, slot.chunk_index, slot.file_index)
    if slot.num_episodes:
        size_before = path.stat().st_size
        # Start where the file really ends (not where the last episode said it ends), so
        # leftovers of a failed save never shift this episode.
        from_seconds = concatenate_videos([path, episode_path], path)[-1]
    else:
        size_before = 0
        # Copied, not moved: if a later step of the save fails, a retry finds it again.
        write_atomically(path, lambda temp: shutil.copyfile(episode_path, temp))
        from_seconds = 0.0
    segment = VideoSegment(
        chunk_index=slot.chunk_index,
        file_index=slot.file_index,
        from_seconds=from_seconds,
        to_seconds=from_seconds + duration_seconds,
    )
    added_bytes = max(0, path.stat().st_size - size_before)
    return PlacedVideo(segment=segment, slot=slot.with_episode(), added_bytes=added_bytes)


def append_data_rows(layout: FileLayout, slot: FileSlot, rows: pa.Table) -> FileSlot:
    """Rewrite the current data file with its committed row groups plus ``rows``.

    The file is closed, and ``rows`` start the next one, when the file with them is
    expected to reach ``data_files_size_in_mb`` (estimated from its mean bytes per frame).

    Args:
        layout: The dataset's files.
        slot: The current data file, committed episodes and frames only.
        rows: One episode's rows, in the data schema; they become one row group.

    Returns:
        The data file now holding the episode (its chunk and file index are the episode's
        ``data/chunk_index`` and ``data/file_index``).
    """
    path = layout.data_file(slot.chunk_index, slot.file_index)
    if slot.num_episodes:
        size_mb = path.stat().st_size / _MIB
        expected_mb = size_mb + size_mb / slot.num_frames * rows.num_rows
        if expected_mb >= layout.chunking.data_files_size_in_mb:
            slot = slot.advance(layout.chunking.chunks_size)
            path = layout.data_file(slot.chunk_index, slot.file_index)
    # Only the committed rows are copied: rows of a save that failed are dropped.
    kept = leading_rows(pq.ParquetFile(path), slot.num_frames) if slot.num_episodes else []
    write_parquet(path, rows.schema, [*kept, rows])
    return slot.with_episode(rows.num_rows)


def append_episode_row(
    layout: FileLayout, slot: FileSlot, row: Mapping[str, Any], schema: pa.Schema
) -> tuple[dict[str, Any], FileSlot]:
    """Rewrite the current ``meta/episodes`` file with its committed rows plus ``row``.

    Args:
        layout: The dataset's files.
        slot: The current episodes file, committed episodes only.
        row: The episode's row without the ``meta/episodes/*`` columns.
        schema: The episodes schema.

    Returns:
        The row as written (with its ``meta/episodes/chunk_index`` and ``file_index``), and
        the episodes file now holding it.
    """
    path = layout.episodes_file(slot.chunk_index, slot.file_index)
    if slot.num_episodes:
        size_mb = path.stat().st_size / _MIB
        if size_mb + size_mb / slot.num_episodes >= layout.chunking.data_files_size_in_mb:
            slot = slot.advance(layout.chunking.chunks_size)
            path = layout.episodes_file(slot.chunk_index, slot.file_index)
    placed = {
        **row,
        "meta/episodes/chunk_index": slot.chunk_index,
        "meta/episodes/file_index": slot.file_index,
    }
    new_row = pa.Table.from_pylist([placed], schema=schema)
    kept = pq.read_table(path).slice(0, slot.num_episodes) if slot.num_episodes else None
    table = pa.concat_tables([kept, new_row]) if kept is not None else new_row
    write_parquet(path, schema, [table])
    return placed, slot.with_episode()
