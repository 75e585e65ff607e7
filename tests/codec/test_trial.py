"""The trial encode: FFmpeg itself judges a config's exact options before a run, so a form's
green verdict means the run starts; what the encoder would silently change becomes a note."""

from __future__ import annotations

import dataclasses

import pytest

from lerobot_video import (
    ConfigError,
    DepthEncoderConfig,
    LeRobotVideoError,
    RGBEncoderConfig,
    codec_options,
    encode_video,
    trial_encode,
)

H264 = RGBEncoderConfig(vcodec="h264")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"threads": "abc"}, "h264 refuses these options at 30 fps"),
        ({"x264-params": "garbage"}, "x264-params=garbage"),
    ],
)
def test_options_ffmpeg_refuses_fail_the_trial(extra: dict[str, str], words: str) -> None:
    config = dataclasses.replace(H264, extra_options=extra)
    with pytest.raises(ConfigError, match=words):
        trial_encode(config)


def test_a_refused_config_also_fails_the_real_encoder(tmp_path: object) -> None:
    """The trial and the run agree: what the trial refuses, encoding refuses too."""
    import numpy as np

    config = dataclasses.replace(H264, extra_options={"threads": "abc"})
    with pytest.raises(ConfigError):
        trial_encode(config)
    frames = np.zeros((3, 64, 64, 3), np.uint8)
    with pytest.raises(LeRobotVideoError, match=r"Invalid argument|threads"):
        encode_video(frames, f"{tmp_path}/x.mp4", fps=30, config=config)


def test_valid_configs_pass_with_no_notes() -> None:
    for config in (RGBEncoderConfig(), H264, RGBEncoderConfig(vcodec="hevc"), DepthEncoderConfig()):
        trial = trial_encode(config)
        assert trial.notes == ()
        assert trial.plan.options.keys() >= codec_options(config).keys()


def test_unknown_options_are_refused_by_name() -> None:
    """FFmpeg would run and silently ignore them: a typo would go unnoticed."""
    with pytest.raises(ConfigError, match=r"h264 has no option bogus \(bogus=1\)"):
        trial_encode(dataclasses.replace(H264, extra_options={"bogus": "1"}))


@pytest.mark.parametrize(
    ("config", "note"),
    [
        (dataclasses.replace(H264, crf=1000), "crf 1000 is above h264's maximum; it encodes as 51"),
        (dataclasses.replace(H264, fast_decode=99), "fast_decode 99 acts as 1 (tune=fastdecode)"),
        (RGBEncoderConfig(fast_decode=99), "fast_decode 99 acts as 2, SVT-AV1's highest level"),
        (
            RGBEncoderConfig(extra_options={"svtav1-params": "foo=bar"}),
            "Extra options svtav1-params are set by the form's own fields",
        ),
        (
            RGBEncoderConfig(extra_options={"crf": "abc"}),
            "Extra options crf are set by the form's own fields",
        ),
    ],
)
def test_what_the_encoder_changes_silently_is_a_note(config: RGBEncoderConfig, note: str) -> None:
    notes = trial_encode(config).notes
    assert any(note in text for text in notes), notes


def test_frame_rate_above_the_encoder_limit_is_refused() -> None:
    with pytest.raises(ConfigError, match="libsvtav1 encodes at most 240 fps, got 1000"):
        trial_encode(RGBEncoderConfig(), fps=1000)
    assert trial_encode(H264, fps=1000).notes == ()


@pytest.mark.parametrize("fps", [0, -1, 2.5, "30", True, None])
def test_fps_must_be_a_positive_integer(fps: object) -> None:
    with pytest.raises(ConfigError, match="fps must be an integer >= 1"):
        trial_encode(H264, fps=fps)  # type: ignore[arg-type]


@pytest.mark.parametrize("config", [None, "h264", {"vcodec": "h264"}])
def test_not_a_config_is_refused(config: object) -> None:
    with pytest.raises(ConfigError, match="trial_encode"):
        trial_encode(config)  # type: ignore[arg-type]
