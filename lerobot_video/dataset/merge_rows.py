"""Merging the rows: data parquet and ``meta/episodes`` rows remapped (SPEC 6.4, 6.5).

Each source's data rows get ``episode_index += E``, ``index += F`` and ``task_index`` through
the task strings; its episode rows get the same offsets, their files, their videos' places in
the output MP4s, and per-episode stats with ``episode_index``/``index`` shifted and
``task_index`` recomputed under the new numbering (LeRobot's fix of PR #4276). Files are
packed up to the output's size limits, one row group per episode.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from lerobot_video.dataset.episodes import VideoSegment
from lerobot_video.dataset.episodes import episode_row as build_row
from lerobot_video.dataset.features import FeatureInfo
from lerobot_video.dataset.files import write_parquet
from lerobot_video.dataset.layout import EPISODES_DIR, FileLayout, next_file_indices
from lerobot_video.dataset.reader import DatasetReader
from lerobot_video.dataset.schema import data_schema
from lerobot_video.dataset.stats import QUANTILE_NAMES, vector_stats
from lerobot_video.errors import MetadataError

_MIB = 1024 * 1024
_SHIFTED_STATS = ("min", "max", "mean", *QUANTILE_NAMES)
"""Stats that move with an offset added to every value (std and count do not)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SourceOffsets:
    """Where one source's episodes land: the output's totals before it.

    Attributes:
        position: The source's position in the merge.
        episodes: Output episodes before this source (E).
        frames: Output frames before this source (F).
        renames: Its ``{key: output key}``.
        dropped: Output keys left out.
    """

    position: int
    episodes: int
    frames: int
    renames: Mapping[str, str]
    dropped: tuple[str, ...]

    def output_key(self, key: str) -> str:
        """The output key of one of the source's keys."""
        return self.renames.get(key, key)


class Packer:
    """Row groups gathered into output parquet files up to a size, then written."""

    def __init__(self, path_of: Callable[[int, int], Path], limit_mb: float, chunks: int) -> None:
        self._path_of, self._limit, self._chunks = path_of, limit_mb * _MIB, chunks
        self._slot, self._groups, self._bytes = (0, 0), list[pa.Table](), 0

    def add(self, table: pa.Table) -> tuple[int, int]:
        """Add one episode's rows; returns the (chunk, file) that holds them.

        A file that would pass the limit is written first and the next one started.
        """
        if self._groups and self._bytes + table.nbytes >= self._limit:
            self.flush()
            self._slot = next_file_indices(*self._slot, self._chunks)
        self._groups.append(table)
        self._bytes += table.nbytes
        return self._slot

    def flush(self) -> None:
        """Write the current file (if it has rows)."""
        if self._groups:
            write_parquet(self._path_of(*self._slot), self._groups[0].schema, self._groups)
            self._groups, self._bytes = [], 0


def merge_data(
    reader: DatasetReader,
    offsets: SourceOffsets,
    features: Mapping[str, FeatureInfo],
    task_ids: Mapping[str, int],
    packer: Packer,
) -> dict[int, tuple[tuple[int, int], npt.NDArray[np.int64] | None]]:
    """Append one source's data rows, remapped.

    Returns:
        Per source episode: its output data file, and its new task ids when the source's
        tasks were renumbered (else None).
    """
    schema = data_schema(features)
    source_tasks = np.array([task_ids[t] for t in reader.tasks] or [0], dtype=np.int64)
    # Task stats are recomputed only where the numbering changed (the first source keeps it).
    renumbered = not np.array_equal(source_tasks[: len(reader.tasks)], np.arange(len(reader.tasks)))
    files = sorted({(e.data_chunk_index, e.data_file_index) for e in reader.episodes})
    placed: dict[int, tuple[tuple[int, int], npt.NDArray[np.int64] | None]] = {}
    for chunk, file in files:
        path = reader.root / reader.info["data_path"].format(chunk_index=chunk, file_index=file)
        with reader.open_file(path) as handle:
            table = pq.ParquetFile(handle).read()
        table = _remapped(table, reader.num_episodes, offsets, source_tasks, schema)
        # Sorted by episode: each episode's rows are one slice (no copy).
        episodes = table["episode_index"].to_numpy() - offsets.episodes
        starts = np.flatnonzero(np.diff(episodes, prepend=-1))
        task_column = table["task_index"].to_numpy()
        for start, stop in zip(starts, [*starts[1:], episodes.size], strict=True):
            slot = packer.add(table.slice(int(start), int(stop - start)))
            tasks = task_column[start:stop].astype(np.int64) if renumbered else None
            placed[int(episodes[start])] = (slot, tasks)
    return placed


