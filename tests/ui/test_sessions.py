"""The server-side session store: sessions kept apart, their work on disk, and removed when
their tab closes or they stay idle (memory and disk bounded however many people come)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import numpy as np
import pytest

from components.record import preview as record_preview
from components.state import AppSettings, Sessions, SessionState
from lerobot_video import DeviceUnavailableError, load_clip, load_depth_clip

REPLAY = "Bundled ALOHA replay (RGB + depth)"


def _tab(key: str | None) -> gr.Request:
    return SimpleNamespace(session_hash=key)  # type: ignore[return-value]


@pytest.fixture
def own_settings(settings: AppSettings, tmp_path: Path) -> AppSettings:
    """Settings with a data folder of the test's own (a store clears its sessions folder)."""
    return dataclasses.replace(settings, data_dir=tmp_path / "data", idle_session_s=60.0)


def test_sessions_are_kept_apart_and_reused(own_settings: AppSettings) -> None:
    sessions = Sessions(own_settings)
    first = sessions.get(_tab("a"))
    assert sessions.get(_tab("a")) is first
    second = sessions.get(_tab("b"))
    assert second is not first
    assert second.folder != first.folder
    assert first.folder.parent == second.folder.parent == own_settings.sessions_dir
    assert len(sessions) == 2


def test_a_request_without_session_is_refused(own_settings: AppSettings) -> None:
    with pytest.raises(gr.Error, match="needs a browser or API session"):
        Sessions(own_settings).get(_tab(None))


def test_closing_a_tab_stops_its_camera_and_removes_its_folder(own_settings: AppSettings) -> None:
    sessions = Sessions(own_settings)
    state = sessions.get(_tab("a"))
    record_preview.start_preview(state.recording, REPLAY)
    started = state.recording.source
    assert started is not None
    (state.folder / "result.mp4").write_bytes(b"x")
    sessions.close(_tab("a"))
    assert state.recording.source is None
    with pytest.raises(DeviceUnavailableError, match="not started"):
        started.read()
    assert not state.folder.exists()
    assert len(sessions) == 0
    assert sessions.get(_tab("a")) is not state
    sessions.close(_tab("unknown"))  # an unknown tab is ignored


def test_idle_sessions_are_closed_but_not_while_recording(own_settings: AppSettings) -> None:
    sessions = Sessions(own_settings)
    idle, live = sessions.get(_tab("idle")), sessions.get(_tab("live"))
    record_preview.start_preview(live.recording, REPLAY)
    try:
        later = idle.last_used + own_settings.idle_session_s + 1
        assert sessions.close_idle(now=later) == 1
        assert not idle.folder.exists()
        assert live.folder.exists()
        assert sessions.get(_tab("live")) is live
    finally:
        sessions.close_all()
    assert not live.folder.exists()
    assert live.recording.source is None


def test_a_new_store_removes_folders_left_by_a_previous_run(own_settings: AppSettings) -> None:
    old = Sessions(own_settings).get(_tab("a")).folder
    assert old.exists()
    Sessions(own_settings)
    assert not old.exists()
    assert own_settings.sessions_dir.is_dir()


def test_a_new_store_removes_what_a_killed_merge_left(own_settings: AppSettings) -> None:
    hidden = own_settings.datasets_dir / ".merged.merging-abc123"
    fetched = own_settings.datasets_dir / ".merged.fetch-def456"
    kept = own_settings.datasets_dir / "merged"
    for folder in (hidden, fetched, kept):
        (folder / "meta").mkdir(parents=True)
    Sessions(own_settings)
    assert not hidden.exists()
    assert not fetched.exists()
    assert kept.is_dir()  # a published dataset stays


def test_clips_are_kept_on_disk_and_read_back_exactly(own_settings: AppSettings) -> None:
    state = SessionState.new(own_settings)
    clip = load_clip(own_settings.bundled_clip, max_frames=5)
    kept = state.keep_clip(clip)
    assert isinstance(kept.frames, np.memmap)
    np.testing.assert_array_equal(kept.frames, clip.frames)
    assert (kept.name, kept.fps) == (clip.name, clip.fps)
    depth = load_depth_clip([own_settings.bundled_depth], max_frames=3)
    kept_depth = state.keep_clip(depth)
    assert isinstance(kept_depth.depth, np.memmap)
    np.testing.assert_array_equal(kept_depth.depth, depth.depth)
    assert sorted(p.name for p in state.folder.iterdir()) == ["depth.npy", "frames.npy"]


def test_a_fresh_folder_drops_the_last_results(own_settings: AppSettings) -> None:
    state = SessionState.new(own_settings)
    (state.fresh_folder("compare") / "old.mp4").write_bytes(b"x")
    folder = state.fresh_folder("compare")
    assert folder.is_dir()
    assert list(folder.iterdir()) == []


def test_a_refusal_is_kept_for_the_status_line(own_settings: AppSettings) -> None:
    from components.feedback import failure_status

    sessions = Sessions(own_settings)
    state = sessions.get(_tab("a"))
    assert (
        failure_status(sessions)(_tab("a")) == "**Refused:** the action stopped; see the message."
    )
    with pytest.raises(gr.Error), state.noting_errors():
        raise gr.Error("crf must be in [0, 63] for 'libsvtav1', got 70.")
    assert failure_status(sessions)(_tab("a")) == (
        "**Refused:** crf must be in [0, 63] for 'libsvtav1', got 70."
    )
    with pytest.raises(KeyError), state.noting_errors():  # faults are not kept as refusals
        raise KeyError("bug")
    assert state.last_error == "crf must be in [0, 63] for 'libsvtav1', got 70."
