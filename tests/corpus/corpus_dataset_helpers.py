"""Helpers of the dataset corpus: a small valid dataset, file hashes, and file mutations."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video import RGBEncoderConfig, create_dataset

CAM, DEPTH, STATE = "observation.images.cam", "observation.images.depth", "observation.state"
FEATURES: dict[str, dict[str, Any]] = {
    CAM: {"dtype": "video", "shape": (48, 64, 3), "names": ["height", "width", "channels"]},
    DEPTH: {"dtype": "video", "shape": (48, 64, 1), "names": ["height", "width", "channels"]},
    STATE: {"dtype": "float32", "shape": (2,), "names": ["x", "y"]},
}
INFO = "meta/info.json"
STATS = "meta/stats.json"
TASKS = "meta/tasks.parquet"
EPISODES = "meta/episodes/chunk-000/file-000.parquet"
DATA = "data/chunk-000/file-000.parquet"
CAM_MP4 = f"videos/{CAM}/chunk-000/file-000.mp4"
DEPTH_MP4 = f"videos/{DEPTH}/chunk-000/file-000.mp4"

Mutation = Callable[[Path], None]


def frame(i: int, *, depth_dtype: Any = np.uint16) -> dict[str, Any]:
    """A valid frame: a ramp image, a depth ramp, a state."""
    rgb = np.full((48, 64, 3), (i * 20) % 256, dtype=np.uint8)
    depth = np.full((48, 64, 1), 500 + 10 * i).astype(depth_dtype)
    if depth_dtype == np.float32:
        depth = depth / np.float32(1000)
    return {CAM: rgb, DEPTH: depth, STATE: np.array([i, -i], np.float32), "task": "pick"}


def make_dataset(root: Path) -> None:
    """Two episodes of 3 frames (H.264 RGB for speed, default lossless depth)."""
    with create_dataset(
        root, fps=10, features=FEATURES, rgb_encoder=RGBEncoderConfig(vcodec="h264")
    ) as writer:
        for episode in range(2):
            for i in range(3):
                writer.add_frame(frame(3 * episode + i))
            writer.save_episode()


def hashes(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` to its SHA-256 (folders included, as empty entries)."""
    result: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        result[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return result


def set_json(relative: str, *path: str | int, value: Any = None, delete: bool = False) -> Mutation:
    """Set (or delete) one field of a JSON file; no ``path`` replaces the whole document."""

    def mutate(root: Path) -> None:
        file = root / relative
        if not path:
            file.write_text(json.dumps(value))
            return
        data = json.loads(file.read_text())
        target = data
        for part in path[:-1]:
            target = target[part]
        if delete:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        file.write_text(json.dumps(data))

    return mutate


def write_bytes(relative: str, data: bytes) -> Mutation:
    def mutate(root: Path) -> None:
        (root / relative).write_bytes(data)

    return mutate


def truncate(relative: str, fraction: float = 0.5) -> Mutation:
    def mutate(root: Path) -> None:
        file = root / relative
        content = file.read_bytes()
        file.write_bytes(content[: int(len(content) * fraction)])

    return mutate


def delete(relative: str) -> Mutation:
    def mutate(root: Path) -> None:
        (root / relative).unlink()

    return mutate


def random_bytes(relative: str) -> Mutation:
    return write_bytes(relative, np.random.default_rng(7).bytes(2048))


def drop_column(relative: str, column: str) -> Mutation:
    def mutate(root: Path) -> None:
        table = pq.read_table(root / relative)
        pq.write_table(table.drop_columns([column]), root / relative)

    return mutate


def set_column(relative: str, column: str, values: list[Any]) -> Mutation:
    """Replace a column by ``values`` (one per row, types inferred by Arrow)."""

    def mutate(root: Path) -> None:
        table = pq.read_table(root / relative)
        index = table.column_names.index(column)
        table = table.set_column(index, column, pa.array(values))
        pq.write_table(table, root / relative)

    return mutate
