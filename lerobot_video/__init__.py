"""LeRobot's video contract without torch: encoder configs, encode, decode, probe, metrics."""

from lerobot_video.capture.browser import BrowserSource
from lerobot_video.capture.discovery import list_sources
from lerobot_video.capture.opencv import OpenCVSource
from lerobot_video.capture.realsense import (
    RealSenseSource,
    capture_realsense_depth,
    realsense_devices,
)
from lerobot_video.capture.recorder import CaptureReport, Recorder, RecorderStats, camera_features
from lerobot_video.capture.replay import ReplaySource, bundled_replay_source
from lerobot_video.capture.source import FrameSource, SourceStatus, StreamSpec
from lerobot_video.clips import (
    BUNDLED_DEPTH_CLIP,
    BUNDLED_PUSHT_CLIP,
    BUNDLED_RGB_CLIP,
    Clip,
    DepthClip,
    load_clip,
    load_clip_files,
    load_depth_clip,
    load_image_sequence,
)
from lerobot_video.codec.browser import BrowserSupport, browser_support
from lerobot_video.codec.decode import (
    clear_decoder_cache,
    decode_all_frames,
    decode_depth_codes,
    decode_frames,
)
from lerobot_video.codec.encode import encode_depth_video, encode_video

# Learn page lessons
from lerobot_video.codec.gop import GopInfo, read_gop
from lerobot_video.codec.options import codec_options, is_lossless, with_lossless
from lerobot_video.codec.probe import VideoInfo, feature_info, probe_video
from lerobot_video.codec.support import (
    EncoderPlan,
    check_supported,
    encoder_availability,
    plan_encoder,
    resolve_auto_codec,
    supported_pixel_formats,
)
from lerobot_video.codec.trial import EncoderTrial, trial_encode
from lerobot_video.config import (
    DEPTH_ONLY_CODECS,
    HW_VIDEO_CODECS,
    VALID_VIDEO_CODECS,
    DepthEncoderConfig,
    EncoderConfig,
    RGBEncoderConfig,
)
from lerobot_video.dataset.archive import archive_dataset
from lerobot_video.dataset.create import create_dataset
from lerobot_video.dataset.encoding import RecordingOptions, RecordingStats
from lerobot_video.dataset.episodes import EpisodeInfo, VideoSegment
from lerobot_video.dataset.features import FeatureInfo, StreamKind
from lerobot_video.dataset.hub import HubDataset, HubFile, open_hub_dataset, trim_hub_cache
from lerobot_video.dataset.hub_push import PushResult, push_dataset
from lerobot_video.dataset.layout import ChunkingConfig
from lerobot_video.dataset.merge import MergeResult, execute_merge
from lerobot_video.dataset.merge_checks import Conflict, LooseField, MatchRow
from lerobot_video.dataset.merge_plan import MergePlan, MergeSource, plan_merge
from lerobot_video.dataset.merge_verify import MergeCheck, MergeVerification, verify_merge
from lerobot_video.dataset.reader import DatasetReader, open_dataset
from lerobot_video.dataset.reencode import ReencodeResult, reencode_dataset
from lerobot_video.dataset.reencode_task import FileResult
from lerobot_video.dataset.report import DatasetReport, FeatureReport, Finding, encoding_report
from lerobot_video.dataset.resume import resume_dataset
from lerobot_video.dataset.streaming import EncoderStats
from lerobot_video.dataset.writer import DatasetWriter
from lerobot_video.depth import (
    DepthQuantization,
    dequantize_depth,
    invalid_depth_mask,
    quantization_step_mm,
    quantize_depth,
)
from lerobot_video.errors import (
    CodecUnavailableError,
    ConfigError,
    DeviceUnavailableError,
    FrameIndexError,
    HubAccessError,
    HubNotFoundError,
    HubUnreachableError,
    LeRobotVideoError,
    MediaError,
    MergeConflictError,
    MetadataError,
    MissingDependencyError,
    WorkerLostError,
)
from lerobot_video.executor import Executor, InlineExecutor, LocalExecutor, RayExecutor
from lerobot_video.metrics import QualityMetrics, compute_quality
from lerobot_video.preview import (
    COLORMAPS,
    auto_depth_range,
    browser_preview_clip,
    colorize_depth,
    colorize_error,
    depth_preview_clip,
    difference_heatmap,
)
from lerobot_video.study.compare import (
    ComparisonReport,
    EncodingReport,
    FrameView,
    compare_encodings,
    compare_frame,
)
from lerobot_video.study.depth_lab import (
    DepthComparison,
    DepthEncoding,
    compare_depth_encodings,
    depth_frame_views,
)
from lerobot_video.study.episode_view import (
    EpisodeVideo,
    episode_browser_clip,
    episode_clip,
    episode_frames,
    episode_videos,
    read_frame,
)
from lerobot_video.study.grid import StudyGrid

