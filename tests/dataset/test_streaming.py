"""Streaming encoding while recording: back-pressure, real-time drops, failures, live stats.

Frames carry their own number (state = [episode, i], image brightness from i), so every
check of alignment reads back which input frame ended up where.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lerobot_video import (
    ConfigError,
    DatasetWriter,
    MediaError,
    create_dataset,
    open_dataset,
    probe_video,
    quantize_depth,
)
from lerobot_video.codec.mp4_writer import Mp4Writer

from .dataset_fakes import camera_features

pytestmark = pytest.mark.requires_encoder("libsvtav1", "libx265")

CAM, DEPTH = "cam", "depth"
FEATURES = camera_features(CAM, DEPTH, "state", ["episode", "frame"])


def brightness(i: int) -> int:
    """Grey level of frame ``i``: 20 levels apart, so lossy AV1 cannot confuse neighbours."""
    return 20 + (i * 20) % 220


def frame(i: int, episode: int = 0) -> dict[str, Any]:
    return {
        CAM: np.full((48, 64, 3), brightness(i), np.uint8),
        DEPTH: np.full((48, 64, 1), 400 + 10 * i, np.uint16),
        "state": np.array([episode, i], np.float32),
        "task": "pick",
    }


def decoded_frame_numbers(root: Path, episode: int) -> list[int]:
    """Which input frame each decoded RGB frame of an episode shows (by brightness)."""
    frames = open_dataset(root).frames(CAM, episode)
    levels = [brightness(i) for i in range(11)]
    return [int(np.argmin([abs(f.mean() - level) for level in levels])) for f in frames]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Semaphore]]:
    """Holds every encoder thread inside its first write until the event is set.

    Yields (release, entered): ``entered`` is released once per thread that is held.
    """
    release, entered = threading.Event(), threading.Semaphore(0)
    real_write = Mp4Writer.write

    def held_write(self: Mp4Writer, video_frame: Any) -> None:
        if self.frames == 0:
            entered.release()
            release.wait(timeout=30)
        real_write(self, video_frame)

    monkeypatch.setattr(Mp4Writer, "write", held_write)
    yield release, entered
    release.set()


def wait_until(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


def hold_both_encoders(
    writer: DatasetWriter, gate: tuple[threading.Event, threading.Semaphore]
) -> None:
    """Add frame 0 and wait until both encoder threads hold it (their queues are empty)."""
    assert writer.add_frame(frame(0))
    for _ in range(2):
        assert gate[1].acquire(timeout=30)


class TestRealtime:
    def test_full_queue_drops_the_whole_frame_and_keeps_video_and_data_aligned(
        self, tmp_path: Path, gate: tuple[threading.Event, threading.Semaphore]
    ) -> None:
        writer = create_dataset(
            tmp_path / "d", fps=30, features=FEATURES, realtime=True, encoder_queue_maxsize=2
        )
        hold_both_encoders(writer, gate)
        kept = [writer.add_frame(frame(i)) for i in (1, 2, 3, 4)]
        assert kept == [True, True, False, False]  # 2 fit the queues, 3 and 4 do not
        stats = writer.recording_stats()
        assert (stats.frames, stats.dropped) == (3, 2)
        assert {s.queued for s in stats.encoders.values()} == {2}
        gate[0].set()
        wait_until(lambda: all(s.queued == 0 for s in writer.recording_stats().encoders.values()))
        assert [writer.add_frame(frame(i)) for i in (5, 6)] == [True, True]
        episode = writer.save_episode()
        writer.finalize()

        assert episode.length == 5
        assert episode.dropped_frames == (3, 4)
        reader = open_dataset(tmp_path / "d")
        assert reader.episodes[0].dropped_frames == (3, 4)
        kept_inputs = [0, 1, 2, 5, 6]
        states = reader.episode_columns(0)["state"]
        np.testing.assert_array_equal(states[:, 1], kept_inputs)
        assert decoded_frame_numbers(tmp_path / "d", 0) == kept_inputs
        depth_mm = [400 + 10 * i for i in kept_inputs]
        codes = reader.depth_codes(DEPTH, 0).reshape(5, -1)
        expected = quantize_depth(np.array(depth_mm, np.uint16).reshape(5, 1))
        np.testing.assert_array_equal(codes[:, 0], expected.reshape(5))
        timestamps = reader.episode_columns(0)["timestamp"]
        np.testing.assert_allclose(timestamps, np.arange(5) / 30, atol=1e-6)

    def test_default_waits_instead_of_dropping(
        self, tmp_path: Path, gate: tuple[threading.Event, threading.Semaphore]
    ) -> None:
        writer = create_dataset(tmp_path / "d", fps=30, features=FEATURES, encoder_queue_maxsize=1)
        hold_both_encoders(writer, gate)
        assert writer.add_frame(frame(1))  # fills the queues
        blocked = threading.Thread(target=writer.add_frame, args=(frame(2),))
        blocked.start()
        blocked.join(timeout=0.3)
        assert blocked.is_alive()  # back-pressure: waiting for room, not dropping
        gate[0].set()
        blocked.join(timeout=30)
        assert not blocked.is_alive()
        for i in range(3, 8):
            assert writer.add_frame(frame(i))
        episode = writer.save_episode()
        writer.finalize()
        assert (episode.length, episode.dropped_frames) == (8, ())
        assert decoded_frame_numbers(tmp_path / "d", 0) == list(range(8))

    def test_realtime_needs_streaming(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="needs streaming_encoding=True"):
            create_dataset(
                tmp_path / "d",
                fps=30,
                features=FEATURES,
                streaming_encoding=False,
                realtime=True,
            )
        with pytest.raises(ConfigError, match="encoder_queue_maxsize must be an integer >= 1"):
            create_dataset(tmp_path / "e", fps=30, features=FEATURES, encoder_queue_maxsize=0)
        assert not (tmp_path / "d").exists()
        assert not (tmp_path / "e").exists()


class TestStreaming:
    def test_episodes_are_encoded_while_recording(self, tmp_path: Path) -> None:
        writer = create_dataset(tmp_path / "d", fps=30, features=FEATURES)
        for i in range(10):
            writer.add_frame(frame(i))
        wait_until(lambda: all(s.encoded >= 8 for s in writer.recording_stats().encoders.values()))
        stats = writer.recording_stats()
        assert set(stats.encoders) == {CAM, DEPTH}
        assert all(s.encode_fps > 0 and s.queue_size == 30 for s in stats.encoders.values())
        writer.save_episode()
        for i in range(4):
            writer.add_frame(frame(i, episode=1))
        writer.save_episode()
        writer.finalize()
        reader = open_dataset(tmp_path / "d")
        assert [e.length for e in reader.episodes] == [10, 4]
        assert [e.dropped_frames for e in reader.episodes] == [(), ()]
        assert decoded_frame_numbers(tmp_path / "d", 1) == [0, 1, 2, 3]
        video = reader.video_path(CAM, 1)
        assert probe_video(video).num_frames == 14  # both episodes in one shared MP4
        assert not list((tmp_path / "d").glob(".episode-*"))  # temporary folders are gone

    def test_clear_episode_discards_the_encoders_and_their_files(self, tmp_path: Path) -> None:
        writer = create_dataset(tmp_path / "d", fps=30, features=FEATURES)
        for i in range(5):
            writer.add_frame(frame(i))
        assert len(list((tmp_path / "d").glob(".episode-*"))) == 1
        writer.clear_episode()
        assert not list((tmp_path / "d").glob(".episode-*"))
        assert writer.recording_stats().encoders == {}
        for i in range(3):
            writer.add_frame(frame(i + 5))
        writer.save_episode()
        writer.finalize()
        assert decoded_frame_numbers(tmp_path / "d", 0) == [5, 6, 7]

    def test_caller_may_reuse_its_frame_buffer(self, tmp_path: Path) -> None:
        writer = create_dataset(tmp_path / "d", fps=30, features=FEATURES)
        reused = frame(0)
        for i in range(6):
            reused[CAM][:] = brightness(i)  # a camera driver filling the same array
            reused["state"] = np.array([0, i], np.float32)
            writer.add_frame(reused)
        writer.save_episode()
        writer.finalize()
        assert decoded_frame_numbers(tmp_path / "d", 0) == list(range(6))

    def test_encoder_failure_reaches_the_recorder_without_hanging(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        real_write = Mp4Writer.write

        def failing_write(self: Mp4Writer, video_frame: Any) -> None:
            if self.frames == 2:
                raise MediaError("disk full", path=Path("x.mp4"))
            real_write(self, video_frame)

        monkeypatch.setattr(Mp4Writer, "write", failing_write)
        writer = create_dataset(tmp_path / "d", fps=30, features=FEATURES, encoder_queue_maxsize=1)

        def record_until_failure() -> None:
            for i in range(200):  # the failure surfaces within a few frames
                writer.add_frame(frame(i))

        with pytest.raises(MediaError, match="disk full"):
            record_until_failure()
        writer.clear_episode()
        monkeypatch.setattr(Mp4Writer, "write", real_write)
        for i in range(3):
            writer.add_frame(frame(i))
        writer.save_episode()
        writer.finalize()
        assert open_dataset(tmp_path / "d").num_episodes == 1
        assert decoded_frame_numbers(tmp_path / "d", 0) == [0, 1, 2]


def test_streamed_and_staged_episodes_store_identical_data(tmp_path: Path) -> None:
    roots = {}
    for streaming in (True, False):
        root = tmp_path / str(streaming)
        with create_dataset(
            root, fps=30, features=FEATURES, streaming_encoding=streaming
        ) as writer:
            for i in range(7):
                writer.add_frame(frame(i))
            writer.save_episode()
        roots[streaming] = open_dataset(root)
    streamed, staged = roots[True], roots[False]
    assert streamed.info == staged.info
    stats_a, stats_b = streamed.stats, staged.stats
    assert stats_a is not None
    assert stats_b is not None
    for key in stats_a:
        for name in stats_a[key]:
            np.testing.assert_array_equal(stats_a[key][name], stats_b[key][name])
    np.testing.assert_array_equal(streamed.depth_codes(DEPTH, 0), staged.depth_codes(DEPTH, 0))
    np.testing.assert_array_equal(streamed.frames(CAM, 0), staged.frames(CAM, 0))
