"""Depth tab: quantize, encode, decode and dequantize depth; see what survives, in mm or m."""

from __future__ import annotations

import dataclasses
from typing import Any

import gradio as gr

from components.charts import (
    DEPTH_TABLE_HEADERS,
    depth_results_table,
    depth_tradeoff_chart,
    quantization_step_chart,
)
from components.feedback import progress_callback, shows_library_errors
from components.state import AppSettings, SessionState
from components.widgets import depth_config_from_form
from lerobot_video import (
    DepthQuantization,
    LeRobotVideoError,
    capture_realsense_depth,
    compare_depth_encodings,
    depth_frame_views,
    depth_preview_clip,
    load_depth_clip,
    realsense_devices,
)

BUNDLED = "Bundled ALOHA depth clip"
UPLOAD = "Upload .npy / .npz / 16-bit PNG frames"
REALSENSE = "RealSense camera"
ALTERNATIVES: dict[str, dict[str, Any]] = {
    "Lossy HEVC (crf 20)": {"extra_options": {}, "crf": 20},
    "HEVC lossless, preset ultrafast": {"preset": "ultrafast"},
    "HEVC lossless, keyframe every 30 frames": {"g": 30, "preset": "ultrafast"},
    "FFV1 (lossless, fast; LeRobot 0.6.1 cannot read it)": {
        "vcodec": "ffv1",
        "extra_options": {},
        "crf": None,
        "preset": None,
    },
}
DEFAULT_ALTERNATIVES = [
    "Lossy HEVC (crf 20)",
    "HEVC lossless, preset ultrafast",
    "FFV1 (lossless, fast; LeRobot 0.6.1 cannot read it)",
]


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
    fps: float,
    max_frames: float,
    settings: AppSettings,
) -> tuple[SessionState, str]:
    """Load the bundled depth clip, uploaded depth files, or frames from a RealSense."""
    limit = int(max_frames)
    if source == BUNDLED:
        state.depth_clip = load_depth_clip([settings.bundled_depth], max_frames=limit)
    elif source == REALSENSE:
        state.depth_clip = capture_realsense_depth(limit)
    elif not files:
        raise gr.Error("Upload a .npy or .npz depth file or 16-bit PNG frames first.")
    else:
        state.depth_clip = load_depth_clip(files, fps=int(fps or 30), max_frames=limit)
    clip = state.depth_clip
    count, height, width = clip.depth.shape
    kind = "uint16 millimetres" if clip.unit == "mm" else "float32 metres"
    return (
        state,
        f"Loaded **{clip.name}**: {count} frames of {width}x{height} ({kind}), {clip.fps} fps.",
    )


@shows_library_errors
def run_depth_round_trip(
    state: SessionState,
    mark_invalid: bool,
    alternatives: list[str],
    *form: Any,
    settings: AppSettings,
    progress: gr.Progress,
) -> tuple[SessionState, str]:
    """Round-trip the session's depth clip through the chosen config and the alternatives."""
    if state.depth_clip is None:
        raise gr.Error("Load depth first.")
    base = depth_config_from_form(*form)
    configs = [("Your config", base)] + [
        (name, dataclasses.replace(base, **ALTERNATIVES[name])) for name in alternatives
    ]
    state.depth = compare_depth_encodings(
        state.depth_clip,
        configs,
        output_dir=state.work_dir(settings) / "depth",
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
    return state, f"Round-tripped {len(configs)} configurations.{note}"


def show_depth_results(state: SessionState, unit: str) -> list[Any]:
    """Table and charts of the last round trip, with lengths in ``unit`` (no re-encoding)."""
    if state.depth is None:
        hidden = gr.update(visible=False)
        return [hidden, hidden, hidden, hidden]
    config = state.depth.encodings[0].config
    quantization = DepthQuantization(
        depth_min=config.depth_min,
        depth_max=config.depth_max,
        shift=config.shift,
        use_log=config.use_log,
    )
    return [
        gr.update(value=depth_results_table(state.depth, unit), visible=True),
        gr.update(value=quantization_step_chart(quantization, unit), visible=True),
        gr.update(value=depth_tradeoff_chart(state.depth), visible=True),
        gr.update(maximum=len(state.depth.original_m) - 1, visible=True),
    ]


@shows_library_errors
def show_depth_frame(state: SessionState, frame: float) -> tuple[Any, Any]:
    """The original frame (click it to probe) and every round trip and error map."""
    if state.depth is None:
        return gr.update(visible=False), gr.update(visible=False)
    views = depth_frame_views(state.depth, int(frame))
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
def make_depth_preview(state: SessionState, settings: AppSettings) -> Any:
    """A browser-playable colour-mapped clip of the original depth."""
    if state.depth is None:
        return gr.update(visible=False)
    path = state.work_dir(settings) / "depth" / "preview.mp4"
    clip = depth_preview_clip(
        state.depth.original_m,
        path,
        fps=state.depth.clip.fps,
        value_range=state.depth.display_range(),
    )
    return gr.update(value=str(clip), visible=True)


def render(session: gr.State, settings: AppSettings) -> None:
    """Build the Depth tab and wire its events."""
    gr.Markdown(
        "Depth cameras give 16-bit millimetres or float metres. LeRobot stores depth as **12-bit "
        "codes** (log-spaced by default) in grey HEVC. See what a round trip keeps: quantize → "
        "encode → decode → dequantize, against the original, in mm or m."
    )
    with gr.Row():
        source = gr.Radio([BUNDLED, UPLOAD, REALSENSE], value=BUNDLED, label="Depth source")
        max_frames = gr.Slider(1, settings.max_frames, value=30, step=1, label="Frames to use")
        unit = gr.Radio(["mm", "m"], value="mm", label="Show values in")
    with gr.Row():
        files = gr.File(
            label="Depth (.npy, .npz, or 16-bit PNG frames in mm)",
            file_count="multiple",
            file_types=[".npy", ".npz", ".png"],
            visible=False,
        )
        fps = gr.Number(value=30, precision=0, label="Frame rate (fps)", visible=False)
        camera_note = gr.Markdown()
    with gr.Row(equal_height=False):
        with gr.Column():
            gr.Markdown("**Quantizer** (metres)")
            depth_min = gr.Number(0.01, label="Nearest depth, code 0 (depth_min, m)")
            depth_max = gr.Number(10.0, label="Farthest depth, code 4095 (depth_max, m)")
            shift = gr.Number(
                3.5, label="Log shift (shift, m)", info="Larger = steps more even across the range."
            )
            use_log = gr.Checkbox(True, label="Logarithmic steps (use_log)")
            mark_invalid = gr.Checkbox(
                True,
                label="Keep 'no reading' pixels invalid",
                info="LeRobot turns 0/NaN into depth_min (10 mm).",
            )
        with gr.Column():
            gr.Markdown("**Depth encoder**")
            vcodec = gr.Dropdown(["hevc", "ffv1"], value="hevc", label="Encoder (vcodec)")
            pix_fmt = gr.Dropdown(
                ["gray12le", "yuv420p12le"], value="gray12le", label="Pixel format (pix_fmt)"
            )
            g = gr.Number(2, precision=0, label="Keyframe interval (GOP, g)")
            crf = gr.Number(
                30, label="Constant rate factor (CRF)", info="No effect while lossless is on."
            )
            preset = gr.Textbox("", label="Preset", info="Blank = medium (LeRobot's default).")
            lossless = gr.Checkbox(True, label="Lossless (x265-params lossless=1)")
        alternatives = gr.CheckboxGroup(
            list(ALTERNATIVES), value=DEFAULT_ALTERNATIVES, label="Also compare"
        )
    run = gr.Button("Round trip", variant="primary")
    status = gr.Markdown()
    table = gr.Dataframe(
        headers=DEPTH_TABLE_HEADERS,
        label="Depth round trips",
        interactive=False,
        wrap=True,
        visible=False,
    )
    with gr.Row():
        step_chart = gr.Plot(label="Quantization step", visible=False)
        tradeoff = gr.Plot(label="Size vs speed", visible=False)
    frame = gr.Slider(0, 29, value=0, step=1, label="Frame", visible=False)
    with gr.Row(equal_height=False):
        original = gr.Image(
            label="Original: click a pixel to read its depth",
            interactive=False,
            visible=False,
            elem_id="depth-original",
        )
        probe = gr.Markdown("Click the original frame to read the depth under a pixel.")
    views = gr.Gallery(
        label="Round trips, then error maps (black = exact, yellow >= 10 mm; magenta = no "
        "reading or outside the quantizer range)",
        columns=4,
        height="auto",
        visible=False,
    )
    preview = gr.Video(
        label="Original depth, colour-mapped H.264 preview", visible=False, height=360
    )
    point = gr.State(None)

    form = [depth_min, depth_max, shift, use_log, vcodec, pix_fmt, g, crf, preset, lossless]
    source.change(
        choose_depth_source,
        source,
        [files, fps, camera_note],
        api_name="choose_depth_source",
        api_visibility="private",
    )

    def load(
        state: SessionState, src: str, fls: list[str] | None, rate: float, limit: float
    ) -> tuple[SessionState, str]:
        return load_depth(state, src, fls, rate, limit, settings)

    def round_trip(
        state: SessionState,
        invalid: bool,
        alts: list[str],
        *values: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> tuple[SessionState, str]:
        return run_depth_round_trip(
            state, invalid, alts, *values, settings=settings, progress=progress
        )

    def select(
        state: SessionState, index: float, shown: str, evt: gr.SelectData
    ) -> tuple[list[int], str]:
        return evt.index, probe_depth_pixel(state, index, shown, evt.index)

    results = [table, step_chart, tradeoff, frame]
    run.click(
        load, [session, source, files, fps, max_frames], [session, status], api_name="load_depth"
    ).success(
        round_trip,
        [session, mark_invalid, alternatives, *form],
        [session, status],
        api_name="run_depth_round_trip",
    ).success(show_depth_results, [session, unit], results, api_name="show_depth_results").success(
        show_depth_frame, [session, frame], [original, views], api_name="show_depth_frame"
    ).success(
        lambda state: make_depth_preview(state, settings),
        session,
        preview,
        api_name="make_depth_preview",
    )
    frame.release(
        show_depth_frame,
        [session, frame],
        [original, views],
        api_name="show_depth_frame_at",
        api_visibility="private",
    )
    unit.change(
        show_depth_results,
        [session, unit],
        results,
        api_name="show_depth_results_in",
        api_visibility="private",
    ).then(
        probe_depth_pixel,
        [session, frame, unit, point],
        probe,
        api_name="probe_depth_pixel_in",
        api_visibility="private",
    )
    original.select(
        select,
        [session, frame, unit],
        [point, probe],
        api_name="probe_depth_pixel",
        api_visibility="private",
    )
