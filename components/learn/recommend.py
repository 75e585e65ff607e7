"""Learn page, section 7: search the bundled clip for smaller settings at the same quality.

:func:`lerobot_video.recommend_encoding` measures real encodings of the clip's first frames
for a minute or two. It runs on a media thread in the background while the event's generator
shows its progress; closing the generator (Cancel) sets an event that the search's progress
callback raises on, which stops the search after the encoding being measured. The encodings
are cached in the session's ``learn-recommend`` folder, so a second search measures only
what is new, and they go with the session.
"""

from __future__ import annotations

import functools
import queue
import threading
import time
from collections.abc import Callable, Generator
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr

from components.checks import form_number
from components.feedback import LOG, shows_library_errors, user_text
from components.lane import run_media_work
from components.learn.recommend_charts import front_table, recommend_chart, search_summary
from components.state import AppSettings, SessionState
from lerobot_video import (
    InlineExecutor,
    LeRobotVideoError,
    Recommendation,
    RGBEncoderConfig,
    StudyGrid,
    StudyTarget,
    load_clip,
    recommend_encoding,
)

R = TypeVar("R")
Report = Callable[[int, int], None]

RECOMMEND_FRAMES = 30
"""Frames of the bundled clip the search encodes (its first ones)."""
RECOMMEND_SAMPLES = 10
"""Random 6-frame requests timed per encoding (the published study timed 50)."""
SEARCH = (
    StudyGrid(vcodec=("libsvtav1",), g=(2, 4, 8), crf=(20, 30, 40, 50), preset=(None, 8)),
    StudyGrid(vcodec=("h264",), g=(2, 4, 8), crf=(14, 20, 26, 32)),
)
"""The coarse pass the page offers: AV1 at presets 12 and 8, H.264 at ``medium``."""
HEVC_SEARCH = StudyGrid(vcodec=("hevc",), g=(2, 4, 8), crf=(14, 20, 26, 32))
PSNR_DEFAULT = "LeRobot default's PSNR on this clip"
PSNR_NUMBER = "At least this many dB"
PSNR_MODES = (PSNR_DEFAULT, PSNR_NUMBER)
POLL_S = 0.5
"""How often a running search's generator wakes, so a Cancel closes it within this time."""
OUTPUTS = 6
"""Explanation, chart, front table, proposal state and the two carry buttons."""


class SearchCancelledError(Exception):
    """Raised by the search's progress callback once its event is cancelled."""


def search_cells(hevc: bool) -> int:
    """Encodings of the coarse pass, LeRobot's default included (the search adds a few)."""
    return 1 + sum(len(grid.configs()) for grid in search_grids(hevc))


def search_grids(hevc: bool) -> tuple[StudyGrid, ...]:
    """The page's coarse pass, with HEVC's grid when asked for."""
    return (*SEARCH, HEVC_SEARCH) if hevc else SEARCH


@shows_library_errors
def study_target(
    psnr_mode: Any, psnr_db: Any, load_limited: Any, load_ratio: Any, min_fps: Any, browser: Any
) -> StudyTarget:
    """The form's target; the library checks the numbers (positive, finite)."""
    if psnr_mode not in PSNR_MODES:
        raise gr.Error(f"Choose the quality to keep from {list(PSNR_MODES)}, got {psnr_mode!r}.")
    psnr = None
    if psnr_mode == PSNR_NUMBER:
        psnr = form_number(psnr_db, "Least PSNR (dB)", integer=False, required=True)
    ratio = None
    if load_limited:
        ratio = form_number(load_ratio, "Most load time", integer=False, required=True)
    fps = form_number(min_fps, "Least encode speed", integer=False)
    return StudyTarget(
        min_psnr_db=psnr,
        max_load_time_ratio=ratio,
        min_encode_fps=fps or None,  # a cleared number box sends 0: no limit
        browser_playable=bool(browser),
    )


