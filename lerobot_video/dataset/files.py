"""Atomic file I/O for dataset files: write to a temporary file, flush, rename into place.

Every file a reader looks at is published this way, so a reader (or a process killed
mid-write) sees either the old file or the complete new one. No dataset logic here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.codec.file_modes import new_file_mode
from lerobot_video.errors import MetadataError


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(temp_path)`` on a temporary file beside ``path``, then move it into place.

    Readers see either the old file or the complete new one, never a partial file; the data
    is flushed to disk before the rename so a power cut cannot leave an empty file behind.
    The parent folders are created when missing. The file gets the mode a new file gets
    here (:func:`new_file_mode`), not ``mkstemp``'s private 0o600.
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
        # Set after ``write``, which may have replaced the temporary file with its own.
        os.chmod(temp_path, new_file_mode())
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
