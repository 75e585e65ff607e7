"""Run a study: clips x encoder grid, cells in parallel, cached, results as they come.

A study is planned first (:func:`plan_study`: every input checked, every config planned
against this FFmpeg build, the clips written once as PNG files, finished cells found in the
cache), then its cells run through an :class:`~lerobot_video.executor.Executor`
(:func:`iter_study` yields each cell's rows as it finishes), and :func:`run_study` does both
and writes the table as CSV and Parquet. A cell's rows are cached in
``<output_dir>/cells/`` under a key of everything that determines them, so a study that
was interrupted (killed, cancelled, a lost worker) resumes with only the missing cells.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Generator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from lerobot_video.clips import Clip
from lerobot_video.codec.encode import ProgressCallback
from lerobot_video.codec.support import plan_encoder
from lerobot_video.config import RGBEncoderConfig
from lerobot_video.errors import CodecUnavailableError, ConfigError
from lerobot_video.executor import Executor, LocalExecutor
from lerobot_video.study.cell import CellTask, png_paths, run_cell
from lerobot_video.study.compare import _slug, output_folder
from lerobot_video.study.grid import StudyGrid
from lerobot_video.study.results import write_study_results
from lerobot_video.study.scenarios import MIN_STUDY_FRAMES, check_scenarios

STUDY_VERSION = 1
"""Part of every cache key: bump it when a cell's measurement changes meaning."""

Row = dict[str, Any]


