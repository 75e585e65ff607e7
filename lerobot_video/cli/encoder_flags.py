"""Encoder settings as flags: ``--rgb_encoder.<field>`` and ``--depth_encoder.<field>``.

The flag names are LeRobot's (``RGBEncoderConfig`` and ``DepthEncoderConfig`` field names),
with LeRobot's ``--dataset.<stream>_encoder.<field>`` spellings accepted as aliases. A field
left out takes the library's default, which is LeRobot's.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from lerobot_video import DepthEncoderConfig, RGBEncoderConfig


def crf_value(text: str) -> float | int | None:
    """``--*.crf``: a number, or ``none``."""
    if text.lower() == "none":
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def int_or_none(text: str) -> int | None:
    """An integer, or ``none``."""
    return None if text.lower() == "none" else int(text)


def preset_value(text: str) -> int | str | None:
    """``--*.preset``: an integer (libsvtav1), a name (``fast``), or ``none``."""
    if text.lower() == "none":
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def options_value(text: str) -> dict[str, Any]:
    """``--*.extra_options``: a JSON object."""
    try:
        value = json.loads(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not JSON: {err}") from err
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('give a JSON object such as \'{"tune": "film"}\'')
    return value


def bool_value(text: str) -> bool:
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``)."""
    words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    if text.lower() not in words:
        raise argparse.ArgumentTypeError(f"give true or false, got {text!r}")
    return words[text.lower()]


RGB_FIELDS: dict[str, Callable[[str], Any]] = {
    "vcodec": str,
    "pix_fmt": str,
    "g": int_or_none,
    "crf": crf_value,
    "preset": preset_value,
    "fast_decode": int,
    "video_backend": str,
    "extra_options": options_value,
}
"""Each field of :class:`~lerobot_video.RGBEncoderConfig` to the parser of its flag's value."""

DEPTH_FIELDS: dict[str, Callable[[str], Any]] = {
    **RGB_FIELDS,
    "depth_min": float,
    "depth_max": float,
    "shift": float,
    "use_log": bool_value,
}
"""Each field of :class:`~lerobot_video.DepthEncoderConfig` (metres) to its value's parser."""

_NAMES = {"rgb": ("rgb_encoder", "camera_encoder"), "depth": ("depth_encoder",)}
"""Stream kind to its flag prefix, then LeRobot's spellings (``camera_encoder``: older)."""


def add_encoder_flags(parser: argparse.ArgumentParser, kind: str) -> None:
    """Add ``--<kind>_encoder.<field>`` and its LeRobot aliases for every field of ``kind``."""
    fields = RGB_FIELDS if kind == "rgb" else DEPTH_FIELDS
    names = _NAMES[kind]
    group = parser.add_argument_group(
        f"{kind} encoder",
        f"--{names[0]}.<field> (also --dataset.{names[0]}.<field>) for "
        f"{', '.join(fields)}; extra_options is a JSON object. Unset fields take LeRobot's "
        f"defaults.",
    )
    for field, kind_of in fields.items():
        flags = [f"--{names[0]}.{field}", *(f"--dataset.{name}.{field}" for name in names)]
        group.add_argument(*flags, dest=f"{kind}_{field}", type=kind_of, metavar="VALUE")


def _given(args: argparse.Namespace, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    values = {field: getattr(args, f"{kind}_{field}") for field in fields}
    return {field: value for field, value in values.items() if value is not None}


def rgb_config(args: argparse.Namespace) -> RGBEncoderConfig:
    """The RGB config from the flags given (``ConfigError`` when the library refuses it)."""
    return RGBEncoderConfig(**_given(args, "rgb", RGB_FIELDS))


def depth_config(args: argparse.Namespace) -> DepthEncoderConfig:
    """The depth config from the flags given (``ConfigError`` when the library refuses it)."""
    return DepthEncoderConfig(**_given(args, "depth", DEPTH_FIELDS))
