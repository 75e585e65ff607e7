"""Merge page handlers on the sample dataset and small datasets made here: which sources are
taken (listed datasets, checked zips) and refused, the plan (green for two copies of the
sample, red for another frame rate or a camera named otherwise), key mapping that re-plans,
output names, a merge into the shared datasets folder, its verification and its zip."""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import gradio as gr
import pytest

import app
from components.inspect.sources import local_datasets
from components.merge.handlers import (
    MAX_KEY_SLOTS,
    add_example,
    add_local,
    add_upload,
    check_output,
    clear_sources,
    map_keys,
    move_up,
    output_folder,
    remove_source,
    run_merge,
    zip_merged,
)
from components.merge.session import DROP, KEEP
from components.merge.sources import UPLOADS_FOLDER
from components.merge.view import merge_views, result_views
from components.record.form import DATASETS_FOLDER
from components.sample_dataset import EPISODES, FRAMES_PER_EPISODE, ensure_sample_dataset
from components.state import AppSettings, SessionState, _close
from lerobot_video import archive_dataset, open_dataset

from .merge_media import make_merge_zips, write_toy_dataset, write_zip

SAMPLE = "datasets/aloha_sim_sample"
TOP = "observation.images.top"
FRONT = "observation.images.front"
PLAN_VIEWS = ("plan_box", "problems", "summary", "must", "loose", "keys_note", "keys_box")


NO_PROGRESS = cast(gr.Progress, lambda *_args, **_kwargs: None)
"""Handlers take Gradio's tracker; outside an event nothing is shown."""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> AppSettings:
    settings = app.make_settings(tmp_path_factory.mktemp("merge-data"))
    assert ensure_sample_dataset(settings) is not None
    folder = settings.datasets_dir
    write_toy_dataset(folder / "toy_a")
    write_toy_dataset(folder / "toy_slow", fps=15)
    write_toy_dataset(folder / "toy_front", FRONT, episodes=1)
    return settings


@pytest.fixture
def state(data: AppSettings) -> Iterator[SessionState]:
    session = SessionState.new(data)
    yield session
    _close(session)


def _views(state: SessionState) -> dict[str, Any]:
    """The plan's views by name (see MergePage.views for the order)."""
    shown = merge_views(state)
    plan = dict(zip(PLAN_VIEWS, shown[-MAX_KEY_SLOTS - 8 : -MAX_KEY_SLOTS - 1], strict=True))
    return {**plan, "keys": shown[-MAX_KEY_SLOTS - 1 : -1], "run": shown[-1]}


def _row(html: str, feature: str, field: str) -> str:
    """One must-match row of the table, by feature and field."""
    for row in re.findall(r"<tr class=\"merge-row-\w+\">.*?</tr>", html):
        if f"<code>{feature}</code></td><td>{field}</td>" in row:
            return str(row)
    raise AssertionError(f"no row {feature} {field} in {html[:300]}")


# --- Sources ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "choice",
    ["/etc", "datasets/../../etc", "../datasets/aloha_sim_sample", "session/theirs", "sessions"],
)
def test_only_listed_datasets_are_sources(
    state: SessionState, data: AppSettings, choice: str
) -> None:
    with pytest.raises(gr.Error, match="data folder"):
        add_local(state, data, choice, NO_PROGRESS)
    assert state.merge.sources == []


def test_another_sessions_recording_is_refused(data: AppSettings) -> None:
    mine, other = SessionState.new(data), SessionState.new(data)
    try:
        write_toy_dataset(other.folder / DATASETS_FOLDER / "theirs", episodes=1)
        with pytest.raises(gr.Error, match="data folder"):
            add_local(mine, data, "session/theirs", NO_PROGRESS)
        write_toy_dataset(mine.folder / DATASETS_FOLDER / "mine", episodes=1)
        status = add_local(mine, data, "session/mine", NO_PROGRESS)
        assert "mine (recorded in this session)" in status
    finally:
        _close(mine)
        _close(other)


