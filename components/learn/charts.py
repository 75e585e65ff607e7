"""How the Learn page's lessons read to people: the GOP strip, tables and figures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from lerobot_video import (
    CodecPoint,
    DepthStepLesson,
    GopLesson,
    LessonEncoding,
    LiveVerdict,
    SpeedMeasurement,
)

TYPE_COLOURS = {"I": "#dc2626", "P": "#2563eb", "B": "#16a34a", "S": "#9333ea", "?": "#6b7280"}
CODEC_COLOURS = {"libsvtav1": "#dc2626", "h264": "#2563eb", "hevc": "#16a34a"}
CODEC_NAMES = {"libsvtav1": "AV1 (libsvtav1)", "h264": "H.264", "hevc": "HEVC"}


def gop_strip(lesson: GopLesson) -> str:
    """The decoded frames as a strip of coloured cells (type), each with its access cost.

    Keyframes have a thick border: a seek can start there.
    """
    cells = []
    for index, (kind, cost) in enumerate(
        zip(lesson.gop.frame_types, lesson.access_costs, strict=True)
    ):
        key = " learn-key" if index in lesson.gop.keyframes else ""
        cells.append(
            f'<div class="learn-cell{key}" title="frame {index}: {kind}, decode {cost}">'
            f'<span class="learn-type" style="background:{TYPE_COLOURS.get(kind, "#6b7280")}">'
            f'{kind}</span><span class="learn-cost">{cost}</span></div>'
        )
    legend = " ".join(
        f'<span class="learn-type" style="background:{TYPE_COLOURS[k]}">{k}</span> {name}'
        for k, name in (("I", "intra"), ("P", "predicted"), ("B", "bi-directional"))
    )
    return (
        f'<div class="learn-strip-legend">{legend} · thick border: keyframe · number: frames '
        f"decoded to show that frame after a seek</div>"
        f'<div class="learn-strip">{"".join(cells)}</div>'
    )


def gop_summary(lesson: GopLesson) -> str:
    """The GOP lesson in numbers."""
    config, gop = lesson.config, lesson.gop
    counts = {k: gop.frame_types.count(k) for k in ("I", "P", "B")}
    g = "encoder default" if config.g is None else str(config.g)
    return (
        f"**{config.vcodec}, g = {g}:** {gop.num_frames} frames decoded from the file: "
        f"{counts['I']} I, {counts['P']} P, {counts['B']} B; {len(gop.keyframes)} keyframes. "
        f"A random access decodes **{lesson.mean_access_cost:.2f} frames** on average "
        f"(worst {max(lesson.access_costs)}). File: {lesson.size_bytes / 1024:.0f} KB."
        + (
            " A B-frame also needs the later frame it refers to: about one more decode each."
            if counts["B"]
            else ""
        )
    )


GOP_HISTORY_HEADERS = ["Encoder", "g", "Keyframes", "B-frames", "Avg frames per seek", "KB"]


def gop_history_row(lesson: GopLesson) -> list[Any]:
    """One row of the GOP runs table (:data:`GOP_HISTORY_HEADERS`)."""
    return [
        lesson.config.vcodec,
        "default" if lesson.config.g is None else lesson.config.g,
        len(lesson.gop.keyframes),
        lesson.gop.frame_types.count("B"),
        round(lesson.mean_access_cost, 2),
        round(lesson.size_bytes / 1024),
    ]


def _db(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.2f}"


def encoding_numbers(encoding: LessonEncoding) -> str:
    """One encoding's size and fidelity as a sentence."""
    return (
        f"**{encoding.config.vcodec} {encoding.config.pix_fmt}, crf {encoding.config.crf}:** "
        f"{encoding.size_bytes / 1024:.0f} KB = **{100 * encoding.size_ratio_vs_png:.2f} %** "
        f"of the PNG frames · PSNR **{_db(encoding.mean_psnr_db)} dB** · SSIM "
        f"**{encoding.mean_ssim:.4f}** · encoded at {encoding.encode_fps:.0f} fps."
    )


