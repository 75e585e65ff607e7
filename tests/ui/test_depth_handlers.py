"""Depth-tab handlers called directly: loading sources (the bundled clip read as a depth camera
would), the round trip with alternatives, row labels that say what each row ran, status text,
the unit toggle re-rendering without re-encoding, the pixel probe following the frame, clear
errors, the Lossless box and alternatives meaning what the library's ``is_lossless`` says, and
``render`` handing back its page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import pytest

import app
from components.depth import handlers as depth
from components.depth.charts import depth_results_table
from components.depth.layout import DepthPage
from components.depth.tab import render
from components.depth_form import depth_config_from_form, depth_form_values, validate_depth_form
from components.state import AppSettings, Sessions, SessionState
from lerobot_video import ConfigError, DepthEncoderConfig, is_lossless, with_lossless

FORM: list[Any] = [0.01, 10.0, 3.5, True, "hevc", "gray12le", 2, 30, "", True]
LOSSY, FFV1 = "Lossy HEVC, crf 20", "Lossless FFV1 (LeRobot 0.6.1 cannot read it)"


def _no_progress(*args: Any, **kwargs: Any) -> None:
    return None


def load(
    settings: AppSettings, source: str, files: list[str] | None, fps: float | None, limit: float
) -> tuple[SessionState, str]:
    """A new session with depth loaded as the Depth page loads it; and the status."""
    state = SessionState.new(settings)
    return state, depth.load_depth(state, source, files, fps, limit, settings)


@pytest.fixture(scope="module")
def round_tripped(settings: AppSettings) -> SessionState:
    state, status = load(settings, depth.BUNDLED, None, 30, 6)
    assert "6 frames of 640x480 (float32 metres), 50 fps" in status
    status = depth.run_depth_round_trip(
        state,
        True,
        [LOSSY, FFV1],
        *FORM,
        progress=_no_progress,  # type: ignore[arg-type]
    )
    assert status == "Round-tripped 3 configurations."  # nothing lies outside [0.01, 10] m
    return state


def test_results_follow_the_unit_without_reencoding(round_tripped: SessionState) -> None:
    assert round_tripped.depth is not None
    files = [e.path.stat().st_mtime_ns for e in round_tripped.depth.encodings]
    in_mm = depth.show_depth_results(round_tripped, "mm")
    in_m = depth.show_depth_results(round_tripped, "m")
    rows_mm, rows_m = in_mm[0]["value"], in_m[0]["value"]
    assert [r[0] for r in rows_mm] == [
        "Your config: HEVC lossless, preset medium, keyframe every 2 frames",
        "HEVC lossy, crf 20, preset medium, keyframe every 2 frames",
        "FFV1 lossless, keyframe every 2 frames",
    ]
    assert rows_mm[0][6] == "yes"
    assert rows_mm[1][6].startswith("no (up to")
    mm_value = float(rows_mm[0][7].removesuffix(" mm"))
    m_value = float(rows_m[0][7].removesuffix(" m"))
    assert mm_value == pytest.approx(m_value * 1000, abs=0.01)
    assert in_m[1]["value"].layout.xaxis.title.text == "Depth (m)"
    assert in_mm[1]["value"].layout.xaxis.title.text == "Depth (mm)"
    assert [e.path.stat().st_mtime_ns for e in round_tripped.depth.encodings] == files


def test_probe_reports_values_in_the_chosen_unit(round_tripped: SessionState) -> None:
    in_mm = depth.probe_depth_pixel(round_tripped, 0, "mm", [320, 300])
    in_m = depth.probe_depth_pixel(round_tripped, 0, "m", [320, 300])
    assert "(x=320, y=300)" in in_mm
    original_mm = float(in_mm.split("| Original | ")[1].split(" mm")[0])
    original_m = float(in_m.split("| Original | ")[1].split(" m |")[0])
    assert original_mm == pytest.approx(original_m * 1000, abs=0.01)


def test_probe_names_the_frame_it_reads(round_tripped: SessionState) -> None:
    """The probe reads the frame the slider shows, not frame 0."""
    assert round_tripped.depth is not None
    col, row = 320, 300
    for frame in (0, 5):
        text = depth.probe_depth_pixel(round_tripped, frame, "mm", [col, row])
        assert f"(x={col}, y={row}), frame {frame}**" in text
        expected = round_tripped.depth.original_frame_m(frame)[row, col] * 1000
        assert f"| Original | {expected:.2f} mm |" in text
        for encoding in round_tripped.depth.encodings:
            assert f"| {encoding.label} | " in text
    with pytest.raises(gr.Error, match="Frame must be a whole number from 0 to 5"):
        depth.probe_depth_pixel(round_tripped, 6, "mm", [col, row])
    assert depth.probe_depth_pixel(round_tripped, 5, "mm", None) == depth.PROBE_HINT


def test_frame_views_and_preview(round_tripped: SessionState, settings: AppSettings) -> None:
    original, gallery = depth.show_depth_frame(round_tripped, 2)
    assert original["value"].shape == (480, 640, 3)
    assert len(gallery["value"]) == 6  # 3 round trips + 3 error maps
    preview = depth.make_depth_preview(round_tripped)
    assert Path(preview["value"]).stat().st_size > 0
    assert Path(preview["value"]).resolve().is_relative_to(settings.data_dir)


def test_invalid_quantizer_is_refused_with_library_message(settings: AppSettings) -> None:
    state, _ = load(settings, depth.BUNDLED, None, 30, 2)
    form = list(FORM)
    form[1] = 0.001  # depth_max below depth_min
    with pytest.raises(gr.Error, match="depth_max must be greater than depth_min"):
        depth.run_depth_round_trip(
            state,
            True,
            [],
            *form,
            progress=_no_progress,  # type: ignore[arg-type]
        )


def test_realsense_without_camera_is_a_clear_error(settings: AppSettings) -> None:
    _, _, note = depth.choose_depth_source(depth.REALSENSE)
    assert note  # either the connected devices or why there are none
    with pytest.raises(gr.Error, match="RealSense"):
        load(settings, depth.REALSENSE, None, 30, 5)


def test_uploaded_npy_depth_in_millimetres(settings: AppSettings, tmp_path: Path) -> None:
    path = tmp_path / "cam.npy"
    np.save(path, np.full((3, 32, 48), 1200, np.uint16))
    state, status = load(settings, depth.UPLOAD, [str(path)], 15, 30)
    assert "uint16 millimetres" in status
    assert state.depth_clip is not None
    assert state.depth_clip.fps == 15


class TestLosslessMeaning:
    """The form's Lossless box and the alternatives say what the library's is_lossless says."""

    def test_form_lossless_box_round_trips(self) -> None:
        lossy = with_lossless(DepthEncoderConfig(), False)
        assert depth_form_values(DepthEncoderConfig())[-1] is True
        assert depth_form_values(lossy)[-1] is False
        assert depth_config_from_form(*depth_form_values(lossy)) == lossy
        assert depth_config_from_form(*FORM) == DepthEncoderConfig()

    def test_lossy_ffv1_is_refused_with_library_message(self) -> None:
        form: list[Any] = [*FORM[:4], "ffv1", "gray12le", 2, None, "", False]
        with pytest.raises(ConfigError, match="'ffv1' has no lossy mode"):
            depth_config_from_form(*form)

    @pytest.mark.parametrize("base_lossless", [True, False])
    def test_alternatives_keep_their_promise_whatever_the_base(self, base_lossless: bool) -> None:
        base = with_lossless(DepthEncoderConfig(g=4, depth_max=5.0), base_lossless)
        expected = {
            LOSSY: False,
            "Lossless HEVC, preset ultrafast": True,
            "Lossless HEVC, preset ultrafast, keyframe every 30 frames": True,
            FFV1: True,
        }
        assert set(expected) == set(depth.ALTERNATIVES)
        for name, lossless in expected.items():
            config = depth.alternative_config(base, name)
            assert is_lossless(config) is lossless, name
            assert config.depth_max == 5.0  # the user's quantizer is kept
        ffv1 = depth.alternative_config(base, FFV1)
        assert (ffv1.vcodec, dict(ffv1.extra_options)) == ("ffv1", {})
        assert depth.alternative_config(base, LOSSY).crf == 20


class TestDepthPageFindings:
    """What the Depth page used to answer with a bare "Error" or a contradiction."""

    def test_a_one_frame_upload_is_shown_without_a_slider(
        self, settings: AppSettings, tmp_path: Path
    ) -> None:
        path = tmp_path / "flat.npy"
        np.save(path, np.full((48, 64), 1.5, np.float32))  # one (H, W) frame
        state, status = load(settings, depth.UPLOAD, [str(path)], 30, 30)
        assert "1 frame of 64x48" in status
        status = depth.run_depth_round_trip(state, True, [], *FORM, progress=_no_progress)  # type: ignore[arg-type]
        assert status == "Round-tripped 1 configuration."
        *_, slider = depth.show_depth_results(state, "mm")
        assert slider["visible"] is False
        original, views = depth.show_depth_frame(state, 0)
        assert original["visible"] is True
        assert len(views["value"]) == 2  # the round trip and its error map

    def test_depth_without_any_reading_is_refused_at_load(
        self, settings: AppSettings, tmp_path: Path
    ) -> None:
        path = tmp_path / "blank.npy"
        np.save(path, np.full((2, 8, 8), np.nan, np.float32))
        state = SessionState.new(settings)
        with pytest.raises(gr.Error, match="blank has no valid depth pixels"):
            depth.load_depth(state, depth.UPLOAD, [str(path)], 30, 30, settings)
        assert state.depth_clip is None

    @pytest.mark.parametrize(("index", "name"), [(0, "depth_min"), (1, "depth_max"), (2, "shift")])
    def test_an_empty_quantizer_field_is_named(
        self, settings: AppSettings, index: int, name: str
    ) -> None:
        state, _ = load(settings, depth.BUNDLED, None, 30, 2)
        form = list(FORM)
        form[index] = None
        with pytest.raises(gr.Error, match=f"{name} needs a number"):
            depth.run_depth_round_trip(state, True, [], *form, progress=_no_progress)  # type: ignore[arg-type]
        assert validate_depth_form(*form).startswith("**Refused:**")

    def test_an_unknown_alternative_is_refused_by_name(self, settings: AppSettings) -> None:
        state, _ = load(settings, depth.BUNDLED, None, 30, 2)
        with pytest.raises(gr.Error, match=r"Unknown alternatives \['zzz'\]"):
            depth.run_depth_round_trip(state, True, ["zzz"], *FORM, progress=_no_progress)  # type: ignore[arg-type]

    def test_a_new_run_clears_the_last_results_first(self, settings: AppSettings) -> None:
        state, _ = load(settings, depth.BUNDLED, None, 30, 2)
        depth.run_depth_round_trip(state, True, [], *FORM, progress=_no_progress)  # type: ignore[arg-type]
        assert state.depth is not None
        shown = depth.clear_depth_results(state)
        assert state.depth is None
        assert shown[:2] == ["", ""]
        *updates, point = shown[2:]
        assert all(update["visible"] is False for update in updates)
        assert point is None  # a point of the last clip may lie outside the next one
        assert all(u["visible"] is False for u in depth.show_depth_results(state, "m"))


def _says_what_ran(label: str, config: DepthEncoderConfig) -> None:
    """``label`` names ``config``'s encoder and its lossless mode, and no other."""
    codec, other = ("HEVC", "FFV1") if config.vcodec == "hevc" else ("FFV1", "HEVC")
    assert codec in label, (label, config.vcodec)
    assert other not in label, (label, config.vcodec)
    mode = "lossless" if is_lossless(config) else "lossy"
    assert f"{codec} {mode}" in label, (label, is_lossless(config))
    assert ("lossy" in label) is not is_lossless(config), label


