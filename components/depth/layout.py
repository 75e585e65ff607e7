"""The Depth page's components, laid out; ``tab`` wires their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.depth.charts import DEPTH_TABLE_HEADERS, DEPTH_TABLE_WIDTHS
from components.depth.handlers import (
    ALTERNATIVES,
    BUNDLED,
    DEFAULT_ALTERNATIVES,
    PROBE_HINT,
    REALSENSE,
    UPLOAD,
)
from components.depth_form import DepthEncoderForm, depth_encoder_form
from components.state import AppSettings
from lerobot_video import DepthEncoderConfig


@dataclass(frozen=True)
class DepthPage:
    """Every component of the Depth page that an event reads or writes."""

    source: gr.Radio
    max_frames: gr.Slider
    unit: gr.Radio
    files: gr.File
    fps: gr.Number
    camera_note: gr.Markdown
    form: DepthEncoderForm
    mark_invalid: gr.Checkbox
    alternatives: gr.CheckboxGroup
    run: gr.Button
    loaded: gr.Markdown
    status: gr.Markdown
    table: gr.Dataframe
    step_chart: gr.Plot
    tradeoff: gr.Plot
    frame: gr.Slider
    original: gr.Image
    probe: gr.Markdown
    views: gr.Gallery
    preview: gr.Video
    point: gr.State

    @property
    def results(self) -> list[Any]:
        """What ``show_depth_results`` updates, in its order."""
        return [self.table, self.step_chart, self.tradeoff, self.frame]


def _inputs(settings: AppSettings) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Row():
        parts["source"] = gr.Radio(
            [BUNDLED, UPLOAD, REALSENSE], value=BUNDLED, label="Depth source"
        )
        parts["max_frames"] = gr.Slider(
            1, settings.max_frames, value=30, step=1, label="Frames to use"
        )
        parts["unit"] = gr.Radio(["mm", "m"], value="mm", label="Show values in")
    with gr.Row():
        parts["files"] = gr.File(
            label="Depth (.npy, .npz, or 16-bit PNG frames in mm)",
            file_count="multiple",
            file_types=[".npy", ".npz", ".png"],
            visible=False,
        )
        parts["fps"] = gr.Number(value=30, precision=0, label="Frame rate (fps)", visible=False)
        parts["camera_note"] = gr.Markdown()
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            parts["form"] = depth_encoder_form(DepthEncoderConfig(), side_by_side=True)
        with gr.Column(scale=1, min_width=220):
            parts["mark_invalid"] = gr.Checkbox(
                True,
                label="Keep 'no reading' pixels invalid",
                info="Off: as LeRobot does, 0/NaN become depth_min (a real-looking depth).",
            )
            parts["alternatives"] = gr.CheckboxGroup(
                list(ALTERNATIVES),
                value=DEFAULT_ALTERNATIVES,
                label="Also compare",
                info="Each keeps your quantizer and changes what its name says.",
            )
    return parts


def _results() -> dict[str, Any]:
    parts: dict[str, Any] = {
        "table": gr.Dataframe(
            headers=DEPTH_TABLE_HEADERS,
            label="Depth round trips (error: decoded minus original depth, over pixels with a "
            "reading inside [depth_min, depth_max]; lossless rows keep only the 12-bit rounding)",
            interactive=False,
            wrap=True,
            visible=False,
            column_widths=DEPTH_TABLE_WIDTHS,
            elem_id="depth-table",
        )
    }
    with gr.Row():
        parts["step_chart"] = gr.Plot(label="Quantization step", visible=False)
        parts["tradeoff"] = gr.Plot(label="Size vs speed", visible=False)
    parts["frame"] = gr.Slider(
        0,
        29,
        value=0,
        step=1,
        label="Frame",
        info="Drag, or type a frame number and leave the box (Tab).",
        visible=False,
    )
    with gr.Row(equal_height=False):
        parts["original"] = gr.Image(
            label="Original (dark grey: no reading): click a pixel to read its depth",
            interactive=False,
            visible=False,
            elem_id="depth-original",
        )
        parts["probe"] = gr.Markdown(PROBE_HINT, visible=False, elem_id="depth-probe")
    parts["views"] = gr.Gallery(
        label="One column per configuration: its round trip, then its error map (black = exact, "
        "yellow >= 10 mm; dark grey = no reading or outside the quantizer range)",
        columns=4,
        height="auto",
        object_fit="contain",  # whole frames: the default crops their sides
        visible=False,
        elem_id="depth-views",
    )
    parts["preview"] = gr.Video(
        label="Original depth, colour-mapped H.264 preview", visible=False, height=360
    )
    return parts


def build_depth_page(settings: AppSettings) -> DepthPage:
    """Lay out the Depth page: source, quantizer and encoder, then the (hidden) results."""
    gr.Markdown(
        "Depth cameras give 16-bit millimetres or float metres. LeRobot stores depth as **12-bit "
        "codes** (log-spaced by default) in grey HEVC. See what a round trip keeps: quantize → "
        "encode → decode → dequantize, against the original, in mm or m."
    )
    inputs = _inputs(settings)
    run = gr.Button("Round trip", variant="primary")
    # Two lines, so the round trip's outcome does not hide what was loaded (and how).
    loaded = gr.Markdown(elem_id="depth-loaded")
    status = gr.Markdown(elem_id="depth-status")
    return DepthPage(
        **inputs, run=run, loaded=loaded, status=status, **_results(), point=gr.State(None)
    )
