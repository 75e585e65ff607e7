"""Intel RealSense cameras through pyrealsense2: the frame source, depth capture, listing.

pyrealsense2 is optional (no wheel for every platform); this is the only module that loads
it, through :func:`~lerobot_video.optional.import_optional`, when a camera starts, records
or is listed. Depth (z16) is converted to uint16 millimetres in one place. Nothing here
encodes or writes.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from lerobot_video.capture.source import (
    Frames,
    FrameSource,
    SourceStatus,
    StreamSpec,
    check_flag,
    check_pixels,
    check_positive,
    not_started,
    read_only,
)
from lerobot_video.clips import DepthClip
from lerobot_video.depth import MM_PER_M
from lerobot_video.errors import ConfigError, DeviceUnavailableError
from lerobot_video.optional import import_optional

_UINT16_MAX = int(np.iinfo(np.uint16).max)


def _pyrealsense() -> ModuleType:
    return import_optional("pyrealsense2")


def realsense_devices() -> list[str]:
    """Name and serial number of each connected RealSense camera.

    Returns:
        One ``"<name> (<serial>)"`` per device; empty when none is connected.

    Raises:
        DeviceUnavailableError: pyrealsense2 is not installed or cannot load.
    """
    rs: Any = _pyrealsense()
    devices = rs.context().query_devices()
    return [
        f"{d.get_info(rs.camera_info.name)} ({d.get_info(rs.camera_info.serial_number)})"
        for d in devices
    ]


def capture_realsense_depth(
    num_frames: int, *, width: int = 640, height: int = 480, fps: int = 30
) -> DepthClip:
    """Record depth frames from the first connected RealSense camera.

    Args:
        num_frames: Frames to record, 1..900.
        width: Depth stream width in pixels (a mode the camera offers, e.g. 640).
        height: Depth stream height in pixels (e.g. 480).
        fps: Frame rate the camera runs at (e.g. 30).

    Returns:
        The frames as uint16 millimetres (0 where the camera has no reading).

    Raises:
        ConfigError: ``num_frames`` out of range.
        DeviceUnavailableError: pyrealsense2 is missing, or no camera is connected, or the
            camera refused the mode.
    """
    if not 1 <= num_frames <= 900:
        raise ConfigError(f"num_frames must be in [1, 900], got {num_frames!r}.")
    rs: Any = _pyrealsense()
    if not realsense_devices():
        raise DeviceUnavailableError(
            "No RealSense camera is connected; plug one in, or load a recorded depth clip "
            "(.npy, .npz or 16-bit PNG frames)."
        )
    pipeline = rs.pipeline()
    config = rs.config()
    config.enable_stream(rs.stream.depth, width, height, rs.format.z16, fps)
    try:
        profile = pipeline.start(config)
    except RuntimeError as err:
        raise DeviceUnavailableError(
            f"The RealSense camera refused depth {width}x{height} at {fps} fps: {err}."
        ) from err
    try:
        scale_m = profile.get_device().first_depth_sensor().get_depth_scale()
        frames = []
        for _ in range(num_frames):
            depth = pipeline.wait_for_frames().get_depth_frame()
            frames.append(_z16_to_mm(np.asanyarray(depth.get_data()), scale_m))
    finally:
        pipeline.stop()
    return DepthClip(name="realsense", depth=np.stack(frames), unit="mm", fps=fps)


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
            ConfigError: An empty serial, a size or rate that is not a positive integer, or
                a ``depth`` that is not a bool.
        """
        if serial is not None and (not isinstance(serial, str) or not serial):
            raise ConfigError(f"serial must be a non-empty string or None, got {serial!r}.")
        check_pixels("width", width)
        check_pixels("height", height)
        if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
            raise ConfigError(
                f"fps must be a whole number of frames per second the camera offers (e.g. 15, "
                f"30, 60), got {fps!r}."
            )
        check_flag("depth", depth)
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

    def read(self, timeout_seconds: float = 1.0) -> Frames:
        """The newest colour frame and the depth frame captured with it.

        Args:
            timeout_seconds: Longest wait for a frame set, in seconds (> 0).

        Returns:
            ``{"color": (H, W, 3) uint8 RGB, "depth": (H, W, 1) uint16 mm}``.

        Raises:
            ConfigError: ``timeout_seconds`` is not > 0.
            DeviceUnavailableError: Not started, or no frames within ``timeout_seconds``.
        """
        check_positive("timeout_seconds", timeout_seconds, "seconds")
        if self._pipeline is None:
            raise not_started(self.name)
        # librealsense drops frame sets nobody waited for, so this is the newest one.
        ok, frameset = self._pipeline.try_wait_for_frames(max(1, round(timeout_seconds * 1000)))
        if not ok:
            raise DeviceUnavailableError(
                f"The RealSense camera sent no frames in {timeout_seconds:g} s ({self._mode}); "
                f"check that it is on a USB 3 port and still connected."
            )
        if self._align is not None:
            frameset = self._align.process(frameset)
        # Copy: librealsense reuses a frame's buffer once the frame object is released.
        color = np.array(frameset.get_color_frame().get_data(), dtype=np.uint8)
        frames: Frames = {"color": read_only(color)}
        if self.has_depth:
            raw = np.asanyarray(frameset.get_depth_frame().get_data())
            frames["depth"] = read_only(_z16_to_mm(raw, self._depth_scale_m)[..., None])
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


def _z16_to_mm(raw: npt.NDArray[Any], scale_m: float) -> npt.NDArray[np.uint16]:
    """RealSense z16 depth (units of ``scale_m`` metres) as uint16 mm, a new array."""
    if math.isclose(scale_m * MM_PER_M, 1.0, rel_tol=1e-6):  # most models: 1 unit = 1 mm
        return np.array(raw, dtype=np.uint16)
    mm = np.rint(raw.astype(np.float64) * (scale_m * MM_PER_M))
    return np.clip(mm, 0, _UINT16_MAX).astype(np.uint16)


def realsense_statuses() -> list[SourceStatus]:
    """One entry per connected RealSense camera, or one saying why none can be used.

    Never raises.
    """
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
