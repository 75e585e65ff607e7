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
    DepthClip,
    DepthComparison,
    DepthEncoderConfig,
    LeRobotVideoError,
    capture_realsense_depth,
    codec_options,
    compare_depth_encodings,
    depth_frame_views,
    depth_preview_clip,
    is_lossless,
    load_depth_clip,
    realsense_devices,
    trial_encode,
    with_lossless,
)

BUNDLED = "Bundled ALOHA depth clip"
UPLOAD = "Upload .npy / .npz / 16-bit PNG frames"
REALSENSE = "RealSense camera"
PROBE_HINT = "Click the original frame to read the depth under a pixel."
SENSOR_RANGE_M = 10.0
"""About the farthest a RealSense D4xx camera measures. The bundled simulation renders its
background at about 83 m, which no depth camera returns: the bundled clip shows depth beyond
this as no reading, so its figures read like a real camera's."""
ALTERNATIVES: dict[str, tuple[str, bool, dict[str, Any]]] = {
    "Lossy HEVC, crf 20": ("hevc", False, {"crf": 20}),
    "Lossless HEVC, preset ultrafast": ("hevc", True, {"preset": "ultrafast"}),
    "Lossless HEVC, preset ultrafast, keyframe every 30 frames": (
        "hevc",
        True,
        {"g": 30, "preset": "ultrafast"},
    ),
    "Lossless FFV1 (LeRobot 0.6.1 cannot read it)": ("ffv1", True, {"crf": None, "preset": None}),
}
"""Name to (encoder, lossless, other changes) applied to the user's config. Each forces its
encoder and lossless mode, so its name holds whatever the user's config is."""
DEFAULT_ALTERNATIVES = [
    "Lossy HEVC, crf 20",
    "Lossless HEVC, preset ultrafast",
    "Lossless FFV1 (LeRobot 0.6.1 cannot read it)",
]
YOUR_CONFIG = "Your config"
_CODEC_NAMES = {"hevc": "HEVC", "ffv1": "FFV1"}


def alternative_config(base: DepthEncoderConfig, name: str) -> DepthEncoderConfig:
    """The user's config (quantizer, GOP…) changed as the alternative ``name`` says."""
    vcodec, lossless, changes = ALTERNATIVES[name]
    options = base.extra_options if vcodec == base.vcodec else {}  # another encoder's mean nothing
    return with_lossless(
        dataclasses.replace(base, vcodec=vcodec, extra_options=options, **changes), lossless
    )


def config_label(config: DepthEncoderConfig) -> str:
    """What ``config`` runs, in words: encoder, lossless or crf, preset, keyframe interval.

    Read from the FFmpeg options the config produces, so an option the encoder never gets
    (FFV1 has no preset or crf) is not named, and a blank one is named as the encoder's default.
    """
    options = codec_options(config)
    codec = _CODEC_NAMES.get(config.encoder, config.encoder)
    if is_lossless(config):
        words = [f"{codec} lossless"]
    else:
        words = [f"{codec} lossy, crf {options.get('crf', 'default')}"]
    if config.encoder == "hevc":
        words.append(f"preset {options.get('preset', 'medium')}")  # x265's own default
    g = options.get("g")
    if g is None:
        words.append("default keyframe interval")
    else:
        words.append("every frame a keyframe" if g == "1" else f"keyframe every {g} frames")
    return ", ".join(words)


def round_trip_configs(
    base: DepthEncoderConfig, alternatives: list[str]
) -> tuple[list[tuple[str, DepthEncoderConfig]], list[str]]:
    """The labelled configs a round trip runs: the user's, then each alternative that differs.

    Every label is :func:`config_label` of the config it names (the user's is prefixed
    "Your config: "). An alternative that would run what an earlier row runs is left out.

    Returns:
        ``(configs, same)``: the ``(label, config)`` pairs, and the alternatives left out.
    """
    configs = [(f"{YOUR_CONFIG}: {config_label(base)}", base)]
    seen, same = {config_label(base)}, []
    for name in alternatives:
        config = alternative_config(base, name)
        label = config_label(config)
        if label in seen:
            same.append(name)
        else:
            seen.add(label)
            configs.append((label, config))
    return configs, same


