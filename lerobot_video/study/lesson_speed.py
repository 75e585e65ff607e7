"""The speed lesson: how fast this machine encodes at each preset, and what that allows live.

A preset trades encode speed for compression. Recording encodes every camera in real time,
so the question a preset answers is "can this machine keep up with N cameras at F fps?".
The speeds are measured here, on the clip given, never quoted: encoders run several times
faster or slower on machines that look alike.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lerobot_video.codec.encode import encode_video
from lerobot_video.config import RGBEncoderConfig
from lerobot_video.errors import ConfigError
from lerobot_video.study.compare import output_folder

LIVE_HEADROOM = 1.25
"""Measured encode speed needed per frame recorded live: capture, colour conversion, muxing
and the rest of the machine share the cores with the encoders, and a recording that only
just keeps up drops frames at the first hiccup, so a quarter is kept in reserve."""


@dataclass(frozen=True, kw_only=True, slots=True)
class SpeedMeasurement:
    """How fast one config encoded the clip.

    Attributes:
        label: The config in words (``"libsvtav1 preset 12"``).
        config: The encoder settings.
        encode_fps: Frames encoded per second of wall time (opening the encoder included,
            after an untimed warm-up encode).
        size_bytes: Size of the MP4 it wrote, in bytes.
    """

    label: str
    config: RGBEncoderConfig
    encode_fps: float
    size_bytes: int


def preset_label(config: RGBEncoderConfig) -> str:
    """A config's encoder and preset in words: ``"libsvtav1 preset 12"``, ``"h264 medium"``."""
    preset = config.effective_preset
    if preset is None:
        return f"{config.vcodec} default preset"
    return (
        f"{config.vcodec} preset {preset}"
        if isinstance(preset, int)
        else f"{config.vcodec} {preset}"
    )


def measure_encode_speeds(
    frames: npt.NDArray[np.uint8],
    configs: Sequence[RGBEncoderConfig],
    *,
    fps: int,
    output_dir: str | os.PathLike[str],
) -> Generator[SpeedMeasurement, None, None]:
    """Encode ``frames`` with each config in turn and yield its speed as soon as it is known.

    A generator, so a caller can show each result at once and stop early (closing it stops
    before the next encode). Each MP4 is deleted once measured, so the folder stays small.

    Args:
        frames: RGB frames, (N, H, W, 3) uint8.
        configs: 1 to 12 encoder configs, measured in order.
        fps: Frames per second, >= 1.
        output_dir: Folder for the temporary MP4s; made if missing.

    Yields:
        One measurement per config, in order.

    Raises:
        ConfigError: No configs, more than 12, or a config or frames the encoder refuses.
        CodecUnavailableError: An encoder is not available here.
        MediaError: Encoding failed.
    """
    if not 1 <= len(configs) <= 12:
        raise ConfigError(f"Measure 1 to 12 configs, got {len(configs)}.")
    folder = output_folder(output_dir)
    for index, config in enumerate(configs):
        path = folder / f"speed-{index}.mp4"
        # Untimed warm-up: the first encoder of a kind loads its tables and starts its
        # threads, a one-off cost a recording pays once, not per frame.
        encode_video(frames[:2], path, fps=fps, config=config)
        start = time.perf_counter()
        encode_video(frames, path, fps=fps, config=config)
        elapsed = time.perf_counter() - start
        size = path.stat().st_size
        path.unlink()
        yield SpeedMeasurement(
            label=preset_label(config),
            config=config,
            encode_fps=len(frames) / elapsed,
            size_bytes=size,
        )


@dataclass(frozen=True, kw_only=True, slots=True)
class LiveVerdict:
    """Whether a measured encode speed can record ``cameras`` streams at ``fps`` live.

    Attributes:
        cameras: Camera streams recorded at once, >= 1.
        fps: Frames per second of each stream.
        needed_fps: Encode speed needed: ``cameras * fps * LIVE_HEADROOM``, frames/s.
        measured_fps: The speed measured on this machine for one stream using every core.
        can_record: Whether ``measured_fps >= needed_fps``.
    """

    cameras: int
    fps: float
    needed_fps: float
    measured_fps: float
    can_record: bool

    @property
    def margin(self) -> float:
        """``measured_fps / (cameras * fps)``: above 1 keeps up, below 1 falls behind."""
        return self.measured_fps / (self.cameras * self.fps)


def live_capacity(encode_fps: float, *, cameras: int, fps: float) -> LiveVerdict:
    """Judge whether ``cameras`` streams at ``fps`` can be encoded live at ``encode_fps``.

    Streams recorded together share the cores the measurement used alone, so together
    they encode about ``encode_fps`` frames per second in all; :data:`LIVE_HEADROOM` is
    kept in reserve.

    Args:
        encode_fps: Measured encode speed of one stream, frames/s, > 0.
        cameras: Streams recorded at once, 1..64.
        fps: Frame rate of each stream, in (0, 1000].

    Returns:
        The verdict with the figures behind it.

    Raises:
        ConfigError: A value outside its range.
    """
    if isinstance(cameras, bool) or not isinstance(cameras, int) or not 1 <= cameras <= 64:
        raise ConfigError(f"cameras must be an integer in [1, 64], got {cameras!r}.")
    for name, value, top in (("fps", fps, 1000.0), ("encode_fps", encode_fps, float("inf"))):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= top:
            raise ConfigError(f"{name} must be a number in (0, {top:g}], got {value!r}.")
    needed = cameras * float(fps) * LIVE_HEADROOM
    return LiveVerdict(
        cameras=cameras,
        fps=float(fps),
        needed_fps=needed,
        measured_fps=float(encode_fps),
        can_record=encode_fps >= needed,
    )
