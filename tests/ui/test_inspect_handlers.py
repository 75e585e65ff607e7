"""Inspect page handlers on the sample dataset, LeRobot's own fixture and a local Hub: what the
page shows (summary, features, report, findings, episode players, frames, plot, depth readout
in mm and m) and what it refuses (paths outside the data folder, bad repo ids, missing repos)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import gradio as gr
import numpy as np
import pytest
from hub.local_hub import LocalHub

import app
from components.inspect.charts import REPORT_HEADERS, dimension_names
from components.inspect.episode import MAX_CAMERAS, show_episode, show_frame
from components.inspect.handlers import (
    clear_inspect,
    open_hub,
    open_local,
    push_to_hub,
    show_dataset,
)
from components.inspect.sources import local_datasets
from components.inspect.tab import _episode_fn, _frame_fn
from components.record.form import DATASETS_FOLDER
from components.sample_dataset import EPISODES, FRAMES_PER_EPISODE, ensure_sample_dataset
from components.state import AppSettings, Sessions, SessionState, _close
from lerobot_video import open_dataset

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lerobot_dataset" / "data"
SAMPLE = "datasets/aloha_sim_sample"
LEROBOT = "datasets/lerobot_fixture"


def _no_progress(*_args: Any, **_kwargs: Any) -> None:
    return None


NO_PROGRESS = cast(gr.Progress, _no_progress)
"""Handlers take Gradio's tracker; outside an event nothing is shown."""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> AppSettings:
    settings = app.make_settings(tmp_path_factory.mktemp("inspect-data"))
    assert ensure_sample_dataset(settings) is not None
    assert ensure_sample_dataset(settings) is None  # a folder with datasets is left alone
    shutil.copytree(FIXTURE, settings.datasets_dir / "lerobot_fixture")
    return settings


@pytest.fixture
def state(data: AppSettings) -> Iterator[SessionState]:
    session = SessionState.new(data)
    yield session
    _close(session)


def _opened(state: SessionState, settings: AppSettings, choice: str) -> list[Any]:
    open_local(state, settings, choice, NO_PROGRESS)
    return show_dataset(state)


def _report_rows(shown: list[Any]) -> dict[str, dict[str, str]]:
    return {row[0]: dict(zip(REPORT_HEADERS, row, strict=True)) for row in shown[3]}


def test_sample_summary_and_tables(state: SessionState, data: AppSettings) -> None:
    shown = _opened(state, data, SAMPLE)
    summary = shown[1]
    reader = open_dataset(data.datasets_dir / "aloha_sim_sample")
    assert f"**{EPISODES}** episodes" in summary
    assert f"**{EPISODES * FRAMES_PER_EPISODE}** frames" in summary
    assert "**30** fps" in summary
    assert "robot **aloha**" in summary
    assert "depth `observation.images.top_depth`" in summary
    assert "On this server" in summary
    assert "codebase **v3.0**" in summary
    features = {row[0]: row for row in shown[2]}
    assert set(features) == set(reader.features)
    assert features["observation.state"][1:3] == ["float32", "14"]
    rgb = reader.features["observation.images.top"]["info"]
    assert features["observation.images.top"][3:] == [rgb["video.codec"], rgb["video.pix_fmt"]]
    rows = _report_rows(shown)
    assert set(rows) == set(reader.video_keys)
    assert rows["observation.images.top"]["Plays in browsers"] == "yes"
    assert re.fullmatch(r"\d+ kbit/s", rows["observation.images.top"]["Bitrate"])
    assert rows["observation.images.top_depth"]["Depth quantizer, step"].startswith("0.01-10 m")
    assert shown[5]["choices"] == [(f"Episode {i}: 30 frames", i) for i in range(EPISODES)]
    assert shown[7]["visible"] is True  # a local dataset can be pushed


def test_lerobot_fixture_report_and_findings(state: SessionState, data: AppSettings) -> None:
    shown = _opened(state, data, LEROBOT)
    depth = _report_rows(shown)["observation.images.depth"]
    assert depth["B-frames"] == "yes"
    assert depth["Random access by timestamp"] == "unsafe"
    assert depth["Plays in browsers"].startswith("no (")
    assert depth["pix_fmt (bits)"] == "gray12le (12-bit)"
    findings = shown[4]
    warning = re.search(r'<li class="inspect-finding inspect-warning">(.*?)</li>', findings)
    note = re.search(r'<li class="inspect-finding inspect-info">(.*?)</li>', findings)
    assert warning
    assert "B-frames" in warning.group(1)
    assert note
    assert "does not play in browsers" in note.group(1)
    assert str(data.data_dir) not in findings  # server paths become file names


