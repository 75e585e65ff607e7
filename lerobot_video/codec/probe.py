"""Facts about a video file (stream header and content scan) and LeRobot's ``info`` block."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, BinaryIO

import av

from lerobot_video.codec._pyav import open_input
from lerobot_video.codec.options import check_config_type
from lerobot_video.config import DepthEncoderConfig, EncoderConfig
from lerobot_video.errors import ConfigError, MediaError, path_argument


@dataclass(frozen=True, kw_only=True, slots=True)
class VideoInfo:
    """What a video file holds, read from its first video stream.

    Attributes:
        path: The file.
        size_bytes: File size in bytes.
        codec: Canonical codec name (``av1``, ``h264``, ``hevc``…), whatever encoder made it.
        profile: Codec profile as FFmpeg names it (``Main``, ``High``, ``Rext``…), or None.
        pix_fmt: Pixel format of the decoded frames, for example ``yuv420p`` or ``gray12le``.
        width: Frame width in pixels.
        height: Frame height in pixels.
        channels: Components of the pixel format: 3 for colour, 1 for grey.
        fps: Nominal frame rate in frames per second (the stream's base rate).
        time_base: Seconds per tick of the stream's timestamps.
        num_frames_from_header: Frame count the container header claims, or None if absent.
        num_frames_from_content: Frames found by scanning every packet of the stream.
        duration_seconds: Stream duration in seconds.
        bit_rate: Average bit rate in bits per second, or None when unknown.
        audio: LeRobot's ``audio.*`` keys when the file has an audio stream, else empty.
    """

    path: Path
    size_bytes: int
    codec: str
    profile: str | None
    pix_fmt: str
    width: int
    height: int
    channels: int
    fps: float
    time_base: Fraction
    num_frames_from_header: int | None
    num_frames_from_content: int
    duration_seconds: float
    bit_rate: int | None
    audio: dict[str, Any]

    @property
    def num_frames(self) -> int:
        """Frame count from the content scan, which is exact even when the header is wrong."""
        return self.num_frames_from_content

    @property
    def has_audio(self) -> bool:
        """Whether the file has an audio stream."""
        return bool(self.audio)

    def to_info_dict(self) -> dict[str, Any]:
        """Return the stream-derived keys LeRobot stores in a video feature's ``info``.

        Returns:
            ``video.height``, ``video.width``, ``video.codec``, ``video.pix_fmt``,
            ``video.fps`` (int), ``video.channels``, then ``audio.*`` keys when there is
            audio, and ``has_audio``; in LeRobot's order.
        """
        info: dict[str, Any] = {
            "video.height": self.height,
            "video.width": self.width,
            "video.codec": self.codec,
            "video.pix_fmt": self.pix_fmt,
            "video.fps": round(self.fps),
            "video.channels": self.channels,
        }
        info.update(self.audio)
        info["has_audio"] = self.has_audio
        return info


def _audio_info(container: av.container.InputContainer) -> dict[str, Any]:
    if not container.streams.audio:
        return {}
    stream = container.streams.audio[0]
    context = stream.codec_context
    return {
        "audio.channels": context.channels,
        "audio.codec": context.codec.canonical_name,
        "audio.bit_rate": context.bit_rate,
        "audio.sample_rate": context.sample_rate,
        "audio.bit_depth": context.format.bits if context.format else None,
        "audio.channel_layout": context.layout.name if context.layout else None,
    }


def probe_video(
    path: str | os.PathLike[str], *, file: BinaryIO | None = None, count_packets: bool = True
) -> VideoInfo:
    """Read the facts of a video file: codec, geometry, frame rate, frame count, duration.

    The frame count is measured by demuxing every packet (no decoding), so a header that
    lies or a truncated file shows up as ``num_frames_from_header != num_frames_from_content``.

    Args:
        path: The video file; with ``file``, the name it is reported under.
        file: A readable, seekable binary file object to read instead of ``path``, such as a
            remote file read by byte ranges.
        count_packets: False skips the packet scan (which reads the whole file), so only the
            headers and the first frames are read; ``num_frames_from_content`` then repeats the
            header's count (0 when absent) and the caller measures the content another way.

    Returns:
        The file's :class:`VideoInfo`.

    Raises:
        MediaError: The file is missing, empty, not a video, or corrupt.
    """
    path = path_argument(path)
    container = open_input(path, file)
    try:
        stream = container.streams.video[0]
        context = stream.codec_context
        time_base = stream.time_base or Fraction(1, 1)
        num_packets = stream.frames or 0
        try:
            if count_packets:
                num_packets = sum(1 for p in container.demux(stream) if p.pts is not None)
        except av.FFmpegError as err:
            raise MediaError(f"{str(path)!r} is corrupt: {err}.", path=path) from err
        rate = stream.base_rate or stream.average_rate or Fraction(0)
        if stream.duration is not None:
            duration = float(stream.duration * time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = num_packets / float(rate) if rate else 0.0
        pix_fmt = context.pix_fmt or ""
        return VideoInfo(
            path=path,
            size_bytes=path.stat().st_size if file is None else file.seek(0, os.SEEK_END),
            codec=context.codec.canonical_name,
            profile=context.profile,
            pix_fmt=pix_fmt,
            width=context.width,
            height=context.height,
            channels=len(av.VideoFormat(pix_fmt).components) if pix_fmt else 0,
            fps=float(rate),
            time_base=time_base,
            num_frames_from_header=stream.frames or None,
            num_frames_from_content=num_packets,
            duration_seconds=duration,
            bit_rate=context.bit_rate or container.bit_rate or None,
            audio=_audio_info(container),
        )
    finally:
        container.close()


def feature_info(video: VideoInfo, config: EncoderConfig) -> dict[str, Any]:
    """Build the ``info`` block LeRobot stores for a video feature in ``meta/info.json``.

    Stream-derived keys come from the file and win over the config (``video.pix_fmt``); the
    encoder fields come from the config as ``video.<field>`` (``video.preset`` is 12 for
    libsvtav1 when unset, as LeRobot persists it); depth configs add the four quantizer keys.

    Args:
        video: The probed file.
        config: The config the file was encoded with.

    Returns:
        The ``info`` dict with LeRobot's key names and order.

    Raises:
        ConfigError: ``video`` is not a :class:`VideoInfo` or ``config`` not an encoder config.
    """
    if not isinstance(video, VideoInfo):
        raise ConfigError(
            f"video must be a VideoInfo (from probe_video), got {type(video).__name__}."
        )
    check_config_type(config, "feature_info")
    info = video.to_info_dict()
    info.setdefault("video.pix_fmt", config.pix_fmt)
    for key, value in config.to_info().items():
        info.setdefault(key, value)
    info["is_depth_map"] = isinstance(config, DepthEncoderConfig)
    return info
