"""Frames to an MP4 file with PyAV's FFmpeg, written atomically."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, cast

import av
import numpy as np
import numpy.typing as npt

from lerobot_video._pyav import keep_thread_scheduling, quiet_options
from lerobot_video.codecs import check_supported, codec_options, resolve_auto_codec
from lerobot_video.config import DepthEncoderConfig, EncoderConfig, RGBEncoderConfig
from lerobot_video.depth import DepthQuantization, quantize_depth, resolve_depth_unit
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
    resolved = resolve_auto_codec(config)
    if not isinstance(resolved, RGBEncoderConfig):
        raise ConfigError(f"encode_video needs an RGBEncoderConfig, got {type(config).__name__}.")
    if isinstance(frames, np.ndarray) and frames.ndim != 4:
        raise ConfigError(f"frames must have shape (N, H, W, 3), got {frames.shape}.")

    def to_video_frame(
        frame: npt.NDArray[Any], index: int, first: npt.NDArray[Any]
    ) -> av.VideoFrame:
        _check_frame(frame, index, first.shape)
        return av.VideoFrame.from_ndarray(frame, format="rgb24")

    return _encode_atomically(
        frames, Path(path), fps, resolved, encoder_threads, progress, to_video_frame
    )


def encode_depth_video(
    depth: npt.NDArray[Any] | Iterable[npt.NDArray[Any]],
    path: str | os.PathLike[str],
    *,
    fps: int,
    config: DepthEncoderConfig,
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
        config: Depth encoder and quantizer settings.
        input_unit: ``"auto"`` (by dtype), ``"m"`` or ``"mm"``.
        mark_invalid: Keep sensor "no reading" pixels as code 0 (see :mod:`lerobot_video.depth`).
        progress: Optional callback ``progress(frames_done, frames_total)``.

    Returns:
        The feature's ``info`` block: LeRobot's keys plus ``depth_unit`` (the input unit).

    Raises:
        ConfigError: Invalid fps, frames, units, or settings this FFmpeg build refuses.
        CodecUnavailableError: The encoder is not available on this machine.
        MediaError: FFmpeg failed while writing.
    """
    if not isinstance(config, DepthEncoderConfig):
        raise ConfigError(
            f"encode_depth_video needs a DepthEncoderConfig, got {type(config).__name__}."
        )
    quantization = DepthQuantization(
        depth_min=config.depth_min,
        depth_max=config.depth_max,
        shift=config.shift,
        use_log=config.use_log,
    )
    units: list[str] = []

    def to_video_frame(
        frame: npt.NDArray[Any], index: int, first: npt.NDArray[Any]
    ) -> av.VideoFrame:
        if (
            not isinstance(frame, np.ndarray)
            or frame.dtype != first.dtype
            or frame.shape != first.shape
        ):
            raise ConfigError(
                f"Depth frame {index} has shape {getattr(frame, 'shape', None)} and dtype "
                f"{getattr(frame, 'dtype', type(frame).__name__)}; frame 0 had {first.shape} "
                f"{first.dtype}. All frames must match."
            )
        if not units:
            units.append(resolve_depth_unit(frame, input_unit))
        codes = quantize_depth(
            frame, quantization, input_unit=input_unit, mark_invalid=mark_invalid
        )
        if codes.ndim != 2:
            raise ConfigError(
                f"Depth frame {index} must be (H, W) or (H, W, 1), got {frame.shape}."
            )
        return av.VideoFrame.from_ndarray(codes, format="gray12le")

    info = _encode_atomically(depth, Path(path), fps, config, None, progress, to_video_frame)
    info["depth_unit"] = units[0]
    return info


class _DecodeTimestamps:
    """Replaces decode timestamps an encoder got wrong, keeping them increasing and <= pts.

    libx265 returns garbage dts (e.g. -274877907008) for clips of one or two frames, and the
    MP4 muxer then fails ("Not yet implemented") or writes a broken index. No encoder reorders
    frames by more than 16 here, so a dts further than that from its pts is wrong.
    """

    MAX_REORDER_FRAMES = 16

    def __init__(self) -> None:
        self.last: int | None = None

    def repair(self, packets: list[av.Packet[Any]]) -> list[av.Packet[Any]]:
        for packet in packets:
            pts, dts = packet.pts, packet.dts
            if pts is not None and (
                dts is None or dts > pts or pts - dts > self.MAX_REORDER_FRAMES
            ):
                packet.dts = pts if self.last is None else min(pts, self.last + 1)
            if packet.dts is not None:
                self.last = packet.dts
        return packets


def _encode_atomically(
    frames: Iterable[npt.NDArray[Any]],
    path: Path,
    fps: int,
    config: EncoderConfig,
    encoder_threads: int | None,
    progress: ProgressCallback | None,
    to_video_frame: Callable[[npt.NDArray[Any], int, npt.NDArray[Any]], av.VideoFrame],
) -> dict[str, Any]:
    """Validate, encode into a temporary file, probe it, then move it over ``path``."""
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ConfigError(f"fps must be an integer >= 1, got {fps!r}.")
    check_supported(config, encoder_threads=encoder_threads)
    total = len(frames) if isinstance(frames, np.ndarray) else 0
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
        options = quiet_options(
            config.encoder, codec_options(config, encoder_threads=encoder_threads)
        )
        _write_mp4(
            itertools.chain([first], frame_iter),
            first,
            temp_path,
            fps,
            config,
            options,
            total,
            progress,
            to_video_frame,
        )
        info = feature_info(probe_video(temp_path), config)
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)
    return info


def _write_mp4(
    frames: Iterable[npt.NDArray[Any]],
    first: npt.NDArray[Any],
    path: Path,
    fps: int,
    config: EncoderConfig,
    options: dict[str, str],
    total: int,
    progress: ProgressCallback | None,
    to_video_frame: Callable[[npt.NDArray[Any], int, npt.NDArray[Any]], av.VideoFrame],
) -> None:
    """Encode frames into ``path`` with pts 0, 1, 2… in a 1/fps time base."""
    dts = _DecodeTimestamps()
    try:
        with (
            keep_thread_scheduling(),
            av.open(str(path), mode="w", format="mp4", options={"movflags": "faststart"}) as out,
        ):
            stream: av.VideoStream | None = None
            for index, frame in enumerate(frames):
                video_frame = to_video_frame(frame, index, first)
                if stream is None:
                    _check_geometry(config, video_frame.height, video_frame.width)
                    stream = cast(
                        "av.VideoStream", out.add_stream(config.encoder, rate=fps, options=options)
                    )
                    stream.width, stream.height = video_frame.width, video_frame.height
                    stream.pix_fmt = config.pix_fmt
                    stream.time_base = Fraction(1, fps)
                video_frame.pts = index
                out.mux(dts.repair(stream.encode(video_frame)))
                if progress is not None:
                    progress(index + 1, total)
            if stream is not None:
                out.mux(dts.repair(stream.encode(None)))
    except av.FFmpegError as err:
        raise MediaError(f"FFmpeg failed while encoding {str(path)!r}: {err}.", path=path) from err
