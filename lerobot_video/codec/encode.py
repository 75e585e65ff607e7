"""Whole clips to MP4 files the way LeRobot stores cameras: RGB and 12-bit depth, atomically.

Each entry point checks its encoder config once (through an
:class:`~lerobot_video.codec.support.EncoderPlan`) and each frame once, then hands trusted
frames to :class:`~lerobot_video.codec.mp4_writer.Mp4Writer`.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from lerobot_video.codec.file_modes import new_file_mode
from lerobot_video.codec.frames import (
    DepthVideoFrames,
    FrameAdapter,
    FrameCheck,
    check_depth_frame,
    check_rgb_frame,
    rgb_video_frame,
)
from lerobot_video.codec.mp4_writer import Mp4Writer, check_frame_size
from lerobot_video.codec.probe import feature_info, probe_video
from lerobot_video.codec.support import EncoderPlan, plan_encoder
from lerobot_video.config import DepthEncoderConfig, RGBEncoderConfig
from lerobot_video.errors import ConfigError, MediaError, path_argument

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)``; ``total`` is 0 when unknown (an iterator of frames)."""

RGBFrames = npt.NDArray[np.uint8] | Iterable[npt.NDArray[np.uint8]]
"""RGB frames: one array (N, H, W, 3) uint8, or an iterable of (H, W, 3) uint8 arrays."""


def _plan_for(
    config: RGBEncoderConfig | DepthEncoderConfig | EncoderPlan,
    kind: type[RGBEncoderConfig | DepthEncoderConfig],
    encoder_threads: int | None,
    caller: str,
) -> EncoderPlan:
    """The plan to encode with: ``config`` itself when it is one, else checked now."""
    if isinstance(config, EncoderPlan):
        if encoder_threads is not None:
            raise ConfigError(
                f"encoder_threads={encoder_threads!r} cannot change a plan; pass it to "
                f"plan_encoder instead."
            )
        given = type(config.config)
    else:
        given = type(config)
    if not issubclass(given, kind):
        article = "an" if kind is RGBEncoderConfig else "a"
        raise ConfigError(
            f"{caller} needs {article} {kind.__name__}, got {given.__name__} as config "
            f"({config!r:.80}); pass {article} {kind.__name__} or its EncoderPlan."
        )
    if isinstance(config, EncoderPlan):
        return config
    return plan_encoder(config, encoder_threads=encoder_threads)


