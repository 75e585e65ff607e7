"""App-wide settings and every session's work, kept on the server and bounded.

Gradio's ``gr.State`` deep-copies its value into each session and keeps a closed session's
value for an hour, so a clip (tens to hundreds of MB) held there multiplies with every visitor.
Instead each browser or API session (Gradio's session hash) gets one :class:`SessionState`
from :class:`Sessions`: clips live as ``.npy`` files in the session's folder and are memory
mapped, results are small summaries with paths to their files, and the whole session (folder,
camera, recorder) is removed when its tab closes or it stays idle too long.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import gradio as gr
import numpy as np

from components.inspect.session import InspectSession
from components.lane import release_free_memory
from components.merge.session import MergeSession
from components.record.session import RecordSession
from lerobot_video import (
    Clip,
    ComparisonReport,
    DepthClip,
    DepthComparison,
    clear_decoder_cache,
)

C = TypeVar("C", Clip, DepthClip)


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """Settings fixed when the app starts.

    Attributes:
        data_dir: The folder the app writes to: session folders (``sessions/``) and Gradio's
            upload and download cache (``cache/``).
        bundled_clip: The sample RGB clip shown by default.
        bundled_depth: The sample depth clip (float32 metres) shown by default.
        max_upload_mb: Largest accepted upload, in megabytes.
        max_frames: Most frames a clip may have in the Compare and Depth pages.
        media_slots: Encodes (Compare runs, depth round trips, zips) served at once, >= 1;
            more requests wait in Gradio's queue.
        idle_session_s: Seconds without a request after which a session that is not
            recording is closed (its folder removed); tabs that close are closed at once.
        max_datasets_mb: Most megabytes the shared datasets folder may hold; a merge that
            would pass it is refused (merges are what adds to it).
    """

    data_dir: Path
    bundled_clip: Path
    bundled_depth: Path
    max_upload_mb: int = 200
    max_datasets_mb: int = 5000
    max_frames: int = 300
    media_slots: int = 2
    idle_session_s: float = 1800.0

    @property
    def sessions_dir(self) -> Path:
        """Where each session's folder lives."""
        return self.data_dir / "sessions"

    @property
    def cache_dir(self) -> Path:
        """Gradio's cache (``GRADIO_TEMP_DIR``): uploads and copies of files shown to users."""
        return self.data_dir / "cache"

    @property
    def datasets_dir(self) -> Path:
        """Datasets every session may inspect (read only for the pages); a sample at first."""
        return self.data_dir / "datasets"

    @property
    def hub_cache_dir(self) -> Path:
        """The Hugging Face cache of Hub datasets opened here (their ``meta/`` only).

        Kept under :data:`HUB_CACHE_MB` by removing the least recently opened.
        """
        return self.data_dir / "hub-cache"


HUB_CACHE_MB = 500
"""Most megabytes of Hub metadata the app keeps (a dataset's ``meta/`` is mostly under 1 MB)."""


