"""Learn-tab handlers called directly on the bundled clips: each lesson's outputs (GOP strip and
runs table, crf frame/heatmap/numbers/curve, chroma crops, preset speeds and the live answer,
the codec race beside the published figures, depth steps, the search for smaller settings on a
tiny grid: proposal, evidence and cache, no proposal without an error, Cancel stopping it), the
session folders each lesson empties, refusals as ``gr.Error`` with the library's words, the
carry buttons' form updates, and a library generator closed when its event is cancelled."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from components.learn import handlers as learn
from components.learn import recommend as rec
from components.learn.carry import depth_to_record, rgb_to_compare, rgb_to_record
from components.learn.recommend_charts import FRONT_HEADERS
from components.state import AppSettings, SessionState
from lerobot_video import DepthEncoderConfig, MediaError, RGBEncoderConfig, StudyGrid

H264 = "h264 with B-frames (x264's default)"


def _progress(*args: Any, **kwargs: Any) -> None:
    return None


@pytest.fixture
def state(settings: AppSettings) -> SessionState:
    return SessionState.new(settings)


def test_gop_lesson_strip_and_runs(state: SessionState, settings: AppSettings) -> None:
    strip, summary, rows, history = learn.run_gop_lesson(state, settings, H264, 5, [])
    assert strip.count('class="learn-cell') == learn.GOP_FRAMES
    assert strip.count("learn-key") == learn.GOP_FRAMES // 5
    assert ">B</span>" in strip
    assert "h264, g = 5" in summary
    assert "3.00 frames" in summary
    assert rows == history == [["h264", 5, 8, rows[0][3], 3.0, rows[0][5]]]
    first = list((state.folder / "learn-gop").iterdir())
    _, summary, rows, _ = learn.run_gop_lesson(
        state, settings, "libsvtav1 (AV1, LeRobot's default)", 2, history
    )
    assert "1.50 frames" in summary
    assert [row[:2] for row in rows] == [["libsvtav1", 2], ["h264", 5]]  # newest first
    assert [p.name for p in (state.folder / "learn-gop").iterdir()] == [p.name for p in first]


def test_gop_refusals(state: SessionState, settings: AppSettings) -> None:
    with pytest.raises(gr.Error, match="Choose an encoder"):
        learn.run_gop_lesson(state, settings, "vp9", 2, [])
    with pytest.raises(gr.Error, match="Keyframe interval must be a whole number"):
        learn.run_gop_lesson(state, settings, H264, 0, [])


def test_crf_lesson_and_its_curve(state: SessionState, settings: AppSettings) -> None:
    decoded, heatmap, numbers, chart, history = learn.run_crf_lesson(
        state, settings, "libsvtav1", 50, []
    )
    assert decoded.shape == heatmap.shape == (480, 640, 3)
    assert "crf 50" in numbers
    assert "PSNR" in numbers
    *_, history = learn.run_crf_lesson(state, settings, "libsvtav1", 20, history)
    *_, chart, history = learn.run_crf_lesson(state, settings, "libsvtav1", 50, history)
    assert [row[1] for row in history] == [20, 50]  # a crf tried again replaces its point
    fine, coarse = history
    assert fine[2] > coarse[2]
    assert fine[3] > coarse[3]
    assert list(chart.data[0].x) == [fine[2], coarse[2]]
    with pytest.raises(gr.Error, match="vcodec"):
        learn.run_crf_lesson(state, settings, "bogus", 30, [])
    with pytest.raises(gr.Error, match="CRF must be a whole number from 0 to 63"):
        learn.run_crf_lesson(state, settings, "libsvtav1", 64, [])


def test_crf_range_follows_the_encoder() -> None:
    assert learn.crf_range("h264", 60) == gr.update(maximum=51, value=51)
    assert learn.crf_range("libsvtav1", 60) == gr.update(maximum=63, value=60)


def test_chroma_lesson(state: SessionState, settings: AppSettings) -> None:
    original, full, half, table = learn.run_chroma_lesson(state, settings, "h264", 20)
    assert original["label"].startswith("Original: 48x48 px at x=")
    assert original["value"].shape == full.shape == half.shape == (288, 288, 3)
    assert (full != half).any()  # 4:2:0 changed the colours 4:4:4 kept
    assert [row[0] for row in table] == ["yuv444p", "yuv420p"]
    assert table[0][-1].startswith("no:")
    assert table[1][-1] == "plays"
    assert sorted(p.name for p in (state.folder / "learn-chroma").iterdir()) == [
        "h264-yuv420p-crf20.mp4",
        "h264-yuv444p-crf20.mp4",
    ]


def test_speed_lesson_answers_after_each_preset(state: SessionState, settings: AppSettings) -> None:
    chosen = ["h264 ultrafast", "libsvtav1 preset 12 (LeRobot's default)"]
    steps = list(learn.run_speed_lesson(state, settings, chosen, 1, 1, _progress))
    assert len(steps) == 2
    table, _, answer, measured, pick = steps[-1]
    # PRESETS order, not the order ticked; 1 camera at 1 fps: any encoder keeps up.
    assert [row[0] for row in table] == ["libsvtav1 preset 12", "h264 ultrafast"]
    assert [row[3] for row in table] == ["yes", "yes"]
    assert answer.count("**Yes**") == 2
    assert pick["choices"] == [chosen[1], chosen[0]]
    slow = learn.speed_rows(measured, 64, 1000)
    assert [row[3] for row in slow[0]] == ["no", "no"]
    assert "**No**" in slow[2]
    assert not list((state.folder / "learn-speed").glob("*.mp4"))


def test_speed_refusals(state: SessionState, settings: AppSettings) -> None:
    with pytest.raises(gr.Error, match="at least one preset"):
        next(learn.run_speed_lesson(state, settings, [], 1, 30, _progress))
    with pytest.raises(gr.Error, match="Cameras must be a whole number"):
        next(learn.run_speed_lesson(state, settings, ["h264 medium"], 0, 30, _progress))
    assert not (state.folder / "learn-speed").exists()  # refused before anything ran


def test_codec_race_beside_the_published(
    state: SessionState, settings: AppSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(learn, "CODEC_FRAMES", 8)
    steps = list(learn.run_codec_lesson(state, settings, _progress))
    assert len(steps) == 3
    quality, load, table = steps[-1]
    assert [row[0] for row in table] == ["AV1 (libsvtav1)", "H.264", "HEVC"]
    names = [trace.name for trace in quality.data]
    assert "AV1 (libsvtav1) · published" in names
    assert "AV1 (libsvtav1) · your clip" in names
    assert len(load.data) == len(quality.data) == 6
    published = sum(len(t.x) for t in quality.data if t.name.endswith("published"))
    assert published == 20  # every published row: 4 datasets x 5 encodings


def test_library_errors_in_a_generator_become_toasts() -> None:
    def failing() -> Generator[int, None, None]:
        yield 1
        raise MediaError("Cannot read /tmp/secret/session/x.mp4 as a video file.")

    steps = learn._library_steps(failing())
    assert next(steps) == 1
    with pytest.raises(gr.Error, match=r"Cannot read x\.mp4"):
        next(steps)


def test_a_cancelled_event_closes_the_library_generator() -> None:
    closed: list[bool] = []

    def rows() -> Generator[int, None, None]:
        try:
            yield 1
            yield 2
        finally:
            closed.append(True)

    steps = learn._library_steps(rows())
    assert next(steps) == 1
    steps.close()  # what Gradio's cancel does to the handler's generator
    assert closed == [True]


def test_depth_lesson(settings: AppSettings) -> None:
    chart, text = learn.run_depth_lesson(settings, 0.01, 10.0, 3.5)
    assert "every step is **2.44 mm**" in text
    assert len(chart.data) == 4
    with pytest.raises(gr.Error, match="depth_max"):
        learn.run_depth_lesson(settings, 1.0, 0.5, 3.5)
    with pytest.raises(gr.Error, match="shift needs a number"):
        learn.run_depth_lesson(settings, 0.01, 10.0, None)


def test_carry_updates() -> None:
    config = learn.gop_config(H264, 5)
    record = rgb_to_record(config)
    assert record[0].selected == "record"
    assert record[1]["open"] is True
    assert "Learn page" in record[1]["label"]
    assert record[3:9] == ["h264", record[3 + 1], 5, 30, "", 0]  # vcodec, pix_fmt, g, crf…
    assert record[-1].startswith("**Ready:**")
    compare = rgb_to_compare(learn.crf_config("hevc", 28), "From the Learn page (crf lesson)")
    assert compare[0].selected == "compare"
    assert compare[1] == "From the Learn page (crf lesson)"
    assert compare[2] == "hevc"
    assert compare[5] == 28
    depth = depth_to_record(DepthEncoderConfig(depth_max=6.0, use_log=False))
    assert depth[0].selected == "record"
    assert depth[2:6] == [0.01, 6.0, 3.5, False]


def test_crf_lesson_needs_its_clip(state: SessionState, tmp_path: Path) -> None:
    missing = AppSettings(
        data_dir=tmp_path, bundled_clip=tmp_path / "none.npz", bundled_depth=tmp_path / "x.npz"
    )
    with pytest.raises(gr.Error, match=r"none\.npz"):
        learn.run_crf_lesson(state, missing, "libsvtav1", 30, [])
    assert isinstance(learn.crf_config("h264", 23), RGBEncoderConfig)


NO_LOAD_LIMIT = (rec.PSNR_DEFAULT, None, False, None, None, False)
"""The recommender's form: the default's PSNR, no load-time limit (8 frames time noisily)."""


@pytest.fixture
def tiny_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """8 frames, 3 timed requests, and H.264 at g=2, crf 20 and 40 beside LeRobot's default."""
    monkeypatch.setattr(rec, "RECOMMEND_FRAMES", 8)
    monkeypatch.setattr(rec, "RECOMMEND_SAMPLES", 3)
    monkeypatch.setattr(rec, "SEARCH", (StudyGrid(vcodec=("h264",), g=(2,), crf=(20, 40)),))