def encode_video(
    frames: RGBFrames,
    path: str | os.PathLike[str],
    *,
    fps: int,
    config: RGBEncoderConfig | EncoderPlan,
    encoder_threads: int | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Encode RGB frames to an MP4 file the way LeRobot stores camera streams.

    Frame ``i`` gets pts ``i`` in a ``1/fps`` time base, so its timestamp is ``i / fps``
    seconds; the file is written with ``movflags=faststart`` (index first, so browsers and
    the Hub can stream it). The output is written to a temporary file beside ``path`` and
    moved into place only once complete, so ``path`` never holds a partial video.

    Args:
        frames: RGB frames, (N, H, W, 3) uint8, or an iterable of (H, W, 3) uint8 arrays.
        path: Output file; its folder must exist. An existing file is replaced.
        fps: Frames per second, an integer >= 1.
        config: Encoder settings (``vcodec="auto"`` is resolved and the settings are checked
            against this FFmpeg build), or an :class:`EncoderPlan` from
            :func:`~lerobot_video.plan_encoder`, used as checked.
        encoder_threads: Encoder threads, or None for the encoder's default; a plan carries
            its own.
        progress: Optional callback ``progress(frames_done, frames_total)``.

    Returns:
        The ``info`` block of the video feature, with LeRobot's keys: stream-derived keys
        probed from the written file, encoder-derived keys from the config.

    Raises:
        ConfigError: Invalid fps, frames, path or config; a frame size outside the
            encoder's limits (see ``FRAME_SIZE_LIMITS``); settings this FFmpeg build refuses.
        CodecUnavailableError: The encoder is not available on this machine.
        MediaError: ``path`` is a folder or its folder is missing; FFmpeg failed while
            writing. Nothing is written before every argument has been checked.
    """
    out = output_path(path)
    plan = _plan_for(config, RGBEncoderConfig, encoder_threads, "encode_video")
    if isinstance(frames, np.ndarray) and frames.ndim != 4:
        raise ConfigError(f"frames must have shape (N, H, W, 3), got {frames.shape}.")
    return _encode_atomically(frames, out, fps, plan, progress, check_rgb_frame, rgb_video_frame)


def encode_depth_video(
    depth: npt.NDArray[Any] | Iterable[npt.NDArray[Any]],
    path: str | os.PathLike[str],
    *,
    fps: int,
    config: DepthEncoderConfig | EncoderPlan,
    input_unit: Literal["auto", "m", "mm"] = "auto",
    mark_invalid: bool = False,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Quantize depth frames to 12-bit codes and encode them, the way LeRobot stores depth.

    Each frame goes through :func:`lerobot_video.quantize_depth` with the config's
    ``depth_min``/``depth_max``/``shift``/``use_log``, then into a grey 12-bit frame
    (``gray12le``: one code per 16-bit little-endian word). With the default config
    (libx265, ``x265-params=lossless=1``) the decoded codes equal the written codes bit for
    bit. Written atomically, like :func:`encode_video`.

    Args:
        depth: Depth frames, (N, H, W) or (N, H, W, 1), or an iterable of (H, W) frames;
            integers are millimetres and floats metres unless ``input_unit`` says otherwise.
            Every frame must have the first frame's shape and dtype.
        path: Output file; its folder must exist.
        fps: Frames per second, an integer >= 1.
        config: Depth encoder and quantizer settings (checked against this FFmpeg build),
            or an :class:`EncoderPlan` of a depth config, used as checked.
        input_unit: ``"auto"`` (by dtype), ``"m"`` or ``"mm"``.
        mark_invalid: Keep sensor "no reading" pixels as code 0 (see :mod:`lerobot_video.depth`).
        progress: Optional callback ``progress(frames_done, frames_total)``.

    Returns:
        The feature's ``info`` block: LeRobot's keys plus ``depth_unit`` (the input unit).

    Raises:
        ConfigError: Invalid fps, frames, units, path or config; a frame size outside the
            encoder's limits; a pixel format other than gray12le; settings this FFmpeg
            build refuses.
        CodecUnavailableError: The encoder is not available on this machine.
        MediaError: ``path`` is a folder or its folder is missing; FFmpeg failed while
            writing.
    """
    out = output_path(path)
    plan = _plan_for(config, DepthEncoderConfig, None, "encode_depth_video")
    assert isinstance(plan.config, DepthEncoderConfig)
    to_video_frame = DepthVideoFrames(plan.config, input_unit=input_unit, mark_invalid=mark_invalid)
    info = _encode_atomically(depth, out, fps, plan, progress, check_depth_frame, to_video_frame)
    info["depth_unit"] = to_video_frame.unit
    return info


def _encode_atomically(
    frames: Iterable[npt.NDArray[Any]],
    path: Path,
    fps: int,
    plan: EncoderPlan,
    progress: ProgressCallback | None,
    check: FrameCheck,
    to_video_frame: FrameAdapter,
) -> dict[str, Any]:
    """Encode into a temporary file, probe it, then move it over ``path``.

    Frames of an array share its shape and dtype, so only the first is checked; frames of
    an iterable are each checked against the first.
    """
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ConfigError(f"fps must be an integer >= 1, got {fps!r}.")
    if isinstance(frames, str | bytes) or not isinstance(frames, Iterable):
        raise ConfigError(
            f"frames must be an array or an iterable of numpy frames, got {type(frames).__name__}."
        )
    is_array = isinstance(frames, np.ndarray)
    total = len(frames) if isinstance(frames, np.ndarray) else 0
    frame_iter = iter(frames)
    first = next(frame_iter, None)
    if first is None:
        raise ConfigError("frames is empty; a video needs at least one frame.")
    check(first, 0, first)
    check_frame_size(plan.config, first.shape[0], first.shape[1])
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".partial.mp4", dir=path.parent
    )
    os.close(handle)
    temp_path = Path(temp_name)
    rest = frame_iter if is_array else _checked(frame_iter, first, check)
    try:
        writer = Mp4Writer(temp_path, fps=fps, plan=plan)
        _write_frames(writer, itertools.chain([first], rest), total, progress, to_video_frame)
        info = feature_info(probe_video(temp_path), plan.config)
        os.chmod(temp_path, new_file_mode())  # not mkstemp's owner-only 0o600
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)
    return info


def output_path(path: object) -> Path:
    """Check an output file path before anything is written, and return it as a Path.

    Raises:
        ConfigError: ``path`` is not a non-empty string or path.
        MediaError: ``path`` is a folder, or its folder does not exist or is a file.
    """
    out = path_argument(path)
    if out.is_dir():
        raise MediaError(
            f"Output path {str(out)!r} is a folder; give a file path such as "
            f"{str(out / 'video.mp4')!r}.",
            path=out,
        )
    if not out.parent.is_dir():
        state = "is a file, not a folder" if out.parent.exists() else "does not exist"
        raise MediaError(
            f"Output folder {str(out.parent)!r} of {str(out)!r} {state}; create the folder first.",
            path=out,
        )
    return out


def _checked(
    frames: Iterator[npt.NDArray[Any]], first: npt.NDArray[Any], check: FrameCheck
) -> Iterator[npt.NDArray[Any]]:
    """Frames 1, 2… of an iterable, each checked against the first as it is drawn."""
    for index, frame in enumerate(frames, start=1):
        check(frame, index, first)
        yield frame


def _write_frames(
    writer: Mp4Writer,
    frames: Iterable[npt.NDArray[Any]],
    total: int,
    progress: ProgressCallback | None,
    to_video_frame: FrameAdapter,
) -> None:
    """Encode every frame (pts 0, 1, 2… in 1/fps) and finish the file, or abort it."""
    try:
        for index, frame in enumerate(frames):
            writer.write(to_video_frame(frame))
            if progress is not None:
                progress(index + 1, total)
    except BaseException:
        writer.abort()
        raise
    writer.close()
