"""Depth tab: quantize, encode, decode and dequantize depth; see what survives, in mm or m."""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.depth.handlers import (
    choose_depth_source,
    load_depth,
    make_depth_preview,
    probe_depth_pixel,
    run_depth_round_trip,
    show_depth_frame,
    show_depth_results,
)
from components.depth.layout import DepthPage, build_depth_page
from components.depth_form import wire_depth_form
from components.state import AppSettings, SessionState


def render(session: gr.State, settings: AppSettings) -> None:
    """Build the Depth tab and wire its events."""
    page = build_depth_page(settings)
    page.source.change(
        choose_depth_source,
        page.source,
        [page.files, page.fps, page.camera_note],
        api_name="choose_depth_source",
        api_visibility="private",
    )
    wire_depth_form(page.form, api_name="validate_depth_form")
    _wire_round_trip(page, session, settings)
    _wire_views(page, session)


def _wire_round_trip(page: DepthPage, session: gr.State, settings: AppSettings) -> None:
    def load(
        state: SessionState, src: str, fls: list[str] | None, rate: float, limit: float
    ) -> tuple[SessionState, str]:
        return load_depth(state, src, fls, rate, limit, settings)

    def round_trip(
        state: SessionState,
        invalid: bool,
        alts: list[str],
        *values: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> tuple[SessionState, str]:
        return run_depth_round_trip(
            state, invalid, alts, *values, settings=settings, progress=progress
        )

    def preview(state: SessionState) -> Any:
        return make_depth_preview(state, settings)

    clip = [session, page.source, page.files, page.fps, page.max_frames]
    configs = [session, page.mark_invalid, page.alternatives, *page.form.knobs]
    page.run.click(load, clip, [session, page.status], api_name="load_depth").success(
        round_trip, configs, [session, page.status], api_name="run_depth_round_trip"
    ).success(
        show_depth_results, [session, page.unit], page.results, api_name="show_depth_results"
    ).success(
        show_depth_frame,
        [session, page.frame],
        [page.original, page.views],
        api_name="show_depth_frame",
    ).success(preview, session, page.preview, api_name="make_depth_preview")


def _wire_views(page: DepthPage, session: gr.State) -> None:
    def select(
        state: SessionState, index: float, shown: str, evt: gr.SelectData
    ) -> tuple[list[int], str]:
        return evt.index, probe_depth_pixel(state, index, shown, evt.index)

    page.frame.release(
        show_depth_frame,
        [session, page.frame],
        [page.original, page.views],
        api_name="show_depth_frame_at",
        api_visibility="private",
    )
    page.unit.change(
        show_depth_results,
        [session, page.unit],
        page.results,
        api_name="show_depth_results_in",
        api_visibility="private",
    ).then(
        probe_depth_pixel,
        [session, page.frame, page.unit, page.point],
        page.probe,
        api_name="probe_depth_pixel_in",
        api_visibility="private",
    )
    page.original.select(
        select,
        [session, page.frame, page.unit],
        [page.point, page.probe],
        api_name="probe_depth_pixel",
        api_visibility="private",
    )
