"""The Merge page's state as component updates: source rows, the plan, key dropdowns."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr

from components.merge.charts import (
    loose_html,
    must_match_html,
    problems_html,
    sources_html,
    verification_html,
)
from components.merge.handlers import MAX_KEY_SLOTS, MAX_SOURCES
from components.merge.session import DROP, KEEP, MergeSession
from components.state import SessionState


def _source_rows(merge: MergeSession) -> list[Any]:
    updates: list[Any] = []
    for index in range(MAX_SOURCES):
        if index >= len(merge.sources):
            updates += [gr.update(visible=False), "", gr.update()]
            continue
        source = merge.sources[index]
        role = " · *the reference: the others must match it*" if index == 0 else ""
        label = f"**Source {index}:** {html.escape(source.label)}{role}"
        updates += [gr.update(visible=True), label, gr.update(interactive=index > 0)]
    return updates


def _key_dropdowns(merge: MergeSession) -> list[Any]:
    targets = list(merge.plan.target_keys) if merge.plan is not None else []
    names = {i: s.label for i, s in enumerate(merge.sources)}
    updates = []
    for slot in range(MAX_KEY_SLOTS):
        if slot >= len(merge.slots):
            updates.append(gr.update(visible=False, choices=[], value=None))
            continue
        position, key = merge.slots[slot]
        updates.append(
            gr.update(
                visible=True,
                label=f"Source {position} ({names.get(position, '?')}): {key} →"[:120],
                choices=[KEEP, DROP, *targets],
                value=merge.mapping[slot],
            )
        )
    return updates


def _keys_note(merge: MergeSession) -> str:
    if not merge.slots:
        return "Nothing to map: every source names its features as source 0 does."
    return (
        "These keys are not in source 0: map each onto one of source 0's keys (the plan is "
        "made again), drop it, or keep it as is."
    )


def merge_views(state: SessionState) -> list[Any]:
    """Every view of the session's merge state, in :attr:`MergePage.views` order."""
    merge = state.merge
    with merge.lock:
        rows = _source_rows(merge)
        plan = merge.plan
        if plan is None:
            hidden = gr.update(visible=False)
            blank = [hidden, "", "", "", "", ""]
            keys = [gr.update(visible=False)] * MAX_KEY_SLOTS
            return [*rows, *blank, hidden, *keys, gr.update(interactive=False)]
        labels = [s.label for s in merge.sources]
        shown = [
            gr.update(visible=True),
            problems_html(plan),
            sources_html(plan, labels),
            must_match_html(plan, labels),
            loose_html(plan, labels),
        ]
        keys_box = gr.update(visible=bool(merge.slots))
        views = [*rows, *shown, _keys_note(merge), keys_box, *_key_dropdowns(merge)]
        return [*views, gr.update(interactive=plan.ok)]


def result_views(state: SessionState) -> list[Any]:
    """The result box, the verification report and the (hidden until zipped) download."""
    check = state.merge.verification
    if state.merge.result is None or check is None:
        return [gr.update(visible=False), "", gr.update(value=None, visible=False)]
    return [gr.update(visible=True), verification_html(check), gr.update(value=None, visible=False)]
