"""``ReplaySource`` and ``bundled_replay_source``.

Covers: unpaced reads of a tiny synthetic ``.npz`` (5 frames of 16x24 at 10 fps) equal the
clip's frames in order and wrap around; ``loop=False`` ends with ``FrameIndexError``; paced
reads pick ``int(elapsed * fps)`` from an injected clock (a tick on a frame boundary, the
wrap); ``fps`` override; streams; a video file as input; read-only frames; not-started and
``timeout_secondseconds`` refusals; ``with`` blocks; depth replay (metres -> uint16 mm, rounding,
NaN/inf/0/negative -> 0, beyond 65.535 m saturates, millimetres passed through, mismatched
depth refused); the bundled ALOHA sample with and without depth.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import ReplaySource, StreamSpec, bundled_replay_source
from lerobot_video.clips import BUNDLED_DEPTH_CLIP, BUNDLED_RGB_CLIP
from lerobot_video.errors import ConfigError, DeviceUnavailableError, FrameIndexError

from .capture_fakes import FPS, HEIGHT, WIDTH, FakeClock, N, synthetic_frames, synthetic_metres


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

    @pytest.mark.parametrize("timeout_seconds", [0, -1.0, float("nan")])
    def test_bad_timeout_is_refused(self, rgb_npz: Path, timeout_seconds: float) -> None:
        with (
            ReplaySource(rgb_npz) as source,
            pytest.raises(ConfigError, match=r"timeout_seconds must be a finite number > 0"),
        ):
            source.read(timeout_seconds=timeout_seconds)


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
