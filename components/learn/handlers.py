"""Learn page handlers: each runs one lesson (a real encoding of the bundled clip) and shows it.

Lessons use the first frames of the bundled ALOHA clip (the page says how many), in the
session's own folders, which each run empties first so a session keeps one run per lesson.
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterator
from typing import Any, TypeVar

import gradio as gr

from components.checks import form_number, whole_number
from components.feedback import shows_library_errors, user_text
from components.lane import run_media_work
from components.learn import charts
from components.state import AppSettings, SessionState
from lerobot_video import (
    LESSON_CODECS,
    Clip,
    DepthQuantization,
    LeRobotVideoError,
    RGBEncoderConfig,
    SpeedMeasurement,
    chroma_lesson,
    depth_step_lesson,
    encode_lesson,
    gop_lesson,
    iter_codec_lesson,
    live_capacity,
    load_clip,
    load_depth_clip,
    measure_encode_speeds,
    png_size_bytes,
    published_codec_points,
)

T = TypeVar("T")

GOP_FRAMES = 40
CRF_FRAMES = 20
SPEED_FRAMES = 20
CODEC_FRAMES = 40
DEPTH_FRAMES = 10
"""Frames of the bundled clips each lesson uses: enough to show the effect, quick to encode."""

GOP_CODECS = {
    "libsvtav1 (AV1, LeRobot's default)": "libsvtav1",
    "h264 with B-frames (x264's default)": "h264",
}
PRESETS = {
    "libsvtav1 preset 12 (LeRobot's default)": RGBEncoderConfig(),
    "libsvtav1 preset 10": RGBEncoderConfig(preset=10),
    "libsvtav1 preset 8": RGBEncoderConfig(preset=8),
    "libsvtav1 preset 6 (slow)": RGBEncoderConfig(preset=6),
    "h264 ultrafast": RGBEncoderConfig(vcodec="h264", preset="ultrafast"),
    "h264 medium": RGBEncoderConfig(vcodec="h264", preset="medium"),
    "h264 slow": RGBEncoderConfig(vcodec="h264", preset="slow"),
}
DEFAULT_PRESETS = [*list(PRESETS)[:3], "h264 ultrafast", "h264 medium"]
SPEED_HEADERS = ["Preset", "Encode (fps)", "Size (KB)", "Live?"]


def _clip(settings: AppSettings, frames: int) -> Clip:
    return load_clip(settings.bundled_clip, max_frames=frames)


@functools.lru_cache(maxsize=4)
def _png_bytes(clip_path: str, frames: int) -> int:
    """Bytes of the clip's first frames as PNG: measured once, not on every slider move."""
    return png_size_bytes(load_clip(clip_path, max_frames=frames).frames)


def gop_config(codec: Any, g: Any) -> RGBEncoderConfig:
    """The GOP lesson's settings: the chosen encoder, keyframe interval ``g``, LeRobot's rest."""
    if codec not in GOP_CODECS:
        raise gr.Error(f"Choose an encoder of {list(GOP_CODECS)}, got {codec!r}.")
    return RGBEncoderConfig(
        vcodec=GOP_CODECS[codec], g=whole_number(g, "Keyframe interval", 1, 300)
    )


@shows_library_errors
def run_gop_lesson(
    state: SessionState, settings: AppSettings, codec: Any, g: Any, history: Any
) -> list[Any]:
    """Encode with the chosen g and show the frame types decoded from the file."""
    config = gop_config(codec, g)
    clip = _clip(settings, GOP_FRAMES)
    folder = state.fresh_folder("learn-gop")
    lesson = run_media_work(gop_lesson, clip.frames, config, fps=clip.fps, output_dir=folder)
    rows = [charts.gop_history_row(lesson), *(history or [])][:8]
    return [charts.gop_strip(lesson), charts.gop_summary(lesson), rows, rows]


