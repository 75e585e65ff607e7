"""The depth quantizer and encoder form: its knobs, their conversion to a config, its checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.checks import flag, form_number, verdict, wire_checks
from components.feedback import refused, user_text
from lerobot_video import DepthEncoderConfig, LeRobotVideoError, is_lossless, with_lossless


def depth_config_from_form(
    depth_min: float,
    depth_max: float,
    shift: float,
    use_log: bool,
    vcodec: str,
    pix_fmt: str,
    g: float | None,
    crf: float | None,
    preset: str,
    lossless: bool,
) -> DepthEncoderConfig:
    """Turn the depth form's values into a :class:`DepthEncoderConfig` (the library validates).

    The library also refuses a mode the encoder lacks (lossy FFV1), with its own message.
    """
    preset_text = "" if preset is None else str(preset).strip()
    config = DepthEncoderConfig(
        vcodec=vcodec,
        pix_fmt=pix_fmt,
        g=form_number(g, "g", integer=True),  # type: ignore[arg-type]
        crf=form_number(crf, "crf", integer=False),
        preset=int(preset_text) if preset_text.lstrip("-").isdigit() else (preset_text or None),
        extra_options={},
        depth_min=form_number(depth_min, "depth_min", integer=False, required=True),  # type: ignore[arg-type]
        depth_max=form_number(depth_max, "depth_max", integer=False, required=True),  # type: ignore[arg-type]
        shift=form_number(shift, "shift", integer=False, required=True),  # type: ignore[arg-type]
        use_log=flag(use_log, "Logarithmic steps (use_log)"),
    )
    return with_lossless(config, flag(lossless, "Lossless"))


def validate_depth_form(*knobs: Any) -> str:
    """Check the depth form's values (those of :func:`depth_config_from_form`)."""
    if any(knob is None for knob in knobs[:3]):
        return refused("depth_min, depth_max and shift need a number of metres each.")
    try:
        return verdict(depth_config_from_form(*knobs))
    except (LeRobotVideoError, gr.Error) as err:
        return refused(user_text(err.message if isinstance(err, gr.Error) else err))


@dataclass(frozen=True)
class DepthEncoderForm:
    """The components of the depth encoder form, in :func:`depth_config_from_form` order."""

    column: gr.Column | gr.Row
    knobs: list[Any]
    verdict: gr.Markdown
    checked: gr.State


def depth_encoder_form(
    defaults: DepthEncoderConfig, *, side_by_side: bool = False
) -> DepthEncoderForm:
    """Build the depth quantizer and encoder form prefilled with ``defaults``.

    ``side_by_side`` puts the quantizer and the encoder in two titled columns (a page with
    room for them) rather than one column (an accordion).
    """
    with gr.Row(equal_height=False) if side_by_side else gr.Column(min_width=220) as column:
        with gr.Column(min_width=220):
            if side_by_side:
                gr.Markdown("**Quantizer** (metres)")
            knobs: list[Any] = [
                gr.Number(defaults.depth_min, label="Nearest depth, code 0 (depth_min, m)"),
                gr.Number(defaults.depth_max, label="Farthest depth, code 4095 (depth_max, m)"),
                gr.Number(
                    defaults.shift,
                    label="Log shift (shift, m)",
                    info="Larger = steps more even across the range.",
                ),
                gr.Checkbox(defaults.use_log, label="Logarithmic steps (use_log)"),
            ]
        with gr.Column(min_width=220):
            if side_by_side:
                gr.Markdown("**Depth encoder**")
            knobs += _depth_encoder_knobs(defaults)
            values = depth_form_values(defaults)
            verdict_box = gr.Markdown(validate_depth_form(*values))
    return DepthEncoderForm(column, knobs, verdict_box, gr.State(tuple(values)))


def _depth_encoder_knobs(defaults: DepthEncoderConfig) -> list[Any]:
    return [
        gr.Dropdown(["hevc", "ffv1"], value=defaults.vcodec, label="Encoder (vcodec)"),
        # Only 12-bit grey keeps every depth code exact (the library refuses the others).
        gr.Dropdown(
            ["gray12le"],
            value=defaults.pix_fmt,
            label="Pixel format (pix_fmt)",
            info="12-bit grey: one code per pixel, exact.",
        ),
        gr.Number(defaults.g, precision=0, label="Keyframe interval (GOP, g)"),
        gr.Number(
            defaults.crf, label="Constant rate factor (CRF)", info="No effect while lossless is on."
        ),
        # One line (an <input>, not a <textarea>): a preset is one word.
        gr.Textbox(
            "" if defaults.preset is None else str(defaults.preset),
            label="Preset",
            info="x265 speed, ultrafast to placebo; blank = medium (LeRobot's default).",
            lines=1,
            max_lines=1,
        ),
        gr.Checkbox(
            is_lossless(defaults),
            label="Lossless (x265-params lossless=1)",
            info="FFV1 is always lossless.",
        ),
    ]


def depth_form_values(config: DepthEncoderConfig) -> list[Any]:
    """The depth form values that stand for ``config``."""
    preset = "" if config.preset is None else str(config.preset)
    return [
        config.depth_min,
        config.depth_max,
        config.shift,
        config.use_log,
        config.vcodec,
        config.pix_fmt,
        config.g,
        config.crf,
        preset,
        is_lossless(config),
    ]


def wire_depth_form(form: DepthEncoderForm, *, api_name: str) -> None:
    """Check the depth form as the user fills it in."""
    wire_checks(form.knobs, form.checked, form.verdict, validate_depth_form, api_name)
