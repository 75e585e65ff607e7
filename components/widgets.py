"""Shared UI builders: the RGB encoder knob form, its conversions and its checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.checks import form_number, text, verdict, wire_checks
from components.feedback import refused, user_text
from lerobot_video import (
    VALID_VIDEO_CODECS,
    ConfigError,
    LeRobotVideoError,
    RGBEncoderConfig,
    encoder_availability,
    supported_pixel_formats,
)

KNOB_HELP = {
    "vcodec": "Encoder. libsvtav1 (AV1) is LeRobot's default: small files, fast to decode. "
    "h264 plays everywhere; hevc is smaller than h264 but browsers rarely play it. "
    "'auto' picks a hardware encoder only if one really works here.",
    "pix_fmt": "Pixel format. yuv420p halves colour resolution and plays in browsers; "
    "yuv444p keeps full colour; 10-bit formats reduce banding.",
    "g": "Keyframe interval (GOP, frames). Smaller = faster random access, bigger files. "
    "LeRobot uses 2. Blank = encoder default.",
    "crf": "Constant rate factor: quality target, lower = better and bigger. libsvtav1 0-63 "
    "(integers), h264/hevc 0-51. LeRobot uses 30. Blank = encoder default.",
    "preset": "Speed/quality trade-off. libsvtav1: -2..13 (blank = 12, fastest); "
    "h264/hevc: ultrafast ... veryslow (blank = medium).",
    "fast_decode": "Decoder-friendly encoding. libsvtav1: level 0-2; h264/hevc: any non-zero "
    "value sets tune=fastdecode.",
    "extra_options": "More FFmpeg options, one key=value per line (e.g. bf=0). They never "
    "override the fields above.",
}


@dataclass(frozen=True)
class EncoderForm:
    """The components of one encoder config form, in the order handlers receive them."""

    column: gr.Column
    label: gr.Textbox
    vcodec: gr.Dropdown
    pix_fmt: gr.Dropdown
    g: gr.Number
    crf: gr.Number
    preset: gr.Textbox
    fast_decode: gr.Number
    extra_options: gr.Textbox
    verdict: gr.Markdown
    checked: gr.State

    @property
    def knobs(self) -> list[Any]:
        """The value-carrying components, label first."""
        return [
            self.label,
            self.vcodec,
            self.pix_fmt,
            self.g,
            self.crf,
            self.preset,
            self.fast_decode,
            self.extra_options,
        ]


KNOBS_PER_FORM = 8


def codec_choices() -> list[tuple[str, str]]:
    """Dropdown choices: every LeRobot vcodec, marked when it cannot run here."""
    availability = encoder_availability()
    choices = []
    for name in VALID_VIDEO_CODECS:
        reason = availability.get(name)
        note = "" if reason is None else " (not usable here)"
        choices.append((f"{name}{note}", name))
    return choices


def encoder_form(
    title: str,
    defaults: RGBEncoderConfig,
    *,
    visible: bool,
    show_help: bool,
    named: bool = True,
) -> EncoderForm:
    """Build one encoder form prefilled with ``defaults``, and its check of them.

    ``show_help`` adds the knob help; ``named=False`` hides the form's name box (a page that
    has a single form needs no name for it).
    """
    help_ = KNOB_HELP if show_help else dict.fromkeys(KNOB_HELP)
    with gr.Column(visible=visible, min_width=220) as column:
        label = gr.Textbox(value=title, label="Name", max_lines=1, visible=named)
        vcodec = gr.Dropdown(
            codec_choices(), value=defaults.vcodec, label="Encoder (vcodec)", info=help_["vcodec"]
        )
        pix_fmt = gr.Dropdown(
            list(supported_pixel_formats(defaults.vcodec)) or [defaults.pix_fmt],
            value=defaults.pix_fmt,
            label="Pixel format (pix_fmt)",
            info=help_["pix_fmt"],
            allow_custom_value=True,
        )
        g = gr.Number(
            value=defaults.g, label="Keyframe interval (GOP, g)", precision=0, info=help_["g"]
        )
        crf = gr.Number(value=defaults.crf, label="Constant rate factor (CRF)", info=help_["crf"])
        preset = gr.Textbox(
            value="" if defaults.preset is None else str(defaults.preset),
            label="Preset",
            info=help_["preset"],
            max_lines=1,
        )
        fast_decode = gr.Number(
            value=defaults.fast_decode, label="Fast decode", precision=0, info=help_["fast_decode"]
        )
        extra = gr.Textbox(
            value="", label="Extra FFmpeg options", lines=2, info=help_["extra_options"]
        )
        values = form_values(defaults)
        verdict_box = gr.Markdown(validate_form(*values))
    checked = gr.State(tuple(values))
    return EncoderForm(
        column, label, vcodec, pix_fmt, g, crf, preset, fast_decode, extra, verdict_box, checked
    )


def form_values(config: RGBEncoderConfig) -> list[Any]:
    """The form values that stand for ``config`` (the inverse of :func:`config_from_form`)."""
    extra = "\n".join(f"{k}={v}" for k, v in config.extra_options.items())
    preset = "" if config.preset is None else str(config.preset)
    return [config.vcodec, config.pix_fmt, config.g, config.crf, preset, config.fast_decode, extra]


def _extra_options(text: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for line in str(text or "").replace(",", "\n").splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"Extra option {line.strip()!r} is not key=value; write one option per line, "
                f"for example bf=0."
            )
        options[key.strip()] = value.strip()
    return options


def config_from_form(
    vcodec: str,
    pix_fmt: str,
    g: float | None,
    crf: float | None,
    preset: str,
    fast_decode: float | None,
    extra_options: str,
) -> RGBEncoderConfig:
    """Turn form values into an :class:`RGBEncoderConfig` (the library validates it)."""
    preset_text = "" if preset is None else str(preset).strip()
    preset_value: int | str | None = preset_text or None
    if preset_text.lstrip("-").isdigit():
        preset_value = int(preset_text)
    return RGBEncoderConfig(
        vcodec=vcodec,
        pix_fmt=pix_fmt,
        g=form_number(g, "g", integer=True),  # type: ignore[arg-type]
        crf=form_number(crf, "crf", integer=False),
        preset=preset_value,
        fast_decode=form_number(fast_decode, "fast_decode", integer=True) or 0,  # type: ignore[arg-type]
        extra_options=_extra_options(text(extra_options, "Extra FFmpeg options")),
    )


def pixel_formats_for(vcodec: str, current: str) -> dict[str, Any]:
    """Offer the pixel formats the chosen encoder accepts, keeping the current one if valid."""
    formats = list(supported_pixel_formats(vcodec))
    value = current if current in formats or not formats else formats[0]
    return gr.update(choices=formats or [current], value=value)


def validate_form(*knobs: Any) -> str:
    """Check one RGB form; show the FFmpeg options or the library's message."""
    try:
        return verdict(config_from_form(*knobs))
    except (LeRobotVideoError, gr.Error) as err:
        return refused(user_text(err.message if isinstance(err, gr.Error) else err))


def choose_encoder(*knobs: Any) -> tuple[tuple[Any, ...], dict[str, Any], str]:
    """The encoder changed: offer its pixel formats and check the form with the one kept.

    ``knobs`` are :func:`config_from_form`'s values; returns the values checked, the pixel
    format dropdown's update and the verdict.
    """
    vcodec, pix_fmt, *rest = knobs
    formats = pixel_formats_for(vcodec, pix_fmt)
    values = (vcodec, formats["value"], *rest)
    return values, formats, validate_form(*values)


def wire_encoder_form(form: EncoderForm, *, formats_api_name: str, validate_api_name: str) -> None:
    """Check an RGB form as the user fills it in; a new encoder also updates the pixel formats."""
    knobs = form.knobs[1:]
    form.vcodec.input(
        choose_encoder,
        knobs,
        [form.checked, form.pix_fmt, form.verdict],
        api_name=formats_api_name,
        api_visibility="private",
        trigger_mode="always_last",
        show_progress="hidden",
    )
    wire_checks(
        knobs, form.checked, form.verdict, validate_form, validate_api_name, skip=(form.vcodec,)
    )
