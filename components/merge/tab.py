"""Merge tab: pick sources, see the plan, map keys, merge, verify, then inspect or download."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from components.feedback import failure_status, quietly
from components.inspect.sources import dataset_choices, local_datasets
from components.merge.handlers import (
    add_example,
    add_hub,
    add_local,
    add_upload,
    check_output,
    clear_sources,
    map_keys,
    move_up,
    remove_source,
    run_merge,
    zip_merged,
)
from components.merge.layout import MergePage, build_merge_page
from components.merge.view import merge_views, result_views
from components.state import AppSettings, Sessions, SessionState

R = TypeVar("R")
Action = Callable[[SessionState, object], str]


def render(sessions: Sessions, settings: AppSettings) -> MergePage:
    """Build the Merge tab and wire its events.

    Returns:
        The page, so the app can wire the tab's listing and "Open it on the Inspect page".
    """
    page = build_merge_page()
    _wire_sources(page, sessions, settings)
    _wire_rows(page, sessions)
    _wire_keys(page, sessions)
    _wire_run(page, sessions, settings)
    return page


def _then_views(page: MergePage, step: Any, sessions: Sessions, api_name: str | None) -> None:
    """After a step that changed the sources or mapping: show them; refusals on the status."""

    def views(request: gr.Request) -> list[Any]:
        return merge_views(sessions.get(request))

    shown = step.success(
        views,
        None,
        page.views,
        api_name=api_name,
        api_visibility="public" if api_name else "private",
        queue=False,
    )
    for event in (step, shown):
        event.failure(failure_status(sessions), None, page.status, api_visibility="private")


def _adders(sessions: Sessions, settings: AppSettings) -> list[Callable[..., str]]:
    """The four ways to add a source: a listed dataset, the example, the Hub, a zip."""

    def local(
        chosen: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        return quietly(state, lambda: add_local(state, settings, chosen, progress))

    def example(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        return quietly(state, lambda: add_example(state, settings, progress))

    def hub(
        repo: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        return quietly(state, lambda: add_hub(state, settings, repo, progress))

    def upload(
        files: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        return quietly(state, lambda: add_upload(state, settings, files, progress))

    return [local, example, hub, upload]


def _emptied() -> None:
    return None


def _wire_sources(page: MergePage, sessions: Sessions, settings: AppSettings) -> None:
    def clear(request: gr.Request) -> str:
        return clear_sources(sessions.get(request))

    local, example, hub, upload = _adders(sessions, settings)
    media: dict[str, Any] = {"concurrency_id": "media", "concurrency_limit": settings.media_slots}
    for trigger, fn, inputs, name in (
        (page.add_local.click, local, [page.local], "add_merge_source"),
        (page.example.click, example, None, "add_merge_example"),
        (page.add_hub.click, hub, [page.repo_id], "add_merge_hub_source"),
        (page.upload.upload, upload, [page.upload], "add_merge_upload"),
    ):
        step = trigger(fn, inputs, page.status, api_name=name, preprocess=False, **media)
        _then_views(page, step, sessions, "show_merge_plan" if name == "add_merge_source" else None)
        if name == "add_merge_upload":  # an empty box again, ready for the next zip
            for after in (step.success, step.failure):  # ``then`` skips a failed step
                after(_emptied, None, page.upload, api_visibility="private", queue=False)
    cleared = page.clear.click(clear, None, page.status, api_name="clear_merge_sources")
    _then_views(page, cleared, sessions, None)


def _wire_rows(page: MergePage, sessions: Sessions) -> None:
    for position, row in enumerate(page.rows):
        for button, action in ((row.up, move_up), (row.remove, remove_source)):

            def act(request: gr.Request, act_on: Action = action, at: int = position) -> str:
                state = sessions.get(request)
                return quietly(state, lambda: act_on(state, at))

            step = button.click(act, None, page.status, api_visibility="private")
            _then_views(page, step, sessions, None)


def _wire_keys(page: MergePage, sessions: Sessions) -> None:
    # Gradio injects the request and tracker into leading positional parameters only.
    def keys(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
        *values: Any,
    ) -> str:
        state = sessions.get(request)
        return quietly(state, lambda: map_keys(state, values, progress))

    for dropdown in page.keys:
        step = dropdown.input(
            keys,
            page.keys,
            page.status,
            api_name="map_merge_keys" if dropdown is page.keys[0] else None,
            api_visibility="public" if dropdown is page.keys[0] else "private",
            preprocess=False,
            concurrency_id="media",
        )
        _then_views(page, step, sessions, None)


def _wire_output_check(page: MergePage, settings: AppSettings) -> None:
    def check(name: Any, data_mb: Any, video_mb: Any) -> str:
        return check_output(settings, name, data_mb, video_mb)

    for knob in page.output_form:
        for trigger in (knob.blur, knob.submit):
            trigger(
                check, page.output_form, page.output_verdict, api_visibility="private", queue=False
            )


def _wire_run(page: MergePage, sessions: Sessions, settings: AppSettings) -> None:
    _wire_output_check(page, settings)

    def run(
        name: Any,
        data_mb: Any,
        video_mb: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        form = (name, data_mb, video_mb)
        return quietly(state, lambda: run_merge(state, settings, form, progress))

    def shown(request: gr.Request) -> list[Any]:
        return result_views(sessions.get(request))

    result = [page.result_box, page.verification, page.download]
    ran = page.run.click(
        run,
        page.output_form,
        page.run_status,
        api_name="run_merge",
        preprocess=False,
        concurrency_id="media",
        concurrency_limit=settings.media_slots,
    )
    after = ran.then(shown, None, result, api_name="show_merge_result", queue=False)
    ran.failure(failure_status(sessions), None, page.run_status, api_visibility="private")
    ran.failure(shown, None, result, api_visibility="private")  # a failed merge shows no result
    after.then(_lister(sessions, settings), None, page.local, api_visibility="private")
    _wire_zip(page, sessions)


def _wire_zip(page: MergePage, sessions: Sessions) -> None:
    def pack(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> Any:
        state = sessions.get(request)
        return quietly(state, lambda: zip_merged(state, progress))

    zipped = page.zip.click(
        pack, None, page.download, api_name="zip_merged_dataset", concurrency_id="media"
    )
    zipped.failure(failure_status(sessions), None, page.run_status, api_visibility="private")


def _lister(sessions: Sessions, settings: AppSettings) -> Callable[[gr.Request], Any]:
    def listed(request: gr.Request) -> Any:
        found = local_datasets(settings, sessions.get(request))
        return gr.update(choices=dataset_choices(found))

    return listed


def wire_listing(page: MergePage, tab: gr.Tab, sessions: Sessions, settings: AppSettings) -> None:
    """Opening the tab lists the datasets of the data folder (merges done elsewhere too)."""
    tab.select(_lister(sessions, settings), None, page.local, api_visibility="private", queue=False)
