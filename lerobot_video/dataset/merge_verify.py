"""Checking a merged dataset against its sources, as a reader would find it.

:func:`verify_merge` opens the output like any dataset and checks, episode by episode, that
it is what the plan promised: counts and lengths, each episode's tasks, its first, middle and
last frame of every camera (what ``from_timestamp`` and ``to_timestamp`` resolve to) equal to
the source's, its data rows equal to the source's with the indexes remapped, ``stats.json``
equal to a recomputation, and no video finding of severity error (timestamps outside their
file, truncated files). A deliberately corrupted output fails it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lerobot_video.codec.decode import clear_decoder_cache, decode_depth_codes, decode_frames
from lerobot_video.codec.remux import extract_segment
from lerobot_video.dataset.merge_plan import MergePlan
from lerobot_video.dataset.reader import DatasetReader, open_dataset
from lerobot_video.dataset.report import encoding_report
from lerobot_video.dataset.stats import vector_stats
from lerobot_video.errors import ConfigError, LeRobotVideoError

_STAT_CHECKED = ("min", "max", "mean", "std", "count")
_STATS_RTOL = 1e-3
"""Per-episode stats are computed in float32 with E[x^2] - E[x]^2 (LeRobot's formula), so a
global std carries a relative error of up to a few 1e-4; a corruption is far larger."""


@dataclass(frozen=True, kw_only=True, slots=True)
class MergeCheck:
    """One check of a merged dataset.

    Attributes:
        name: What was checked ("episodes", "frames", "data rows", "stats", "videos"...).
        ok: Whether it held.
        detail: What was compared, or the first differences found.
    """

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, kw_only=True, slots=True)
class MergeVerification:
    """The checks of a merged dataset against its plan and sources.

    Attributes:
        root: The merged dataset.
        checks: Every check, in the order run.
    """

    root: Path
    checks: tuple[MergeCheck, ...]

    @property
    def ok(self) -> bool:
        """Whether every check held."""
        return all(check.ok for check in self.checks)

    @property
    def problems(self) -> tuple[str, ...]:
        """The failed checks' details."""
        return tuple(f"{c.name}: {c.detail}" for c in self.checks if not c.ok)


def verify_merge(plan: MergePlan, output: str | os.PathLike[str]) -> MergeVerification:
    """Check a merged dataset against the plan that made it and its sources.

    Args:
        plan: The plan :func:`execute_merge` ran.
        output: The merged dataset's folder.

    Returns:
        The checks; a dataset that cannot even be opened gives one failed check.

    Raises:
        ConfigError: ``plan`` is not a plan.
    """
    if not isinstance(plan, MergePlan):
        raise ConfigError(f"plan must be a MergePlan from plan_merge, got {type(plan).__name__}.")
    try:
        merged = open_dataset(output)
    except LeRobotVideoError as err:
        return MergeVerification(
            root=Path(output), checks=(MergeCheck(name="opens", ok=False, detail=str(err)),)
        )
    pairs = list(_pairs(plan))
    checks = [_counts(plan, merged, pairs)]
    if checks[0].ok:
        checks.append(_guarded(lambda: _tasks(plan, merged, pairs), "tasks"))
        checks.append(_guarded(lambda: _frames(plan, merged, pairs), "frames"))
        checks.append(_guarded(lambda: _rows(plan, merged, pairs), "data rows"))
        checks.append(_guarded(lambda: _stats(merged, pairs), "stats"))
        checks.append(_guarded(lambda: _videos(merged), "videos"))
    return MergeVerification(root=merged.root, checks=tuple(checks))


Pair = tuple[int, int, int]
"""(output episode, source position, source episode)."""


def _pairs(plan: MergePlan) -> Iterator[Pair]:
    index = 0
    for position, source in enumerate(plan.sources):
        for episode in range(source.num_episodes):
            yield index, position, episode
            index += 1


def _guarded(check: Callable[[], MergeCheck], name: str) -> MergeCheck:
    """Run a check; a file that cannot be read fails it (with the reason) instead of raising."""
    try:
        return check()
    except LeRobotVideoError as err:
        return MergeCheck(name=name.strip("_"), ok=False, detail=f"unreadable: {err}")


def _counts(plan: MergePlan, merged: DatasetReader, pairs: list[Pair]) -> MergeCheck:
    want = [plan.readers[s].episodes[e].length for _, s, e in pairs]
    have = [e.length for e in merged.episodes]
    ok = have == want and merged.num_frames == plan.total_frames and merged.tasks == plan.tasks
    detail = (
        f"{merged.num_episodes} episodes, {merged.num_frames} frames, {len(merged.tasks)} tasks"
        if ok
        else f"expected lengths {want[:10]}… and {plan.total_frames} frames, found {have[:10]}… "
        f"and {merged.num_frames}; tasks {merged.tasks!r} for {plan.tasks!r}"
    )
    return MergeCheck(name="episodes", ok=ok, detail=detail)


def _tasks(plan: MergePlan, merged: DatasetReader, pairs: list[Pair]) -> MergeCheck:
    wrong = [
        o for o, s, e in pairs if merged.episodes[o].tasks != plan.readers[s].episodes[e].tasks
    ]
    detail = f"episodes with other tasks than their source's: {wrong[:10]}" if wrong else "equal"
    return MergeCheck(name="tasks", ok=not wrong, detail=detail)


def _frames(plan: MergePlan, merged: DatasetReader, pairs: list[Pair]) -> MergeCheck:
    """First, middle and last frame of every camera of every episode, against the source's."""
    wrong: list[str] = []
    compared = 0
    for out, source, episode in pairs:
        reader = plan.readers[source]
        length = merged.episodes[out].length
        indices = sorted({0, length // 2, length - 1})
        inverse = {v: k for k, v in plan.renames.get(source, {}).items()}
        for key in merged.video_keys:
            original = inverse.get(key, key)
            depth = key in merged.depth_keys
            # One frame per decode: a request decodes everything between its first and last.
            for index in indices:
                here = _frames_of(merged, key, out, [index], depth)
                there = _frames_of(reader, original, episode, [index], depth)
                compared += 1
                if here.shape != there.shape or not np.array_equal(here, there):
                    wrong.append(f"episode {out} {key} frame {index}")
    detail = f"differ: {wrong[:5]}" if wrong else f"{compared} frames equal to the sources'"
    return MergeCheck(name="frames", ok=not wrong, detail=detail)


def _frames_of(
    reader: DatasetReader, key: str, episode: int, indices: list[int], depth: bool
) -> npt.NDArray[Any]:
    """Frames of an episode (depth as codes), local files directly, remote ones by range."""
    if reader.video_path(key, episode).is_file():
        return (
            reader.depth_codes(key, episode, indices)
            if depth
            else reader.frames(key, episode, indices)
        )
    segment, source = reader.episodes[episode].videos[key], reader.video_path(key, episode)
    with tempfile.TemporaryDirectory(prefix="lerobot-video-verify-") as folder:
        copy = Path(folder) / "episode.mp4"
        with reader.open_file(source) as file:
            end = segment.from_seconds + reader.episodes[episode].length / reader.fps
            first, _ = extract_segment(source, segment.from_seconds, end, copy, file=file)
        times = first + np.asarray(indices, dtype=np.float64) / reader.fps
        try:
            return decode_depth_codes(copy, times) if depth else decode_frames(copy, times)
        finally:
            clear_decoder_cache(under=folder)


def _rows(plan: MergePlan, merged: DatasetReader, pairs: list[Pair]) -> MergeCheck:
    """Every data column of every episode, the indexes compared after remapping."""
    wrong: list[str] = []
    for out, source, episode in pairs:
        reader, renames = plan.readers[source], plan.renames.get(source, {})
        here, there = merged.episode_columns(out), reader.episode_columns(episode)
        there = {renames.get(k, k): v for k, v in there.items() if renames.get(k, k) in here}
        offset = (
            merged.episodes[out].dataset_from_index - reader.episodes[episode].dataset_from_index
        )
        there["episode_index"] = np.full_like(there["episode_index"], out)
        there["index"] = there["index"] + offset
        there["task_index"] = np.array(
            [merged.tasks.index(reader.tasks[t]) for t in there["task_index"]]
        )
        for name, values in here.items():
            if name not in there or not _same(values, there[name]):
                wrong.append(f"episode {out} {name}")
    detail = (
        f"differ: {wrong[:5]}" if wrong else f"{len(pairs)} episodes' rows equal to the sources'"
    )
    return MergeCheck(name="data rows", ok=not wrong, detail=detail)


def _same(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    """Equal arrays; NaN equals NaN in float columns (a robot's missing readings)."""
    if a.shape != b.shape:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f" and b.dtype.kind == "f"))


def _stats(merged: DatasetReader, pairs: list[Pair]) -> MergeCheck:
    """``stats.json`` of the numeric columns against a recomputation from the merged rows."""
    stats = merged.stats or {}
    columns: dict[str, list[npt.NDArray[Any]]] = {}
    for out, _, _ in pairs:
        for name, values in merged.episode_columns(out).items():
            if values.dtype.kind in "iufb":
                columns.setdefault(name, []).append(values)
    wrong = []
    for name, parts in columns.items():
        # In float64: LeRobot's per-episode float32 formulas are the approximate side.
        expected = vector_stats(np.concatenate(parts).astype(np.float64))
        stored = stats.get(name)
        for stat in _STAT_CHECKED:
            value = None if stored is None else stored.get(stat)
            if value is None or not np.allclose(
                value, expected[stat], rtol=_STATS_RTOL, atol=1e-6, equal_nan=True
            ):
                wrong.append(f"{name}.{stat}")
    detail = (
        f"differ from a recomputation: {wrong[:6]}"
        if wrong
        else f"{len(columns)} columns equal a recomputation"
    )
    return MergeCheck(name="stats", ok=not wrong, detail=detail)


def _videos(merged: DatasetReader) -> MergeCheck:
    errors = [f.message for f in encoding_report(merged).findings if f.severity == "error"]
    detail = errors[0] if errors else "every episode inside its video, every file whole"
    return MergeCheck(name="videos", ok=not errors, detail=detail)
