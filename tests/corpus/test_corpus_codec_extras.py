"""Malformed inputs to the codec room's smaller public functions: ``trial_encode``,
``browser_support``, ``feature_info`` and ``clear_decoder_cache``; each refused by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lerobot_video import (
    ConfigError,
    MediaError,
    MetadataError,
    RGBEncoderConfig,
    browser_support,
    clear_decoder_cache,
    encoding_report,
    feature_info,
    trial_encode,
)
from lerobot_video.codec.mp4_index import read_sample_index

WRONG_VALUES: list[Any] = [None, 3, 2.5, b"av1", ["av1"], {"codec": "av1"}, "", True]


@pytest.mark.parametrize("value", WRONG_VALUES, ids=repr)
@pytest.mark.parametrize("argument", ["codec", "pix_fmt"])
def test_browser_support_arguments(argument: str, value: Any) -> None:
    kwargs = {"codec": "av1", "pix_fmt": "yuv420p", argument: value}
    with pytest.raises(ConfigError, match=f"{argument} must be a non-empty string"):
        browser_support(**kwargs)


@pytest.mark.parametrize("video", WRONG_VALUES, ids=repr)
def test_feature_info_needs_a_probed_video(video: Any) -> None:
    with pytest.raises(ConfigError, match="video must be a VideoInfo"):
        feature_info(video, RGBEncoderConfig())


@pytest.mark.parametrize("config", [*WRONG_VALUES, object()], ids=repr)
def test_trial_encode_needs_a_config(config: Any) -> None:
    with pytest.raises(ConfigError, match="trial_encode"):
        trial_encode(config)


@pytest.mark.parametrize("fps", [0, -1, 2.5, "30", True, None, 1e308])
def test_trial_encode_fps(fps: Any) -> None:
    with pytest.raises(ConfigError, match="fps must be an integer >= 1"):
        trial_encode(RGBEncoderConfig(vcodec="h264"), fps=fps)


@pytest.mark.parametrize(
    "extra",
    [
        {"threads": "abc"},
        {"threads": "-5x"},
        {"x264-params": "garbage"},
        {"x264-params": "::"},
        {"profile": "nonsense"},
        {"level": "zz"},
    ],
    ids=str,
)
def test_trial_encode_options_ffmpeg_refuses(extra: dict[str, str]) -> None:
    config = RGBEncoderConfig(vcodec="h264", extra_options=extra)
    with pytest.raises(ConfigError, match="refuses these options at 30 fps"):
        trial_encode(config)


@pytest.mark.parametrize("under", [3, b"x", ["a"], "", "\0bad"], ids=repr)
def test_clear_decoder_cache_folder(under: Any) -> None:
    with pytest.raises(ConfigError, match="under"):
        clear_decoder_cache(under=under)


def test_clear_decoder_cache_of_a_missing_folder_is_a_no_op(tmp_path: Path) -> None:
    clear_decoder_cache(under=tmp_path / "never-made")
    assert not (tmp_path / "never-made").exists()


def _index_inputs(folder: Path) -> dict[str, tuple[Any, type[Exception], str]]:
    (folder / "text.mp4").write_text("not a video")
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "sub").mkdir()
    # An 'ftyp' box then a 'moov' box claiming more bytes than the file has.
    (folder / "cut.mp4").write_bytes(b"\x00\x00\x00\x08ftyp\x00\x00\x10\x00moov" + b"\x00" * 16)
    return {
        "None": (None, ConfigError, "path"),
        "int": (3, ConfigError, "path"),
        "missing": (folder / "missing.mp4", MediaError, "missing.mp4.* cannot be indexed"),
        "folder": (folder / "sub", MediaError, "sub.* cannot be indexed"),
        "text": (folder / "text.mp4", MediaError, "text.mp4.* cannot be indexed"),
        "empty": (folder / "empty.mp4", MediaError, "empty.mp4.* cannot be indexed"),
        "cut-moov": (folder / "cut.mp4", MediaError, "cut.mp4.* cannot be indexed: box"),
    }


@pytest.mark.parametrize("case", ["None", "int", "missing", "folder", "text", "empty", "cut-moov"])
def test_read_sample_index_refuses_what_is_not_an_mp4_index(case: str, tmp_path: Path) -> None:
    value, kind, match = _index_inputs(tmp_path)[case]
    with pytest.raises(kind, match=match):
        read_sample_index(value)


@pytest.mark.parametrize("root", [None, 3, "", "missing-dataset"], ids=repr)
def test_encoding_report_refuses_what_is_not_a_dataset(root: Any, tmp_path: Path) -> None:
    with pytest.raises((ConfigError, MetadataError)):
        encoding_report(tmp_path / root if root == "missing-dataset" else root)
