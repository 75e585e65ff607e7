"""LeRobot v3.0 dataset metadata: layout constants, features, schemas and atomic file writes.

Owns what ``meta/`` and the parquet files look like (key order, Arrow types, pandas and
Hugging Face schema metadata) so the writer and the reader agree. No video I/O here.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.errors import ConfigError, MetadataError

CODEBASE_VERSION = "v3.0"
INFO_PATH = "meta/info.json"
STATS_PATH = "meta/stats.json"
TASKS_PATH = "meta/tasks.parquet"
EPISODES_DIR = "meta/episodes"
EPISODES_PATH = EPISODES_DIR + "/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
STAGING_DIR = "images"
RECORDING_PATH = "meta/recording.json"
"""Our own record of each episode's recording (dropped frames); LeRobot ignores it."""
"""Where frames wait between ``add_frame`` and ``save_episode``; LeRobot's temporary folder."""

DEFAULT_FEATURE_NAMES = ("timestamp", "frame_index", "episode_index", "index", "task_index")
"""Columns every LeRobot dataset has, appended after the user's features in this order."""

STAT_NAMES = ("min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99")
"""Per-feature statistics, in the order LeRobot writes them."""

_NUMERIC_DTYPES = frozenset(
    ["bool", "float16", "float32", "float64"]
    + [f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)]
)
_SUPPORTED_DTYPES = "'video', 'string' or a numeric dtype (float32, int64, bool...)"


def default_features() -> dict[str, dict[str, Any]]:
    """The five default feature entries, as LeRobot appends them (fresh dicts)."""
    return {
        name: {"dtype": "float32" if name == "timestamp" else "int64", "shape": [1], "names": None}
        for name in DEFAULT_FEATURE_NAMES
    }