def test_sources_are_added_moved_and_removed(state: SessionState, data: AppSettings) -> None:
    assert "Add at least one more" in add_local(state, data, "datasets/toy_a", NO_PROGRESS)
    assert state.merge.plan is None
    assert _views(state)["plan_box"]["visible"] is False
    add_local(state, data, SAMPLE, NO_PROGRESS)
    assert [s.label for s in state.merge.sources] == ["toy_a", "aloha_sim_sample"]
    move_up(state, 1)
    assert [s.label for s in state.merge.sources] == ["aloha_sim_sample", "toy_a"]
    with pytest.raises(gr.Error, match="already first"):
        move_up(state, 0)
    with pytest.raises(gr.Error, match="Source position"):
        remove_source(state, 2)
    remove_source(state, 0)
    assert [s.label for s in state.merge.sources] == ["toy_a"]
    assert state.merge.plan is None
    clear_sources(state)
    assert state.merge.sources == []


# --- Uploaded zips -----------------------------------------------------------------------


def test_dataset_zip_becomes_a_source(
    state: SessionState, data: AppSettings, tmp_path: Path
) -> None:
    zipped = archive_dataset(data.datasets_dir / "toy_a", tmp_path / "toy_a.zip")
    status = add_upload(state, data, [{"path": str(zipped)}], NO_PROGRESS)
    assert "toy_a (uploaded)" in status
    root = state.merge.sources[0].root
    assert root is not None
    assert root.is_relative_to(state.folder / UPLOADS_FOLDER)
    assert open_dataset(root).num_episodes == 2
    add_local(state, data, "datasets/toy_a", NO_PROGRESS)
    plan = state.merge.plan
    assert plan is not None
    assert plan.ok, plan.conflicts
    remove_source(state, 0)
    assert not root.exists()  # the unpacked upload goes with its entry


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory, data: AppSettings) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("merge-zips")
    (folder / "not_a_zip.zip").write_text("this is not a zip\n")
    made = make_merge_zips(folder, data.datasets_dir / "toy_a")
    return {**made, "not_a_zip": folder / "not_a_zip.zip"}


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("not_a_zip", "not a zip"),
        ("dotdot_zip", r"outside its folder \('\.\.'\)"),
        ("absolute_zip", "absolute path"),
        ("symlink_zip", "symbolic link"),
        ("no_dataset_zip", "holds no dataset"),
        ("two_datasets_zip", "2 datasets"),
        ("bad_info_zip", "info.json"),
        ("huge_zip", "MB"),
    ],
)
def test_bad_zips_are_refused(
    state: SessionState, data: AppSettings, zips: dict[str, Path], kind: str, words: str
) -> None:
    with pytest.raises(gr.Error, match=words):
        add_upload(state, data, [str(zips[kind])], NO_PROGRESS)
    assert state.merge.sources == []
    uploads = state.folder / UPLOADS_FOLDER
    assert not uploads.exists() or not any(uploads.iterdir())  # nothing left unpacked
    assert not list(data.data_dir.rglob("evil.txt"))


def test_zip_larger_than_four_uploads_is_refused(tmp_path: Path) -> None:
    settings = app.make_settings(tmp_path / "data", max_upload_mb=1)
    session = SessionState.new(settings)
    try:
        entries = {"ds/meta/info.json": b"{}", "ds/data/zeros.bin": bytes(5_000_000)}
        path = [str(write_zip(tmp_path / "big.zip", entries))]
        assert Path(path[0]).stat().st_size < 100_000  # small to upload, large unpacked
        with pytest.raises(gr.Error, match="at most 4 MB"):
            add_upload(session, settings, path, NO_PROGRESS)
        assert not (session.folder / UPLOADS_FOLDER).exists()
    finally:
        _close(session)


def test_upload_needs_one_file(state: SessionState, data: AppSettings) -> None:
    with pytest.raises(gr.Error, match="Upload a dataset zip"):
        add_upload(state, data, None, NO_PROGRESS)
    with pytest.raises(gr.Error, match="one dataset zip"):
        add_upload(state, data, [], NO_PROGRESS)


# --- The plan and key mapping --------------------------------------------------------------


def test_two_copies_of_the_sample_plan_all_green(state: SessionState, data: AppSettings) -> None:
    add_example(state, data, NO_PROGRESS)
    views = _views(state)
    assert views["plan_box"]["visible"] is True
    assert views["run"]["interactive"] is True
    assert "merge-bad" not in views["must"]
    assert "merge-row-bad" not in views["must"]
    cells = views["must"].count("<td class=")
    assert cells == 2 * views["must"].count('<tr class="merge-row-ok">') > 0
    assert views["must"].count('class="merge-ok"') == cells
    assert "Ready to merge" in views["problems"]
    total = f"<td>Merged output</td><td>{2 * EPISODES}</td><td>{2 * EPISODES * FRAMES_PER_EPISODE}"
    assert total in views["summary"]
    assert views["keys_box"]["visible"] is False
    assert views["keys_note"].startswith("Nothing to map")
    assert TOP in views["loose"]  # the encoder-tuning fields, each with its merged value


