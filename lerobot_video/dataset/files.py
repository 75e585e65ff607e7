"""Atomic file I/O for dataset files: write to a temporary file, flush, rename into place.

:func:`write_atomically` lives in :mod:`lerobot_video.codec.file_modes` (the codec writes MP4s
the same way) and is used here for JSON and Parquet.

Every file a reader looks at is published this way, so a reader (or a process killed
mid-write) sees either the old file or the complete new one. No dataset logic here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.codec.file_modes import write_atomically
from lerobot_video.errors import MetadataError


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
