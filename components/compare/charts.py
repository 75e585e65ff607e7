"""How a comparison reads to people: the results table, its chart and the players' captions."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from lerobot_video import ComparisonReport, EncodingReport

MSE_SCALE = 1e-4
"""MSE is shown in units of 10⁻⁴ (of [0, 1] pixel values): lossy video lands at 0.1-10."""
MSE_UNIT = "×10⁻⁴"  # noqa: RUF001 - a multiplication sign, not the letter x

_COLUMNS: list[tuple[str, str]] = [
    ("Configuration", "15%"),
    ("Codec / pixel format", "13%"),
    ("Size (KB)", "7%"),
    ("Size (% of PNG)", "8%"),
    ("Encode (fps)", "8%"),
    ("Load 1 frame (ms)", "8%"),
    ("Load 6 frames (ms)", "8%"),
    (f"MSE ({MSE_UNIT})", "8%"),
    ("PSNR (dB)", "8%"),
    ("SSIM", "6%"),
    ("Plays in browsers", "11%"),
]
"""Each column's header and its fixed share of the table's width. Headers are short and their
longest word fits its share at 1280 px, so the table neither scrolls sideways nor cuts a word.
(The load ratio vs PNG left the table: the PNG row's own load times sit above each encoding's.)"""

TABLE_HEADERS = [header for header, _ in _COLUMNS]
COLUMN_WIDTHS: list[str | int] = [width for _, width in _COLUMNS]

TABLE_NOTES = (
    "**Reading the table.** Sizes and load times are measured against the same frames stored "
    "as PNG images (the first row). *Load* is the time to decode 1 or 6 frames at random "
    "positions. *MSE* is the mean squared error on pixel values scaled to 0-1, shown "
    f"{MSE_UNIT} (so 1.00 means 0.0001); lower is better. *PSNR* and *SSIM*: higher is better, "
    "∞ means identical."
)

_FAMILIES = {"av1": "AV1", "h264": "H.264", "hevc": "HEVC", "vp9": "VP9"}
_CHROMA = {"444": "4:4:4", "422": "4:2:2", "420": "4:2:0"}


def _significant(value: float, digits: int = 3) -> str:
    """``value`` with ``digits`` significant digits in plain notation (0.398, 1.76, 912)."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    return f"{value:.{decimals}f}"


def _db(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.2f}"


def stream_name(codec: str, pix_fmt: str) -> str:
    """A stream as people name it: ``HEVC``, ``H.264 4:4:4``, ``AV1 10-bit``, ``HEVC grey 12-bit``.

    The chroma is named only when it is not browsers' 4:2:0, the bit depth only above 8.
    """
    name = _FAMILIES.get(codec, codec.upper())
    chroma = next((label for key, label in _CHROMA.items() if key in pix_fmt), "")
    if pix_fmt.startswith("gray"):
        chroma = "grey"
    # As browser_support reads it: the bit depth follows the "p" (yuv420p10le) or "y" (gray12le).
    bits = next((b for b in ("16", "12", "10") if f"p{b}" in pix_fmt or f"y{b}" in pix_fmt), "")
    parts = [name, chroma if chroma != "4:2:0" else "", f"{bits}-bit" if bits else ""]
    return " ".join(part for part in parts if part)


def player_caption(encoding: EncodingReport) -> str:
    """What a player shows, in words: the stream itself, or an H.264 preview; then why.

    For example ``**HEVC** — HEVC, shown as an H.264 4:2:0 preview. HEVC plays only in
    Safari…``: the reasons are the report's own browser notes.
    """
    stream = stream_name(encoding.info["video.codec"], encoding.info["video.pix_fmt"])
    shown = (
        "played as encoded."
        if encoding.browser.plays_in_browsers
        else "shown as an H.264 4:2:0 preview."
    )
    return " ".join([f"**{encoding.label}** — {stream}, {shown}", *encoding.browser.notes])


