"""File placement (``placement``): episodes appended to shared files, without a writer.

Covers: a camera's first episode starts its MP4 (segment from 0, bytes = the file), the
next one is appended after it (segment from the first one's end, bytes = the growth), a
full file makes the next episode start ``file-001`` and a full chunk ``chunk-001``; data
rows become one row group per episode, rows of a save that never committed are dropped,
and a full data file starts the next; episodes rows get their ``meta/episodes`` indices.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lerobot_video.dataset.layout import ChunkingConfig, FileLayout
from lerobot_video.dataset.placement import (
    FileSlot,
    append_data_rows,
    append_episode_row,
    place_video,
)

FPS = 10
SCHEMA = pa.schema([pa.field("index", pa.int64())])


def rows(start: int, stop: int) -> pa.Table:
    return pa.table({"index": pa.array(range(start, stop), pa.int64())}, schema=SCHEMA)


@pytest.fixture
def episode_videos(tmp_path: Path, make_video: Callable[..., Path]) -> list[Path]:
    """Three one-camera episodes of 4, 3 and 2 frames, written with PyAV directly."""
    folder = tmp_path / "episodes"
    folder.mkdir()
    rng = np.random.default_rng(3)
    return [
        make_video(folder, frames=rng.integers(0, 256, (n, 48, 64, 3), np.uint8), fps=FPS)
        for n in (4, 3, 2)
    ]


class TestPlaceVideo:
    def test_episodes_are_laid_end_to_end(self, tmp_path: Path, episode_videos: list[Path]) -> None:
        layout = FileLayout(root=tmp_path / "d")
        first = place_video(layout, "cam", FileSlot(), episode_videos[0])
        path = layout.video_file("cam", 0, 0)
        assert (first.segment.from_seconds, first.segment.to_seconds) == (0.0, 0.4)
        assert first.added_bytes == path.stat().st_size == episode_videos[0].stat().st_size
        assert first.slot == FileSlot(num_episodes=1)
        size_before = path.stat().st_size
        second = place_video(layout, "cam", first.slot, episode_videos[1])
        assert second.segment.from_seconds == pytest.approx(0.4)
        assert second.segment.to_seconds == pytest.approx(0.7)
        assert second.added_bytes == path.stat().st_size - size_before > 0
        assert (second.slot.file_index, second.slot.num_episodes) == (0, 2)
        assert episode_videos[1].is_file()  # copied, never moved

    def test_a_full_file_starts_the_next_and_a_full_chunk_the_next_chunk(
        self, tmp_path: Path, episode_videos: list[Path]
    ) -> None:
        tiny = ChunkingConfig(chunks_size=2, video_files_size_in_mb=1e-4)
        layout = FileLayout(root=tmp_path / "d", chunking=tiny)
        slot = FileSlot()
        placed = []
        for video in episode_videos:
            placed.append(place_video(layout, "cam", slot, video))
            slot = placed[-1].slot
        files = [(p.segment.chunk_index, p.segment.file_index) for p in placed]
        assert files == [(0, 0), (0, 1), (1, 0)]
        assert all(p.segment.from_seconds == 0.0 for p in placed)
        assert layout.video_file("cam", 1, 0).is_file()


class TestAppendDataRows:
    def test_one_row_group_per_episode(self, tmp_path: Path) -> None:
        layout = FileLayout(root=tmp_path / "d")
        slot = append_data_rows(layout, FileSlot(), rows(0, 4))
        slot = append_data_rows(layout, slot, rows(4, 7))
        assert slot == FileSlot(num_episodes=2, num_frames=7)
        parquet = pq.ParquetFile(layout.data_file(0, 0))
        assert parquet.num_row_groups == 2
        assert parquet.read()["index"].to_pylist() == list(range(7))

    def test_rows_past_the_committed_ones_are_dropped(self, tmp_path: Path) -> None:
        layout = FileLayout(root=tmp_path / "d")
        committed = append_data_rows(layout, FileSlot(), rows(0, 4))
        append_data_rows(layout, committed, rows(100, 103))  # a save that never committed
        append_data_rows(layout, committed, rows(4, 6))  # its retry
        table = pq.read_table(layout.data_file(0, 0))
        assert table["index"].to_pylist() == list(range(6))

    def test_a_full_file_starts_the_next(self, tmp_path: Path) -> None:
        layout = FileLayout(
            root=tmp_path / "d", chunking=ChunkingConfig(data_files_size_in_mb=1e-4)
        )
        slot = append_data_rows(layout, FileSlot(), rows(0, 4))
        slot = append_data_rows(layout, slot, rows(4, 6))
        assert slot == FileSlot(file_index=1, num_episodes=1, num_frames=2)
        assert pq.read_table(layout.data_file(0, 1))["index"].to_pylist() == [4, 5]


def test_episode_rows_get_their_file_indices(tmp_path: Path) -> None:
    layout = FileLayout(root=tmp_path / "d")
    schema = pa.schema(
        [
            pa.field("episode_index", pa.int64()),
            pa.field("meta/episodes/chunk_index", pa.int64()),
            pa.field("meta/episodes/file_index", pa.int64()),
        ]
    )
    first, slot = append_episode_row(layout, FileSlot(), {"episode_index": 0}, schema)
    second, slot = append_episode_row(layout, slot, {"episode_index": 1}, schema)
    assert second == {
        "episode_index": 1,
        "meta/episodes/chunk_index": 0,
        "meta/episodes/file_index": 0,
    }
    assert slot.num_episodes == 2
    table = pq.read_table(layout.episodes_file(0, 0))
    assert table["episode_index"].to_pylist() == [0, 1]
    assert first["meta/episodes/file_index"] == 0
