"""``RealSenseSource`` and ``realsense_devices``.

Covers: no camera here; pyrealsense2 not importable; a fake pyrealsense2 (streams enabled,
depth scale to mm, alignment used, serial mismatch).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import numpy as np
import pytest

from lerobot_video import RealSenseSource, realsense_devices
from lerobot_video.errors import DeviceUnavailableError

from .capture_fakes import fake_pyrealsense, without_modules


class TestRealSenseSource:
    def test_no_camera_connected(self) -> None:
        # pyrealsense2 is an optional extra: without it the message says how to install it.
        if importlib.util.find_spec("pyrealsense2") is None:
            expected = "pip install pyrealsense2"
        else:
            if realsense_devices():
                pytest.skip("a RealSense camera is connected")
            expected = "No RealSense camera is connected"
        with pytest.raises(DeviceUnavailableError, match=expected):
            RealSenseSource().start()

    def test_pyrealsense_not_installed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        without_modules(monkeypatch, "pyrealsense2")
        with pytest.raises(DeviceUnavailableError, match="pip install pyrealsense2"):
            RealSenseSource().start()

    def test_colour_and_depth_in_millimetres(self, monkeypatch: pytest.MonkeyPatch) -> None:
        raw = np.array([[0, 15, 10000, 65535]], dtype=np.uint16)  # units of 0.1 mm (D405)
        rs = fake_pyrealsense(0.0001, raw)
        monkeypatch.setitem(sys.modules, "pyrealsense2", rs)
        with RealSenseSource("123", width=4, height=1, fps=15) as source:
            frames = source.read(timeout_seconds=0.5)
        assert frames["depth"].dtype == np.uint16
        assert frames["depth"][..., 0].tolist() == [[0, 2, 1000, 6554]]
        assert frames["color"].shape == (1, 4, 3)
        assert np.all(frames["color"] == 7)
        assert ("device", "123") in rs.calls
        assert ("stream", "color", 4, 1, "rgb8", 15) in rs.calls
        assert ("stream", "depth", 4, 1, "z16", 15) in rs.calls
        assert ("align", "color") in rs.calls
        assert ("wait", 500) in rs.calls
        assert rs.calls[-1] == ("stop",)

    def test_unknown_serial_lists_the_connected_cameras(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        rs = fake_pyrealsense(0.001, np.zeros((1, 4), dtype=np.uint16))
        monkeypatch.setitem(sys.modules, "pyrealsense2", rs)
        with pytest.raises(
            DeviceUnavailableError,
            match=r"serial '999'; connected: Intel RealSense D405 \(123\)",
        ):
            RealSenseSource("999").start()
