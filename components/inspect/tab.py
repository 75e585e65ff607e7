"""Inspect tab: open a dataset on the Hub or on disk; its encoding report; one episode in sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from components.feedback import failure_status, quietly
from components.inspect.episode import probe_pixel, show_episode, show_frame
from components.inspect.handlers import (
    clear_inspect,
    open_hub,
    open_local,
    push_to_hub,
    show_dataset,
)
from components.inspect.layout import InspectPage, build_inspect_page
from components.inspect.sources import dataset_choices, local_datasets
from components.settings_link import depth_form_updates, rgb_form_updates
from components.state import AppSettings, Sessions
from lerobot_video import DepthEncoderConfig, LeRobotVideoError, RGBEncoderConfig

R = TypeVar("R")

PLAY_ALL_JS = """
() => {
  const players = () => Array.from(document.querySelectorAll('#inspect-players video'));
  const all = players();
  if (!all.length) return;
  const lead = all[0].currentTime;
  all.forEach((video) => { video.muted = true; video.currentTime = lead; });
  all.forEach((video) => video.play().catch(() => null));
  if (window.inspectSync) return;
  // Players drift apart (each buffers on its own): every 200 ms the followers are put back
  // on the first player's time when they are more than 0.1 s off.
  window.inspectSync = setInterval(() => {
    const shown = players();
    if (shown.length < 2 || shown[0].paused) return;
    const time = shown[0].currentTime;
    shown.slice(1).forEach((video) => {
      if (Math.abs(video.currentTime - time) > 0.1) video.currentTime = time;
      if (video.paused) video.play().catch(() => null);
    });
  }, 200);
}
"""
PAUSE_ALL_JS = """
() => {
  const all = Array.from(document.querySelectorAll('#inspect-players video'));
  all.forEach((video) => video.pause());
  if (all.length) all.forEach((video) => { video.currentTime = all[0].currentTime; });
}
"""


def render(sessions: Sessions, settings: AppSettings) -> InspectPage:
    """Build the Inspect tab and wire its events.

    Returns:
        The page, so the app can wire its "Compare these settings" to the other pages.
    """
    page = build_inspect_page()
    _wire_open(page, sessions, settings)
    _wire_episode(page, sessions)
    _wire_push(page, sessions)
    return page


def _show_chain(page: InspectPage, opened: Any, sessions: Sessions, suffix: str) -> list[Any]:
    """After a dataset opened: its tables, then its first episode, then that episode's frame.

    ``suffix`` names the chain's endpoints; the first chain's table step is public.

    Returns:
        The table and episode steps (for failure listeners).
    """

    def dataset(request: gr.Request) -> list[Any]:
        return show_dataset(sessions.get(request))

    public = not suffix
    shown = opened.success(
        dataset,
        None,
        page.dataset_views,
        api_name=f"show_inspect_dataset{suffix}",
        api_visibility="public" if public else "private",
        preprocess=False,
    )
    episode = shown.success(
        _episode_fn(sessions, chained=len(_episode_outputs(page))),
        page.episode,
        _episode_outputs(page),
        api_name=f"show_inspect_episode_first{suffix}",
        api_visibility="private",
        preprocess=False,
    )
    episode.success(
        _frame_fn(sessions, chained=len(_frame_outputs(page))),
        [page.frame, page.unit],
        _frame_outputs(page),
        api_name=f"show_inspect_frame_first{suffix}",
        api_visibility="private",
        preprocess=False,
    )
    return [shown, episode]


def _wire_open(page: InspectPage, sessions: Sessions, settings: AppSettings) -> None:
    def clear(request: gr.Request) -> list[Any]:
        return clear_inspect(sessions.get(request))

    def hub(
        repo: Any,
        revision: Any,
        token: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        return quietly(state, lambda: open_hub(state, settings, repo, revision, token, progress))

    def local(
        chosen: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        return quietly(state, lambda: open_local(state, settings, chosen, progress))

    cleared = [page.status, page.results, page.plot, page.readout, page.episode_status]
    cleared += [*page.players, *page.images]
    for button, fn, inputs, name, suffix in (
        (page.open_hub, hub, [page.repo_id, page.revision, page.token], "open_hub_dataset", ""),
        (page.open_local, local, [page.local], "open_local_dataset", "_local"),
    ):
        opened = button.click(clear, None, cleared, api_visibility="private", queue=False).then(
            fn,
            inputs,
            page.status,
            api_name=name,
            preprocess=False,
            concurrency_id="media",
            concurrency_limit=settings.media_slots,
        )
        for step in (opened, *_show_chain(page, opened, sessions, suffix)):
            step.failure(failure_status(sessions), None, page.status, api_visibility="private")


def wire_default(page: InspectPage, tab: gr.Tab, sessions: Sessions, settings: AppSettings) -> None:
    """Opening the tab lists the local datasets and, when nothing is open, opens the first.

    So the page is never empty: a fresh data folder holds the sample dataset.
    """

    def first(request: gr.Request) -> Any:
        state = sessions.get(request)
        found = local_datasets(settings, state)
        if state.inspect.reader is not None:
            return gr.update(choices=dataset_choices(found))
        return gr.update(choices=dataset_choices(found), value=next(iter(found), None))

    def local(chosen: Any, request: gr.Request) -> str:
        state = sessions.get(request)
        if state.inspect.reader is not None or not chosen:
            # Already showing a dataset: the chain stops here, silently.
            raise gr.Error("A dataset is open.", visible=False, print_exception=False)
        return quietly(state, lambda: open_local(state, settings, chosen, gr.Progress()))

    listed = tab.select(first, None, page.local, api_visibility="private", queue=False)
    opened = listed.then(local, page.local, page.status, api_visibility="private", preprocess=False)
    for step in _show_chain(page, opened, sessions, "_default"):
        step.failure(failure_status(sessions), None, page.status, api_visibility="private")


def _episode_outputs(page: InspectPage) -> list[Any]:
    return [page.episode_status, *page.players, page.frame, page.summary]


def _frame_outputs(page: InspectPage) -> list[Any]:
    return [*page.images, page.readout, page.plot]


def _episode_fn(sessions: Sessions, *, chained: int = 0) -> Callable[..., list[Any]]:
    """The episode step; ``chained`` (its output count) when it follows an open.

    A newer open may undo the one it follows: a chained step that finds the dataset closed
    meanwhile changes none of its outputs, since failing would put its words on the status
    line over the newer open's.
    """

    def episode(
        index: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> list[Any]:
        state = sessions.get(request)
        if chained and state.inspect.reader is None:
            return [gr.skip()] * chained
        return quietly(state, lambda: show_episode(state, index, progress))

    return episode


def _frame_fn(sessions: Sessions, *, chained: int = 0) -> Callable[..., list[Any]]:
    """The frame step; ``chained`` as for :func:`_episode_fn` (no episode left: no change)."""

    def frame(index: Any, unit: Any, request: gr.Request) -> list[Any]:
        state = sessions.get(request)
        if chained and not state.inspect.videos:
            return [gr.skip()] * chained
        return quietly(state, lambda: show_frame(state, index, unit))

    return frame


def _wire_episode(page: InspectPage, sessions: Sessions) -> None:
    chosen = page.episode.input(
        _episode_fn(sessions),
        page.episode,
        _episode_outputs(page),
        api_name="show_inspect_episode",
        preprocess=False,
    )
    framed = chosen.success(
        _frame_fn(sessions),
        [page.frame, page.unit],
        _frame_outputs(page),
        api_name="show_inspect_frame_of_episode",
        api_visibility="private",
        preprocess=False,
    )
    scrubbed = page.frame.release(
        _frame_fn(sessions),
        [page.frame, page.unit],
        _frame_outputs(page),
        api_name="show_inspect_frame",
        preprocess=False,
        show_progress="hidden",
    )
    unit = page.unit.input(
        _frame_fn(sessions),
        [page.frame, page.unit],
        _frame_outputs(page),
        api_name="show_inspect_frame_in",
        api_visibility="private",
        preprocess=False,
    )
    for step in (chosen, framed, scrubbed, unit):
        step.failure(failure_status(sessions), None, page.episode_status, api_visibility="private")
    for slot, image in enumerate(page.images):
        _wire_probe(page, image, slot, sessions)
    page.play.click(None, js=PLAY_ALL_JS, api_visibility="private")
    page.pause.click(None, js=PAUSE_ALL_JS, api_visibility="private")


def _wire_probe(page: InspectPage, image: gr.Image, slot: int, sessions: Sessions) -> None:
    def probe(index: Any, unit: Any, evt: gr.SelectData, request: gr.Request) -> list[Any]:
        state = sessions.get(request)
        probe_pixel(state, slot, evt.index)
        return quietly(state, lambda: show_frame(state, index, unit))

    image.select(
        probe,
        [page.frame, page.unit],
        _frame_outputs(page),
        api_name=f"probe_inspect_pixel_{slot}",
        api_visibility="private",
        show_progress="hidden",
    )


def _wire_push(page: InspectPage, sessions: Sessions) -> None:
    def push(
        repo: Any,
        token: Any,
        private: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> str:
        state = sessions.get(request)
        return quietly(state, lambda: push_to_hub(state, repo, token, private, progress))

    pushed = page.push.click(
        push,
        [page.push_repo, page.push_token, page.push_private],
        page.push_status,
        api_name="push_inspect_dataset",
        preprocess=False,
        concurrency_id="media",
    )
    pushed.failure(failure_status(sessions), None, page.push_status, api_visibility="private")


def wire_carry(
    page: InspectPage, sessions: Sessions, tabs: gr.Tabs, compare_form: Any, depth_form: Any
) -> None:
    """Wire "Compare these settings" to the other pages' forms.

    A colour feature's encoder settings fill the Compare page's first configuration; a depth
    feature's fill the Depth page's form.
    """
    rgb_blank, depth_blank = [gr.update()] * 9, [gr.update()] * 11

    def carry(key: Any, request: gr.Request) -> list[Any]:
        state = sessions.get(request)
        reader = state.inspect.reader
        if reader is None or not isinstance(key, str) or key not in reader.video_keys:
            raise gr.Error("Open a dataset and choose one of its cameras first.")
        info = reader.features[key].get("info") or {}
        try:
            if key in reader.depth_keys:
                depth = depth_form_updates(DepthEncoderConfig.from_info(info))
                return [gr.Tabs(selected="depth"), *rgb_blank, *depth]
            label = f"{key.split('.')[-1]} ({state.inspect.name})"[:60]
            rgb = rgb_form_updates(RGBEncoderConfig.from_info(info), label=label)
        except LeRobotVideoError as err:
            raise gr.Error(f"{key}'s settings cannot be used: {err}") from err
        return [gr.Tabs(selected="compare"), *rgb, *depth_blank]

    outputs = [tabs, *compare_form.knobs, compare_form.verdict]
    outputs += [*depth_form.knobs, depth_form.verdict]
    page.carry.click(carry, page.carry_feature, outputs, api_visibility="private")
