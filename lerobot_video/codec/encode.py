"""Frames to an MP4 file with PyAV's FFmpeg, written atomically."""

from __future__ import annotations

import itertools
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, cast

import av
import numpy as np
import numpy.typing as npt

from lerobot_video.codec._pyav import keep_thread_scheduling, quiet_options
from lerobot_video.codec.probe import feature_info, probe_video
from lerobot_video.codec.support import check_supported, codec_options, resolve_auto_codec
from lerobot_video.config import DepthEncoderConfig, EncoderConfig, RGBEncoderConfig
from lerobot_video.depth import (
    DepthUnit,
    quantize_depth,
    resolve_depth_unit,
)
from lerobot_video.errors import ConfigError, MediaError

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)``; ``total`` is 0 when unknown (an iterator of frames)."""

logger = logging.getLogger(__name__)

FrameAdapter = Callable[[npt.NDArray[Any], int, npt.NDArray[Any]], av.VideoFrame]
"""Checks frame ``index`` against the first frame and wraps it for the encoder."""

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

    return _encode_atomically(
        frames, Path(path), fps, resolved, encoder_threads, progress, rgb_video_frame
    )


def rgb_video_frame(frame: npt.NDArray[Any], index: int, first: npt.NDArray[Any]) -> av.VideoFrame:
    """Check RGB frame ``index`` against the first one and wrap it for the encoder.

    Raises:
        ConfigError: Not (H, W, 3) uint8, or a size other than the first frame's.
    """
    _check_frame(frame, index, first.shape)
    return av.VideoFrame.from_ndarray(frame, format="rgb24")


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
    to_video_frame = DepthVideoFrames(config, input_unit=input_unit, mark_invalid=mark_invalid)
    info = _encode_atomically(depth, Path(path), fps, config, None, progress, to_video_frame)
    info["depth_unit"] = to_video_frame.unit
    return info


class DepthVideoFrames:
    """Quantizes depth frames to 12-bit codes and wraps them as ``gray12le`` encoder frames.

    Args:
        config: The depth mapping (``depth_min``, ``depth_max``, ``shift``, ``use_log``).
        input_unit: ``"auto"`` (mm for integers, m for floats), ``"m"`` or ``"mm"``.
        mark_invalid: Keep "no reading" pixels as code 0.
    """

    def __init__(
        self,
        config: DepthEncoderConfig,
        *,
        input_unit: Literal["auto", "m", "mm"] = "auto",
        mark_invalid: bool = False,
    ) -> None:
        self._quantization = config.quantization
        self._input_unit: Literal["auto", "m", "mm"] = input_unit
        self._mark_invalid = mark_invalid
        self.unit: DepthUnit = "mm"
        """The unit of the frames seen, fixed by the first one."""

    def __call__(
        self, frame: npt.NDArray[Any], index: int, first: npt.NDArray[Any]
    ) -> av.VideoFrame:
        """Quantize depth frame ``index`` (checked against the first) into an encoder frame.

        Raises:
            ConfigError: Shape or dtype differ from the first frame's, or not (H, W[, 1]).
        """
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
        if index == 0:
            self.unit = resolve_depth_unit(frame, self._input_unit)
        codes = quantize_depth(
            frame, self._quantization, input_unit=self._input_unit, mark_invalid=self._mark_invalid
        )
        if codes.ndim != 2:
            raise ConfigError(
                f"Depth frame {index} must be (H, W) or (H, W, 1), got {frame.shape}."
            )
        return av.VideoFrame.from_ndarray(codes, format="gray12le")


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
        _write_mp4(
            itertools.chain([first], frame_iter),
            first,
            temp_path,
            fps,
            config,
            encoder_threads,
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
    encoder_threads: int | None,
    total: int,
    progress: ProgressCallback | None,
    to_video_frame: Callable[[npt.NDArray[Any], int, npt.NDArray[Any]], av.VideoFrame],
) -> None:
    """Encode frames into ``path`` with pts 0, 1, 2… in a 1/fps time base."""
    writer = Mp4Writer(path, fps=fps, config=config, encoder_threads=encoder_threads)
    try:
        for index, frame in enumerate(frames):
            writer.write(to_video_frame(frame, index, first))
            if progress is not None:
                progress(index + 1, total)
    except BaseException:
        writer.abort()
        raise
    writer.close()


class Mp4Writer:
    """Encodes frames one at a time into an MP4: frame ``i`` gets pts ``i`` in 1/fps.

    The encoder opens on the first frame (its size fixes the stream's). Used for whole
    clips and by the streaming encoder, so both write the same bitstream.

    Args:
        path: The file to write (the caller handles atomic placement).
        fps: Frames per second, an integer >= 1.
        config: Encoder settings, already resolved and checked.
        encoder_threads: Encoder threads, or None for the encoder's default.

    Raises:
        MediaError: The file cannot be created.
    """

    def __init__(
        self, path: Path, *, fps: int, config: EncoderConfig, encoder_threads: int | None = None
    ) -> None:
        self._path, self._fps, self._config = path, fps, config
        self._options = quiet_options(
            config.encoder, codec_options(config, encoder_threads=encoder_threads)
        )
        self._dts = _DecodeTimestamps()
        self._stream: av.VideoStream | None = None
        self.frames = 0
        """Frames written so far."""
        try:
            self._out = av.open(
                str(path), mode="w", format="mp4", options={"movflags": "faststart"}
            )
        except (av.FFmpegError, OSError) as err:
            raise MediaError(f"Cannot create {str(path)!r}: {err}.", path=path) from err

    def open(self, width: int, height: int) -> None:
        """Open the encoder for frames of this size (else the first frame opens it).

        Opening takes tens of milliseconds (SVT-AV1 starts its threads); doing it before
        the first frame keeps that out of a recording's first frame.

        Raises:
            ConfigError: The size does not suit the pixel format.
            MediaError: FFmpeg failed to open the encoder.
        """
        if self._stream is not None:
            return
        _check_geometry(self._config, height, width)
        try:
            stream = cast(
                "av.VideoStream",
                self._out.add_stream(self._config.encoder, rate=self._fps, options=self._options),
            )
            stream.width, stream.height = width, height
            stream.pix_fmt = self._config.pix_fmt
            stream.time_base = Fraction(1, self._fps)
            self._stream = stream
            with keep_thread_scheduling():
                self._out.start_encoding()
        except av.FFmpegError as err:
            raise MediaError(
                f"FFmpeg could not open {self._config.encoder} for {str(self._path)!r}: {err}.",
                path=self._path,
            ) from err

    def write(self, frame: av.VideoFrame) -> None:
        """Encode one frame and mux what the encoder hands back.

        Raises:
            ConfigError: The first frame's size does not suit the pixel format.
            MediaError: FFmpeg failed, or the frame's size differs from the stream's.
        """
        self.open(frame.width, frame.height)
        assert self._stream is not None
        if (frame.width, frame.height) != (self._stream.width, self._stream.height):
            raise MediaError(
                f"Frame of {frame.width}x{frame.height} for a {self._stream.width}x"
                f"{self._stream.height} stream in {str(self._path)!r}.",
                path=self._path,
            )
        try:
            frame.pts = self.frames
            self._out.mux(self._dts.repair(self._stream.encode(frame)))
        except av.FFmpegError as err:
            raise MediaError(
                f"FFmpeg failed while encoding {str(self._path)!r}: {err}.", path=self._path
            ) from err
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and finish the file.

        Raises:
            MediaError: FFmpeg failed.
        """
        try:
            if self._stream is not None:
                self._out.mux(self._dts.repair(self._stream.encode(None)))
            self._out.close()
        except av.FFmpegError as err:
            raise MediaError(
                f"FFmpeg failed while finishing {str(self._path)!r}: {err}.", path=self._path
            ) from err

    def abort(self) -> None:
        """Close without flushing; the file is left incomplete (the caller deletes it)."""
        try:
            self._out.close()
        except (av.FFmpegError, OSError) as err:
            logger.debug("closing an aborted video %s: %s", self._path, err)
