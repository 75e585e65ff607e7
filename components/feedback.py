"""The one adapter between library outcomes and Gradio: errors to toasts, progress to bars.

A message shown to a user says what was wrong in their terms: no server paths (a session
folder or the upload cache tells them nothing and tells others too much), no raw HTML (a
``<class 'float'>`` would vanish in the toast) and no 300-digit numbers. User errors are
logged as one line each; only faults (anything else) keep Gradio's traceback in the log.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from decimal import Decimal
from typing import ParamSpec, TypeVar

import gradio as gr

from components.state import Sessions, SessionState
from lerobot_video import LeRobotVideoError

P = ParamSpec("P")
R = TypeVar("R")

LOG = logging.getLogger("lerobot_video_studio")
MAX_MESSAGE_CHARS = 600

_PATH = re.compile(r"(?<![\w.])(?:/[^\s/'\"`,;:()]+){2,}/?")
_LONG_NUMBER = re.compile(r"\d{16,}")


def _short_number(match: re.Match[str]) -> str:
    return f"{Decimal(match.group()):.3e}"


def user_text(error: BaseException | str) -> str:
    """``error``'s message made safe to show: paths as file names, HTML escaped, numbers short.

    An absolute path becomes its last component (``…/sessions/ab12/compare/1-h264.mp4`` →
    ``1-h264.mp4``); ``&`` and ``<`` are escaped; digit runs of 16 or more become scientific
    notation; the whole is cut to :data:`MAX_MESSAGE_CHARS`.
    """
    text = str(error)
    text = _PATH.sub(lambda m: m.group().rstrip("/").rsplit("/", 1)[-1], text)
    text = _LONG_NUMBER.sub(_short_number, text)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "…"
    # "&" and "<" are all HTML needs to show text as text (">=" stays readable).
    return text.replace("&", "&amp;").replace("<", "&lt;")


def ready(text: str) -> str:
    """A form's verdict when the run will start: plain words, no emoji (fonts lack them)."""
    return f"**Ready:** {text}"


def refused(text: str) -> str:
    """A form's verdict when the run would be refused, with the reason (already user text)."""
    return f"**Refused:** {text}"


def note(text: str) -> str:
    """Something a run will do differently from what the form says."""
    return f"**Note:** {text}"


def shows_library_errors(handler: Callable[P, R]) -> Callable[P, R]:
    """Show a user error raised by ``handler`` as an error toast, logged as one line.

    User errors are the library's own (:class:`LeRobotVideoError`, written for users) and the
    ``gr.Error`` a handler raises itself. Anything else is a fault: Gradio shows a generic
    error and the server log keeps the traceback.
    """

    @functools.wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        except (LeRobotVideoError, gr.Error) as err:
            message = user_text(err.message if isinstance(err, gr.Error) else err)
            LOG.info("user error in %s: %s", handler.__name__, message.replace("\n", " "))
            raise gr.Error(message, print_exception=False) from err

    return wrapper


def progress_callback(progress: gr.Progress, description: str) -> Callable[[int, int], None]:
    """Adapt a ``gr.Progress`` tracker to the library's ``progress(done, total)`` callbacks."""

    def report(done: int, total: int) -> None:
        progress((done, total) if total else None, desc=description)

    return report


def failure_status(sessions: Sessions) -> Callable[[gr.Request], str]:
    """A ``.failure`` listener for a page's status line: it names the session's last refusal.

    The handlers keep it with :meth:`SessionState.noting_errors`; without this the status
    would keep the words of the step before the one that failed ("Loaded …").
    """

    def status(request: gr.Request) -> str:
        return refused(sessions.get(request).last_error or "the action stopped; see the message.")

    return status


def quietly(state: SessionState, work: Callable[[], R]) -> R:
    """Run ``work``; a refusal is said on the page's status line, not in a toast.

    The message is kept as the session's ``last_error`` (for the status line) and the error
    re-raised invisible, so Gradio's ``.failure`` listeners run without a toast.
    """
    try:
        with state.noting_errors():
            return work()
    except gr.Error as err:
        raise gr.Error(str(err.message), visible=False, print_exception=False) from err
