"""Typed features (``FeatureInfo``, ``StreamKind``): read once at the JSON boundary.

Covers: the canonical and both legacy depth markers resolve to ``StreamKind.DEPTH`` in
``from_dict`` (and nowhere else); ``to_dict`` gives back the stored entry (unknown keys
and a legacy ``video_info`` kept); malformed entries raise ``MetadataError``;
``check_features`` marks (H, W, 1) cameras as depth and refuses a 3-channel depth camera;
``with_video_info`` puts ``depth_unit`` after ``is_depth_map``; the writer's features are
not changed by adding frames.
"""

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lerobot_video import (
    ConfigError,
    FeatureInfo,
    MetadataError,
    StreamKind,
    create_dataset,
)
from lerobot_video.dataset.features import check_features, parse_features, with_video_info

VIDEO: dict[str, Any] = {
    "dtype": "video",
    "shape": [48, 64, 1],
    "names": ["height", "width", "channels"],
}


class TestDepthMarkers:
    @pytest.mark.parametrize(
        "entry",
        [
            {**VIDEO, "info": {"is_depth_map": True}},
            {**VIDEO, "info": {"video.is_depth_map": True}},
            {**VIDEO, "video_info": {"video.is_depth_map": True, "video.codec": "hevc"}},
        ],
        ids=["canonical", "legacy info key", "legacy video_info dict"],
    )
    def test_every_spelling_is_depth(self, entry: dict[str, Any]) -> None:
        feature = FeatureInfo.from_dict(entry, name="cam")
        assert feature.kind is StreamKind.DEPTH
        assert (feature.is_video, feature.is_depth) == (True, True)

    def test_false_markers_are_rgb(self) -> None:
        entry = {**VIDEO, "shape": [48, 64, 3], "info": {"video.is_depth_map": False}}
        assert FeatureInfo.from_dict(entry, name="cam").kind is StreamKind.RGB

    def test_columns_have_no_kind(self) -> None:
        feature = FeatureInfo.from_dict({"dtype": "float32", "shape": [2]}, name="x")
        assert (feature.kind, feature.is_video, feature.shape) == (None, False, (2,))

    def test_legacy_video_info_is_folded_under_info(self) -> None:
        entry = {
            **VIDEO,
            "info": {"video.codec": "hevc"},
            "video_info": {"video.codec": "av1", "video.depth_max": 5.0},
        }
        feature = FeatureInfo.from_dict(entry, name="cam")
        assert feature.stream_info == {"video.codec": "hevc", "video.depth_max": 5.0}

    def test_stream_kind_is_its_value(self) -> None:
        assert (str(StreamKind.DEPTH), StreamKind("rgb")) == ("depth", StreamKind.RGB)


class TestRoundTrip:
    def test_to_dict_gives_back_the_entry_with_unknown_keys(self) -> None:
        entry = {
            **VIDEO,
            "info": {"video.is_depth_map": True, "video.fps": 30},
            "video_info": {"video.codec": "hevc"},
            "fps": 30,
        }
        feature = FeatureInfo.from_dict(entry, name="cam")
        assert dict(feature.extras) == {"video_info": {"video.codec": "hevc"}, "fps": 30}
        assert feature.to_dict() == entry
        assert list(feature.to_dict()) == list(entry)

    def test_survives_deepcopy_and_pickle(self) -> None:
        # Session state is deep-copied by Gradio, and executors pickle what they send.
        feature = FeatureInfo.from_dict(
            {"dtype": "video", "shape": [4, 4, 1], "info": {"is_depth_map": True}, "fps": 30},
            name="depth",
        )
        assert copy.deepcopy(feature) == feature
        assert pickle.loads(pickle.dumps(feature)) == feature

    def test_entries_are_copied(self) -> None:
        info: dict[str, Any] = {"is_depth_map": True}
        feature = FeatureInfo.from_dict({**VIDEO, "info": info}, name="cam")
        info["is_depth_map"] = False
        written = feature.to_dict()
        written["info"]["depth_unit"] = "m"
        assert feature.to_dict()["info"] == {"is_depth_map": True}

    @pytest.mark.parametrize(
        ("entry", "match"),
        [
            ({"shape": [1]}, r"Feature 'x' has no 'dtype' string"),
            ({"dtype": "float32"}, r"Feature 'x' has no valid 'shape'"),
            ({"dtype": "float32", "shape": ["a"]}, r"Feature 'x' has no valid 'shape'"),
        ],
    )
    def test_malformed_entries(self, entry: dict[str, Any], match: str) -> None:
        with pytest.raises(MetadataError, match=match):
            parse_features({"x": entry})

    def test_features_must_be_a_mapping(self) -> None:
        with pytest.raises(MetadataError, match="must be a mapping"):
            parse_features([VIDEO])  # type: ignore[arg-type]


class TestCheckFeatures:
    def test_one_channel_cameras_become_depth_and_defaults_follow(self) -> None:
        checked = check_features({"cam": {"dtype": "video", "shape": (48, 64, 1)}})
        assert list(checked) == [
            "cam",
            *("timestamp", "frame_index", "episode_index", "index", "task_index"),
        ]
        assert checked["cam"].to_dict() == {
            "dtype": "video",
            "shape": [48, 64, 1],
            "names": None,
            "info": {"is_depth_map": True},
        }
        assert checked["timestamp"].to_dict() == {"dtype": "float32", "shape": [1], "names": None}

    def test_three_channel_depth_is_refused(self) -> None:
        spec = {"dtype": "video", "shape": (48, 64, 3), "info": {"is_depth_map": True}}
        with pytest.raises(ConfigError, match="has 3 channel\\(s\\) but is_depth_map=True"):
            check_features({"cam": spec})


def test_video_info_puts_depth_unit_after_the_marker() -> None:
    features = check_features({"cam": {"dtype": "video", "shape": (48, 64, 1)}})
    described = with_video_info(
        features, {"cam": {"video.codec": "hevc", "is_depth_map": True}}, {"cam": "mm"}
    )
    assert list(described["cam"].info) == ["is_depth_map", "depth_unit", "video.codec"]
    assert features["cam"].info == {"is_depth_map": True}  # the input is not changed


@pytest.mark.requires_encoder("libx265")
def test_adding_frames_does_not_change_the_writer_features(tmp_path: Path) -> None:
    features = {"depth": {"dtype": "video", "shape": (48, 64, 1), "names": None}}
    expected = {"dtype": "video", "shape": [48, 64, 1], "names": None}
    with create_dataset(tmp_path / "d", fps=10, features=features) as writer:
        writer.add_frame({"depth": np.ones((48, 64, 1), np.uint16), "task": "t"})
        # The unit fixed by the first depth frame is stored when the episode is saved.
        assert writer.features == {"depth": {**expected, "info": {"is_depth_map": True}}}
        writer.save_episode()
        info = writer.features["depth"]["info"]
        assert list(info)[:3] == ["is_depth_map", "depth_unit", "video.height"]
        assert info["depth_unit"] == "mm"
        assert writer.feature_infos["depth"].is_depth