def _as_depth_camera(clip: DepthClip) -> tuple[DepthClip, float]:
    """``clip`` with depth beyond :data:`SENSOR_RANGE_M` as no reading, and the share of it.

    ``load_depth_clip`` returns a fresh array (it converts the frames it keeps), so the
    frames are changed in place rather than copied again.
    """
    depth = clip.depth if clip.depth.flags.writeable else clip.depth.copy()
    limit, no_reading = (SENSOR_RANGE_M, np.nan) if clip.unit == "m" else (SENSOR_RANGE_M * 1000, 0)
    beyond = depth > limit
    depth[beyond] = no_reading
    return dataclasses.replace(clip, depth=depth), float(beyond.mean())


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
    sensor_note = ""
    if source == BUNDLED:
        clip, beyond = _as_depth_camera(load_depth_clip([settings.bundled_depth], max_frames=limit))
        sensor_note = (
            f" The simulation puts its background at about 83 m; depth beyond "
            f"{SENSOR_RANGE_M:g} m is shown as no reading, as a RealSense would "
            f"({_percent(beyond)} of pixels)."
        )
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
    frames = "1 frame" if count == 1 else f"{count} frames"
    return (
        f"Loaded **{clip.name}**: {frames} of {width}x{height} ({kind}), {clip.fps} fps."
        f"{sensor_note}"
    )


def _percent(share: float) -> str:
    """``share`` (0..1) as a percentage that never reads 0 % or 100 % when it is not."""
    if 0 < share < 0.001:
        return "under 0.1 %"
    if 0.999 < share < 1:
        return "over 99.9 %"
    return f"{100 * share:.1f} %"


def _checked_alternatives(alternatives: object) -> list[str]:
    """``alternatives`` as known names; API callers can send anything."""
    if not isinstance(alternatives, list | None):
        raise gr.Error(f"Alternatives must be a list of names, got {alternatives!r:.60}.")
    names = alternatives or []
    unknown = [name for name in names if not isinstance(name, str) or name not in ALTERNATIVES]
    if unknown:
        raise gr.Error(f"Unknown alternatives {unknown}; choose from {list(ALTERNATIVES)}.")
    return names


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
    mark_invalid = flag(mark_invalid, "Keep 'no reading' pixels invalid (mark_invalid)")
    names = _checked_alternatives(alternatives)
    configs, same = round_trip_configs(depth_config_from_form(*form), names)
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
    return _round_trip_status(state.depth, same)


def _round_trip_status(comparison: DepthComparison, same: list[str]) -> str:
    count = len(comparison.encodings)
    lines = [f"Round-tripped {count} configuration{'' if count == 1 else 's'}."]
    if same:
        lines.append(f"Not run again (same as a row above): {', '.join(same)}.")
    quantization = comparison.encodings[0].config.quantization
    out_of_range = comparison.encodings[0].out_of_range_fraction
    if out_of_range:
        lines.append(
            f"{_percent(out_of_range)} of the pixels with a reading lie outside the quantizer's "
            f"range [{quantization.depth_min:g} m, {quantization.depth_max:g} m]: they are "
            "stored as the nearest end of the range, and left out of the error figures."
        )
    return " ".join(lines)


def clear_depth_results(state: SessionState) -> list[Any]:
    """Forget and hide the last round trip before a new one, so a failure shows nothing stale.

    Returns:
        The loaded-clip line, the status, updates hiding the table, both charts, frame
        slider (back to frame 0), original, gallery, preview and probe, then the probed
        point (none).
    """
    state.depth = None
    hidden = gr.update(visible=False)
    slider = gr.update(value=0, visible=False)
    # Both lines go blank rather than saying "loading…": a step that fails leaves its line as
    # it is (the toast says why), and it must not claim work is under way.
    return ["", "", *[hidden] * 3, slider, *[hidden] * 4, None]


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
    # One column per configuration: its round trip above its error map.
    columns = max(len(state.depth.encodings), 2)
    return (
        gr.update(value=views[0][1], visible=True),
        gr.update(value=gallery, columns=columns, visible=True),
    )


@shows_library_errors
def probe_depth_pixel(state: SessionState, frame: float, unit: str, point: list[int] | None) -> str:
    """Depth under the probed pixel of frame ``frame``, and each round trip's, in ``unit``."""
    if state.depth is None or not point:
        return PROBE_HINT
    index = whole_number(frame, "Frame", 0, state.depth.num_frames - 1)
    unit = choice(unit, "Unit", ("mm", "m"))
    col, row = int(point[0]), int(point[1])
    values = state.depth.values_at(index, row, col, unit)  # type: ignore[arg-type]
    digits = 2 if unit == "mm" else 5  # both show 0.01 mm

    def shown(value: float) -> str:
        return f"{value:.{digits}f} {unit}" if value == value else "no reading"

    lines = [
        f"**Pixel (x={col}, y={row}), frame {index}**",
        "",
        "| | depth | error |",
        "|---|---|---|",
        f"| Original | {shown(values['original'])} | |",
    ]
    lines += [
        f"| {e.label} | {shown(values[e.label])} | {shown(values[f'{e.label} error'])} |"
        for e in state.depth.encodings
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
