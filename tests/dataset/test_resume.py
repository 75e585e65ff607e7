"""Resuming a dataset with the encoders it was recorded with (``lerobot_video.resume_dataset``).

Covers: without encoder arguments, every camera continues with the config rebuilt from its
``info`` block (``RGBEncoderConfig.from_info``/``DepthEncoderConfig.from_info``), including
a non-default pixel format, a null keyframe interval and a non-default depth mapping, so new
episodes append to the same MP4s and read back; asking for other settings is refused with a
message naming the differing key. Crash-and-resume cases are in ``test_crash.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lerobot_video import (
    ConfigError,
    DepthEncoderConfig,
    RGBEncoderConfig,
    open_dataset,
    quantize_depth,
    resume_dataset,
)

from .dataset_fakes import CAM, DEPTH, fixture_frame, record

pytestmark = pytest.mark.requires_encoder("libx264", "libx265")

RGB = RGBEncoderConfig(vcodec="h264", pix_fmt="yuv444p", g=None, crf=18)
DEPTH_CONFIG = DepthEncoderConfig(depth_max=4.0, shift=1.0)


def _add_episode(writer: Any, fed: dict[str, Any], start: int, length: int) -> None:
    for i in range(start, start + length):
        writer.add_frame(fixture_frame(fed, i))
    writer.save_episode()


@pytest.mark.parametrize("streaming", [True, False], ids=["streaming", "staged"])
def test_resume_continues_with_the_recorded_settings(
    tmp_path: Path, fed: dict[str, Any], streaming: bool
) -> None:
    root = tmp_path / "d"
    record(
        root, fed, [3], rgb_encoder=RGB, depth_encoder=DEPTH_CONFIG, streaming_encoding=streaming
    ).finalize()
    with resume_dataset(root, streaming_encoding=streaming) as writer:
        _add_episode(writer, fed, 3, 4)
    reader = open_dataset(root)
    assert [e.length for e in reader.episodes] == [3, 4]
    assert RGBEncoderConfig.from_info(reader.features[CAM]["info"]) == RGB
    assert DepthEncoderConfig.from_info(reader.features[DEPTH]["info"]) == DEPTH_CONFIG
    assert reader.frames(CAM, 1).shape == (4, 48, 64, 3)
    np.testing.assert_array_equal(
        reader.depth_codes(DEPTH, 1).reshape(4, 48, 64),
        quantize_depth(fed["depth"][3:7], DEPTH_CONFIG.quantization).reshape(4, 48, 64),
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rgb_encoder": RGBEncoderConfig(vcodec="h264")}, "video.pix_fmt: recorded 'yuv444p'"),
        ({"depth_encoder": DepthEncoderConfig()}, "video.depth_max: recorded 4.0"),
    ],
)
def test_other_settings_are_refused(
    tmp_path: Path, fed: dict[str, Any], kwargs: dict[str, Any], match: str
) -> None:
    root = tmp_path / "d"
    record(root, fed, [2], rgb_encoder=RGB, depth_encoder=DEPTH_CONFIG).finalize()
    with pytest.raises(ConfigError, match=match):
        resume_dataset(root, **kwargs)