def test_other_frame_rate_is_a_red_cell_and_a_conflict(
    state: SessionState, data: AppSettings
) -> None:
    add_local(state, data, "datasets/toy_a", NO_PROGRESS)
    add_local(state, data, "datasets/toy_slow", NO_PROGRESS)
    views = _views(state)
    fps = _row(views["must"], "(dataset)", "fps")
    assert '<td class="merge-bad">✗ 15</td>' in fps
    assert '<td class="merge-ref">30</td>' in fps
    plan = state.merge.plan
    assert plan is not None
    assert f"{len(plan.conflicts)} conflicts block the merge" in views["problems"]
    assert {c.field for c in plan.conflicts} == {"fps", f"{TOP} video.fps"}
    assert re.search(r"<li class=\"merge-conflict\">.*fps = 15.*resample", views["problems"])
    assert views["run"]["interactive"] is False
    with pytest.raises(gr.Error, match="conflict"):
        run_merge(state, data, ("never_written", 100, 200), NO_PROGRESS)
    assert not (data.datasets_dir / "never_written").exists()


def test_mapping_a_camera_named_otherwise_removes_the_conflict(
    state: SessionState, data: AppSettings
) -> None:
    add_local(state, data, "datasets/toy_a", NO_PROGRESS)
    add_local(state, data, "datasets/toy_front", NO_PROGRESS)
    views = _views(state)
    assert state.merge.slots == [(1, FRONT)]
    assert views["keys_box"]["visible"] is True
    first_key = views["keys"][0]
    assert first_key["choices"] == [KEEP, DROP, TOP, "observation.state"]
    assert FRONT in first_key["label"]
    assert all(k["visible"] is False for k in views["keys"][1:])
    assert "merge-conflict" in views["problems"]
    assert '<td class="merge-bad">✗ (missing)</td>' in _row(views["must"], TOP, "dtype")

    map_keys(state, [DROP, *[None] * (MAX_KEY_SLOTS - 1)], NO_PROGRESS)
    plan = state.merge.plan
    assert plan is not None
    assert plan.dropped == (FRONT,)
    assert not plan.ok  # the camera source 0 has is still missing

    status = map_keys(state, [TOP, *[None] * (MAX_KEY_SLOTS - 1)], NO_PROGRESS)
    assert "0 conflicts" in status
    views = _views(state)
    assert "merge-bad" not in views["must"]
    assert "Ready to merge" in views["problems"]
    assert views["keys"][0]["value"] == TOP  # the slot stays, showing the choice
    assert views["run"]["interactive"] is True


@pytest.mark.parametrize(
    "values", [["nope"], [5], [None], ["observation.images.other"], [["x"]]], ids=str
)
def test_bad_key_mapping_is_refused(
    state: SessionState, data: AppSettings, values: list[Any]
) -> None:
    add_local(state, data, "datasets/toy_a", NO_PROGRESS)
    add_local(state, data, "datasets/toy_front", NO_PROGRESS)
    before = state.merge.plan
    with pytest.raises(gr.Error, match="Key mapping"):
        map_keys(state, [*values, *[None] * (MAX_KEY_SLOTS - 1)], NO_PROGRESS)
    assert state.merge.plan is before


def test_mapping_before_sources_is_refused(state: SessionState) -> None:
    with pytest.raises(gr.Error, match="two or more sources"):
        map_keys(state, [None] * MAX_KEY_SLOTS, NO_PROGRESS)


# --- Output, run, verification -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "Give the merged dataset a name"),
        (None, "Give the merged dataset a name"),
        ("../x", "not allowed"),
        ("a/b", "not allowed"),
        (".hidden", "not allowed"),
        ("<b>x</b>", "not allowed"),
        ("x" * 65, "not allowed"),
        ("aloha_sim_sample", "already exists"),
        (5, "must be text"),
    ],
)
def test_output_name_refusals(data: AppSettings, name: Any, words: str) -> None:
    with pytest.raises(gr.Error, match=words):
        output_folder(data, name)
    assert check_output(data, name, 100, 200).startswith("**Refused:**")


