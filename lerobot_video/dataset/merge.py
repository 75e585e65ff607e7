"""Running a merge: videos joined without re-encoding, rows remapped, stats recomputed.

:func:`execute_merge` writes the whole output into a hidden temporary folder beside
``output`` and renames it into place only when complete, so a merge that fails or is killed
leaves no half dataset where the output should be, and it never writes to a source. Videos
are joined by stream copy, one pass per output file (all its inputs at once); data,
``meta/episodes``, tasks and ``stats.json`` are rewritten with every index remapped. Unlike
LeRobot 0.6.1, the global stats of ``episode_index``, ``index`` and ``task_index`` are
those of the merged dataset (LeRobot keeps the first sources' values, issue #3508).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa

from lerobot_video.codec.file_modes import new_file_mode
from lerobot_video.codec.mp4_index import read_sample_index
from lerobot_video.codec.mp4_join import join_mp4s
from lerobot_video.codec.remux import concatenate_videos
from lerobot_video.dataset.episodes import VideoSegment
from lerobot_video.dataset.features import parse_features, video_keys
from lerobot_video.dataset.files import write_json, write_parquet
from lerobot_video.dataset.layout import (
    INFO_PATH,
    STATS_PATH,
    TASKS_PATH,
    ChunkingConfig,
    FileLayout,
    new_info,
    next_file_indices,
)
from lerobot_video.dataset.merge_plan import MergePlan
from lerobot_video.dataset.merge_rows import (
    SourceOffsets,
    data_packer,
    episode_row,
    merge_data,
    source_episode_rows,
    stat_columns,
)
from lerobot_video.dataset.reader import DatasetReader
from lerobot_video.dataset.schema import episodes_schema, stats_feature_shapes, tasks_table
from lerobot_video.dataset.stats import Stats, merge_stacked, stats_to_json
from lerobot_video.errors import ConfigError, MergeConflictError, path_argument

MergeProgress = Callable[[int, int, str], None]
"""Called as ``progress(steps_done, steps_total, what)`` while a merge runs."""
_MIB = 1024 * 1024
_COPY_BYTES = 4 * _MIB


@dataclass(frozen=True, kw_only=True, slots=True)
class MergeResult:
    """What a merge wrote.

    Attributes:
        root: The merged dataset's folder.
        num_episodes: Its episodes.
        num_frames: Its frames.
        num_video_files: MP4 files written (all cameras).
    """

    root: Path
    num_episodes: int
    num_frames: int
    num_video_files: int


@dataclass(frozen=True, slots=True)
class _SourceFile:
    """One source MP4 of one camera."""

    source: int
    key: str  # the source's key
    chunk: int
    file: int
    path: Path
    size: int
    open_file: Callable[[Path], BinaryIO]  # the source reader's opener (local or by range)


def execute_merge(
    plan: MergePlan, output: str | os.PathLike[str], *, progress: MergeProgress | None = None
) -> MergeResult:
    """Write the merged dataset that ``plan`` describes into the new folder ``output``.

    Args:
        plan: A plan from :func:`plan_merge` with no conflicts.
        output: The folder to create; it must not exist (its parent is created if needed).
        progress: Optional ``progress(steps_done, steps_total, what)``.

    Returns:
        What was written.

    Raises:
        ConfigError: ``plan`` is not a plan, or ``output`` exists or is not a path.
        MergeConflictError: The plan has conflicts (the message lists them).
        MetadataError, MediaError: A source cannot be read, or FFmpeg fails joining videos.
    """
    if not isinstance(plan, MergePlan):
        raise ConfigError(f"plan must be a MergePlan from plan_merge, got {type(plan).__name__}.")
    if not plan.ok:
        listed = " ".join(c.message for c in plan.conflicts[:3])
        more = f" (and {len(plan.conflicts) - 3} more)" if len(plan.conflicts) > 3 else ""
        raise MergeConflictError(f"The merge cannot run: {listed}{more}")
    output = path_argument(output, "output")
    if output.exists():
        raise ConfigError(f"{str(output)!r} already exists; merge into a new folder.")
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{output.name}.merging-", dir=output.parent))
    try:
        files = _write(plan, temp, progress or _no_progress)
        os.chmod(temp, 0o777 & new_file_mode() | 0o111)  # a folder's mode, not mkdtemp's 0o700
        os.rename(temp, output)  # the commit point: the output appears complete, or not at all
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return MergeResult(
        root=output,
        num_episodes=plan.total_episodes,
        num_frames=plan.total_frames,
        num_video_files=files,
    )


def _no_progress(done: int, total: int, what: str) -> None:
    """Progress nobody asked for."""


def _offsets(plan: MergePlan) -> list[SourceOffsets]:
    offsets, episodes, frames = [], 0, 0
    for position, source in enumerate(plan.sources):
        renames = plan.renames.get(position, {})
        offsets.append(
            SourceOffsets(
                position=position,
                episodes=episodes,
                frames=frames,
                renames=renames,
                dropped=plan.dropped,
            )
        )
        episodes, frames = episodes + source.num_episodes, frames + source.num_frames
    return offsets


def _write(plan: MergePlan, root: Path, progress: MergeProgress) -> int:
    """Every file of the output under ``root``; ``info.json`` last. Returns the MP4 count.

    The videos are joined on other threads while the data rows are remapped here; the
    episode rows, which need both, come after.
    """
    layout = FileLayout(root=root, chunking=plan.chunking)
    features = parse_features(plan.features)
    keys = video_keys(features)
    offsets = _offsets(plan)
    sources = _video_sources(plan, offsets, keys)
    advance = _counter(progress, sum(len(f) for f in sources.values()) + len(plan.readers) + 1)
    task_ids = {task: index for index, task in enumerate(plan.tasks)}
    schema = episodes_schema(keys, stats_feature_shapes(features))
    data = data_packer(layout)
    # Hub sources' MP4s are fetched here, outside the output folder, and go when joined.
    with (
        tempfile.TemporaryDirectory(prefix=f".{root.name}.fetch-", dir=root.parent) as work,
        ThreadPoolExecutor(max_workers=1) as background,
    ):
        joining = background.submit(_merge_videos, layout, sources, Path(work), advance)
        placed = [
            merge_data(r, o, features, task_ids, data)
            for r, o in zip(plan.readers, offsets, strict=True)
        ]
        data.flush()
        places = joining.result()
    rows: list[dict[str, Any]] = []
    for reader, offset, files in zip(plan.readers, offsets, placed, strict=True):
        source_rows = source_episode_rows(reader)
        columns = stat_columns(source_rows[0], offset, schema) if source_rows else []
        for row in source_rows:
            file, tasks = files[int(row["episode_index"])]
            segments = _segments(reader, row, offset, keys, places)
            rows.append(episode_row(row, offset, file, tasks, segments, columns))
        advance(f"Rows of {plan.sources[offset.position].name}")
    _write_episode_rows(layout, rows, schema)
    _write_meta(plan, root, _global_stats(rows))
    advance("Metadata written")
    return sum(len(v) for v in places.values())


def _counter(progress: MergeProgress, total: int) -> Callable[[str], None]:
    """``advance(what)``: one more step done, reported in order from any thread."""
    lock, done = threading.Lock(), [0]

    def advance(what: str) -> None:
        with lock:
            done[0] += 1
            progress(done[0], total, what)

    return advance


def _write_episode_rows(layout: FileLayout, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """Write the ``meta/episodes`` files, one table each, rows placed by size.

    The limits are LeRobot's fixed ones, as its merge uses (100 MB, 1000 files a chunk),
    whatever the output's data limits.
    """
    limits = ChunkingConfig()
    without = schema.remove(schema.get_field_index("meta/episodes/chunk_index"))
    without = without.remove(without.get_field_index("meta/episodes/file_index"))
    row_bytes = pa.Table.from_pylist(rows[:1], schema=without).nbytes if rows else 0
    slot, used, files = (0, 0), 0, dict[tuple[int, int], list[dict[str, Any]]]()
    for row in rows:
        if used and used + row_bytes >= limits.data_files_size_in_mb * _MIB:
            slot, used = next_file_indices(*slot, limits.chunks_size), 0
        used += row_bytes
        placed = {**row, "meta/episodes/chunk_index": slot[0], "meta/episodes/file_index": slot[1]}
        files.setdefault(slot, []).append(placed)
    for (chunk, file), kept in files.items():
        table = pa.Table.from_pylist(kept, schema=schema)
        write_parquet(layout.episodes_file(chunk, file), schema, [table])


def _global_stats(rows: list[dict[str, Any]]) -> dict[str, Stats]:
    """``stats.json``: every feature's per-episode stats (as remapped) aggregated at once."""
    columns: dict[str, dict[str, list[Any]]] = {}
    for row in rows:
        for column, value in row.items():
            if column.startswith("stats/") and value is not None:
                feature, stat = column[len("stats/") :].rsplit("/", 1)
                columns.setdefault(feature, {}).setdefault(stat, []).append(value)
    stats: dict[str, Stats] = {}
    for feature, values in columns.items():
        complete = {n: v for n, v in values.items() if len(v) == len(values.get("count", ()))}
        if "count" in complete and "mean" in complete:
            stats[feature] = merge_stacked(
                {
                    n: np.asarray(v, dtype=np.int64 if n == "count" else np.float64)
                    for n, v in complete.items()
                }
            )
    return stats


