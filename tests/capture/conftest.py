"""Fixtures of the capture tests: synthetic clip files and fake camera devices."""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from lerobot_video.capture import opencv

from .capture_fakes import FPS, FakeCapture, synthetic_frames, synthetic_metres


@pytest.fixture
def rgb_npz(tmp_path: Path) -> Path:
    path = tmp_path / "clip.npz"
    np.savez(path, frames=synthetic_frames(), fps=FPS)
    return path


@pytest.fixture
def depth_npz(tmp_path: Path) -> Path:
    path = tmp_path / "depth.npz"
    np.savez(path, depth=synthetic_metres(), fps=FPS)
    return path


@pytest.fixture
def video_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stand-in for /dev, so device checks do not depend on this machine."""
    folder = tmp_path / "dev"
    folder.mkdir()
    monkeypatch.setattr(opencv, "_VIDEO_DEVICE_DIR", folder)
    return folder


@pytest.fixture
def fake_cv2(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    FakeCapture.instances = []
    module = types.SimpleNamespace(
        CAP_V4L2=200,
        CAP_ANY=0,
        CAP_PROP_OPEN_TIMEOUT_MSEC=53,
        CAP_PROP_READ_TIMEOUT_MSEC=54,
        CAP_PROP_FRAME_WIDTH=3,
        CAP_PROP_FRAME_HEIGHT=4,
        CAP_PROP_FPS=5,
        CAP_PROP_BUFFERSIZE=38,
        COLOR_BGR2RGB=4,
        VideoCapture=FakeCapture,
        cvtColor=lambda bgr, code: np.ascontiguousarray(bgr[..., ::-1]),
        error=RuntimeError,
    )
    monkeypatch.setattr(opencv, "_cv2", lambda: module)
    return module
