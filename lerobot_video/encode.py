"""Frames to an MP4 file with PyAV's FFmpeg, written atomically."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import numpy.typing as npt

from lerobot_video._pyav import quiet_options
from lerobot_video.codecs import check_supported, codec_options, resolve_auto_codec
from lerobot_video.config import EncoderConfig, RGBEncoderConfig
from lerobot_video.errors import ConfigError, MediaError
from lerobot_video.probe import feature_info, probe_video

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)``; ``total`` is 0 when unknown (an iterator of frames)."""

RGBFrames = npt.NDArray[np.uint8] | Iterable[npt.NDArray[np.uint8]]
"""RGB frames: one array (N, H, W, 3) uint8, or an iterable of (H, W, 3) uint8 arrays."""


def _check_frame(frame: npt.NDArray[Any], index: int, shape: tuple[int, ...] | None) -> None:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        dtype = getattr(frame, "dtype", type(frame).__name__)
        raise ConfigError(f"Frame {index} must be a uint8 numpy array, got {dtype}.")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ConfigError(f"Frame {index} must have shape (H, W, 3), got {frame.shape}.")
    if shape is not None and frame.shape != shape:
        raise ConfigError(
            f"Frame {index} has shape {frame.shape} but frame 0 had {shape}; all frames of a "
            f"video must have the same size."
        )


def _check_geometry(config: EncoderConfig, height: int, width: int) -> None:
    pix_fmt = av.VideoFormat(config.pix_fmt)
    # Subsampled chroma (4:2:0, 4:2:2) needs even sizes; libx264 and SVT-AV1 refuse odd ones.
    if (width % 2 and pix_fmt.chroma_width(width) != width) or (
        height % 2 and pix_fmt.chroma_height(height) != height
    ):
        raise ConfigError(
            f"Frame size {width}x{height} is odd but pix_fmt {config.pix_fmt!r} subsamples "
            f"chroma; crop or pad the frames to an even width and height."
        )


def encode_video(
    frames: RGBFrames,
    path: str | os.PathLike[str],
    *,
    fps: int,
    config: RGBEncoderConfig,
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
        config: Encoder settings; ``vcodec="auto"`` is resolved by opening encoders.
        encoder_threads: Encoder threads, or None for the encoder's default.
        progress: Optional callback ``progress(frames_done, frames_total)``.

    Returns:
        The ``info`` block of the video feature, with LeRobot's keys: stream-derived keys
        probed from the written file, encoder-derived keys from ``config``.

    Raises:
        ConfigError: Invalid fps, frames, or settings this FFmpeg build refuses.
        CodecUnavailableError: The encoder is not available on this machine.
        MediaError: FFmpeg failed while writing.
    """
    path = Path(path)
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ConfigError(f"fps must be an integer >= 1, got {fps!r}.")
    resolved = resolve_auto_codec(config)
    if not isinstance(resolved, RGBEncoderConfig):
        raise ConfigError(f"encode_video needs an RGBEncoderConfig, got {type(config).__name__}.")
    config = resolved
    check_supported(config, encoder_threads=encoder_threads)
    total = len(frames) if isinstance(frames, np.ndarray) else 0
    if isinstance(frames, np.ndarray) and frames.ndim != 4:
        raise ConfigError(f"frames must have shape (N, H, W, 3), got {frames.shape}.")
    frame_iter = iter(frames)
    first = next(frame_iter, None)
    if first is None:
        raise ConfigError("frames is empty; a video needs at least one frame.")
    if not path.parent.is_dir():
        raise MediaError(f"Output folder {str(path.parent)!r} does not exist.", path=path)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".partial.mp4", dir=path.parent
    )
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        _write_mp4(
            itertools.chain([first], frame_iter),
            temp_path,
            fps,
            config,
            encoder_threads,
            total,
            progress,
        )
        info = feature_info(probe_video(temp_path), config)
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)
    return info


def _write_mp4(
    frames: RGBFrames,
    path: Path,
    fps: int,
    config: RGBEncoderConfig,
    encoder_threads: int | None,
    total: int,
    progress: ProgressCallback | None,
) -> int:
    """Encode frames into ``path``; return how many were written."""
    options = quiet_options(config.encoder, codec_options(config, encoder_threads=encoder_threads))
    count = 0
    try:
        with av.open(str(path), mode="w", format="mp4", options={"movflags": "faststart"}) as out:
            stream: av.VideoStream | None = None
            for frame in frames:
                _check_frame(
                    frame, count, None if stream is None else (stream.height, stream.width, 3)
                )
                if stream is None:
                    _check_geometry(config, frame.shape[0], frame.shape[1])
                    stream = cast(
                        "av.VideoStream", out.add_stream(config.encoder, rate=fps, options=options)
                    )
                    stream.width, stream.height = frame.shape[1], frame.shape[0]
                    stream.pix_fmt = config.pix_fmt
                    stream.time_base = Fraction(1, fps)
                video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
                video_frame.pts = count
                out.mux(stream.encode(video_frame))
                count += 1
                if progress is not None:
                    progress(count, total)
            if stream is not None:
                out.mux(stream.encode(None))
    except av.FFmpegError as err:
        raise MediaError(f"FFmpeg failed while encoding {str(path)!r}: {err}.", path=path) from err
    return count