def proposal_config(proposal: Any) -> RGBEncoderConfig:
    """The proposal to carry to another page.

    Raises:
        gr.Error: There is none (no search yet, or nothing met the target).
    """
    if not isinstance(proposal, RGBEncoderConfig):
        raise gr.Error(
            "There is no proposal to use: search first, or relax the target until an "
            "encoding meets it."
        )
    return proposal


def _in_background(work: Callable[[], R]) -> Future[R]:
    """Start ``work`` on a media thread; its result or exception arrive in the future."""
    future: Future[R] = Future()

    def run() -> None:
        try:
            future.set_result(run_media_work(work))
        except BaseException as err:  # handed to whoever reads the future
            future.set_exception(err)

    threading.Thread(target=run, name="learn-recommend", daemon=True).start()
    return future


def search_steps(
    search: Callable[[Report], R],
) -> Generator[tuple[int, int] | None, None, R]:
    """Run ``search(progress)`` in the background; yield its progress, return its result.

    Yields ``(done, planned)`` after each encoding and None every :data:`POLL_S` seconds in
    between, so a cancelled event can close this generator soon. Once closed, the search's
    next progress call raises :class:`SearchCancelledError`, which stops it.
    """
    stop = threading.Event()
    updates: queue.SimpleQueue[tuple[int, int]] = queue.SimpleQueue()

    def report(done: int, planned: int) -> None:
        if stop.is_set():
            raise SearchCancelledError
        updates.put((done, planned))

    future = _in_background(functools.partial(search, report))
    try:
        while not (future.done() and updates.empty()):
            try:
                yield updates.get(timeout=POLL_S)
            except queue.Empty:
                yield None
        return future.result()
    finally:
        stop.set()


def _cache(state: SessionState) -> Path:
    """The session's cell cache: kept between searches, removed with the session."""
    return state.folder / "learn-recommend"


def _search(
    state: SessionState, settings: AppSettings, target: StudyTarget, hevc: bool, progress: Any
) -> Generator[list[Any], None, Recommendation]:
    """The search with the page's settings; yields no-op updates while it runs."""
    clip = load_clip(settings.bundled_clip, max_frames=RECOMMEND_FRAMES)
    search = functools.partial(
        recommend_encoding,
        clip,
        output_dir=_cache(state),
        target=target,
        search=search_grids(hevc),
        num_samples=RECOMMEND_SAMPLES,
        executor=InlineExecutor(),
    )
    steps = search_steps(lambda report: search(progress=report))
    progress(None, desc="Writing the clip's frames as PNG files")
    try:
        while True:
            step = next(steps)
            if step is not None:
                progress(step, desc=f"Measuring encodings: {step[0]} of {step[1]} planned")
            yield [gr.skip()] * OUTPUTS
    except StopIteration as end:
        found: Recommendation = end.value
        return found
    finally:
        steps.close()


def show_recommendation(found: Recommendation, seconds: float) -> list[Any]:
    """The explanation, chart, front table, proposal and carry buttons (usable if proposed)."""
    usable = gr.update(interactive=found.proposal_config is not None)
    return [
        search_summary(found, RECOMMEND_FRAMES, seconds),
        recommend_chart(found),
        front_table(found),
        found.proposal_config,
        usable,
        usable,
    ]


def run_recommend(
    state: SessionState,
    settings: AppSettings,
    target_values: tuple[Any, ...],
    hevc: Any,
    progress: Any,
) -> Generator[list[Any], None, None]:
    """Search the clip for the smallest encoding meeting the target; show it and the evidence.

    ``target_values`` are :func:`study_target`'s arguments, in order. No encoding meeting the
    target is a result (the explanation says to relax it), not an error.
    """
    target = study_target(*target_values)
    started = time.monotonic()
    try:
        found = yield from _search(state, settings, target, bool(hevc), progress)
    except LeRobotVideoError as err:
        message = user_text(err)
        LOG.info("user error in run_recommend: %s", message.replace("\n", " "))
        raise gr.Error(message, print_exception=False) from err
    yield show_recommendation(found, time.monotonic() - started)
