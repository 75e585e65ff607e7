"""Frame sources (``cameras``, ``camera_devices``): replay, OpenCV, RealSense, browser, listing.

Covers:
- ``ReplaySource`` on a tiny synthetic ``.npz`` (5 frames of 16x24 at 10 fps): unpaced reads
  equal the clip's frames in order and wrap around; ``loop=False`` ends with
  ``FrameIndexError``; paced reads pick ``int(elapsed * fps)`` from an injected clock
  (including a tick on a frame boundary and the wrap); ``fps`` override; streams; a video
  file as input; read-only frames; not-started and ``timeout_s`` refusals; ``with`` blocks;
- depth replay: metres -> uint16 mm (rounding, NaN/inf/0/negative -> 0, beyond 65.535 m
  saturates), (H, W, 1) uint16, millimetre input passed through, mismatched depth refused;
- ``bundled_replay_source``: the ALOHA sample's frames and depth, with and without depth;
- ``OpenCVSource``: no ``/dev/videoN`` and an unopenable index -> ``DeviceUnavailableError``
  naming the device; OpenCV not importable; a fake ``cv2`` for the grab thread (BGR -> RGB,
  newer frames, wrong size refused, stop releases the capture and is idempotent);
- ``RealSenseSource``: no camera here; pyrealsense2 not importable; a fake pyrealsense2
  (streams enabled, depth scale to mm, alignment used, serial mismatch);
- ``BrowserSource``: push from another thread and read, waiting for the first frame, cover
  resize of other sizes, refused arrays, the timeout message, stale frames;
- ``list_sources``: never raises (also without cv2 and pyrealsense2), replay available, one
  entry per ``/dev/videoN``;
- knob validation (``ConfigError`` with the allowed values) and ``StreamSpec`` checks.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video.capture import devices as camera_devices
from lerobot_video.capture.devices import OpenCVSource, RealSenseSource, list_sources
from lerobot_video.capture.realsense import realsense_devices
from lerobot_video.capture.sources import (
    BrowserSource,
    ReplaySource,
    SourceStatus,
    StreamSpec,
    bundled_replay_source,
)
from lerobot_video.clips import BUNDLED_DEPTH_CLIP, BUNDLED_RGB_CLIP
from lerobot_video.errors import ConfigError, DeviceUnavailableError, FrameIndexError

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


def without_modules(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Make ``importlib.import_module`` fail for ``names``, as if they were not installed."""
    real_import = importlib.import_module

    def failing_import(name: str, package: str | None = None) -> types.ModuleType:
        if name in names:
            raise ImportError(f"No module named {name!r}")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", failing_import)


class TestReplayFrames:
    def test_unpaced_reads_return_the_clip_in_order_and_wrap(self, rgb_npz: Path) -> None:
        expected = synthetic_frames()
        with ReplaySource(rgb_npz, paced=False) as source:
            read = [source.read()["color"] for _ in range(2 * N + 2)]
        for i, frame in enumerate(read):
            np.testing.assert_array_equal(frame, expected[i % N])

    def test_loop_false_ends_with_a_frame_index_error(self, rgb_npz: Path) -> None:
        with ReplaySource(rgb_npz, loop=False, paced=False) as source:
            for _ in range(N):
                source.read()
            with pytest.raises(FrameIndexError, match=r"ended after its 5 frames .*loop=True"):
                source.read()

    def test_restart_begins_at_frame_zero(self, rgb_npz: Path) -> None:
        source = ReplaySource(rgb_npz, paced=False)
        with source:
            source.read()
            source.read()
        with source:
            np.testing.assert_array_equal(source.read()["color"], synthetic_frames()[0])

    def test_streams_fps_and_name(self, rgb_npz: Path) -> None:
        source = ReplaySource(rgb_npz)
        assert source.streams() == (
            StreamSpec(key="color", height=HEIGHT, width=WIDTH, channels=3, kind="rgb"),
        )
        assert source.fps == FPS
        assert source.num_frames == N
        assert source.name == "clip"
        assert ReplaySource(rgb_npz, fps=25).fps == 25.0

    def test_frames_are_read_only(self, rgb_npz: Path) -> None:
        with ReplaySource(rgb_npz, paced=False) as source:
            frame = source.read()["color"]
        with pytest.raises(ValueError, match="read-only"):
            frame[0, 0, 0] = 1

    def test_a_video_file_replays_its_decoded_frames(
        self,
        tmp_path: Path,
        make_video: Callable[..., Path],
        decode_all: Callable[[Path], tuple[list[int], list[npt.NDArray[np.uint8]], Any]],
    ) -> None:
        path = make_video(tmp_path, frames=synthetic_frames(), fps=FPS)
        _, decoded, _ = decode_all(path)
        with ReplaySource(path, paced=False) as source:
            assert source.fps == FPS
            for expected in decoded:
                np.testing.assert_array_equal(source.read()["color"], expected)

    def test_read_before_start_is_refused(self, rgb_npz: Path) -> None:
        source = ReplaySource(rgb_npz)
        with pytest.raises(DeviceUnavailableError, match="'clip' is not started; call start"):
            source.read()
        source.start()
        source.stop()
        source.stop()  # idempotent
        with pytest.raises(DeviceUnavailableError, match="not started"):
            source.read()

    @pytest.mark.parametrize("timeout_s", [0, -1.0, float("nan")])
    def test_bad_timeout_is_refused(self, rgb_npz: Path, timeout_s: float) -> None:
        with (
            ReplaySource(rgb_npz) as source,
            pytest.raises(ConfigError, match=r"timeout_s must be a finite number > 0"),
        ):
            source.read(timeout_s=timeout_s)


