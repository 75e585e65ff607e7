"""The Record page's components, laid out; ``record_tab`` wires their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.depth_form import DepthEncoderForm, depth_encoder_form
from components.record.view import EPISODE_HEADERS, SHORTCUT_KEYS, SHORTCUTS_HTML, SHORTCUTS_JS
from components.widgets import EncoderForm, encoder_form
from lerobot_video import DepthEncoderConfig, RGBEncoderConfig

PREVIEW_HEIGHT_PX = 300
THUMBNAILS_HEIGHT_PX = 230  # one row of five below the label; more episodes scroll


@dataclass(frozen=True)
class RecordPage:
    """Every component of the Record page that an event reads or writes."""

    source: gr.Radio
    rescan: gr.Button
    source_note: gr.Markdown
    webcam: gr.Image
    start_preview: gr.Button
    stop_preview: gr.Button
    summary: gr.Markdown
    form_column: gr.Column
    name: gr.Textbox
    fps: gr.Number
    camera: gr.Textbox
    task: gr.Textbox
    robot_type: gr.Textbox
    realtime: gr.Checkbox
    form_verdict: gr.Markdown
    rgb_form: EncoderForm
    depth_accordion: gr.Accordion
    rgb_accordion: gr.Accordion
    depth_form: DepthEncoderForm
    color_preview: gr.Image
    depth_preview: gr.Image
    far_m: gr.Slider
    stats: gr.HTML
    start_episode: gr.Button
    stop_episode: gr.Button
    discard: gr.Button
    status: gr.Markdown
    episodes: gr.Dataframe
    thumbnails: gr.Gallery
    zip: gr.Button
    download: gr.File
    timer: gr.Timer

    @property
    def dataset_form(self) -> list[Any]:
        """Name, fps, task, robot type, camera name, real-time: ``start_episode``'s form."""
        return [self.name, self.fps, self.task, self.robot_type, self.camera, self.realtime]

    @property
    def verdict_inputs(self) -> list[Any]:
        """Name, fps, task and camera name: what the form's live verdict checks."""
        return [self.name, self.fps, self.task, self.camera]

    @property
    def encoder_knobs(self) -> list[Any]:
        """The RGB form's values (without its name) followed by the depth form's."""
        return [*self.rgb_form.knobs[1:], *self.depth_form.knobs]

    @property
    def layout(self) -> list[Any]:
        """What ``record_tab.layout`` updates, in its order."""
        return [
            self.form_column,
            self.summary,
            self.source,
            self.start_preview,
            self.stop_preview,
            self.start_episode,
            self.stop_episode,
            self.discard,
            self.zip,
        ]


def _source_column(choices: list[str], note: str) -> dict[str, Any]:
    with gr.Row():
        source = gr.Radio(choices, value=choices[0], label="Source", scale=4)
        rescan = gr.Button("Rescan", size="sm", scale=0, min_width=80)
    parts: dict[str, Any] = {"source": source, "rescan": rescan, "source_note": gr.Markdown(note)}
    parts["webcam"] = gr.Image(
        sources=["webcam"],
        streaming=True,
        type="numpy",
        label="This page's camera",
        webcam_options=gr.WebcamOptions(mirror=False),
        visible=False,
    )
    with gr.Row():
        parts["start_preview"] = gr.Button("Start preview", variant="primary")
        parts["stop_preview"] = gr.Button("Stop preview", interactive=False)
    parts["summary"] = gr.Markdown(visible=False)
    return parts