def results_table(report: ComparisonReport) -> list[list[str]]:
    """One row per encoding plus the PNG baseline row, as display strings (``TABLE_HEADERS``)."""
    rows = [
        [
            "PNG frames (baseline)",
            "png / rgb24",
            f"{report.png_size_bytes / 1024:.0f}",
            "100.0",
            "-",
            f"{report.png_access_ms['1_frame']:.2f}",
            f"{report.png_access_ms['6_frames']:.2f}",
            "0",
            "∞",
            "1.0000",
            "yes (images)",
        ]
    ]
    for enc in report.encodings:
        rows.append(
            [
                enc.label,
                f"{enc.info['video.codec']} / {enc.info['video.pix_fmt']}",
                f"{enc.size_bytes / 1024:.0f}",
                f"{100 * enc.size_ratio_vs_png:.1f}",
                f"{enc.encode_fps:.0f}",
                f"{enc.access_ms['1_frame']:.2f}",
                f"{enc.access_ms['6_frames']:.2f}",
                _significant(enc.quality.mean_mse / MSE_SCALE),
                _db(enc.quality.mean_psnr_db),
                f"{enc.quality.mean_ssim:.4f}",
                "yes" if enc.browser.plays_in_browsers else "no: H.264 preview",
            ]
        )
    return rows


def label_positions(x: list[float], y: list[float]) -> list[str]:
    """A plotly ``textposition`` per point, so labels neither overlap nor leave the plot.

    Distances are measured in shares of each axis's span (what the eye sees). A label goes
    above its point, leaning inwards in the outer fifths of the x span; when the nearest
    point (closer than half the spans) is above it, the label goes beside the point instead,
    on the side towards the middle, so it meets neither that point nor the x axis.
    """
    x_span = (max(x) - min(x)) or 1.0
    y_span = (max(y) - min(y)) or 1.0
    points = [(xi / x_span, yi / y_span) for xi, yi in zip(x, y, strict=True)]
    positions = []
    for i, (xi, yi) in enumerate(points):
        others = [(math.dist((xi, yi), p), p[1] - yi) for j, p in enumerate(points) if j != i]
        distance, rise = min(others, default=(math.inf, 0.0))
        share = (x[i] - min(x)) / x_span if len(x) > 1 else 0.5
        if distance < 0.5 and rise > 0:
            positions.append("middle right" if share < 0.5 else "middle left")
        else:
            lean = "left" if share > 0.8 else "right" if share < 0.2 else "center"
            positions.append(f"top {lean}")
    return positions


def bubble_sizes(load_ms: list[float]) -> list[float]:
    """Marker diameters in px, 16 (fastest load) to 40 (slowest), whatever the machine's speed.

    Sizes grow with the load time relative to the others, so a busy machine's slow loads do
    not swell the bubbles over each other's labels.
    """
    fastest, slowest = min(load_ms), max(load_ms)
    spread = (slowest - fastest) or 1.0
    return [16 + 24 * (ms - fastest) / spread for ms in load_ms]


def _padded(values: list[float], share: float) -> list[float]:
    """An axis range around ``values`` with ``share`` of their span (or 1) spare each side."""
    span = (max(values) - min(values)) or 1.0
    return [min(values) - share * span, max(values) + share * span]


def tradeoff_chart(report: ComparisonReport) -> go.Figure:
    """Size (x) against quality (y); bubble size and colour show the 6-frame load time."""
    encodings = report.encodings
    load_ms = [e.access_ms["6_frames"] for e in encodings]
    # A lossless encoding's PSNR is infinite; it is drawn at 99 dB, above any lossy one.
    psnr = [min(e.quality.mean_psnr_db, 99.0) for e in encodings]
    size = [100 * e.size_ratio_vs_png for e in encodings]
    figure = go.Figure(
        go.Scatter(
            x=size,
            y=psnr,
            mode="markers+text",
            text=[e.label for e in encodings],
            textposition=label_positions(size, psnr),
            cliponaxis=False,
            marker={
                "size": bubble_sizes(load_ms),
                "sizemode": "diameter",
                "color": load_ms,
                "colorscale": "Viridis",
                "showscale": True,
                "colorbar": {"title": {"text": "Load 6 frames (ms)", "side": "right"}},
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
        title={"text": "Size against quality (bubble: time to load 6 random frames)"},
        margin={"l": 70, "r": 30, "t": 60, "b": 60},
        height=420,
    )
    # Spare room around the points keeps bubbles and their labels inside the axes.
    figure.update_xaxes(
        title_text="File size (% of the PNG frames), lower is smaller",
        range=_padded(size, 0.2),
        automargin=True,
    )
    figure.update_yaxes(
        title_text="Mean PSNR (dB), higher is better",
        range=_padded(psnr, 0.25),
        automargin=True,
    )
    return figure
