"""The Record page's dataset form: what a valid name, fps, camera and task are; making it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import gradio as gr

from components.checks import MAX_FPS, flag, text, whole_number
from components.depth_form import depth_config_from_form
from components.feedback import ready, refused, user_text
from components.record.session import RecordSession
from components.record.sources import BROWSER_HEIGHT, BROWSER_WIDTH
from components.state import SessionState
from components.widgets import config_from_form
from lerobot_video import (
    BrowserSource,
    DepthEncoderConfig,
    FrameSource,
    LeRobotVideoError,
    Recorder,
    RGBEncoderConfig,
    camera_features,
    create_dataset,
    trial_encode,
)

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DATASETS_FOLDER = "datasets"
TASK_MISSING = "Describe the task, e.g. 'pick up the red cube'; LeRobot stores it with every frame."
RGB_KNOBS = 7  # config_from_form's arguments; the depth form's follow


def camera_problem(camera: str, source: FrameSource | None) -> str | None:
    """What the library says is wrong with the camera name, or None.

    The name is judged by ``camera_features``, the very call that makes the dataset's features
    at Start, so the live verdict and Start never disagree. Before the preview starts there is
    no source: a stand-in (this page's camera, never started) lets the same call judge the
    name alone.
    """
    stand_in = source or BrowserSource(height=BROWSER_HEIGHT, width=BROWSER_WIDTH)
    try:
        camera_features(stand_in, camera=(camera or "").strip())
    except LeRobotVideoError as err:
        return str(err)
    return None


def dataset_form_problem(
    folder: Path,
    form: tuple[str, float | None, str, str],
    source: FrameSource | None,
) -> str | None:
    """What is wrong with the dataset form, or None, in the order the page shows the fields.

    Args:
        folder: Holds the session's datasets (a name already there is taken).
        form: Name, fps, task and camera name, as typed.
        source: The running preview's source, or None (the camera name is then checked alone).
    """
    name, fps, task, camera = form
    name = (name or "").strip()
    allowed = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    if not name:
        return f"Give the dataset a name: {allowed} (e.g. 'pick_cube')."
    if "/" in name or "\\" in name:
        return f"Dataset name {name!r} must not contain a slash or backslash (it names one folder)."
    if not NAME_PATTERN.fullmatch(name):
        return f"Dataset name {name!r} is not allowed; use {allowed}."
    if (folder / name).exists():
        return (
            f"A dataset named {name!r} already exists in this session; choose another name "
            "(datasets are never recorded into an existing one)."
        )
    try:
        whole_number(fps, "Frames per second", 1, MAX_FPS)
    except gr.Error as err:
        return str(err.message)
    return camera_problem(camera, source) or (None if (task or "").strip() else TASK_MISSING)


def validate_dataset_form(
    state: SessionState, name: str, fps: float | None, task: str, camera: str
) -> str:
    """Check the dataset form as the user types, with the same checks as Start."""
    folder = state.folder / DATASETS_FOLDER
    problem = dataset_form_problem(folder, (name, fps, task, camera), state.recording.source)
    if problem:
        return refused(user_text(problem))
    return ready(f"records camera `{camera.strip()}` into `{name.strip()}` at {int(fps or 0)} fps.")


def _summary(
    root: Path, form: tuple[int, str, str], rgb: RGBEncoderConfig, depth: DepthEncoderConfig | None
) -> str:
    """The open dataset in one line; ``form`` is (fps, task, camera name)."""
    fps, task, camera = form
    encoders = f"colour {rgb.vcodec} {rgb.pix_fmt}"
    if depth is not None:
        encoders += f", depth {depth.vcodec} {depth.pix_fmt}"
    return (
        f"**Dataset `{root.name}`** · camera `{camera}` · {fps} fps · task “{task.strip()}” · "
        f"{encoders}"
    )


def open_recorder(
    session: RecordSession,
    folder: Path,
    form: tuple[str, float | None, str, str, str, bool],
    knobs: tuple[Any, ...],
) -> None:
    """Create the dataset from the form and start recording into it from the session's source."""
    name, fps, task = text(form[0], "Dataset name"), form[1], text(form[2], "Task")
    robot_type, camera = text(form[3], "Robot type"), text(form[4], "Camera name")
    realtime = flag(form[5], "Real time")
    if session.source is None:
        raise gr.Error("Start the preview first.")
    problem = dataset_form_problem(folder, (name, fps, task, camera), session.source)
    if problem:
        raise gr.Error(problem)
    source, root = session.source, folder / name.strip()
    has_depth = any(spec.kind == "depth" for spec in source.streams())
    rgb = config_from_form(*knobs[:RGB_KNOBS])
    depth = depth_config_from_form(*knobs[RGB_KNOBS:]) if has_depth else None
    for config in (rgb, depth):  # FFmpeg's word at this frame rate, before anything is written
        if config is not None:
            trial_encode(config, fps=int(fps or 0))
    camera = (camera or "").strip()
    features = camera_features(source, camera=camera)
    writer = create_dataset(
        root,
        fps=int(fps or 0),
        features=features,
        robot_type=(robot_type or "").strip() or None,
        rgb_encoder=rgb,
        depth_encoder=depth,
        realtime=realtime,
    )
    recorder = Recorder(source, writer, task=task, camera=camera)
    recorder.start()
    summary = _summary(root, (int(fps or 0), task, camera), rgb, depth)
    session.new_dataset(root, recorder, summary)
