"""Checking an encoder form as the user fills it in: once per value, with the library's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from lerobot_video import EncoderConfig, check_supported, codec_options


def verdict(config: EncoderConfig) -> str:
    """The FFmpeg options ``config`` gives, once the library finds it can run here.

    Raises:
        LeRobotVideoError: The library's reason it cannot (for the form to show).
    """
    check_supported(config)
    options = " ".join(f"`{k}={v}`" for k, v in codec_options(config).items())
    return f"✅ FFmpeg options: {options}"


def check_once(
    validate: Callable[..., str], checked: tuple[Any, ...] | None, *knobs: Any
) -> tuple[Any, Any]:
    """Check a form with ``validate`` unless these values were the last ones checked.

    Returns:
        The values now checked and the verdict, or two ``gr.skip()`` for values seen last time.
    """
    if checked == knobs:
        return gr.skip(), gr.skip()
    return knobs, validate(*knobs)


def check_triggers(knobs: list[Any]) -> list[Any]:
    """When to check a form: a typed value once it is entered, a choice once it is made.

    ``change`` would fire on every keystroke in a box, and also when an event (not the user)
    sets a value; ``blur``/``submit`` and ``input`` do neither.
    """
    triggers: list[Any] = []
    for knob in knobs:
        typed = isinstance(knob, (gr.Number, gr.Textbox))
        triggers += [knob.blur, knob.submit] if typed else [knob.input]
    return triggers


def wire_checks(
    knobs: list[Any],
    checked: gr.State,
    verdict_box: gr.Markdown,
    validate: Callable[..., str],
    api_name: str,
    *,
    skip: tuple[Any, ...] = (),
) -> None:
    """Check ``knobs`` with ``validate`` when one of them (but those in ``skip``) is entered.

    ``checked`` holds the values last checked, so entering the same values again (leaving a box
    unchanged) does not check them twice.
    """

    def check(last: tuple[Any, ...] | None, *values: Any) -> tuple[Any, Any]:
        return check_once(validate, last, *values)

    gr.on(
        check_triggers([k for k in knobs if all(k is not s for s in skip)]),
        check,
        [checked, *knobs],
        [checked, verdict_box],
        api_name=api_name,
        api_visibility="private",
        trigger_mode="always_last",
        show_progress="hidden",
    )
