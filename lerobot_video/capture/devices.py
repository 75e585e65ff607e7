"""Camera hardware as frame sources: OpenCV and RealSense cameras, and finding them.

:class:`OpenCVSource` and :class:`RealSenseSource` implement
:class:`~lerobot_video.FrameSource` for real devices, and :func:`list_sources` reports
which sources (these cameras, the bundled replay, the browser) can be used here. cv2 and
pyrealsense2 are optional and imported only when a source needing them starts or is listed.
Nothing here encodes or writes.
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

from lerobot_video.capture.realsense import _pyrealsense, _z16_to_mm, realsense_devices
from lerobot_video.capture.sources import (
    Frames,
    FrameSource,
    SourceStatus,
    StreamSpec,
    _check_pixels,
    _check_positive,
    _NewestFrame,
    _not_started,
    _read_only,
)
from lerobot_video.clips import BUNDLED_DEPTH_CLIP, BUNDLED_RGB_CLIP
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
        _check_pixels("width", width)
        _check_pixels("height", height)
        _check_positive("fps", fps, "frames per second")
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

    def read(self, timeout_s: float = 1.0) -> Frames:
        """The newest frame, waiting for one newer than the last read.

        Args:
            timeout_s: Longest wait for a new frame, in seconds (> 0).

        Returns:
            ``{"color": (H, W, 3) uint8 RGB}``.

        Raises:
            ConfigError: ``timeout_s`` is not > 0.
            DeviceUnavailableError: Not started, or the camera sent nothing new in time.
        """
        _check_positive("timeout_s", timeout_s, "seconds")
        if self._thread is None:
            raise _not_started(self.name)
        return {"color": self._newest.wait(timeout_s, consume=True, what=self._what)}

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
        last_frame_s = time.monotonic()
        try:
            while not self._stop_event.is_set():
                ok, bgr = capture.read()
                if ok:
                    last_frame_s = time.monotonic()
                    self._newest.put(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
                elif time.monotonic() - last_frame_s > _READ_TIMEOUT_MS / 1000:
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


class RealSenseSource(FrameSource):
    """An Intel RealSense camera: colour, and depth aligned to the colour image.

    Needs ``pip install pyrealsense2``. Depth (z16, in the device's depth-scale units) is
    delivered in uint16 millimetres, 0 where the camera has no reading, on the colour pixel
    grid (``rs.align`` to colour), so both streams have the colour stream's size.
    """

    def __init__(
        self,
        serial: str | None = None,
        *,
        width: int = 640,
        height: int = 480,
        fps: int = 30,
        depth: bool = True,
    ) -> None:
        """Describe the camera; nothing is opened until :meth:`start`.

        Args:
            serial: Serial number of the camera to use; None takes the first one.
            width: Colour (and aligned depth) width in pixels, a mode the camera offers.
            height: Colour (and aligned depth) height in pixels.
            fps: Frame rate, one the camera offers (6, 15, 30, 60 or 90 on D400 cameras).
            depth: Also deliver the ``depth`` stream.

        Raises:
            ConfigError: An empty serial, or a size or rate that is not a positive integer.
        """
        if serial is not None and (not isinstance(serial, str) or not serial):
            raise ConfigError(f"serial must be a non-empty string or None, got {serial!r}.")
        _check_pixels("width", width)
        _check_pixels("height", height)
        if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
            raise ConfigError(
                f"fps must be a whole number of frames per second the camera offers (e.g. 15, "
                f"30, 60), got {fps!r}."
            )
        self.serial, self.width, self.height, self.has_depth = serial, width, height, depth
        self.name = "realsense" if serial is None else f"realsense_{serial}"
        self.fps = float(fps)
        self._pipeline: Any = None
        self._align: Any = None
        self._depth_scale_m = 0.0

    def streams(self) -> tuple[StreamSpec, ...]:
        """``color`` and, unless ``depth=False``, ``depth``, both of the requested size."""
        size = {"height": self.height, "width": self.width}
        color = StreamSpec(key="color", channels=3, kind="rgb", **size)
        if not self.has_depth:
            return (color,)
        return (color, StreamSpec(key="depth", channels=1, kind="depth", **size))

    def start(self) -> None:
        """Start the camera's pipeline with the requested streams.

        Raises:
            DeviceUnavailableError: pyrealsense2 is missing, no (matching) camera is
                connected, or the camera refused the mode.
        """
        if self._pipeline is not None:
            return
        rs: Any = _pyrealsense()
        self._check_connected()
        config = rs.config()
        if self.serial is not None:
            config.enable_device(self.serial)
        fps = int(self.fps)
        config.enable_stream(rs.stream.color, self.width, self.height, rs.format.rgb8, fps)
        if self.has_depth:
            config.enable_stream(rs.stream.depth, self.width, self.height, rs.format.z16, fps)
        pipeline = rs.pipeline()
        try:
            profile = pipeline.start(config)
        except RuntimeError as err:
            raise DeviceUnavailableError(
                f"The RealSense camera refused {self._mode}: {err}; pick a mode that "
                f"`rs-enumerate-devices` lists."
            ) from err
        self._pipeline = pipeline
        if self.has_depth:
            try:
                self._depth_scale_m = profile.get_device().first_depth_sensor().get_depth_scale()
            except RuntimeError as err:
                self.stop()
                raise DeviceUnavailableError(
                    f"This RealSense camera has no depth sensor ({err}); pass depth=False."
                ) from err
            self._align = rs.align(rs.stream.color)

    def read(self, timeout_s: float = 1.0) -> Frames:
        """The newest colour frame and the depth frame captured with it.

        Args:
            timeout_s: Longest wait for a frame set, in seconds (> 0).

        Returns:
            ``{"color": (H, W, 3) uint8 RGB, "depth": (H, W, 1) uint16 mm}``.

        Raises:
            ConfigError: ``timeout_s`` is not > 0.
            DeviceUnavailableError: Not started, or no frames within ``timeout_s``.
        """
        _check_positive("timeout_s", timeout_s, "seconds")
        if self._pipeline is None:
            raise _not_started(self.name)
        # librealsense drops frame sets nobody waited for, so this is the newest one.
        ok, frameset = self._pipeline.try_wait_for_frames(max(1, round(timeout_s * 1000)))
        if not ok:
            raise DeviceUnavailableError(
                f"The RealSense camera sent no frames in {timeout_s:g} s ({self._mode}); check "
                f"that it is on a USB 3 port and still connected."
            )
        if self._align is not None:
            frameset = self._align.process(frameset)
        # Copy: librealsense reuses a frame's buffer once the frame object is released.
        color = np.array(frameset.get_color_frame().get_data(), dtype=np.uint8)
        frames: Frames = {"color": _read_only(color)}
        if self.has_depth:
            raw = np.asanyarray(frameset.get_depth_frame().get_data())
            frames["depth"] = _read_only(_z16_to_mm(raw, self._depth_scale_m)[..., None])
        return frames

    def stop(self) -> None:
        """Stop the pipeline."""
        pipeline, self._pipeline, self._align = self._pipeline, None, None
        if pipeline is not None:
            pipeline.stop()

    @property
    def _mode(self) -> str:
        streams = "colour and depth" if self.has_depth else "colour"
        return f"{streams} {self.width}x{self.height} at {self.fps:g} fps"

    def _check_connected(self) -> None:
        try:
            devices = realsense_devices()
        except RuntimeError as err:  # librealsense reports USB and driver failures this way
            raise DeviceUnavailableError(
                f"RealSense cameras could not be listed: {err}; reconnect the camera."
            ) from err
        if not devices:
            raise DeviceUnavailableError(
                "No RealSense camera is connected; plug one into a USB 3 port (check with "
                "`rs-enumerate-devices`), or record from the bundled replay instead."
            )
        if self.serial is not None and self.serial not in map(_realsense_serial, devices):
            raise DeviceUnavailableError(
                f"No RealSense camera with serial {self.serial!r}; connected: {', '.join(devices)}."
            )


def list_sources() -> list[SourceStatus]:
    """Every kind of source and whether it can be used here. Never raises.

    Cheap: OpenCV cameras 0-3 are found from ``/dev/video*`` on Linux (elsewhere by opening
    each with a short timeout), RealSense cameras by asking librealsense.

    Returns:
        The bundled replay first, then one entry per camera found (or one unavailable entry
        per camera kind, with the fix in ``message``), then the browser camera.
    """
    replay_ok = BUNDLED_RGB_CLIP.is_file() and BUNDLED_DEPTH_CLIP.is_file()
    replay = SourceStatus(
        kind="replay",
        label="Bundled ALOHA replay (RGB + depth)",
        available=replay_ok,
        message="" if replay_ok else "The bundled sample is missing; run from a checkout.",
    )
    browser = SourceStatus(kind="browser", label="Browser camera (this page)", available=True)
    return [replay, *_opencv_statuses(), *_realsense_statuses(), browser]


def _cv2() -> ModuleType:
    return import_optional("cv2")


def _opencv_statuses() -> list[SourceStatus]:
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


def _realsense_statuses() -> list[SourceStatus]:
    label = "Intel RealSense"
    try:
        devices = realsense_devices()
    except DeviceUnavailableError as err:
        return [SourceStatus(kind="realsense", label=label, available=False, message=str(err))]
    except RuntimeError as err:  # librealsense reports USB and driver failures this way
        message = f"RealSense cameras could not be listed: {err}; reconnect the camera."
        return [SourceStatus(kind="realsense", label=label, available=False, message=message)]
    if not devices:
        message = "No RealSense camera is connected; plug one into a USB 3 port."
        return [SourceStatus(kind="realsense", label=label, available=False, message=message)]
    return [
        SourceStatus(
            kind="realsense",
            label=f"{device} (RGB + depth)",
            available=True,
            device=_realsense_serial(device),
        )
        for device in devices
    ]


def _realsense_serial(device: str) -> str:
    """The serial number in a :func:`realsense_devices` entry, ``"<name> (<serial>)"``."""
    return device.rpartition(" (")[2].rstrip(")")
