"""Timing with the garbage collector held off, shared by both sides of the benchmarks.

Standard library only: the LeRobot workers (LeRobot's interpreter) import it as a sibling
file, as do the bench_*.py drivers.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the garbage collector off inside the block; a collection never lands in a timing."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def timed(call: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Run ``call(*args, **kwargs)`` once after a collection, collector off.

    Returns:
        The call's wall time in seconds (``time.perf_counter``) and its result.
    """
    gc.collect()
    with gc_paused():
        start = time.perf_counter()
        result = call(*args, **kwargs)
        return time.perf_counter() - start, result
