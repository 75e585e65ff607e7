"""The Recorder: a fixed-rate capture loop from a camera source into a dataset.

The replay clip's frame ``i`` has brightness ``brightness(i)`` and depth ``depth_mm(i)``, so
every recorded frame can be traced back to the clip frame it came from.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from lerobot_video import (
    ConfigError,
    DeviceUnavailableError,
    FrameSource,
    Recorder,
    ReplaySource,
    StreamSpec,
    camera_features,
    create_dataset,
    open_dataset,
    quantize_depth,
)
from lerobot_video.capture.source import Frames

pytestmark = pytest.mark.requires_encoder("libsvtav1", "libx265")

CLIP_FRAMES = 12
FPS = 60  # a fast capture loop keeps the tests short


def brightness(i: int) -> int:
    return 20 + 18 * (i % CLIP_FRAMES)


def depth_mm(i: int) -> int:
    return 500 + 40 * (i % CLIP_FRAMES)


@pytest.fixture
def clip(tmp_path: Path) -> tuple[Path, Path]:
    rgb = np.stack([np.full((48, 64, 3), brightness(i), np.uint8) for i in range(CLIP_FRAMES)])
    depth = np.stack([np.full((48, 64), depth_mm(i), np.uint16) for i in range(CLIP_FRAMES)])
    np.savez(tmp_path / "rgb.npz", frames=rgb, fps=np.int64(FPS))
    np.save(tmp_path / "depth.npy", depth)
    return tmp_path / "rgb.npz", tmp_path / "depth.npy"


@pytest.fixture
def recorder(tmp_path: Path, clip: tuple[Path, Path]) -> Iterator[Recorder]:
    source = ReplaySource(clip[0], clip[1], paced=False)  # one clip frame per tick
    features = camera_features(source, camera="front")
    writer = create_dataset(tmp_path / "dataset", fps=FPS, features=features)
    recorder = Recorder(source, writer, task="stack the cups", camera="front")
    recorder.start()
    yield recorder
    recorder.close()


def wait_until(condition: Callable[[], bool], timeout_seconds: float = 30) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def clip_numbers(frames: np.ndarray) -> list[int]:
    """The clip frame each decoded frame shows, by brightness."""
    levels = np.array([brightness(i) for i in range(CLIP_FRAMES)])
    return [int(np.argmin(abs(levels - f.mean()))) for f in frames]


def record(recorder: Recorder, frames: int) -> int:
    recorder.start_episode()
    wait_until(lambda: recorder.stats().episode_frames >= frames)
    return recorder.stop_episode().length


def test_two_episodes_hold_consecutive_clip_frames(recorder: Recorder) -> None:
    lengths = [record(recorder, 15), record(recorder, 8)]
    reader = open_dataset(recorder.writer.root)
    assert [e.length for e in reader.episodes] == lengths
    assert all(length >= n for length, n in zip(lengths, (15, 8), strict=True))
    for episode in range(2):
        numbers = clip_numbers(reader.frames("observation.images.front", episode))
        # Consecutive ticks read consecutive clip frames (the unpaced replay loops).
        assert all((b - a) % CLIP_FRAMES == 1 for a, b in itertools.pairwise(numbers))
        codes = reader.depth_codes("observation.images.front_depth", episode)
        mm = np.array([depth_mm(n) for n in numbers], np.uint16).reshape(-1, 1)
        np.testing.assert_array_equal(
            codes.reshape(len(numbers), -1)[:, 0], quantize_depth(mm)[:, 0]
        )
    columns = reader.episode_columns(1)
    assert {reader.tasks[i] for i in columns["task_index"]} == {"stack the cups"}
    assert reader.episodes[1].dropped_frames == ()


def test_live_stats_while_recording(recorder: Recorder) -> None:
    wait_until(lambda: recorder.stats().capture_fps > 0)
    assert recorder.stats().state == "previewing"
    assert set(recorder.latest_frames()) == {"color", "depth"}
    recorder.start_episode()
    wait_until(lambda: recorder.stats().episode_frames >= 5)
    stats = recorder.stats()
    assert stats.state == "recording"
    assert set(stats.encoders) == {"observation.images.front", "observation.images.front_depth"}
    assert stats.capture_fps > 0
    recorder.stop_episode()
    assert recorder.stats().state == "previewing"


def test_each_saved_episode_keeps_its_ticks_and_video_bytes(recorder: Recorder) -> None:
    episodes = []
    for _ in range(2):
        recorder.start_episode()
        wait_until(lambda: recorder.stats().episode_frames >= 3)
        episodes.append(recorder.stop_episode())
        # Between episodes the counters stand still, so the report equals the live stats.
        stats, report = recorder.stats(), recorder.capture_reports[episodes[-1].episode_index]
        assert (report.late_ticks, report.skipped_ticks) == (stats.late, stats.skipped)
    recorder.start_episode()
    recorder.discard_episode()
    reports = recorder.capture_reports
    assert sorted(reports) == [0, 1]
    assert [r.episode_index for r in reports.values()] == [0, 1]
    assert all(r.late_ticks >= 0 and r.skipped_ticks >= 0 for r in reports.values())
    for episode in episodes:
        assert episode.video_bytes is not None
        assert set(episode.video_bytes) == {
            "observation.images.front",
            "observation.images.front_depth",
        }
        assert all(size > 0 for size in episode.video_bytes.values())


def test_discard_leaves_the_dataset_unchanged(recorder: Recorder) -> None:
    record(recorder, 5)
    recorder.start_episode()
    wait_until(lambda: recorder.stats().episode_frames >= 5)
    recorder.discard_episode()
    assert recorder.stats().episode_frames == 0
    assert open_dataset(recorder.writer.root).num_episodes == 1
    assert record(recorder, 4) >= 4  # re-recording after a discard works
    assert open_dataset(recorder.writer.root).num_episodes == 2


def test_state_errors(recorder: Recorder) -> None:
    with pytest.raises(ConfigError, match="No episode is being recorded"):
        recorder.stop_episode()
    recorder.start_episode()
    with pytest.raises(ConfigError, match="while recording"):
        recorder.start_episode()
    recorder.discard_episode()


def test_bad_setup_is_refused(tmp_path: Path, clip: tuple[Path, Path]) -> None:
    source = ReplaySource(clip[0], paced=False)
    writer = create_dataset(
        tmp_path / "d", fps=FPS, features=camera_features(source, camera="front")
    )
    with pytest.raises(ConfigError, match="non-empty text"):
        Recorder(source, writer, task="  ", camera="front")
    with pytest.raises(ConfigError, match="must be exactly the source's streams"):
        Recorder(source, writer, task="t", camera="wrist")
    with pytest.raises(ConfigError, match="letters, digits and underscores"):
        camera_features(source, camera="../x")
    with pytest.raises(ConfigError, match="not started"):
        Recorder(source, writer, task="t", camera="front").start_episode()
    writer.finalize()


class _FailingSource(FrameSource):
    """Delivers a few frames, then reports the camera gone."""

    name, fps = "failing", 60.0

    def __init__(self, good_frames: int) -> None:
        self._left = good_frames

    def streams(self) -> tuple[StreamSpec, ...]:
        return (StreamSpec(key="color", height=48, width=64, channels=3, kind="rgb"),)

    def start(self) -> None:
        pass

    def read(self, timeout_seconds: float = 1.0) -> Frames:
        self._left -= 1
        if self._left < 0:
            raise DeviceUnavailableError("Camera unplugged; reconnect it and start again.")
        return {"color": np.full((48, 64, 3), 100, np.uint8)}

    def stop(self) -> None:
        pass


def test_source_failure_stops_the_loop_and_keeps_saved_episodes(tmp_path: Path) -> None:
    source = _FailingSource(good_frames=40)
    writer = create_dataset(
        tmp_path / "d", fps=FPS, features=camera_features(source, camera="front")
    )
    with Recorder(source, writer, task="t", camera="front") as recorder:
        assert record(recorder, 5) >= 5
        recorder.start_episode()
        wait_until(lambda: recorder.stats().state == "failed")
        assert "Camera unplugged" in recorder.stats().error
        assert recorder.stats().episode_frames == 0  # the broken episode is dropped
        with pytest.raises(ConfigError, match="failed: Camera unplugged"):
            recorder.start_episode()
    assert open_dataset(tmp_path / "d").num_episodes == 1
