"""Which frame sources can be used on this machine, for a source picker.

Asks each source module about its own devices; never raises. Nothing here opens a camera
for recording.
"""

from __future__ import annotations

from lerobot_video.capture.opencv import opencv_statuses
from lerobot_video.capture.realsense import realsense_statuses
from lerobot_video.capture.source import SourceStatus
from lerobot_video.clips import BUNDLED_DEPTH_CLIP, BUNDLED_RGB_CLIP


def list_sources() -> list[SourceStatus]:
    """Every kind of source and whether it can be used here. Never raises.

    Cheap: OpenCV cameras 0-3 are found from ``/dev/video*`` on Linux (elsewhere by opening
    each with a short timeout), RealSense cameras by asking librealsense.

    Returns:
        The bundled replay first, then one entry per camera found (or one unavailable entry
        per camera kind, with the fix in ``message``), then the browser camera.
    """
    replay_ok = BUNDLED_RGB_CLIP.is_file() and BUNDLED_DEPTH_CLIP.is_file()
    replay = SourceStatus(
        kind="replay",
        label="Bundled ALOHA replay (RGB + depth)",
        available=replay_ok,
        message="" if replay_ok else "The bundled sample is missing; run from a checkout.",
    )
    browser = SourceStatus(kind="browser", label="Browser camera (this page)", available=True)
    return [replay, *opencv_statuses(), *realsense_statuses(), browser]
