"""The one adapter between library outcomes and Gradio: errors to toasts, progress to bars."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import gradio as gr

from lerobot_video import LeRobotVideoError

P = ParamSpec("P")
R = TypeVar("R")


def shows_library_errors(handler: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`LeRobotVideoError` raised by ``handler`` into an error toast.

    Only the library's own errors are shown this way: their messages are written for users.
    Anything else is a bug; Gradio shows a generic error and the server log keeps the trace.
    """

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        except LeRobotVideoError as err:
            raise gr.Error(str(err), print_exception=False) from err

    return wrapper


def progress_callback(progress: gr.Progress, description: str) -> Callable[[int, int], None]:
    """Adapt a ``gr.Progress`` tracker to the library's ``progress(done, total)`` callbacks."""

    def report(done: int, total: int) -> None:
        progress((done, total) if total else None, desc=description)

    return report
