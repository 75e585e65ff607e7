"""Shared by the dataset tests: the LeRobot fixture's features and fed arrays, and helpers
that record and read them back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lerobot_video import DatasetReader, DatasetWriter, create_dataset

FIXTURE = Path(__file__).parents[1] / "fixtures" / "lerobot_dataset"
LEROBOT_ROOT = FIXTURE / "data"
CAM, DEPTH = "observation.images.cam", "observation.images.depth"


def camera_features(
    cam: str, depth: str, state: str, state_names: list[str]
) -> dict[str, dict[str, Any]]:
    """A 48x64 RGB camera, a 48x64 depth camera and a 2-value float32 state."""
    return {
        cam: {"dtype": "video", "shape": (48, 64, 3), "names": ["height", "width", "channels"]},
        depth: {
            "dtype": "video",
            "shape": (48, 64, 1),
            "names": ["height", "width", "channels"],
            "info": {"is_depth_map": True},
        },
        state: {"dtype": "float32", "shape": (2,), "names": state_names},
    }


FEATURES: dict[str, dict[str, Any]] = {
    **camera_features(CAM, DEPTH, "observation.state", ["x", "y"]),
    "action": {"dtype": "float32", "shape": (2,), "names": ["x", "y"]},
}
# SVT-AV1 at LeRobot's default crf 30 keeps these smooth 48x64 frames near 35 dB; 30 dB
# catches a wrong frame (tens of dB lower) without depending on the exact encoder build.
RGB_PSNR_FLOOR_DB = 30.0


def load_fed() -> dict[str, npt.NDArray[Any]]:
    """The arrays make_fixture.py fed to LeRobot's add_frame."""
    with np.load(FIXTURE / "fed.npz") as data:
        return {name: data[name] for name in data.files}


def fixture_frame(fed: dict[str, npt.NDArray[Any]], i: int) -> dict[str, Any]:
    return {
        CAM: fed["rgb"][i],
        DEPTH: fed["depth"][i][..., None],
        "observation.state": fed["state"][i],
        "action": fed["action"][i],
        "task": str(fed["tasks"][i]),
    }


def record(
    root: Path, fed: dict[str, npt.NDArray[Any]], lengths: list[int], **kwargs: Any
) -> DatasetWriter:
    """Write episodes of the given lengths from the fed arrays (cycling); return the writer."""
    writer = create_dataset(root, fps=30, features=FEATURES, robot_type="dummy", **kwargs)
    i = 0
    for length in lengths:
        for _ in range(length):
            writer.add_frame(fixture_frame(fed, i % len(fed["tasks"])))
            i += 1
        writer.save_episode()
    return writer


def psnr(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255.0**2 / mse))


def all_frames(reader: DatasetReader, key: str, **kwargs: Any) -> npt.NDArray[Any]:
    return np.concatenate([reader.frames(key, e, **kwargs) for e in range(reader.num_episodes)])


def all_columns(reader: DatasetReader) -> dict[str, npt.NDArray[Any]]:
    per_episode = [reader.episode_columns(e) for e in range(reader.num_episodes)]
    return {name: np.concatenate([c[name] for c in per_episode]) for name in per_episode[0]}


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def keys_in_order(value: Any) -> Any:
    """Every dict's keys, recursively, in order (lists of keys), to compare layouts."""
    if isinstance(value, dict):
        return [(key, keys_in_order(item)) for key, item in value.items()]
    return None
