"""``list_sources``: which sources can be used here.

Covers: never raises (also without cv2 and pyrealsense2), replay available, one entry per
``/dev/videoN`` (a fake ``/dev``), a hint when there is none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lerobot_video import SourceStatus, list_sources

from .capture_fakes import without_modules


class TestListSources:
    def test_lists_every_kind_and_replay_is_available(self) -> None:
        statuses = list_sources()
        assert statuses[0] == SourceStatus(
            kind="replay", label="Bundled ALOHA replay (RGB + depth)", available=True
        )
        assert {status.kind for status in statuses} == {"replay", "opencv", "realsense", "browser"}
        assert statuses[-1].kind == "browser"
        assert statuses[-1].available
        for status in statuses:
            assert status.available == (status.message == "")

    def test_never_raises_without_the_camera_libraries(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        without_modules(monkeypatch, "cv2", "pyrealsense2")
        by_kind = {status.kind: status for status in list_sources()}
        assert not by_kind["opencv"].available
        assert "pip install opencv-python-headless" in by_kind["opencv"].message
        assert not by_kind["realsense"].available
        assert "pip install pyrealsense2" in by_kind["realsense"].message
        assert by_kind["replay"].available

    def test_no_video_devices_gives_one_entry_with_a_hint(self, video_dir: Path) -> None:
        opencv = [status for status in list_sources() if status.kind == "opencv"]
        assert len(opencv) == 1
        assert not opencv[0].available
        assert "No camera found (/dev/video0 to /dev/video3); plug in" in opencv[0].message

    def test_one_entry_per_video_device(self, video_dir: Path) -> None:
        (video_dir / "video0").touch()
        (video_dir / "video2").touch()
        opencv = [status for status in list_sources() if status.kind == "opencv"]
        assert [(status.device, status.available) for status in opencv] == [(0, True), (2, True)]
        assert opencv[0].label.startswith("OpenCV camera 0")
