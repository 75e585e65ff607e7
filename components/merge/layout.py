"""The Merge page's components, laid out as the wizard's steps; ``tab`` wires their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.merge.handlers import DATA_MB, MAX_KEY_SLOTS, MAX_SOURCES, VIDEO_MB


@dataclass(frozen=True)
class SourceRow:
    """One chosen source's row: its name and its buttons."""

    row: gr.Row
    label: gr.Markdown
    up: gr.Button
    remove: gr.Button


@dataclass(frozen=True)
class MergePage:
    """Every component of the Merge page that an event reads or writes."""

    local: gr.Dropdown
    add_local: gr.Button
    example: gr.Button
    repo_id: gr.Textbox
    add_hub: gr.Button
    upload: gr.File
    rows: list[SourceRow]
    clear: gr.Button
    status: gr.Markdown
    plan_box: gr.Column
    problems: gr.HTML
    summary: gr.HTML
    must_match: gr.HTML
    loose: gr.HTML
    keys_note: gr.Markdown
    keys_box: gr.Column
    keys: list[gr.Dropdown]
    name: gr.Textbox
    data_mb: gr.Number
    video_mb: gr.Number
    output_verdict: gr.Markdown
    run: gr.Button
    run_status: gr.Markdown
    result_box: gr.Column
    verification: gr.HTML
    open_inspect: gr.Button
    zip: gr.Button
    download: gr.File

    @property
    def views(self) -> list[Any]:
        """What ``merge_views`` updates, in its order."""
        rows = [part for r in self.rows for part in (r.row, r.label, r.up)]
        plan = [self.plan_box, self.problems, self.summary, self.must_match, self.loose]
        return [*rows, *plan, self.keys_note, self.keys_box, *self.keys, self.run]

    @property
    def output_form(self) -> list[Any]:
        """The output name and file size limits, in ``run_merge``'s order."""
        return [self.name, self.data_mb, self.video_mb]


def _pickers() -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Row(equal_height=False):
        with gr.Column(scale=2), gr.Group():
            parts["local"] = gr.Dropdown(
                [], label="A dataset on this server", elem_id="merge-local"
            )
            with gr.Row():
                parts["add_local"] = gr.Button("Add this dataset", elem_id="merge-add-local")
                parts["example"] = gr.Button("Example: sample + sample", elem_id="merge-example")
        with gr.Column(scale=2), gr.Group():
            parts["repo_id"] = gr.Textbox(
                label="Or a Hub dataset (namespace/name)",
                placeholder="lerobot/pusht",
                elem_id="merge-repo",
            )
            parts["add_hub"] = gr.Button("Add from the Hub")
        with gr.Column(scale=2):
            parts["upload"] = gr.File(
                label="Or upload a dataset zip",
                file_types=[".zip"],
                height=120,
                elem_id="merge-upload",
            )
    return parts


def _source_rows() -> list[SourceRow]:
    rows = []
    with gr.Column(elem_id="merge-source-rows"):
        for position in range(MAX_SOURCES):
            with gr.Row(visible=False, equal_height=True, elem_classes=["merge-source"]) as row:
                label = gr.Markdown(elem_classes=["merge-source-label"])
                up = gr.Button("Move up", size="sm", scale=0, min_width=90)
                remove = gr.Button(
                    "Remove", size="sm", scale=0, min_width=90, elem_id=f"merge-remove-{position}"
                )
            rows.append(SourceRow(row, label, up, remove))
    return rows


def _plan() -> dict[str, Any]:
    parts: dict[str, Any] = {}
    with gr.Column(visible=False, elem_id="merge-plan") as box:
        gr.Markdown("### 2. The plan")
        parts["problems"] = gr.HTML(elem_id="merge-problems")
        parts["summary"] = gr.HTML(elem_id="merge-summary")
        gr.Markdown("**Must match** (green: same as source 0; red: blocks the merge)")
        parts["must_match"] = gr.HTML(elem_id="merge-must-match")
        with gr.Accordion("May differ: encoder tuning, merged as shown", open=False):
            parts["loose"] = gr.HTML(elem_id="merge-loose")
        gr.Markdown("### 3. Map keys")
        parts["keys_note"] = gr.Markdown(elem_id="merge-keys-note")
        with gr.Column(visible=False) as keys_box, gr.Row():
            parts["keys"] = [
                gr.Dropdown([], visible=False, elem_classes=["merge-key"], min_width=240)
                for _ in range(MAX_KEY_SLOTS)
            ]
    return {**parts, "plan_box": box, "keys_box": keys_box}


def _output() -> dict[str, Any]:
    parts: dict[str, Any] = {}
    gr.Markdown("### 4. Output")
    with gr.Row(equal_height=True):
        parts["name"] = gr.Textbox(
            label="Name (a new folder in the shared datasets folder)",
            placeholder="merged_dataset",
            scale=3,
            elem_id="merge-name",
        )
        parts["data_mb"] = gr.Number(
            DATA_MB[2], label="Data file size (MB)", minimum=DATA_MB[0], maximum=DATA_MB[1], step=1
        )
        parts["video_mb"] = gr.Number(
            VIDEO_MB[2],
            label="Video file size (MB)",
            minimum=VIDEO_MB[0],
            maximum=VIDEO_MB[1],
            step=1,
        )
    parts["output_verdict"] = gr.Markdown(elem_id="merge-output-verdict")
    parts["run"] = gr.Button("5. Merge", variant="primary", interactive=False, elem_id="merge-run")
    parts["run_status"] = gr.Markdown(elem_id="merge-run-status")
    with gr.Column(visible=False) as result_box:
        parts["verification"] = gr.HTML(elem_id="merge-verification")
        with gr.Row():
            parts["open_inspect"] = gr.Button(
                "Open it on the Inspect page", elem_id="merge-inspect"
            )
            parts["zip"] = gr.Button("Zip it for download", elem_id="merge-zip")
        parts["download"] = gr.File(label="Merged dataset zip", visible=False, interactive=False)
    return {**parts, "result_box": result_box}


def build_merge_page() -> MergePage:
    """Lay out the Merge page: sources, the plan, key mapping, output, run and verification."""
    gr.Markdown(
        "**Merge** two or more LeRobot v3.0 datasets into one, in order: the plan shows what "
        "must match (fps, features, encoders), what may differ, and what blocks the merge."
    )
    gr.Markdown("### 1. Pick sources (in order; source 0 is the reference)")
    pickers = _pickers()
    rows = _source_rows()
    clear = gr.Button("Clear all sources", size="sm", elem_id="merge-clear")
    status = gr.Markdown(elem_id="merge-status")
    plan = _plan()
    output = _output()
    return MergePage(**pickers, rows=rows, clear=clear, status=status, **plan, **output)
