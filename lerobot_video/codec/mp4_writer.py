"""One MP4 file written frame by frame from a checked encoder plan, with sane decode times.

Used for whole clips and by the streaming encoder, so both write the same bitstream. It
trusts its :class:`~lerobot_video.codec.support.EncoderPlan` and checks nothing again.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av

from lerobot_video.codec._pyav import keep_thread_scheduling
from lerobot_video.codec.support import EncoderPlan
from lerobot_video.config import EncoderConfig
from lerobot_video.errors import ConfigError, MediaError

logger = logging.getLogger(__name__)


FRAME_SIZE_LIMITS: dict[str, tuple[int, int]] = {
    "h264": (1, 16384),
    "hevc": (16, 4096),
    "libsvtav1": (4, 16384),
    "ffv1": (1, 16384),
}
"""Smallest and largest width and height (pixels) each encoder opens with, measured on this
PyAV build (libx265 refuses below 16 and above 4096; SVT-AV1 below 4, and it stalls, never
returning, on thin frames such as 96x16 or 16x256: :func:`check_frame_size` refuses those)."""


def check_frame_size(config: EncoderConfig, height: int, width: int) -> None:
    """Refuse a frame size the encoder or the pixel format cannot take, before any I/O.

    Raises:
        ConfigError: The size is outside the encoder's limits, or odd with subsampled chroma.
    """
    low, high = FRAME_SIZE_LIMITS.get(config.encoder, (1, 1 << 16))
    if not (low <= width <= high and low <= height <= high):
        raise ConfigError(
            f"Frame size {width}x{height} (width x height) is outside what {config.encoder!r} "
            f"encodes: each side must be in [{low}, {high}] pixels; resize or pad the frames, "
            f"or choose another vcodec."
        )
    if config.encoder == "libsvtav1" and min(width, height) < 32 and max(width, height) > 64:
        raise ConfigError(
            f"Frame size {width}x{height} (width x height) stalls 'libsvtav1' here (a side "
            f"under 32 pixels with the other over 64 never finishes encoding); pad the short "
            f"side to 32 pixels or more, or choose another vcodec such as 'h264'."
        )
    pix_fmt = av.VideoFormat(config.pix_fmt)
    # Subsampled chroma (4:2:0, 4:2:2) needs even sizes; libx264 and SVT-AV1 refuse odd ones.
    if (width % 2 and pix_fmt.chroma_width(16) != 16) or (
        height % 2 and pix_fmt.chroma_height(16) != 16
    ):
        raise ConfigError(
            f"Frame size {width}x{height} is odd but pix_fmt {config.pix_fmt!r} subsamples "
            f"chroma; crop or pad the frames to an even width and height."
        )


class _DecodeTimestamps:
    """Replaces decode timestamps an encoder got wrong, keeping them increasing and <= pts.

    libx265 returns garbage dts for clips of one or two frames: usually huge negative numbers
    (e.g. -274877907008), on which the MP4 muxer fails ("Not yet implemented") or writes a
    broken index, but about once in a thousand clips a small one (pts 0 with dts -2), which
    the muxer accepts and turns into a shifted timeline. A dts may trail its pts only by the
    encoder's reordering delay, and an encoder cannot delay a frame by more frames than it
    has received (nor, here, by more than 16), so anything further behind is garbage.
    """

    MAX_REORDER_FRAMES = 16

    def __init__(self) -> None:
        self.last: int | None = None

    def repair(self, packets: list[av.Packet[Any]], frames_received: int) -> list[av.Packet[Any]]:
        """Fix the dts of ``packets`` in place (and return them).

        Args:
            packets: What the encoder just returned, in decode order.
            frames_received: Frames handed to the encoder so far, including the current one.
        """
        max_delay = min(self.MAX_REORDER_FRAMES, max(frames_received - 1, 0))
        for packet in packets:
            pts, dts = packet.pts, packet.dts
            if pts is not None and (dts is None or dts > pts or pts - dts > max_delay):
                packet.dts = pts if self.last is None else min(pts, self.last + 1)
            if packet.dts is not None:
                self.last = packet.dts
        return packets


class Mp4Writer:
    """Encodes frames one at a time into an MP4: frame ``i`` gets pts ``i`` in 1/fps.

    The encoder opens on the first frame (its size fixes the stream's), or earlier through
    :meth:`open`. The file has ``movflags=faststart`` (index first).

    Args:
        path: The file to write (the caller handles atomic placement).
        fps: Frames per second, an integer >= 1.
        plan: The checked encoder plan (from :func:`~lerobot_video.plan_encoder`).

    Raises:
        MediaError: The file cannot be created.
    """

    def __init__(self, path: Path, *, fps: int, plan: EncoderPlan) -> None:
        self._path, self._fps, self._plan = path, fps, plan
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
        config = self._plan.config
        check_frame_size(config, height, width)
        try:
            stream = cast(
                "av.VideoStream",
                self._out.add_stream(
                    config.encoder, rate=self._fps, options=dict(self._plan.options)
                ),
            )
            stream.width, stream.height = width, height
            stream.pix_fmt = config.pix_fmt
            stream.time_base = Fraction(1, self._fps)
            self._stream = stream
            with keep_thread_scheduling():
                self._out.start_encoding()
        except av.FFmpegError as err:
            raise MediaError(
                f"FFmpeg could not open {config.encoder} for {str(self._path)!r}: {err}.",
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
            # A decoded picture carries its source's time base; pts counts 1/fps ticks here.
            frame.time_base = Fraction(1, self._fps)
            self._out.mux(self._dts.repair(self._stream.encode(frame), self.frames + 1))
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
                self._out.mux(self._dts.repair(self._stream.encode(None), self.frames))
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
