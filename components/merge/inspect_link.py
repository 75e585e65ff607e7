"""Open the merged dataset on the Inspect page, with its report and first episode.

The dataset is opened in the session's Inspect state *before* the tab is switched: the
Inspect tab, when selected, opens the first listed dataset unless one is already open, so
opening first leaves it nothing to do (no race between the two). The Inspect page's views
are then filled with its own public handlers, in the order its own open button uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from components.feedback import failure_status, quietly
from components.inspect.episode import show_episode, show_frame
from components.inspect.handlers import open_local, show_dataset
from components.inspect.layout import InspectPage
from components.inspect.sources import SHARED_PREFIX, dataset_choices, local_datasets
from components.merge.layout import MergePage
from components.state import AppSettings, Sessions


def _opener(sessions: Sessions, settings: AppSettings) -> Callable[..., list[Any]]:
    def opened(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> list[Any]:
        state = sessions.get(request)
        result = state.merge.result
        if result is None:
            state.last_error = "Run a merge first: there is no merged dataset to open."
            raise gr.Error(state.last_error, visible=False, print_exception=False)
        value = f"{SHARED_PREFIX}{result.root.name}"
        status = quietly(state, lambda: open_local(state, settings, value, progress))
        found = dataset_choices(local_datasets(settings, state))
        return [gr.update(choices=found, value=value), status]

    return opened


def _viewers(sessions: Sessions) -> tuple[Callable[..., list[Any]], ...]:
    """The Inspect page's dataset, episode and frame steps, refusals kept out of toasts."""

    def dataset(request: gr.Request) -> list[Any]:
        return show_dataset(sessions.get(request))

    def episode(
        index: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> list[Any]:
        state = sessions.get(request)
        return quietly(state, lambda: show_episode(state, index, progress))

    def frame(index: Any, unit: Any, request: gr.Request) -> list[Any]:
        state = sessions.get(request)
        return quietly(state, lambda: show_frame(state, index, unit))

    return dataset, episode, frame


def wire_open_in_inspect(
    page: MergePage, sessions: Sessions, settings: AppSettings, tabs: gr.Tabs, inspect: InspectPage
) -> None:
    """Wire the button: open the merged dataset for Inspect, switch tab, show it."""
    dataset, episode, frame = _viewers(sessions)
    private: dict[str, Any] = {"api_visibility": "private"}
    step = page.open_inspect.click(
        _opener(sessions, settings),
        None,
        [inspect.local, inspect.status],
        concurrency_id="media",
        **private,
    )
    step.failure(failure_status(sessions), None, page.run_status, **private)
    switched = step.success(lambda: gr.Tabs(selected="inspect"), None, tabs, **private)
    shown = switched.then(dataset, None, inspect.dataset_views, preprocess=False, **private)
    episode_views = [inspect.episode_status, *inspect.players, inspect.frame, inspect.summary]
    played = shown.success(
        episode, inspect.episode, episode_views, preprocess=False, concurrency_id="media", **private
    )
    frame_views = [*inspect.images, inspect.readout, inspect.plot]
    framed = played.success(
        frame, [inspect.frame, inspect.unit], frame_views, preprocess=False, **private
    )
    for event in (played, framed):
        event.failure(failure_status(sessions), None, inspect.episode_status, **private)
