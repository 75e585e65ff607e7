"""Record-tab handlers called directly: preview, record, discard and save episodes on the bundled
replay; the episodes table against the dataset on disk; clear messages for every invalid input;
separate sessions; the zip; the browser camera path; closing a session when its tab closes."""

from __future__ import annotations

import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import pytest

from components.depth_form import depth_form_values, validate_depth_form
from components.record import episodes as record_episodes
from components.record import form as record_form
from components.record import preview as record_preview
from components.record import sources as record_sources
from components.record.session import RecordSession
from components.record.view import stats_html
from components.state import AppSettings, SessionState
from components.widgets import form_values
from lerobot_video import (
    DepthEncoderConfig,
    DeviceUnavailableError,
    RecorderStats,
    RGBEncoderConfig,
    open_dataset,
)

pytestmark = pytest.mark.requires_encoder("libsvtav1", "libx265")

REPLAY = "Bundled ALOHA replay (RGB + depth)"
BROWSER = "Browser camera (this page)"
KNOBS = (*form_values(RGBEncoderConfig()), *depth_form_values(DepthEncoderConfig()))


def _with(state: SessionState, session: RecordSession) -> SessionState:
    """``state`` recording through ``session`` (a preview the test started)."""
    state.recording = session
    return state


def _no_progress(*args: Any, **kwargs: Any) -> None:
    return None


def _form(name: str, *, fps: Any = 30, task: str = "pick up the cube") -> tuple[Any, ...]:
    return (name, fps, task, "aloha", "top", False)


def _wait_for_frames(session: RecordSession, count: int = 6) -> None:
    """Until the episode holds ``count`` frames; the deadline only guards against a hang."""
    assert session.recorder is not None
    deadline = time.monotonic() + 30
    while session.recorder.stats().episode_frames < count:
        assert time.monotonic() < deadline, session.recorder.stats()
        time.sleep(0.02)


def _record_episode(
    session: RecordSession, state: SessionState, settings: AppSettings, name: str
) -> list[Any]:
    record_episodes.start_episode(_with(state, session), _form(name), KNOBS)
    _wait_for_frames(session)
    return record_episodes.stop_episode(session, _no_progress)  # type: ignore[arg-type]


@pytest.fixture
def previewing() -> Iterator[RecordSession]:
    session = RecordSession()
    record_preview.start_preview(session, REPLAY)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def recorded(settings: AppSettings) -> Iterator[tuple[RecordSession, SessionState, list[Any]]]:
    """Two episodes saved, then a third recorded and discarded; the preview still runs."""
    session, state = RecordSession(), SessionState.new(settings)
    record_preview.start_preview(session, REPLAY)
    _record_episode(session, state, settings, "two_episodes")
    saved = _record_episode(session, state, settings, "two_episodes")
    record_episodes.start_episode(_with(state, session), _form("two_episodes"), KNOBS)
    _wait_for_frames(session)
    status, *_ = record_episodes.discard_episode(session)
    assert status.startswith("Discarded the episode (")
    yield session, state, saved
    session.stop()