def _write_meta(plan: MergePlan, root: Path, stats: dict[str, Stats]) -> None:
    write_parquet(root / TASKS_PATH, tasks_table(plan.tasks).schema, [tasks_table(plan.tasks)])
    write_json(root / STATS_PATH, stats_to_json(stats))
    first = plan.sources[0]
    info = new_info(
        fps=first.fps, features=plan.features, robot_type=first.robot_type, chunking=plan.chunking
    )
    info.update(
        total_episodes=plan.total_episodes,
        total_frames=plan.total_frames,
        total_tasks=len(plan.tasks),
        splits={"train": f"0:{plan.total_episodes}"},
    )
    write_json(root / INFO_PATH, info)


def _video_sources(
    plan: MergePlan, offsets: list[SourceOffsets], keys: list[str]
) -> dict[str, list[_SourceFile]]:
    """Each output camera's source MP4s, in merge order (dropped cameras left out)."""
    out: dict[str, list[_SourceFile]] = {key: [] for key in keys}
    for reader, offset in zip(plan.readers, offsets, strict=True):
        for key in (k for k in reader.video_keys if offset.output_key(k) in out):
            # One episode per file, the first: the reader knows each file's path through it.
            firsts: dict[tuple[int, int], int] = {}
            for episode in reader.episodes:
                segment = episode.videos[key]
                firsts.setdefault((segment.chunk_index, segment.file_index), episode.episode_index)
            for (chunk, file), episode_index in sorted(firsts.items()):
                path = reader.video_path(key, episode_index)
                with reader.open_file(path) as handle:
                    size = handle.seek(0, os.SEEK_END)
                source = _SourceFile(
                    offset.position, key, chunk, file, path, size, reader.open_file
                )
                out[offset.output_key(key)].append(source)
    return out


