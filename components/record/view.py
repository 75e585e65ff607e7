"""How the Record page shows things: usable controls, live stats, episodes, shortcuts."""

from __future__ import annotations

import html
import json
from typing import Any

import gradio as gr

from components.record.session import RecordSession
from lerobot_video import EpisodeInfo, RecorderStats

EPISODE_HEADERS = ["Episode", "Frames", "Duration (s)", "Video size", "Dropped", "Skipped ticks"]

DATASET_OPEN_NOTE = (
    "Each episode you save is added to this dataset. **Stop preview** finishes it; the form "
    "then comes back for a new dataset."
)
"""Under the open dataset's summary, where its form was: how to get the form back."""

SHORTCUT_KEYS = {"r": "record-start", "s": "record-stop", "x": "record-discard"}
"""Keyboard key to the ``elem_id`` of the button it clicks."""

SHORTCUTS_HTML = (
    "<div class='record-keys'>Keyboard: <kbd>R</kbd> start episode · <kbd>S</kbd> stop and "
    "save · <kbd>X</kbd> discard (not while typing in a field)</div>"
)

SHORTCUTS_JS = """
if (!window.recordShortcutsInstalled) {
  window.recordShortcutsInstalled = true;
  const buttons = BUTTONS;
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const target = event.target;
    if (target instanceof Element &&
        target.closest("input, textarea, select, [contenteditable]")) return;
    const id = buttons[event.key.toLowerCase()];
    const button = id && document.getElementById(id);
    // Only a button the user could click: on the shown tab, and enabled.
    if (!button || button.disabled || button.offsetParent === null) return;
    event.preventDefault();
    button.click();
  });
}
""".replace("BUTTONS", json.dumps(SHORTCUT_KEYS))

_STATE_BADGES = {
    "previewing": ("#2563eb", "Previewing"),
    "recording": ("#dc2626", "● Recording"),
    "saving": ("#d97706", "Saving…"),
    "stopped": ("#6b7280", "Stopped"),
    "failed": ("#dc2626", "Capture stopped"),
}


def controls(session: RecordSession) -> list[Any]:
    """The dataset form or its summary, and which controls can be used now (``page.layout``)."""
    previewing = session.source is not None
    recording = session.is_recording
    dataset_open = session.recorder is not None
    can_zip = bool(session.episodes) and not recording
    return [
        gr.update(visible=not dataset_open),
        gr.update(value=f"{session.summary}\n\n{DATASET_OPEN_NOTE}", visible=dataset_open),
        gr.update(interactive=not previewing),
        gr.update(interactive=not previewing),
        gr.update(interactive=previewing),
        gr.update(interactive=previewing and not recording),
        gr.update(interactive=recording),
        gr.update(interactive=recording),
        gr.update(interactive=can_zip),
    ]


def _cell(label: str, value: str, note: str = "") -> str:
    note_html = f"<div style='font-size:0.75em;opacity:0.7'>{note}</div>" if note else ""
    return (
        "<div style='padding:4px 10px;border-left:3px solid var(--border-color-primary)'>"
        f"<div style='font-size:0.75em;opacity:0.7'>{label}</div>"
        f"<div style='font-size:1.15em;font-variant-numeric:tabular-nums'>{value}</div>"
        f"{note_html}</div>"
    )


def _camera_name(feature: str) -> str:
    return feature.removeprefix("observation.images.")


def stats_html(stats: RecorderStats | None, *, fps: float, note: str = "") -> str:
    """The live stats block: state, episode frames, capture and encode speed, queue depth.

    Args:
        stats: The recorder's stats, or None while only previewing (no dataset yet).
        fps: The rate capture aims at (the dataset's fps), for comparison.
        note: Shown beside the state (what to do next, or what went wrong).
    """
    cells: list[str] = []
    if stats is None:  # no dataset yet, so no capture loop to measure: the note says why
        badge = ("#2563eb", "Previewing")
    elif stats.state not in ("recording", "saving"):  # the last episode's counters would mislead
        badge = _STATE_BADGES[stats.state]
        cells = [_cell("Capture", f"{stats.capture_fps:.1f} fps", f"target {fps:g} fps")]
    else:
        badge = _STATE_BADGES[stats.state]
        cells = [
            _cell(
                "Episode", f"{stats.episode_frames} frames", f"{stats.episode_frames / fps:.1f} s"
            ),
            _cell("Capture", f"{stats.capture_fps:.1f} fps", f"target {fps:g} fps"),
        ]
        for feature, encoder in stats.encoders.items():
            cells.append(
                _cell(
                    f"Encode {html.escape(_camera_name(feature))}",
                    f"{encoder.encode_fps:.0f} fps",
                    f"queue {encoder.queued}/{encoder.queue_size}",
                )
            )
        cells.append(
            _cell(
                "Dropped · late · skipped",
                f"{stats.dropped} · {stats.late} · {stats.skipped}",
                "this episode",
            )
        )
    if stats is not None and stats.error:
        note = f"{stats.error} Stop the preview; the saved episodes are kept."
    figures = (
        f"<div style='display:flex;flex-wrap:wrap;gap:8px;margin-top:6px'>{''.join(cells)}</div>"
        if cells
        else ""
    )
    return f"<div class='record-stats'>{_headline(*badge, note)}{figures}</div>"


def _headline(color: str, state: str, note: str) -> str:
    """The state badge with what to do next beside it (the figures get a line of their own)."""
    badge = (
        f"<span style='background:{color};color:white;border-radius:4px;padding:2px 8px;"
        f"font-weight:600;white-space:nowrap'>{state}</span>"
    )
    return (
        "<div style='display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center'>"
        f"{badge}<span>{html.escape(note)}</span></div>"
    )


def idle_html(note: str) -> str:
    """The stats block while no source runs."""
    return f"<div class='record-stats'>{_headline('#6b7280', 'Idle', note)}</div>"


def _size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return "—"
    if num_bytes < 1_000_000:
        return f"{num_bytes / 1000:.0f} KB"
    return f"{num_bytes / 1_000_000:.1f} MB"


def episode_rows(
    episodes: list[EpisodeInfo], fps: int, skipped_ticks: dict[int, int]
) -> list[list[str | int]]:
    """One row per saved episode: index, frames, duration, video size, drops and skips.

    Args:
        episodes: The saved episodes, as saving returned them (unknown sizes show "—").
        fps: The dataset's frame rate.
        skipped_ticks: Episode index to the capture ticks it missed.
    """
    rows: list[list[str | int]] = []
    for episode in episodes:
        index, dropped = episode.episode_index, episode.dropped_frames
        video_bytes = episode.video_bytes
        rows.append(
            [
                index,
                episode.length,
                f"{episode.length / fps:.2f}",
                _size(None if video_bytes is None else sum(video_bytes.values())),
                "—" if dropped is None else len(dropped),
                skipped_ticks.get(index, "—"),
            ]
        )
    return rows