def _join_searches() -> None:
    for thread in threading.enumerate():
        if thread.name == "learn-recommend":
            thread.join(timeout=120)
            assert not thread.is_alive()


@pytest.mark.usefixtures("tiny_search")
def test_recommender_proposes_with_its_evidence(state: SessionState, settings: AppSettings) -> None:
    steps = list(rec.run_recommend(state, settings, NO_LOAD_LIMIT, False, _progress))
    assert all(step == [gr.skip()] * rec.OUTPUTS for step in steps[:-1])
    summary, chart, front, proposal, to_record, to_compare = steps[-1]
    assert isinstance(proposal, RGBEncoderConfig)  # the default meets its own PSNR at least
    assert "PSNR" in summary
    assert "of the first 8 frames" in summary
    names = [trace.name for trace in chart.data]
    assert names[:2] == ["AV1 (libsvtav1)", "H.264"]
    assert {"LeRobot's default", "Proposal", "Pareto front (within your limits)"} <= set(names)
    assert chart.layout.xaxis.type == "log"
    assert "g=%{customdata[1]}" in chart.data[0].hovertemplate
    assert len(front[0]) == len(FRONT_HEADERS)
    assert any("proposal" in row[-1] for row in front)
    assert to_record == to_compare == gr.update(interactive=True)
    assert rec.proposal_config(proposal) is proposal
    measured = len(list((state.folder / "learn-recommend" / "cells").glob("*.json")))
    assert measured >= 3  # the default, the two crfs, then bisection and neighbouring g

    # A second search measures nothing: every encoding comes from the session's cache.
    again = list(rec.run_recommend(state, settings, NO_LOAD_LIMIT, False, _progress))[-1]
    assert f"({measured} from this session's cache)" in again[0]


