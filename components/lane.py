"""Media work (comparisons, depth round trips, zips) on threads that yield the CPU to recording.

A recording must keep real time: every tick it misses is a frame lost. Comparisons encode
as fast as the machine allows, so on a 2-core Space they used to take the cores a recording
needs (a recording fell from 30 to 12.7 fps while another tab compared). Linux keeps a nice
value per thread and threads inherit their creator's, so running media work on threads with
a higher nice value also lowers the FFmpeg threads they start, while the recorder's capture
and encoder threads keep the normal priority. With nothing else to run, niced threads still
get every idle core, so comparisons are not slower on a quiet machine.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

MEDIA_NICENESS = 19
"""Media threads' nice value, the lowest priority: under contention a normal-priority thread
gets about 68 times their CPU time (Linux's CFS weights 1024 against 15); alone they run at
full speed."""


def _lower_priority() -> None:
    # Not Linux, or not permitted: the work runs at normal priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), MEDIA_NICENESS)


_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="media", initializer=_lower_priority)


def _load_libc() -> Any:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to trim
        return None


_LIBC = _load_libc()


def release_free_memory() -> None:
    """Hand memory freed by finished work back to the system (glibc keeps it otherwise).

    A comparison allocates hundreds of MB of frames on a worker thread; glibc keeps what is
    freed in that thread's arena, so the process would stay at its highest point forever.
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def run_media_work(work: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run ``work`` on a low-priority media thread and wait for its result (or exception).

    The caller's context variables go along, so Gradio's progress bar still reaches the
    page. How many run at once is set by the events' queue (``concurrency_limit``), not here.
    Memory the work freed is returned to the system afterwards.
    """
    context = contextvars.copy_context()
    try:
        return _POOL.submit(functools.partial(context.run, work, *args, **kwargs)).result()
    finally:
        release_free_memory()
