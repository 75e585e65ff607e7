"""USB and built-in cameras through OpenCV: the frame source, and finding the cameras.

cv2 is optional (``pip install opencv-python-headless``); this is the only module that
loads it, through :func:`~lerobot_video.optional.import_optional`, when a camera starts or
is listed. Nothing here encodes or writes.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from lerobot_video.capture.source import (
    Frames,
    FrameSource,
    SourceStatus,
    StreamSpec,
    check_pixels,
    check_positive,
    not_started,
    read_only,
)
from lerobot_video.errors import ConfigError, DeviceUnavailableError
from lerobot_video.optional import import_optional

_OPEN_TIMEOUT_MS = 3000
# A grab thread that sees no frame for this long reports the camera as gone.
_READ_TIMEOUT_MS = 2000
_PROBED_INDICES = range(4)
# Where cameras must be opened to be found (not Linux), a short open keeps listing cheap.
_PROBE_TIMEOUT_MS = 1000
_VIDEO_DEVICE_DIR = Path("/dev")


class OpenCVSource(FrameSource):
    """A USB or built-in camera through OpenCV (``pip install opencv-python-headless``).

    A background thread grabs frames as the camera delivers them and keeps only the newest,
    so :meth:`read` never returns a frame that has waited in a driver queue. On Linux the
    V4L2 backend is used and ``/dev/video<index>`` is checked first, so a missing camera is
    reported at once instead of after a slow open.
    """

    def __init__(
        self, index: int = 0, *, width: int = 640, height: int = 480, fps: float = 30
    ) -> None:
        """Describe the camera; nothing is opened until :meth:`start`.

        Args:
            index: OpenCV camera index (>= 0); on Linux, the N of ``/dev/videoN``.
            width: Frame width in pixels the camera must deliver.
            height: Frame height in pixels the camera must deliver.
            fps: Frame rate to ask the camera for.

        Raises:
            ConfigError: A negative index, or a size or rate that is not > 0.
        """
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise ConfigError(f"Camera index must be an integer >= 0, got {index!r}.")
        check_pixels("width", width)
        check_pixels("height", height)
        check_positive("fps", fps, "frames per second")
        self.index, self.width, self.height = index, width, height
        self.name = f"opencv{index}"
        self.fps = float(fps)
        self._newest = _NewestFrame()
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None

    def streams(self) -> tuple[StreamSpec, ...]:
        """One ``color`` stream of the requested size."""
        return (
            StreamSpec(key="color", height=self.height, width=self.width, channels=3, kind="rgb"),
        )

    def start(self) -> None:
        """Open the camera, start the grab thread and wait for its first frame.

        Raises:
            DeviceUnavailableError: OpenCV is missing, no camera at this index, it cannot be
                opened, it sends no frame, or it delivers another size than requested.
        """
        if self._thread is not None:
            return
        cv2: Any = _cv2()
        capture = self._open(cv2)
        self._newest.clear()
        self._stop_event.clear()
        self._thread = threading.Thread(
            target=self._grab, args=(cv2, capture), name=f"lerobot-video-{self.name}", daemon=True
        )
        self._thread.start()
        try:
            first = self._newest.wait(_OPEN_TIMEOUT_MS / 1000, consume=False, what=self._what)
        except DeviceUnavailableError:
            self.stop()
            raise
        height, width = first.shape[:2]
        if (height, width) != (self.height, self.width):
            self.stop()
            raise DeviceUnavailableError(
                f"{self._what} delivers {width}x{height}, not the {self.width}x{self.height} "
                f"asked for; pass width={width}, height={height}, or a size the camera lists "
                f"(`v4l2-ctl --list-formats-ext`)."
            )

    def read(self, timeout_seconds: float = 1.0) -> Frames:
        """The newest frame, waiting for one newer than the last read.

        Args:
            timeout_seconds: Longest wait for a new frame, in seconds (> 0).

        Returns:
            ``{"color": (H, W, 3) uint8 RGB}``.

        Raises:
            ConfigError: ``timeout_seconds`` is not > 0.
            DeviceUnavailableError: Not started, or the camera sent nothing new in time.
        """
        check_positive("timeout_seconds", timeout_seconds, "seconds")
        if self._thread is None:
            raise not_started(self.name)
        return {"color": self._newest.wait(timeout_seconds, consume=True, what=self._what)}

    def stop(self) -> None:
        """Stop the grab thread, which releases the camera."""
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop_event.set()
            thread.join(timeout=_READ_TIMEOUT_MS / 1000 + 1)
            self._newest.clear()

    @property
    def _what(self) -> str:
        return f"OpenCV camera {self.index}"

    def _open(self, cv2: Any) -> Any:
        if sys.platform.startswith("linux"):
            node = _VIDEO_DEVICE_DIR / f"video{self.index}"
            if not node.exists():
                found = sorted(p.name for p in _VIDEO_DEVICE_DIR.glob("video*")) or ["none"]
                raise DeviceUnavailableError(
                    f"No camera at {str(node)!r} (OpenCV index {self.index}); video devices "
                    f"found: {', '.join(found)}. Check the cable and `ls /dev/video*`; in a "
                    f"container, pass the camera through (`--device /dev/video0`)."
                )
            backend, where = cv2.CAP_V4L2, str(node)
        else:
            backend, where = cv2.CAP_ANY, f"index {self.index}"
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, _OPEN_TIMEOUT_MS]
        params += [cv2.CAP_PROP_READ_TIMEOUT_MSEC, _READ_TIMEOUT_MS]
        capture = cv2.VideoCapture(self.index, backend, params)
        if not capture.isOpened():
            capture.release()
            raise DeviceUnavailableError(
                f"OpenCV could not open camera {self.index} ({where}); check that no other "
                f"program uses it and that you may read it (on Linux, the 'video' group). Some "
                f"cameras add a metadata-only node: try index {self.index + 1}."
            )
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_FPS, self.fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return capture

    def _grab(self, cv2: Any, capture: Any) -> None:
        last_frame_seconds = time.monotonic()
        try:
            while not self._stop_event.is_set():
                ok, bgr = capture.read()
                if ok:
                    last_frame_seconds = time.monotonic()
                    self._newest.put(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                elif time.monotonic() - last_frame_seconds > _READ_TIMEOUT_MS / 1000:
                    self._newest.fail(
                        f"{self._what} stopped sending frames (none for "
                        f"{_READ_TIMEOUT_MS / 1000:g} s); check the cable and restart it."
                    )
                    return
                else:
                    self._stop_event.wait(0.005)  # some backends fail fast; don't spin
        except cv2.error as err:
            self._newest.fail(f"{self._what} failed while grabbing: {err}.")
        finally:
            capture.release()


class _NewestFrame:
    """The newest frame from a grab thread, or the error that stopped it. Thread-safe."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._frame: npt.NDArray[np.uint8] | None = None
        self._count = 0
        self._read_count = 0
        self._error: str | None = None

    def put(self, frame: npt.NDArray[np.uint8]) -> None:
        with self._condition:
            self._frame, self._count = read_only(frame), self._count + 1
            self._condition.notify_all()

    def fail(self, message: str) -> None:
        with self._condition:
            self._error = message
            self._condition.notify_all()

    def clear(self) -> None:
        with self._condition:
            self._frame, self._count, self._read_count, self._error = None, 0, 0, None

    def wait(self, timeout_seconds: float, *, consume: bool, what: str) -> npt.NDArray[np.uint8]:
        """A frame newer than the last consumed one, waiting up to ``timeout_seconds``."""
        with self._condition:
            self._condition.wait_for(
                lambda: self._count > self._read_count or self._error is not None,
                timeout_seconds,
            )
            if self._error is not None:
                raise DeviceUnavailableError(self._error)
            if self._frame is None or self._count == self._read_count:
                raise DeviceUnavailableError(
                    f"{what} sent no new frame in {timeout_seconds:g} s; check that it is "
                    f"connected and not used by another program."
                )
            if consume:
                self._read_count = self._count
            return self._frame


