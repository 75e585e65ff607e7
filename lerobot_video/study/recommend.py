"""Recommend an encoding for a clip: the smallest one that meets a target, with evidence.

The search measures real encodings of the clip (study cells, cached, in parallel). A coarse
pass covers each codec's knobs sparsely; then, for every group of settings that differ only
in ``crf`` (quality falls as ``crf`` rises), the crf where the group stops meeting the
target is found by bisection on integers, but only for groups that could still beat the
best encoding found so far (a group's size at its first failing crf bounds what it can
reach). LeRobot's default is always measured, so the proposal is compared with it on the
same frames, and the Pareto front of size against PSNR shows where the default sits.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lerobot_video.clips import Clip
from lerobot_video.codec.encode import ProgressCallback
from lerobot_video.config import RGBEncoderConfig
from lerobot_video.errors import ConfigError
from lerobot_video.executor import Executor, LocalExecutor
from lerobot_video.study.grid import StudyGrid
from lerobot_video.study.runner import Row, iter_study, plan_study
from lerobot_video.study.scenarios import check_scenarios

DEFAULT_SEARCH: tuple[StudyGrid, ...] = (
    StudyGrid(vcodec=("libsvtav1",), g=(2, 4, 8), crf=(20, 30, 40, 50), preset=(None, 8)),
    StudyGrid(vcodec=("h264",), g=(2, 4, 8), crf=(14, 20, 26, 32)),
    StudyGrid(vcodec=("hevc",), g=(2, 4, 8), crf=(14, 20, 26, 32)),
)
"""The coarse pass: per codec, keyframe intervals, crf steps and presets worth comparing
(libsvtav1's preset 8 against LeRobot's default 12; x264/x265 at their ``medium``)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class StudyTarget:
    """What an encoding must achieve on the clip.

    Attributes:
        min_psnr_db: Least mean PSNR in dB over the requested frames; None for the PSNR
            LeRobot's default encoding reaches on this clip.
        max_load_time_ratio: Most video load time per frame over PNG's at ``scenario``
            (1.0: no slower than PNG files); None for no limit.
        scenario: The timestamp mode the load time and PSNR are measured at.
        min_encode_fps: Least encode speed in frames per second (live recording); None
            for no limit.
        browser_playable: Whether browsers must play the stream.

    Raises:
        ConfigError: A limit is not a positive finite number, or the mode is unknown.
    """

    min_psnr_db: float | None = None
    max_load_time_ratio: float | None = 1.0
    scenario: str = "6_frames"
    min_encode_fps: float | None = None
    browser_playable: bool = False

    def __post_init__(self) -> None:
        for name in ("min_psnr_db", "max_load_time_ratio", "min_encode_fps"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise ConfigError(f"{name} must be a positive number or None, got {value!r}.")
        check_scenarios([self.scenario])
        if not isinstance(self.browser_playable, bool):
            raise ConfigError(
                f"browser_playable must be True or False, got {self.browser_playable!r}."
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class Recommendation:
    """The proposal and the evidence behind it (rows at the target's timestamp mode).

    Attributes:
        target: The target, as given.
        min_psnr_db: The PSNR bound used, in dB (the default's when the target left it None).
        default: LeRobot's default encoding's row.
        proposal: The smallest row meeting the target, or None when none does.
        proposal_config: Its encoder config, or None.
        size_saving: ``1 - proposal size / default size`` (0.25: a quarter smaller), or None.
        front: The Pareto front of size against PSNR among rows meeting every limit but
            PSNR, smallest first.
        default_on_front: Whether no measured encoding is both smaller and at least as sharp.
        rows: Every measured row, in the order measured.
        explanation: The result in one paragraph.
    """

    target: StudyTarget
    min_psnr_db: float
    default: Row
    proposal: Row | None
    proposal_config: RGBEncoderConfig | None
    size_saving: float | None
    front: tuple[Row, ...]
    default_on_front: bool
    rows: tuple[Row, ...]
    explanation: str


def _config_of(row: Row) -> RGBEncoderConfig:
    fields = ("vcodec", "pix_fmt", "g", "crf", "preset", "fast_decode")
    return RGBEncoderConfig(**{name: row[name] for name in fields})


def _meets_limits(row: Row, target: StudyTarget) -> bool:
    """Every limit but PSNR."""
    ratio = row["video_images_load_time_ratio"]
    if target.max_load_time_ratio is not None and ratio > target.max_load_time_ratio:
        return False
    if target.min_encode_fps is not None and row["encode_fps"] < target.min_encode_fps:
        return False
    return not target.browser_playable or bool(row["browser_playable"])


def pareto_front(rows: Sequence[Row]) -> tuple[Row, ...]:
    """Rows no other row beats on both size (smaller) and PSNR (higher), smallest first."""
    ordered = sorted(rows, key=lambda r: (r["video_size_bytes"], -r["avg_psnr"]))
    front: list[Row] = []
    for row in ordered:
        if not front or row["avg_psnr"] > front[-1]["avg_psnr"]:
            front.append(row)
    return tuple(front)


def _group(config: RGBEncoderConfig) -> tuple[Any, ...]:
    return (config.vcodec, config.pix_fmt, config.g, config.preset, config.fast_decode)


class _Search:
    """The cells measured so far, and how to measure more (cached across calls and runs)."""

    def __init__(
        self,
        clip: Clip,
        target: StudyTarget,
        settings: dict[str, Any],
        executor: Executor,
        progress: ProgressCallback | None,
    ) -> None:
        self.clip, self.target, self.settings = clip, target, settings
        self.executor, self.progress = executor, progress
        self.rows: list[Row] = []
        self.planned = 0
        self.bound = math.inf

    def row(self, config: RGBEncoderConfig) -> Row | None:
        return next((r for r in self.rows if _config_of(r) == config), None)

    def measure(self, configs: Sequence[RGBEncoderConfig]) -> None:
        new = [c for c in configs if self.row(c) is None]
        if not new:
            return
        plan = plan_study([self.clip], new, scenarios=(self.target.scenario,), **self.settings)
        self.planned += plan.cells
        rows = iter_study(plan, self.executor)
        try:
            for row in rows:
                self.rows.append(row)
                if self.progress is not None:
                    self.progress(len(self.rows), self.planned)
        finally:
            rows.close()  # a progress callback that raises stops the workers at once

    def passes(self, row: Row) -> bool:
        return _meets_limits(row, self.target) and row["avg_psnr"] >= self.bound

    def best_size(self) -> float:
        return min((r["video_size_bytes"] for r in self.rows if self.passes(r)), default=math.inf)

    def bisection_step(self) -> list[RGBEncoderConfig]:
        """For each group that could still win, the crf halfway into its pass/fail bracket."""
        best, wanted = self.best_size(), []
        groups: dict[tuple[Any, ...], list[Row]] = {}
        for row in self.rows:
            if isinstance(row["crf"], int):
                groups.setdefault(_group(_config_of(row)), []).append(row)
        for rows in groups.values():
            passing = [r["crf"] for r in rows if self.passes(r)]
            if not passing:
                continue
            low = max(passing)
            above = [r for r in rows if r["crf"] > low]
            if not above:
                continue
            high = min(above, key=lambda r: r["crf"])
            if high["crf"] - low > 1 and high["video_size_bytes"] < best:
                wanted.append(replace(_config_of(high), crf=(low + high["crf"]) // 2))
        return wanted

    def bisect(self) -> None:
        for _ in range(8):  # crf brackets of up to 2**8 close within 8 rounds
            step = self.bisection_step()
            if not step:
                return
            self.measure(step)

    def neighbour_keyframes(self, winner: RGBEncoderConfig) -> list[RGBEncoderConfig]:
        """The winner's group at keyframe intervals around its own, at the crfs it was tried."""
        if winner.g is None:
            return []
        crfs = sorted({r["crf"] for r in self.rows if _group(_config_of(r)) == _group(winner)})
        gs = {max(1, round(winner.g * 0.75)), round(winner.g * 1.5)} - {winner.g}
        return [replace(winner, g=g, crf=crf) for g in sorted(gs) for crf in crfs]


def _describe(config: RGBEncoderConfig) -> str:
    preset = "" if config.preset is None else f", preset {config.preset}"
    return f"{config.vcodec} {config.pix_fmt}, g={config.g}, crf={config.crf}{preset}"


def _explain(
    default: Row, proposal: Row | None, saving: float | None, bound: float, target: StudyTarget
) -> str:
    mode = target.scenario.replace("_", " ")
    if proposal is None:
        return (
            f"No measured encoding reaches PSNR >= {bound:.2f} dB within the other limits "
            f"(LeRobot's default measures {default['avg_psnr']:.2f} dB, load time "
            f"{default['video_images_load_time_ratio']:.2f}x PNG at {mode}); relax the target."
        )
    text = (
        f"{_describe(_config_of(proposal))}: {proposal['video_size_bytes']:,} bytes, PSNR "
        f"{proposal['avg_psnr']:.2f} dB (target >= {bound:.2f}), load time "
        f"{proposal['video_images_load_time_ratio']:.2f}x PNG at {mode}, encodes at "
        f"{proposal['encode_fps']:.0f} fps. "
    )
    assert saving is not None  # set whenever there is a proposal
    if saving <= 0:
        return text + "LeRobot's default is already the smallest encoding meeting the target."
    return text + (
        f"That is {saving:.0%} smaller than LeRobot's default "
        f"({default['video_size_bytes']:,} bytes, {default['avg_psnr']:.2f} dB)."
    )


def recommend_encoding(
    clip: Clip,
    *,
    output_dir: str | os.PathLike[str],
    target: StudyTarget | None = None,
    search: Sequence[StudyGrid] = DEFAULT_SEARCH,
    num_samples: int = 20,
    seed: int = 1337,
    executor: Executor | None = None,
    progress: ProgressCallback | None = None,
) -> Recommendation:
    """Search encodings of ``clip`` for the smallest that meets ``target``.

    Steps: LeRobot's default and every config of ``search`` are measured (the coarse pass);
    then crf is bisected within each group that could still win; then the winner's group is
    tried at keyframe intervals around its own (0.75x and 1.5x) and bisected again, as long
    as that moves the winner (at most four times). Every cell is cached in
    ``output_dir``, so a repeated or interrupted search only measures what is missing.

    Args:
        clip: The clip, >= 6 frames of >= 7x7 pixels.
        output_dir: Folder for the cells; created.
        target: What the encoding must achieve; None for :class:`StudyTarget` defaults (PSNR
            at least the default's, 6-frame load time at most PNG's).
        search: Coarse grids (integer crfs are refined); :data:`DEFAULT_SEARCH` by default.
        num_samples: Random requests timed per cell, 1..1000.
        seed: Seed of the request sampling.
        executor: Where cells run; None for one worker process per core.
        progress: Optional ``progress(cells_done, cells_planned_so_far)``. An exception it
            raises (a Cancel button's, say) stops the search and the running cells, and is
            raised from here; finished cells stay cached.

    Raises:
        ConfigError: Invalid clip, target, grids or counts.
        MediaError: A cell failed to encode or decode.
    """
    target = StudyTarget() if target is None else target
    if not isinstance(target, StudyTarget):
        raise ConfigError(f"target must be a StudyTarget, got {type(target).__name__}.")
    if isinstance(search, StudyGrid) or not all(isinstance(g, StudyGrid) for g in search):
        raise ConfigError("search must be a list of StudyGrid (one per codec, say).")
    runner = executor if executor is not None else LocalExecutor()
    settings = {
        "output_dir": Path(os.fspath(output_dir)),
        "num_samples": num_samples,
        "seed": seed,
        "concurrent_cells": runner.max_workers,
    }
    found = _Search(clip, target, settings, runner, progress)
    default_config = RGBEncoderConfig()
    found.measure([default_config, *(c for grid in search for c in grid.configs())])
    default = found.row(default_config)
    assert default is not None  # measured first, and the default always encodes here
    found.bound = target.min_psnr_db or default["avg_psnr"]
    found.bisect()
    tried: list[RGBEncoderConfig] = []
    for _ in range(4):  # follow the winner's g while moving it helps, a few steps at most
        passing = [r for r in found.rows if found.passes(r)]
        if not passing:
            break
        winner = _config_of(min(passing, key=lambda r: r["video_size_bytes"]))
        if winner in tried:
            break
        tried.append(winner)
        found.measure(found.neighbour_keyframes(winner))
        found.bisect()
    return _recommendation(found, default, target)


def _recommendation(found: _Search, default: Row, target: StudyTarget) -> Recommendation:
    passing = [r for r in found.rows if found.passes(r)]
    proposal = min(passing, key=lambda r: r["video_size_bytes"]) if passing else None
    saving = None
    if proposal is not None:
        saving = 1 - proposal["video_size_bytes"] / default["video_size_bytes"]
    front = pareto_front([r for r in found.rows if _meets_limits(r, target)])
    dominated = any(
        r["video_size_bytes"] < default["video_size_bytes"] and r["avg_psnr"] >= default["avg_psnr"]
        for r in found.rows
        if _meets_limits(r, target)
    )
    return Recommendation(
        target=target,
        min_psnr_db=found.bound,
        default=default,
        proposal=proposal,
        proposal_config=None if proposal is None else _config_of(proposal),
        size_saving=saving,
        front=front,
        default_on_front=not dominated,
        rows=tuple(found.rows),
        explanation=_explain(default, proposal, saving, found.bound, target),
    )
