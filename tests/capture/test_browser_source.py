"""``BrowserSource``: frames pushed from a web page.

Covers: push from another thread and read, waiting for the first frame, cover resize of
other sizes, refused arrays, the timeout message, stale frames.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import BrowserSource
from lerobot_video.errors import ConfigError, DeviceUnavailableError

from .capture_fakes import FakeClock, solid


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
                read_values.append(int(source.read(timeout_seconds=5)["color"][0, 0, 0]))
            thread.join()
            last = source.read(timeout_seconds=5)["color"]
        assert pushed.is_set()
        assert read_values == sorted(read_values)  # never an older frame after a newer one
        assert np.all(last == 40)

    def test_read_waits_for_the_first_frame(self) -> None:
        source = BrowserSource(height=4, width=4)
        with source:
            timer = threading.Timer(0.05, source.push, args=(solid(4, 4, 9),))
            timer.start()
            frame = source.read(timeout_seconds=10)["color"]
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
            source.read(timeout_seconds=0.05)

    def test_a_silent_page_times_out_instead_of_repeating_forever(self) -> None:
        clock = FakeClock(0.0)
        with BrowserSource(height=4, width=4, clock=clock) as source:
            source.push(solid(4, 4, 5))
            clock.now_s = 0.5
            assert np.all(source.read(timeout_seconds=1)["color"] == 5)  # repeats while fresh
            clock.now_s = 10.0
            with pytest.raises(DeviceUnavailableError, match="No frame from the browser"):
                source.read(timeout_seconds=0.05)

    def test_frames_pushed_before_start_are_dropped(self) -> None:
        source = BrowserSource(height=4, width=4)
        source.push(solid(4, 4, 3))
        with source, pytest.raises(DeviceUnavailableError, match="No frame from the browser"):
            source.read(timeout_seconds=0.05)
