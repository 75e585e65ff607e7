"""The Record page's episode handlers: start, save and discard an episode; zip the dataset."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import numpy.typing as npt

from components.feedback import progress_callback, shows_library_errors
from components.lane import run_media_work
from components.record.form import DATASETS_FOLDER, open_recorder
from components.record.session import RecordSession
from components.record.view import controls, episode_rows
from components.state import SessionState
from lerobot_video import archive_dataset, open_dataset


@shows_library_errors
def start_episode(
    state: SessionState,
    form: tuple[str, float | None, str, str, str, bool],
    knobs: tuple[Any, ...],
) -> list[Any]:
    """Start recording an episode; the first one creates the dataset from the form.

    ``form`` is (name, fps, task, robot type, camera name, real-time); ``knobs`` are the RGB
    encoder form's values followed by the depth form's.
    """
    session = state.recording
    with session.lock:
        if session.source is None:
            raise gr.Error("Start the preview first: choose a source and press Start preview.")
        new_dataset = session.recorder is None
        if session.recorder is None:
            open_recorder(session, state.folder / DATASETS_FOLDER, form, knobs)
        assert session.recorder is not None
        try:
            session.recorder.start_episode()
        except Exception:
            if new_dataset:  # an empty dataset would keep its name taken
                _abandon_dataset(session)
            raise
        index = session.recorder.writer.num_episodes
    # A new dataset has no episodes yet: clear the last dataset's list. Any zip goes either
    # way: it would soon lack the episode being recorded.
    hidden = gr.update(value=None, visible=False)
    listed = hidden if new_dataset else gr.update()
    message = f"Recording episode {index}… press **S** to save it, **X** to discard it."
    return [message, listed, listed, hidden, *controls(session)]


def _abandon_dataset(session: RecordSession) -> None:
    """Close a dataset whose first episode could not start and remove it (it has none).

    The recorder owns the camera, so the preview stops too; the page says so with the error.
    """
    root = session.dataset_root
    session.stop()
    session.dataset_root = None
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)
    gr.Warning("The preview was stopped; press Start preview to try again.")


def _first_colour_frame(root: Path, index: int) -> npt.NDArray[np.uint8]:
    """The saved episode's first colour frame, as the dataset now holds it."""
    reader = open_dataset(root)
    color = next(key for key in reader.video_keys if key not in reader.depth_keys)
    frame: npt.NDArray[np.uint8] = reader.frames(color, index, [0])[0]
    return frame


def _episode_views(session: RecordSession, fps: int) -> tuple[Any, Any]:
    episodes = [session.episodes[index] for index in sorted(session.episodes)]
    rows = episode_rows(episodes, fps, session.skipped_ticks)
    gallery = [
        (session.thumbnails[e.episode_index], f"Episode {e.episode_index}") for e in episodes
    ]
    return gr.update(value=rows, visible=True), gr.update(value=gallery, visible=True)


@shows_library_errors
def stop_episode(session: RecordSession, progress: gr.Progress) -> list[Any]:
    """Stop the episode and save it (waits for its encoders), then list every episode."""
    with session.lock:
        recorder, root = session.recorder, session.dataset_root
        if recorder is None or root is None:
            raise gr.Error("No episode is being recorded; press R (Start episode) first.")
        progress_callback(progress, "Saving the episode (finishing its videos)")(0, 0)
        episode = recorder.stop_episode()
        index = episode.episode_index
        session.episodes[index] = episode
        session.skipped_ticks[index] = recorder.capture_reports[index].skipped_ticks
        session.thumbnails[index] = _first_colour_frame(root, index)
    table, gallery = _episode_views(session, recorder.writer.fps)
    message = f"Saved episode {index}: {episode.length} frames. Press **R** for the next."
    return [message, table, gallery, *controls(session)]


@shows_library_errors
def discard_episode(session: RecordSession) -> list[Any]:
    """Drop the episode being recorded; the dataset stays as it was."""
    with session.lock:
        if not session.is_recording or session.recorder is None:
            raise gr.Error("No episode is being recorded, so there is nothing to discard.")
        frames = session.recorder.stats().episode_frames
        session.recorder.discard_episode()
    message = (
        f"Discarded the episode ({frames} frames); the dataset is unchanged. Press **R** to retry."
    )
    return [message, *controls(session)]


@shows_library_errors
def zip_dataset(state: SessionState, progress: gr.Progress) -> Any:
    """Pack the session's dataset into a zip in the session folder and offer it for download."""
    session = state.recording
    with session.lock:
        root = session.dataset_root
        if root is None or not session.episodes:
            raise gr.Error("Record and save at least one episode before zipping the dataset.")
        if session.is_recording:
            raise gr.Error("Stop and save (or discard) the episode being recorded first.")
        destination = state.fresh_folder("downloads") / f"{root.name}.zip"
        run_media_work(
            archive_dataset, root, destination, progress=progress_callback(progress, "Zipping")
        )
    return gr.update(value=str(destination), visible=True)
