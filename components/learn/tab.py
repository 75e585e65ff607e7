"""Learn tab: why LeRobot stores cameras as AV1, yuv420p, g=2, crf=30, shown by real encodings."""

from __future__ import annotations

from typing import Any

import gradio as gr

from components.feedback import shows_library_errors
from components.learn.carry import CarryTargets, depth_to_record, wire_rgb_carry
from components.learn.handlers import (
    PRESETS,
    chroma_config,
    crf_config,
    crf_range,
    depth_quantization,
    gop_config,
    run_chroma_lesson,
    run_codec_lesson,
    run_crf_lesson,
    run_depth_lesson,
    run_gop_lesson,
    run_speed_lesson,
    speed_rows,
)
from components.learn.layout import LearnPage, build_learn_page
from components.learn.recommend import proposal_config, run_recommend
from components.state import AppSettings, Sessions
from lerobot_video import DepthEncoderConfig, RGBEncoderConfig


def render(sessions: Sessions, settings: AppSettings) -> LearnPage:
    """Build the Learn tab and wire its lessons; the app wires the carry buttons."""
    page = build_learn_page()
    _wire_quick(page, sessions, settings)
    _wire_long(page, sessions, settings)
    _wire_recommend(page, sessions, settings)
    return page


def _media(**extra: Any) -> dict[str, Any]:
    return {"concurrency_id": "media", **extra}


def _wire_quick(page: LearnPage, sessions: Sessions, settings: AppSettings) -> None:
    """The lessons that take a second or two: GOP, crf, chroma, depth."""

    def gop(codec: Any, g: Any, history: Any, request: gr.Request) -> list[Any]:
        return run_gop_lesson(sessions.get(request), settings, codec, g, history)

    def crf(vcodec: Any, value: Any, history: Any, request: gr.Request) -> list[Any]:
        return run_crf_lesson(sessions.get(request), settings, vcodec, value, history)

    def chroma(vcodec: Any, value: Any, request: gr.Request) -> list[Any]:
        return run_chroma_lesson(sessions.get(request), settings, vcodec, value)

    def depth(low: Any, high: Any, shift: Any) -> list[Any]:
        return run_depth_lesson(settings, low, high, shift)

    page.gop_run.click(
        gop,
        [page.gop_codec, page.gop_g, page.gop_history],
        [page.gop_strip, page.gop_summary, page.gop_table, page.gop_history],
        api_name="learn_gop",
        **_media(),
    )
    crf_inputs = [page.crf_codec, page.crf_value, page.crf_history]
    crf_outputs = [page.crf_decoded, page.crf_heatmap, page.crf_numbers, page.crf_chart]
    for trigger, name in ((page.crf_run.click, "learn_crf"), (page.crf_value.release, "")):
        trigger(
            crf,
            crf_inputs,
            [*crf_outputs, page.crf_history],
            api_name=name or "learn_crf_slider",
            api_visibility="public" if name else "private",
            trigger_mode="always_last",
            **_media(),
        )
    page.crf_codec.input(
        crf_range, [page.crf_codec, page.crf_value], page.crf_value, api_visibility="private"
    )
    page.chroma_run.click(
        chroma,
        [page.chroma_codec, page.chroma_crf],
        [page.chroma_original, page.chroma_444, page.chroma_420, page.chroma_table],
        api_name="learn_chroma",
        **_media(),
    )
    page.depth_run.click(
        depth,
        [page.depth_min, page.depth_max, page.depth_shift],
        [page.depth_chart, page.depth_text],
        api_name="learn_depth",
    )