def test_episode_view_frames_and_plot(state: SessionState, data: AppSettings) -> None:
    _opened(state, data, LEROBOT)
    reader = state.inspect.reader
    assert reader is not None
    shown = show_episode(state, 1, NO_PROGRESS)
    players = shown[1 : 1 + MAX_CAMERAS]
    playing = [p for p in players if p.get("visible")]
    assert len(playing) == len(reader.video_keys)
    for player in playing:
        assert Path(player["value"]).is_file()
        assert player["value"].endswith(".mp4")
    length = reader.episodes[1].length
    assert shown[1 + MAX_CAMERAS]["maximum"] == length - 1
    frame = show_frame(state, length - 1, "mm")
    images = [image["value"] for image in frame[:MAX_CAMERAS] if image.get("visible")]
    height, width = reader.features["observation.images.cam"]["shape"][:2]
    assert [image.shape for image in images] == [(height, width, 3)] * len(reader.video_keys)
    figure = frame[MAX_CAMERAS + 1]["value"]
    state_traces = [t for t in figure.data if t.legendgroup == "observation.state"]
    names = dimension_names(reader.features["observation.state"], 2)
    assert [t.name for t in state_traces] == [f"observation.state {n}" for n in names]
    markers = [t for t in figure.data if t.legendgroup == "frame"]
    assert len(markers) == 2  # one per panel: state and action
    assert all(list(t.x) == [length - 1, length - 1] for t in markers)


def test_a_chain_overtaken_by_a_newer_open_changes_nothing(data: AppSettings) -> None:
    """Opening another dataset while the first one's frame is still queued: that frame step
    finds the dataset closed and leaves the page alone; it does not put "Choose an episode
    first" on the status line over the newer open's words (a race CI caught in the browser)."""
    sessions = Sessions(data)
    tab = cast(gr.Request, SimpleNamespace(session_hash="overtaken"))
    state = sessions.get(tab)
    try:
        _opened(state, data, SAMPLE)
        assert _episode_fn(sessions, chained=MAX_CAMERAS + 3)(0, tab, NO_PROGRESS)[0].startswith(
            "Episode"
        )
        clear_inspect(state)  # the user pressed "Open" again
        state.last_error = "the newer open's refusal"
        frame = _frame_fn(sessions, chained=MAX_CAMERAS + 2)(0, "mm", tab)
        episode = _episode_fn(sessions, chained=MAX_CAMERAS + 3)(0, tab, NO_PROGRESS)
        assert frame == [gr.skip()] * (MAX_CAMERAS + 2)
        assert episode == [gr.skip()] * (MAX_CAMERAS + 3)
        assert state.last_error == "the newer open's refusal"
        # The user's own scrub on a closed dataset is still refused in words.
        with pytest.raises(gr.Error):
            _frame_fn(sessions)(0, "mm", tab)
        assert state.last_error == "Choose an episode first."
    finally:
        sessions.close(tab)


def _readout_numbers(text: str) -> list[float]:
    line = next(line for line in text.splitlines() if "median" in line)
    return [float(n) for n in re.findall(r"(\d+\.\d+) m", line)]


def test_depth_readout_in_mm_and_m(state: SessionState, data: AppSettings) -> None:
    _opened(state, data, LEROBOT)
    show_episode(state, 0, NO_PROGRESS)
    in_mm = _readout_numbers(show_frame(state, 2, "mm")[MAX_CAMERAS])
    in_m = _readout_numbers(show_frame(state, 2, "m")[MAX_CAMERAS])
    assert len(in_mm) == len(in_m) == 3
    assert in_mm[0] < in_mm[1] <= in_mm[2]
    # The library gives millimetres as whole numbers (as LeRobot stores them): half a mm off.
    assert np.allclose(in_mm, np.array(in_m) * 1000, rtol=0, atol=0.6)
    assert in_mm[2] > 10 * in_m[2]  # the unit really changed


def test_session_recordings_are_listed(state: SessionState, data: AppSettings) -> None:
    shutil.copytree(FIXTURE, state.folder / DATASETS_FOLDER / "mine")
    found = local_datasets(data, state)
    assert "session/mine" in found
    assert SAMPLE in found
    assert "aloha_sim_sample" in _opened(state, data, SAMPLE)[1]
    assert "### mine" in _opened(state, data, "session/mine")[1]


