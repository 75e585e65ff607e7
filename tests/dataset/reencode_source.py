"""The recorded dataset the re-encode tests, the SIGKILL child and the LeRobot check start from.

20 episodes (6 to 15 frames) of the bundled ALOHA clip at 96x128, an RGB camera (LeRobot's
default AV1) and a depth camera (LeRobot's default lossless 12-bit HEVC), state and action,
three tasks; small files (``video_files_size_in_mb=0.02``) so each camera spans several MP4s
and every re-encode has several tasks. Built by our writer; deterministic content.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from lerobot_video import ChunkingConfig, create_dataset

REPO = Path(__file__).resolve().parents[2]
RGB_KEY = "observation.images.top"
DEPTH_KEY = "observation.images.top_depth"
STEP = 5  # 480x640 -> 96x128
EPISODES = 20


def episode_length(episode: int) -> int:
    return 6 + (episode * 7) % 10


def record_dataset(root: Path, *, episodes: int = EPISODES, depth: bool = True) -> Path:
    """Record the dataset into ``root`` (which must not exist); returns ``root``."""
    with np.load(REPO / "assets" / "aloha_sim_rgb_ep0.npz") as data:
        rgb = np.ascontiguousarray(data["frames"][:, ::STEP, ::STEP])
        state, fps = data["state"].astype(np.float32), int(data["fps"])
    with np.load(REPO / "assets" / "aloha_sim_depth_ep0.npz") as data:
        metres = np.ascontiguousarray(data["depth"][:, ::STEP, ::STEP, None], dtype=np.float32)
    names = ["height", "width", "channels"]
    features: dict[str, dict[str, Any]] = {
        RGB_KEY: {"dtype": "video", "shape": rgb.shape[1:], "names": names},
        "observation.state": {"dtype": "float32", "shape": (14,), "names": None},
    }
    if depth:
        features[DEPTH_KEY] = {
            "dtype": "video",
            "shape": (*rgb.shape[1:3], 1),
            "names": names,
            "info": {"is_depth_map": True},
        }
    chunking = ChunkingConfig(chunks_size=3, video_files_size_in_mb=0.02)
    writer = create_dataset(root, fps=fps, features=features, robot_type="aloha", chunking=chunking)
    for episode in range(episodes):
        for i in range(episode_length(episode)):
            j = (13 * episode + i) % len(rgb)
            frame = {RGB_KEY: rgb[j], "observation.state": state[j], "task": f"task {episode % 3}"}
            if depth:
                frame[DEPTH_KEY] = metres[j]
            writer.add_frame(frame)
        writer.save_episode()
    writer.finalize()
    return root
