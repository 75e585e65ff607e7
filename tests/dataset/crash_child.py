"""A recording process for the crash tests: records numbered episodes until it is killed.

Usage: ``python crash_child.py ROOT {streaming,staged} [--resume] [--episodes N]
[--kill-at-replace K]``

Prints ``ready`` once imported and ``saved <n>`` after each saved episode (flushed), so the
parent knows how far it got. ``--kill-at-replace K`` makes the process SIGKILL itself at its
K-th ``os.replace`` (every file the writer publishes goes through one), before the rename
when K is even and after it when K is odd, to land inside every step of a save.
Frame content is a function of (episode, frame), see :func:`episode_frames`.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
from dataset_fakes import camera_features  # a sibling file: this runs as a script

FPS = 30
CAM, DEPTH = "cam", "depth"
FEATURES = camera_features(CAM, DEPTH, "state", ["episode", "frame"])


def episode_length(episode: int) -> int:
    return 6 + (episode % 4) * 3


def brightness(episode: int, i: int) -> int:
    return 20 + ((episode * 3 + i) * 20) % 220


def depth_mm(episode: int, i: int) -> int:
    return 300 + 25 * episode + 7 * i


def episode_frames(episode: int) -> Iterator[dict[str, Any]]:
    for i in range(episode_length(episode)):
        yield {
            CAM: np.full((48, 64, 3), brightness(episode, i), np.uint8),
            DEPTH: np.full((48, 64, 1), depth_mm(episode, i), np.uint16),
            "state": np.array([episode, i], np.float32),
            "task": f"task {episode % 3}",
        }


def _kill_at_replace(k: int) -> None:
    real_replace, calls = os.replace, [0]

    def replace(src: Any, dst: Any) -> None:
        calls[0] += 1
        if calls[0] == k and k % 2 == 0:
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst)
        if calls[0] == k:
            os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace  # type: ignore[assignment]


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("mode", choices=["streaming", "staged"])
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--kill-at-replace", type=int, default=0)
    args = parser.parse_args()

    from lerobot_video import create_dataset, resume_dataset

    streaming = args.mode == "streaming"
    if args.resume:
        writer = resume_dataset(args.root, streaming_encoding=streaming)
    else:
        writer = create_dataset(args.root, fps=FPS, features=FEATURES, streaming_encoding=streaming)
    if args.kill_at_replace:
        _kill_at_replace(args.kill_at_replace)
    _say("ready")
    start = writer.num_episodes
    for episode in range(start, start + args.episodes):
        for frame in episode_frames(episode):
            writer.add_frame(frame)
        writer.save_episode()
        _say(f"saved {episode + 1}")
    writer.finalize()
    return 0


if __name__ == "__main__":
    sys.exit(main())