BASES = {
    "hevc-lossless": ["hevc", True],
    "hevc-lossy": ["hevc", False],
    "ffv1-lossless": ["ffv1", True],
}
"""User configs (encoder, Lossless box); lossy FFV1 is refused (tested above)."""


class TestRowLabelsSayWhatRan:
    """Every row's label describes the config that ran: encoder, lossless or crf, preset, g."""

    @pytest.mark.parametrize("base", list(BASES))
    def test_labels_follow_the_config(self, base: str) -> None:
        vcodec, lossless = BASES[base]
        form = [*FORM[:4], vcodec, "gray12le", 4, 30, "", lossless]
        configs, same = depth.round_trip_configs(
            depth_config_from_form(*form), list(depth.ALTERNATIVES)
        )
        assert configs[0][0].startswith("Your config: ")
        for label, config in configs:
            _says_what_ran(label, config)
        labels = dict(configs)
        if vcodec == "hevc":
            assert any("keyframe every 4 frames" in label for label in labels)
            assert same == []
        else:  # the FFV1 alternative is the user's config: run once
            assert same == [FFV1]
            assert configs[0][0] == "Your config: FFV1 lossless, keyframe every 4 frames"
        assert "HEVC lossless, preset ultrafast, keyframe every 30 frames" in labels

    @pytest.mark.parametrize("base", list(BASES))
    def test_rows_of_a_round_trip_match_their_encodings(
        self, settings: AppSettings, base: str
    ) -> None:
        vcodec, lossless = BASES[base]
        state, _ = load(settings, depth.BUNDLED, None, 30, 2)
        form = [*FORM[:4], vcodec, "gray12le", 2, 30, "ultrafast", lossless]
        alternatives = list(depth.ALTERNATIVES)
        progress: Any = _no_progress
        status = depth.run_depth_round_trip(state, True, alternatives, *form, progress=progress)
        assert state.depth is not None
        count = len(state.depth.encodings)
        assert status.startswith(f"Round-tripped {count} configurations.")
        rows = depth_results_table(state.depth, "mm")
        for row, encoding in zip(rows, state.depth.encodings, strict=True):
            assert row[0] == encoding.label
            _says_what_ran(row[0], encoding.config)
            assert (row[6] == "yes") is is_lossless(encoding.config), row
        # "Lossless HEVC, preset ultrafast" is the user's config when it is lossless HEVC.
        assert ("Not run again" in status) is (base != "hevc-lossy")


