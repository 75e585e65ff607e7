"""Compare page handlers: load a clip, encode it with each config, show a frame of each."""

from __future__ import annotations

from typing import Any

import gradio as gr
import numpy as np

from components.checks import MAX_FPS, frame_limit, text, uploaded_paths, whole_number
from components.compare.charts import player_caption, results_table, tradeoff_chart
from components.feedback import progress_callback, shows_library_errors
from components.lane import run_media_work
from components.state import AppSettings, SessionState
from components.widgets import KNOBS_PER_FORM, config_from_form
from lerobot_video import (
    ComparisonReport,
    RGBEncoderConfig,
    compare_encodings,
    compare_frame,
    load_clip,
    load_clip_files,
    trial_encode,
)

BUNDLED = "Bundled ALOHA clip"
UPLOAD = "Upload a video or image sequence"
MAX_FORMS = 4
DEFAULT_CONFIGS = [
    ("LeRobot default (AV1)", RGBEncoderConfig()),
    ("H.264", RGBEncoderConfig(vcodec="h264")),
    ("HEVC", RGBEncoderConfig(vcodec="hevc")),
    ("AV1 crf 40", RGBEncoderConfig(crf=40)),
]


def choose_clip_source(source: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Show the upload widgets only when the user uploads a clip."""
    return gr.update(visible=source == UPLOAD), gr.update(visible=source == UPLOAD)


def show_forms(count: float) -> list[dict[str, Any]]:
    """Show as many encoder forms as configurations are compared."""
    return [gr.update(visible=i < int(count)) for i in range(MAX_FORMS)]


RESULT_PARTS = 4 + 3 * MAX_FORMS + 2
"""What a comparison shows besides its status: table, notes, chart, frame slider, three parts
per player (caption, video, download), and the two galleries."""


def clear_results(state: SessionState) -> list[Any]:
    """Forget and hide the last comparison before a new one, so a failure shows nothing stale."""
    state.report = None
    return ["Loading the clip…", *[gr.update(visible=False)] * RESULT_PARTS]


@shows_library_errors
def load_compare_clip(
    state: SessionState,
    source: str,
    files: list[str] | None,
    fps: float | None,
    max_frames: float | None,
    settings: AppSettings,
) -> str:
    """Load the bundled clip or the uploaded files; a blank ``fps`` keeps the file's own.

    The frames are kept in the session folder (:meth:`SessionState.keep_clip`), not in memory.
    """
    limit = frame_limit(max_frames, settings)
    if source == BUNDLED:
        clip = load_clip(settings.bundled_clip, max_frames=limit)
    elif source != UPLOAD:
        raise gr.Error(f"Choose the clip source {BUNDLED!r} or {UPLOAD!r}, got {source!r}.")
    elif not (paths := uploaded_paths(files)):
        raise gr.Error("Upload a video file or image frames first, or pick the bundled clip.")
    else:
        rate = None if fps is None else whole_number(fps, "Frames per second", 1, MAX_FPS)
        clip = load_clip_files(paths, fps=rate, max_frames=limit)
    state.clip = None  # the old map goes before its file is replaced
    state.clip = state.keep_clip(clip)
    shape = clip.frames.shape
    cut = f" (first {len(clip.frames)} of {clip.truncated_from})" if clip.truncated_from else ""
    size = f"{shape[2]}x{shape[1]}"
    return f"Loaded **{clip.name}**: {shape[0]} frames{cut}, {size}, {clip.fps} fps."


def _configs(count: float, knobs: tuple[Any, ...]) -> list[tuple[str, RGBEncoderConfig]]:
    """The first ``count`` forms' (name, config); a blank name becomes "Config N"."""
    forms = [knobs[i * KNOBS_PER_FORM : (i + 1) * KNOBS_PER_FORM] for i in range(int(count))]
    return [
        (
            text(f[0], f"Name of configuration {i + 1}").strip() or f"Config {i + 1}",
            config_from_form(*f[1:]),
        )
        for i, f in enumerate(forms)
    ]


def _players(report: ComparisonReport) -> list[Any]:
    """Per player: its caption, video and download; the unused ones hidden."""
    players: list[Any] = []
    for enc in report.encodings:
        players += [
            gr.update(value=player_caption(enc), visible=True),
            gr.update(value=str(enc.preview_path), label=enc.label, visible=True),
            gr.update(value=str(enc.path), visible=True),
        ]
    unused = MAX_FORMS - len(report.encodings)
    return players + [gr.update(value=None, visible=False)] * (3 * unused)


@shows_library_errors
def run_comparison(
    state: SessionState,
    count: float,
    *knobs: Any,
    progress: gr.Progress,
) -> list[Any]:
    """Encode the session's clip with every shown config and display the measurements."""
    if state.clip is None:
        raise gr.Error("Load a clip first.")
    configs = _configs(whole_number(count, "Configurations", 1, MAX_FORMS), knobs)
    for _, config in configs:  # the forms' verdicts, so what they passed is what runs
        trial_encode(config, fps=state.clip.fps)
    report = state.report = run_media_work(
        compare_encodings,
        state.clip.frames,
        configs,
        fps=state.clip.fps,
        output_dir=state.fresh_folder("compare"),
        progress=progress_callback(progress, "Encoding and measuring"),
    )
    status = (
        f"Compared {len(report.encodings)} configurations on {report.num_frames} frames. "
        "Drag the frame slider, or type a frame number, to inspect decoded frames and "
        "their error."
    )
    frame = gr.update(maximum=report.num_frames - 1, value=0, visible=True)
    table = gr.update(value=results_table(report), visible=True)
    chart = gr.update(value=tradeoff_chart(report), visible=True)
    notes = gr.update(visible=True)
    return [status, table, notes, chart, frame, *_players(report)]


@shows_library_errors
def show_frame(state: SessionState, frame_index: float) -> tuple[Any, Any]:
    """Show one frame as decoded by each encoding, with its error heatmap."""
    if state.report is None or state.clip is None:
        return gr.update(visible=False), gr.update(visible=False)
    index = whole_number(frame_index, "Frame", 0, state.report.num_frames - 1)
    reference = np.array(state.clip.frames[index])  # one frame read from the session's file
    views = compare_frame(state.report, reference, index)
    decoded = [(reference, f"Original · frame {index}")] + [
        (v.decoded, f"{v.label} · {v.psnr_db:.1f} dB") for v in views
    ]
    heatmaps = [(v.heatmap, f"{v.label} · error") for v in views]  # the scale: gallery label
    # One column per picture: each gallery is one row, as tall as its pictures.
    return (
        gr.update(value=decoded, columns=len(decoded), visible=True),
        gr.update(value=heatmaps, columns=len(heatmaps), visible=True),
    )


def show_typed_frame(state: SessionState, frame_index: float | str | None) -> tuple[Any, Any]:
    """The page's frame box: :func:`show_frame`, but a box emptied while typing shows nothing new.

    The box sends every keystroke; an empty box is a number on its way, not a mistake.
    """
    if frame_index is None or frame_index == "":
        return gr.skip(), gr.skip()
    return show_frame(state, frame_index)  # type: ignore[arg-type] # show_frame names a non-number
