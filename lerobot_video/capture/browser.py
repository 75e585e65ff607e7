"""Frames pushed from a web page's camera, read by a recorder like any other source.

Frames of another size are fitted with Pillow (centre crop and resize). Nothing here
encodes or writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from PIL import Image

from lerobot_video.capture.source import (
    Frames,
    FrameSource,
    StreamSpec,
    check_pixels,
    check_positive,
    not_started,
    read_only,
)
from lerobot_video.errors import ConfigError, DeviceUnavailableError


class BrowserSource(FrameSource):
    """Frames pushed from a web page's camera (one per message), read by a recorder.

    :meth:`push` may be called from a web-server thread while :meth:`read` runs in the
    recorder's thread. A frame of another size is centre-cropped to the source's aspect
    ratio and resized (bilinear, with Pillow), like CSS ``object-fit: cover``: the picture
    is never stretched, and the edges of a wider or taller picture are lost.
    """

    def __init__(
        self,
        *,
        height: int,
        width: int,
        fps: float = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Describe the frames the page will push.

        Args:
            height: Frame height in pixels that :meth:`read` returns.
            width: Frame width in pixels that :meth:`read` returns.
            fps: Rate the page is asked to send at, in frames per second.
            clock: Seconds from a monotonic clock; replaceable for tests.

        Raises:
            ConfigError: A size or rate that is not > 0, or a ``clock`` that is not callable.
        """
        check_pixels("height", height)
        check_pixels("width", width)
        check_positive("fps", fps, "frames per second")
        if not callable(clock):
            raise ConfigError(f"clock must be a callable returning seconds, got {clock!r}.")
        self.height, self.width, self.fps = height, width, float(fps)
        self.name = "browser"
        self._clock = clock
        self._condition = threading.Condition()
        self._frame: npt.NDArray[np.uint8] | None = None
        self._pushed_at_seconds: float | None = None
        self._started = False

    def streams(self) -> tuple[StreamSpec, ...]:
        """One ``color`` stream of the configured size."""
        return (
            StreamSpec(key="color", height=self.height, width=self.width, channels=3, kind="rgb"),
        )

    def push(self, frame: npt.NDArray[np.uint8]) -> None:
        """Hand over the page's newest frame; it replaces any unread one.

        Args:
            frame: RGB, (H, W, 3) uint8, any size (fitted as the class describes). The array
                is copied, so the caller may reuse it.

        Raises:
            ConfigError: Not a non-empty (H, W, 3) uint8 array.
        """
        array = np.asarray(frame)
        if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3 or not array.size:
            raise ConfigError(
                f"Browser frames must be RGB (H, W, 3) uint8, got shape {array.shape} "
                f"{array.dtype}."
            )
        fitted = read_only(_cover(array, self.height, self.width))
        with self._condition:
            self._frame, self._pushed_at_seconds = fitted, self._clock()
            self._condition.notify_all()

    def start(self) -> None:
        """Forget frames pushed before now and accept reads."""
        with self._condition:
            self._started, self._frame, self._pushed_at_seconds = True, None, None

    def read(self, timeout_seconds: float = 1.0) -> Frames:
        """The newest pushed frame, which repeats while the page sends slower than reads.

        Args:
            timeout_seconds: Longest wait for a frame, in seconds (> 0). The page counts as gone
                when its newest frame is older than this.

        Returns:
            ``{"color": (height, width, 3) uint8 RGB}``.

        Raises:
            ConfigError: ``timeout_seconds`` is not > 0.
            DeviceUnavailableError: Not started, or no frame pushed in the last ``timeout_seconds``.
        """
        check_positive("timeout_seconds", timeout_seconds, "seconds")

        def is_fresh() -> bool:
            pushed_at_seconds = self._pushed_at_seconds
            return (
                pushed_at_seconds is not None
                and self._clock() - pushed_at_seconds <= timeout_seconds
            )

        with self._condition:
            if not self._started:
                raise not_started(self.name)
            if (
                not self._condition.wait_for(is_fresh, timeout=timeout_seconds)
                or self._frame is None
            ):
                raise DeviceUnavailableError(
                    f"No frame from the browser camera in {timeout_seconds:g} s; allow camera "
                    f"access in the browser, and keep the page open and visible (browsers "
                    f"pause hidden tabs)."
                )
            return {"color": self._frame}

    def stop(self) -> None:
        """Stop accepting reads and drop the newest frame."""
        with self._condition:
            self._started, self._frame, self._pushed_at_seconds = False, None, None


def _cover(frame: npt.NDArray[np.uint8], height: int, width: int) -> npt.NDArray[np.uint8]:
    """``frame`` centre-cropped to ``width:height`` and resized to (height, width, 3); a copy."""
    src_height, src_width = frame.shape[:2]
    if (src_height, src_width) == (height, width):
        return frame.copy()
    # Compare aspect ratios with integers: is the source wider than the target?
    if src_width * height > width * src_height:
        keep = max(1, round(src_height * width / height))
        start = (src_width - keep) // 2
        frame = frame[:, start : start + keep]
    else:
        keep = max(1, round(src_width * height / width))
        start = (src_height - keep) // 2
        frame = frame[start : start + keep]
    image = Image.fromarray(np.ascontiguousarray(frame)).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    return np.asarray(image, dtype=np.uint8).copy()
