"""``OpenCVSource`` with a fake ``cv2``, and without one.

Covers: no ``/dev/videoN`` and an unopenable index -> ``DeviceUnavailableError`` naming the
device; OpenCV not importable; the grab thread (BGR -> RGB, newer frames, wrong size
refused, stop releases the capture and is idempotent).
"""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from lerobot_video import OpenCVSource
from lerobot_video.errors import DeviceUnavailableError

from .capture_fakes import FakeCapture, without_modules


class TestOpenCVSource:
    def test_missing_device_names_it_and_what_to_check(self, video_dir: Path) -> None:
        source = OpenCVSource(2)
        with pytest.raises(DeviceUnavailableError) as caught:
            source.start()
        message = str(caught.value)
        assert f"No camera at '{video_dir / 'video2'}' (OpenCV index 2)" in message
        assert "video devices found: none" in message
        assert "ls /dev/video*" in message

    def test_device_that_cannot_be_opened(self, video_dir: Path) -> None:
        # Real OpenCV, asked for /dev/video7 (absent here) because our check sees a node.
        if Path("/dev/video7").exists():
            pytest.skip("this machine has a /dev/video7")
        (video_dir / "video7").touch()
        with pytest.raises(DeviceUnavailableError, match=r"OpenCV could not open camera 7 \("):
            OpenCVSource(7).start()

    def test_real_dev_without_cameras(self) -> None:
        if list(Path("/dev").glob("video*")):
            pytest.skip("this machine has video devices")
        with pytest.raises(DeviceUnavailableError, match=r"No camera at '/dev/video0'"):
            OpenCVSource().start()

    def test_opencv_not_installed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        without_modules(monkeypatch, "cv2")
        with pytest.raises(DeviceUnavailableError, match="pip install opencv-python-headless"):
            OpenCVSource().start()

    def test_grab_thread_delivers_newer_rgb_frames(
        self, video_dir: Path, fake_cv2: types.SimpleNamespace
    ) -> None:
        (video_dir / "video0").touch()
        source = OpenCVSource(0, width=64, height=48, fps=15)
        with source:
            capture = FakeCapture.instances[0]
            assert capture.backend == fake_cv2.CAP_V4L2
            assert capture.props[fake_cv2.CAP_PROP_FPS] == 15
            first = source.read(timeout_seconds=5)["color"]
            second = source.read(timeout_seconds=5)["color"]
        assert first.shape == (48, 64, 3)
        assert first.dtype == np.uint8
        assert np.all(first[..., 0] == 200)  # red came from BGR's last channel
        assert np.all(first[..., 1] == 100)
        assert second[0, 0, 2] != first[0, 0, 2]  # a later frame, not the same one again
        assert capture.released
        source.stop()  # idempotent
        with pytest.raises(DeviceUnavailableError, match="not started"):
            source.read()

    def test_camera_of_another_size_is_refused(
        self, video_dir: Path, fake_cv2: types.SimpleNamespace
    ) -> None:
        (video_dir / "video0").touch()
        with pytest.raises(
            DeviceUnavailableError, match=r"delivers 64x48, not the 640x480 asked for"
        ):
            OpenCVSource(0).start()
        assert FakeCapture.instances[0].released