# Learn page lessons
from lerobot_video.study.lesson_chroma import CHROMA_FORMATS, ChromaLesson, chroma_lesson
from lerobot_video.study.lesson_codecs import (
    LESSON_CODECS,
    CodecPoint,
    iter_codec_lesson,
    published_codec_points,
)
from lerobot_video.study.lesson_depth import DepthStepLesson, depth_step_lesson
from lerobot_video.study.lesson_speed import (
    LIVE_HEADROOM,
    LiveVerdict,
    SpeedMeasurement,
    live_capacity,
    measure_encode_speeds,
)
from lerobot_video.study.lessons import (
    GopLesson,
    LessonEncoding,
    encode_lesson,
    gop_lesson,
    png_size_bytes,
    random_access_costs,
)
from lerobot_video.study.published import PUBLISHED_SEED, PUBLISHED_SUMMARY, PublishedRow
from lerobot_video.study.recommend import (
    DEFAULT_SEARCH,
    Recommendation,
    StudyTarget,
    pareto_front,
    recommend_encoding,
)
from lerobot_video.study.results import (
    PUBLISHED_COLUMNS,
    STUDY_COLUMNS,
    read_study_results,
    write_study_results,
)
from lerobot_video.study.runner import StudyPlan, StudyResult, iter_study, plan_study, run_study
from lerobot_video.study.scenarios import SCENARIOS, sample_scenario_frames

__all__ = [
    "BUNDLED_DEPTH_CLIP",
    "BUNDLED_PUSHT_CLIP",
    "BUNDLED_RGB_CLIP",
    "CHROMA_FORMATS",
    "COLORMAPS",
    "DEFAULT_SEARCH",
    "DEPTH_ONLY_CODECS",
    "HW_VIDEO_CODECS",
    "LESSON_CODECS",
    "LIVE_HEADROOM",
    "PUBLISHED_COLUMNS",
    "PUBLISHED_SEED",
    "PUBLISHED_SUMMARY",
    "SCENARIOS",
    "STUDY_COLUMNS",
    "VALID_VIDEO_CODECS",
    "BrowserSource",
    "BrowserSupport",
    "CaptureReport",
    "ChromaLesson",
    "ChunkingConfig",
    "Clip",
    "CodecPoint",
    "CodecUnavailableError",
    "ComparisonReport",
    "ConfigError",
    "Conflict",
    "DatasetReader",
    "DatasetReport",
    "DatasetWriter",
    "DepthClip",
    "DepthComparison",
    "DepthEncoderConfig",
    "DepthEncoding",
    "DepthQuantization",
    "DepthStepLesson",
    "DeviceUnavailableError",
    "EncoderConfig",
    "EncoderPlan",
    "EncoderStats",
    "EncoderTrial",
    "EncodingReport",
    "EpisodeInfo",
    "EpisodeVideo",
    "Executor",
    "FeatureInfo",
    "FeatureReport",
    "FileResult",
    "Finding",
    "FrameIndexError",
    "FrameSource",
    "FrameView",
    "GopInfo",
    "GopLesson",
    "HubAccessError",
    "HubDataset",
    "HubFile",
    "HubNotFoundError",
    "HubUnreachableError",
    "InlineExecutor",
    "LeRobotVideoError",
    "LessonEncoding",
    "LiveVerdict",
    "LocalExecutor",
    "LooseField",
    "MatchRow",
    "MediaError",
    "MergeCheck",
    "MergeConflictError",
    "MergePlan",
    "MergeResult",
    "MergeSource",
    "MergeVerification",
    "MetadataError",
    "MissingDependencyError",
    "OpenCVSource",
    "PublishedRow",
    "PushResult",
    "QualityMetrics",
    "RGBEncoderConfig",
    "RayExecutor",
    "RealSenseSource",
    "Recommendation",
    "Recorder",
    "RecorderStats",
    "RecordingOptions",
    "RecordingStats",
    "ReencodeResult",
    "ReplaySource",
    "SourceStatus",
    "SpeedMeasurement",
    "StreamKind",
    "StreamSpec",
    "StudyGrid",
    "StudyPlan",
    "StudyResult",
    "StudyTarget",
    "VideoInfo",
    "VideoSegment",
    "WorkerLostError",
    "archive_dataset",
    "auto_depth_range",
    "browser_preview_clip",
    "browser_support",
    "bundled_replay_source",
    "camera_features",
    "capture_realsense_depth",
    "check_supported",
    "chroma_lesson",
    "clear_decoder_cache",
    "codec_options",
    "colorize_depth",
    "colorize_error",
    "compare_depth_encodings",
    "compare_encodings",
    "compare_frame",
    "compute_quality",
    "create_dataset",
    "decode_all_frames",
    "decode_depth_codes",
    "decode_frames",
    "depth_frame_views",
    "depth_preview_clip",
    "depth_step_lesson",
    "dequantize_depth",
    "difference_heatmap",
    "encode_depth_video",
    "encode_lesson",
    "encode_video",
    "encoder_availability",
    "encoding_report",
    "episode_browser_clip",
    "episode_clip",
    "episode_frames",
    "episode_videos",
    "execute_merge",
    "feature_info",
    "gop_lesson",
    "invalid_depth_mask",
    "is_lossless",
    "iter_codec_lesson",
    "iter_study",
    "list_sources",
    "live_capacity",
    "load_clip",
    "load_clip_files",
    "load_depth_clip",
    "load_image_sequence",
    "measure_encode_speeds",
    "open_dataset",
    "open_hub_dataset",
    "pareto_front",
    "plan_encoder",
    "plan_merge",
    "plan_study",
    "png_size_bytes",
    "probe_video",
    "published_codec_points",
    "push_dataset",
    "quantization_step_mm",
    "quantize_depth",
    "random_access_costs",
    "read_frame",
    "read_gop",
    "read_study_results",
    "realsense_devices",
    "recommend_encoding",
    "reencode_dataset",
    "resolve_auto_codec",
    "resume_dataset",
    "run_study",
    "sample_scenario_frames",
    "supported_pixel_formats",
    "trial_encode",
    "trim_hub_cache",
    "verify_merge",
    "with_lossless",
    "write_study_results",
]
