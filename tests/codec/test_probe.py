"""Probing files (``lerobot_video.probe_video``) and LeRobot's ``info`` block (``feature_info``).

Files are written with PyAV directly (the ``make_video`` fixture), at the geometry of LeRobot's
reference clips (``tests/fixtures/lerobot_reference/video_info.json``: 10 frames, 64x96,
30 fps), so whole ``info`` dicts can be compared.

Covers:
- ``VideoInfo`` fields for libsvtav1, libx264 and libx265 files and a 12-bit grey HEVC file:
  canonical codec names, profile, pix_fmt, geometry, channels, fps, time base, frame counts
  (header and content), duration ≈ N / fps, size, bit rate; another frame rate;
- ``to_info_dict``: LeRobot's stream-derived keys, order and types; audio keys with audio;
- ``feature_info``: exactly LeRobot's dict for RGB configs (incl. ``video.preset`` 12 for
  libsvtav1) and for the default ``DepthEncoderConfig`` (four depth keys, ``is_depth_map``);
  stream values win over the config; the extra options are copied;
- a truncated file shows a header/content frame-count mismatch; unreadable files raise
  ``MediaError``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import (
    DepthEncoderConfig,
    MediaError,
    RGBEncoderConfig,
    VideoInfo,
    feature_info,
    probe_video,
)

REFERENCE = json.loads(
    (Path(__file__).parents[1] / "fixtures/lerobot_reference/video_info.json").read_text()
)
N = REFERENCE["frames"]["n"]
HEIGHT = REFERENCE["frames"]["height"]
WIDTH = REFERENCE["frames"]["width"]
FPS = REFERENCE["frames"]["fps"]

# encoder -> (vcodec of the config LeRobot used, reference clip name, canonical codec name)
RGB_CASES = {
    "libsvtav1": ("libsvtav1", "rgb_default", "av1"),
    "libx264": ("h264", "rgb_h264", "h264"),
    "libx265": ("hevc", "rgb_hevc", "hevc"),
}


def _typed(info: dict[str, Any]) -> list[list[Any]]:
    return [[key, value, type(value).__name__] for key, value in info.items()]


@pytest.fixture
def rgb_video(
    tmp_path: Path,
    make_frames: Callable[..., npt.NDArray[np.uint8]],
    make_video: Callable[..., Path],
) -> Callable[..., Path]:
    """``rgb_video(encoder, pix_fmt=..., fps=..., faststart=...)``: N moving frames, g 2, crf 30."""

    def make(
        encoder: str, *, pix_fmt: str = "yuv420p", fps: int = FPS, faststart: bool = False
    ) -> Path:
        frames = make_frames(N, HEIGHT, WIDTH, "moving")
        options = {"g": "2", "crf": "30"}
        return make_video(tmp_path, encoder, pix_fmt, frames, fps, options, faststart=faststart)

    return make


@pytest.fixture
def depth_video(tmp_path: Path, make_video: Callable[..., Path]) -> Path:
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    codes = np.stack([(xx * 30 + yy * 20 + i * 50) % 4096 for i in range(N)]).astype(np.uint16)
    options = {"g": "2", "crf": "30", "x265-params": "lossless=1"}
    return make_video(tmp_path, "libx265", "gray12le", codes, FPS, options)


@pytest.mark.parametrize(
    "encoder", [pytest.param(e, marks=pytest.mark.requires_encoder(e)) for e in RGB_CASES]
)
class TestProbeRGB:
    def test_fields(self, rgb_video: Callable[..., Path], encoder: str) -> None:
        path = rgb_video(encoder)
        info = probe_video(path)
        _, clip, codec = RGB_CASES[encoder]
        stream = REFERENCE["clips"][clip]["stream"]
        assert isinstance(info, VideoInfo)
        assert info.path == path
        assert info.size_bytes == path.stat().st_size
        assert info.codec == codec == stream["canonical_name"]
        assert info.profile == stream["profile"]
        assert info.pix_fmt == "yuv420p"
        assert (info.width, info.height, info.channels) == (WIDTH, HEIGHT, 3)
        assert info.fps == FPS
        assert info.time_base == Fraction(stream["time_base"])
        assert info.num_frames_from_header == N
        assert info.num_frames_from_content == info.num_frames == N
        assert info.duration_seconds == pytest.approx(N / FPS, abs=0.5 / FPS)
        assert info.bit_rate is not None
        assert info.bit_rate > 0
        assert not info.has_audio
        assert info.audio == {}

    def test_to_info_dict_is_lerobots(self, rgb_video: Callable[..., Path], encoder: str) -> None:
        expected = dict(REFERENCE["clips"][RGB_CASES[encoder][1]]["info_without_encoder"])
        assert expected.pop("is_depth_map") is False  # added by feature_info, not the probe
        info = probe_video(rgb_video(encoder)).to_info_dict()
        assert list(info) == list(expected)
        assert _typed(info) == _typed(expected)

    def test_feature_info_is_lerobots(self, rgb_video: Callable[..., Path], encoder: str) -> None:
        vcodec, clip, _ = RGB_CASES[encoder]
        expected = REFERENCE["clips"][clip]["info_with_encoder"]
        info = feature_info(probe_video(rgb_video(encoder)), RGBEncoderConfig(vcodec=vcodec))
        assert list(info) == list(expected)
        assert _typed(info) == _typed(expected)


@pytest.mark.requires_encoder("libx265")
class TestProbeDepth:
    def test_fields(self, depth_video: Path) -> None:
        info = probe_video(depth_video)
        stream = REFERENCE["clips"]["depth_default"]["stream"]
        assert info.codec == "hevc"
        assert info.profile == stream["profile"] == "Rext"
        assert info.pix_fmt == "gray12le"
        assert info.channels == 1
        assert info.num_frames == N

    def test_feature_info_is_lerobots(self, depth_video: Path) -> None:
        expected = REFERENCE["clips"]["depth_default"]["info_with_encoder"]
        info = feature_info(probe_video(depth_video), DepthEncoderConfig())
        assert list(info) == list(expected)
        assert _typed(info) == _typed(expected)
        depth_keys = ["video.depth_min", "video.depth_max", "video.shift", "video.use_log"]
        assert list(info)[-5:] == [*depth_keys, "is_depth_map"]
        assert info["is_depth_map"] is True

    def test_depth_values_come_from_config(self, depth_video: Path) -> None:
        config = DepthEncoderConfig(depth_min=0.2, depth_max=4.0, shift=1.0, use_log=False)
        info = feature_info(probe_video(depth_video), config)
        assert [info[k] for k in ("video.depth_min", "video.depth_max", "video.shift")] == [
            0.2,
            4.0,
            1.0,
        ]
        assert info["video.use_log"] is False


@pytest.mark.requires_encoder("libx264", "libsvtav1")
class TestFeatureInfo:
    def test_rgb_svtav1_persists_preset_12(self, rgb_video: Callable[..., Path]) -> None:
        info = feature_info(probe_video(rgb_video("libsvtav1")), RGBEncoderConfig())
        assert info["video.preset"] == 12
        assert info["is_depth_map"] is False
        assert not any(k.startswith("video.depth") for k in info)

    def test_rgb_keys_exactly_lerobots(self, rgb_video: Callable[..., Path]) -> None:
        config = RGBEncoderConfig(vcodec="h264", g=5, crf=18, preset="fast", fast_decode=1)
        info = feature_info(probe_video(rgb_video("libx264")), config)
        assert list(info) == list(REFERENCE["clips"]["rgb_h264"]["info_with_encoder"])
        assert [info[f"video.{k}"] for k in ("g", "crf", "preset", "fast_decode")] == [
            5,
            18,
            "fast",
            1,
        ]

    def test_stream_pix_fmt_wins_over_config(self, rgb_video: Callable[..., Path]) -> None:
        path = rgb_video("libx264", pix_fmt="yuv444p")
        info = feature_info(probe_video(path), RGBEncoderConfig(vcodec="h264"))
        assert info["video.pix_fmt"] == "yuv444p"

    def test_extra_options_copied_as_dict(self, rgb_video: Callable[..., Path]) -> None:
        config = RGBEncoderConfig(vcodec="h264", extra_options={"bf": 0})
        info = feature_info(probe_video(rgb_video("libx264")), config)
        assert info["video.extra_options"] == {"bf": 0}
        assert type(info["video.extra_options"]) is dict
        info["video.extra_options"]["bf"] = 3
        assert config.extra_options == {"bf": 0}

    @pytest.mark.parametrize("fps", [15, 24, 60])
    def test_other_frame_rates(self, rgb_video: Callable[..., Path], fps: int) -> None:
        info = probe_video(rgb_video("libx264", fps=fps))
        assert info.fps == fps
        assert info.to_info_dict()["video.fps"] == fps
        assert type(info.to_info_dict()["video.fps"]) is int
        assert info.duration_seconds == pytest.approx(N / fps, abs=0.5 / fps)


def _write_with_audio(path: Path, frames: npt.NDArray[np.uint8]) -> None:
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        audio = container.add_stream("aac", rate=48000)
        audio.layout = "stereo"
        for index, array in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        for index in range(8):
            samples = np.zeros((1, 2 * 1024), dtype=np.float32)
            sound = av.AudioFrame.from_ndarray(samples, format="flt", layout="stereo")
            sound.sample_rate, sound.pts = 48000, index * 1024
            container.mux(audio.encode(sound))
        container.mux(audio.encode(None))
        container.mux(video.encode(None))


@pytest.mark.requires_encoder("libx264")
def test_audio_keys(tmp_path: Path, make_frames: Callable[..., npt.NDArray[np.uint8]]) -> None:
    path = tmp_path / "with_audio.mp4"
    _write_with_audio(path, make_frames(N, HEIGHT, WIDTH))
    info = probe_video(path)
    assert info.has_audio
    assert info.num_frames == N  # the audio packets are not counted as frames
    keys = list(info.to_info_dict())
    audio_keys = [
        "audio.channels",
        "audio.codec",
        "audio.bit_rate",
        "audio.sample_rate",
        "audio.bit_depth",
        "audio.channel_layout",
    ]
    assert keys == [*keys[:6], *audio_keys, "has_audio"]
    assert info.audio["audio.codec"] == "aac"
    assert info.audio["audio.channels"] == 2
    assert info.audio["audio.sample_rate"] == 48000
    assert info.audio["audio.channel_layout"] == "stereo"
    assert info.to_info_dict()["has_audio"] is True


class TestDamagedFiles:
    @pytest.mark.requires_encoder("libx264")
    def test_truncated_file_counts_differ(self, rgb_video: Callable[..., Path]) -> None:
        path = rgb_video("libx264", faststart=True)  # index first, so the header survives
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        info = probe_video(path)
        assert info.num_frames_from_header == N
        assert info.num_frames_from_content < N

    @pytest.mark.parametrize(
        ("content", "match"),
        [
            (b"", r"is empty \(0 bytes\)"),
            (b"not a video\n" * 40, "Cannot read .* as a video file"),
        ],
        ids=["empty", "text"],
    )
    def test_unreadable(self, tmp_path: Path, content: bytes, match: str) -> None:
        path = tmp_path / "bad.mp4"
        path.write_bytes(content)
        with pytest.raises(MediaError, match=match):
            probe_video(path)

    def test_missing(self, tmp_path: Path) -> None:
        with pytest.raises(MediaError, match="does not exist"):
            probe_video(tmp_path / "missing.mp4")