class TestRecording:
    def test_episode_table_matches_the_dataset(
        self, recorded: tuple[RecordSession, SessionState, list[Any]]
    ) -> None:
        session, _, saved = recorded
        status, table, gallery = saved[:3]
        assert status.startswith("Saved episode 1: ")
        assert session.dataset_root is not None
        reader = open_dataset(session.dataset_root)
        rows = table["value"]
        assert [row[0] for row in rows] == [0, 1]
        assert [row[1] for row in rows] == [e.length for e in reader.episodes]
        for row in rows:
            size, unit = row[3].split()
            assert unit in ("KB", "MB")
            assert 0 < float(size) < 1000
            assert row[4] == 0  # dropped frames (real-time mode off)
        # Each episode's bytes are what its videos added: together, every MP4 of the dataset.
        added = [sum((e.video_bytes or {}).values()) for e in session.episodes.values()]
        on_disk = sum(path.stat().st_size for path in session.dataset_root.rglob("*.mp4"))
        assert sum(added) == on_disk
        assert [row[3] for row in rows] == [f"{b / 1000:.0f} KB" for b in added]
        assert session.recorder is not None
        reports = session.recorder.capture_reports
        assert [row[5] for row in rows] == [reports[i].skipped_ticks for i in (0, 1)]
        assert [caption for _, caption in gallery["value"]] == [
            f"Episode {e.episode_index}" for e in reader.episodes
        ]
        assert gallery["value"][0][0].shape == (480, 640, 3)

    def test_discard_leaves_the_dataset_unchanged(
        self, recorded: tuple[RecordSession, SessionState, list[Any]]
    ) -> None:
        session, _, _ = recorded
        assert session.dataset_root is not None
        assert open_dataset(session.dataset_root).num_episodes == 2
        assert session.recorder is not None
        assert session.recorder.stats().state == "previewing"
        assert session.recorder.writer.num_pending_frames == 0

    def test_dataset_lives_in_the_session_folder(
        self, recorded: tuple[RecordSession, SessionState, list[Any]], settings: AppSettings
    ) -> None:
        session, state, _ = recorded
        assert session.dataset_root == state.folder / "datasets" / "two_episodes"
        reader = open_dataset(session.dataset_root)
        assert reader.fps == 30
        assert reader.tasks == ("pick up the cube",)
        assert set(reader.video_keys) == {"observation.images.top", "observation.images.top_depth"}

    def test_zip_holds_the_dataset(
        self, recorded: tuple[RecordSession, SessionState, list[Any]], settings: AppSettings
    ) -> None:
        session, state, _ = recorded
        update = record_episodes.zip_dataset(_with(state, session), _no_progress)  # type: ignore[arg-type]
        path = Path(update["value"])
        assert path.resolve().is_relative_to(settings.data_dir)
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        assert "two_episodes/meta/info.json" in names
        assert any(name.endswith(".mp4") for name in names)

    def test_preview_shows_colour_depth_and_stats(
        self, recorded: tuple[RecordSession, SessionState, list[Any]]
    ) -> None:
        session, _, _ = recorded
        color, depth, stats = record_preview.preview_tick(session, 2.0)
        assert color.shape == (480, 640, 3)
        assert depth.shape == (480, 640, 3)
        assert "Previewing" in stats
        assert "Encode top_depth" not in stats  # encoders are listed only while recording
        assert "target 30 fps" in stats

    def test_depth_preview_scale_is_in_metres(
        self, recorded: tuple[RecordSession, SessionState, list[Any]]
    ) -> None:
        session, _, _ = recorded
        depth = record_preview.preview_tick(session, 1.0)[1]
        # The arms lie 0.47-1 m away, so on a 0.2-1 m scale they take many colours; mixing up
        # millimetres and metres would saturate every pixel to one end of the scale.
        assert len(np.unique(depth.reshape(-1, 3), axis=0)) > 20


