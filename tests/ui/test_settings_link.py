"""Settings that travel: a link holds exactly the configs it was made from, a bad link is
refused part by part with the library's words, and the forms are filled as the page fills them."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from components.settings_link import (
    Settings,
    depth_form_updates,
    rgb_form_updates,
    settings_from_query,
    settings_query,
)
from lerobot_video import DepthEncoderConfig, RGBEncoderConfig, with_lossless


def _params(query: str) -> dict[str, str]:
    return dict(parse_qsl(query, keep_blank_values=True))


@pytest.mark.parametrize(
    "rgb",
    [
        RGBEncoderConfig(),
        RGBEncoderConfig(vcodec="h264", crf=23.5, preset="slow", g=None),
        # Extra options travel as text, as the form holds them.
        RGBEncoderConfig(
            vcodec="hevc", pix_fmt="yuv444p", fast_decode=1, extra_options={"bf": "0"}
        ),
    ],
)
@pytest.mark.parametrize(
    "depth",
    [
        DepthEncoderConfig(),
        with_lossless(DepthEncoderConfig(depth_max=6.0, use_log=False, crf=18), False),
        DepthEncoderConfig(vcodec="ffv1", crf=None, preset=None, extra_options={}),
    ],
)
def test_a_link_round_trips_both_configs(rgb: RGBEncoderConfig, depth: DepthEncoderConfig) -> None:
    query = settings_query(rgb, depth, "record")
    read = settings_from_query(_params(query))
    assert read.problems == ()
    assert read.tab == "record"
    assert read.rgb is not None
    assert read.depth is not None
    assert settings_query(read.rgb, read.depth, "record") == query
    assert read.rgb.to_info() == rgb.to_info()
    assert read.depth.to_info() == depth.to_info()


def test_a_link_is_readable() -> None:
    query = settings_query(RGBEncoderConfig(vcodec="h264", crf=23), None, "compare")
    assert query.startswith("tab=compare&rgb.vcodec=h264&rgb.pix_fmt=yuv420p&rgb.g=2&rgb.crf=23")
    assert "depth." not in query


def test_parts_of_a_bad_link_are_refused_with_the_reason() -> None:
    query = settings_query(RGBEncoderConfig(), DepthEncoderConfig(), "depth")
    params = _params(query) | {"rgb.crf": "70", "tab": "nowhere"}
    read = settings_from_query(params)
    assert read.rgb is None
    assert read.depth is not None  # the valid part is kept
    assert read.tab is None
    assert len(read.problems) == 1
    assert "crf must be in [0, 63]" in read.problems[0]
    assert read.problems[0].startswith("The link's rgb settings were not used")


@pytest.mark.parametrize(
    "params",
    [
        {"depth.use_log": "maybe"},
        {"depth.depth_min": "<b>x</b>"},
        {"rgb.vcodec": "zzz"},
        {"rgb.g": "1e999"},
    ],
)
def test_garbage_never_raises(params: dict[str, str]) -> None:
    read = settings_from_query(params)
    assert read.rgb is None
    assert read.depth is None
    assert read.problems
    assert all("<b>" not in problem for problem in read.problems)


def test_no_settings_in_the_link_means_nothing_to_do() -> None:
    assert settings_from_query({"foo": "bar"}) == Settings()


def test_forms_are_filled_with_values_choices_and_verdict() -> None:
    config = RGBEncoderConfig(vcodec="h264", crf=23)
    label, vcodec, pix_fmt, *_values, verdict = rgb_form_updates(config, label="Mine")
    assert (label, vcodec) == ("Mine", "h264")
    assert pix_fmt["value"] == "yuv420p"
    assert "yuv444p" in [
        choice[0] if isinstance(choice, tuple) else choice for choice in pix_fmt["choices"]
    ]
    assert verdict.startswith("**Ready:** FFmpeg options: `g=2` `crf=23`")
    *values, depth_verdict = depth_form_updates(DepthEncoderConfig())
    assert len(values) == 10
    assert depth_verdict.startswith("**Ready:**")
    assert rgb_form_updates(None) == [rgb_form_updates(None)[0]] * 9
