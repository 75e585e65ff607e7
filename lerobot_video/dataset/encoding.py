"""How a writer's cameras reach their encoders: options, live stats and checked encoders.

``RecordingOptions`` are the writer's encoder options (streaming or staged, queue size,
real-time drops); ``RecordingStats`` is the writer's live view of the episode being
encoded; :func:`plan_camera_encoders` checks each camera's encoder once, when a dataset is
created or resumed. The encoding itself is :mod:`lerobot_video.dataset.streaming`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lerobot_video.codec.support import EncoderPlan, plan_encoder
from lerobot_video.config import DepthEncoderConfig, RGBEncoderConfig
from lerobot_video.dataset.features import FeatureInfo
from lerobot_video.dataset.streaming import EncoderStats
from lerobot_video.errors import ConfigError


@dataclass(frozen=True, kw_only=True, slots=True)
class RecordingOptions:
    """The writer's encoder options: how frames reach the encoders while recording.

    Validated on creation; see :func:`~lerobot_video.create_dataset` for each field.

    Raises:
        ConfigError: A flag that is not a bool, ``encoder_queue_maxsize`` < 1, or
            ``realtime`` without streaming.
    """

    streaming_encoding: bool = True
    encoder_queue_maxsize: int = 30  # frames that may wait for each camera's encoder, >= 1
    realtime: bool = False

    def __post_init__(self) -> None:
        for name in ("streaming_encoding", "realtime"):
            value = getattr(self, name)
            if not isinstance(value, bool):  # "no" would be true
                raise ConfigError(f"{name} must be True or False, got {value!r}.")
        size = self.encoder_queue_maxsize
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ConfigError(f"encoder_queue_maxsize must be an integer >= 1, got {size!r}.")
        if self.realtime and not self.streaming_encoding:
            raise ConfigError(
                "realtime=True drops frames only when an encoder falls behind while "
                "recording, so it needs streaming_encoding=True."
            )


@dataclass(frozen=True, kw_only=True, slots=True)
class RecordingStats:
    """The writer's view of the episode being recorded, as of now.

    Attributes:
        frames: Frames kept in the episode.
        dropped: Frames dropped in real-time mode (always 0 otherwise).
        encoders: Camera key to its encoder's queue depth and speed (empty when not
            streaming, or before the episode's first frame).
    """

    frames: int
    dropped: int
    encoders: Mapping[str, EncoderStats]


def plan_camera_encoders(
    features: Mapping[str, FeatureInfo],
    rgb_encoder: RGBEncoderConfig,
    depth_encoder: DepthEncoderConfig,
) -> dict[str, EncoderPlan]:
    """Each camera's checked encoder plan; each kind is checked once, if it has a camera.

    Args:
        features: The dataset's features.
        rgb_encoder: The encoder of RGB cameras.
        depth_encoder: The encoder and quantizer of depth cameras.

    Returns:
        Camera key to its plan (``"auto"`` resolved), in feature order.

    Raises:
        ConfigError: A config of the wrong kind, or settings this FFmpeg build refuses.
        CodecUnavailableError: An encoder needed by a camera is missing here.
    """
    if not isinstance(rgb_encoder, RGBEncoderConfig) or not isinstance(
        depth_encoder, DepthEncoderConfig
    ):
        raise ConfigError(
            f"rgb_encoder must be an RGBEncoderConfig and depth_encoder a DepthEncoderConfig, "
            f"got {type(rgb_encoder).__name__} and {type(depth_encoder).__name__}."
        )
    cameras = {key: ft for key, ft in features.items() if ft.is_video}
    plans: dict[str, EncoderPlan] = {}
    if any(not ft.is_depth for ft in cameras.values()):
        plans["rgb"] = plan_encoder(rgb_encoder)
    if any(ft.is_depth for ft in cameras.values()):
        plans["depth"] = plan_encoder(depth_encoder)
    return {key: plans["depth" if ft.is_depth else "rgb"] for key, ft in cameras.items()}
