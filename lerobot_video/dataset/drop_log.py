"""The drop log: which frames real-time recording dropped, per saved episode.

Our own file, ``meta/recording.json`` (the name on disk predates this module); LeRobot
ignores it. Only its JSON shape lives here; the writer decides when it is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lerobot_video.dataset.files import load_json
from lerobot_video.errors import MetadataError

DROP_LOG_PATH = "meta/recording.json"
"""Where the drop log lives, relative to the dataset root."""


def drop_log_json(dropped: Mapping[int, Sequence[int]]) -> dict[str, Any]:
    """The content of the drop log: each saved episode's dropped frames.

    Args:
        dropped: Episode index to the positions, among the frames offered while recording
            it, of those real-time mode dropped (empty when none was).

    Returns:
        ``{"episodes": [{"episode_index": i, "dropped_frames": [...]}, ...]}``, by index.
    """
    return {
        "episodes": [
            {"episode_index": index, "dropped_frames": list(frames)}
            for index, frames in sorted(dropped.items())
        ]
    }


def read_drop_log(root: Path, total_episodes: int) -> dict[int, tuple[int, ...]]:
    """Dropped frames per episode from the drop log; empty when the file is absent.

    Entries of episodes past ``total_episodes`` (a save that never committed) are ignored.

    Args:
        root: The dataset folder.
        total_episodes: Committed episodes (``info.json``'s ``total_episodes``).

    Returns:
        Episode index to the positions of its dropped frames.

    Raises:
        MetadataError: The file exists but is not the expected JSON.
    """
    path = root / DROP_LOG_PATH
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
