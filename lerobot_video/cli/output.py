"""How the command prints: JSON documents on stdout, progress bars and error lines on stderr."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

BAR_WIDTH = 24
"""Characters of a progress bar's filled part at 100 %."""


def jsonable(value: Any) -> Any:
    """Dataclasses, mappings, paths, tuples, arrays, numpy scalars and non-finite floats as JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def print_json(value: Any) -> None:
    """``value`` as one JSON document on stdout."""
    print(json.dumps(jsonable(value), indent=1))


def one_line(err: BaseException) -> str:
    """An error's message on one line of at most 400 characters."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 400 else text[:397] + "..."


class ProgressBar:
    """A progress bar on stderr, redrawn in place; a new line once ``done == total``.

    Called as ``bar(done, total)`` or ``bar(done, total, what)``, so it serves both the
    library's two-argument and three-argument progress callbacks.
    """

    line_open: ClassVar[bool] = False
    """Whether a bar was left unfinished on stderr (an error message then starts a line)."""

    def __init__(self, noun: str, *, scale: float = 1.0, prefix: str = "") -> None:
        self.noun, self.scale, self.prefix = noun, scale, prefix
        self._last: tuple[int, int, str] | None = None

    def __call__(self, done: int, total: int, what: str = "") -> None:
        """Draw ``done`` of ``total`` (``total`` 0: unknown), with an optional note."""
        if (done, total, what) == self._last:
            return
        self._last = (done, total, what)
        filled = round(BAR_WIDTH * done / total) if total > 0 else 0
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        digits = 0 if self.scale == 1 else 1
        count = f"{done / self.scale:.{digits}f}/{total / self.scale:.{digits}f} {self.noun}"
        note = f"  {what}" if what else ""
        clear = "\033[K" if sys.stderr.isatty() else ""  # erase a longer previous line
        print(f"\r{clear}{self.prefix}[{bar}] {count}{note}", end="", file=sys.stderr, flush=True)
        ProgressBar.line_open = True
        if total > 0 and done >= total:
            end_progress_line()


def end_progress_line() -> None:
    """End an unfinished progress bar's line, so what follows starts on its own line."""
    if ProgressBar.line_open:
        print(file=sys.stderr, flush=True)
        ProgressBar.line_open = False
