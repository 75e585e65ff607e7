"""What users read when something is wrong: their words, no server paths, no raw HTML, no
300-digit numbers; user errors logged as one line, faults left to Gradio's traceback."""

from __future__ import annotations

import logging

import gradio as gr
import pytest

from components.feedback import MAX_MESSAGE_CHARS, shows_library_errors, user_text
from components.widgets import validate_form
from lerobot_video import ConfigError, MediaError, RGBEncoderConfig


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "FFmpeg could not open '/srv/data/sessions/ab12/compare/1-h264.partial.mp4'.",
            "FFmpeg could not open '1-h264.partial.mp4'.",
        ),
        ("Cannot read /tmp/gradio/3f2a/clip.mp4: no video", "Cannot read clip.mp4: no video"),
        ("dtype must be uint8, got <class 'numpy.float64'>", "got &lt;class 'numpy.float64'>"),
        ("crf must be <= 63, got 1" + "0" * 308, "got 1.000e+308"),
        ("frames must be 1/fps apart and video/mp4", "frames must be 1/fps apart and video/mp4"),
        ("R&D <b>bold</b>", "R&amp;D &lt;b>bold&lt;/b>"),
    ],
)
def test_user_text_hides_paths_escapes_html_and_shortens_numbers(message: str, shown: str) -> None:
    text = user_text(message)
    assert shown in text
    assert "/sessions/" not in text
    assert "/tmp/" not in text


def test_user_text_is_cut_to_a_readable_length() -> None:
    text = user_text("x" * 10_000)
    assert len(text) == MAX_MESSAGE_CHARS
    assert text.endswith("…")


def test_user_errors_become_toasts_logged_as_one_line(caplog: pytest.LogCaptureFixture) -> None:
    @shows_library_errors
    def handler(error: Exception) -> None:
        raise error

    caplog.set_level(logging.INFO, logger="lerobot_video_studio")
    for error in (
        ConfigError("crf must be in [0, 63], got 70."),
        MediaError("Cannot read '/srv/data/sessions/x/y.mp4'.\nIt is truncated."),
        gr.Error("Load a clip first."),
    ):
        with pytest.raises(gr.Error) as raised:
            handler(error)
        assert raised.value.print_exception is False  # no traceback in the server log
    lines = [r.getMessage() for r in caplog.records if r.name == "lerobot_video_studio"]
    assert lines == [
        "user error in handler: crf must be in [0, 63], got 70.",
        "user error in handler: Cannot read 'y.mp4'. It is truncated.",
        "user error in handler: Load a clip first.",
    ]


def test_faults_are_not_dressed_as_user_errors() -> None:
    @shows_library_errors
    def handler() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        handler()


def test_verdict_of_a_huge_crf_is_short_and_names_the_field() -> None:
    values = ["h264", "yuv420p", 2, 1e308, "", 0, ""]
    verdict = validate_form(*values)
    assert verdict.startswith("**Refused:** crf must be in")
    assert "1.000e+308" in verdict or "1e+308" in verdict
    assert max(len(run) for run in verdict.replace(".", " ").split()) < 40


@pytest.mark.parametrize(
    ("extra", "shown"),
    [
        ("threads=abc", "**Refused:** h264 refuses these options at 30 fps"),
        ("x264-params=garbage", "**Refused:** h264 refuses these options"),
        ("bogus=1", "**Refused:** h264 has no option bogus"),
        ("<b>x</b>=1", "&lt;b>x&lt;/b>=1"),
    ],
)
def test_h264_verdict_is_what_ffmpeg_says(extra: str, shown: str) -> None:
    verdict = validate_form("h264", "yuv420p", 2, 30, "", 0, extra)
    assert shown in verdict


def test_green_verdict_means_the_default_runs() -> None:
    from components.widgets import form_values

    assert validate_form(*form_values(RGBEncoderConfig())).startswith("**Ready:** FFmpeg options")