@pytest.mark.usefixtures("tiny_search")
def test_recommender_without_a_proposal_is_no_error(
    state: SessionState, settings: AppSettings
) -> None:
    target = (rec.PSNR_NUMBER, 99, False, None, None, False)
    summary, chart, front, proposal, to_record, _ = list(
        rec.run_recommend(state, settings, target, False, _progress)
    )[-1]
    assert "relax the target" in summary
    assert proposal is None
    assert to_record == gr.update(interactive=False)
    names = [trace.name for trace in chart.data]
    assert "LeRobot's default" in names
    assert "Proposal" not in names
    assert all("below target" in row[-1] for row in front)
    with pytest.raises(gr.Error, match="no proposal to use"):
        rec.proposal_config(proposal)


def test_recommender_refusals(state: SessionState, settings: AppSettings) -> None:
    refused = [
        ((rec.PSNR_NUMBER, None, False, None, None, False), "Least PSNR \\(dB\\) needs a number"),
        ((rec.PSNR_NUMBER, -3, False, None, None, False), "min_psnr_db must be a positive"),
        ((rec.PSNR_DEFAULT, None, True, 0, None, False), "max_load_time_ratio must be a positive"),
        (("best", None, False, None, None, False), "Choose the quality to keep"),
    ]
    for target, message in refused:
        with pytest.raises(gr.Error, match=message):
            next(rec.run_recommend(state, settings, target, False, _progress))
    assert not (state.folder / "learn-recommend").exists()  # refused before anything ran
    # The page's number boxes as a browser sends them: a cleared speed box is 0, no limit.
    asked = rec.study_target(rec.PSNR_NUMBER, 42, True, 1.5, 0, True)
    assert (asked.min_psnr_db, asked.max_load_time_ratio) == (42, 1.5)
    assert asked.min_encode_fps is None
    assert asked.browser_playable is True


@pytest.mark.usefixtures("tiny_search")
def test_cancel_stops_the_search(state: SessionState, settings: AppSettings) -> None:
    steps = rec.run_recommend(state, settings, NO_LOAD_LIMIT, False, _progress)
    assert next(steps) == [gr.skip()] * rec.OUTPUTS
    steps.close()  # what Gradio's cancel does to the event's generator
    _join_searches()
    cells = list((state.folder / "learn-recommend" / "cells").glob("*.json"))
    # Closed within half a second of starting: the encoding being measured then finishes
    # (and stays cached), the next progress call raises, and no further encoding starts.
    assert len(cells) <= 2
    resumed = list(rec.run_recommend(state, settings, NO_LOAD_LIMIT, False, _progress))[-1]
    assert f"({len(cells)} from this session's cache)" in resumed[0]


def test_closing_search_steps_stops_the_search_at_its_next_progress() -> None:
    reported: list[int] = []

    def search(report: rec.Report) -> str:
        for done in range(1, 1000):
            time.sleep(0.01)
            report(done, 999)
            reported.append(done)
        return "finished"

    steps = rec.search_steps(search)
    while (step := next(steps)) is None:
        pass
    assert step[1] == 999
    steps.close()
    _join_searches()
    assert len(reported) < 999
