"""Record tab: preview a camera and record episodes into a LeRobot v3.0 dataset, then zip it.

The handlers live in ``preview`` (the camera) and ``episodes`` (the dataset); this module lays
out the page and wires its events. Every handler gets the session's live recording from
:class:`~components.state.Sessions` by the request's session hash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr
import numpy as np
import numpy.typing as npt

from components.depth_form import wire_depth_form
from components.feedback import refused
from components.record.episodes import discard_episode, start_episode, stop_episode, zip_dataset
from components.record.form import TASK_MISSING, validate_dataset_form
from components.record.layout import RecordPage, build_record_page
from components.record.preview import (
    IDLE_NOTE,
    preview_tick,
    push_browser_frame,
    start_preview,
    stop_preview,
)
from components.record.sources import describe_source, rescan_sources, source_choices
from components.record.view import idle_html
from components.state import AppSettings, Sessions
from components.widgets import wire_encoder_form


def render(sessions: Sessions, settings: AppSettings) -> RecordPage:
    """Build the Record tab and wire its events.

    Returns:
        The page's components, so the app can link other pages' settings to its encoder
        forms (``page.rgb_form.knobs``, ``page.depth_form.knobs``).
    """
    gr.Markdown(
        "Record episodes from a camera into a **LeRobot v3.0 dataset**. Frames are encoded while "
        "you record, so saving an episode only waits for the frames still queued."
    )
    choices = source_choices()
    note, _, depth_shown, *_ = describe_source(choices[0])
    page = build_record_page(
        choices,
        note,
        depth_visible=bool(depth_shown["visible"]),
        stats=idle_html(IDLE_NOTE),
        verdict=refused(TASK_MISSING),
    )
    _wire_source(page)
    _wire_camera(page, sessions)
    check = _wire_form(page, sessions)
    stopped = _wire_preview_buttons(page, sessions)
    # The finished dataset now takes its name: say so before the user presses Start again.
    stopped.then(
        check,
        page.verdict_inputs,
        page.form_verdict,
        api_name="validate_dataset_form_after_stop",
        api_visibility="private",
        show_progress="hidden",
    )
    _wire_episode_buttons(page, sessions, settings)
    return page


def _wire_source(page: RecordPage) -> None:
    outputs = [page.source_note, page.webcam, page.depth_accordion, page.depth_preview, page.far_m]
    page.source.change(
        describe_source,
        page.source,
        outputs,
        api_name="describe_source",
        api_visibility="private",
    )
    page.rescan.click(
        rescan_sources,
        page.source,
        [page.source, *outputs],
        api_name="rescan_sources",
        api_visibility="private",
    )


def _wire_camera(page: RecordPage, sessions: Sessions) -> None:
    def push(frame: npt.NDArray[np.uint8] | None, request: gr.Request) -> None:
        push_browser_frame(sessions.get(request).recording, frame)

    def tick(far_m: float, request: gr.Request) -> list[Any]:
        return preview_tick(sessions.get(request).recording, far_m)

    page.webcam.stream(
        push,
        page.webcam,
        None,
        stream_every=0.1,
        concurrency_limit=None,
        api_name="push_browser_frame",
        api_visibility="private",
    )
    page.timer.tick(
        tick,
        page.far_m,
        [page.color_preview, page.depth_preview, page.stats],
        show_progress="hidden",
        concurrency_limit=None,
        api_name="preview_tick",
        api_visibility="private",
    )


def _wire_form(page: RecordPage, sessions: Sessions) -> Callable[..., str]:
    """Wire the live checks of the dataset and encoder forms; return the dataset form's."""

    def check(name: str, fps: float | None, task: str, camera: str, request: gr.Request) -> str:
        return validate_dataset_form(sessions.get(request), name, fps, task, camera)

    gr.on(
        [page.name.change, page.fps.change, page.task.change, page.camera.change],
        check,
        page.verdict_inputs,
        page.form_verdict,
        api_name="validate_dataset_form",
        api_visibility="private",
        trigger_mode="always_last",
    )
    wire_encoder_form(
        page.rgb_form,
        formats_api_name="record_pixel_formats_for",
        validate_api_name="validate_record_rgb_form",
    )
    wire_depth_form(page.depth_form, api_name="validate_record_depth_form")
    return check


def _action(
    page: RecordPage, trigger: Any, fn: Any, inputs: Any, outputs: list[Any], api_name: str
) -> Any:
    """Wire a button; its progress and error marks go on the status line only.

    Gradio would otherwise cover every output (the whole dataset form) with them. One
    session's lock orders its own actions, so sessions need not wait for each other. Values
    come unprocessed: the handlers check them, with the same words for the page and the API.
    """
    return trigger(
        fn,
        inputs,
        outputs,
        api_name=api_name,
        preprocess=False,
        concurrency_limit=None,
        show_progress_on=page.status,
    )


def _wire_preview_buttons(page: RecordPage, sessions: Sessions) -> Any:
    """Wire Start and Stop preview; return the stop event (for what must follow it)."""

    def start(label: str, request: gr.Request) -> list[Any]:
        return start_preview(sessions.get(request).recording, label)

    def stop(request: gr.Request) -> list[Any]:
        return [*stop_preview(sessions.get(request).recording), None, None]

    shown = [page.status, page.timer]
    previews = [page.color_preview, page.depth_preview]
    _action(
        page, page.start_preview.click, start, page.source, [*shown, *page.layout], "start_preview"
    )
    return _action(
        page,
        page.stop_preview.click,
        stop,
        None,
        [*shown, page.stats, *page.layout, *previews],
        "stop_preview",
    )


def _wire_episode_buttons(page: RecordPage, sessions: Sessions, settings: AppSettings) -> None:
    def record(request: gr.Request, *values: Any) -> list[Any]:
        form, knobs = values[: len(page.dataset_form)], values[len(page.dataset_form) :]
        return start_episode(sessions.get(request), form, knobs)

    def save(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> list[Any]:
        return stop_episode(sessions.get(request).recording, progress)

    def discard(request: gr.Request) -> list[Any]:
        return discard_episode(sessions.get(request).recording)

    def pack(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> Any:
        return zip_dataset(sessions.get(request), progress)

    listed = [page.status, page.episodes, page.thumbnails]
    record_inputs = [*page.dataset_form, *page.encoder_knobs]
    _action(
        page,
        page.start_episode.click,
        record,
        record_inputs,
        [*listed, page.download, *page.layout],
        "start_episode",
    )
    _action(page, page.stop_episode.click, save, None, [*listed, *page.layout], "stop_episode")
    _action(page, page.discard.click, discard, None, [page.status, *page.layout], "discard_episode")
    page.zip.click(
        pack,
        None,
        [page.download],
        api_name="zip_dataset",
        concurrency_id="media",
        concurrency_limit=settings.media_slots,
        show_progress_on=page.status,
    )