@dataclass
class SessionState:
    """What one session has loaded and computed: small objects and paths into ``folder``.

    Attributes:
        folder: The session's own folder (inside the data folder), created on construction.
        clip: The clip being compared (its frames memory-mapped from ``folder``), or None.
        report: The last comparison (paths and per-frame figures), or None.
        depth_clip: The depth clip of the Depth page (memory-mapped), or None.
        depth: The last depth round trip (paths and summaries), or None.
        recording: The session's camera, recorder and saved-episode facts.
        inspect: The dataset the Inspect page has open (a Hub token only inside its
            ``HubDataset``, in memory) and the episode copies it shows.
        merge: The Merge page's sources (uploads unpacked in ``folder``), key mapping,
            plan and last merged dataset.
        last_used: ``time.monotonic()`` of the session's last request.
        last_error: The last user error an action of the page raised (already user text).
    """

    folder: Path
    clip: Clip | None = None
    report: ComparisonReport | None = None
    depth_clip: DepthClip | None = None
    depth: DepthComparison | None = None
    recording: RecordSession = field(default_factory=RecordSession)
    inspect: InspectSession = field(default_factory=InspectSession)
    merge: MergeSession = field(default_factory=MergeSession)
    last_used: float = field(default_factory=time.monotonic)
    last_error: str = ""

    @contextlib.contextmanager
    def noting_errors(self) -> Iterator[None]:
        """Keep the message of a user error raised inside (``last_error``), then re-raise it.

        Gradio's ``.failure`` listeners get no error, yet the page's status line should say
        why the action stopped, not keep the text of the step before it.
        """
        try:
            yield
        except gr.Error as err:
            self.last_error = str(err.message)
            raise

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    @classmethod
    def new(cls, settings: AppSettings) -> SessionState:
        """A new session with a fresh, randomly named folder in ``settings.sessions_dir``."""
        return cls(folder=settings.sessions_dir / uuid.uuid4().hex)

    def fresh_folder(self, name: str) -> Path:
        """An empty sub-folder ``name`` for a new result; the last result's files go."""
        folder = self.folder / name
        clear_decoder_cache(under=folder)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def keep_clip(self, clip: C) -> C:
        """Store ``clip``'s frames in the session folder; return it reading them from there.

        The returned clip's array is a read-only memory map, so the frames take no memory
        the system cannot reclaim and go away with the folder.
        """
        array_field = "frames" if isinstance(clip, Clip) else "depth"
        name = f"{array_field}.npy"
        staging = self.folder / f".{name}.partial"
        with staging.open("wb") as file:
            np.save(file, getattr(clip, array_field))
        os.replace(staging, self.folder / name)
        mapped = np.load(self.folder / name, mmap_mode="r")
        return dataclasses.replace(clip, **{array_field: mapped})


class Sessions:
    """Every open session's :class:`SessionState`, by Gradio session hash.

    A session is created on its first request and closed (recording stopped, folder
    removed) when its tab unloads, when it has been idle for ``settings.idle_session_s``
    while not recording, or when the app stops.
    """

    def __init__(self, settings: AppSettings) -> None:
        self._settings = settings
        self._by_hash: dict[str, SessionState] = {}
        self._lock = threading.Lock()
        # Folders of a previous run belong to sessions no browser can reach any more.
        shutil.rmtree(settings.sessions_dir, ignore_errors=True)
        settings.sessions_dir.mkdir(parents=True, exist_ok=True)
        # A merge killed in a previous run leaves its hidden, never-published folders.
        for leftover in settings.datasets_dir.glob(".*.merging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        for leftover in settings.datasets_dir.glob(".*.fetch-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    def get(self, request: gr.Request | None) -> SessionState:
        """The request's session (created on first use); also closes idle sessions.

        Raises:
            gr.Error: The request carries no session hash (browsers and API clients do).
        """
        key = getattr(request, "session_hash", None)
        if not key:
            raise gr.Error("This action needs a browser or API session; reload the page.")
        self.close_idle()
        with self._lock:
            state = self._by_hash.get(key)
            if state is None:
                state = self._by_hash[key] = SessionState.new(self._settings)
            state.last_used = time.monotonic()
            return state

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_hash)

    def close(self, request: gr.Request) -> None:
        """Close the request's session (a tab unloaded); unknown sessions are ignored."""
        with self._lock:
            state = self._by_hash.pop(getattr(request, "session_hash", None) or "", None)
        if state is not None:
            _close(state)

    def close_idle(self, now: float | None = None) -> int:
        """Close sessions idle longer than the limit that are not recording; return how many."""
        limit = (time.monotonic() if now is None else now) - self._settings.idle_session_s
        with self._lock:
            idle = [
                key
                for key, state in self._by_hash.items()
                if state.last_used < limit and state.recording.source is None
            ]
            closed = [self._by_hash.pop(key) for key in idle]
        for state in closed:
            _close(state)
        return len(closed)

    def close_all(self) -> None:
        """Close every session (the app is stopping)."""
        with self._lock:
            states, self._by_hash = list(self._by_hash.values()), {}
        for state in states:
            _close(state)


def _close(state: SessionState) -> None:
    """Stop the session's camera and recorder, then remove its folder."""
    state.recording.stop()
    state.clip = state.depth_clip = None
    state.report = state.depth = None
    state.inspect = InspectSession()  # the Hub dataset (and its token) go with the session
    state.merge = MergeSession()  # Hub readers too; unpacked uploads go with the folder
    clear_decoder_cache(under=state.folder)  # open files would keep their memory and disk
    shutil.rmtree(state.folder, ignore_errors=True)
    release_free_memory()
