"""The Inspect page's components, laid out; ``tab`` wires their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.inspect.charts import FEATURE_HEADERS, REPORT_HEADERS, REPORT_WIDTHS
from components.inspect.episode import MAX_CAMERAS, UNITS
from components.inspect.sources import TOKEN_NOTE


@dataclass(frozen=True)
class InspectPage:
    """Every component of the Inspect page that an event reads or writes."""

    repo_id: gr.Textbox
    revision: gr.Textbox
    token: gr.Textbox
    open_hub: gr.Button
    local: gr.Dropdown
    open_local: gr.Button
    status: gr.Markdown
    results: gr.Column
    summary: gr.Markdown
    features: gr.Dataframe
    report: gr.Dataframe
    findings: gr.HTML
    carry_feature: gr.Dropdown
    carry: gr.Button
    episode: gr.Dropdown
    episode_status: gr.Markdown
    play: gr.Button
    pause: gr.Button
    players: list[gr.Video]
    frame: gr.Slider
    unit: gr.Radio
    images: list[gr.Image]
    readout: gr.Markdown
    plot: gr.Plot
    push_box: gr.Accordion
    push_repo: gr.Textbox
    push_token: gr.Textbox
    push_private: gr.Checkbox
    push: gr.Button
    push_status: gr.Markdown

    @property
    def dataset_views(self) -> list[Any]:
        """What ``show_dataset`` updates, in its order."""
        return [
            self.results,
            self.summary,
            self.features,
            self.report,
            self.findings,
            self.episode,
            self.carry_feature,
            self.push_box,
        ]


def _chooser() -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Row(equal_height=False):
        with gr.Column(scale=3), gr.Group():
            with gr.Row():
                parts["repo_id"] = gr.Textbox(
                    label="Hub dataset (namespace/name)",
                    placeholder="lerobot/pusht",
                    scale=3,
                    elem_id="inspect-repo",
                )
                parts["revision"] = gr.Textbox(
                    label="Revision (optional)", placeholder="v3.0", scale=1
                )
            parts["token"] = gr.Textbox(
                label="Token (optional, for private or gated datasets)",
                type="password",
                info=TOKEN_NOTE,
            )
            parts["open_hub"] = gr.Button("Open from the Hub", variant="primary")
        with gr.Column(scale=2), gr.Group():
            parts["local"] = gr.Dropdown(
                [], label="Or a dataset on this server", elem_id="inspect-local"
            )
            parts["open_local"] = gr.Button("Open this dataset")
    return parts


def _encoding() -> dict[str, Any]:
    parts: dict[str, Any] = {"summary": gr.Markdown(elem_id="inspect-summary")}
    with gr.Accordion("Features (info.json)", open=False):
        parts["features"] = gr.Dataframe(
            headers=FEATURE_HEADERS, interactive=False, wrap=True, elem_id="inspect-features"
        )
    parts["report"] = gr.Dataframe(
        headers=REPORT_HEADERS,
        label="Encoding report: what the MP4s hold, measured from their indexes",
        interactive=False,
        wrap=True,
        column_widths=REPORT_WIDTHS,
        elem_id="inspect-report",
    )
    parts["findings"] = gr.HTML(elem_id="inspect-findings")
    with gr.Row(equal_height=True, elem_classes=["settings-bar"]):
        parts["carry_feature"] = gr.Dropdown([], label="Settings of", scale=2)
        parts["carry"] = gr.Button("Compare these settings", size="sm", scale=1)
    return parts


def _episode() -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Row(equal_height=True):
        parts["episode"] = gr.Dropdown([], label="Episode", scale=2, elem_id="inspect-episode")
        parts["play"] = gr.Button("Play all", size="sm", scale=1, elem_id="inspect-play")
        parts["pause"] = gr.Button("Pause all", size="sm", scale=1, elem_id="inspect-pause")
    parts["episode_status"] = gr.Markdown(elem_id="inspect-episode-status")
    with gr.Row(equal_height=False, elem_id="inspect-players"):
        parts["players"] = [
            gr.Video(
                visible=False,
                interactive=False,
                loop=True,
                height=260,
                elem_classes=["inspect-player"],
            )
            for _ in range(MAX_CAMERAS)
        ]
    with gr.Row(equal_height=True):
        parts["frame"] = gr.Slider(
            0, 1, value=0, step=1, label="Frame", scale=4, elem_id="inspect-frame"
        )
        parts["unit"] = gr.Radio(list(UNITS), value="mm", label="Depth unit", scale=1)
    with gr.Row(equal_height=False):
        parts["images"] = [
            gr.Image(visible=False, interactive=False, height=260, elem_classes=["inspect-frame"])
            for _ in range(MAX_CAMERAS)
        ]
    parts["readout"] = gr.Markdown(elem_id="inspect-readout")
    parts["plot"] = gr.Plot(
        label="Numeric columns over the episode", visible=False, elem_id="inspect-plot"
    )
    return parts


def _push() -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Accordion("Push to the Hub", open=False, visible=False) as box:
        with gr.Row():
            parts["push_repo"] = gr.Textbox(label="Repo id (namespace/name)", scale=2)
            parts["push_token"] = gr.Textbox(
                label="Token with write access", type="password", info=TOKEN_NOTE, scale=2
            )
            parts["push_private"] = gr.Checkbox(label="Private", value=False, scale=1)
        parts["push"] = gr.Button("Push to the Hub")
        parts["push_status"] = gr.Markdown(elem_id="inspect-push-status")
    return {**parts, "push_box": box}


def build_inspect_page() -> InspectPage:
    """Lay out the Inspect page: choose a dataset, then its encoding truth and one episode."""
    gr.Markdown(
        "See a LeRobot dataset's **encoding truth** in seconds: what its MP4s really hold "
        "(codec, keyframes, B-frames, bitrate, browser support, depth steps), checked against "
        "`info.json`. On the Hub only the metadata and the bytes looked at are fetched."
    )
    chooser = _chooser()
    status = gr.Markdown(elem_id="inspect-status")
    with gr.Column(visible=False) as results:
        parts = {**_encoding(), **_episode(), **_push()}
    return InspectPage(**chooser, status=status, results=results, **parts)
