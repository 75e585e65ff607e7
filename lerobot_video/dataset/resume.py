"""Reopen a dataset for recording after its last saved episode, tidying what a crash left.

A recording process may die at any moment. ``meta/info.json`` is the commit point, so the
dataset always reads as its last saved episode; what a save that never committed may have
left is removed here before recording continues: the staging folder and temporary files,
data and episodes rows past the committed ones, video tails after the last committed
episode, data/video files a rotation had started, and tasks, stats and the drop log
are rewritten from the committed episodes.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pyarrow.parquet as pq

from lerobot_video.codec.remux import content_duration_seconds, truncate_video
from lerobot_video.codec.support import EncoderPlan, stream_codec_name
from lerobot_video.config import DepthEncoderConfig, EncoderConfig, RGBEncoderConfig
from lerobot_video.dataset.commit import CommittedState
from lerobot_video.dataset.create_checks import check_arguments
from lerobot_video.dataset.drop_log import DROP_LOG_PATH, drop_log_json, read_drop_log
from lerobot_video.dataset.encoding import RecordingOptions, plan_camera_encoders
from lerobot_video.dataset.episodes import EpisodeInfo
from lerobot_video.dataset.features import FeatureInfo
from lerobot_video.dataset.files import leading_rows, write_json, write_parquet
from lerobot_video.dataset.layout import EPISODES_DIR, STAGING_DIR, STATS_PATH, TASKS_PATH
from lerobot_video.dataset.placement import FileSlot
from lerobot_video.dataset.reader import open_dataset
from lerobot_video.dataset.resume_checks import check_committed_files
from lerobot_video.dataset.schema import stats_feature_shapes, tasks_table
from lerobot_video.dataset.stats import Stats, aggregate_stats, stats_to_json
from lerobot_video.dataset.writer import DatasetWriter
from lerobot_video.errors import ConfigError

_ConfigT = TypeVar("_ConfigT", RGBEncoderConfig, DepthEncoderConfig)
_INDICES = re.compile(r"chunk-(\d+)/file-(\d+)\.(?:parquet|mp4)$")


def resume_dataset(
    root: str | os.PathLike[str],
    *,
    rgb_encoder: RGBEncoderConfig | None = None,
    depth_encoder: DepthEncoderConfig | None = None,
    streaming_encoding: bool = True,
    encoder_queue_maxsize: int = 30,
    realtime: bool = False,
) -> DatasetWriter:
    """Open an existing dataset to record more episodes after its last saved one.

    Leftovers of an episode that was being saved or recorded when the process died are
    removed first (see the module docstring); saved episodes are never touched.

    Args:
        root: The dataset folder (ours or LeRobot's, v3.0).
        rgb_encoder: Encoder for RGB cameras; when None, the one the dataset's cameras were
            recorded with (from ``info.json``). New episodes are appended to the same MP4
            files, so the codec and pixel format must match the recorded ones.
        depth_encoder: The same for depth cameras; the depth mapping (``depth_min``,
            ``depth_max``, ``shift``, ``use_log``) must match too, or codes would change
            meaning mid-dataset.
        streaming_encoding: See :func:`~lerobot_video.create_dataset`.
        encoder_queue_maxsize: See :func:`~lerobot_video.create_dataset`.
        realtime: See :func:`~lerobot_video.create_dataset`.

    Returns:
        A writer whose next episode gets index ``total_episodes``.

    Raises:
        MetadataError: ``root`` is not a readable v3 dataset, or a data or episodes file
            its committed episodes need is missing or damaged (nothing is changed then).
        MediaError: A camera's MP4 is missing, unreadable or truncated (nothing is changed).
        ConfigError: Encoder settings that do not match the recorded ones, or invalid options.
        CodecUnavailableError: A needed encoder is missing here.
    """
    check_arguments(rgb_encoder=rgb_encoder, depth_encoder=depth_encoder)
    options = RecordingOptions(
        streaming_encoding=streaming_encoding,
        encoder_queue_maxsize=encoder_queue_maxsize,
        realtime=realtime,
    )
    reader = open_dataset(root)
    root, info, features = reader.root, reader.info, reader.feature_infos
    plans = _encoders(features, rgb_encoder, depth_encoder)
    check_committed_files(reader)
    episodes = reader.episodes
    meta_files = _episode_meta_files(root, len(episodes))
    state = CommittedState(
        tasks=reader.tasks[: int(info.get("total_tasks", len(reader.tasks)))],
        stats=_committed_stats(root, features, len(episodes)),
        data_slot=_slot(episodes, lambda e: (e.data_chunk_index, e.data_file_index)),
        meta_slot=_slot(episodes, lambda e: meta_files[e.episode_index]),
        video_slots={
            key: _slot(episodes, lambda e, k=key: (e.videos[k].chunk_index, e.videos[k].file_index))
            for key in reader.video_keys
        },
        drop_log=read_drop_log(root, len(episodes)),
    )
    _clean(root, info, episodes, state)
    return DatasetWriter(
        root, info, features=features, encoders=plans, options=options, committed=state
    )


def _encoders(
    features: Mapping[str, FeatureInfo],
    rgb_encoder: RGBEncoderConfig | None,
    depth_encoder: DepthEncoderConfig | None,
) -> dict[str, EncoderPlan]:
    """Each camera's encoder plan, checked against what the camera was recorded with."""
    cameras = {key: ft for key, ft in features.items() if ft.is_video}
    recorded = {key: ft.info for key, ft in cameras.items()}
    rgb_info = next(
        (recorded[k] for k, ft in cameras.items() if not ft.is_depth and recorded[k]), None
    )
    depth_info = next(
        (recorded[k] for k, ft in cameras.items() if ft.is_depth and "video.codec" in recorded[k]),
        None,
    )
    rgb = rgb_encoder or _recorded_config(RGBEncoderConfig, rgb_info) or RGBEncoderConfig()
    depth = (
        depth_encoder or _recorded_config(DepthEncoderConfig, depth_info) or DepthEncoderConfig()
    )
    plans = plan_camera_encoders(features, rgb, depth)
    for key, block in recorded.items():
        if "video.codec" in block:
            _check_matches(key, block, plans[key].config)
    return plans


def _recorded_config(kind: type[_ConfigT], block: Mapping[str, Any] | None) -> _ConfigT | None:
    """The config a camera was recorded with, rebuilt from its ``info`` block, or None."""
    if block is None:
        return None
    try:
        return kind.from_info(block)
    except ConfigError as err:
        raise ConfigError(
            f"The dataset's encoder settings are not valid here ({err}); pass "
            f"rgb_encoder/depth_encoder explicitly."
        ) from err


def _check_matches(key: str, block: Mapping[str, Any], config: EncoderConfig) -> None:
    codec = stream_codec_name(config.encoder)
    wanted: dict[str, Any] = {"video.codec": codec, "video.pix_fmt": config.pix_fmt}
    if isinstance(config, DepthEncoderConfig):
        wanted.update(config.quantization.to_info())
    differ = {name: (block.get(name), value) for name, value in wanted.items()}
    differ = {n: pair for n, pair in differ.items() if n in block and pair[0] != pair[1]}
    if differ:
        details = ", ".join(f"{n}: recorded {a!r}, asked {b!r}" for n, (a, b) in differ.items())
        raise ConfigError(
            f"Camera {key!r} cannot continue with these encoder settings ({details}): new "
            f"episodes are appended to the recorded MP4 files. Leave the encoder unset to use "
            f"the recorded settings."
        )


def _episode_meta_files(root: Path, total: int) -> dict[int, tuple[int, int]]:
    """Committed episode index to the (chunk, file) of its ``meta/episodes`` row."""
    located: dict[int, tuple[int, int]] = {}
    for path in sorted((root / EPISODES_DIR).glob("*/*.parquet")):
        table = pq.read_table(
            path,
            columns=["episode_index", "meta/episodes/chunk_index", "meta/episodes/file_index"],
        )
        for index, chunk, file in zip(*(c.to_pylist() for c in table.columns), strict=True):
            if index < total:
                located[int(index)] = (int(chunk), int(file))
    return located


def _slot(episodes: Sequence[EpisodeInfo], where: Any) -> FileSlot:
    """The file the last episode went to, with the committed episodes and frames in it."""
    if not episodes:
        return FileSlot()
    last = where(episodes[-1])
    inside = [e for e in episodes if where(e) == last]
    return FileSlot(
        chunk_index=last[0],
        file_index=last[1],
        num_episodes=len(inside),
        num_frames=sum(e.length for e in inside),
    )


def _committed_stats(
    root: Path, features: Mapping[str, FeatureInfo], total: int
) -> dict[str, Stats] | None:
    """``stats.json`` recomputed from the committed episodes' rows, folded in order.

    ``stats.json`` is written before the commit point, so after a crash it may include an
    episode that was never committed.
    """
    shapes = stats_feature_shapes(features)
    rows: dict[int, dict[str, Any]] = {}
    for path in sorted((root / EPISODES_DIR).glob("*/*.parquet")):
        for row in pq.read_table(path).to_pylist():
            if int(row["episode_index"]) < total:
                rows[int(row["episode_index"])] = row
    total_stats: dict[str, Stats] | None = None
    for index in range(total):
        episode: dict[str, Stats] = {}
        for key in shapes:
            names = [c.split("/")[-1] for c in rows[index] if c.startswith(f"stats/{key}/")]
            episode[key] = {
                name: np.asarray(
                    rows[index][f"stats/{key}/{name}"],
                    dtype=np.int64 if name == "count" else np.float64,
                )
                for name in names
            }
        total_stats = aggregate_stats(total_stats, episode)
    return total_stats


def _clean(
    root: Path, info: Mapping[str, Any], episodes: Sequence[EpisodeInfo], state: CommittedState
) -> None:
    """Remove what an uncommitted save or recording left; committed content stays."""
    shutil.rmtree(root / STAGING_DIR, ignore_errors=True)
    for leftover in root.glob(".episode-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for partial in [*root.rglob(".*.partial"), *root.rglob(".*.partial.mp4")]:
        partial.unlink(missing_ok=True)
    _trim_parquet_files(root / "data", state.data_slot, rows=state.data_slot.num_frames)
    _trim_parquet_files(root / EPISODES_DIR, state.meta_slot, rows=state.meta_slot.num_episodes)
    fps = int(info["fps"])
    for key, slot in state.video_slots.items():
        kept = _drop_later_files(root / "videos" / key, slot, bool(episodes))
        if kept is not None:
            end_seconds = episodes[-1].videos[key].to_seconds
            if content_duration_seconds(kept) > end_seconds + 0.5 / fps:
                truncate_video(kept, end_seconds)
    if not episodes:
        for name in (TASKS_PATH, STATS_PATH, DROP_LOG_PATH):
            (root / name).unlink(missing_ok=True)
        return
    if len(state.tasks) < len(_stored_tasks(root)):
        table = tasks_table(state.tasks)
        write_parquet(root / TASKS_PATH, table.schema, [table])
    if state.stats is not None:
        write_json(root / STATS_PATH, stats_to_json(state.stats))
    write_json(root / DROP_LOG_PATH, drop_log_json(state.drop_log))


def _stored_tasks(root: Path) -> list[Any]:
    path = root / TASKS_PATH
    return pq.read_table(path).column(0).to_pylist() if path.exists() else []


def _drop_later_files(folder: Path, slot: FileSlot, any_committed: bool) -> Path | None:
    """Delete the files after ``slot`` (all when nothing is committed); return slot's file."""
    kept = None
    for path in sorted(folder.glob("chunk-*/file-*.*")):
        match = _INDICES.search(path.as_posix())
        if match is None:
            continue
        indices = (int(match[1]), int(match[2]))
        if not any_committed or indices > (slot.chunk_index, slot.file_index):
            path.unlink()
        elif indices == (slot.chunk_index, slot.file_index):
            kept = path
    return kept


def _trim_parquet_files(folder: Path, slot: FileSlot, *, rows: int) -> None:
    """Drop files after ``slot`` and rows past its first ``rows`` in its file.

    Args:
        folder: ``data`` or ``meta/episodes``.
        slot: The committed state of the last file.
        rows: Committed rows in the slot's file (frames for data, episodes for metadata).
    """
    path = _drop_later_files(folder, slot, slot.num_episodes > 0)
    if path is None:
        return
    parquet = pq.ParquetFile(path)
    if parquet.metadata.num_rows > rows:
        write_parquet(path, parquet.schema_arrow, leading_rows(parquet, rows))
