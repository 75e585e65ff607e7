"""Compare tab: encode one clip with 2-4 encoder configs and see size, speed and fidelity."""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.compare.handlers import (
    choose_clip_source,
    load_compare_clip,
    run_comparison,
    show_forms,
    show_frame,
)
from components.compare.layout import ComparePage, build_compare_page
from components.state import AppSettings, SessionState
from components.widgets import wire_encoder_form


def render(session: gr.State, settings: AppSettings) -> None:
    """Build the Compare tab and wire its events."""
    page = build_compare_page(settings)
    _wire_inputs(page)
    _wire_comparison(page, session, settings)


def _wire_inputs(page: ComparePage) -> None:
    page.source.change(
        choose_clip_source,
        page.source,
        [page.files, page.fps],
        api_name="choose_clip_source",
        api_visibility="private",
    )
    page.count.change(
        show_forms,
        page.count,
        [form.column for form in page.forms],
        api_name="show_forms",
        api_visibility="private",
    )
    for i, form in enumerate(page.forms, start=1):
        wire_encoder_form(
            form, formats_api_name=f"pixel_formats_for_{i}", validate_api_name=f"validate_form_{i}"
        )


def _wire_comparison(page: ComparePage, session: gr.State, settings: AppSettings) -> None:
    def load(
        state: SessionState, src: str, fls: list[str] | None, fps: float, limit: float
    ) -> tuple[SessionState, str]:
        return load_compare_clip(state, src, fls, fps, limit, settings)

    def compare(
        state: SessionState,
        n: float,
        *knobs: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> list[Any]:
        return run_comparison(state, n, *knobs, settings=settings, progress=progress)

    clip = [session, page.source, page.files, page.fps, page.max_frames]
    results = [session, page.status, page.table, page.chart, page.frame, *page.players]
    frames = [page.decoded, page.heatmaps]
    page.compare.click(load, clip, [session, page.status], api_name="load_compare_clip").success(
        compare, [session, page.count, *page.knobs], results, api_name="run_comparison"
    ).success(show_frame, [session, page.frame], frames, api_name="show_frame")
    page.frame.release(
        show_frame,
        [session, page.frame],
        frames,
        api_name="show_frame_at",
        api_visibility="private",
    )
