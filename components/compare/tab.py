"""Compare tab: encode one clip with 2-4 encoder configs and see size, speed and fidelity."""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.compare.handlers import (
    choose_clip_source,
    clear_results,
    load_compare_clip,
    run_comparison,
    show_forms,
    show_frame,
    show_typed_frame,
)
from components.compare.layout import ComparePage, build_compare_page
from components.feedback import failure_status
from components.state import AppSettings, Sessions
from components.widgets import wire_encoder_form


def render(sessions: Sessions, settings: AppSettings) -> ComparePage:
    """Build the Compare tab and wire its events; return its components for other wiring."""
    page = build_compare_page(settings)
    _wire_inputs(page)
    _wire_comparison(page, sessions, settings)
    return page


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


def _wire_comparison(page: ComparePage, sessions: Sessions, settings: AppSettings) -> None:
    """Wire Compare's chain: clear, load, compare, show a frame; and the frame slider.

    Public steps take values unprocessed (``preprocess=False``): the handlers check every
    value themselves, so an API caller's wrong value gets the same clear words as the page's,
    not Gradio's component error.
    """

    def clear(request: gr.Request) -> list[Any]:
        return clear_results(sessions.get(request))

    def load(src: str, fls: list[str] | None, fps: float, limit: float, request: gr.Request) -> str:
        state = sessions.get(request)
        with state.noting_errors():
            return load_compare_clip(state, src, fls, fps, limit, settings)

    def compare(
        request: gr.Request,
        n: float,
        *knobs: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> list[Any]:
        state = sessions.get(request)
        with state.noting_errors():
            return run_comparison(state, n, *knobs, progress=progress)

    def frame(index: float, request: gr.Request) -> tuple[Any, Any]:
        return show_frame(sessions.get(request), index)

    def typed_frame(index: float | str | None, request: gr.Request) -> tuple[Any, Any]:
        return show_typed_frame(sessions.get(request), index)

    clip = [page.source, page.files, page.fps, page.max_frames]
    frames = [page.decoded, page.heatmaps]
    loaded = page.compare.click(
        clear,
        None,
        [*page.results, *frames],
        api_name="clear_compare_results",
        api_visibility="private",
        show_progress="hidden",
        queue=False,
    ).then(load, clip, page.status, api_name="load_compare_clip", preprocess=False)
    compared = loaded.success(
        compare,
        [page.count, *page.knobs],
        page.results,
        api_name="run_comparison",
        preprocess=False,
        concurrency_id="media",
        concurrency_limit=settings.media_slots,
    )
    compared.success(frame, page.frame, frames, api_name="show_frame", preprocess=False)
    for step in (loaded, compared):  # the status line says why, not "Loaded …"
        step.failure(failure_status(sessions), None, page.status, api_visibility="private")
    # ``input`` fires for a typed number (each keystroke) and while dragging; "always_last"
    # runs one at a time and keeps only the newest waiting value, so a drag costs a handful
    # of frame views, not one per step, and the last one shown is where the slider stopped.
    # (``release`` would miss a number typed and confirmed with Enter.)
    page.frame.input(
        typed_frame,
        page.frame,
        frames,
        api_name="show_frame_at",
        api_visibility="private",
        trigger_mode="always_last",
        show_progress="minimal",
    )
