"""Compare-tab handlers called directly: form parsing, inline validation (once per value; a new
encoder offers its pixel formats), clip loading (any single image too), a full comparison on a
short clip with exact chart and frame figures, how results read (MSE scale, truthful player
captions, chart label places, one gallery row), and library errors becoming gr.Error."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from components.checks import check_once
from components.compare import handlers as compare
from components.compare.charts import (
    COLUMN_WIDTHS,
    MSE_UNIT,
    TABLE_HEADERS,
    bubble_sizes,
    label_positions,
    player_caption,
    stream_name,
)
from components.state import AppSettings, SessionState
from components.widgets import (
    choose_encoder,
    config_from_form,
    form_values,
    pixel_formats_for,
    validate_form,
)
from lerobot_video import ConfigError, RGBEncoderConfig, browser_support, compare_frame

DEFAULT_FORM = form_values(RGBEncoderConfig())


class TestFormParsing:
    def test_default_form_round_trips_to_lerobot_default(self) -> None:
        assert config_from_form(*DEFAULT_FORM) == RGBEncoderConfig()

    def test_blank_numbers_mean_unset_and_numeric_preset_is_int(self) -> None:
        config = config_from_form("h264", "yuv420p", None, None, "7", 1, "bf=0\ntune=film")
        assert config.g is None
        assert config.crf is None
        assert config.preset == 7
        assert config.extra_options == {"bf": "0", "tune": "film"}

    def test_malformed_extra_option_names_the_line(self) -> None:
        with pytest.raises(ConfigError, match="'bf' is not key=value"):
            config_from_form("h264", "yuv420p", 2, 30, "", 0, "bf")

    def test_fractional_gop_is_refused(self) -> None:
        with pytest.raises(gr.Error, match=r"g must be a whole number, got 2\.5"):
            config_from_form("h264", "yuv420p", 2.5, 30, "", 0, "")

    @pytest.mark.parametrize("value", ["abc", [1], {"a": 1}, "1e999x"])
    def test_a_number_field_holding_something_else_is_refused(self, value: object) -> None:
        with pytest.raises(gr.Error, match="crf must be a number, got"):
            config_from_form("h264", "yuv420p", 2, value, "", 0, "")  # type: ignore[arg-type]


class TestInlineValidation:
    def test_valid_form_shows_exact_ffmpeg_options(self) -> None:
        verdict = validate_form(*DEFAULT_FORM)
        assert verdict.startswith("**Ready:**")
        assert "`preset=12`" in verdict
        assert "`svtav1-params=fast-decode=0`" in verdict

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({3: 70}, "crf must be in [0, 63] for 'libsvtav1', got 70"),
            ({1: "yuv444p"}, "pix_fmt 'yuv444p' is not supported by 'libsvtav1'"),
            ({0: "h264_nvenc"}, "cannot be opened here"),
            ({2: 0}, "g (keyframe interval, in frames) must be an integer >= 1"),
        ],
    )
    def test_invalid_form_shows_library_message(
        self, changes: dict[int, object], message: str
    ) -> None:
        values = list(DEFAULT_FORM)
        for index, value in changes.items():
            values[index] = value
        verdict = validate_form(*values)
        assert verdict.startswith("**Refused:**")
        assert message in verdict

    def test_pixel_formats_follow_the_encoder(self) -> None:
        update = pixel_formats_for("hevc", "yuv420p")
        assert "gray12le" in [c if isinstance(c, str) else c[0] for c in update["choices"]]
        assert pixel_formats_for("libsvtav1", "yuv444p")["value"] == "yuv420p"

    def test_av1_alias_offers_the_av1_encoder_formats(self) -> None:
        assert pixel_formats_for("av1", "yuv444p") == pixel_formats_for("libsvtav1", "yuv444p")
        assert pixel_formats_for("av1", "yuv420p")["value"] == "yuv420p"

    def test_new_encoder_is_checked_once_with_a_format_it_accepts(self) -> None:
        values = list(DEFAULT_FORM)
        values[0], values[1] = "libsvtav1", "gray12le"  # left over from an HEVC choice
        checked, formats, verdict = choose_encoder(*values)
        assert formats["value"] == "yuv420p"
        assert checked == ("libsvtav1", "yuv420p", *values[2:])
        assert verdict == validate_form(*checked)
        assert verdict.startswith("**Ready:**")

    def test_values_already_checked_are_not_checked_again(self) -> None:
        calls: list[tuple[object, ...]] = []

        def validate(*knobs: object) -> str:
            calls.append(knobs)
            return "ok"

        checked, verdict = check_once(validate, None, "h264", 30)
        assert (checked, verdict) == (("h264", 30), "ok")
        assert check_once(validate, checked, "h264", 30) == (gr.skip(), gr.skip())
        assert calls == [("h264", 30)]
        assert check_once(validate, checked, "h264", 31)[0] == ("h264", 31)
        assert calls == [("h264", 30), ("h264", 31)]


def load(
    settings: AppSettings, source: str, files: list[str] | None, fps: float | None, limit: float
) -> tuple[SessionState, str]:
    """A new session with a clip loaded as the Compare page loads it; and the status."""
    state = SessionState.new(settings)
    return state, compare.load_compare_clip(state, source, files, fps, limit, settings)


class TestClipLoading:
    def test_bundled_clip_respects_frame_limit(self, settings: AppSettings) -> None:
        state, status = load(settings, compare.BUNDLED, None, 30, 12)
        assert state.clip is not None
        assert state.clip.frames.shape == (12, 480, 640, 3)
        assert state.clip.fps == 50
        assert "first 12 of 100" in status

    def test_image_sequence_upload(self, settings: AppSettings, tmp_path: Path) -> None:
        paths = []
        for i in range(3):
            path = tmp_path / f"f{i}.png"
            Image.fromarray(np.full((16, 24, 3), 40 * i, np.uint8)).save(path)
            paths.append(str(path))
        state, _ = load(settings, compare.UPLOAD, paths[::-1], 10, 100)
        assert state.clip is not None
        assert state.clip.fps == 10
        assert [int(f[0, 0, 0]) for f in state.clip.frames] == [0, 40, 80]

    def test_upload_without_files_is_a_clear_error(self, settings: AppSettings) -> None:
        with pytest.raises(gr.Error, match="Upload a video file or image frames first"):
            load(settings, compare.UPLOAD, None, 30, 100)

    @pytest.mark.parametrize("suffix", [".webp", ".bmp", ".tif"])
    def test_single_image_of_any_kind_is_a_one_frame_clip(
        self, settings: AppSettings, tmp_path: Path, suffix: str
    ) -> None:
        path = tmp_path / f"frame{suffix}"
        Image.fromarray(np.full((16, 24, 3), 120, np.uint8)).save(path, lossless=True)
        state, status = load(settings, compare.UPLOAD, [str(path)], None, 100)
        assert state.clip is not None
        assert state.clip.frames.shape == (1, 16, 24, 3)
        assert state.clip.fps == 30  # blank frame rate: image frames play at 30 fps
        np.testing.assert_array_equal(state.clip.frames[0], np.full((16, 24, 3), 120, np.uint8))
        assert "1 frames" in status

    def test_non_media_upload_becomes_gr_error(self, settings: AppSettings, tmp_path: Path) -> None:
        bogus = tmp_path / "notes.mp4"
        bogus.write_text("not a video")
        with pytest.raises(gr.Error, match="Cannot read"):
            load(settings, compare.UPLOAD, [str(bogus)], 30, 100)


@pytest.fixture(scope="module")
def compared(settings: AppSettings) -> tuple[SessionState, list[Any]]:
    state, _ = load(settings, compare.BUNDLED, None, 30, 16)
    knobs: list[Any] = [
        "AV1",
        *DEFAULT_FORM,
        "HEVC",
        *form_values(RGBEncoderConfig(vcodec="hevc")),
    ]
    knobs += [""] * (compare.MAX_FORMS * 8 - len(knobs))
    calls: list[tuple[int, int]] = []

    def progress(value: object = None, desc: str = "") -> None:
        calls.append(value)  # type: ignore[arg-type]

    outputs = compare.run_comparison(state, 2, *knobs, progress=progress)  # type: ignore[arg-type]
    assert calls
    assert calls[-1] == (7, 7)
    return state, outputs


class TestComparison:
    def test_table_has_png_baseline_and_one_row_per_config(
        self, compared: tuple[SessionState, list[Any]]
    ) -> None:
        _, outputs = compared
        rows = outputs[1]["value"]
        assert [row[0] for row in rows] == ["PNG frames (baseline)", "AV1", "HEVC"]
        assert len(rows[0]) == len(TABLE_HEADERS)
        assert rows[1][1] == "av1 / yuv420p"
        assert rows[2][1] == "hevc / yuv420p"
        assert rows[1][-1] == "yes"
        assert rows[2][-1] == "no: H.264 preview"
        assert float(rows[1][8]) > 30  # PSNR of LeRobot's default on this clip is ~44 dB
        assert len(COLUMN_WIDTHS) == len(TABLE_HEADERS)
        assert sum(float(str(width).rstrip("%")) for width in COLUMN_WIDTHS) == 100

    def test_mse_is_shown_in_units_of_ten_to_the_minus_four(
        self, compared: tuple[SessionState, list[Any]]
    ) -> None:
        state, outputs = compared
        assert state.report is not None
        assert TABLE_HEADERS[7] == f"MSE ({MSE_UNIT})"
        for row, encoding in zip(outputs[1]["value"][1:], state.report.encodings, strict=True):
            shown = row[7]
            assert float(shown) == pytest.approx(encoding.quality.mean_mse * 1e4, rel=5e-3)
            assert len(shown.replace(".", "").lstrip("0")) == 3  # three significant digits

    def test_chart_places_each_config(self, compared: tuple[SessionState, list[Any]]) -> None:
        state, outputs = compared
        assert state.report is not None
        figure = outputs[3]["value"]
        assert list(figure.data[0].text) == ["AV1", "HEVC"]
        assert len(figure.data[0].textposition) == 2  # one place per label
        assert "(%" in figure.layout.xaxis.title.text
        assert "(dB)" in figure.layout.yaxis.title.text
        sizes = [100 * e.size_ratio_vs_png for e in state.report.encodings]
        psnr = [e.quality.mean_psnr_db for e in state.report.encodings]
        assert list(figure.data[0].x) == sizes
        assert list(figure.data[0].y) == psnr
        # Lossy video of 16 real frames: a few percent of the PNGs, and ~40 dB (finite).
        assert all(0 < size < 100 for size in sizes)
        assert all(30 < db < 60 for db in psnr)

    def test_session_files_stay_in_the_data_folder(
        self, compared: tuple[SessionState, list[Any]], settings: AppSettings
    ) -> None:
        state, _ = compared
        assert state.report is not None
        for encoding in state.report.encodings:
            assert encoding.path.resolve().is_relative_to(settings.data_dir)
            assert encoding.preview_path.exists()

    def test_frame_view_shows_original_and_each_encoding(
        self, compared: tuple[SessionState, list[Any]]
    ) -> None:
        state, _ = compared
        decoded, heatmaps = compare.show_frame(state, 5)
        assert len(decoded["value"]) == 3
        assert len(heatmaps["value"]) == 2
        # One row each: as many columns as pictures, so no empty cells or band below.
        assert (decoded["columns"], heatmaps["columns"]) == (3, 2)
        assert decoded["value"][0][1] == "Original · frame 5"
        original = decoded["value"][0][0]
        assert state.clip is not None
        np.testing.assert_array_equal(original, state.clip.frames[5])
        assert state.report is not None
        views = compare_frame(state.report, state.clip.frames[5], 5)
        captions = [label for _, label in decoded["value"][1:]]
        assert captions == [f"{v.label} · {v.psnr_db:.1f} dB" for v in views]
        assert [v.label for v in views] == ["AV1", "HEVC"]
        # One lossy frame of the bundled clip: ~40 dB, never inf (identical) nor NaN.
        assert all(30 < v.psnr_db < 60 for v in views)

    def test_a_box_emptied_while_typing_shows_nothing_new(
        self, compared: tuple[SessionState, list[Any]]
    ) -> None:
        state, _ = compared
        assert compare.show_typed_frame(state, None) == (gr.skip(), gr.skip())
        decoded, _ = compare.show_typed_frame(state, 7)
        assert decoded["value"][0][1] == "Original · frame 7"
        with pytest.raises(gr.Error, match="Frame must be a whole number from 0 to 15"):
            compare.show_typed_frame(state, 99)

    def test_players_say_what_they_play_and_unused_ones_are_hidden(
        self, compared: tuple[SessionState, list[Any]]
    ) -> None:
        _, outputs = compared
        players = outputs[5:]
        assert len(players) == 3 * compare.MAX_FORMS
        av1, hevc = players[0]["value"], players[3]["value"]
        assert av1.startswith("**AV1** — AV1, played as encoded. AV1 plays in Chrome")
        assert hevc.startswith("**HEVC** — HEVC, shown as an H.264 4:2:0 preview. HEVC plays")
        assert players[4]["value"].endswith(".preview.mp4")  # the preview is what plays
        assert all(update["visible"] is False for update in players[6:])

    def test_invalid_config_refused_with_library_message(self, settings: AppSettings) -> None:
        state, _ = load(settings, compare.BUNDLED, None, 30, 10)
        bad = list(DEFAULT_FORM)
        bad[3] = 64
        knobs = ["bad", *bad, "ok", *DEFAULT_FORM] + [""] * 16
        with pytest.raises(gr.Error, match=r"crf must be in \[0, 63\]"):
            compare.run_comparison(
                state,
                2,
                *knobs,
                progress=lambda *a, **k: None,  # type: ignore[arg-type]
            )


class TestCompareFindings:
    """A failed Compare shows nothing stale; API values of the wrong kind get clear words."""

    def test_a_new_comparison_hides_the_last_results_first(
        self, compared: tuple[SessionState, list[Any]]
    ) -> None:
        state, _ = compared
        report = state.report
        shown = compare.clear_results(state)
        assert state.report is None
        assert len(shown) == 1 + compare.RESULT_PARTS
        assert all(update["visible"] is False for update in shown[1:])
        assert compare.show_frame(state, 0)[0]["visible"] is False
        state.report = report  # the module's other tests keep using it

    @pytest.mark.parametrize("limit", [0, 301, 12.5, None, "abc", [3]])
    def test_frames_to_use_outside_its_range_is_named(
        self, settings: AppSettings, limit: object
    ) -> None:
        with pytest.raises(gr.Error, match="Frames to use must be a whole number from 1 to 300"):
            load(settings, compare.BUNDLED, None, 30, limit)  # type: ignore[arg-type]

    def test_an_unknown_source_is_named(self, settings: AppSettings) -> None:
        with pytest.raises(gr.Error, match="Choose the clip source"):
            load(settings, "nope", None, 30, 10)

    @pytest.mark.parametrize("count", [0, 5, 2.5, "two"])
    def test_configuration_count_outside_one_to_four_is_named(
        self, compared: tuple[SessionState, list[Any]], count: object
    ) -> None:
        state, _ = compared
        with pytest.raises(gr.Error, match="Configurations must be a whole number from 1 to 4"):
            compare.run_comparison(state, count, progress=lambda *a, **k: None)  # type: ignore[arg-type]

    @pytest.mark.parametrize("index", [-1, 16, 2.5, None])
    def test_a_frame_outside_the_clip_is_named(
        self, compared: tuple[SessionState, list[Any]], index: object
    ) -> None:
        state, _ = compared
        with pytest.raises(gr.Error, match="Frame must be a whole number from 0 to 15"):
            compare.show_frame(state, index)  # type: ignore[arg-type]

    def test_the_clip_lives_in_the_session_folder_not_in_memory(
        self, compared: tuple[SessionState, list[Any]]
    ) -> None:
        state, _ = compared
        assert state.clip is not None
        assert isinstance(state.clip.frames, np.memmap)
        assert Path(str(state.clip.frames.filename)).parent == state.folder


class TestHowResultsRead:
    """Captions name streams truthfully; chart labels avoid each other; bubbles stay small."""

    @pytest.mark.parametrize(
        ("codec", "pix_fmt", "name"),
        [
            ("hevc", "yuv420p", "HEVC"),
            ("h264", "yuv444p", "H.264 4:4:4"),
            ("av1", "yuv420p10le", "AV1 10-bit"),
            ("hevc", "gray12le", "HEVC grey 12-bit"),
            ("h264", "nv12", "H.264"),
        ],
    )
    def test_stream_names(self, codec: str, pix_fmt: str, name: str) -> None:
        assert stream_name(codec, pix_fmt) == name

    def test_an_h264_444_encoding_is_not_called_an_h264_preview(
        self, compared: tuple[SessionState, list[Any]]
    ) -> None:
        state, _ = compared
        assert state.report is not None
        encoding = dataclasses.replace(
            state.report.encodings[0],
            label="Full colour",
            info={
                **state.report.encodings[0].info,
                "video.codec": "h264",
                "video.pix_fmt": "yuv444p",
            },
            browser=browser_support("h264", "yuv444p"),
        )
        caption = player_caption(encoding)
        assert caption.startswith(
            "**Full colour** — H.264 4:4:4, shown as an H.264 4:2:0 preview. 4:4:4 and 4:2:2"
        )
        assert "(H.264 preview)" not in caption

    def test_a_label_moves_beside_its_point_when_a_close_one_is_above(self) -> None:
        # The bundled clip's AV1, H.264 and HEVC: H.264 sits just below HEVC.
        positions = label_positions([16.8, 5.6, 6.2], [44.98, 37.6, 40.5])
        assert positions == ["top left", "middle right", "top right"]
        assert label_positions([5.0], [40.0]) == ["top center"]

    def test_bubbles_stay_between_16_and_40_px_whatever_the_load_times(self) -> None:
        assert bubble_sizes([12.0, 13.0, 14.0]) == [16.0, 28.0, 40.0]
        assert bubble_sizes([300.0, 300.0]) == [16.0, 16.0]