@dataclass(frozen=True, kw_only=True, slots=True)
class ChunkingConfig:
    """How recorded files are packed: LeRobot's ``info.json`` storage fields and defaults.

    Attributes:
        chunks_size: Files per ``chunk-XXX`` folder before the chunk index advances; >= 1.
        data_files_size_in_mb: Size (MiB) at which a data or episodes parquet file is closed
            and the next one started; > 0.
        video_files_size_in_mb: Size (MiB) at which an MP4 stops receiving episodes; > 0.
    """

    chunks_size: int = 1000
    data_files_size_in_mb: float = 100
    video_files_size_in_mb: float = 200

    def __post_init__(self) -> None:
        """Check the limits.

        Raises:
            ConfigError: A limit is not a positive number (``chunks_size`` an integer).
        """
        if isinstance(self.chunks_size, bool) or not isinstance(self.chunks_size, int):
            raise ConfigError(f"chunks_size must be an integer >= 1, got {self.chunks_size!r}.")
        for name in ("chunks_size", "data_files_size_in_mb", "video_files_size_in_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ConfigError(f"{name} must be a positive number, got {value!r}.")


def next_file_indices(chunk_index: int, file_index: int, chunks_size: int) -> tuple[int, int]:
    """The (chunk, file) after this one: files fill a chunk, then the chunk index advances."""
    if file_index + 1 >= chunks_size:
        return chunk_index + 1, 0
    return chunk_index, file_index + 1


def is_depth_feature(feature: Mapping[str, Any]) -> bool:
    """Whether a feature is a depth map, by the canonical or either legacy marker (SPEC 1.3).

    Args:
        feature: One entry of ``info.json``'s ``features``.

    Returns:
        True for ``info.is_depth_map``, ``info["video.is_depth_map"]`` or
        ``video_info["video.is_depth_map"]`` set to true.
    """
    info = feature.get("info") or {}
    video_info = feature.get("video_info") or {}
    return bool(
        info.get("is_depth_map")
        or info.get("video.is_depth_map")
        or video_info.get("video.is_depth_map")
    )


def video_feature_info(feature: Mapping[str, Any]) -> dict[str, Any]:
    """A video feature's info block, with a legacy ``video_info`` dict folded underneath."""
    return {**(feature.get("video_info") or {}), **(feature.get("info") or {})}


def check_features(features: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Validate user features and return them with the default features appended.

    Args:
        features: ``name -> {"dtype", "shape", "names"[, "info"]}`` as LeRobot takes them.
            ``"video"`` features have shape (H, W, 3) for RGB or (H, W, 1) for depth; numeric
            features have shape (n,); ``"string"`` features shape (1,).

    Returns:
        A deep copy with shapes as lists, depth cameras marked ``info.is_depth_map = true``,
        and ``timestamp``, ``frame_index``, ``episode_index``, ``index``, ``task_index``
        appended.

    Raises:
        ConfigError: An invalid name, dtype or shape; a default feature supplied; or no
            features at all.
    """
    if not isinstance(features, Mapping) or not features:
        raise ConfigError(
            f"features must be a non-empty mapping of name to spec, got {features!r}."
        )
    checked: dict[str, dict[str, Any]] = {}
    for name, spec in features.items():
        if not isinstance(name, str) or not name or "/" in name or name == "task":
            raise ConfigError(
                f"Feature name {name!r} is invalid: use a non-empty string without '/' (reserved "
                f"for the stats/<feature>/<stat> columns) other than 'task'."
            )
        if name in DEFAULT_FEATURE_NAMES:
            raise ConfigError(
                f"Feature {name!r} is added by the dataset itself; remove it from features."
            )
        checked[name] = _check_feature(name, spec)
    return {**checked, **default_features()}


def _check_feature(name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(spec, Mapping) or "dtype" not in spec or "shape" not in spec:
        raise ConfigError(f"Feature {name!r} needs 'dtype', 'shape' and 'names', got {spec!r}.")
    feature = copy.deepcopy(dict(spec))
    feature.setdefault("names", None)
    shape = feature["shape"]
    if not isinstance(shape, list | tuple) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape
    ):
        raise ConfigError(f"Feature {name!r} shape must be positive integers, got {shape!r}.")
    feature["shape"] = list(shape)
    dtype = feature["dtype"]
    if dtype == "video":
        if len(shape) != 3 or shape[2] not in (1, 3):
            raise ConfigError(
                f"Video feature {name!r} must have shape (height, width, 3) for RGB or "
                f"(height, width, 1) for depth, got {tuple(shape)!r}."
            )
        if shape[2] == 1:
            info = feature.get("info") or {}
            feature["info"] = {"is_depth_map": True, **info} if "is_depth_map" not in info else info
        if is_depth_feature(feature) != (shape[2] == 1):
            raise ConfigError(
                f"Video feature {name!r} has {shape[2]} channel(s) but is_depth_map="
                f"{is_depth_feature(feature)}; depth cameras have 1 channel, RGB cameras 3."
            )
    elif dtype == "string" or dtype in _NUMERIC_DTYPES:
        if len(shape) != 1 or (dtype == "string" and shape != [1]):
            raise ConfigError(
                f"Feature {name!r} must have shape (n,) ((1,) for strings), got {tuple(shape)!r}; "
                f"multi-dimensional arrays are not supported yet."
            )
    else:
        raise ConfigError(
            f"Feature {name!r} has dtype {dtype!r}; allowed: {_SUPPORTED_DTYPES}. Image "
            f"features are not supported; store cameras as 'video'."
        )
    return feature


def new_info(
    *,
    fps: int,
    features: Mapping[str, Any],
    robot_type: str | None,
    chunking: ChunkingConfig,
) -> dict[str, Any]:
    """The ``info.json`` of an empty dataset, keys in LeRobot's order."""
    return {
        "codebase_version": CODEBASE_VERSION,
        "fps": fps,
        "features": copy.deepcopy(dict(features)),
        "total_episodes": 0,
        "total_frames": 0,
        "total_tasks": 0,
        "chunks_size": chunking.chunks_size,
        "data_files_size_in_mb": chunking.data_files_size_in_mb,
        "video_files_size_in_mb": chunking.video_files_size_in_mb,
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH,
        "robot_type": robot_type,
        "splits": {},
    }


def data_features(features: Mapping[str, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The features stored as parquet columns (all but videos), in order."""
    return {name: ft for name, ft in features.items() if ft["dtype"] != "video"}


def data_schema(features: Mapping[str, Mapping[str, Any]]) -> pa.Schema:
    """Arrow schema of the data parquet, with the Hugging Face features JSON attached.

    Shape (1,) features are scalar columns (``Value``); shape (n,) features are
    ``fixed_size_list<dtype>[n]`` (``List(Value, length=n)``), as ``datasets`` writes them.
    """
    fields, hf = [], {}
    for name, feature in data_features(features).items():
        dtype, length = feature["dtype"], int(feature["shape"][0])
        value_type = pa.string() if dtype == "string" else pa.from_numpy_dtype(np.dtype(dtype))
        value_json = {"dtype": dtype, "_type": "Value"}
        if list(feature["shape"]) == [1]:
            fields.append(pa.field(name, value_type))
            hf[name] = value_json
        else:
            fields.append(pa.field(name, pa.list_(value_type, length)))
            hf[name] = {"feature": value_json, "length": length, "_type": "List"}
    metadata = {"huggingface": json.dumps({"info": {"features": hf}})}
    return pa.schema(fields, metadata=metadata)


def stats_feature_shapes(features: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[int, ...]]:
    """Shape of each stat (except ``count``) of every feature that has stats, in order.

    Vectors give (n,), scalars (1,), videos (channels, 1, 1); strings have no stats.
    """
    shapes: dict[str, tuple[int, ...]] = {}
    for name, feature in features.items():
        if feature["dtype"] == "string":
            continue
        shape = feature["shape"]
        shapes[name] = (int(shape[2]), 1, 1) if feature["dtype"] == "video" else (int(shape[0]),)
    return shapes


def episodes_schema(
    video_keys: Sequence[str], stats_shapes: Mapping[str, tuple[int, ...]]
) -> pa.Schema:
    """Arrow schema of ``meta/episodes`` parquet rows, columns in LeRobot's order (SPEC 1.5)."""
    int64 = pa.int64()
    fields = [pa.field("episode_index", int64), pa.field("tasks", pa.list_(pa.string()))]
    fields += [pa.field(name, int64) for name in ("length", "data/chunk_index", "data/file_index")]
    fields += [pa.field(name, int64) for name in ("dataset_from_index", "dataset_to_index")]
    for key in video_keys:
        fields += [
            pa.field(f"videos/{key}/{name}", int64) for name in ("chunk_index", "file_index")
        ]
        fields += [
            pa.field(f"videos/{key}/{name}", pa.float64())
            for name in ("from_timestamp", "to_timestamp")
        ]
    for feature, shape in stats_shapes.items():
        nested: pa.DataType = pa.float64()
        for _ in shape:
            nested = pa.list_(nested)
        for stat in STAT_NAMES:
            stat_type = pa.list_(int64) if stat == "count" else nested
            fields.append(pa.field(f"stats/{feature}/{stat}", stat_type))
    fields += [pa.field(f"meta/episodes/{name}", int64) for name in ("chunk_index", "file_index")]
    return pa.schema(fields)


def tasks_table(tasks: Sequence[str]) -> pa.Table:
    """``meta/tasks.parquet`` as pandas writes it: ``task_index``, ``task``, and an index.

    LeRobot reads the file with ``pandas.read_parquet`` and looks tasks up by index, so the
    pandas schema metadata names ``task`` as the index column.
    """
    schema = pa.schema([pa.field("task_index", pa.int64()), pa.field("task", pa.string())])
    pandas_metadata = {
        "index_columns": ["task"],
        "column_indexes": [
            {
                "name": None,
                "field_name": None,
                "pandas_type": "unicode",
                "numpy_type": "object",
                "metadata": {"encoding": "UTF-8"},
            }
        ],
        "columns": [
            {
                "name": "task_index",
                "field_name": "task_index",
                "pandas_type": "int64",
                "numpy_type": "int64",
                "metadata": None,
            },
            {
                "name": "task",
                "field_name": "task",
                "pandas_type": "unicode",
                "numpy_type": "object",
                "metadata": None,
            },
        ],
        "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
    }
    schema = schema.with_metadata({"pandas": json.dumps(pandas_metadata)})
    return pa.table(
        [pa.array(range(len(tasks)), pa.int64()), pa.array(tasks, pa.string())], schema=schema
    )


def read_tasks(path: Path) -> tuple[str, ...]:
    """Task strings by ``task_index`` from ``meta/tasks.parquet`` (index column or not).

    Raises:
        MetadataError: The file is unreadable or lacks ``task``/``task_index``.
    """
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as err:
        raise MetadataError(f"Cannot read tasks file {str(path)!r}: {err}.") from err
    names = table.column_names
    task_column = "task" if "task" in names else "__index_level_0__"
    if "task_index" not in names or task_column not in names:
        raise MetadataError(
            f"Tasks file {str(path)!r} has columns {names}; expected 'task_index' and 'task'."
        )
    pairs = sorted(
        zip(table["task_index"].to_pylist(), table[task_column].to_pylist(), strict=True)
    )
    if [index for index, _ in pairs] != list(range(len(pairs))):
        raise MetadataError(f"Tasks file {str(path)!r} has non-contiguous task_index values.")
    return tuple(str(task) for _, task in pairs)


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(temp_path)`` on a temporary file beside ``path``, then move it into place.

    Readers see either the old file or the complete new one, never a partial file; the data
    is flushed to disk before the rename so a power cut cannot leave an empty file behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".partial", dir=path.parent
    )
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        write(temp_path)
        with temp_path.open("rb+") as stream:
            os.fsync(stream.fileno())
        os.chmod(temp_path, 0o644)  # mkstemp creates 0600; datasets are shared files
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)


def write_json(path: Path, data: Any) -> None:
    """Write JSON the way LeRobot does (indent 4, UTF-8 kept), atomically."""
    text = json.dumps(data, indent=4, ensure_ascii=False)

    def write(temp: Path) -> None:
        temp.write_text(text, "utf-8")

    write_atomically(path, write)


def write_parquet(path: Path, schema: pa.Schema, row_groups: Iterable[pa.Table]) -> None:
    """Write tables as consecutive row groups (snappy, dictionary encoding), atomically."""

    def write(temp: Path) -> None:
        with pq.ParquetWriter(temp, schema, compression="snappy", use_dictionary=True) as writer:
            for table in row_groups:
                writer.write_table(table)

    write_atomically(path, write)


def leading_rows(parquet: pq.ParquetFile, num_rows: int) -> list[pa.Table]:
    """The file's first ``num_rows`` rows, as its row groups (the last one cut if needed).

    Used to rewrite a data or episodes file with only its committed rows, keeping one row
    group per episode where the file had that.
    """
    kept: list[pa.Table] = []
    remaining = num_rows
    for index in range(parquet.num_row_groups):
        if remaining <= 0:
            break
        group = parquet.read_row_group(index)
        kept.append(group.slice(0, remaining))
        remaining -= group.num_rows
    return kept


def load_json(path: Path) -> Any:
    """Parse a JSON metadata file.

    Raises:
        MetadataError: The file is missing or not valid JSON.
    """
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise MetadataError(f"Cannot read {str(path)!r}: {err}.") from err


def recording_log_json(dropped: Mapping[int, Sequence[int]]) -> dict[str, Any]:
    """The content of ``meta/recording.json``: each saved episode's dropped frames.

    Args:
        dropped: Episode index to the positions, among the frames offered while recording
            it, of those real-time mode dropped (empty when none was).
    """
    return {
        "episodes": [
            {"episode_index": index, "dropped_frames": list(frames)}
            for index, frames in sorted(dropped.items())
        ]
    }


def read_recording_log(root: Path, total_episodes: int) -> dict[int, tuple[int, ...]]:
    """Dropped frames per episode from ``meta/recording.json``; empty when absent.

    Entries of episodes past ``total_episodes`` (a save that never committed) are ignored.

    Raises:
        MetadataError: The file exists but is not the expected JSON.
    """
    path = root / RECORDING_PATH
    if not path.exists():
        return {}
    data = load_json(path)
    try:
        return {
            int(entry["episode_index"]): tuple(int(i) for i in entry["dropped_frames"])
            for entry in data["episodes"]
            if int(entry["episode_index"]) < total_episodes
        }
    except (KeyError, TypeError, ValueError) as err:
        raise MetadataError(f"{str(path)!r} is malformed ({err!r}).") from err