@pytest.mark.parametrize(
    ("data_mb", "video_mb", "words"),
    [(0, 200, "Data file size"), (1e9, 200, "Data file size"), (100, -1, "Video file size")],
)
def test_size_limit_refusals(data: AppSettings, data_mb: Any, video_mb: Any, words: str) -> None:
    assert words in check_output(data, "fine_name", data_mb, video_mb)
    assert check_output(data, "fine_name", 100, 200).startswith("**Ready:**")


def test_run_before_sources_is_refused(state: SessionState, data: AppSettings) -> None:
    with pytest.raises(gr.Error, match="two or more sources"):
        run_merge(state, data, ("nothing_yet", 100, 200), NO_PROGRESS)
    with pytest.raises(gr.Error, match="Run a merge first"):
        zip_merged(state, NO_PROGRESS)


def test_a_merge_past_the_datasets_limit_is_refused(tmp_path: Path) -> None:
    settings = app.make_settings(tmp_path / "data", max_datasets_mb=1)
    assert ensure_sample_dataset(settings) is not None
    state = SessionState.new(settings)
    try:
        add_example(state, settings, NO_PROGRESS)
        with pytest.raises(gr.Error, match=r"limit is 1 MB \(--max-datasets-mb\)"):
            run_merge(state, settings, ("too_big", 100, 200), NO_PROGRESS)
        assert not (settings.datasets_dir / "too_big").exists()
        assert [p.name for p in settings.datasets_dir.iterdir()] == ["aloha_sim_sample"]
    finally:
        _close(state)


def test_merge_writes_a_verified_dataset(state: SessionState, data: AppSettings) -> None:
    add_example(state, data, NO_PROGRESS)
    status = run_merge(state, data, ("merged_sample", 1, 1), NO_PROGRESS)
    root = data.datasets_dir / "merged_sample"
    assert f"**{2 * EPISODES}** episodes" in status
    assert "every check passed" in status
    merged = open_dataset(root)
    assert merged.num_episodes == 2 * EPISODES
    assert merged.num_frames == 2 * EPISODES * FRAMES_PER_EPISODE
    check = state.merge.verification
    assert check is not None
    assert check.ok
    assert check.checks
    assert all(c.ok for c in check.checks)
    box, report, download = result_views(state)
    assert box["visible"] is True
    assert report.count("<td>✓</td>") == len(check.checks)
    assert "✗" not in report
    assert download["visible"] is False
    assert "datasets/merged_sample" in local_datasets(data, state)  # Inspect lists it
    zipped = zip_merged(state, NO_PROGRESS)
    with zipfile.ZipFile(zipped["value"]) as archive:
        assert "merged_sample/meta/info.json" in archive.namelist()
    with pytest.raises(gr.Error, match="already exists"):
        run_merge(state, data, ("merged_sample", 100, 200), NO_PROGRESS)
    shutil.rmtree(root)


def test_closing_the_session_forgets_the_merge(data: AppSettings, tmp_path: Path) -> None:
    session = SessionState.new(data)
    zipped = archive_dataset(data.datasets_dir / "toy_a", tmp_path / "toy_a.zip")
    add_upload(session, data, [str(zipped)], NO_PROGRESS)
    unpacked = session.merge.sources[0].root
    assert unpacked is not None
    assert unpacked.is_dir()
    _close(session)
    assert session.merge.sources == []
    assert not unpacked.exists()


def test_mapping_follows_its_source_when_others_change(
    state: SessionState, data: AppSettings
) -> None:
    add_local(state, data, "datasets/toy_a", NO_PROGRESS)
    add_local(state, data, "datasets/toy_slow", NO_PROGRESS)
    add_local(state, data, "datasets/toy_front", NO_PROGRESS)
    assert state.merge.slots == [(2, FRONT)]
    map_keys(state, [TOP, *[None] * (MAX_KEY_SLOTS - 1)], NO_PROGRESS)
    remove_source(state, 1)  # the 15 fps one: toy_front becomes source 1, still mapped
    plan = state.merge.plan
    assert plan is not None
    assert state.merge.slots == [(1, FRONT)]
    assert state.merge.mapping == [TOP]
    assert plan.renames == {1: {FRONT: TOP}}
    assert plan.ok, plan.conflicts
