"""The Record page's source picker: which cameras exist here, what to say of them, opening one."""

from __future__ import annotations

from typing import Any

import gradio as gr

from lerobot_video import (
    BrowserSource,
    FrameSource,
    OpenCVSource,
    RealSenseSource,
    SourceStatus,
    bundled_replay_source,
    list_sources,
)

BROWSER_HEIGHT, BROWSER_WIDTH = 480, 640  # what this page's camera is fitted to
DEPTH_KINDS = ("replay", "realsense")  # source kinds that also deliver depth


def _label(status: SourceStatus) -> str:
    return status.label if status.available else f"{status.label} (not available)"


def source_choices() -> list[str]:
    """Every source kind, unavailable ones marked (the note says why)."""
    return [_label(status) for status in list_sources()]


def find_source(label: str) -> SourceStatus:
    """The status of the source shown as ``label``; a clear error once it is gone."""
    for status in list_sources():
        if _label(status) == label:
            return status
    raise gr.Error(f"The source {label!r} is no longer connected; press Rescan and pick again.")


def describe_source(label: str) -> tuple[str, Any, Any, Any, Any]:
    """Say whether the chosen source works (or why not); show its webcam and depth widgets."""
    status = find_source(label)
    if not status.available:
        note = f"Not available: {status.message}"
    elif status.kind == "browser":
        note = (
            f"Frames come from this page's camera, fitted to {BROWSER_WIDTH}x{BROWSER_HEIGHT}: "
            "start the preview, then allow camera access and press the webcam's record button."
        )
    else:
        note = f"Ready: {status.label}."
    depth = gr.update(visible=status.kind in DEPTH_KINDS)
    return note, gr.update(visible=status.kind == "browser"), depth, depth, depth


def rescan_sources(current: str) -> tuple[Any, str, Any, Any, Any, Any]:
    """List the sources again (a camera was plugged in or out)."""
    choices = source_choices()
    value = current if current in choices else choices[0]
    return (gr.update(choices=choices, value=value), *describe_source(value))


def make_source(status: SourceStatus) -> FrameSource:
    """Build (not start) the source an available status describes."""
    if status.kind == "replay":
        return bundled_replay_source(with_depth=True)
    if status.kind == "opencv":
        return OpenCVSource(int(status.device or 0))
    if status.kind == "realsense":
        return RealSenseSource(serial=None if status.device is None else str(status.device))
    return BrowserSource(height=BROWSER_HEIGHT, width=BROWSER_WIDTH)
