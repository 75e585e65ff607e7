"""Depth-tab handlers called directly: loading sources, the round trip with alternatives, the
unit toggle re-rendering without re-encoding, the pixel probe, clear errors, and the Lossless
box and alternatives meaning what the library's ``is_lossless`` says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import pytest

from components.depth import handlers as depth
from components.depth_form import depth_config_from_form, depth_form_values, validate_depth_form
from components.state import AppSettings, SessionState
from lerobot_video import ConfigError, DepthEncoderConfig, is_lossless, with_lossless

FORM: list[Any] = [0.01, 10.0, 3.5, True, "hevc", "gray12le", 2, 30, "", True]


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
    alternatives = ["Lossy HEVC (crf 20)", "FFV1 (lossless, fast; LeRobot 0.6.1 cannot read it)"]
    status = depth.run_depth_round_trip(
        state,
        True,
        alternatives,
        *FORM,
        progress=_no_progress,  # type: ignore[arg-type]
    )
    assert status.startswith("Round-tripped 3 configurations.")
    return state


def test_results_follow_the_unit_without_reencoding(round_tripped: SessionState) -> None:
    assert round_tripped.depth is not None
    files = [e.path.stat().st_mtime_ns for e in round_tripped.depth.encodings]
    in_mm = depth.show_depth_results(round_tripped, "mm")
    in_m = depth.show_depth_results(round_tripped, "m")
    rows_mm, rows_m = in_mm[0]["value"], in_m[0]["value"]
    assert [r[0] for r in rows_mm] == ["Your config", "Lossy HEVC (crf 20)", rows_mm[2][0]]
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
    original_mm = float(in_mm.split("| original | ")[1].split(" mm")[0])
    original_m = float(in_m.split("| original | ")[1].split(" m |")[0])
    assert original_mm == pytest.approx(original_m * 1000, abs=0.01)


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
            "Lossy HEVC (crf 20)": False,
            "HEVC lossless, preset ultrafast": True,
            "HEVC lossless, keyframe every 30 frames": True,
            "FFV1 (lossless, fast; LeRobot 0.6.1 cannot read it)": True,
        }
        assert set(expected) == set(depth.ALTERNATIVES)
        for name, lossless in expected.items():
            config = depth.alternative_config(base, name)
            assert is_lossless(config) is lossless, name
            assert config.depth_max == 5.0  # the user's quantizer is kept
        ffv1 = depth.alternative_config(base, "FFV1 (lossless, fast; LeRobot 0.6.1 cannot read it)")
        assert (ffv1.vcodec, dict(ffv1.extra_options)) == ("ffv1", {})
        assert depth.alternative_config(base, "Lossy HEVC (crf 20)").crf == 20


class TestDepthPageFindings:
    """What the Depth page used to answer with a bare "Error" or a contradiction."""

    def test_a_one_frame_upload_is_shown_without_a_slider(
        self, settings: AppSettings, tmp_path: Path
    ) -> None:
        path = tmp_path / "flat.npy"
        np.save(path, np.full((48, 64), 1.5, np.float32))  # one (H, W) frame
        state, status = load(settings, depth.UPLOAD, [str(path)], 30, 30)
        assert "1 frames of 64x48" in status
        depth.run_depth_round_trip(state, True, [], *FORM, progress=_no_progress)  # type: ignore[arg-type]
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
        assert all(update["visible"] is False for update in shown[1:])
        assert all(u["visible"] is False for u in depth.show_depth_results(state, "m"))