def _remapped(
    table: pa.Table,
    num_episodes: int,
    offsets: SourceOffsets,
    source_tasks: npt.NDArray[np.int64],
    schema: pa.Schema,
) -> pa.Table:
    """One data file's committed rows under the output's keys, indexes and schema."""
    table = table.filter(pc.less(table["episode_index"], num_episodes))
    table = table.rename_columns([offsets.output_key(n) for n in table.column_names])
    table = table.sort_by([("episode_index", "ascending"), ("frame_index", "ascending")])
    columns: dict[str, Any] = {n: table[n] for n in schema.names if n in table.column_names}
    missing = [n for n in schema.names if n not in columns]
    if missing:
        raise MetadataError(f"A data file of source {offsets.position} lacks columns {missing}.")
    columns["episode_index"] = pc.add(table["episode_index"], offsets.episodes)
    columns["index"] = pc.add(table["index"], offsets.frames)
    tasks = table["task_index"].to_numpy()
    if tasks.size and (tasks.min() < 0 or tasks.max() >= source_tasks.size):
        raise MetadataError(f"Source {offsets.position} has task_index values outside its tasks.")
    columns["task_index"] = pa.array(source_tasks[tasks] if tasks.size else tasks, pa.int64())
    arrays = [pa.chunked_array(columns[n]).cast(schema.field(n).type) for n in schema.names]
    return pa.Table.from_arrays(arrays, schema=schema)


def data_packer(layout: FileLayout) -> Packer:
    """A packer of data files for ``layout``."""
    chunking = layout.chunking
    return Packer(layout.data_file, chunking.data_files_size_in_mb, chunking.chunks_size)


def source_episode_rows(reader: DatasetReader) -> list[dict[str, Any]]:
    """The source's committed ``meta/episodes`` rows, stats included, by episode index."""
    rows: dict[int, dict[str, Any]] = {}
    for path in sorted((reader.root / EPISODES_DIR).glob("*/*.parquet")):
        for row in pq.ParquetFile(path).read().to_pylist():
            if int(row["episode_index"]) < reader.num_episodes:
                rows[int(row["episode_index"])] = row
    return [rows[i] for i in range(reader.num_episodes)]


StatColumn = tuple[str, str, int]
"""(source column, output column, offset added to its shifted stats)."""


def stat_columns(
    row: Mapping[str, Any], offsets: SourceOffsets, schema: pa.Schema
) -> list[StatColumn]:
    """How a source's per-episode stats columns map onto the output's, worked out once."""
    shift = {"episode_index": offsets.episodes, "index": offsets.frames}
    names, mapped = set(schema.names), []
    for column in row:
        if not column.startswith("stats/"):
            continue
        feature, stat = column[len("stats/") :].rsplit("/", 1)
        target = f"stats/{offsets.output_key(feature)}/{stat}"
        if target in names:
            mapped.append((column, target, shift.get(feature, 0) if stat in _SHIFTED_STATS else 0))
    return mapped


def episode_row(
    row: Mapping[str, Any],
    offsets: SourceOffsets,
    data_file: tuple[int, int],
    task_ids: npt.NDArray[np.int64] | None,
    videos: Mapping[str, VideoSegment],
    columns: list[StatColumn],
) -> dict[str, Any]:
    """One source episode row as the output's: indexes, files, segments and stats remapped.

    Args:
        row: The source's row.
        offsets: The source's offsets.
        data_file: The output data file holding the episode.
        task_ids: The episode's new ``task_index`` values when the source's tasks were
            renumbered (its task stats are recomputed), else None (they are kept).
        videos: Each output camera's segment.
        columns: :func:`stat_columns` of the source.
    """
    out = build_row(
        episode_index=int(row["episode_index"]) + offsets.episodes,
        tasks=list(row["tasks"]),
        dataset_from_index=int(row["dataset_from_index"]) + offsets.frames,
        length=int(row["length"]),
        data_file=data_file,
        segments=videos,
        stats={},
    )
    for source, target, shift in columns:
        value = row[source]
        out[target] = value if not shift or value is None else _plus(value, shift)
    if task_ids is not None:
        for stat, stat_value in vector_stats(task_ids).items():
            out[f"stats/task_index/{stat}"] = stat_value.tolist()
    return out


def _plus(value: Any, shift: int) -> Any:
    """A nested list of numbers with ``shift`` added to each."""
    return [_plus(v, shift) for v in value] if isinstance(value, list) else value + shift
