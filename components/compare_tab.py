"""Compare tab: encode one clip with 2-4 encoder configs and see size, speed and fidelity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from components.charts import TABLE_HEADERS, results_table, tradeoff_chart
from components.feedback import progress_callback, shows_library_errors
from components.state import AppSettings, SessionState
from components.widgets import (
    KNOBS_PER_FORM,
    EncoderForm,
    config_from_form,
    encoder_form,
    form_values,
    pixel_formats_for,
    validate_form,
)
from lerobot_video import (
    RGBEncoderConfig,
    compare_encodings,
    compare_frame,
    load_clip,
    load_image_sequence,
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


@shows_library_errors
def load_compare_clip(
    state: SessionState,
    source: str,
    files: list[str] | None,
    sequence_fps: float,
    max_frames: float,
    settings: AppSettings,
) -> tuple[SessionState, str]:
    """Load the bundled clip or the uploaded files into the session."""
    limit = int(max_frames)
    if source == BUNDLED:
        state.clip = load_clip(settings.bundled_clip, max_frames=limit)
    elif not files:
        raise gr.Error("Upload a video file or image frames first, or pick the bundled clip.")
    elif len(files) == 1 and not Path(files[0]).suffix.lower().startswith((".png", ".jp")):
        state.clip = load_clip(files[0], max_frames=limit)
    else:
        state.clip = load_image_sequence(files, fps=int(sequence_fps or 30), max_frames=limit)
    clip = state.clip
    shape = clip.frames.shape
    cut = f" (first {len(clip.frames)} of {clip.truncated_from})" if clip.truncated_from else ""
    size = f"{shape[2]}x{shape[1]}"
    return state, f"Loaded **{clip.name}**: {shape[0]} frames{cut}, {size}, {clip.fps} fps."


@shows_library_errors
def run_comparison(
    state: SessionState,
    count: float,
    *knobs: Any,
    settings: AppSettings,
    progress: gr.Progress,
) -> list[Any]:
    """Encode the session's clip with every shown config and display the measurements."""
    if state.clip is None:
        raise gr.Error("Load a clip first.")
    forms = [knobs[i * KNOBS_PER_FORM : (i + 1) * KNOBS_PER_FORM] for i in range(int(count))]
    configs = [
        (str(f[0]).strip() or f"Config {i + 1}", config_from_form(*f[1:]))
        for i, f in enumerate(forms)
    ]
    folder = state.work_dir(settings) / "compare"
    state.report = compare_encodings(
        state.clip.frames,
        configs,
        fps=state.clip.fps,
        output_dir=folder,
        progress=progress_callback(progress, "Encoding and measuring"),
    )
    report = state.report
    players: list[Any] = []
    for i in range(MAX_FORMS):
        enc = report.encodings[i] if i < len(report.encodings) else None
        if enc is None:
            players.append(gr.update(value=None, visible=False))
            players.append(gr.update(value=None, visible=False))
            continue
        note = "" if enc.browser.plays_in_browsers else " (H.264 preview)"
        players.append(gr.update(value=str(enc.preview_path), visible=True, label=enc.label + note))
        players.append(gr.update(value=str(enc.path), visible=True))
    status = (
        f"Compared {len(report.encodings)} configurations on {report.num_frames} frames. "
        "Drag the frame slider to inspect decoded frames and their error."
    )
    frame = gr.update(maximum=report.num_frames - 1, value=0, visible=True)
    table = gr.update(value=results_table(report), visible=True)
    chart = gr.update(value=tradeoff_chart(report), visible=True)
    return [state, status, table, chart, frame, *players]


@shows_library_errors
def show_frame(state: SessionState, frame_index: float) -> tuple[Any, Any]:
    """Show one frame as decoded by each encoding, with its error heatmap."""
    if state.report is None or state.clip is None:
        return gr.update(visible=False), gr.update(visible=False)
    index = int(frame_index)
    reference = state.clip.frames[index]
    views = compare_frame(state.report, reference, index)
    decoded = [(reference, f"Original · frame {index}")] + [
        (v.decoded, f"{v.label} · {v.psnr_db:.1f} dB") for v in views
    ]
    heatmaps = [
        (v.heatmap, f"{v.label} · error (black = exact, yellow ≥ 32 levels)") for v in views
    ]
    return gr.update(value=decoded, visible=True), gr.update(value=heatmaps, visible=True)


