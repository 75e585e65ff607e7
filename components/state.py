"""Per-session state and app-wide settings shared by the tabs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from lerobot_video import Clip, ComparisonReport, DepthClip, DepthComparison


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """Settings fixed when the app starts.

    Attributes:
        data_dir: The only folder the app writes to (sessions live in ``sessions/``).
        bundled_clip: The sample RGB clip shown by default.
        bundled_depth: The sample depth clip (float32 metres) shown by default.
        max_upload_mb: Largest accepted upload, in megabytes.
        max_frames: Most frames a clip may have in the Compare page.
    """

    data_dir: Path
    bundled_clip: Path
    bundled_depth: Path
    max_upload_mb: int = 200
    max_frames: int = 300


@dataclass
class SessionState:
    """What one browser session has loaded and computed; deep-copied per session by Gradio.

    Attributes:
        session_id: Random id naming the session's folder; set on first use, because Gradio
            deep-copies the initial state into every session.
        clip: The clip being compared, or None before the first comparison.
        report: The last comparison, or None.
        depth_clip: The depth clip on the Depth page, or None.
        depth: The last depth round trip, or None.
    """

    session_id: str | None = None
    clip: Clip | None = None
    report: ComparisonReport | None = None
    depth_clip: DepthClip | None = None
    depth: DepthComparison | None = None

    def work_dir(self, settings: AppSettings) -> Path:
        """Return (and create) this session's folder inside the data folder."""
        if self.session_id is None:
            self.session_id = uuid.uuid4().hex
        folder = settings.data_dir / "sessions" / self.session_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder
