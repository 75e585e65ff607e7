"""Depth page handlers: load depth, round-trip it through each config, show what survives."""

from __future__ import annotations

import dataclasses
from typing import Any

import gradio as gr
import numpy as np

from components.checks import MAX_FPS, choice, flag, frame_limit, uploaded_paths, whole_number
from components.depth.charts import (
    depth_results_table,
    depth_tradeoff_chart,
    quantization_step_chart,
)
from components.depth_form import depth_config_from_form
from components.feedback import progress_callback, shows_library_errors
from components.lane import run_media_work
from components.state import AppSettings, SessionState
from lerobot_video import (
    DepthEncoderConfig,
    LeRobotVideoError,
    capture_realsense_depth,
    compare_depth_encodings,
    depth_frame_views,
    depth_preview_clip,
    load_depth_clip,
    realsense_devices,
    trial_encode,
    with_lossless,
)

BUNDLED = "Bundled ALOHA depth clip"
UPLOAD = "Upload .npy / .npz / 16-bit PNG frames"
REALSENSE = "RealSense camera"
ALTERNATIVES: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "Lossy HEVC (crf 20)": ("hevc", False, {"crf": 20}),
    "HEVC lossless, preset ultrafast": ("hevc", True, {"preset": "ultrafast"}),
    "HEVC lossless, keyframe every 30 frames": ("hevc", True, {"g": 30, "preset": "ultrafast"}),
    "FFV1 (lossless, fast; LeRobot 0.6.1 cannot read it)": (
        "ffv1",
        True,
        {"crf": None, "preset": None},
    ),
}
"""Name to (encoder, lossless, other changes) applied to the user's config."""
DEFAULT_ALTERNATIVES = [
    "Lossy HEVC (crf 20)",
    "HEVC lossless, preset ultrafast",
    "FFV1 (lossless, fast; LeRobot 0.6.1 cannot read it)",
]


def alternative_config(base: DepthEncoderConfig, name: str) -> DepthEncoderConfig:
    """The user's config (quantizer, GOP…) changed as the alternative ``name`` says."""
    vcodec, lossless, changes = ALTERNATIVES[name]
    options = base.extra_options if vcodec == base.vcodec else {}  # another encoder's mean nothing
    return with_lossless(
        dataclasses.replace(base, vcodec=vcodec, extra_options=options, **changes), lossless
    )


def choose_depth_source(source: str) -> tuple[Any, Any, str]:
    """Show the upload widgets for uploads, and what RealSense cameras are connected."""
    note = ""
    if source == REALSENSE:
        try:
            devices = realsense_devices()
            note = (
                "Connected: " + ", ".join(devices)
                if devices
                else "No RealSense camera is connected."
            )
        except LeRobotVideoError as err:
            note = str(err)
    upload = source == UPLOAD
    return gr.update(visible=upload), gr.update(visible=upload), note


@shows_library_errors
def load_depth(
    state: SessionState,
    source: str,
    files: list[str] | None,
    fps: float | None,
    max_frames: float | None,
    settings: AppSettings,
) -> str:
    """Load the bundled depth clip, uploaded depth files, or frames from a RealSense.

    The frames are kept in the session folder (:meth:`SessionState.keep_clip`), not in memory.
    """
    limit = frame_limit(max_frames, settings)
    if source == BUNDLED:
        clip = load_depth_clip([settings.bundled_depth], max_frames=limit)
    elif source == REALSENSE:
        clip = capture_realsense_depth(limit)
    elif source != UPLOAD:
        raise gr.Error(f"Choose the depth source {BUNDLED!r}, {UPLOAD!r} or {REALSENSE!r}.")
    elif not (paths := uploaded_paths(files)):
        raise gr.Error("Upload a .npy or .npz depth file or 16-bit PNG frames first.")
    else:
        rate = 30 if fps is None else whole_number(fps, "Frames per second", 1, MAX_FPS)
        clip = load_depth_clip(paths, fps=rate, max_frames=limit)
    if all(np.isnan(clip.frame_metres(i)).all() for i in range(len(clip.depth))):
        raise gr.Error(
            f"{clip.name} has no valid depth pixels (every value is 0, NaN or infinite); "
            "upload frames with readings."
        )
    state.depth_clip = None  # the old map goes before its file is replaced
    state.depth_clip = state.keep_clip(clip)
    count, height, width = clip.depth.shape
    kind = "uint16 millimetres" if clip.unit == "mm" else "float32 metres"
    return f"Loaded **{clip.name}**: {count} frames of {width}x{height} ({kind}), {clip.fps} fps."