class TestInvalidInputs:
    @pytest.mark.parametrize(
        ("form", "message"),
        [
            (_form(""), "Give the dataset a name"),
            (_form("a/b"), "Dataset name 'a/b' must not contain a slash"),
            (_form(".."), "Dataset name '..' is not allowed; use 1-64 letters"),
            (_form("ok", fps=0), "Frames per second must be a whole number from 1 to 1000, got 0"),
            (_form("ok", fps=12.5), "got 12.5"),
            (_form("ok", task="  "), "Describe the task"),
        ],
    )
    def test_dataset_form_is_refused_with_a_reason(
        self,
        previewing: RecordSession,
        settings: AppSettings,
        form: tuple[Any, ...],
        message: str,
    ) -> None:
        state = SessionState.new(settings)
        with pytest.raises(gr.Error, match=message):
            record_episodes.start_episode(_with(state, previewing), form, KNOBS)
        assert previewing.recorder is None
        assert not list((state.folder / "datasets").glob("*"))

    def test_existing_dataset_name_is_refused(
        self, previewing: RecordSession, settings: AppSettings
    ) -> None:
        state = SessionState.new(settings)
        (state.folder / "datasets" / "taken").mkdir(parents=True)
        with pytest.raises(gr.Error, match="A dataset named 'taken' already exists"):
            record_episodes.start_episode(_with(state, previewing), _form("taken"), KNOBS)
        verdict = record_form.validate_dataset_form(state, "taken", 30, "pick", "top")
        assert "already exists" in verdict
        assert record_form.validate_dataset_form(state, "free", 30, "pick", "top") == (
            "**Ready:** records camera `top` into `free` at 30 fps."
        )

    def test_invalid_encoder_knob_shows_the_library_message(
        self, previewing: RecordSession, settings: AppSettings
    ) -> None:
        knobs = list(KNOBS)
        knobs[3] = 70  # crf
        state = SessionState.new(settings)
        with pytest.raises(gr.Error, match=r"crf must be in \[0, 63\] for 'libsvtav1', got 70"):
            record_episodes.start_episode(_with(state, previewing), _form("knobs"), tuple(knobs))
        assert not (state.folder / "datasets" / "knobs").exists()

    def test_invalid_depth_form_is_shown_as_typed(self) -> None:
        values = depth_form_values(DepthEncoderConfig())
        values[1] = 0.001  # depth_max below depth_min
        assert validate_depth_form(*values).startswith("**Refused:** depth_max must be greater")
        assert validate_depth_form(*depth_form_values(DepthEncoderConfig())).startswith(
            "**Ready:**"
        )

    def test_bad_camera_name_shows_the_library_message(
        self, previewing: RecordSession, settings: AppSettings
    ) -> None:
        form = ("cam", 30, "pick", "", "top camera", False)
        with pytest.raises(gr.Error, match="Camera name 'top camera' must be letters"):
            record_episodes.start_episode(
                _with(SessionState.new(settings), previewing), form, KNOBS
            )

    @pytest.mark.parametrize(
        ("camera", "shown"),
        [("../../x", "'../../x'"), ("a b", "'a b'"), ("", "''"), ("<b>x</b>", "'&lt;b>x&lt;/b>'")],
    )
    def test_camera_name_is_checked_live_as_start_checks_it(
        self, previewing: RecordSession, settings: AppSettings, camera: str, shown: str
    ) -> None:
        """The verdict refuses what Start refuses, in the same words, preview running or not."""
        state = SessionState.new(settings)
        idle_verdict = record_form.validate_dataset_form(state, "cam", 30, "pick", camera)
        assert state.recording.source is None  # checking the name alone starts nothing
        live = _with(state, previewing)
        verdict = record_form.validate_dataset_form(live, "cam", 30, "pick", camera)
        words = f"Camera name {shown} must be letters, digits and underscores (e.g. 'front')."
        assert verdict == idle_verdict == f"**Refused:** {words}"
        form = ("cam", 30, "pick", "", camera, False)
        with pytest.raises(gr.Error) as refused:
            record_episodes.start_episode(live, form, KNOBS)
        assert refused.value.message == words
        assert not (state.folder / "datasets" / "cam").exists()

    def test_camera_name_is_checked_before_the_task(self, settings: AppSettings) -> None:
        """A fresh form has no task yet; a bad camera name typed first is still named."""
        verdict = record_form.validate_dataset_form(
            SessionState.new(settings), "cam", 30, "", "../../x"
        )
        assert verdict.startswith("**Refused:** Camera name '../../x'")

    def test_actions_out_of_order_say_what_to_do(self, settings: AppSettings) -> None:
        idle = RecordSession()
        with pytest.raises(gr.Error, match="Start the preview first"):
            record_episodes.start_episode(
                _with(SessionState.new(settings), idle), _form("early"), KNOBS
            )
        with pytest.raises(gr.Error, match="No episode is being recorded"):
            record_episodes.stop_episode(idle, _no_progress)  # type: ignore[arg-type]
        with pytest.raises(gr.Error, match="nothing to discard"):
            record_episodes.discard_episode(idle)
        with pytest.raises(gr.Error, match="at least one episode"):
            record_episodes.zip_dataset(_with(SessionState.new(settings), idle), _no_progress)  # type: ignore[arg-type]

    def test_unavailable_source_gives_its_reason(self) -> None:
        missing = [s for s in record_sources.source_choices() if s.endswith("(not available)")]
        if not missing:
            pytest.skip("every camera kind is connected here")
        note, *_ = record_sources.describe_source(missing[0])
        assert note.startswith("Not available: ")
        with pytest.raises(gr.Error, match="cannot be used: "):
            record_preview.start_preview(RecordSession(), missing[0])


