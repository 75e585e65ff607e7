"""The Compare page's components, laid out; ``tab`` wires their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.compare.charts import COLUMN_WIDTHS, TABLE_HEADERS, TABLE_NOTES
from components.compare.handlers import BUNDLED, DEFAULT_CONFIGS, MAX_FORMS, UPLOAD
from components.state import AppSettings
from components.widgets import EncoderForm, encoder_form

SHOWN_FORMS = 3


@dataclass(frozen=True)
class Player:
    """One encoding's player: the video, a caption saying what plays, its MP4 download."""

    column: gr.Column
    caption: gr.Markdown
    video: gr.Video
    download: gr.File

    @property
    def outputs(self) -> list[Any]:
        """The components ``run_comparison`` fills, in its order."""
        return [self.caption, self.video, self.download]


@dataclass(frozen=True)
class ComparePage:
    """Every component of the Compare page that an event reads or writes.

    Other pages' wiring may read it: ``forms[i].knobs`` are form *i*'s value components and
    ``count`` the number of configurations compared.
    """

    source: gr.Radio
    max_frames: gr.Slider
    count: gr.Slider
    files: gr.File
    fps: gr.Number
    forms: list[EncoderForm]
    compare: gr.Button
    status: gr.Markdown
    table: gr.Dataframe
    notes: gr.Markdown
    chart: gr.Plot
    frame: gr.Slider
    decoded: gr.Gallery
    heatmaps: gr.Gallery
    players: list[Player]

    @property
    def knobs(self) -> list[Any]:
        """Every form's values, name first, form after form (``run_comparison``'s order)."""
        return [knob for form in self.forms for knob in form.knobs]

    @property
    def results(self) -> list[Any]:
        """What ``run_comparison`` fills, in its order (``clear_results`` hides the same)."""
        shown = [self.status, self.table, self.notes, self.chart, self.frame]
        return shown + [part for player in self.players for part in player.outputs]


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
    # Every form carries the same help, so the forms' fields line up across the row.
    with gr.Row(equal_height=False):
        parts["forms"] = [
            encoder_form(title, config, visible=i < SHOWN_FORMS, show_help=True)
            for i, (title, config) in enumerate(DEFAULT_CONFIGS)
        ]
    return parts


def _players() -> list[Player]:
    players = []
    with gr.Row(elem_id="compare-players"):
        for _ in range(MAX_FORMS):
            # The column stays shown: in Gradio 6.31, parts updated by the event that shows
            # their hidden column stayed unrendered. compare.css collapses a column whose
            # parts are all hidden, so an unused player takes no room.
            with gr.Column(min_width=200, elem_classes="compare-player") as column:
                # The caption says what plays (the video's own label would be cut at this
                # width); under the video, so captions of different lengths keep videos level.
                video = gr.Video(show_label=False, loop=True, visible=False)
                caption = gr.Markdown(visible=False)
                download = gr.File(label="Download MP4", visible=False)
            players.append(Player(column, caption, video, download))
    return players


def _results() -> dict[str, Any]:
    # Results stay hidden until a comparison fills them: an empty plot reads as a failure.
    return {
        "table": gr.Dataframe(
            headers=TABLE_HEADERS,
            label="Results",
            interactive=False,
            wrap=True,
            column_widths=COLUMN_WIDTHS,
            visible=False,
            elem_id="compare-table",
        ),
        "notes": gr.Markdown(TABLE_NOTES, visible=False, elem_id="compare-table-notes"),
        "chart": gr.Plot(label="Size, quality and load time", visible=False),
        "frame": gr.Slider(
            0,
            99,
            value=0,
            step=1,
            label="Frame",
            info="Drag, or type a frame number.",
            visible=False,
        ),
        # "fit-content" (not "auto", which Gradio gives a 450 px floor) sizes a gallery to its
        # one row of pictures; ``show_frame`` sets one column per picture.
        "decoded": gr.Gallery(
            label="Decoded frames",
            height="fit-content",
            visible=False,
            elem_id="compare-decoded",
        ),
        "heatmaps": gr.Gallery(
            label="Difference against the original (black = exact, yellow = 32 or more levels)",
            height="fit-content",
            visible=False,
            elem_id="compare-heatmaps",
        ),
        "players": _players(),
    }


def build_compare_page(settings: AppSettings) -> ComparePage:
    """Lay out the Compare page: the clip, the encoder forms, then the (hidden) results."""
    gr.Markdown(
        "Encode one clip with up to four encoder configurations and compare file size, "
        "encode speed, random-access load time and fidelity. Sizes and load times are "
        "measured against the same frames stored as PNG, as in LeRobot's video benchmark."
    )
    inputs = _clip_inputs(settings)
    compare = gr.Button("Compare", variant="primary")
    status = gr.Markdown(elem_id="compare-status")
    return ComparePage(**inputs, compare=compare, status=status, **_results())