def crf_chart(history: Sequence[Sequence[Any]]) -> go.Figure:
    """Every crf tried (``[vcodec, crf, size %, PSNR]`` rows): size against quality per codec."""
    figure = go.Figure()
    for vcodec in dict.fromkeys(row[0] for row in history):
        rows = sorted((r for r in history if r[0] == vcodec), key=lambda r: r[1])
        figure.add_trace(
            go.Scatter(
                x=[r[2] for r in rows],
                y=[min(r[3], 99.0) for r in rows],
                text=[f"crf {r[1]}" for r in rows],
                mode="lines+markers+text",
                textposition="top center",
                name=CODEC_NAMES.get(vcodec, vcodec),
                marker={"color": CODEC_COLOURS.get(vcodec), "size": 9},
            )
        )
    figure.update_layout(
        title={"text": "Every crf you tried: size against quality"},
        height=340,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    figure.update_xaxes(title_text="Size (% of PNG)", type="log")
    figure.update_yaxes(title_text="Mean PSNR (dB)")
    return figure


CHROMA_HEADERS = ["Pixel format", "Size (KB)", "Size (% of PNG)", "PSNR (dB)", "SSIM", "Browsers"]


def chroma_table(encodings: Sequence[LessonEncoding]) -> list[list[Any]]:
    """One row per pixel format (:data:`CHROMA_HEADERS`)."""
    return [
        [
            e.config.pix_fmt,
            round(e.size_bytes / 1024),
            round(100 * e.size_ratio_vs_png, 2),
            _db(e.mean_psnr_db),
            round(e.mean_ssim, 4),
            "plays" if e.browser.plays_in_browsers else "no: " + " ".join(e.browser.notes),
        ]
        for e in encodings
    ]


def speed_chart(measurements: Sequence[SpeedMeasurement], verdict: LiveVerdict | None) -> go.Figure:
    """Encode speed per preset, with the speed the asked-for recording needs as a line."""
    figure = go.Figure(
        go.Bar(
            x=[m.label for m in measurements],
            y=[m.encode_fps for m in measurements],
            marker_color=[CODEC_COLOURS.get(m.config.vcodec, "#6b7280") for m in measurements],
            text=[f"{m.encode_fps:.0f}" for m in measurements],
            textposition="outside",
            cliponaxis=False,
        )
    )
    if verdict is not None:
        figure.add_hline(
            y=verdict.needed_fps,
            line_dash="dash",
            annotation_position="top left",
            annotation_text=f"needed: {verdict.cameras} x {verdict.fps:g} fps + headroom",
        )
    figure.update_layout(
        title={"text": "Encode speed on this machine (frames per second)"},
        height=340,
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
    )
    figure.update_yaxes(title_text="Frames encoded per second")
    return figure


def live_text(measurement: SpeedMeasurement, verdict: LiveVerdict) -> str:
    """The answer to "can this machine record N cameras live at F fps?" with one preset."""
    answer = "**Yes**" if verdict.can_record else "**No**"
    return (
        f"{answer} with {measurement.label}: it encodes {verdict.measured_fps:.0f} frames/s; "
        f"{verdict.cameras} camera(s) at {verdict.fps:g} fps need {verdict.needed_fps:.0f} "
        f"(with a {100 * (verdict.needed_fps / (verdict.cameras * verdict.fps) - 1):.0f} % "
        f"reserve), a margin of {verdict.margin:.2f}x."
    )


def _codec_traces(
    figure: go.Figure, points: Sequence[CodecPoint], x: str, y: str, mine: bool
) -> None:
    for vcodec in CODEC_NAMES:
        shown = [p for p in points if p.vcodec == vcodec and (p.source == "yours") == mine]
        if not shown:
            continue
        figure.add_trace(
            go.Scatter(
                x=[getattr(p, x) * (100 if x == "size_ratio" else 1) for p in shown],
                y=[getattr(p, y) for p in shown],
                mode="markers",
                name=f"{CODEC_NAMES[vcodec]} · {'your clip' if mine else 'published'}",
                text=[f"{p.dataset} {p.pix_fmt}" for p in shown],
                marker={
                    "color": CODEC_COLOURS[vcodec],
                    "size": 16 if mine else 10,
                    "symbol": "star" if mine else "circle-open",
                    "line": {"width": 2, "color": CODEC_COLOURS[vcodec]},
                },
                hovertemplate="%{text}<br>x %{x:.3g}<br>y %{y:.3g}<extra></extra>",
            )
        )


CODEC_HEADERS = ["Encoder", "Size (% of PNG)", "Load ratio (6 frames)", "PSNR (dB)", "SSIM"]


def codec_table(points: Sequence[CodecPoint]) -> list[list[Any]]:
    """One row per codec measured on the user's clip (:data:`CODEC_HEADERS`)."""
    return [
        [
            CODEC_NAMES.get(p.vcodec, p.vcodec),
            round(100 * p.size_ratio, 2),
            round(p.load_time_ratio, 2),
            round(p.psnr_db, 2),
            round(p.ssim, 4),
        ]
        for p in points
    ]


def codec_chart(points: Sequence[CodecPoint], y: str) -> go.Figure:
    """Size (% of PNG, log x) against ``y`` (``psnr_db`` or ``load_time_ratio``), both sources."""
    figure = go.Figure()
    _codec_traces(figure, points, "size_ratio", y, mine=False)
    _codec_traces(figure, points, "size_ratio", y, mine=True)
    title = {
        "psnr_db": ("Size against quality at g=2, crf=30", "Mean PSNR (dB)"),
        "load_time_ratio": ("Size against load time (6 frames)", "Load time, video / PNG"),
    }[y]
    figure.update_layout(
        title={"text": title[0]},
        height=440,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
        legend={"orientation": "h", "y": -0.22, "x": 0, "font": {"size": 11}},
    )
    figure.update_xaxes(title_text="Size (% of the PNG frames)", type="log")
    figure.update_yaxes(title_text=title[1], type="log" if y == "load_time_ratio" else "linear")
    return figure


def depth_chart(lesson: DepthStepLesson) -> go.Figure:
    """The two quantizers' steps over the range, and the errors measured on the clip."""
    figure = go.Figure()
    for name, steps, errors, colour in (
        ("linear", lesson.linear_step_mm, lesson.linear_max_error_mm, "#2563eb"),
        ("log (LeRobot default)", lesson.log_step_mm, lesson.log_max_error_mm, "#dc2626"),
    ):
        figure.add_trace(
            go.Scatter(x=lesson.depths_m, y=steps, name=f"{name}: step", line={"color": colour})
        )
        figure.add_trace(
            go.Scatter(
                x=lesson.bin_centres_m,
                y=errors,
                mode="markers",
                name=f"{name}: largest error on the clip",
                marker={"color": colour, "symbol": "x", "size": 9},
            )
        )
    figure.update_layout(
        title={"text": "12-bit depth: step between codes, and the error the clip really gets"},
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 50},
    )
    figure.update_xaxes(title_text="Depth (m)")
    figure.update_yaxes(title_text="Millimetres")
    return figure
