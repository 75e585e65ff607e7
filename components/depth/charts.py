"""Depth page presentation: the results table, the quantizer's step chart and the trade-off."""

from __future__ import annotations

import dataclasses

import numpy as np
import plotly.graph_objects as go

from lerobot_video import DepthComparison, DepthQuantization, quantization_step_mm

DEPTH_TABLE_HEADERS = [
    "Configuration",
    "Codec / profile",
    "Size, % of raw 16-bit",
    "Encode fps",
    "Decode fps",
    "Keeps up with 30 fps",
    "12-bit codes exact",
    "Max error",
    "Mean error",
    "LeRobot 0.6.1 reads it",
]
DEPTH_TABLE_WIDTHS: list[str | int] = [
    "22%",
    "12%",
    "8%",
    "7%",
    "7%",
    "8%",
    "12%",
    "8%",
    "8%",
    "8%",
]
"""Column widths that fit the table in the page (the labels and verdicts get the room)."""


def _length(metres: float, unit: str) -> str:
    return f"{metres * 1000:.2f} mm" if unit == "mm" else f"{metres:.5f} m"


def _profile_name(profile: str) -> str:
    # FFmpeg says "Rext"; people know the profile as HEVC Range Extensions (what 12-bit grey
    # needs, and what browsers and most hardware decoders cannot play).
    return "HEVC Range Extensions (Rext)" if profile == "hevc Rext" else profile


def depth_results_table(comparison: DepthComparison, unit: str) -> list[list[str]]:
    """One row per depth encoding, lengths in ``unit``."""
    rows = []
    for enc in comparison.encodings:
        rows.append(
            [
                enc.label,
                _profile_name(enc.profile),
                f"{100 * enc.size_ratio_vs_raw:.2f}",
                f"{enc.encode_fps:.0f}",
                f"{enc.decode_fps:.0f}",
                "yes" if enc.encode_fps >= 30 else "no",
                "yes" if enc.codes_exact else f"no (up to {enc.max_code_error} codes off)",
                _length(enc.max_abs_error_m, unit),
                _length(enc.mean_abs_error_m, unit),
                "yes" if enc.lerobot_readable else "no",
            ]
        )
    return rows


def quantization_step_chart(quantization: DepthQuantization, unit: str) -> go.Figure:
    """Step between neighbouring codes against depth, log and linear, in ``unit``."""
    depth_m = np.geomspace(max(quantization.depth_min, 1e-3), quantization.depth_max, 200)
    scale = 1000.0 if unit == "mm" else 1.0
    figure = go.Figure()
    for use_log, name in ((True, "log (LeRobot default)"), (False, "linear")):
        params = dataclasses.replace(quantization, use_log=use_log)
        if use_log and params.depth_min + params.shift <= 0:
            continue
        step_mm = quantization_step_mm(depth_m, params)
        figure.add_trace(
            go.Scatter(x=depth_m * scale, y=step_mm / 1000 * scale, name=name, mode="lines")
        )
    marks = [d for d in (0.1, 1.0, 10.0) if quantization.depth_min <= d <= quantization.depth_max]
    if marks and quantization.use_log:
        steps = quantization_step_mm(np.array(marks), quantization)
        figure.add_trace(
            go.Scatter(
                x=np.array(marks) * scale,
                y=steps / 1000 * scale,
                mode="markers+text",
                name="at 0.1, 1, 10 m",
                text=[_length(s / 1000, unit) for s in steps],
                textposition="top left",
            )
        )
    figure.update_layout(
        title="Quantization step: depth difference between neighbouring 12-bit codes",
        xaxis={"title": f"Depth ({unit})", "type": "log"},
        yaxis_title=f"Step ({unit})",
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    return figure


def depth_tradeoff_chart(comparison: DepthComparison) -> go.Figure:
    """Size against encode speed for each depth encoding, with the 30 fps camera line.

    One legend entry per encoding (the labels are too long to print beside the points);
    filled markers are lossless (codes came back exact), crosses lossy.
    """
    figure = go.Figure()
    for encoding in comparison.encodings:
        figure.add_trace(
            go.Scatter(
                x=[encoding.encode_fps],
                y=[100 * encoding.size_ratio_vs_raw],
                name=encoding.label,
                mode="markers",
                marker={"size": 14, "symbol": "circle" if encoding.codes_exact else "x"},
                hovertemplate="%{x:.0f} fps<br>%{y:.2f} % of raw",
            )
        )
    figure.add_vline(x=30, line_dash="dash", annotation_text="30 fps camera")
    figure.update_layout(
        title="Size vs encode speed (circle: codes exact, cross: lossy)",
        xaxis={"title": "Encode speed (frames/s), right is faster", "rangemode": "tozero"},
        yaxis={"title": "Size, % of raw 16-bit (lower is smaller)", "rangemode": "tozero"},
        height=480,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0},
    )
    return figure