class TestPacedReplay:
    def test_frame_follows_elapsed_time(self, rgb_npz: Path) -> None:
        clock = FakeClock(100.0)
        expected = synthetic_frames()
        with ReplaySource(rgb_npz, clock=clock) as source:
            for now_s, index in [(100.0, 0), (100.05, 0), (100.25, 2), (100.3, 3), (100.65, 1)]:
                # 100.3 - 100.0 is 0.29999999999998 s: the boundary tick still gets frame 3.
                clock.now_s = now_s
                np.testing.assert_array_equal(source.read()["color"], expected[index])
                np.testing.assert_array_equal(source.read()["color"], expected[index])

    def test_fps_override_changes_the_pace(self, rgb_npz: Path) -> None:
        clock = FakeClock(0.0)
        with ReplaySource(rgb_npz, fps=20, clock=clock) as source:
            clock.now_s = 0.1
            np.testing.assert_array_equal(source.read()["color"], synthetic_frames()[2])

    def test_loop_false_ends_when_the_clip_time_is_over(self, rgb_npz: Path) -> None:
        clock = FakeClock(0.0)
        with ReplaySource(rgb_npz, loop=False, clock=clock) as source:
            clock.now_s = 0.49
            np.testing.assert_array_equal(source.read()["color"], synthetic_frames()[4])
            clock.now_s = 0.5
            with pytest.raises(FrameIndexError, match=r"\(0\.5 s at 10 fps\)"):
                source.read()


class TestReplayDepth:
    @pytest.mark.filterwarnings("error")  # casting NaN to uint16 warns, and is undefined
    def test_metres_become_uint16_millimetres(self, rgb_npz: Path, depth_npz: Path) -> None:
        with ReplaySource(rgb_npz, depth_npz, paced=False) as source:
            assert [spec.key for spec in source.streams()] == ["color", "depth"]
            assert source.streams()[1].shape == (HEIGHT, WIDTH, 1)
            frames = [source.read() for _ in range(N)]
        for i, frame in enumerate(frames):
            depth = frame["depth"]
            assert depth.dtype == np.uint16
            assert depth.shape == (HEIGHT, WIDTH, 1)
            # NaN, inf, negative and 0 m are "no reading" (0); 1.2344 / 1.2346 m round to
            # the nearest mm; 70 m is beyond uint16 mm and saturates.
            assert depth[0, :7, 0].tolist() == [0, 0, 0, 0, 1234, 1235, 65535]
            assert np.all(depth[1:] == round(1000 * (1.0 + 0.1 * i)))
            np.testing.assert_array_equal(frame["color"], synthetic_frames()[i])

    def test_millimetre_depth_passes_through(self, tmp_path: Path, rgb_npz: Path) -> None:
        depth_mm = np.arange(N * HEIGHT * WIDTH, dtype=np.uint16).reshape(N, HEIGHT, WIDTH)
        path = tmp_path / "depth_mm.npy"
        np.save(path, depth_mm)
        with ReplaySource(rgb_npz, path, paced=False) as source:
            for expected in depth_mm:
                np.testing.assert_array_equal(source.read()["depth"][..., 0], expected)

    def test_depth_of_another_size_is_refused(self, tmp_path: Path, rgb_npz: Path) -> None:
        path = tmp_path / "small.npy"
        np.save(path, np.ones((N, 8, 8), dtype=np.float32))
        with pytest.raises(ConfigError, match=r"'small.npy' is \(5, 8, 8\) .*same size"):
            ReplaySource(rgb_npz, path)

    def test_depth_at_another_rate_is_refused(self, tmp_path: Path, rgb_npz: Path) -> None:
        path = tmp_path / "fast.npz"
        np.savez(path, depth=synthetic_metres(), fps=30)
        with pytest.raises(ConfigError, match="is 30 fps but the RGB clip 'clip' is 10 fps"):
            ReplaySource(rgb_npz, path)