def crf_config(vcodec: Any, crf: Any) -> RGBEncoderConfig:
    """The crf lesson's settings: the chosen encoder at ``crf``, LeRobot's other settings."""
    return RGBEncoderConfig(vcodec=str(vcodec), crf=whole_number(crf, "CRF", 0, 63))


def crf_range(vcodec: Any, crf: Any) -> dict[str, Any]:
    """The crf slider's range for an encoder: 0-63 for libsvtav1, 0-51 for h264 and hevc."""
    top = 63 if vcodec == "libsvtav1" else 51
    value = crf if isinstance(crf, int | float) else 30
    return gr.update(maximum=top, value=min(value, top))


@shows_library_errors
def run_crf_lesson(
    state: SessionState, settings: AppSettings, vcodec: Any, crf: Any, history: Any
) -> list[Any]:
    """Re-encode at the chosen crf: a decoded frame, its error, the numbers and the curve."""
    config = crf_config(vcodec, crf)
    clip = _clip(settings, CRF_FRAMES)
    folder = state.fresh_folder("learn-crf")
    encoding = run_media_work(
        encode_lesson,
        clip.frames,
        config,
        fps=clip.fps,
        output_dir=folder,
        png_bytes=_png_bytes(str(settings.bundled_clip), CRF_FRAMES),
        frame_index=len(clip.frames) // 2,
    )
    point = [config.vcodec, config.crf, 100 * encoding.size_ratio_vs_png, encoding.mean_psnr_db]
    kept = [row for row in (history or []) if row[:2] != point[:2]][-19:]
    kept.append(point)
    return [
        encoding.decoded,
        encoding.heatmap,
        charts.encoding_numbers(encoding),
        charts.crf_chart(kept),
        kept,
    ]


def chroma_config(vcodec: Any, crf: Any, pix_fmt: Any) -> RGBEncoderConfig:
    """The chroma lesson's settings with the pixel format chosen to use."""
    return RGBEncoderConfig(
        vcodec=str(vcodec), pix_fmt=str(pix_fmt), crf=whole_number(crf, "CRF", 0, 51)
    )


@shows_library_errors
def run_chroma_lesson(
    state: SessionState, settings: AppSettings, vcodec: Any, crf: Any
) -> list[Any]:
    """Encode at 4:4:4 and 4:2:0 and show the same zoomed crop of each, with the numbers."""
    config = chroma_config(vcodec, crf, "yuv420p")
    clip = _clip(settings, CRF_FRAMES)
    folder = state.fresh_folder("learn-chroma")
    lesson = run_media_work(
        chroma_lesson,
        clip.frames,
        config,
        fps=clip.fps,
        output_dir=folder,
        png_bytes=_png_bytes(str(settings.bundled_clip), CRF_FRAMES),
    )
    top, left = lesson.corner
    where = f"Original: {lesson.crop_size}x{lesson.crop_size} px at x={left}, y={top}, zoomed"
    original = gr.update(value=lesson.original_crop, label=where)
    return [original, *lesson.crops, charts.chroma_table(lesson.encodings)]


def _library_steps(rows: Generator[T, None, None]) -> Generator[T, None, None]:
    """Each item of a library generator, computed on a media thread; its errors as toasts.

    Closing this generator (a cancelled event) closes ``rows``, which stops the library's work.
    """
    try:
        while (row := run_media_work(lambda: next(rows, None))) is not None:
            yield row
    except LeRobotVideoError as err:
        raise gr.Error(user_text(err), print_exception=False) from err
    finally:
        rows.close()


def speed_rows(measured: list[SpeedMeasurement], cameras: Any, fps: Any) -> list[Any]:
    """The speed table, chart and live answer for the measurements so far."""
    count = whole_number(cameras, "Cameras", 1, 64)
    rate = whole_number(fps, "Frames per second", 1, 1000)
    verdicts = [live_capacity(m.encode_fps, cameras=count, fps=rate) for m in measured]
    table = [
        [m.label, round(m.encode_fps), round(m.size_bytes / 1024), "yes" if v.can_record else "no"]
        for m, v in zip(measured, verdicts, strict=True)
    ]
    answer = "\n".join(
        f"- {charts.live_text(m, v)}" for m, v in zip(measured, verdicts, strict=True)
    )
    chart = charts.speed_chart(measured, verdicts[0] if verdicts else None)
    return [table, chart, answer]


