"""Each browser session's live recording (source, recorder, saved-episode facts), kept apart.

A camera, its capture thread and its encoders cannot live in ``gr.State`` (Gradio deep-copies
state values and only deletes them an hour after the tab closes), so each session's
:class:`~components.state.SessionState` holds one :class:`RecordSession`, closed with the
session as soon as its tab closes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from lerobot_video import BrowserSource, EpisodeInfo, FrameSource, Recorder


@dataclass
class RecordSession:
    """What one browser session is recording.

    Attributes:
        source: The started camera source, or None before the preview starts.
        recorder: The recorder once the first episode has started (it owns ``source`` and the
            dataset writer); None before, and after the dataset is finished.
        dataset_root: The dataset being (or last) recorded, or None before the first episode.
        summary: One line describing the open dataset (name, fps, task, encoders).
        episodes: Saved episode index to the episode as saving returned it (with the bytes
            its videos added, which the dataset on disk does not record).
        skipped_ticks: Saved episode index to the capture ticks it missed.
        thumbnails: Saved episode index to its first colour frame, (H, W, 3) uint8.
        lock: Serialises this session's actions (start, stop, discard, zip).
    """

    source: FrameSource | None = None
    recorder: Recorder | None = None
    dataset_root: Path | None = None
    summary: str = ""
    episodes: dict[int, EpisodeInfo] = field(default_factory=dict)
    skipped_ticks: dict[int, int] = field(default_factory=dict)
    thumbnails: dict[int, npt.NDArray[np.uint8]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def browser(self) -> BrowserSource | None:
        """The source when it is this page's camera, which the page pushes frames into."""
        return self.source if isinstance(self.source, BrowserSource) else None

    @property
    def is_recording(self) -> bool:
        """True while an episode is being recorded or saved."""
        return self.recorder is not None and self.recorder.stats().state in (
            "recording",
            "saving",
        )

    def new_dataset(self, root: Path, recorder: Recorder, summary: str) -> None:
        """Start tracking a freshly created dataset and its (started) recorder."""
        self.recorder, self.dataset_root, self.summary = recorder, root, summary
        self.episodes, self.skipped_ticks, self.thumbnails = {}, {}, {}

    def stop(self) -> bool:
        """Stop the camera and finish the dataset; the saved episodes stay listed.

        Returns:
            True when an episode was being recorded (it is dropped, unsaved).
        """
        with self.lock:
            was_recording = self.is_recording
            if self.recorder is not None:
                self.recorder.close()  # also stops the source
            elif self.source is not None:
                self.source.stop()
            self.source, self.recorder, self.summary = None, None, ""
            return was_recording