def render(session: gr.State, settings: AppSettings) -> None:
    """Build the Compare tab and wire its events."""
    gr.Markdown(
        "Encode one clip with up to four encoder configurations and compare file size, "
        "encode speed, random-access load time and fidelity. Sizes and load times are "
        "measured against the same frames stored as PNG, as in LeRobot's video benchmark."
    )
    with gr.Row():
        source = gr.Radio([BUNDLED, UPLOAD], value=BUNDLED, label="Clip")
        max_frames = gr.Slider(10, settings.max_frames, value=100, step=1, label="Frames to use")
        count = gr.Slider(2, MAX_FORMS, value=3, step=1, label="Configurations to compare")
    with gr.Row():
        files = gr.File(
            label="Video file, or image frames (sorted by name)",
            file_count="multiple",
            file_types=["video", "image", ".npz"],
            visible=False,
        )
        sequence_fps = gr.Number(
            value=30, label="Frame rate of an image sequence (fps)", precision=0, visible=False
        )
    with gr.Row(equal_height=False):
        forms: list[EncoderForm] = [
            encoder_form(
                title,
                config,
                visible=i < 3,
                verdict=validate_form(*form_values(config)),
                show_help=i == 0,
            )
            for i, (title, config) in enumerate(DEFAULT_CONFIGS)
        ]
    compare_button = gr.Button("Compare", variant="primary")
    status = gr.Markdown()
    # Results stay hidden until a comparison fills them: an empty plot reads as a failure.
    table = gr.Dataframe(
        headers=TABLE_HEADERS, label="Results", interactive=False, wrap=True, visible=False
    )
    chart = gr.Plot(label="Size, quality and load time", visible=False)
    frame = gr.Slider(0, 99, value=0, step=1, label="Frame", visible=False)
    decoded = gr.Gallery(label="Decoded frames", columns=5, height="auto", visible=False)
    heatmaps = gr.Gallery(
        label="Difference against the original", columns=4, height="auto", visible=False
    )
    players: list[Any] = []
    with gr.Row():
        for i in range(MAX_FORMS):
            with gr.Column(min_width=200):
                players.append(gr.Video(label=f"Encoding {i + 1}", visible=False, loop=True))
                players.append(gr.File(label="Download MP4", visible=False))

    source.change(
        choose_clip_source,
        source,
        [files, sequence_fps],
        api_name="choose_clip_source",
        api_visibility="private",
    )
    count.change(
        show_forms,
        count,
        [f.column for f in forms],
        api_name="show_forms",
        api_visibility="private",
    )
    for i, form in enumerate(forms):
        form.vcodec.change(
            pixel_formats_for,
            [form.vcodec, form.pix_fmt],
            form.pix_fmt,
            api_name=f"pixel_formats_for_{i + 1}",
            api_visibility="private",
        )
        gr.on(
            [knob.change for knob in form.knobs[1:]],
            validate_form,
            form.knobs[1:],
            form.verdict,
            api_name=f"validate_form_{i + 1}",
            api_visibility="private",
            trigger_mode="always_last",
        )
    all_knobs = [knob for form in forms for knob in form.knobs]

    def load(
        state: SessionState, src: str, fls: list[str] | None, fps: float, limit: float
    ) -> tuple[SessionState, str]:
        return load_compare_clip(state, src, fls, fps, limit, settings)

    def compare(
        state: SessionState,
        n: float,
        *knobs: Any,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> list[Any]:
        return run_comparison(state, n, *knobs, settings=settings, progress=progress)

    compare_button.click(
        load,
        [session, source, files, sequence_fps, max_frames],
        [session, status],
        api_name="load_compare_clip",
    ).success(
        compare,
        [session, count, *all_knobs],
        [session, status, table, chart, frame, *players],
        api_name="run_comparison",
    ).success(show_frame, [session, frame], [decoded, heatmaps], api_name="show_frame")
    frame.release(
        show_frame,
        [session, frame],
        [decoded, heatmaps],
        api_name="show_frame_at",
        api_visibility="private",
    )
