"""Depth tab: quantize, encode, decode and dequantize depth; see what survives, in mm or m."""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.depth.handlers import (
    choose_depth_source,
    clear_depth_results,
    load_depth,
    make_depth_preview,
    probe_depth_pixel,
    run_depth_round_trip,
    show_depth_frame,
    show_depth_results,
)
from components.depth.layout import DepthPage, build_depth_page
from components.depth_form import wire_depth_form
from components.feedback import failure_status
from components.state import AppSettings, Sessions


def render(sessions: Sessions, settings: AppSettings) -> DepthPage:
    """Build the Depth tab and wire its events.

    Returns:
        The page, so callers can wire more events to it (``page.form.knobs`` for settings
        shared between pages).
    """
    page = build_depth_page(settings)
    page.source.change(
        choose_depth_source,
        page.source,
        [page.files, page.fps, page.camera_note],
        api_name="choose_depth_source",
        api_visibility="private",
    )
    wire_depth_form(page.form, api_name="validate_depth_form")
    _wire_round_trip(page, sessions, settings)
    _wire_views(page, sessions)
    return page


def _probe(sessions: Sessions) -> Any:
    """The event function showing the probe (hint or pixel values) once there are results."""

    def probe(index: float, unit: str, point: list[int] | None, request: gr.Request) -> Any:
        state = sessions.get(request)
        text = probe_depth_pixel(state, index, unit, point)
        return gr.update(value=text, visible=state.depth is not None)

    return probe


def _wire_round_trip(page: DepthPage, sessions: Sessions, settings: AppSettings) -> None:
    def clear(request: gr.Request) -> list[Any]:
        return clear_depth_results(sessions.get(request))

    def load(
        src: str, fls: list[str] | None, rate: float, limit: float, request: gr.Request
    ) -> str:
        state = sessions.get(request)
        with state.noting_errors():
            return load_depth(state, src, fls, rate, limit, settings)

    def round_trip(
        request: gr.Request,
        invalid: bool,
        alts: list[str],
        *values: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        with state.noting_errors():
            return run_depth_round_trip(state, invalid, alts, *values, progress=progress)

    def results(unit: str, request: gr.Request) -> list[Any]:
        return show_depth_results(sessions.get(request), unit)

    def frame(index: float, request: gr.Request) -> tuple[Any, Any]:
        return show_depth_frame(sessions.get(request), index)

    def preview(request: gr.Request) -> Any:
        return make_depth_preview(sessions.get(request))

    shown = [
        page.loaded,
        page.status,
        *page.results,
        page.original,
        page.views,
        page.preview,
        page.probe,
        page.point,
    ]
    loaded = page.run.click(
        clear, None, shown, api_name="clear_depth_results", api_visibility="private", queue=False
    ).then(
        load,
        [page.source, page.files, page.fps, page.max_frames],
        page.loaded,
        api_name="load_depth",
        preprocess=False,
    )
    ran = loaded.success(
        round_trip,
        [page.mark_invalid, page.alternatives, *page.form.knobs],
        page.status,
        api_name="run_depth_round_trip",
        preprocess=False,
        concurrency_id="media",
        concurrency_limit=settings.media_slots,
    )
    for step in (loaded, ran):  # the status line says why the run stopped
        step.failure(failure_status(sessions), None, page.status, api_visibility="private")
    ran.success(
        results, page.unit, page.results, api_name="show_depth_results", preprocess=False
    ).success(
        frame,
        page.frame,
        [page.original, page.views],
        api_name="show_depth_frame",
        preprocess=False,
    ).success(
        _probe(sessions),
        [page.frame, page.unit, page.point],
        page.probe,
        api_name="show_depth_probe",
        api_visibility="private",
    ).success(preview, None, page.preview, api_name="make_depth_preview")


def _wire_views(page: DepthPage, sessions: Sessions) -> None:
    def frame(index: float, request: gr.Request) -> tuple[Any, Any]:
        return show_depth_frame(sessions.get(request), index)

    def results(unit: str, request: gr.Request) -> list[Any]:
        return show_depth_results(sessions.get(request), unit)

    def select(
        index: float, shown: str, evt: gr.SelectData, request: gr.Request
    ) -> tuple[Any, str]:
        return evt.index, probe_depth_pixel(sessions.get(request), index, shown, evt.index)

    # "release" ends a drag, and leaving the slider's number box after typing a frame; the
    # probe then follows the frame shown.
    page.frame.release(
        frame,
        page.frame,
        [page.original, page.views],
        api_name="show_depth_frame_at",
        api_visibility="private",
    ).success(
        _probe(sessions),
        [page.frame, page.unit, page.point],
        page.probe,
        api_name="probe_depth_pixel_at",
        api_visibility="private",
    )
    page.unit.change(
        results,
        page.unit,
        page.results,
        api_name="show_depth_results_in",
        api_visibility="private",
    ).then(
        _probe(sessions),
        [page.frame, page.unit, page.point],
        page.probe,
        api_name="probe_depth_pixel_in",
        api_visibility="private",
    )
    page.original.select(
        select,
        [page.frame, page.unit],
        [page.point, page.probe],
        api_name="probe_depth_pixel",
        api_visibility="private",
    )
