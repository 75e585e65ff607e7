"""Stand-ins shared by the capture tests: a hand-moved clock, synthetic clips, fake camera
libraries (cv2, pyrealsense2) and a way to make an optional library look uninstalled."""

from __future__ import annotations

import importlib
import time
import types
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

N, HEIGHT, WIDTH, FPS = 5, 16, 24, 10


class FakeClock:
    """A clock the test moves by hand, in seconds."""

    def __init__(self, now_s: float = 100.0) -> None:
        self.now_s = now_s

    def __call__(self) -> float:
        return self.now_s


def synthetic_frames() -> npt.NDArray[np.uint8]:
    """(5, 16, 24, 3) uint8; every frame differs from every other."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    frames = np.empty((N, HEIGHT, WIDTH, 3), dtype=np.uint8)
    for i in range(N):
        frames[i] = np.stack([xx * 10 + i, yy * 15, np.full_like(xx, 40 * i)], axis=-1)
    return frames


def synthetic_metres() -> npt.NDArray[np.float32]:
    """(5, 16, 24) float32 metres with known edge values in row 0 of every frame."""
    depth = np.full((N, HEIGHT, WIDTH), 1.0, dtype=np.float32)
    for i in range(N):
        depth[i, 1:] += 0.1 * i
    depth[:, 0, :7] = [np.nan, np.inf, -1.0, 0.0, 1.2344, 1.2346, 70.0]
    return depth


def without_modules(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make ``importlib.import_module`` fail for ``names``, as if they were not installed."""
    real_import = importlib.import_module

    def failing_import(name: str, package: str | None = None) -> types.ModuleType:
        if name in names:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", failing_import)


class FakeCapture:
    """A cv2.VideoCapture stand-in: BGR frames whose blue channel counts them."""

    instances: list[FakeCapture] = []  # noqa: RUF012 - test bookkeeping

    def __init__(self, index: int, backend: int, params: list[int]) -> None:
        self.index, self.backend, self.params = index, backend, params
        self.size = (48, 64)
        self.count = 0
        self.released = False
        self.props: dict[int, float] = {}
        FakeCapture.instances.append(self)

    def isOpened(self) -> bool:  # noqa: N802 - cv2's name
        return True

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return True

    def read(self) -> tuple[bool, npt.NDArray[np.uint8]]:
        # Let the reader run between frames instead of spinning the grab thread.
        time.sleep(0.002)
        self.count += 1
        frame = np.empty((*self.size, 3), dtype=np.uint8)
        frame[..., 0], frame[..., 1], frame[..., 2] = self.count % 256, 100, 200
        return True, frame

    def release(self) -> None:
        self.released = True


class FakeFrame:
    def __init__(self, data: npt.NDArray[Any]) -> None:
        self.data = data

    def get_data(self) -> npt.NDArray[Any]:
        return self.data


class FakeFrameset:
    def __init__(self, color: npt.NDArray[np.uint8], depth: npt.NDArray[np.uint16]) -> None:
        self.color, self.depth, self.aligned = color, depth, False

    def get_color_frame(self) -> FakeFrame:
        return FakeFrame(self.color)

    def get_depth_frame(self) -> FakeFrame:
        assert self.aligned, "depth must be aligned to colour before it is read"
        return FakeFrame(self.depth)


def fake_pyrealsense(depth_scale_m: float, raw_depth: npt.NDArray[np.uint16]) -> Any:
    """A pyrealsense2 stand-in with one camera, serial '123', recording the calls made."""
    calls: list[tuple[Any, ...]] = []
    color = np.full((*raw_depth.shape, 3), 7, dtype=np.uint8)

    class Device:
        def get_info(self, info: str) -> str:
            return {"name": "Intel RealSense D405", "serial": "123"}[info]

        def first_depth_sensor(self) -> Any:
            return types.SimpleNamespace(get_depth_scale=lambda: depth_scale_m)

    class Config:
        def enable_device(self, serial: str) -> None:
            calls.append(("device", serial))

        def enable_stream(self, *args: Any) -> None:
            calls.append(("stream", *args))

    class Pipeline:
        def start(self, config: Config) -> Any:
            calls.append(("start",))
            return types.SimpleNamespace(get_device=Device)

        def try_wait_for_frames(self, timeout_ms: int) -> tuple[bool, FakeFrameset]:
            calls.append(("wait", timeout_ms))
            return True, FakeFrameset(color, raw_depth)

        def stop(self) -> None:
            calls.append(("stop",))

    class Align:
        def __init__(self, stream: str) -> None:
            calls.append(("align", stream))

        def process(self, frameset: FakeFrameset) -> FakeFrameset:
            frameset.aligned = True
            return frameset

    return types.SimpleNamespace(
        calls=calls,
        context=lambda: types.SimpleNamespace(query_devices=lambda: [Device()]),
        camera_info=types.SimpleNamespace(name="name", serial_number="serial"),
        stream=types.SimpleNamespace(color="color", depth="depth"),
        format=types.SimpleNamespace(rgb8="rgb8", z16="z16"),
        config=Config,
        pipeline=Pipeline,
        align=Align,
    )


def solid(height: int, width: int, value: int) -> npt.NDArray[np.uint8]:
    return np.full((height, width, 3), value, dtype=np.uint8)
