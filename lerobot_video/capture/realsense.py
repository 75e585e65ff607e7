"""Intel RealSense depth capture through pyrealsense2, with clear answers when absent.

pyrealsense2 is an optional dependency (no wheel for every platform); this module imports it
only when a capture is asked for. The z16 -> millimetre conversion here is shared with
:class:`~lerobot_video.capture.devices.RealSenseSource`.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

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


def _z16_to_mm(raw: npt.NDArray[Any], scale_m: float) -> npt.NDArray[np.uint16]:
    """RealSense z16 depth (units of ``scale_m`` metres) as uint16 mm, a new array."""
    if math.isclose(scale_m * MM_PER_M, 1.0, rel_tol=1e-6):  # most models: 1 unit = 1 mm
        return np.array(raw, dtype=np.uint16)
    mm = np.rint(raw.astype(np.float64) * (scale_m * MM_PER_M))
    return np.clip(mm, 0, _UINT16_MAX).astype(np.uint16)
