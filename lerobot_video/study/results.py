"""A study's table: the published benchmark's column names, then ours; CSV and Parquet.

The first eighteen columns are exactly those of LeRobot's published benchmark CSV, in its
order, so our rows lie beside its tables; the columns after them are what it did not
measure. Empty cells mean None (``g`` or ``crf`` left to the encoder).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.codec.file_modes import write_atomically
from lerobot_video.errors import ConfigError, MediaError

PUBLISHED_COLUMNS: tuple[str, ...] = (
    "repo_id",
    "resolution",
    "num_pixels",
    "vcodec",
    "pix_fmt",
    "g",
    "crf",
    "timestamps_mode",
    "backend",
    "video_size_bytes",
    "images_size_bytes",
    "video_images_size_ratio",
    "avg_load_time_video_ms",
    "avg_load_time_images_ms",
    "video_images_load_time_ratio",
    "avg_mse",
    "avg_psnr",
    "avg_ssim",
)
"""The published benchmark's CSV columns, in its order. Sizes in bytes, times in ms per
frame, ratios video / PNG, MSE on [0, 1] pixels, PSNR in dB, SSIM in [-1, 1]."""

EXTRA_COLUMNS: tuple[str, ...] = (
    "preset",
    "fast_decode",
    "encode_fps",
    "browser_playable",
    "concurrent_cells",
)
"""Ours: the other two knobs, encode speed (frames per second of wall time), whether a
browser plays the stream, and how many cells could run at once (above 1, timings shared
the cores with other cells)."""

STUDY_COLUMNS: tuple[str, ...] = PUBLISHED_COLUMNS + EXTRA_COLUMNS
"""Every column of a study's table, in order."""

_TYPES: dict[str, pa.DataType] = {
    "repo_id": pa.string(),
    "resolution": pa.string(),
    "vcodec": pa.string(),
    "pix_fmt": pa.string(),
    "timestamps_mode": pa.string(),
    "backend": pa.string(),
    "preset": pa.string(),  # libsvtav1 takes numbers, x264/x265 names: stored as text
    "browser_playable": pa.bool_(),
    **dict.fromkeys(
        ("num_pixels", "g", "video_size_bytes", "images_size_bytes", "fast_decode"), pa.int64()
    ),
    "concurrent_cells": pa.int64(),
}
STUDY_SCHEMA = pa.schema([(name, _TYPES.get(name, pa.float64())) for name in STUDY_COLUMNS])
"""The Parquet schema of a study's table (floats unless stated)."""


def _cell(value: Any) -> Any:
    return "" if value is None else value


def study_csv_text(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV text: a header of :data:`STUDY_COLUMNS`, None as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STUDY_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in STUDY_COLUMNS])
    return out.getvalue()


def _column_value(name: str, value: Any) -> Any:
    if name == "preset" and value is not None:
        return str(value)
    return value


def study_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """The rows as an Arrow table with :data:`STUDY_SCHEMA`."""
    rows = list(rows)
    columns = {
        name: pa.array([_column_value(name, row.get(name)) for row in rows], type=kind)
        for name, kind in zip(STUDY_SCHEMA.names, STUDY_SCHEMA.types, strict=True)
    }
    return pa.table(columns, schema=STUDY_SCHEMA)


def write_study_results(
    rows: Iterable[Mapping[str, Any]], folder: Path, stem: str
) -> tuple[Path, Path]:
    """Write ``<stem>.csv`` and ``<stem>.parquet`` into ``folder``, each atomically.

    Returns:
        The CSV path and the Parquet path.
    """
    rows = list(rows)
    csv_path, parquet_path = folder / f"{stem}.csv", folder / f"{stem}.parquet"
    text = study_csv_text(rows)
    write_atomically(csv_path, lambda p: p.write_text(text))
    table = study_table(rows)
    write_atomically(parquet_path, lambda p: pq.write_table(table, p))
    return csv_path, parquet_path


def _parsed(name: str, text: str) -> Any:
    kind = STUDY_SCHEMA.field(name).type
    if text == "":
        return None
    if kind == pa.int64():
        return int(text)
    if kind == pa.float64():
        return float(text)
    if kind == pa.bool_():
        return text == "True"
    return text


def read_study_results(path: str | Path) -> list[dict[str, Any]]:
    """Read a study's table back from its ``.csv`` or ``.parquet`` file.

    Raises:
        ConfigError: The file is neither ``.csv`` nor ``.parquet``.
        MediaError: It cannot be read, or lacks a column of :data:`STUDY_COLUMNS`.
    """
    path = Path(path)
    if path.suffix not in (".csv", ".parquet"):
        raise ConfigError(f"A study's results are a .csv or .parquet file, got {path.name!r}.")
    try:
        if path.suffix == ".parquet":
            rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
        else:
            with path.open(newline="") as handle:
                rows = list(csv.DictReader(handle))
    except (OSError, pa.ArrowException, csv.Error, UnicodeDecodeError) as err:
        raise MediaError(f"Cannot read study results {path.name!r}: {err}", path=path) from err
    missing = [name for name in STUDY_COLUMNS if rows and name not in rows[0]]
    if missing:
        raise MediaError(
            f"{path.name!r} is not a study table: no column {missing[0]!r}.", path=path
        )
    if path.suffix == ".csv":
        rows = [{name: _parsed(name, row[name]) for name in STUDY_COLUMNS} for row in rows]
    return rows
