"""``open_dataset`` and ``DatasetReader`` on the dataset LeRobot 0.6.1 recorded.

Covers: every frame, timestamp and value of ``fixtures/lerobot_dataset`` (made by
``make_fixture.py`` from ``fed.npz``); legacy depth markers; typed features; a dataset
without episodes; bounds and version errors.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lerobot_video import (
    ConfigError,
    FrameIndexError,
    MetadataError,
    create_dataset,
    dequantize_depth,
    open_dataset,
    quantize_depth,
)

from .dataset_fakes import (
    CAM,
    DEPTH,
    FEATURES,
    LEROBOT_ROOT,
    RGB_PSNR_FLOOR_DB,
    all_columns,
    all_frames,
    fixture_frame,
    psnr,
    read_json,
)

pytestmark = pytest.mark.requires_encoder("libsvtav1", "libx265")


class TestReadLeRobotDataset:
    def test_metadata(self, fed: dict[str, Any]) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        assert (reader.num_episodes, reader.num_frames, reader.fps) == (2, 13, 30)
        assert reader.tasks == ("pick up the red cube", "put the cube in the bowl")
        assert (reader.video_keys, reader.depth_keys) == ([CAM, DEPTH], [DEPTH])
        assert [e.length for e in reader.episodes] == fed["episode_lengths"].tolist()
        assert [e.tasks for e in reader.episodes] == [(t,) for t in reader.tasks]
        second = reader.episodes[1]
        assert (second.dataset_from_index, second.dataset_to_index) == (8, 13)
        assert second.videos[CAM].from_seconds == pytest.approx(8 / 30)
        assert reader.stats is not None
        assert reader.stats[CAM]["mean"].shape == (3, 1, 1)

    def test_everyframe(self, fed: dict[str, Any]) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        assert psnr(all_frames(reader, CAM), fed["rgb"]) > RGB_PSNR_FLOOR_DB
        codes = np.concatenate([reader.depth_codes(DEPTH, e) for e in range(2)])
        np.testing.assert_array_equal(codes, quantize_depth(fed["depth"]))
        np.testing.assert_array_equal(all_frames(reader, DEPTH), dequantize_depth(codes))
        metres = all_frames(reader, DEPTH, depth_output_unit="m")
        np.testing.assert_allclose(metres, all_frames(reader, DEPTH) / 1000, atol=5e-4)

    def test_every_value(self, fed: dict[str, Any]) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        columns = all_columns(reader)
        np.testing.assert_array_equal(columns["observation.state"], fed["state"])
        np.testing.assert_array_equal(columns["action"], fed["action"])
        frame_index = np.concatenate([np.arange(n) for n in fed["episode_lengths"]])
        np.testing.assert_array_equal(columns["frame_index"], frame_index)
        np.testing.assert_array_equal(columns["timestamp"], (frame_index / 30).astype(np.float32))
        np.testing.assert_array_equal(columns["index"], np.arange(13))
        tasks = [reader.tasks[i] for i in columns["task_index"]]
        assert tasks == fed["tasks"].tolist()

    def test_frame_subset_any_order(self) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        everything = reader.frames(CAM, 0)
        np.testing.assert_array_equal(reader.frames(CAM, 0, [5, 0, 5]), everything[[5, 0, 5]])


def test_dataset_without_episodes_opens(tmp_path: Path, fed: dict[str, Any]) -> None:
    writer = create_dataset(tmp_path / "d", fps=30, features=FEATURES)
    writer.add_frame(fixture_frame(fed, 0))
    del writer
    reader = open_dataset(tmp_path / "d")
    assert (reader.num_episodes, reader.num_frames, reader.tasks) == (0, 0, ())
    assert reader.stats is None


@pytest.mark.parametrize("legacy", ["video.is_depth_map in info", "video_info dict"])
def test_reader_accepts_legacy_depth_markers(tmp_path: Path, legacy: str) -> None:
    root = tmp_path / "legacy"
    shutil.copytree(LEROBOT_ROOT, root)
    info = read_json(root / "meta/info.json")
    feature = info["features"][DEPTH]
    block = feature.pop("info")
    block.pop("is_depth_map")
    if legacy == "video_info dict":
        feature["video_info"] = {**block, "video.is_depth_map": True}
    else:
        feature["info"] = {**block, "video.is_depth_map": True}
    (root / "meta/info.json").write_text(json.dumps(info, indent=4))
    reader = open_dataset(root)
    assert reader.depth_keys == [DEPTH]
    reference = open_dataset(LEROBOT_ROOT)
    np.testing.assert_array_equal(reader.frames(DEPTH, 1), reference.frames(DEPTH, 1))


class TestReaderErrors:
    def test_reader_bounds(self) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        with pytest.raises(FrameIndexError, match=r"valid indices are \[0, 5\)"):
            reader.frames(CAM, 1, [5])
        with pytest.raises(FrameIndexError, match=r"episodes 0\.\.1"):
            reader.frames(CAM, 2)
        with pytest.raises(ConfigError, match="not a video feature"):
            reader.frames("action", 0)
        with pytest.raises(ConfigError, match="not a depth feature"):
            reader.depth_codes(CAM, 0)

    def test_reader_refuses_other_versions(self, tmp_path: Path) -> None:
        with pytest.raises(MetadataError, match="Cannot read"):
            open_dataset(tmp_path)
        (tmp_path / "meta").mkdir()
        (tmp_path / "meta/info.json").write_text(json.dumps({"codebase_version": "v2.1"}))
        with pytest.raises(MetadataError, match="convert_dataset_v21_to_v30"):
            open_dataset(tmp_path)
