"""Compare page presentation: the results table and the size/quality/load-time chart."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from lerobot_video import ComparisonReport

TABLE_HEADERS = [
    "Configuration",
    "Codec / pixel format",
    "Size (KB)",
    "Size vs PNG (%)",
    "Encode (fps)",
    "Load 1 frame (ms)",
    "Load 6 frames (ms)",
    "Load time vs PNG (6 frames)",
    "MSE",
    "PSNR (dB)",
    "SSIM",
    "Plays in browsers",
]


def _db(value: float) -> str:
    return "∞ (identical)" if math.isinf(value) else f"{value:.2f}"


def results_table(report: ComparisonReport) -> list[list[str]]:
    """One row per encoding plus the PNG baseline row, as display strings."""
    rows = [
        [
            "PNG frames (baseline)",
            "png / rgb24",
            f"{report.png_size_bytes / 1024:.0f}",
            "100.0",
            "-",
            f"{report.png_access_ms['1_frame']:.2f}",
            f"{report.png_access_ms['6_frames']:.2f}",
            "1.00",
            "0",
            "∞ (identical)",
            "1.0000",
            "yes (as images)",
        ]
    ]
    for enc in report.encodings:
        plays = "yes" if enc.browser.plays_in_browsers else "no: " + " ".join(enc.browser.notes)
        rows.append(
            [
                enc.label,
                f"{enc.info['video.codec']} / {enc.info['video.pix_fmt']}",
                f"{enc.size_bytes / 1024:.0f}",
                f"{100 * enc.size_ratio_vs_png:.1f}",
                f"{enc.encode_fps:.0f}",
                f"{enc.access_ms['1_frame']:.2f}",
                f"{enc.access_ms['6_frames']:.2f}",
                f"{enc.load_time_ratio_vs_png['6_frames']:.2f}",
                f"{enc.quality.mean_mse:.2e}",
                _db(enc.quality.mean_psnr_db),
                f"{enc.quality.mean_ssim:.4f}",
                plays,
            ]
        )
    return rows


def tradeoff_chart(report: ComparisonReport) -> go.Figure:
    """Size (x) against quality (y); bubble size and colour show the 6-frame load time."""
    encodings = report.encodings
    load_ms = [e.access_ms["6_frames"] for e in encodings]
    psnr = [min(e.quality.mean_psnr_db, 99.0) for e in encodings]
    figure = go.Figure(
        go.Scatter(
            x=[100 * e.size_ratio_vs_png for e in encodings],
            y=psnr,
            mode="markers+text",
            text=[e.label for e in encodings],
            textposition="top center",
            marker={
                "size": [18 + 4 * ms for ms in load_ms],
                "sizemode": "diameter",
                "color": load_ms,
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": {"title": {"text": "Load 6 frames (ms)"}},
                "line": {"width": 1, "color": "#333"},
            },
            customdata=[
                [ms, e.quality.mean_ssim] for ms, e in zip(load_ms, encodings, strict=True)
            ],
            hovertemplate="<b>%{text}</b><br>size %{x:.1f}% of PNG<br>PSNR %{y:.2f} dB"
            "<br>SSIM %{customdata[1]:.4f}<br>6 frames in %{customdata[0]:.2f} ms<extra></extra>",
        )
    )
    figure.update_layout(
        title="Size vs quality (bubble: random-access load time)",
        xaxis_title="Size vs PNG (%) — lower is smaller",
        yaxis_title="Mean PSNR (dB) — higher is better",
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        height=420,
    )
    return figure