def _wire_long(page: LearnPage, sessions: Sessions, settings: AppSettings) -> None:
    """The lessons that take half a minute: each shows progress and can be cancelled."""

    def speed(
        chosen: Any,
        cameras: Any,
        fps: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> Any:
        yield from run_speed_lesson(sessions.get(request), settings, chosen, cameras, fps, progress)

    def codecs(
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> Any:
        yield from run_codec_lesson(sessions.get(request), settings, progress)

    @shows_library_errors
    def judge(measured: Any, cameras: Any, fps: Any) -> list[Any]:
        return speed_rows(list(measured or []), cameras, fps)

    speed_out = [page.speed_table, page.speed_chart, page.speed_answer]
    measured = page.speed_run.click(
        speed,
        [page.speed_presets, page.speed_cameras, page.speed_fps],
        [*speed_out, page.speed_measured, page.speed_pick],
        api_name="learn_speed",
        **_media(),
    )
    page.speed_cancel.click(None, cancels=[measured], api_visibility="private")
    for box in (page.speed_cameras, page.speed_fps):
        box.input(
            judge,
            [page.speed_measured, page.speed_cameras, page.speed_fps],
            speed_out,
            api_visibility="private",
            trigger_mode="always_last",
            show_progress="hidden",
        )
    raced = page.codec_run.click(
        codecs,
        None,
        [page.codec_quality, page.codec_load, page.codec_table],
        api_name="learn_codecs",
        **_media(),
    )
    page.codec_cancel.click(None, cancels=[raced], api_visibility="private")


def _wire_recommend(page: LearnPage, sessions: Sessions, settings: AppSettings) -> None:
    """The search for smaller settings: progress, Cancel, then the evidence and the proposal."""

    def recommend(
        psnr_mode: Any,
        psnr_db: Any,
        load_limited: Any,
        load_ratio: Any,
        min_fps: Any,
        browser: Any,
        hevc: Any,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio injects the tracker
    ) -> Any:
        target = (psnr_mode, psnr_db, load_limited, load_ratio, min_fps, browser)
        yield from run_recommend(sessions.get(request), settings, target, hevc, progress)

    target_inputs = [
        page.rec_psnr_mode,
        page.rec_psnr_db,
        page.rec_load_limited,
        page.rec_load_ratio,
        page.rec_min_fps,
        page.rec_browser,
    ]
    outputs = [page.rec_explanation, page.rec_chart, page.rec_front, page.rec_proposal]
    searched = page.rec_run.click(
        recommend,
        [*target_inputs, page.rec_hevc],
        [*outputs, page.rec_to_record, page.rec_to_compare],
        api_name="learn_recommend",
        **_media(),
    )
    page.rec_cancel.click(None, cancels=[searched], api_visibility="private")


def _preset_config(pick: Any) -> RGBEncoderConfig:
    if pick not in PRESETS:
        raise gr.Error("Measure the presets first, then choose one of them.")
    return PRESETS[pick]


def _codec_config(vcodec: Any) -> RGBEncoderConfig:
    return RGBEncoderConfig(vcodec=str(vcodec), g=2, crf=30)


def wire_carry(page: LearnPage, targets: CarryTargets) -> None:
    """Wire each lesson's "Use these settings" buttons to the Record and Compare forms."""
    for prefix, inputs, build, label in (
        ("gop", [page.gop_codec, page.gop_g], gop_config, "GOP lesson"),
        ("crf", [page.crf_codec, page.crf_value], crf_config, "crf lesson"),
        (
            "chroma",
            [page.chroma_codec, page.chroma_crf, page.chroma_pick],
            chroma_config,
            "Chroma lesson",
        ),
        ("speed", [page.speed_pick], _preset_config, "Preset lesson"),
        ("codec", [page.codec_pick], _codec_config, "Codec lesson"),
        ("rec", [page.rec_proposal], proposal_config, "search for smaller settings"),
    ):
        buttons = (getattr(page, f"{prefix}_to_record"), getattr(page, f"{prefix}_to_compare"))
        wire_rgb_carry(buttons, inputs, build, f"From the Learn page ({label})", targets)

    @shows_library_errors
    def depth(low: Any, high: Any, shift: Any, mapping: Any) -> list[Any]:
        quantization = depth_quantization(low, high, shift)
        config = DepthEncoderConfig(
            depth_min=quantization.depth_min,
            depth_max=quantization.depth_max,
            shift=quantization.shift,
            use_log=mapping != "linear",
        )
        return depth_to_record(config)

    page.depth_to_record.click(
        depth,
        [page.depth_min, page.depth_max, page.depth_shift, page.depth_pick],
        targets.record_depth_outputs,
        api_visibility="private",
    )