class TestBundledClipIsReadAsADepthCamera:
    """The simulation's 83 m background is no reading, as a RealSense (max 10 m) reports it."""

    def test_far_background_is_no_reading(self, settings: AppSettings) -> None:
        state, status = load(settings, depth.BUNDLED, None, 30, 3)
        assert "beyond 10 m is shown as no reading, as a RealSense would" in status
        assert state.depth_clip is not None
        metres = state.depth_clip.metres()
        assert np.nanmax(metres) <= depth.SENSOR_RANGE_M
        no_reading = float(np.isnan(metres).mean())
        assert 0.4 < no_reading < 0.7  # the background, not the robot and the cube
        assert f"({100 * no_reading:.1f} % of pixels)" in status

    def test_the_status_does_not_contradict_itself(self, settings: AppSettings) -> None:
        state, _ = load(settings, depth.BUNDLED, None, 30, 2)
        status = depth.run_depth_round_trip(state, True, [], *FORM, progress=_no_progress)  # type: ignore[arg-type]
        assert "outside" not in status
        form = list(FORM)
        form[1] = 0.5  # depth_max: the far half of the scene saturates
        status = depth.run_depth_round_trip(state, True, [], *form, progress=_no_progress)  # type: ignore[arg-type]
        assert state.depth is not None
        share = state.depth.encodings[0].out_of_range_fraction
        assert 0 < share < 1
        assert f"{100 * share:.1f} % of the pixels with a reading lie outside" in status
        assert "[0.01 m, 0.5 m]" in status

    def test_an_upload_is_kept_as_it_is(self, settings: AppSettings, tmp_path: Path) -> None:
        path = tmp_path / "far.npy"
        np.save(path, np.full((2, 8, 8), 20.0, np.float32))
        state, status = load(settings, depth.UPLOAD, [str(path)], 30, 30)
        assert "no reading" not in status
        assert state.depth_clip is not None
        assert float(state.depth_clip.depth.max()) == 20.0


def test_render_returns_its_page(tmp_path: Path) -> None:
    """Other pages wire shared settings from ``page.form.knobs``."""
    settings = app.make_settings(tmp_path / "data")
    with gr.Blocks():
        page = render(Sessions(settings), settings)
    assert isinstance(page, DepthPage)
    assert len(page.form.knobs) == len(FORM)
    assert [knob.value for knob in page.form.knobs] == [
        *depth_form_values(DepthEncoderConfig())[:8],
        "",
        True,
    ]


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.0, "0.0 %"), (0.00004, "under 0.1 %"), (0.556, "55.6 %"), (0.99996, "over 99.9 %")],
)
def test_a_share_never_reads_as_none_or_all_when_it_is_not(share: float, text: str) -> None:
    assert depth._percent(share) == text