def _merge_videos(
    layout: FileLayout,
    sources: dict[str, list[_SourceFile]],
    work: Path,
    advance: Callable[[str], None],
) -> dict[str, dict[tuple[int, int, int], tuple[int, int, float]]]:
    """Join each camera's source files into output files up to the size limit, by stream copy.

    Every output file is one join of all its inputs; the joins run on threads (FFmpeg's
    reading and writing release the GIL, and output files are independent).

    Returns:
        Per output camera, ``(source, chunk, file)`` to ``(chunk, file, shift)``: the output
        file holding it and the seconds to add to its timestamps.
    """
    jobs = [
        (key, slot, group)
        for key, files in sources.items()
        for slot, group in _groups(files, layout.chunking)
    ]
    places: dict[str, dict[tuple[int, int, int], tuple[int, int, float]]] = {k: {} for k in sources}
    with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
        joined = pool.map(lambda job: _join(layout.video_file(job[0], *job[1]), job[2], work), jobs)
        for (key, slot, group), shifts in zip(jobs, joined, strict=True):
            for source, shift in zip(group, shifts, strict=True):
                places[key][(source.source, source.chunk, source.file)] = (*slot, shift)
                advance(f"Joined {key}: {source.path.name} of source {source.source}")
    return places


def _groups(
    files: list[_SourceFile], chunking: ChunkingConfig
) -> list[tuple[tuple[int, int], list[_SourceFile]]]:
    """Source files packed into output files (chunk, file) under the video size limit."""
    groups: list[tuple[tuple[int, int], list[_SourceFile]]] = []
    size, limit = 0, chunking.video_files_size_in_mb * _MIB
    for source in files:
        if not groups or size + source.size >= limit:
            slot = next_file_indices(*groups[-1][0], chunking.chunks_size) if groups else (0, 0)
            groups.append((slot, []))
            size = 0
        groups[-1][1].append(source)
        size += source.size
    return groups


def _join(destination: Path, group: list[_SourceFile], work: Path) -> list[float]:
    """Write ``group``'s files one after the other into ``destination``.

    Returns:
        The seconds to add to each file's timestamps there.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    paths = [_local(source, work) for source in group]
    # Simple files are joined at copy speed (their bytes and one new index); others, and
    # files whose codec parameters differ, by FFmpeg's stream copy.
    try:
        starts = join_mp4s(paths, destination)
    except (OSError, ValueError):
        starts = None  # what FFmpeg makes of the file decides (and names it)
    if starts is None:
        starts = concatenate_videos(paths, destination)
    shifts = []
    for path, start in zip(paths, starts, strict=True):
        index = read_sample_index(path)
        shifts.append(start - float(index.pts.min()) / index.timescale)
    return shifts


def _local(source: _SourceFile, work: Path) -> Path:
    """The source MP4 on disk: itself, or a copy read through the dataset (a Hub dataset)."""
    if source.path.is_file():
        return source.path
    copy = work / f"{source.source}-{source.key}-{source.chunk}-{source.file}.mp4"
    with source.open_file(source.path) as remote, copy.open("wb") as local:
        shutil.copyfileobj(remote, local, _COPY_BYTES)
    return copy


def _segments(
    reader: DatasetReader,
    row: dict[str, Any],
    offset: SourceOffsets,
    keys: list[str],
    places: dict[str, dict[tuple[int, int, int], tuple[int, int, float]]],
) -> dict[str, VideoSegment]:
    """The episode's segment in each output camera's file."""
    segments: dict[str, VideoSegment] = {}
    for key in reader.video_keys:
        target = offset.output_key(key)
        if target not in keys:
            continue
        chunk, file = int(row[f"videos/{key}/chunk_index"]), int(row[f"videos/{key}/file_index"])
        out_chunk, out_file, shift = places[target][(offset.position, chunk, file)]
        segments[target] = VideoSegment(
            chunk_index=out_chunk,
            file_index=out_file,
            from_seconds=float(row[f"videos/{key}/from_timestamp"]) + shift,
            to_seconds=float(row[f"videos/{key}/to_timestamp"]) + shift,
        )
    return {key: segments[key] for key in keys if key in segments}
