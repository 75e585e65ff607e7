"""Create a new, empty LeRobot v3.0 dataset and return the writer that records into it.

Validates everything once (fps, features, encoders, writer options) before the folder is
made; :mod:`~lerobot_video.dataset.resume` is the counterpart for an existing dataset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from lerobot_video.config import DepthEncoderConfig, RGBEncoderConfig
from lerobot_video.dataset.create_checks import check_arguments, check_new_root
from lerobot_video.dataset.encoding import RecordingOptions, plan_camera_encoders
from lerobot_video.dataset.features import check_features, features_json
from lerobot_video.dataset.files import write_json
from lerobot_video.dataset.layout import INFO_PATH, ChunkingConfig, new_info
from lerobot_video.dataset.writer import DatasetWriter
from lerobot_video.errors import ConfigError


def create_dataset(
    root: str | os.PathLike[str],
    *,
    fps: int,
    features: Mapping[str, Mapping[str, Any]],
    robot_type: str | None = None,
    rgb_encoder: RGBEncoderConfig | None = None,
    depth_encoder: DepthEncoderConfig | None = None,
    chunking: ChunkingConfig | None = None,
    streaming_encoding: bool = True,
    encoder_queue_maxsize: int = 30,
    realtime: bool = False,
) -> DatasetWriter:
    """Create an empty LeRobot v3.0 dataset and return its writer.

    Args:
        root: Folder to create; it must not exist.
        fps: Frames per second of every stream, an integer >= 1.
        features: ``name -> {"dtype", "shape", "names"[, "info"]}`` as in LeRobot: ``"video"``
            cameras of shape (H, W, 3) (RGB) or (H, W, 1) (depth, marked
            ``info.is_depth_map``), numeric vectors of shape (n,), ``"string"`` of shape (1,).
        robot_type: Free text stored in ``info.json``.
        rgb_encoder: Encoder for RGB cameras; LeRobot's default (libsvtav1) when None.
        depth_encoder: Encoder and quantizer for depth cameras; LeRobot's default (lossless
            12-bit HEVC) when None.
        chunking: File size limits; LeRobot's defaults (1000 files per chunk, 100 MiB data
            files, 200 MiB videos) when None.
        streaming_encoding: Encode each camera on its own thread while the episode is
            recorded (saving then waits only for the frames still queued); False stages raw
            frames on disk and encodes them in :meth:`~DatasetWriter.save_episode`.
        encoder_queue_maxsize: Frames that may wait for each camera's encoder, >= 1.
        realtime: When an encoder falls behind, drop the whole frame (every camera and the
            data row, so video and data stay aligned) instead of waiting; the dropped frames
            are counted and kept in the drop log. Needs ``streaming_encoding``.

    Returns:
        The writer; ``meta/info.json`` already exists.

    Raises:
        ConfigError: ``root`` exists (even as an empty folder) or lies under a file; or
            invalid fps, features, encoder settings or options (wrong types included).
        CodecUnavailableError: An encoder needed by a camera is missing here.
    """
    root = check_new_root(root)
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ConfigError(f"fps must be an integer >= 1, got {fps!r}.")
    check_arguments(
        rgb_encoder=rgb_encoder,
        depth_encoder=depth_encoder,
        robot_type=robot_type,
        chunking=chunking,
    )
    options = RecordingOptions(
        streaming_encoding=streaming_encoding,
        encoder_queue_maxsize=encoder_queue_maxsize,
        realtime=realtime,
    )
    checked = check_features(features)
    plans = plan_camera_encoders(
        checked, rgb_encoder or RGBEncoderConfig(), depth_encoder or DepthEncoderConfig()
    )
    info = new_info(
        fps=fps,
        features=features_json(checked),
        robot_type=robot_type,
        chunking=chunking or ChunkingConfig(),
    )
    root.mkdir(parents=True)
    write_json(root / INFO_PATH, info)
    return DatasetWriter(root, info, features=checked, encoders=plans, options=options)
