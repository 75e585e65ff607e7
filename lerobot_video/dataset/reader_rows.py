"""Reading ``meta/episodes`` rows and ``meta/stats.json`` defensively, for the reader.

A damaged file is reported as a :class:`~lerobot_video.errors.MetadataError` naming the
file and the column or field, never as a ``KeyError`` or ``TypeError`` from deep inside.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.dataset.episodes import EpisodeInfo
from lerobot_video.dataset.files import load_json
from lerobot_video.dataset.metadata_checks import check_episode_columns
from lerobot_video.dataset.stats import Stats, stats_from_json
from lerobot_video.errors import MediaError, MetadataError

_INDEX_COLUMNS = (
    "episode_index",
    "length",
    "dataset_from_index",
    "dataset_to_index",
    "data/chunk_index",
    "data/file_index",
)


def episode_rows(path: Path, video_keys: Sequence[str]) -> list[dict[str, Any]]:
    """The rows of one ``meta/episodes`` parquet, stats columns left out.

    Raises:
        MetadataError: The file is unreadable or lacks a needed column.
    """
    try:
        schema = pq.read_schema(path)
        check_episode_columns(path, schema.names, video_keys)
        columns = [n for n in schema.names if not n.startswith("stats/")]
        # ParquetFile, not read_table: the latter imports pyarrow.dataset (and pandas) first.
        rows: list[dict[str, Any]] = pq.ParquetFile(path).read(columns=columns).to_pylist()
    except (OSError, pa.ArrowException) as err:
        raise MetadataError(f"Cannot read episodes file {str(path)!r}: {err}.") from err
    return rows


def episode_from_row(
    path: Path, row: Mapping[str, Any], dropped: Sequence[int] | None
) -> EpisodeInfo:
    """One checked episode row.

    Raises:
        MetadataError: An index column is not an integer >= 0, a timestamp is not a finite
            number, or ``tasks`` is not a list of strings.
    """
    for name in _INDEX_COLUMNS:
        _check_index(path, row, name)
    index = row["episode_index"]
    for name, value in row.items():
        if name.startswith("videos/"):
            if name.endswith("_index"):
                _check_index(path, row, name)
            elif not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise MetadataError(
                    f"Episodes file {str(path)!r} episode {index} column {name!r} must be a "
                    f"finite number >= 0, got {value!r}."
                )
    tasks = row["tasks"]
    if not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks):
        raise MetadataError(
            f"Episodes file {str(path)!r} episode {index} column 'tasks' must be a list of "
            f"strings, got {tasks!r}."
        )
    return EpisodeInfo.from_row(row, dropped_frames=dropped)


def _check_index(path: Path, row: Mapping[str, Any], name: str) -> None:
    value = row[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MetadataError(
            f"Episodes file {str(path)!r} column {name!r} must hold integers >= 0, got "
            f"{value!r} (episode_index {row.get('episode_index')!r})."
        )


def read_stats(path: Path) -> dict[str, Stats]:
    """``meta/stats.json`` as arrays.

    Raises:
        MetadataError: The file is not valid JSON, or not an object of feature to an object
            of stat name to numbers.
    """
    data = load_json(path)
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise MetadataError(
            f"{str(path)!r} must hold an object of feature to its stats, got {data!r:.80}."
        )
    try:
        stats = stats_from_json(data)
    except (TypeError, ValueError) as err:
        raise MetadataError(f"{str(path)!r} holds non-numeric stats: {err}.") from err
    for key, feature_stats in stats.items():
        for name, value in feature_stats.items():
            if value.dtype.kind not in "biuf":
                raise MetadataError(
                    f"{str(path)!r} field {key!r}/{name!r} must be numbers, got "
                    f"{data[key][name]!r:.80}."
                )
    return stats


def read_data_rows(
    path: Path, episode_index: int, open_file: Callable[[Path], BinaryIO]
) -> pa.Table:
    """One episode's rows of a data parquet, unsorted.

    Args:
        path: The data file.
        episode_index: The episode.
        open_file: Opens ``path``; Parquet reads only the footer and the row groups it needs,
            which matters when the opener reads a remote file by ranges.

    Raises:
        MetadataError: The file is missing or unreadable, or lacks ``episode_index`` or
            ``frame_index``.
    """
    try:
        with open_file(path) as file:
            parquet = pq.ParquetFile(file)
            missing = [
                n for n in ("episode_index", "frame_index") if n not in parquet.schema_arrow.names
            ]
            if missing:
                raise MetadataError(f"Data file {str(path)!r} lacks the {missing[0]!r} column.")
            return pq.read_table(file, filters=[("episode_index", "==", episode_index)])
    except MediaError as err:
        raise MetadataError(f"Data file {str(path)!r} is missing or unreadable: {err}") from err
    except (OSError, pa.ArrowException) as err:
        raise MetadataError(f"Cannot read data file {str(path)!r}: {err}.") from err