class TestSessions:
    def test_second_session_records_its_own_dataset(
        self, recorded: tuple[RecordSession, SessionState, list[Any]], settings: AppSettings
    ) -> None:
        first, first_state, _ = recorded
        second, second_state = RecordSession(), SessionState.new(settings)
        record_preview.start_preview(second, REPLAY)
        try:
            _record_episode(second, second_state, settings, "two_episodes")  # same name: fine
        finally:
            second.stop()
        assert second.dataset_root != first.dataset_root
        assert second_state.folder != first_state.folder
        assert second.dataset_root is not None
        assert first.dataset_root is not None
        assert open_dataset(second.dataset_root).num_episodes == 1
        assert open_dataset(first.dataset_root).num_episodes == 2

    def test_stopping_while_recording_drops_only_the_open_episode(
        self, settings: AppSettings
    ) -> None:
        session, state = RecordSession(), SessionState.new(settings)
        record_preview.start_preview(session, REPLAY)
        _record_episode(session, state, settings, "stopped_early")
        record_episodes.start_episode(_with(state, session), _form("stopped_early"), KNOBS)
        _wait_for_frames(session)
        stats = record_preview.preview_tick(session, 2.0)[2]
        assert "● Recording" in stats
        assert "Encode top_depth" in stats
        assert "queue " in stats
        status = record_preview.stop_preview(session)[0]
        assert "Finished dataset `stopped_early` with 1 episode(s)" in status
        assert session.dataset_root is not None
        assert open_dataset(session.dataset_root).num_episodes == 1


def test_browser_camera_frames_are_recorded_at_the_page_size(settings: AppSettings) -> None:
    session, state = RecordSession(), SessionState.new(settings)
    record_preview.start_preview(session, BROWSER)
    stop = threading.Event()
    frame = np.full((720, 1280, 3), 90, np.uint8)  # a 16:9 webcam, fitted to 640x480

    def webcam() -> None:
        while not stop.is_set():
            record_preview.push_browser_frame(session, frame)
            time.sleep(0.03)

    pusher = threading.Thread(target=webcam, daemon=True)
    pusher.start()
    try:
        _record_episode(session, state, settings, "webcam")
    finally:
        stop.set()
        pusher.join()
        session.stop()
    assert session.dataset_root is not None
    reader = open_dataset(session.dataset_root)
    assert reader.video_keys == ["observation.images.top"]  # no depth from a webcam
    first = reader.frames("observation.images.top", 0, [0])[0]
    assert first.shape == (480, 640, 3)
    assert abs(float(first.mean()) - 90) < 3  # lossy AV1 of a flat grey frame


def test_failed_capture_shows_its_error() -> None:
    stats = RecorderStats(
        state="failed",
        episode_frames=0,
        dropped=0,
        late=0,
        skipped=0,
        capture_fps=0.0,
        encoders={},
        error="No frame from the browser camera in 1 s.",
    )
    block = stats_html(stats, fps=30, note="Press R to record the next episode.")
    assert "Capture stopped" in block
    assert "No frame from the browser camera in 1 s. Stop the preview" in block
    assert "Press R" not in block


class TestFailedStartLeavesThePageUsable:
    """A start that fails (a frame rate the encoder refuses) writes nothing and the next
    start, with the form corrected, records: the page is never stuck on one error."""

    def test_refused_frame_rate_writes_nothing_and_the_corrected_form_records(
        self, previewing: RecordSession, settings: AppSettings
    ) -> None:
        state = _with(SessionState.new(settings), previewing)
        with pytest.raises(gr.Error, match="libsvtav1 encodes at most 240 fps, got 1000"):
            record_episodes.start_episode(state, _form("fast", fps=1000), KNOBS)
        assert not (state.folder / "datasets" / "fast").exists()
        assert previewing.recorder is None
        assert previewing.source is not None  # the preview keeps running
        record_episodes.start_episode(state, _form("fast", fps=30), KNOBS)
        _wait_for_frames(previewing, 3)
        saved = record_episodes.stop_episode(previewing, _no_progress)  # type: ignore[arg-type]
        assert saved[0].startswith("Saved episode 0")
        assert open_dataset(state.folder / "datasets" / "fast").num_episodes == 1

    def test_a_first_episode_that_cannot_start_removes_its_empty_dataset(
        self, previewing: RecordSession, settings: AppSettings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        state = _with(SessionState.new(settings), previewing)

        def refuse(self: object) -> None:
            raise DeviceUnavailableError("The camera went away.")

        monkeypatch.setattr("lerobot_video.Recorder.start_episode", refuse)
        with pytest.raises(gr.Error, match="The camera went away"):
            record_episodes.start_episode(state, _form("empty"), KNOBS)
        assert not (state.folder / "datasets" / "empty").exists()  # the name is free again
        assert previewing.recorder is None
        assert record_form.validate_dataset_form(state, "empty", 30, "pick", "front").startswith(
            "**Ready:**"
        )
