"""Record page, the camera: start and stop the preview, feed the browser camera, and tick."""

from __future__ import annotations

from typing import Any

import gradio as gr
import numpy as np
import numpy.typing as npt

from components.feedback import shows_library_errors
from components.record.session import RecordSession
from components.record.sources import find_source, make_source
from components.record.view import controls, idle_html, stats_html
from lerobot_video import LeRobotVideoError, colorize_depth

DEPTH_NEAR_M = 0.2  # the colour scale's near end; the far end is a slider
IDLE_NOTE = "Choose a source and press Start preview."


@shows_library_errors
def start_preview(session: RecordSession, label: str) -> list[Any]:
    """Start the chosen source; the timer then shows its frames."""
    with session.lock:
        if session.source is not None:
            raise gr.Error("The preview is already running; stop it to switch source.")
        status = find_source(label)
        if not status.available:
            raise gr.Error(f"{status.label} cannot be used: {status.message}")
        source = make_source(status)
        source.start()
        session.source = source
    message = "Preview started. Fill in the dataset form, then press **R** (Start episode)."
    return [message, gr.Timer(active=True), *controls(session)]


@shows_library_errors
def stop_preview(session: RecordSession) -> list[Any]:
    """Stop the source and finish the dataset; its saved episodes stay listed."""
    if session.stop():
        gr.Warning("The episode being recorded was discarded (not saved).")
    root = session.dataset_root
    message = "Preview stopped."
    if root is not None:
        count = len(session.episodes)
        message = (
            f"Finished dataset `{root.name}` with {count} episode(s). Zip it to download it, "
            "or start the preview again to record a new dataset."
        )
    return [message, gr.Timer(active=False), idle_html(IDLE_NOTE), *controls(session)]


@shows_library_errors
def push_browser_frame(session: RecordSession, frame: npt.NDArray[np.uint8] | None) -> None:
    """Hand a frame from the page's webcam to the session's browser source, if it has one."""
    browser = session.browser
    if browser is not None and frame is not None:
        browser.push(frame)


def _newest_frames(session: RecordSession) -> tuple[dict[str, Any], str]:
    """The source's newest frames and what to do next (or why there are no frames)."""
    if session.recorder is not None:
        if session.is_recording:
            return session.recorder.latest_frames(), "Press S to stop and save, X to discard."
        return session.recorder.latest_frames(), "Press R to record the next episode."
    assert session.source is not None
    try:
        frames = session.source.read(timeout_seconds=0.5)
    except LeRobotVideoError as err:
        return {}, str(err)
    return frames, "Fill in the dataset form, then press R: the first episode creates the dataset."


def preview_tick(session: RecordSession, far_m: float) -> list[Any]:
    """The newest colour and depth frames and the live stats; never raises."""
    if session.recorder is None and session.source is None:
        return [gr.update(), gr.update(), idle_html(IDLE_NOTE)]
    frames, note = _newest_frames(session)
    recorder = session.recorder
    stats = None if recorder is None else recorder.stats()
    fps = 0.0 if recorder is None else float(recorder.writer.fps)
    color, depth = frames.get("color"), frames.get("depth")
    depth_image: Any = gr.update()
    if depth is not None:  # as recorded: uint16 millimetres, (H, W, 1)
        depth_image = colorize_depth(depth, value_range=(DEPTH_NEAR_M, far_m))
    return [
        gr.update() if color is None else color,
        depth_image,
        stats_html(stats, fps=fps, note=note),
    ]
