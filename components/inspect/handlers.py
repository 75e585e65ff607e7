"""Inspect page handlers: open a dataset, measure its videos, look at an episode, push it.

Each handler calls the library for one step and turns its result into component updates;
the work itself (Hub requests, reading indexes, copying and decoding episodes) runs on the
media lane. Handlers raise ``gr.Error`` with the library's words for the page's status line.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.checks import flag, text
from components.feedback import shows_library_errors
from components.inspect.charts import (
    feature_rows,
    findings_html,
    report_row,
    size_text,
    summary_markdown,
)
from components.inspect.episode import MAX_CAMERAS
from components.inspect.session import InspectSession
from components.inspect.sources import local_dataset_path, open_from_hub
from components.lane import run_media_work
from components.state import AppSettings, SessionState
from lerobot_video import (
    DatasetReader,
    encoding_report,
    open_dataset,
    push_dataset,
)


def _report_status(inspect: InspectSession) -> str:
    report = inspect.report
    assert report is not None
    counts = {s: sum(f.severity == s for f in report.findings) for s in ("error", "warning")}
    fetched = "" if inspect.hub is None else f" ({size_text(inspect.hub.bytes_fetched)} fetched)"
    return (
        f"Opened **{inspect.name}**{fetched}: {len(report.features)} video features measured, "
        f"{counts['error']} errors, {counts['warning']} warnings."
    )


def _measured(state: SessionState, inspect: InspectSession, progress: gr.Progress) -> str:
    """Measure the opened dataset's videos and make it the session's open dataset."""
    assert inspect.reader is not None
    progress(None, desc="Reading the videos' indexes")
    inspect.report = run_media_work(encoding_report, inspect.reader)
    with state.inspect.lock:  # the last dataset's episode copies go, once nothing reads them
        state.fresh_folder("inspect")
        state.inspect = inspect
    return _report_status(inspect)


@shows_library_errors
def open_hub(
    state: SessionState,
    settings: AppSettings,
    repo_id: object,
    revision: object,
    token: object,
    progress: gr.Progress,
) -> str:
    """Open a Hub dataset (metadata only) and measure its videos by ranged reads."""
    progress(None, desc="Opening the dataset on the Hub")
    hub = run_media_work(open_from_hub, settings, repo_id, revision, token)
    inspect = InspectSession(reader=hub.reader, hub=hub, name=hub.repo_id)
    return _measured(state, inspect, progress)


@shows_library_errors
def open_local(
    state: SessionState, settings: AppSettings, chosen: object, progress: gr.Progress
) -> str:
    """Open a dataset of the data folder (a listed one only) and measure its videos."""
    root = local_dataset_path(settings, state, chosen)
    progress(None, desc="Opening the dataset")
    reader = run_media_work(open_dataset, root)
    inspect = InspectSession(reader=reader, local_root=root, name=root.name)
    return _measured(state, inspect, progress)


def clear_inspect(state: SessionState) -> list[Any]:
    """Forget the open dataset before opening another, so a failure shows nothing stale.

    Returns:
        The status line (blank), updates hiding the results box and the plot, the blank
        readout and episode line, then one empty update per player and per frame image.
    """
    state.inspect = InspectSession(lock=state.inspect.lock)
    hidden = gr.update(visible=False)
    empty = gr.update(value=None, visible=False)
    return ["", hidden, hidden, "", "", *[empty] * (2 * MAX_CAMERAS)]


def _episode_choices(reader: DatasetReader) -> list[tuple[str, int]]:
    return [
        (f"Episode {e.episode_index}: {e.length} frames", e.episode_index) for e in reader.episodes
    ]


@shows_library_errors
def show_dataset(state: SessionState) -> list[Any]:
    """Summary, features, report and findings of the open dataset, and its episode choices.

    Returns:
        Updates of the results box, summary, features table, report table, findings, episode
        dropdown, "settings of" dropdown and the push box.
    """
    inspect = state.inspect
    if inspect.reader is None or inspect.report is None:
        hidden = gr.update(visible=False)
        return [
            hidden,
            "",
            *[gr.update()] * 3,
            gr.update(choices=[], value=None),
            gr.update(),
            hidden,
        ]
    reader, report = inspect.reader, inspect.report
    keys = [f.key for f in report.features]
    return [
        gr.update(visible=True),
        summary_markdown(inspect),
        feature_rows(reader),
        [report_row(f) for f in report.features],
        findings_html(report.findings),
        gr.update(
            choices=_episode_choices(reader),
            value=reader.episodes[0].episode_index if reader.episodes else None,
        ),
        gr.update(choices=keys, value=keys[0] if keys else None),
        gr.update(visible=inspect.local_root is not None),
    ]


@shows_library_errors
def push_to_hub(
    state: SessionState, repo_id: object, token: object, private: object, progress: gr.Progress
) -> str:
    """Upload the open local dataset to a Hub repo (tagged v3.0), with a progress bar."""
    root = state.inspect.local_root
    if root is None:
        raise gr.Error("Open a local dataset first: only datasets on this server can be pushed.")
    repo = text(repo_id, "Repo id").strip()
    secret = text(token, "Token").strip() or None
    is_private = flag(private, "Private")

    def report(done: int, total: int, what: str) -> None:
        progress((done, total) if total else None, desc=f"Uploading {what}"[:80], unit="bytes")

    result = run_media_work(
        push_dataset, root, repo, token=secret, private=is_private, progress=report
    )
    return (
        f"Pushed **{root.name}** to **{result.repo_id}**: {result.num_files} files, "
        f"{size_text(result.num_bytes)}, commit `{result.commit[:12]}`, tag `{result.tag}`."
    )