@shows_library_errors
def run_depth_round_trip(
    state: SessionState,
    mark_invalid: bool,
    alternatives: list[str],
    *form: Any,
    progress: gr.Progress,
) -> str:
    """Round-trip the session's depth clip through the chosen config and the alternatives."""
    if state.depth_clip is None:
        raise gr.Error("Load depth first.")
    mark_invalid = flag(mark_invalid, "Mark pixels with no reading (mark_invalid)")
    if not isinstance(alternatives, list | None):
        raise gr.Error(f"Alternatives must be a list of names, got {alternatives!r:.60}.")
    unknown = [
        name for name in alternatives or [] if not isinstance(name, str) or name not in ALTERNATIVES
    ]
    if unknown:
        raise gr.Error(f"Unknown alternatives {unknown}; choose from {list(ALTERNATIVES)}.")
    base = depth_config_from_form(*form)
    configs = [("Your config", base)] + [
        (name, alternative_config(base, name)) for name in alternatives or []
    ]
    for _, config in configs:  # the form's verdict, so what it passed is what runs
        trial_encode(config, fps=state.depth_clip.fps)
    state.depth = run_media_work(
        compare_depth_encodings,
        state.depth_clip,
        configs,
        output_dir=state.fresh_folder("depth"),
        mark_invalid=mark_invalid,
        progress=progress_callback(progress, "Encoding depth"),
    )
    out_of_range = state.depth.encodings[0].out_of_range_fraction
    note = (
        f" {100 * out_of_range:.1f}% of valid pixels lie outside [depth_min, depth_max] and "
        "saturate; they are left out of the error figures."
        if out_of_range
        else ""
    )
    return f"Round-tripped {len(configs)} configurations.{note}"


def clear_depth_results(state: SessionState) -> list[Any]:
    """Forget and hide the last round trip before a new one, so a failure shows nothing stale."""
    state.depth = None
    hidden = gr.update(visible=False)
    return ["Loading depth…", hidden, hidden, hidden, hidden, hidden, hidden, hidden]


@shows_library_errors
def show_depth_results(state: SessionState, unit: str) -> list[Any]:
    """Table and charts of the last round trip, with lengths in ``unit`` (no re-encoding)."""
    if state.depth is None:
        hidden = gr.update(visible=False)
        return [hidden, hidden, hidden, hidden]
    unit = choice(unit, "Unit", ("mm", "m"))
    quantization = state.depth.encodings[0].config.quantization
    return [
        gr.update(value=depth_results_table(state.depth, unit), visible=True),
        gr.update(value=quantization_step_chart(quantization, unit), visible=True),
        gr.update(value=depth_tradeoff_chart(state.depth), visible=True),
        # One frame has nothing to slide to (and a 0..0 slider draws nothing).
        gr.update(maximum=max(state.depth.num_frames - 1, 1), visible=state.depth.num_frames > 1),
    ]


@shows_library_errors
def show_depth_frame(state: SessionState, frame: float) -> tuple[Any, Any]:
    """The original frame (click it to probe) and every round trip and error map."""
    if state.depth is None:
        return gr.update(visible=False), gr.update(visible=False)
    index = whole_number(frame, "Frame", 0, state.depth.num_frames - 1)
    views = depth_frame_views(state.depth, index)
    gallery = [(image, caption) for caption, image in views[1:]]
    return gr.update(value=views[0][1], visible=True), gr.update(value=gallery, visible=True)


@shows_library_errors
def probe_depth_pixel(state: SessionState, frame: float, unit: str, point: list[int] | None) -> str:
    """Values under the probed pixel, in ``unit``."""
    if state.depth is None or not point:
        return "Click the original frame to read the depth under a pixel."
    col, row = int(point[0]), int(point[1])
    values = state.depth.values_at(int(frame), row, col, unit)  # type: ignore[arg-type]
    digits = 2 if unit == "mm" else 5  # both show 0.01 mm
    lines = [f"**Pixel (x={col}, y={row}), frame {int(frame)}**", "", "| | value |", "|---|---|"]
    lines += [
        f"| {name} | {value:.{digits}f} {unit} |" if value == value else f"| {name} | no reading |"
        for name, value in values.items()
    ]
    return "\n".join(lines)


@shows_library_errors
def make_depth_preview(state: SessionState) -> Any:
    """A browser-playable colour-mapped clip of the original depth."""
    if state.depth is None:
        return gr.update(visible=False)
    path = state.folder / "depth" / "preview.mp4"
    clip = depth_preview_clip(
        state.depth.clip.metres(),
        path,
        fps=state.depth.clip.fps,
        value_range=state.depth.display_range(),
    )
    return gr.update(value=str(clip), visible=True)
