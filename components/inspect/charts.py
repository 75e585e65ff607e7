"""Inspect page presentation: the summary, tables, findings and the episode's column plot."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.feedback import user_text
from components.inspect.session import InspectSession
from lerobot_video import DatasetReader, FeatureReport, Finding

FEATURE_HEADERS = ["Feature", "dtype", "shape", "codec", "pix_fmt"]
REPORT_HEADERS = [
    "Feature",
    "Codec / profile",
    "pix_fmt (bits)",
    "Size",
    "fps measured / declared",
    "GOP min (median-max)",
    "B-frames",
    "Random access by timestamp",
    "Bitrate",
    "Bytes / frame",
    "Frames (header / content)",
    "Plays in browsers",
    "Depth quantizer, step",
]
REPORT_WIDTHS: list[str | int] = [
    "13%",
    "7%",
    "8%",
    "6%",
    "6%",
    "8%",
    "5%",
    "6%",
    "6%",
    "6%",
    "6%",
    "14%",
    "9%",
]
"""Column widths that fit the report in the page (names, browser notes and depth get room)."""
INDEX_COLUMNS = ("timestamp", "frame_index", "episode_index", "index", "task_index")
"""Columns every dataset has that say where a row is, not what the robot did."""
SEVERITY_LABEL = {"error": "Error", "warning": "Warning", "info": "Note"}


def size_text(num_bytes: int | None) -> str:
    """Bytes in readable units (1000-based, as the Hub shows them)."""
    if num_bytes is None:
        return "unknown"
    value = float(num_bytes)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{num_bytes} bytes"  # pragma: no cover - the loop always returns


def _folder_bytes(root: Any) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def summary_markdown(inspect: InspectSession) -> str:
    """Episodes, frames, fps, cameras, robot, tasks, size, version and bytes fetched."""
    reader = inspect.reader
    if reader is None:
        return ""
    info = reader.info
    rgb = [k for k in reader.video_keys if k not in reader.depth_keys]
    tasks = "; ".join(reader.tasks[:5]) + (" …" if len(reader.tasks) > 5 else "")
    lines = [
        f"### {html.escape(inspect.name)}",
        f"**{reader.num_episodes}** episodes · **{reader.num_frames}** frames · "
        f"**{reader.fps}** fps · robot **{html.escape(str(info.get('robot_type') or '—'))}** · "
        f"codebase **{html.escape(str(info.get('codebase_version', '?')))}**",
        f"Cameras: RGB {', '.join(f'`{k}`' for k in rgb) or 'none'} · depth "
        f"{', '.join(f'`{k}`' for k in reader.depth_keys) or 'none'}",
        f"Tasks: {html.escape(tasks) or '—'}",
    ]
    if inspect.hub is not None:
        hub = inspect.hub
        lines.append(
            f"On the Hub: **{size_text(hub.size_bytes)}** · revision `{html.escape(hub.revision)}`"
            f" · commit `{hub.commit[:12]}` · **bytes fetched so far: "
            f"{size_text(hub.bytes_fetched)}**"
        )
        lines += [f"*{html.escape(n)}*" for n in hub.notes]
    elif inspect.local_root is not None:
        lines.append(f"On this server: **{size_text(_folder_bytes(inspect.local_root))}**")
    return "\n\n".join(lines)


def feature_rows(reader: DatasetReader) -> list[list[str]]:
    """One row per feature: name, dtype, shape and, for videos, info.json's codec and pix_fmt."""
    rows = []
    for name, feature in reader.features.items():
        info = feature.get("info") or {}
        video = feature.get("dtype") == "video"
        rows.append(
            [
                name,
                str(feature.get("dtype", "")),
                "x".join(str(n) for n in feature.get("shape") or []),
                str(info.get("video.codec", "")) if video else "",
                str(info.get("video.pix_fmt", "")) if video else "",
            ]
        )
    return rows


def _gop(report: FeatureReport) -> str:
    gaps = report.keyframe_interval_frames
    if gaps is None:
        return "one keyframe"
    low, median, high = gaps
    declared = "" if report.g_declared is None else f"; info.json g={report.g_declared}"
    return f"{median:g} ({low}-{high}){declared}"


def _browser(report: FeatureReport) -> str:
    if report.browser.plays_in_browsers:
        return "yes"
    # The most specific reason comes last; the findings below give them all.
    return f"no ({report.browser.notes[-1]})" if report.browser.notes else "no"