class TestBundledReplay:
    @pytest.mark.slow  # decompresses the 100-frame sample twice (about 2 s)
    def test_frames_and_depth_match_the_sample(self) -> None:
        with np.load(BUNDLED_RGB_CLIP) as data:
            rgb = data["frames"]
            fps = float(data["fps"])
        with np.load(BUNDLED_DEPTH_CLIP) as data:
            metres = data["depth"]
        with bundled_replay_source(paced=False) as source:
            assert source.fps == fps
            assert [spec.shape for spec in source.streams()] == [(480, 640, 3), (480, 640, 1)]
            for index in (0, 1):
                frames = source.read()
                np.testing.assert_array_equal(frames["color"], rgb[index])
                expected_mm = np.clip(np.rint(metres[index] * 1000), 0, 65535)
                np.testing.assert_array_equal(frames["depth"][..., 0], expected_mm)

    def test_without_depth_there_is_one_stream(self) -> None:
        source = bundled_replay_source(with_depth=False)
        assert [spec.key for spec in source.streams()] == ["color"]


@pytest.fixture
def video_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stand-in for /dev, so device checks do not depend on this machine."""
    folder = tmp_path / "dev"
    folder.mkdir()
    monkeypatch.setattr(camera_devices, "_VIDEO_DEVICE_DIR", folder)
    return folder


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
    monkeypatch.setattr(camera_devices, "_cv2", lambda: module)
    return module


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
            first = source.read(timeout_s=5)["color"]
            second = source.read(timeout_s=5)["color"]
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
            frames = source.read(timeout_s=0.5)
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


def solid(height: int, width: int, value: int) -> npt.NDArray[np.uint8]:
    return np.full((height, width, 3), value, dtype=np.uint8)


class TestBrowserSource:
    def test_frames_pushed_from_another_thread_are_read_newest_first(self) -> None:
        source = BrowserSource(height=8, width=8)
        pushed = threading.Event()
        read_values: list[int] = []

        def page() -> None:
            for value in range(1, 41):
                source.push(solid(8, 8, value))
                pushed.set()

        with source:
            thread = threading.Thread(target=page)
            thread.start()
            while thread.is_alive():
                read_values.append(int(source.read(timeout_s=5)["color"][0, 0, 0]))
            thread.join()
            last = source.read(timeout_s=5)["color"]
        assert pushed.is_set()
        assert read_values == sorted(read_values)  # never an older frame after a newer one
        assert np.all(last == 40)

    def test_read_waits_for_the_first_frame(self) -> None:
        source = BrowserSource(height=4, width=4)
        with source:
            timer = threading.Timer(0.05, source.push, args=(solid(4, 4, 9),))
            timer.start()
            frame = source.read(timeout_s=10)["color"]
            timer.join()
        assert np.all(frame == 9)

    def test_pushed_array_is_copied(self) -> None:
        source = BrowserSource(height=4, width=4)
        buffer = solid(4, 4, 1)
        with source:
            source.push(buffer)
            buffer[:] = 99
            assert np.all(source.read()["color"] == 1)

    def test_wider_frame_is_centre_cropped_then_resized(self) -> None:
        frame = solid(90, 160, 0)
        frame[:, :20] = frame[:, 140:] = (255, 0, 0)  # cut off when 16:9 becomes 4:3
        frame[:, 20:140] = (0, 255, 0)
        with BrowserSource(height=48, width=64) as source:
            source.push(frame)
            out = source.read()["color"]
        assert out.shape == (48, 64, 3)
        assert np.all(out == (0, 255, 0))

    def test_taller_frame_is_centre_cropped_then_resized(self) -> None:
        frame = solid(96, 64, 0)
        frame[24:72] = 200  # the middle 48 rows: exactly the 64x48 target
        with BrowserSource(height=24, width=32) as source:
            source.push(frame)
            out = source.read()["color"]
        assert out.shape == (24, 32, 3)
        assert np.all(out == 200)

    @pytest.mark.parametrize(
        "frame",
        [np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 3), float)],
    )
    def test_non_rgb_arrays_are_refused(self, frame: npt.NDArray[Any]) -> None:
        source = BrowserSource(height=8, width=8)
        with pytest.raises(ConfigError, match=r"must be RGB \(H, W, 3\) uint8, got shape"):
            source.push(frame)

    def test_timeout_message_says_what_to_do(self) -> None:
        with (
            BrowserSource(height=4, width=4) as source,
            pytest.raises(
                DeviceUnavailableError,
                match=r"No frame from the browser camera in 0.05 s; allow camera access",
            ),
        ):
            source.read(timeout_s=0.05)

    def test_a_silent_page_times_out_instead_of_repeating_forever(self) -> None:
        clock = FakeClock(0.0)
        with BrowserSource(height=4, width=4, clock=clock) as source:
            source.push(solid(4, 4, 5))
            clock.now_s = 0.5
            assert np.all(source.read(timeout_s=1)["color"] == 5)  # repeats while fresh
            clock.now_s = 10.0
            with pytest.raises(DeviceUnavailableError, match="No frame from the browser"):
                source.read(timeout_s=0.05)

    def test_frames_pushed_before_start_are_dropped(self) -> None:
        source = BrowserSource(height=4, width=4)
        source.push(solid(4, 4, 3))
        with source, pytest.raises(DeviceUnavailableError, match="No frame from the browser"):
            source.read(timeout_s=0.05)


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


class TestValidation:
    @pytest.mark.parametrize(
        ("make", "match"),
        [
            (lambda: OpenCVSource(-1), r"Camera index must be an integer >= 0, got -1"),
            (lambda: OpenCVSource(True), r"Camera index must be an integer >= 0, got True"),
            (lambda: OpenCVSource(width=0), r"width must be a positive whole number"),
            (lambda: OpenCVSource(fps=0), r"fps must be a finite number > 0"),
            (
                lambda: RealSenseSource(fps=29.97),  # type: ignore[arg-type]
                r"fps must be a whole number .* got 29.97",
            ),
            (lambda: RealSenseSource(""), r"serial must be a non-empty string or None"),
            (lambda: RealSenseSource(height=-4), r"height must be a positive whole number"),
            (lambda: BrowserSource(height=0, width=4), r"height must be a positive whole"),
            (lambda: BrowserSource(height=4, width=4, fps=-1), r"fps must be a finite number"),
        ],
    )
    def test_bad_knobs_raise_config_error(self, make: Callable[[], object], match: str) -> None:
        with pytest.raises(ConfigError, match=match):
            make()

    def test_replay_fps_must_be_positive(self, rgb_npz: Path) -> None:
        with pytest.raises(ConfigError, match=r"fps must be a finite number > 0 .*got 0"):
            ReplaySource(rgb_npz, fps=0)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"channels": 1}, r"A 'rgb' stream has 3 channel\(s\), got 1"),
            ({"key": ""}, r"Stream key must be a non-empty string"),
            ({"height": 0}, r"height must be a positive whole number"),
            ({"kind": "ir"}, r"Stream kind must be 'rgb' or 'depth', got 'ir'"),
        ],
    )
    def test_stream_spec_checks(self, kwargs: dict[str, Any], match: str) -> None:
        fields: dict[str, Any] = {
            "key": "color",
            "height": 4,
            "width": 4,
            "channels": 3,
            "kind": "rgb",
        }
        with pytest.raises(ConfigError, match=match):
            StreamSpec(**(fields | kwargs))
