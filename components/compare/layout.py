"""The Compare page's components, laid out; ``tab`` wires their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.compare.charts import TABLE_HEADERS
from components.compare.handlers import BUNDLED, DEFAULT_CONFIGS, MAX_FORMS, UPLOAD
from components.state import AppSettings
from components.widgets import EncoderForm, encoder_form

SHOWN_FORMS = 3


@dataclass(frozen=True)
class ComparePage:
    """Every component of the Compare page that an event reads or writes."""

    source: gr.Radio
    max_frames: gr.Slider
    count: gr.Slider
    files: gr.File
    fps: gr.Number
    forms: list[EncoderForm]
    compare: gr.Button
    status: gr.Markdown
    table: gr.Dataframe
    chart: gr.Plot
    frame: gr.Slider
    decoded: gr.Gallery
    heatmaps: gr.Gallery
    players: list[Any]

    @property
    def knobs(self) -> list[Any]:
        """Every form's values, name first, form after form (``run_comparison``'s order)."""
        return [knob for form in self.forms for knob in form.knobs]


def _clip_inputs(settings: AppSettings) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Row():
        parts["source"] = gr.Radio([BUNDLED, UPLOAD], value=BUNDLED, label="Clip")
        parts["max_frames"] = gr.Slider(
            10, settings.max_frames, value=100, step=1, label="Frames to use"
        )
        parts["count"] = gr.Slider(
            2, MAX_FORMS, value=SHOWN_FORMS, step=1, label="Configurations to compare"
        )
    with gr.Row():
        parts["files"] = gr.File(
            label="Video file, or image frames (sorted by name)",
            file_count="multiple",
            file_types=["video", "image", ".npz"],
            visible=False,
        )
        parts["fps"] = gr.Number(
            value=None,
            label="Frame rate (fps)",
            info="Blank keeps a video's own rate; image frames then play at 30 fps.",
            precision=0,
            visible=False,
        )
    with gr.Row(equal_height=False):
        parts["forms"] = [
            encoder_form(
                title,
                config,
                visible=i < SHOWN_FORMS,
                show_help=i == 0,
            )
            for i, (title, config) in enumerate(DEFAULT_CONFIGS)
        ]
    return parts


def _results() -> dict[str, Any]:
    # Results stay hidden until a comparison fills them: an empty plot reads as a failure.
    parts: dict[str, Any] = {
        "table": gr.Dataframe(
            headers=TABLE_HEADERS, label="Results", interactive=False, wrap=True, visible=False
        ),
        "chart": gr.Plot(label="Size, quality and load time", visible=False),
        "frame": gr.Slider(0, 99, value=0, step=1, label="Frame", visible=False),
        "decoded": gr.Gallery(label="Decoded frames", columns=5, height="auto", visible=False),
        "heatmaps": gr.Gallery(
            label="Difference against the original", columns=4, height="auto", visible=False
        ),
    }
    players: list[Any] = []
    with gr.Row():
        for i in range(MAX_FORMS):
            with gr.Column(min_width=200):
                players.append(gr.Video(label=f"Encoding {i + 1}", visible=False, loop=True))
                players.append(gr.File(label="Download MP4", visible=False))
    return parts | {"players": players}


def build_compare_page(settings: AppSettings) -> ComparePage:
    """Lay out the Compare page: the clip, the encoder forms, then the (hidden) results."""
    gr.Markdown(
        "Encode one clip with up to four encoder configurations and compare file size, "
        "encode speed, random-access load time and fidelity. Sizes and load times are "
        "measured against the same frames stored as PNG, as in LeRobot's video benchmark."
    )
    inputs = _clip_inputs(settings)
    compare = gr.Button("Compare", variant="primary")
    status = gr.Markdown()
    return ComparePage(**inputs, compare=compare, status=status, **_results())
