"""Merge page presentation: the plan's tables and the verification report, as escaped HTML.

Every text that comes from a dataset (names, tasks, keys, values) is escaped here, and the
library's messages go through :func:`~components.feedback.user_text` (no server paths).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from components.feedback import user_text
from components.merge.session import ChosenSource
from lerobot_video import MergePlan, MergeVerification

MAX_TASKS_SHOWN = 3


def _e(value: object) -> str:
    return html.escape(str(value))


def _tasks(tasks: Sequence[str]) -> str:
    shown = "; ".join(tasks[:MAX_TASKS_SHOWN])
    more = f" (+{len(tasks) - MAX_TASKS_SHOWN} more)" if len(tasks) > MAX_TASKS_SHOWN else ""
    return _e(shown + more) or "—"


def _table(headers: Sequence[str], rows: Sequence[str], css: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(rows)
    return (
        f'<table class="merge-table {css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def source_list_html(sources: Sequence[ChosenSource]) -> str:
    """The chosen sources in merge order (or a hint when there are none)."""
    if not sources:
        return '<p class="merge-empty">No sources yet: add two or more datasets below.</p>'
    items = "".join(f"<li>{_e(s.label)}</li>" for s in sources)
    return f'<ol class="merge-sources">{items}</ol>'


def sources_html(plan: MergePlan, labels: Sequence[str]) -> str:
    """Per source: episodes, frames, fps, robot and tasks; then the output's totals.

    ``labels`` name the sources as the page lists them (the plan knows folder names only).
    """
    rows = [
        f"<tr><td>{i}</td><td>{_e(label)}</td><td>{s.num_episodes}</td>"
        f"<td>{s.num_frames}</td><td>{_e(s.fps)}</td><td>{_e(s.robot_type or '—')}</td>"
        f"<td>{_tasks(s.tasks)}</td></tr>"
        for i, (s, label) in enumerate(zip(plan.sources, labels, strict=True))
    ]
    rows.append(
        f'<tr class="merge-total"><td></td><td>Merged output</td><td>{plan.total_episodes}</td>'
        f"<td>{plan.total_frames}</td><td></td><td></td><td>{_tasks(plan.tasks)}</td></tr>"
    )
    headers = ["#", "Source", "Episodes", "Frames", "fps", "Robot", "Tasks"]
    return _table(headers, rows, "merge-summary")


def _source_headers(labels: Sequence[str]) -> list[str]:
    # Numbered from 0, as the library's messages number the sources.
    return [f"Source {i}: {label}" for i, label in enumerate(labels)]


def _match_cell(matches: bool, position: int, value: str, first: str) -> str:
    if matches or (position > 0 and value == first):
        return f'<td class="merge-ok">✓ {_e(value)}</td>'
    if position == 0:
        return f'<td class="merge-ref">{_e(value)}</td>'
    return f'<td class="merge-bad">✗ {_e(value)}</td>'


def must_match_html(plan: MergePlan, labels: Sequence[str]) -> str:
    """What must be equal in every source: a cell per source, green when it matches the first.

    A row that matches is green throughout; in a row that does not, the first source's cell
    stays neutral (it is the reference) and each cell that differs from it is red.
    """
    if not plan.must_match:
        return '<p class="merge-empty">Nothing to compare.</p>'
    rows = []
    for row in plan.must_match:
        first = row.values[0] if row.values else ""
        cells = [_match_cell(row.matches, i, value, first) for i, value in enumerate(row.values)]
        rows.append(
            f'<tr class="{"merge-row-ok" if row.matches else "merge-row-bad"}">'
            f"<td><code>{_e(row.feature or '(dataset)')}</code></td><td>{_e(row.field)}</td>"
            f"{''.join(cells)}</tr>"
        )
    table = _table(["Feature", "Field", *_source_headers(labels)], rows, "merge-must")
    return f'<div class="merge-scroll">{table}</div>'


def loose_html(plan: MergePlan, labels: Sequence[str]) -> str:
    """Fields that may differ: each source's value, the merged value, and the warning."""
    if not plan.loose:
        return ""
    rows = [
        f'<tr class="{"merge-warn" if f.warning else ""}">'
        f"<td><code>{_e(f.feature or '(dataset)')}</code></td><td>{_e(f.field)}</td>"
        + "".join(f"<td>{_e(v)}</td>" for v in f.values)
        + f"<td><b>{_e(f.merged)}</b></td><td>{user_text(f.warning) or '—'}</td></tr>"
        for f in plan.loose
    ]
    headers = ["Feature", "Field", *_source_headers(labels), "Merged", "Warning"]
    return _table(headers, rows, "merge-loose")


def _count(conflicts: int) -> str:
    return "1 conflict blocks" if conflicts == 1 else f"{conflicts} conflicts block"


def problems_html(plan: MergePlan) -> str:
    """Every conflict (what blocks and what to do), then every warning; or a green line."""
    items = [
        f'<li class="merge-conflict"><b>Conflict</b> (source {c.source}, '
        f"{_e(c.source_name)}, <code>{_e(c.field)}</code>): {user_text(c.message)}</li>"
        for c in plan.conflicts
    ]
    items += [
        f'<li class="merge-warning"><b>Warning</b> {user_text(w)}</li>' for w in plan.warnings
    ]
    verdict = (
        f'<p class="merge-verdict merge-verdict-ok">Ready to merge: {plan.total_episodes} '
        f"episodes, {plan.total_frames} frames.</p>"
        if plan.ok
        else f'<p class="merge-verdict merge-verdict-bad">{_count(len(plan.conflicts))} '
        "the merge.</p>"
    )
    return verdict + (f'<ul class="merge-problems">{"".join(items)}</ul>' if items else "")


def verification_html(check: MergeVerification) -> str:
    """Each check ✓ or ✗ with its detail, then the problems found."""
    rows = [
        f'<tr class="{"merge-ok" if c.ok else "merge-bad"}"><td>{"✓" if c.ok else "✗"}</td>'
        f"<td>{_e(c.name)}</td><td>{user_text(c.detail)}</td></tr>"
        for c in check.checks
    ]
    verdict = (
        '<p class="merge-verdict merge-verdict-ok">Verified: every check passed.</p>'
        if check.ok
        else '<p class="merge-verdict merge-verdict-bad">The merged dataset failed a check.</p>'
    )
    problems = "".join(f'<li class="merge-conflict">{user_text(p)}</li>' for p in check.problems)
    listed = f'<ul class="merge-problems">{problems}</ul>' if problems else ""
    return verdict + _table(["", "Check", "Detail"], rows, "merge-checks") + listed
