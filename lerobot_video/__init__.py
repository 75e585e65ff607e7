"""LeRobot's video contract without torch: encoder configs, encode, decode, probe, metrics."""

from lerobot_video.codecs import (
    BrowserSupport,
    browser_support,
    check_supported,
    codec_options,
    encoder_availability,
    resolve_auto_codec,
    supported_pixel_formats,
)
from lerobot_video.config import (
    HW_VIDEO_CODECS,
    VALID_VIDEO_CODECS,
    DepthEncoderConfig,
    EncoderConfig,
    RGBEncoderConfig,
)
from lerobot_video.decode import clear_decoder_cache, decode_frames
from lerobot_video.encode import encode_video
from lerobot_video.errors import (
    CodecUnavailableError,
    ConfigError,
    FrameIndexError,
    LeRobotVideoError,
    MediaError,
    MergeConflictError,
    MetadataError,
)
from lerobot_video.probe import VideoInfo, feature_info, probe_video

__all__ = [
    "HW_VIDEO_CODECS",
    "VALID_VIDEO_CODECS",
    "BrowserSupport",
    "CodecUnavailableError",
    "ConfigError",
    "DepthEncoderConfig",
    "EncoderConfig",
    "FrameIndexError",
    "LeRobotVideoError",
    "MediaError",
    "MergeConflictError",
    "MetadataError",
    "RGBEncoderConfig",
    "VideoInfo",
    "browser_support",
    "check_supported",
    "clear_decoder_cache",
    "codec_options",
    "decode_frames",
    "encode_video",
    "encoder_availability",
    "feature_info",
    "probe_video",
    "resolve_auto_codec",
    "supported_pixel_formats",
]
