"""The sample dataset the Inspect page opens when the data folder has none of its own.

Three short episodes of the bundled ALOHA simulation: one colour camera, one depth camera and
the arms' state and action vectors, written with LeRobot's default encoders (AV1 colour,
lossless 12-bit HEVC depth) so the page shows what a real dataset holds. It is written into a
hidden temporary folder and renamed into place once complete, so a crash leaves no half
dataset where the page would list it.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from components.state import AppSettings
from lerobot_video import LeRobotVideoError, create_dataset

LOG = logging.getLogger("lerobot_video_studio")
SAMPLE_NAME = "aloha_sim_sample"
EPISODES = 3
FRAMES_PER_EPISODE = 30
SENSOR_RANGE_M = 10.0
"""Depth beyond this is stored as no reading: the simulation's background sits at ~83 m."""
TASK = "Transfer the cube from one arm to the other"


def has_datasets(folder: Path) -> bool:
    """Whether ``folder`` holds at least one dataset (a sub-folder with ``meta/info.json``)."""
    return folder.is_dir() and any(
        (entry / "meta" / "info.json").is_file() for entry in folder.iterdir() if entry.is_dir()
    )


def _arrays(settings: AppSettings) -> dict[str, npt.NDArray[Any]]:
    """The bundled clips at half size (the sample stays small and quick to write)."""
    with np.load(settings.bundled_clip) as rgb, np.load(settings.bundled_depth) as depth:
        metres = np.array(depth["depth"][:, ::2, ::2], dtype=np.float32)
        metres[~(metres <= SENSOR_RANGE_M)] = 0.0  # no reading, as a real camera reports it
        return {
            "rgb": np.ascontiguousarray(rgb["frames"][:, ::2, ::2]),
            "depth": metres,
            "state": np.asarray(rgb["state"], dtype=np.float32),
            "action": np.asarray(rgb["action"], dtype=np.float32),
        }


def _features(arrays: dict[str, npt.NDArray[Any]]) -> dict[str, dict[str, Any]]:
    height, width = arrays["rgb"].shape[1:3]
    joints = [f"{side}_{joint}" for side in ("left", "right") for joint in range(7)]
    return {
        "observation.images.top": {
            "dtype": "video",
            "shape": [height, width, 3],
            "names": ["height", "width", "channels"],
        },
        "observation.images.top_depth": {
            "dtype": "video",
            "shape": [height, width, 1],
            "names": ["height", "width", "channels"],
            "info": {"is_depth_map": True},
        },
        "observation.state": {"dtype": "float32", "shape": [14], "names": joints},
        "action": {"dtype": "float32", "shape": [14], "names": joints},
    }


def write_sample_dataset(settings: AppSettings, root: Path) -> Path:
    """Write the sample dataset at ``root`` (which must not exist); return ``root``."""
    arrays = _arrays(settings)
    writer = create_dataset(root, fps=30, features=_features(arrays), robot_type="aloha")
    with writer:
        for episode in range(EPISODES):
            for i in range(episode * FRAMES_PER_EPISODE, (episode + 1) * FRAMES_PER_EPISODE):
                writer.add_frame(
                    {
                        "observation.images.top": arrays["rgb"][i],
                        "observation.images.top_depth": arrays["depth"][i][..., None],
                        "observation.state": arrays["state"][i],
                        "action": arrays["action"][i],
                        "task": TASK,
                    }
                )
            writer.save_episode()
    return root


def ensure_sample_dataset(settings: AppSettings) -> Path | None:
    """Put the sample in ``settings.datasets_dir`` when it holds no dataset; return its path.

    Returns:
        The sample's folder, or None when the folder already had datasets or writing failed
        (the page then lists what there is; the reason is logged).
    """
    folder = settings.datasets_dir
    folder.mkdir(parents=True, exist_ok=True)
    if has_datasets(folder):
        return None
    staging = folder / f".{SAMPLE_NAME}-{uuid.uuid4().hex[:8]}.partial"
    try:
        write_sample_dataset(settings, staging / SAMPLE_NAME)
        os.replace(staging / SAMPLE_NAME, folder / SAMPLE_NAME)
    except (LeRobotVideoError, OSError) as err:
        LOG.warning("the sample dataset could not be written: %s", err)
        return None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder / SAMPLE_NAME
