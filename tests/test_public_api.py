"""The public API survives the house's rebuild, and the README's examples run as written.

Covers: every name ``lerobot_video.__all__`` listed before the library moved into wings
(issue 8) is still importable from the package and is the same object wherever the package
exposes it; ``__all__`` lists only names that exist and holds no duplicates; every name the
README imports is public; and each ``python`` code block of the README runs, in order, in a
scratch folder that holds the bundled assets (the Hub example against the local endpoint).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import lerobot_video
from lerobot_video import open_dataset

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

NAMES_BEFORE_THE_WINGS = [
    "COLORMAPS",
    "DEPTH_ONLY_CODECS",
    "HW_VIDEO_CODECS",
    "VALID_VIDEO_CODECS",
    "BrowserSource",
    "BrowserSupport",
    "ChunkingConfig",
    "Clip",
    "CodecUnavailableError",
    "ComparisonReport",
    "ConfigError",
    "DatasetReader",
    "DatasetWriter",
    "DepthClip",
    "DepthComparison",
    "DepthEncoderConfig",
    "DepthEncoding",
    "DepthQuantization",
    "DeviceUnavailableError",
    "EncoderConfig",
    "EncoderStats",
    "EncodingReport",
    "EpisodeInfo",
    "FrameIndexError",
    "FrameSource",
    "FrameView",
    "LeRobotVideoError",
    "MediaError",
    "MergeConflictError",
    "MetadataError",
    "OpenCVSource",
    "QualityMetrics",
    "RGBEncoderConfig",
    "RealSenseSource",
    "Recorder",
    "RecorderStats",
    "RecordingOptions",
    "RecordingStats",
    "ReplaySource",
    "SourceStatus",
    "StreamSpec",
    "VideoInfo",
    "VideoSegment",
    "archive_dataset",
    "auto_depth_range",
    "browser_preview_clip",
    "browser_support",
    "bundled_replay_source",
    "camera_features",
    "capture_realsense_depth",
    "check_supported",
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
    "dequantize_depth",
    "difference_heatmap",
    "encode_depth_video",
    "encode_video",
    "encoder_availability",
    "feature_info",
    "invalid_depth_mask",
    "list_sources",
    "load_clip",
    "load_depth_clip",
    "load_image_sequence",
    "open_dataset",
    "probe_video",
    "quantization_step_mm",
    "quantize_depth",
    "realsense_devices",
    "resolve_auto_codec",
    "resume_dataset",
    "supported_pixel_formats",
]
"""``lerobot_video.__all__`` as it stood before issue 8 (84 names)."""


def _readme_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def _readme_imports() -> set[str]:
    names: set[str] = set()
    for block in _readme_blocks():
        for match in re.finditer(r"from lerobot_video import \(?([^)]*?)\)?\n(?!\s)", block):
            names.update(n.strip() for n in match.group(1).replace("\n", ",").split(","))
    names.discard("")
    return names


class TestPublicNames:
    def test_the_list_is_the_one_from_before(self) -> None:
        assert len(NAMES_BEFORE_THE_WINGS) == 84

    @pytest.mark.parametrize("name", NAMES_BEFORE_THE_WINGS)
    def test_name_from_before_is_still_public(self, name: str) -> None:
        assert name in lerobot_video.__all__
        namespace: dict[str, object] = {}
        exec(f"from lerobot_video import {name}", namespace)
        assert namespace[name] is getattr(lerobot_video, name)

    def test_all_lists_existing_names_once(self) -> None:
        assert len(set(lerobot_video.__all__)) == len(lerobot_video.__all__)
        missing = [n for n in lerobot_video.__all__ if not hasattr(lerobot_video, n)]
        assert missing == []

    def test_public_names_do_not_leak_submodules(self) -> None:
        public = {n for n in dir(lerobot_video) if not n.startswith("_")}
        rooms = {"codec", "dataset", "capture", "study"}
        assert rooms <= public  # the subpackages are attributes once imported...
        assert not rooms & set(lerobot_video.__all__)  # ...but not part of the API

    def test_readme_imports_only_public_names(self) -> None:
        imported = _readme_imports()
        assert {"RGBEncoderConfig", "encode_video", "Recorder", "create_dataset"} <= imported
        assert imported - set(lerobot_video.__all__) == set()


@pytest.mark.slow
def test_readme_code_blocks_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_hub: Any
) -> None:
    local_hub.add_token("hf_...", write=True)  # the README's placeholder, on the local endpoint
    scratch = tmp_path / "readme"  # tmp_path also holds the local Hub and its cache
    scratch.mkdir()
    blocks = _readme_blocks()
    assert len(blocks) >= 3
    (scratch / "assets").symlink_to(ROOT / "assets")
    monkeypatch.chdir(scratch)
    namespace: dict[str, object] = {"__name__": "readme"}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)
    six, depth_mm = namespace["six"], namespace["depth_mm"]
    assert isinstance(six, np.ndarray)
    assert six.shape == (6, 480, 640, 3)
    assert isinstance(depth_mm, np.ndarray)
    assert depth_mm.shape == (2, 480, 640)
    assert (scratch / "cam.mp4").stat().st_size > 0
    assert (scratch / "data" / "my_dataset" / "meta" / "info.json").is_file()
    merged = namespace["merged"]
    assert merged.num_episodes == 2  # type: ignore[attr-defined]
    assert (scratch / "data" / "merged" / "meta" / "info.json").is_file()
    done = namespace["done"]
    recorded = open_dataset(scratch / "data" / "my_dataset")
    assert done.num_frames == recorded.num_frames  # type: ignore[attr-defined]
    h264 = json.loads((scratch / "data" / "my_dataset_h264" / "meta" / "info.json").read_text())
    assert h264["features"]["observation.images.top"]["info"]["video.codec"] == "h264"
    report, copies = namespace["report"], namespace["copies"]
    cameras = ["observation.images.top", "observation.images.top_depth"]
    assert [f.key for f in report.features] == cameras  # type: ignore[attr-defined]
    assert list(copies) == cameras  # type: ignore[call-overload]
    study, best = namespace["study"], namespace["best"]
    assert len(study.rows) == 8  # type: ignore[attr-defined]
    assert study.csv_path == Path("data/study/study.csv")  # type: ignore[attr-defined]
    assert best.proposal["avg_psnr"] >= best.min_psnr_db  # type: ignore[attr-defined]
    assert sorted(os.listdir(scratch)) == ["assets", "cam.mp4", "data", "depth.mp4"]