def _cv2() -> ModuleType:
    return import_optional("cv2")


def opencv_statuses() -> list[SourceStatus]:
    """One entry per OpenCV camera found (indices 0-3), or one saying why none can be used.

    On Linux cameras are found from ``/dev/video*`` without opening them; elsewhere each
    index is opened with a short timeout. Never raises.
    """
    try:
        cv2: Any = _cv2()
    except DeviceUnavailableError as err:
        return [
            SourceStatus(kind="opencv", label="OpenCV camera", available=False, message=str(err))
        ]
    if not sys.platform.startswith("linux"):
        found = [_opencv_probe(cv2, index) for index in _PROBED_INDICES]
        statuses = [status for status in found if status is not None]
    else:
        statuses = []
        for index in _PROBED_INDICES:
            node = _VIDEO_DEVICE_DIR / f"video{index}"
            if node.exists():
                statuses.append(_v4l2_status(index, node))
    if statuses:
        return statuses
    where = "/dev/video0 to /dev/video3" if sys.platform.startswith("linux") else "indices 0-3"
    return [
        SourceStatus(
            kind="opencv",
            label="OpenCV camera",
            available=False,
            message=f"No camera found ({where}); plug in a USB camera, and in a container pass "
            f"it through (`--device /dev/video0`).",
        )
    ]


def _v4l2_status(index: int, node: Path) -> SourceStatus:
    try:
        # The driver's name for the camera, e.g. "HD Webcam: HD Webcam".
        card = Path(f"/sys/class/video4linux/{node.name}/name").read_text().strip()
    except OSError:
        card = ""
    label = f"OpenCV camera {index}" + (f" ({card})" if card else "")
    if not os.access(node, os.R_OK | os.W_OK):
        return SourceStatus(
            kind="opencv",
            label=label,
            available=False,
            message=f"No permission to open {node}; add your user to the 'video' group and "
            f"log in again.",
        )
    return SourceStatus(kind="opencv", label=label, available=True, device=index)


def _opencv_probe(cv2: Any, index: int) -> SourceStatus | None:
    try:
        capture = cv2.VideoCapture(
            index, cv2.CAP_ANY, [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, _PROBE_TIMEOUT_MS]
        )
        is_open = bool(capture.isOpened())
        capture.release()
    except cv2.error:
        return None
    if not is_open:
        return None
    return SourceStatus(kind="opencv", label=f"OpenCV camera {index}", available=True, device=index)
