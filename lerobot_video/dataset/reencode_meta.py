"""The metadata of a re-encoded dataset, and the check it passes before it appears.

Once every MP4 is written, the driver copies what does not change (data rows, tasks, stats,
any other file), rewrites ``meta/episodes`` (each camera's file and timestamps) and
``info.json`` (last), then reads the result back. Stats stay the source's: they describe the
recorded frames (LeRobot computes them from the frames before encoding, and keeps them when
it re-encodes), and normalisation should not move because a file was re-encoded.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.codec.mp4_index import read_sample_index
from lerobot_video.codec.sequential import GRID_TOLERANCE_S
from lerobot_video.dataset.features import FeatureInfo, StreamKind, features_json
from lerobot_video.dataset.files import write_json, write_parquet
from lerobot_video.dataset.layout import EPISODES_DIR, INFO_PATH, VIDEO_PATH
from lerobot_video.dataset.reader import DatasetReader, open_dataset
from lerobot_video.dataset.reencode_task import FileResult
from lerobot_video.errors import MediaError

_SKIPPED = ("videos", "meta/episodes", INFO_PATH, "images")
"""Source paths the re-encode writes anew (or, for LeRobot's staging ``images/``, drops)."""


def image_keys(reader: DatasetReader) -> list[str]:
    """The dataset's image cameras (frames stored as images in the data files), in order."""
    return [key for key, entry in reader.features.items() if entry.get("dtype") == "image"]


def write_metadata(reader: DatasetReader, work: Path, results: Sequence[FileResult]) -> None:
    """Copy the unchanged files into ``work``, then write episodes and info (last)."""
    images = image_keys(reader)
    _copy_unchanged(reader.root, work, images)
    by_episode = _by_episode(results)
    for path in sorted((reader.root / EPISODES_DIR).glob("*/*.parquet")):
        table = _episodes_table(pq.read_table(path), by_episode)
        write_parquet(work / path.relative_to(reader.root), table.schema, [table])
    write_json(work / INFO_PATH, _info(reader, results))  # the dataset's commit point


def _copy_unchanged(source: Path, work: Path, images: Sequence[str]) -> None:
    """Every file but the rewritten ones; data files lose their image columns."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if not path.is_file() or any(relative.as_posix().startswith(s) for s in _SKIPPED):
            continue
        target = work / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if images and relative.parts[0] == "data" and path.suffix == ".parquet":
            table = _without_images(pq.read_table(path), images)
            write_parquet(target, table.schema, [table])
        else:
            shutil.copy2(path, target)


def _without_images(table: pa.Table, images: Sequence[str]) -> pa.Table:
    """The data rows without image columns, the Hugging Face features metadata to match."""
    table = table.drop_columns([key for key in images if key in table.column_names])
    metadata = dict(table.schema.metadata or {})
    if b"huggingface" in metadata:
        hf = json.loads(metadata[b"huggingface"])
        features = hf.get("info", {}).get("features", {})
        for key in images:
            features.pop(key, None)
        metadata[b"huggingface"] = json.dumps(hf).encode()
    return table.replace_schema_metadata(metadata)


def _by_episode(
    results: Sequence[FileResult],
) -> dict[int, dict[str, tuple[FileResult, tuple[float, float]]]]:
    """Episode to camera to (its new file, its segment in it)."""
    found: dict[int, dict[str, tuple[FileResult, tuple[float, float]]]] = {}
    for result in results:
        for episode, segment in result.segments.items():
            found.setdefault(episode, {})[result.key] = (result, segment)
    return found


def _episodes_table(
    table: pa.Table, by_episode: Mapping[int, Mapping[str, tuple[FileResult, tuple[float, float]]]]
) -> pa.Table:
    """A ``meta/episodes`` table with every camera's file and timestamps set."""
    episodes = table["episode_index"].to_pylist()
    keys = list(by_episode[episodes[0]]) if episodes else []
    for key in keys:
        values: dict[str, list[Any]] = {
            "chunk_index": [by_episode[e][key][0].chunk_index for e in episodes],
            "file_index": [by_episode[e][key][0].file_index for e in episodes],
            "from_timestamp": [by_episode[e][key][1][0] for e in episodes],
            "to_timestamp": [by_episode[e][key][1][1] for e in episodes],
        }
        for name, column in values.items():
            kind = pa.int64() if name.endswith("index") else pa.float64()
            table = _set(table, f"videos/{key}/{name}", pa.array(column, kind))
    return table


def _set(table: pa.Table, name: str, column: pa.Array) -> pa.Table:
    """Replace column ``name``, or add it before the stats columns (LeRobot's order)."""
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, column)
    names = table.column_names
    at = next((i for i, n in enumerate(names) if n.startswith("stats/")), len(names))
    return table.add_column(at, name, column)


def _info(reader: DatasetReader, results: Sequence[FileResult]) -> dict[str, Any]:
    """``info.json`` with every camera described by its first file (as LeRobot describes it)."""
    first: dict[str, FileResult] = {}
    for result in results:
        first.setdefault(result.key, result)
    features = {
        key: _camera(key, entry, first[key])
        if key in first
        else FeatureInfo.from_dict(entry, name=key)
        for key, entry in reader.features.items()
    }
    info = {**reader.info, "features": features_json(features)}
    if info.get("video_path") is None:  # LeRobot writes null in a dataset of images
        info["video_path"] = VIDEO_PATH
    return info


def _camera(key: str, entry: Mapping[str, Any], result: FileResult) -> FeatureInfo:
    feature = FeatureInfo.from_dict(entry, name=key)
    kept = {k: v for k, v in feature.info.items() if not k.startswith("video.")}
    kept.pop("depth_unit", None)
    block = {**kept, **result.video_info}
    if feature.dtype == "image":
        return FeatureInfo(
            dtype="video",
            shape=feature.shape,
            names=feature.names,
            kind=StreamKind.RGB,
            info=block,
            extras=feature.extras,
        )
    return feature.with_info(block)


def verify_reencoded(source: DatasetReader, work: Path) -> None:
    """Read the result's metadata back, and check every episode's timestamps resolve.

    For each episode and camera, the first and last frame's times (``from_timestamp`` plus
    ``i / fps``) must be frames of the MP4 (its index, read without decoding; each file's
    pictures were decoded by its task).

    Raises:
        MediaError: The first thing that does not hold (the output is then not moved
            into place).
    """
    made = open_dataset(work)
    expected = [*source.video_keys, *image_keys(source)]
    problems = []
    if (made.num_episodes, made.num_frames) != (source.num_episodes, source.num_frames):
        problems.append(
            f"{made.num_episodes} episodes and {made.num_frames} frames, the source has "
            f"{source.num_episodes} and {source.num_frames}"
        )
    if sorted(made.video_keys) != sorted(expected):
        problems.append(f"cameras {made.video_keys}, expected {expected}")
    times: dict[Path, npt.NDArray[np.float64]] = {}
    for episode in made.episodes if not problems else ():
        for key in made.video_keys:
            path = made.video_path(key, episode.episode_index)
            if path not in times:
                index = read_sample_index(path)
                times[path] = np.sort(index.pts) / index.timescale
            start = episode.videos[key].from_seconds
            for wanted in (start, start + (episode.length - 1) / made.fps):
                if not np.any(np.abs(times[path] - wanted) <= GRID_TOLERANCE_S):
                    problems.append(
                        f"episode {episode.episode_index} of {key} has no frame at {wanted:.4f} s"
                    )
    if problems:
        raise MediaError(f"The re-encoded dataset in {str(work)!r} is wrong: {problems[0]}.")