def _dataset_form(depth_visible: bool, verdict: str) -> dict[str, Any]:
    with gr.Column() as form_column:
        parts: dict[str, Any] = {"form_column": form_column}
        parts["name"] = gr.Textbox(
            "my_dataset",
            label="Dataset name",
            max_lines=1,
            info="A new folder: letters, digits, '.', '_' or '-' (e.g. pick_cube).",
        )
        parts["task"] = gr.Textbox(
            "", label="Task", placeholder="e.g. pick up the red cube", max_lines=1
        )
        parts["camera"] = gr.Textbox(
            "front",
            label="Camera name",
            max_lines=1,
            info="Letters, digits and '_'; stored as observation.images.<name> "
            "(and <name>_depth for depth).",
        )
        with gr.Row():
            parts["fps"] = gr.Number(30, label="Frames per second (fps)", precision=0)
            parts["robot_type"] = gr.Textbox(
                "", label="Robot type (optional)", placeholder="e.g. aloha", max_lines=1
            )
        parts["realtime"] = gr.Checkbox(
            False,
            label="Real-time: drop frames when an encoder falls behind",
            info="Off (LeRobot's behaviour): capture waits for the encoders instead.",
        )
        parts["form_verdict"] = gr.Markdown(verdict, elem_id="record-verdict")
        with gr.Accordion("Colour encoder (LeRobot default: AV1)", open=False) as rgb_accordion:
            parts["rgb_form"] = encoder_form(
                "Colour",
                RGBEncoderConfig(),
                visible=True,
                show_help=True,
                named=False,
            )
        with gr.Accordion(
            "Depth encoder (LeRobot default: lossless 12-bit HEVC)",
            open=False,
            visible=depth_visible,
        ) as depth_accordion:
            parts["depth_form"] = depth_encoder_form(DepthEncoderConfig())
        parts["depth_accordion"] = depth_accordion
        parts["rgb_accordion"] = rgb_accordion
    return parts


def _recording_column(depth_visible: bool, stats: str) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Row(equal_height=True):
        parts["color_preview"] = gr.Image(
            label="Colour", interactive=False, format="jpeg", height=PREVIEW_HEIGHT_PX
        )
        parts["depth_preview"] = gr.Image(
            label="Depth (near = blue, far = red)",
            interactive=False,
            format="jpeg",
            height=PREVIEW_HEIGHT_PX,
            visible=depth_visible,
        )
    parts["far_m"] = gr.Slider(
        0.5, 10, value=2.0, step=0.1, label="Depth colours: far end (m)", visible=depth_visible
    )
    parts["stats"] = gr.HTML(stats)
    with gr.Row():
        parts["start_episode"] = gr.Button(
            "● Start episode (R)", variant="primary", interactive=False, elem_id=SHORTCUT_KEYS["r"]
        )
        parts["stop_episode"] = gr.Button(
            "■ Stop and save (S)", interactive=False, elem_id=SHORTCUT_KEYS["s"]
        )
        parts["discard"] = gr.Button(
            "✕ Discard (X)", variant="stop", interactive=False, elem_id=SHORTCUT_KEYS["x"]
        )
    gr.HTML(SHORTCUTS_HTML, js_on_load=SHORTCUTS_JS)
    parts["status"] = gr.Markdown("No episodes yet.")
    parts["episodes"] = gr.Dataframe(
        headers=EPISODE_HEADERS, label="Episodes", interactive=False, visible=False
    )
    parts["thumbnails"] = gr.Gallery(
        label="First frame of each episode",
        columns=5,
        fit_columns=False,  # small thumbnails even for the first episodes
        height=THUMBNAILS_HEIGHT_PX,
        visible=False,
        elem_id="record-thumbnails",
    )
    with gr.Row():
        parts["zip"] = gr.Button("Zip the dataset for download", interactive=False)
        parts["download"] = gr.File(label="Dataset zip", visible=False, interactive=False)
    return parts


def build_record_page(
    choices: list[str], note: str, *, depth_visible: bool, stats: str, verdict: str
) -> RecordPage:
    """Lay out the Record page: source and dataset form left, preview and episodes right.

    Args:
        choices: The source radio's choices; the first is selected.
        note: What the first source's note says.
        depth_visible: Whether the first source has depth (shows the depth widgets).
        stats: The stats block's first content.
        verdict: What the dataset form's check says before the user types.
    """
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=320):
            left = _source_column(choices, note) | _dataset_form(depth_visible, verdict)
        with gr.Column(scale=3, min_width=420):
            right = _recording_column(depth_visible, stats)
    return RecordPage(**left, **right, timer=gr.Timer(0.3, active=False))
