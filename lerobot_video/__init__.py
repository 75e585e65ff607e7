"""LeRobot's video contract without torch: encoder configs, encode, decode, probe, metrics."""

from lerobot_video.clips import Clip, load_clip, load_image_sequence
from lerobot_video.codecs import (
    BrowserSupport,
    browser_support,
    check_supported,
    codec_options,
    encoder_availability,
    resolve_auto_codec,
    supported_pixel_formats,
)
from lerobot_video.compare import (
    ComparisonReport,
    EncodingReport,
    FrameView,
    compare_encodings,
    compare_frame,
)
from lerobot_video.config import (
    HW_VIDEO_CODECS,
    VALID_VIDEO_CODECS,
    DepthEncoderConfig,
    EncoderConfig,
    RGBEncoderConfig,
)
from lerobot_video.decode import clear_decoder_cache, decode_all_frames, decode_frames
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
from lerobot_video.metrics import QualityMetrics, compute_quality
from lerobot_video.preview import browser_preview_clip, difference_heatmap
from lerobot_video.probe import VideoInfo, feature_info, probe_video

__all__ = [
    "HW_VIDEO_CODECS",
    "VALID_VIDEO_CODECS",
    "BrowserSupport",
    "Clip",
    "CodecUnavailableError",
    "ComparisonReport",
    "ConfigError",
    "DepthEncoderConfig",
    "EncoderConfig",
    "EncodingReport",
    "FrameIndexError",
    "FrameView",
    "LeRobotVideoError",
    "MediaError",
    "MergeConflictError",
    "MetadataError",
    "QualityMetrics",
    "RGBEncoderConfig",
    "VideoInfo",
    "browser_preview_clip",
    "browser_support",
    "check_supported",
    "clear_decoder_cache",
    "codec_options",
    "compare_encodings",
    "compare_frame",
    "compute_quality",
    "decode_all_frames",
    "decode_frames",
    "difference_heatmap",
    "encode_video",
    "encoder_availability",
    "feature_info",
    "load_clip",
    "load_image_sequence",
    "probe_video",
    "resolve_auto_codec",
    "supported_pixel_formats",
]