def run_speed_lesson(
    state: SessionState, settings: AppSettings, chosen: Any, cameras: Any, fps: Any, progress: Any
) -> Iterator[list[Any]]:
    """Measure each chosen preset's encode speed here; after each, answer the live question."""
    names = [name for name in PRESETS if name in (chosen or [])]
    if not names:
        raise gr.Error("Choose at least one preset to measure.")
    speed_rows([], cameras, fps)  # refuse bad numbers before encoding anything
    clip = _clip(settings, SPEED_FRAMES)
    configs = [PRESETS[name] for name in names]
    steps = measure_encode_speeds(
        clip.frames, configs, fps=clip.fps, output_dir=state.fresh_folder("learn-speed")
    )
    measured: list[SpeedMeasurement] = []
    progress((0, len(names)), desc="Encoding")
    for measurement in _library_steps(steps):
        measured.append(measurement)
        progress((len(measured), len(names)), desc="Encoding")
        pick = gr.update(choices=names[: len(measured)], value=names[0])
        yield [*speed_rows(measured, cameras, fps), measured, pick]


def run_codec_lesson(
    state: SessionState, settings: AppSettings, progress: Any
) -> Iterator[list[Any]]:
    """Race AV1, H.264 and HEVC at g=2, crf=30 on the clip; plot them beside the published."""
    clip = _clip(settings, CODEC_FRAMES)
    published = list(published_codec_points())
    points = iter_codec_lesson(clip, output_dir=state.fresh_folder("learn-codecs"))
    mine = []
    progress((0, len(LESSON_CODECS)), desc="Encoding, decoding and timing")
    for point in _library_steps(points):
        mine.append(point)
        progress((len(mine), len(LESSON_CODECS)), desc="Encoding, decoding and timing")
        shown = published + mine
        yield [
            charts.codec_chart(shown, "psnr_db"),
            charts.codec_chart(shown, "load_time_ratio"),
            charts.codec_table(mine),
        ]


def depth_quantization(depth_min: Any, depth_max: Any, shift: Any) -> DepthQuantization:
    """The depth lesson's range and shift, metres (``use_log`` set by the mapping chosen)."""
    low, high, offset = (
        float(form_number(value, name, integer=False, required=True) or 0)
        for value, name in ((depth_min, "depth_min"), (depth_max, "depth_max"), (shift, "shift"))
    )
    return DepthQuantization(depth_min=low, depth_max=high, shift=offset)


@shows_library_errors
def run_depth_lesson(
    settings: AppSettings, depth_min: Any, depth_max: Any, shift: Any
) -> list[Any]:
    """Draw both quantizers' steps over the range, with the clip's measured round-trip error."""
    quantization = depth_quantization(depth_min, depth_max, shift)
    clip = load_depth_clip([settings.bundled_depth], max_frames=DEPTH_FRAMES)
    lesson = depth_step_lesson(clip.depth, quantization)
    linear, log = lesson.linear_step_mm, lesson.log_step_mm
    text = (
        f"Linear: every step is **{linear[0]:.2f} mm**. Log: **{log[0]:.2f} mm** at "
        f"{quantization.depth_min:g} m, growing to **{log[-1]:.2f} mm** at "
        f"{quantization.depth_max:g} m. Measured on {DEPTH_FRAMES} frames of the bundled depth "
        f"clip ({clip.name}), the largest round-trip error is **{lesson.linear_worst_error_mm:.2f} "
        f"mm** (linear) and **{lesson.log_worst_error_mm:.2f} mm** (log): half a step where the "
        f"scene is."
    )
    return [charts.depth_chart(lesson), text]
