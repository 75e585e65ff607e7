"""Planning a merge of LeRobot datasets: what must match, what merges loosely, what blocks.

:func:`plan_merge` reads metadata only (and the first video file's header of each camera, by
range on the Hub) and returns a :class:`MergePlan` a person can read before anything is
written. The rules are LeRobot's (SPEC 6.1, 6.2): fps, robot type and every feature (keys,
dtypes, shapes, names, stream facts, depth markers and quantizer) must match the first
source; six encoder-tuning fields merge loosely (kept when all agree, else null or ``{}``
with a warning). Unlike LeRobot, the check covers the video files' real streams too, says
which field of which source blocks and what to do, and can rename a source's keys onto the
first's or drop a feature.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lerobot_video.dataset.features import DEFAULT_FEATURE_NAMES
from lerobot_video.dataset.layout import ChunkingConfig
from lerobot_video.dataset.merge_checks import (
    Conflict,
    LooseField,
    MatchRow,
    loose_fields,
    must_match,
)
from lerobot_video.dataset.reader import DatasetReader, open_dataset
from lerobot_video.errors import ConfigError


@dataclass(frozen=True, kw_only=True, slots=True)
class MergeSource:
    """One source of a merge, as planned.

    Attributes:
        name: How messages call it (folder name or repo id).
        root: Its folder (a Hub dataset's cached metadata folder).
        num_episodes: Its episodes.
        num_frames: Its frames.
        tasks: Its task strings.
        fps: Its frames per second.
        robot_type: Its robot type, or None.
        feature_keys: Its feature keys after renames and drops (default columns excluded).
    """

    name: str
    root: Path
    num_episodes: int
    num_frames: int
    tasks: tuple[str, ...]
    fps: int
    robot_type: str | None
    feature_keys: tuple[str, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class MergePlan:
    """A merge as it would run: sources, the tables, the output, and what blocks it.

    Attributes:
        sources: The sources, in merge order.
        must_match: Fields that must agree, one row each.
        loose: Encoder-tuning fields and their merged values.
        conflicts: Everything that blocks the merge; empty when it can run.
        warnings: What runs but deserves a look (nulled encoder fields...).
        features: The output's ``info.json`` features.
        tasks: The output's tasks, in first-appearance order.
        total_episodes: Episodes of the output.
        total_frames: Frames of the output.
        chunking: The output's file limits.
        target_keys: The first source's feature keys (what others are matched to).
        unmatched_keys: Source position to its keys the first source lacks (before renames).
        renames: Source position to its ``{old key: new key}``.
        dropped: Feature keys left out of the output.
    """

    sources: tuple[MergeSource, ...]
    must_match: tuple[MatchRow, ...]
    loose: tuple[LooseField, ...]
    conflicts: tuple[Conflict, ...]
    warnings: tuple[str, ...]
    features: dict[str, Any]
    tasks: tuple[str, ...]
    total_episodes: int
    total_frames: int
    chunking: ChunkingConfig
    target_keys: tuple[str, ...]
    unmatched_keys: dict[int, tuple[str, ...]]
    renames: dict[int, dict[str, str]]
    dropped: tuple[str, ...]
    readers: tuple[DatasetReader, ...] = field(repr=False, compare=False, default=())

    @property
    def ok(self) -> bool:
        """Whether the merge can run (no conflicts)."""
        return not self.conflicts


def plan_merge(
    sources: Sequence[str | os.PathLike[str] | DatasetReader],
    *,
    rename: Mapping[int, Mapping[str, str]] | None = None,
    drop: Sequence[str] = (),
    chunking: ChunkingConfig | None = None,
) -> MergePlan:
    """Plan merging ``sources`` in order, reading metadata and video headers only.

    Args:
        sources: Two or more dataset folders, or open readers (a Hub dataset:
            ``open_hub_dataset(repo_id).reader``); the same dataset may appear twice.
        rename: Source position to ``{its key: the key it becomes}``, to map a camera or
            feature that the first source names otherwise.
        drop: Output feature keys to leave out (in every source).
        chunking: The output's file limits; None takes LeRobot's defaults.

    Returns:
        The plan; ``plan.ok`` says whether :func:`execute_merge` may run it.

    Raises:
        ConfigError: Fewer than two sources, a rename or drop naming a key that does not
            exist, a rename onto a default column, or bad ``chunking``.
        MetadataError: A source is not a readable v3.0 dataset.
        MediaError: A source's video file is unreadable.
    """
    readers = _readers(sources)
    renames = _check_renames(readers, rename or {})
    dropped = _check_drops(readers, renames, drop)
    if chunking is not None and not isinstance(chunking, ChunkingConfig):
        raise ConfigError(f"chunking must be a ChunkingConfig or None, got {chunking!r}.")
    mapped = [_mapped_features(r, renames.get(i, {}), dropped) for i, r in enumerate(readers)]
    planned = [_source(r, m) for r, m in zip(readers, mapped, strict=True)]
    origins = [{renames.get(i, {}).get(k, k): k for k in r.features} for i, r in enumerate(readers)]
    rows, conflicts = must_match(readers, planned, mapped, origins)
    loose, warnings, features = loose_fields(mapped)
    tasks = tuple(dict.fromkeys(t for r in readers for t in r.tasks))
    target = tuple(k for k in readers[0].features if k not in DEFAULT_FEATURE_NAMES)
    return MergePlan(
        sources=tuple(planned),
        must_match=tuple(rows),
        loose=tuple(loose),
        conflicts=tuple(conflicts),
        warnings=tuple(warnings),
        features=features,
        tasks=tasks,
        total_episodes=sum(r.num_episodes for r in readers),
        total_frames=sum(r.num_frames for r in readers),
        chunking=chunking or ChunkingConfig(),
        target_keys=target,
        unmatched_keys=_unmatched(readers, target, renames, dropped),
        renames=renames,
        dropped=dropped,
        readers=tuple(readers),
    )


def _readers(sources: object) -> list[DatasetReader]:
    if isinstance(sources, str | os.PathLike) or not isinstance(sources, Sequence):
        raise ConfigError(f"sources must be a list of dataset folders or readers, got {sources!r}.")
    if len(sources) < 2:
        raise ConfigError(f"A merge needs at least two sources, got {len(sources)}.")
    return [s if isinstance(s, DatasetReader) else open_dataset(s) for s in sources]


def _keys(reader: DatasetReader) -> list[str]:
    return [k for k in reader.features if k not in DEFAULT_FEATURE_NAMES]


def _check_renames(
    readers: list[DatasetReader], rename: Mapping[int, Mapping[str, str]]
) -> dict[int, dict[str, str]]:
    checked: dict[int, dict[str, str]] = {}
    for position, mapping in rename.items():
        if not isinstance(position, int) or not 0 <= position < len(readers):
            raise ConfigError(
                f"rename names source {position!r}; sources are 0..{len(readers) - 1}."
            )
        for old, new in mapping.items():
            if old not in _keys(readers[position]):
                raise ConfigError(
                    f"rename: source {position} has no feature {old!r}; its features: "
                    f"{_keys(readers[position])}."
                )
            if not isinstance(new, str) or not new or new in DEFAULT_FEATURE_NAMES or "/" in new:
                raise ConfigError(f"rename: {new!r} is not a usable feature key for {old!r}.")
        checked[position] = dict(mapping)
    return checked


def _check_drops(
    readers: list[DatasetReader], renames: dict[int, dict[str, str]], drop: Sequence[str]
) -> tuple[str, ...]:
    if isinstance(drop, str):
        raise ConfigError(f"drop must be a list of feature keys, got the text {drop!r}.")
    known = {renames.get(i, {}).get(k, k) for i, r in enumerate(readers) for k in _keys(r)}
    for key in drop:
        if key not in known:
            raise ConfigError(f"drop: no source has a feature {key!r}; features: {sorted(known)}.")
    return tuple(drop)


def _mapped_features(
    reader: DatasetReader, renames: Mapping[str, str], dropped: Sequence[str]
) -> dict[str, Any]:
    """The source's ``info.json`` features under output keys, dropped ones removed."""
    mapped = {renames.get(k, k): v for k, v in reader.features.items()}
    return {k: v for k, v in mapped.items() if k not in dropped}


def _source(reader: DatasetReader, mapped: Mapping[str, Any]) -> MergeSource:
    return MergeSource(
        name=reader.root.name,
        root=reader.root,
        num_episodes=reader.num_episodes,
        num_frames=reader.num_frames,
        tasks=reader.tasks,
        fps=reader.fps,
        robot_type=reader.info.get("robot_type"),
        feature_keys=tuple(k for k in mapped if k not in DEFAULT_FEATURE_NAMES),
    )


def _unmatched(
    readers: list[DatasetReader],
    target: tuple[str, ...],
    renames: dict[int, dict[str, str]],
    dropped: tuple[str, ...],
) -> dict[int, tuple[str, ...]]:
    out: dict[int, tuple[str, ...]] = {}
    for i, reader in enumerate(readers[1:], start=1):
        keys = [k for k in _keys(reader) if k not in renames.get(i, {})]
        out[i] = tuple(k for k in keys if k not in target and k not in dropped)
    return out
