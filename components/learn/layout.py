"""The Learn page's components, one accordion per lesson; ``tab`` wires their events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from components.learn.charts import CHROMA_HEADERS, CODEC_HEADERS, GOP_HISTORY_HEADERS
from components.learn.handlers import (
    CRF_FRAMES,
    DEFAULT_PRESETS,
    DEPTH_FRAMES,
    GOP_CODECS,
    GOP_FRAMES,
    PRESETS,
    SPEED_FRAMES,
    SPEED_HEADERS,
)
from components.learn.recommend import (
    HEVC_SEARCH,
    PSNR_DEFAULT,
    PSNR_MODES,
    RECOMMEND_FRAMES,
    RECOMMEND_SAMPLES,
    search_cells,
)
from components.learn.recommend_charts import FRONT_HEADERS
from lerobot_video import LESSON_CODECS

INTRO = f"""## Why LeRobot stores cameras as AV1, yuv420p, g=2, crf=30
Each lesson below turns one knob and shows what changes, measured on **real encodings** of the
bundled ALOHA clip (480x640, 50 fps) made on this machine when you press its button. For speed
the lessons use its first frames: {GOP_FRAMES} for the GOP and codec lessons, {CRF_FRAMES} for crf
and colour, {SPEED_FRAMES} for encode speed, {DEPTH_FRAMES} depth frames for the depth lesson, and
{RECOMMEND_FRAMES} for the search for smaller settings. Every lesson ends with buttons that take
its settings to the Record or Compare page."""


@dataclass
class LearnPage:
    """Every component of the Learn page that an event reads or writes, by lesson."""

    parts: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["parts"][name]
        except KeyError as err:
            raise AttributeError(name) from err


def _carry_buttons(parts: dict[str, Any], prefix: str, interactive: bool = True) -> None:
    with gr.Row(elem_classes=["learn-carry"]):
        parts[f"{prefix}_to_record"] = gr.Button(
            "Use these settings: Record",
            size="sm",
            elem_id=f"learn-{prefix}-record",
            interactive=interactive,
        )
        parts[f"{prefix}_to_compare"] = gr.Button(
            "Use these settings: Compare",
            size="sm",
            elem_id=f"learn-{prefix}-compare",
            interactive=interactive,
        )


def _gop(parts: dict[str, Any]) -> None:
    gr.Markdown(
        "A **GOP** (group of pictures) starts with a keyframe (**I**, decodable alone); the "
        "frames after it store only what changed (**P**, and **B**, which also looks ahead). "
        "To read frame *k*, a decoder seeks to the keyframe before it and decodes forward. "
        "LeRobot trains on random frames, so it uses **g=2**: a keyframe every 2 frames. The "
        "types below are read back from the encoded file, not from the settings."
    )
    with gr.Row(equal_height=True):
        parts["gop_codec"] = gr.Radio(
            list(GOP_CODECS), value=next(iter(GOP_CODECS)), label="Encoder", scale=2
        )
        parts["gop_g"] = gr.Slider(
            1, GOP_FRAMES, value=2, step=1, label="Keyframe interval (GOP, g)", scale=2
        )
        parts["gop_run"] = gr.Button("Encode and read the frame types", variant="primary")
    parts["gop_strip"] = gr.HTML(elem_id="learn-gop-strip")
    parts["gop_summary"] = gr.Markdown(elem_id="learn-gop-summary")
    parts["gop_table"] = gr.Dataframe(
        headers=GOP_HISTORY_HEADERS, label="Your runs (newest first)", interactive=False
    )
    parts["gop_history"] = gr.State([])
    _carry_buttons(parts, "gop")


def _crf(parts: dict[str, Any]) -> None:
    gr.Markdown(
        "**crf** (constant rate factor) is the quality target: lower keeps more detail and "
        "makes bigger files. Move the slider: the clip is re-encoded, and you see the middle "
        "frame as decoded, its error (black is exact, yellow is 32 levels or more off) and the "
        "figures. Every crf you try is added to the chart."
    )
    with gr.Row(equal_height=True):
        parts["crf_codec"] = gr.Radio(list(LESSON_CODECS), value="libsvtav1", label="Encoder")
        parts["crf_value"] = gr.Slider(
            0, 63, value=30, step=1, label="Constant rate factor (CRF)", elem_id="learn-crf"
        )
        parts["crf_run"] = gr.Button("Encode at this crf", variant="primary")
    parts["crf_numbers"] = gr.Markdown(elem_id="learn-crf-numbers")
    with gr.Row():
        parts["crf_decoded"] = gr.Image(label="Decoded frame", interactive=False, height=260)
        parts["crf_heatmap"] = gr.Image(label="Error heatmap", interactive=False, height=260)
        parts["crf_chart"] = gr.Plot(label="crf curve", elem_id="learn-crf-chart")
    parts["crf_history"] = gr.State([])
    _carry_buttons(parts, "crf")


def _chroma(parts: dict[str, Any]) -> None:
    gr.Markdown(
        "**yuv420p** keeps colour at half the resolution each way (one colour sample per 2x2 "
        "pixels); **yuv444p** keeps all of it. The crop is where the frame has the most "
        "colour detail, zoomed 6x. SVT-AV1 encodes 4:2:0 only, so this lesson uses H.264 or "
        "HEVC. Browsers play 4:2:0 only, one reason LeRobot uses it."
    )
    with gr.Row(equal_height=True):
        parts["chroma_codec"] = gr.Radio(["h264", "hevc"], value="h264", label="Encoder")
        parts["chroma_crf"] = gr.Slider(0, 51, value=18, step=1, label="CRF (both encodings)")
        parts["chroma_run"] = gr.Button("Encode 4:4:4 and 4:2:0", variant="primary")
    with gr.Row(elem_id="learn-chroma-crops"):
        for name, label in (
            ("chroma_original", "Original (zoomed crop)"),
            ("chroma_444", "yuv444p: full colour"),
            ("chroma_420", "yuv420p: colour at half resolution"),
        ):
            parts[name] = gr.Image(label=label, interactive=False, height=300)
    parts["chroma_table"] = gr.Dataframe(headers=CHROMA_HEADERS, interactive=False)
    parts["chroma_pick"] = gr.Radio(
        ["yuv420p", "yuv444p"], value="yuv420p", label="Pixel format to use"
    )
    _carry_buttons(parts, "chroma")


def _speed(parts: dict[str, Any]) -> None:
    gr.Markdown(
        "A **preset** trades encode speed for compression. Recording encodes every camera "
        "live, so the question is whether this machine keeps up. The speeds are measured "
        "here (the same encoder can be several times faster on another machine)."
    )
    parts["speed_presets"] = gr.CheckboxGroup(
        list(PRESETS), value=DEFAULT_PRESETS, label="Presets to measure"
    )
    with gr.Row(equal_height=True):
        parts["speed_cameras"] = gr.Number(2, label="Cameras (N)", precision=0, minimum=1)
        parts["speed_fps"] = gr.Number(30, label="Frames per second (F)", precision=0, minimum=1)
        parts["speed_run"] = gr.Button("Measure encode speed", variant="primary")
        parts["speed_cancel"] = gr.Button("Cancel", variant="stop")
    parts["speed_answer"] = gr.Markdown(elem_id="learn-speed-answer")
    with gr.Row():
        parts["speed_table"] = gr.Dataframe(headers=SPEED_HEADERS, interactive=False)
        parts["speed_chart"] = gr.Plot(label="Encode speed", elem_id="learn-speed-chart")
    parts["speed_measured"] = gr.State([])
    parts["speed_pick"] = gr.Dropdown(
        [], label="Preset to use (measured ones)", allow_custom_value=False
    )
    _carry_buttons(parts, "speed")


def _codecs(parts: dict[str, Any]) -> None:
    gr.Markdown(
        "LeRobot chose AV1 from a benchmark it published: four datasets encoded with H.264, "
        "HEVC and AV1 at g=2, crf=30 (hollow circles). Run the same measurement on the clip "
        "(stars): size against PNG, fidelity, and the time to load 6 consecutive frames "
        "against loading them from PNG (the study runner's cells, as published). It takes "
        "about half a minute. crf scales differ between encoders: at the same crf one may "
        "keep more quality (higher PSNR) and so make a bigger file; read both axes."
    )
    with gr.Row(equal_height=True):
        parts["codec_run"] = gr.Button("Race AV1, H.264 and HEVC", variant="primary")
        parts["codec_cancel"] = gr.Button("Cancel", variant="stop")
    with gr.Row():
        parts["codec_quality"] = gr.Plot(label="Size and quality", elem_id="learn-codec-quality")
        parts["codec_load"] = gr.Plot(label="Size and load time", elem_id="learn-codec-load")
    parts["codec_table"] = gr.Dataframe(
        headers=CODEC_HEADERS,
        interactive=False,
        label="Your clip",
    )
    parts["codec_pick"] = gr.Radio(list(LESSON_CODECS), value="libsvtav1", label="Encoder to use")
    _carry_buttons(parts, "codec")


def _depth(parts: dict[str, Any]) -> None:
    gr.Markdown(
        "Depth is stored as **12-bit codes** (4096 steps) between `depth_min` and `depth_max`. "
        "A linear mapping spaces them evenly; LeRobot's default **log** mapping puts more "
        "codes near the camera, where robots need precision. Crosses: the largest error the "
        "bundled depth clip really gets through each mapping."
    )
    with gr.Row(equal_height=True):
        parts["depth_min"] = gr.Number(0.01, label="depth_min (m)")
        parts["depth_max"] = gr.Number(10.0, label="depth_max (m)")
        parts["depth_shift"] = gr.Number(3.5, label="shift (m, log only)")
        parts["depth_run"] = gr.Button("Show the steps", variant="primary")
    parts["depth_text"] = gr.Markdown(elem_id="learn-depth-text")
    parts["depth_chart"] = gr.Plot(label="Depth steps", elem_id="learn-depth-chart")
    parts["depth_pick"] = gr.Radio(["log", "linear"], value="log", label="Mapping to use")
    with gr.Row(elem_classes=["learn-carry"]):
        parts["depth_to_record"] = gr.Button(
            "Use these settings: Record", size="sm", elem_id="learn-depth-record"
        )


RECOMMEND_TEXT = f"""Is there a **smaller encoding at the same quality** for your clip? The
search measures real encodings of the first {RECOMMEND_FRAMES} frames of the bundled clip (size,
PSNR, and {RECOMMEND_SAMPLES} random loads of 6 consecutive frames, timed against loading them
from PNG files). It starts with LeRobot's default and {search_cells(False) - 1} settings: AV1
(libsvtav1) at presets 12 and 8 and H.264 at `medium`, each at g 2, 4 and 8 and four crfs; then
it narrows crf where a setting could still win and tries the winner's neighbouring g. The
smallest encoding meeting your target is the proposal. A search takes a minute or two here;
the encodings are kept for this session, so a second search reuses them."""


def _recommend_target(parts: dict[str, Any]) -> None:
    with gr.Row(equal_height=True):
        parts["rec_psnr_mode"] = gr.Radio(
            list(PSNR_MODES), value=PSNR_DEFAULT, label="Quality to keep (mean PSNR)", scale=2
        )
        parts["rec_psnr_db"] = gr.Number(
            40, label="Least PSNR (dB)", info="when 'at least this many dB' is chosen"
        )
        parts["rec_browser"] = gr.Checkbox(label="Must play in browsers")
    with gr.Row(equal_height=True):
        parts["rec_load_limited"] = gr.Checkbox(True, label="Limit the 6-frame load time")
        parts["rec_load_ratio"] = gr.Number(
            1.0, label="Most load time (video / PNG)", info="1.0: no slower than PNG files"
        )
        parts["rec_min_fps"] = gr.Number(
            0, label="Least encode speed (fps)", info="for live recording; 0: no limit", minimum=0
        )


def _recommend(parts: dict[str, Any]) -> None:
    gr.Markdown(RECOMMEND_TEXT)
    _recommend_target(parts)
    with gr.Row(equal_height=True):
        extra = len(HEVC_SEARCH.configs())
        parts["rec_hevc"] = gr.Checkbox(
            label=f"Include HEVC ({extra} more encodings to start with)", scale=2
        )
        parts["rec_run"] = gr.Button("Search for smaller settings", variant="primary")
        parts["rec_cancel"] = gr.Button("Cancel", variant="stop")
    parts["rec_explanation"] = gr.Markdown(elem_id="learn-rec-explanation")
    parts["rec_chart"] = gr.Plot(label="Every encoding measured", elem_id="learn-rec-chart")
    parts["rec_front"] = gr.Dataframe(
        headers=FRONT_HEADERS,
        interactive=False,
        label="The Pareto front: no encoding measured is both smaller and sharper",
        elem_id="learn-rec-front",
    )
    parts["rec_proposal"] = gr.State(None)
    _carry_buttons(parts, "rec", interactive=False)


LESSONS = (
    ("1. What a GOP is", _gop, "learn-gop"),
    ("2. crf: size against quality", _crf, "learn-crf-lesson"),
    ("3. yuv444p against yuv420p", _chroma, "learn-chroma"),
    ("4. Presets and encode speed", _speed, "learn-speed"),
    ("5. AV1 against H.264 and HEVC", _codecs, "learn-codecs"),
    ("6. 12-bit depth steps", _depth, "learn-depth"),
    ("7. Your clip: smaller settings at the same quality", _recommend, "learn-recommend"),
)


def build_learn_page() -> LearnPage:
    """Lay out the Learn page: the introduction, then one accordion per lesson."""
    page = LearnPage()
    gr.Markdown(INTRO, elem_id="learn-intro")
    for title, build, elem_id in LESSONS:
        with gr.Accordion(
            title, open=elem_id in ("learn-gop", "learn-crf-lesson"), elem_id=elem_id
        ):
            build(page.parts)
    return page
