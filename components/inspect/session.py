"""What one session's Inspect page has open: the dataset, its report and one episode's copies.

Kept in :class:`~components.state.SessionState` (server side), never in ``gr.State``: a Hub
dataset holds the token it was opened with, which must stay in this process's memory only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy.typing as npt

from lerobot_video import DatasetReader, DatasetReport, EpisodeVideo, HubDataset


@dataclass
class InspectSession:
    """The dataset the Inspect page shows, and the episode being looked at.

    Attributes:
        reader: The open dataset's reader, or None before one is opened.
        hub: The Hub dataset (bytes fetched, commit, its token) when it came from the Hub.
        local_root: The dataset folder when it is local (push needs it).
        name: How the page names the dataset (repo id, or folder name).
        report: The encoding report of the open dataset.
        episode: The episode shown, or None.
        videos: Camera key to its copy of the episode (in the session folder).
        clips: Camera key to the clip the browser plays.
        columns: The episode's numeric columns, by name.
        point: The clicked pixel: (camera key, x, y), or None.
        lock: Held while the episode's files are replaced or read, so a frame is never
            decoded from a copy being removed (events of one session can overlap).
    """

    reader: DatasetReader | None = None
    hub: HubDataset | None = None
    local_root: Path | None = None
    name: str = ""
    report: DatasetReport | None = None
    episode: int | None = None
    videos: dict[str, EpisodeVideo] = field(default_factory=dict)
    clips: dict[str, Path] = field(default_factory=dict)
    columns: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    point: tuple[str, int, int] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def bytes_fetched(self) -> int | None:
        """Bytes read from the Hub so far; None for a local dataset."""
        return None if self.hub is None else self.hub.bytes_fetched

    def forget_episode(self) -> None:
        """Drop the shown episode (its files go with the folder the caller empties)."""
        self.episode, self.videos, self.clips, self.columns, self.point = None, {}, {}, {}, None