@dataclass(frozen=True, kw_only=True, slots=True)
class StudyPlan:
    """A checked, prepared study (see :func:`plan_study`).

    Attributes:
        output_dir: Where images, videos, the cell cache and the tables go.
        tasks: Cells still to run.
        cached_rows: Rows of cells already in the cache, in grid order.
        cells: Cells in the study (cached ones included).
        skipped: Grid combinations not run, each with the reason (invalid here, or an
            encoder this FFmpeg build lacks).
    """

    output_dir: Path
    tasks: tuple[CellTask, ...]
    cached_rows: tuple[Row, ...]
    cells: int
    skipped: tuple[tuple[dict[str, Any], str], ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class StudyResult:
    """A finished study.

    Attributes:
        rows: One row per clip x config x timestamp mode, in grid order, with the columns of
            :data:`~lerobot_video.study.results.STUDY_COLUMNS` (and ``cached``: whether the
            row came from the cache).
        csv_path: The table as CSV.
        parquet_path: The table as Parquet.
        cells: Cells run or read from the cache.
        cached_cells: Cells read from the cache.
        skipped: Grid combinations not run, with the reason.
    """

    rows: tuple[Row, ...]
    csv_path: Path
    parquet_path: Path
    cells: int
    cached_cells: int
    skipped: tuple[tuple[dict[str, Any], str], ...]


def _check_clips(clips: object) -> list[Clip]:
    if not isinstance(clips, Sequence) or isinstance(clips, str) or not clips:
        raise ConfigError(f"clips must be a non-empty list of Clip, got {clips!r:.80}.")
    for clip in clips:
        if not isinstance(clip, Clip):
            raise ConfigError(f"Each clip must be a Clip (load_clip), got {type(clip).__name__}.")
        shape: tuple[int, ...] = tuple(getattr(clip.frames, "shape", ()))
        if len(shape) != 4 or shape[-1] != 3 or clip.frames.dtype != np.uint8:
            raise ConfigError(
                f"Clip {clip.name!r}: frames must be (N, H, W, 3) uint8, got {shape}."
            )
        if shape[0] < MIN_STUDY_FRAMES or min(shape[1:3]) < 7:
            raise ConfigError(
                f"Clip {clip.name!r} has {shape[0]} frames of {shape[2]}x{shape[1]}; a study "
                f"needs at least {MIN_STUDY_FRAMES} frames of at least 7x7 pixels."
            )
    names = [clip.name for clip in clips]
    if len(set(names)) != len(names):
        raise ConfigError(f"Clip names must be unique in a study, got {names}.")
    return list(clips)


def _check_count(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be an integer in [{low}, {high}], got {value!r}.")
    return value


def _fingerprint(clip: Clip) -> str:
    digest = hashlib.sha256(f"{clip.frames.shape}|{clip.fps}|".encode())
    digest.update(np.ascontiguousarray(clip.frames).data)
    return digest.hexdigest()


def _write_images(clip: Clip, folder: Path) -> None:
    """The clip as PNG files (PIL defaults), once: a marker written last says complete."""
    marker = folder / ".complete"
    if marker.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    for path, frame in zip(png_paths(folder, len(clip.frames)), clip.frames, strict=True):
        Image.fromarray(frame).save(path)
    marker.write_text("")


def _cell_key(fingerprint: str, config: RGBEncoderConfig, shared: dict[str, Any]) -> str:
    parts = {"version": STUDY_VERSION, "clip": fingerprint, "config": asdict(config), **shared}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _cached_rows(path: Path, key: str) -> list[Row] | None:
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # absent, or cut short by a crash: run the cell again
    if not isinstance(saved, dict) or saved.get("key") != key or not saved.get("rows"):
        return None
    return [{**row, "cached": True} for row in saved["rows"]]


GridLike = StudyGrid | Sequence[RGBEncoderConfig]
"""A grid, or the configs to try listed one by one."""


def _grid_configs(
    grid: object,
) -> tuple[tuple[RGBEncoderConfig, ...], list[tuple[dict[str, Any], str]]]:
    if isinstance(grid, StudyGrid):
        return grid.configs(), list(grid.skipped())
    if isinstance(grid, Sequence) and grid and all(isinstance(c, RGBEncoderConfig) for c in grid):
        unique: list[RGBEncoderConfig] = []
        for config in grid:
            if config not in unique:  # configs hold a dict, so they are not hashable
                unique.append(config)
        return tuple(unique), []
    raise ConfigError(
        f"grid must be a StudyGrid or a non-empty list of RGBEncoderConfig, got {grid!r:.80}."
    )


def _planned_configs(
    grid: object,
) -> tuple[list[RGBEncoderConfig], list[tuple[dict[str, Any], str]]]:
    """The grid's configs this build can encode; the rest set aside with the reason."""
    grid_configs, skipped = _grid_configs(grid)
    configs = []
    for config in grid_configs:
        try:
            plan_encoder(config)
        except (ConfigError, CodecUnavailableError) as err:
            skipped.append((asdict(config), str(err)))
            continue
        configs.append(config)
    if not configs:
        raise ConfigError(f"No config of the grid can be encoded here: {skipped[0][1]}")
    return configs, skipped


def _clip_cells(
    clip: Clip,
    configs: Sequence[RGBEncoderConfig],
    out: Path,
    shared: dict[str, Any],
    tasks: list[CellTask],
    cached: list[Row],
) -> None:
    """Write the clip's PNG files; add its cells to ``cached`` or, if not cached, ``tasks``."""
    fingerprint = _fingerprint(clip)
    images = out / "images" / f"{_slug(clip.name)}-{fingerprint[:12]}"
    _write_images(clip, images)
    for config in configs:
        key = _cell_key(fingerprint, config, shared)
        result_path = out / "cells" / f"{key[:24]}.json"
        rows = _cached_rows(result_path, key)
        if rows is not None:
            cached.extend(rows)
            continue
        tasks.append(
            CellTask(
                key=key,
                clip_name=clip.name,
                images_dir=images,
                num_frames=len(clip.frames),
                fps=clip.fps,
                config=config,
                scenarios=tuple(shared["scenarios"]),
                num_samples=shared["num_samples"],
                seed=shared["seed"],
                video_path=out / "videos" / key[:24] / f"{_slug(clip.name)}.mp4",
                result_path=result_path,
                concurrent_cells=1,
            )
        )


def plan_study(
    clips: Sequence[Clip],
    grid: GridLike,
    *,
    output_dir: str | os.PathLike[str],
    scenarios: Sequence[str] = ("1_frame", "6_frames"),
    num_samples: int = 50,
    seed: int = 1337,
    concurrent_cells: int = 1,
    keep_videos: bool = False,
) -> StudyPlan:
    """Check a study, write its clips as PNG files, and find the cells already done.

    Args:
        clips: Clips to study, unique names, each >= 6 frames of >= 7x7 pixels.
        grid: The encoder settings to try: a :class:`StudyGrid`, or configs one by one.
        output_dir: Folder for images, videos, the cell cache and the tables; created.
        scenarios: Timestamp modes to time (see :data:`~lerobot_video.study.SCENARIOS`).
        num_samples: Random requests per mode, 1..1000 (the published study used 50).
        seed: Seed of the request sampling (the published study used 1337).
        concurrent_cells: Cells that will run at once (recorded with each row).
        keep_videos: Keep every encoding under ``<output_dir>/videos/``.

    Raises:
        ConfigError: A clip, mode or count is invalid, or no config can be encoded here.
        MediaError: ``output_dir`` cannot be created.
    """
    clips = _check_clips(clips)
    modes = check_scenarios(scenarios)
    shared = {
        "scenarios": list(modes),
        "num_samples": _check_count("num_samples", num_samples, 1, 1000),
        "seed": _check_count("seed", seed, -(2**63), 2**63 - 1),
    }
    _check_count("concurrent_cells", concurrent_cells, 1, 4096)
    configs, skipped = _planned_configs(grid)
    out = output_folder(output_dir)
    tasks: list[CellTask] = []
    cached: list[Row] = []
    for clip in clips:
        _clip_cells(clip, configs, out, shared, tasks, cached)
    tasks = [replace(t, concurrent_cells=concurrent_cells, keep_video=keep_videos) for t in tasks]
    return StudyPlan(
        output_dir=out,
        tasks=tuple(tasks),
        cached_rows=tuple(cached),
        cells=len(clips) * len(configs),
        skipped=tuple(skipped),
    )


def iter_study(plan: StudyPlan, executor: Executor | None = None) -> Generator[Row, None, None]:
    """Yield a study's rows: the cached ones first, then each cell's as it finishes.

    Closing the iterator early stops the cells still running (their rows are lost, the
    finished ones are in the cache); a later run with the same arguments resumes.

    Args:
        plan: From :func:`plan_study`.
        executor: Where cells run; None for a :class:`~lerobot_video.LocalExecutor` with one
            worker per core.

    Raises:
        MediaError: A cell failed to encode or decode.
    """
    yield from plan.cached_rows
    runner = executor if executor is not None else LocalExecutor()
    for _, rows in runner.map_unordered(run_cell, plan.tasks):
        for row in rows:
            yield {**row, "cached": False}


def _order(rows: list[Row], plan_rows_order: dict[tuple[str, str], int]) -> list[Row]:
    return sorted(rows, key=lambda row: plan_rows_order[(row["repo_id"], _config_id(row))])


def _config_id(row: Row) -> str:
    fields = ("vcodec", "pix_fmt", "g", "crf", "preset", "fast_decode")
    return json.dumps([row[name] for name in fields], default=str)


def run_study(
    clips: Sequence[Clip],
    grid: GridLike,
    *,
    output_dir: str | os.PathLike[str],
    scenarios: Sequence[str] = ("1_frame", "6_frames"),
    num_samples: int = 50,
    seed: int = 1337,
    executor: Executor | None = None,
    keep_videos: bool = False,
    progress: ProgressCallback | None = None,
    on_row: Callable[[Row], None] | None = None,
) -> StudyResult:
    """Run every cell of ``clips`` x ``grid`` and write the table as CSV and Parquet.

    Each cell encodes a clip with one config, then measures: size against the clip's PNG
    files; encode speed; for each timestamp mode, ``num_samples`` random requests drawn as
    the published study drew them, each timed from the video and from the PNG files in the
    same worker; MSE/PSNR/SSIM of every requested frame; browser playability. Cells run in
    parallel through ``executor`` and are cached, so a rerun after an interruption only
    runs the missing ones.

    Args:
        clips: Clips to study, unique names, each >= 6 frames of >= 7x7 pixels.
        grid: The encoder settings to try: a :class:`StudyGrid`, or configs one by one.
        output_dir: Folder for images, videos, the cell cache and the tables; created.
        scenarios: Timestamp modes to time (see :data:`~lerobot_video.study.SCENARIOS`).
        num_samples: Random requests per mode, 1..1000 (the published study used 50).
        seed: Seed of the request sampling (the published study used 1337).
        keep_videos: Keep every encoding under ``<output_dir>/videos/``.
        executor: Where cells run; None for one worker process per core.
        progress: Optional ``progress(cells_done, cells_total)``; cached cells count as done.
        on_row: Optional callback for each row as it arrives (streaming).

    Returns:
        The rows in grid order and the paths of ``study.csv`` and ``study.parquet`` in
        ``output_dir``.
    """
    runner = executor if executor is not None else LocalExecutor()
    plan = plan_study(
        clips,
        grid,
        output_dir=output_dir,
        scenarios=scenarios,
        num_samples=num_samples,
        seed=seed,
        concurrent_cells=runner.max_workers,
        keep_videos=keep_videos,
    )
    per_cell = len(check_scenarios(scenarios))
    rows: list[Row] = []
    for row in iter_study(plan, runner):
        rows.append(row)
        if on_row is not None:
            on_row(row)
        if progress is not None and len(rows) % per_cell == 0:
            progress(len(rows) // per_cell, plan.cells)
    order = _grid_order(clips, grid)
    rows = _order(rows, order)
    csv_path, parquet_path = write_study_results(rows, plan.output_dir, "study")
    return StudyResult(
        rows=tuple(rows),
        csv_path=csv_path,
        parquet_path=parquet_path,
        cells=plan.cells,
        cached_cells=len(plan.cached_rows) // per_cell,
        skipped=plan.skipped,
    )


def _grid_order(clips: Sequence[Clip], grid: GridLike) -> dict[tuple[str, str], int]:
    order: dict[tuple[str, str], int] = {}
    for clip in clips:
        for config in _grid_configs(grid)[0]:
            row = {**asdict(config), "repo_id": clip.name}
            order[(clip.name, _config_id(row))] = len(order)
    return order
