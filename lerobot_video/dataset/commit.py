"""Committing a saved episode: tasks, stats and the drop log, then ``info.json`` last.

``meta/info.json`` is the commit point: an episode counts once ``total_episodes`` includes
it. :class:`CommittedState` is what a writer continues from, after each commit or (read
back from disk) after :func:`~lerobot_video.resume_dataset`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lerobot_video.dataset.drop_log import DROP_LOG_PATH, drop_log_json
from lerobot_video.dataset.features import FeatureInfo, features_json
from lerobot_video.dataset.files import write_json, write_parquet
from lerobot_video.dataset.layout import INFO_PATH, STATS_PATH, TASKS_PATH
from lerobot_video.dataset.placement import FileSlot, PlacedVideo
from lerobot_video.dataset.schema import tasks_table
from lerobot_video.dataset.stats import Stats, aggregate_stats, stats_to_json


@dataclass(frozen=True, kw_only=True, slots=True)
class CommittedState:
    """What a writer continues from: the saved episodes' tasks, stats and current files.

    Attributes:
        tasks: Task strings, position = ``task_index``.
        stats: The saved episodes' aggregated stats; None before the first episode.
        data_slot: The current data file.
        meta_slot: The current ``meta/episodes`` file.
        video_slots: Camera key to its current MP4 (missing: not started).
        drop_log: Saved episode to its dropped frames (the drop log).
    """

    tasks: tuple[str, ...] = ()
    stats: dict[str, Stats] | None = None
    data_slot: FileSlot = field(default_factory=FileSlot)
    meta_slot: FileSlot = field(default_factory=FileSlot)
    video_slots: Mapping[str, FileSlot] = field(default_factory=dict)
    drop_log: Mapping[int, Sequence[int]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class PlacedEpisode:
    """An episode whose files are written but not yet committed.

    Attributes:
        row: Its ``meta/episodes`` row, as written.
        length: Its frames.
        tasks: Every task of the dataset after it, position = ``task_index``.
        stats: Its own stats (not aggregated).
        data_slot: The data file holding its rows.
        meta_slot: The episodes file holding its row.
        videos: Camera key to where its video went.
        dropped_frames: Positions of the frames real-time mode dropped.
    """

    row: dict[str, Any]
    length: int
    tasks: tuple[str, ...]
    stats: dict[str, Stats]
    data_slot: FileSlot
    meta_slot: FileSlot
    videos: Mapping[str, PlacedVideo]
    dropped_frames: tuple[int, ...]


def commit_episode(
    root: Path,
    info: Mapping[str, Any],
    features: Mapping[str, FeatureInfo],
    committed: CommittedState,
    placed: PlacedEpisode,
) -> tuple[dict[str, Any], CommittedState]:
    """Publish tasks, stats and the drop log, then ``info.json`` (the commit point).

    If this raises, ``info.json`` still counts the episodes before; the files written so
    far only hold what a resume or the next save overwrites.

    Args:
        root: The dataset folder.
        info: ``info.json`` as committed so far.
        features: The features to store (described by the first episode's videos).
        committed: The state before this episode.
        placed: The episode.

    Returns:
        The new ``info.json`` content and the state after the episode.
    """
    episode_index = int(info["total_episodes"])
    if len(placed.tasks) > len(committed.tasks):
        table = tasks_table(placed.tasks)
        write_parquet(root / TASKS_PATH, table.schema, [table])
    stats = aggregate_stats(committed.stats, placed.stats)
    write_json(root / STATS_PATH, stats_to_json(stats))
    drop_log = {**committed.drop_log, episode_index: placed.dropped_frames}
    write_json(root / DROP_LOG_PATH, drop_log_json(drop_log))
    new_info = {
        **info,
        "features": features_json(features),
        "total_episodes": episode_index + 1,
        "total_frames": int(info["total_frames"]) + placed.length,
        "total_tasks": len(placed.tasks),
        "splits": {"train": f"0:{episode_index + 1}"},
    }
    write_json(root / INFO_PATH, new_info)  # the commit point
    state = CommittedState(
        tasks=placed.tasks,
        stats=stats,
        data_slot=placed.data_slot,
        meta_slot=placed.meta_slot,
        video_slots={**committed.video_slots, **{k: v.slot for k, v in placed.videos.items()}},
        drop_log=drop_log,
    )
    return new_info, state