def _depth(report: FeatureReport) -> str:
    q = report.quantization
    if q is None or report.depth_step_mm is None:
        return ""
    near, metre, far = report.depth_step_mm
    scale = "log" if q.use_log else "linear"
    return (
        f"{q.depth_min:g}-{q.depth_max:g} m, {scale}, shift {q.shift:g}; step {near:.2f} mm "
        f"near, {metre:.2f} mm at 1 m, {far:.1f} mm far"
    )


def report_row(report: FeatureReport) -> list[str]:
    """One feature's measured facts in readable units."""
    video = report.video
    profile = f" / {video.profile}" if video.profile else ""
    header = report.num_frames_from_header
    return [
        report.key,
        f"{video.codec}{profile}",
        f"{video.pix_fmt} ({report.bit_depth}-bit)",
        f"{video.width}x{video.height}",
        f"{report.fps_measured:.2f} / {report.fps_declared:g}",
        _gop(report),
        "yes" if report.has_reordering else "no",
        "safe" if report.random_access_safe else "unsafe",
        f"{report.bitrate_bits_per_second / 1000:.0f} kbit/s",
        f"{report.mean_frame_bytes:,.0f}",
        f"{'?' if header is None else header} / {report.num_frames_from_content}",
        _browser(report),
        _depth(report),
    ]


def findings_html(findings: Sequence[Finding]) -> str:
    """The findings as a list, severity coloured; text escaped and without server paths."""
    if not findings:
        return '<p class="inspect-finding-none">No findings: the files agree with info.json.</p>'
    items = [
        f'<li class="inspect-finding inspect-{f.severity}">'
        f'<span class="inspect-severity">{SEVERITY_LABEL[f.severity]}</span> '
        f"<code>{html.escape(f.field)}</code> {user_text(f.message)}</li>"
        for f in findings
    ]
    return f'<ul class="inspect-findings">{"".join(items)}</ul>'


def plotted_columns(
    reader: DatasetReader, columns: Mapping[str, npt.NDArray[Any]]
) -> dict[str, npt.NDArray[np.float64]]:
    """The episode's numeric feature columns as (frames, dims) float arrays."""
    chosen = {}
    for name, values in columns.items():
        if name in INDEX_COLUMNS or name not in reader.features:
            continue
        array = np.asarray(values)
        if array.dtype.kind not in "fiub" or array.ndim not in (1, 2) or not len(array):
            continue
        chosen[name] = array.reshape(len(array), -1).astype(np.float64)
    return chosen


def dimension_names(feature: Mapping[str, Any], count: int) -> list[str]:
    """A vector feature's per-dimension names (its ``names``, flat or under one key)."""
    names = feature.get("names")
    if isinstance(names, Mapping):
        names = next((v for v in names.values() if isinstance(v, list)), None)
    if isinstance(names, list) and len(names) == count:
        return [str(n) for n in names]
    return [f"[{i}]" for i in range(count)]


def _frame_marker(frame: int, values: npt.NDArray[np.float64], *, legend: bool) -> go.Scatter:
    """A dashed vertical line at ``frame`` spanning ``values``' range."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    return go.Scatter(
        x=[frame, frame],
        y=[low, high],
        mode="lines",
        name=f"frame {frame}",
        line={"color": "black", "dash": "dash", "width": 2},
        showlegend=legend,
        legendgroup="frame",
        hoverinfo="skip",
    )


def episode_plot(
    reader: DatasetReader, columns: Mapping[str, npt.NDArray[Any]], frame: int
) -> go.Figure | None:
    """One panel per numeric column, one line per dimension, a line at ``frame``."""
    chosen = plotted_columns(reader, columns)
    if not chosen:
        return None
    figure = make_subplots(rows=len(chosen), cols=1, shared_xaxes=True, subplot_titles=list(chosen))
    for row, (name, values) in enumerate(chosen.items(), start=1):
        names = dimension_names(reader.features[name], values.shape[1])
        frames = np.arange(len(values))
        for dim, label in enumerate(names):
            figure.add_trace(
                go.Scatter(
                    x=frames,
                    y=values[:, dim],
                    mode="lines",
                    name=f"{name} {label}",
                    legendgroup=name,
                    legendgrouptitle_text=name if dim == 0 else None,
                ),
                row=row,
                col=1,
            )
        figure.add_trace(_frame_marker(frame, values, legend=row == 1), row=row, col=1)
    figure.update_xaxes(title_text="Frame", row=len(chosen), col=1)
    figure.update_layout(
        height=260 * len(chosen) + 60,
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        legend={"groupclick": "toggleitem"},
    )
    return figure
