"""Checking an encoder form as the user fills it in: once per value, with the library's words."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from components.feedback import note, ready, user_text
from components.state import AppSettings
from lerobot_video import EncoderConfig, codec_options, trial_encode

MAX_FPS = 1000
"""Highest frame rate a form accepts (cameras and sample clips are far below it)."""


def verdict(config: EncoderConfig) -> str:
    """What a run with ``config`` will do, once FFmpeg has encoded a few frames with it.

    The check is the run's own: :func:`~lerobot_video.trial_encode` plans the config and
    opens the real encoder with the exact options, so a green verdict means the run starts.

    Raises:
        LeRobotVideoError: The library's reason it cannot (for the form to show).
    """
    trial = trial_encode(config)
    options = " ".join(f"`{k}={v}`" for k, v in codec_options(trial.plan.config).items())
    lines = [ready(f"FFmpeg options: {options}")]
    lines += [note(user_text(text)) for text in trial.notes]
    return "\n\n".join(lines)


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


def whole_number(value: object, what: str, low: int, high: int) -> int:
    """``value`` as an int in [low, high]; API callers can send anything, so check its type too.

    Raises:
        gr.Error: Naming ``what``, the range and the value.
    """
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and float(value).is_integer()
        and low <= value <= high
    ):
        return int(value)
    raise gr.Error(f"{what} must be a whole number from {low} to {high}, got {value!r:.40}.")


def form_number(
    value: object, name: str, *, integer: bool, required: bool = False
) -> int | float | None:
    """A form's number field as the library wants it: None when blank, an int when whole.

    Raises:
        gr.Error: ``value`` is not a number, not whole where ``integer``, or blank and
            ``required``.
    """
    if value is None or value == "":
        if required:
            raise gr.Error(f"{name} needs a number.")
        return None
    if isinstance(value, bool):
        raise gr.Error(f"{name} must be a number, got {value!r}.")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"{name} must be a number, got {value!r:.40}.") from None
    if number.is_integer():
        return int(number)
    if integer:
        raise gr.Error(f"{name} must be a whole number, got {value!r:.40}.")
    return number


def frame_limit(max_frames: object, settings: AppSettings) -> int:
    """The "Frames to use" value as an int in [1, settings.max_frames]."""
    return whole_number(max_frames, "Frames to use", 1, settings.max_frames)


def choice(value: object, what: str, choices: Sequence[str]) -> str:
    """``value`` when it is one of ``choices``; API callers can send anything.

    Raises:
        gr.Error: Naming ``what`` and the choices.
    """
    if isinstance(value, str) and value in choices:
        return value
    listed = ", ".join(repr(c) for c in choices)
    raise gr.Error(f"{what} must be one of {listed}; got {value!r:.60}.")


def flag(value: object, what: str) -> bool:
    """``value`` when it is true or false (a checkbox).

    Raises:
        gr.Error: Naming ``what``.
    """
    if isinstance(value, bool):
        return value
    raise gr.Error(f"{what} must be true or false, got {value!r:.40}.")


def text(value: object, what: str) -> str:
    """``value`` when it is text (a text box; blank is ``""``), else a clear error."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise gr.Error(f"{what} must be text, got {type(value).__name__} {value!r:.40}.")


def uploaded_paths(files: object) -> list[str]:
    """The server paths of a file upload's value, as Gradio sends it unprocessed.

    Gradio has already refused files that were not uploaded (server paths, other folders);
    this turns its file records (``{"path": …}``) or plain paths into a list of paths.

    Raises:
        gr.Error: ``files`` is not a list of uploaded files.
    """
    if files is None:
        return []
    if not isinstance(files, list):
        files = [files]
    paths = []
    for item in files:
        path = item.get("path") if isinstance(item, dict) else item
        if not isinstance(path, str) or not path:
            raise gr.Error(f"Uploads must be files; got {item!r:.60}.")
        paths.append(path)
    return paths
