"""Arrow schemas and tables of a dataset's parquet files: data rows, episodes and tasks.

Owns column names, order and Arrow types, and the pandas and Hugging Face schema metadata,
so the writer and the reader agree with LeRobot. Builds tables; writing them is
:mod:`lerobot_video.dataset.files`' job.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.dataset.features import FeatureInfo
from lerobot_video.errors import MetadataError

STAT_NAMES = ("min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99")
"""Per-feature statistics, in the order LeRobot writes them."""


def data_features(features: Mapping[str, FeatureInfo]) -> dict[str, FeatureInfo]:
    """The features stored as parquet columns (all but videos), in order."""
    return {name: ft for name, ft in features.items() if not ft.is_video}


def data_schema(features: Mapping[str, FeatureInfo]) -> pa.Schema:
    """Arrow schema of the data parquet, with the Hugging Face features JSON attached.

    Shape (1,) features are scalar columns (``Value``); shape (n,) features are
    ``fixed_size_list<dtype>[n]`` (``List(Value, length=n)``), as ``datasets`` writes them.
    """
    fields: list[pa.Field] = []
    hf: dict[str, Any] = {}
    for name, feature in data_features(features).items():
        dtype, length = feature.dtype, feature.shape[0]
        value_type = pa.string() if dtype == "string" else pa.from_numpy_dtype(np.dtype(dtype))
        value_json = {"dtype": dtype, "_type": "Value"}
        if feature.shape == (1,):
            fields.append(pa.field(name, value_type))
            hf[name] = value_json
        else:
            fields.append(pa.field(name, pa.list_(value_type, length)))
            hf[name] = {"feature": value_json, "length": length, "_type": "List"}
    metadata = {"huggingface": json.dumps({"info": {"features": hf}})}
    return pa.schema(fields, metadata=metadata)


def data_table(
    columns: Mapping[str, npt.NDArray[Any]],
    features: Mapping[str, FeatureInfo],
    schema: pa.Schema,
) -> pa.Table:
    """Rows as an Arrow table of the data schema.

    Args:
        columns: Every column of ``schema``: (N,) scalars and strings, (N, n) vectors.
        features: The dataset's features (their dtypes are the stored ones).
        schema: What :func:`data_schema` returned for ``features``.
    """
    arrays: list[pa.Array] = []
    for field_ in schema:
        dtype = features[field_.name].dtype
        if dtype == "string":
            arrays.append(pa.array(columns[field_.name].tolist(), pa.string()))
            continue
        values = columns[field_.name].astype(dtype)  # timestamp: float64 -> float32
        if pa.types.is_fixed_size_list(field_.type):
            flat = pa.array(values.reshape(-1), field_.type.value_type)
            arrays.append(pa.FixedSizeListArray.from_arrays(flat, field_.type.list_size))
        else:
            arrays.append(pa.array(values, field_.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def stats_feature_shapes(features: Mapping[str, FeatureInfo]) -> dict[str, tuple[int, ...]]:
    """Shape of each stat (except ``count``) of every feature that has stats, in order.

    Vectors give (n,), scalars (1,), videos (channels, 1, 1); strings have no stats.
    """
    shapes: dict[str, tuple[int, ...]] = {}
    for name, feature in features.items():
        if feature.dtype == "string":
            continue
        shape = feature.shape
        shapes[name] = (shape[2], 1, 1) if feature.is_video else (shape[0],)
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


def _pandas_column(name: str, pandas_type: str, numpy_type: str) -> dict[str, Any]:
    return {
        "name": name,
        "field_name": name,
        "pandas_type": pandas_type,
        "numpy_type": numpy_type,
        "metadata": None,
    }


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
            _pandas_column("task_index", "int64", "int64"),
            _pandas_column("task", "unicode", "object"),
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
        # ParquetFile, not read_table: the latter imports pyarrow.dataset (and pandas) first.
        table = pq.ParquetFile(path).read()
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
