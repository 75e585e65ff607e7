"""Encoder settings that travel: in a link, in the browser between visits, from page to page.

A person who found good settings on the Compare page wants to record with them, to send them
to a colleague ("these are the settings I mean"), and to find them again tomorrow. The
settings are an RGB encoder config and a depth config; in a link they are query parameters
(``?tab=record&rgb.vcodec=h264&rgb.crf=23&depth.depth_max=6``) that a person can read and
edit. Every value coming back from a link or the browser is checked by building the config and
trying it, so a bad link shows the library's reason and changes nothing. The page's settings
bar and its events are in :mod:`components.settings_bar`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import gradio as gr

from components.checks import flag
from components.depth_form import depth_config_from_form, depth_form_values, validate_depth_form
from components.feedback import user_text
from components.widgets import config_from_form, form_values, pixel_formats_for, validate_form
from lerobot_video import DepthEncoderConfig, LeRobotVideoError, RGBEncoderConfig, trial_encode

TAB_IDS = ("compare", "record", "depth")
RGB_FIELDS = ("vcodec", "pix_fmt", "g", "crf", "preset", "fast_decode", "extra_options")
"""The RGB form's fields, in :func:`~components.widgets.config_from_form` order."""
DEPTH_FIELDS = (
    "depth_min",
    "depth_max",
    "shift",
    "use_log",
    "vcodec",
    "pix_fmt",
    "g",
    "crf",
    "preset",
    "lossless",
)
"""The depth form's fields, in :func:`~components.depth_form.depth_config_from_form` order."""
_FLAGS = {"use_log", "lossless"}


@dataclass(frozen=True)
class Settings:
    """Settings read from a link or the browser; None for a part that was absent.

    Attributes:
        rgb: The colour encoder config.
        depth: The depth quantizer and encoder config.
        tab: The page to open (one of :data:`TAB_IDS`).
        problems: Why a part was ignored, in the library's words.
    """

    rgb: RGBEncoderConfig | None = None
    depth: DepthEncoderConfig | None = None
    tab: str | None = None
    problems: tuple[str, ...] = ()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # the form reads 10 and 10.0 alike; the link says it once
    return "" if value is None else str(value)


def settings_query(
    rgb: RGBEncoderConfig | None, depth: DepthEncoderConfig | None, tab: str | None = None
) -> str:
    """The query string (without ``?``) that stands for these settings and page."""
    params: dict[str, str] = {} if tab is None else {"tab": tab}
    if rgb is not None:
        params |= {f"rgb.{k}": _text(v) for k, v in zip(RGB_FIELDS, form_values(rgb), strict=True)}
    if depth is not None:
        values = depth_form_values(depth)
        params |= {f"depth.{k}": _text(v) for k, v in zip(DEPTH_FIELDS, values, strict=True)}
    return urlencode(params)


def _field(params: Mapping[str, str], prefix: str, name: str) -> Any:
    value = params.get(f"{prefix}.{name}", "")
    if name in _FLAGS:
        return flag({"1": True, "true": True, "0": False, "false": False}.get(value.lower()), name)
    return value


def settings_from_query(params: Mapping[str, str]) -> Settings:
    """Read settings from query parameters (or the browser's copy of them); never raises.

    A part (RGB or depth) is read only when one of its parameters is present; a part whose
    values the library refuses is left out, with the reason in ``problems``.
    """
    found: dict[str, Any] = {}
    problems: list[str] = []
    parts = (("rgb", RGB_FIELDS, config_from_form), ("depth", DEPTH_FIELDS, depth_config_from_form))
    for prefix, fields, build in parts:
        if not any(key.startswith(f"{prefix}.") for key in params):
            continue
        try:
            config = build(*(_field(params, prefix, name) for name in fields))
            trial_encode(config)  # the forms' own check: a link never fills a refused form
            found[prefix] = config
        except (LeRobotVideoError, gr.Error) as err:
            message = err.message if isinstance(err, gr.Error) else str(err)
            problems.append(f"The link's {prefix} settings were not used: {user_text(message)}")
    tab = params.get("tab")
    return Settings(
        rgb=found.get("rgb"),
        depth=found.get("depth"),
        tab=tab if tab in TAB_IDS else None,
        problems=tuple(problems),
    )


def rgb_form_updates(config: RGBEncoderConfig | None, label: str | None = None) -> list[Any]:
    """Updates that put ``config`` into an RGB form (its knobs, label first) and its verdict."""
    if config is None:
        return [gr.update()] * 9
    values = form_values(config)
    shown: list[Any] = list(values)
    shown[1] = pixel_formats_for(config.vcodec, config.pix_fmt)  # the encoder's formats too
    return [gr.update() if label is None else label, *shown, validate_form(*values)]


def depth_form_updates(config: DepthEncoderConfig | None) -> list[Any]:
    """Updates that put ``config`` into a depth form (its knobs) and its verdict."""
    if config is None:
        return [gr.update()] * 11
    values = depth_form_values(config)
    return [*values, validate_depth_form(*values)]
