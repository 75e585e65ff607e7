"""How the recommender's evidence reads to people: every encoding measured, the front, a table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from components.learn.charts import CODEC_COLOURS, CODEC_NAMES
from lerobot_video import Recommendation

FRONT_HEADERS = [
    "Encoder",
    "g",
    "crf",
    "Preset",
    "Size (KB)",
    "Size (% of PNG)",
    "PSNR (dB)",
    "Load ratio (6 frames)",
    "Encode (fps)",
    "Note",
]

Row = Mapping[str, Any]
_HOVER = (
    "%{customdata[0]}<br>g=%{customdata[1]}, crf=%{customdata[2]}, preset %{customdata[3]}"
    "<br>size %{x:.3g} % of PNG · PSNR %{y:.2f} dB<br>6-frame load %{customdata[4]:.2f}x PNG"
    " · encodes at %{customdata[5]:.0f} fps<extra></extra>"
)


def _preset(row: Row) -> str:
    if row["preset"] is not None:
        return str(row["preset"])
    return "12 (default)" if row["vcodec"] == "libsvtav1" else "medium (default)"


def _size_percent(row: Row) -> float:
    return 100 * float(row["video_images_size_ratio"])


def _psnr(row: Row) -> float:
    return min(float(row["avg_psnr"]), 99.0)  # a lossless cell's infinite PSNR stays on the plot


def _custom(rows: Sequence[Row]) -> list[list[Any]]:
    return [
        [
            CODEC_NAMES.get(r["vcodec"], r["vcodec"]),
            r["g"],
            r["crf"],
            _preset(r),
            r["video_images_load_time_ratio"],
            r["encode_fps"],
        ]
        for r in rows
    ]


def _points(
    rows: Sequence[Row], name: str, marker: dict[str, Any], mode: str = "markers", **extra: Any
) -> go.Scatter:
    return go.Scatter(
        x=[_size_percent(r) for r in rows],
        y=[_psnr(r) for r in rows],
        customdata=_custom(rows),
        hovertemplate=_HOVER,
        mode=mode,
        name=name,
        marker=marker,
        **extra,
    )


def _cells(figure: go.Figure, rows: Sequence[Row]) -> None:
    for vcodec in dict.fromkeys(r["vcodec"] for r in rows):
        shown = [r for r in rows if r["vcodec"] == vcodec]
        colour = CODEC_COLOURS.get(vcodec, "#6b7280")
        marker = {"color": colour, "size": 8, "opacity": 0.6}
        figure.add_trace(_points(shown, CODEC_NAMES.get(vcodec, vcodec), marker))


def recommend_chart(found: Recommendation) -> go.Figure:
    """Size (% of PNG, log x) against PSNR for every encoding measured, coloured by codec.

    The Pareto front is a line, the PSNR bound a dashed line, LeRobot's default a star and
    the proposal a ringed diamond.
    """
    figure = go.Figure()
    _cells(figure, found.rows)
    line = {"color": "#111827", "width": 1.5}
    name = "Pareto front (within your limits)"
    figure.add_trace(_points(found.front, name, {"size": 5}, "lines+markers", line=line))
    star = {"symbol": "star", "size": 18, "color": "#f59e0b", "line": {"width": 1.5}}
    figure.add_trace(_points([found.default], "LeRobot's default", star))
    if found.proposal is not None:
        ring = {"symbol": "diamond-open", "size": 20, "color": "#7c3aed", "line": {"width": 3}}
        figure.add_trace(_points([found.proposal], "Proposal", ring))
    figure.add_hline(
        y=found.min_psnr_db,
        line_dash="dash",
        line_color="#6b7280",
        annotation_text=f"target: PSNR >= {found.min_psnr_db:.2f} dB",
        annotation_position="top left",
    )
    figure.update_layout(
        title={"text": f"{len(found.rows)} encodings of the clip: size against quality"},
        height=460,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.2, "x": 0, "font": {"size": 11}},
    )
    figure.update_xaxes(title_text="Size (% of the PNG frames, log scale)", type="log")
    figure.update_yaxes(title_text="Mean PSNR (dB)")
    return figure


def _note(row: Row, found: Recommendation) -> str:
    notes = []
    if row == found.proposal:
        notes.append("proposal")
    if row == found.default:
        notes.append("LeRobot's default")
    if row["avg_psnr"] < found.min_psnr_db:
        notes.append("below target")
    return ", ".join(notes)


def front_table(found: Recommendation) -> list[list[Any]]:
    """The Pareto front, smallest first (:data:`FRONT_HEADERS`)."""
    return [
        [
            CODEC_NAMES.get(r["vcodec"], r["vcodec"]),
            r["g"],
            r["crf"],
            _preset(r),
            round(r["video_size_bytes"] / 1024, 1),
            round(_size_percent(r), 2),
            round(_psnr(r), 2),
            round(r["video_images_load_time_ratio"], 2),
            round(r["encode_fps"]),
            _note(r, found),
        ]
        for r in found.front
    ]


def search_summary(found: Recommendation, frames: int, seconds: float) -> str:
    """The explanation, then what was measured and where LeRobot's default stands."""
    cached = sum(bool(r["cached"]) for r in found.rows)
    place = (
        "LeRobot's default is on the front: no encoding measured is both smaller and as sharp."
        if found.default_on_front
        else "LeRobot's default is not on the front: some encoding measured is both smaller "
        "and at least as sharp (within your other limits)."
    )
    return (
        f"{found.explanation}\n\n{place} Measured {len(found.rows)} encodings of the "
        f"first {frames} frames in {seconds:.0f} s ({cached} from this session's cache)."
    )