@pytest.mark.parametrize(
    "choice",
    ["/etc", "datasets/../../etc", "../datasets/aloha_sim_sample", "session/mine", "sessions"],
)
def test_paths_outside_the_listed_datasets_are_refused(
    state: SessionState, data: AppSettings, choice: str
) -> None:
    with pytest.raises(gr.Error, match="data folder"):
        open_local(state, data, choice, NO_PROGRESS)
    assert state.inspect.reader is None


def test_another_sessions_dataset_is_refused(data: AppSettings) -> None:
    mine, other = SessionState.new(data), SessionState.new(data)
    try:
        shutil.copytree(FIXTURE, other.folder / DATASETS_FOLDER / "theirs")
        with pytest.raises(gr.Error, match="data folder"):
            open_local(mine, data, "session/theirs", NO_PROGRESS)
    finally:
        _close(mine)
        _close(other)


def test_bad_repo_id_names_the_form(state: SessionState, data: AppSettings) -> None:
    with pytest.raises(gr.Error, match="namespace/name"):
        open_hub(state, data, "not a repo id", "", "", NO_PROGRESS)


def test_push_needs_a_local_dataset(state: SessionState) -> None:
    with pytest.raises(gr.Error, match="local dataset"):
        push_to_hub(state, "someone/x", "", False, NO_PROGRESS)


def test_hub_dataset_and_missing_repo(
    state: SessionState,
    data: AppSettings,
    local_hub: LocalHub,
) -> None:
    local_hub.publish("studio/sample", data.datasets_dir / "aloha_sim_sample")
    with pytest.raises(gr.Error, match="studio/missing"):
        open_hub(state, data, "studio/missing", "", "", NO_PROGRESS)
    status = open_hub(state, data, "studio/sample", "", "", NO_PROGRESS)
    assert "studio/sample" in status
    # The metadata is kept in the app's own Hub cache, inside the data folder.
    assert (data.hub_cache_dir / "datasets--studio--sample").is_dir()
    summary = show_dataset(state)[1]
    assert "revision `v3.0`" in summary
    before = state.inspect.bytes_fetched
    assert before is not None
    assert before > 0
    shown = show_episode(state, 2, NO_PROGRESS)
    assert sum(bool(p.get("visible")) for p in shown[1 : 1 + MAX_CAMERAS]) == 2
    after = state.inspect.bytes_fetched
    assert after is not None
    assert after > before
    assert "bytes fetched so far" in shown[-1]


def _files_holding(folder: Path, secret: bytes, *, but: Path | None = None) -> list[Path]:
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and secret in p.read_bytes() and not (but and p.is_relative_to(but))
    ]


def test_private_hub_dataset_token_stays_in_memory(
    state: SessionState, data: AppSettings, local_hub: LocalHub, tmp_path: Path
) -> None:
    token = "hf_inspect_secret_token_0123456789"
    local_hub.add_token(token, write=False)
    local_hub.publish("studio/private", data.datasets_dir / "aloha_sim_sample", private=True)
    with pytest.raises(gr.Error) as refused:
        open_hub(state, data, "studio/private", "", "", NO_PROGRESS)
    assert "studio/private" in str(refused.value.message)
    status = open_hub(state, data, "studio/private", "", f" {token} ", NO_PROGRESS)
    shown = [status, *show_dataset(state)[1:5], *show_episode(state, 0, NO_PROGRESS)]
    assert token not in repr(shown)
    assert not _files_holding(data.data_dir, token.encode())
    # Nor in the Hugging Face cache (the local Hub's own token list aside).
    assert not _files_holding(tmp_path, token.encode(), but=local_hub.root)


def test_push_a_local_dataset_to_the_hub(
    state: SessionState, data: AppSettings, local_hub: LocalHub
) -> None:
    token = "hf_inspect_write_token_0123456789"
    local_hub.add_token(token, write=True)
    _opened(state, data, LEROBOT)
    status = push_to_hub(state, "studio/pushed", token, False, NO_PROGRESS)
    assert "studio/pushed" in status
    assert token not in status
    pushed = SessionState.new(data)
    try:
        open_hub(pushed, data, "studio/pushed", "", "", NO_PROGRESS)
        assert "### studio/pushed" in show_dataset(pushed)[1]
        assert pushed.inspect.reader is not None
        assert pushed.inspect.reader.num_frames == open_dataset(FIXTURE).num_frames
    finally:
        _close(pushed)
