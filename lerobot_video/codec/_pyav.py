"""Private PyAV helpers shared by the codec-facing modules: quiet encoders, safe opening."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import av
import av.container

from lerobot_video.errors import MediaError

# SVT-AV1 prints a banner on stderr for every encoder it opens unless told otherwise; the
# caller's own setting wins.
os.environ.setdefault("SVT_LOG", "1")


logger = logging.getLogger(__name__)


_REALTIME_POLICIES = frozenset(
    getattr(os, name) for name in ("SCHED_FIFO", "SCHED_RR") if hasattr(os, name)
)


def _realtime_threads() -> set[int]:
    """Ids of this process's threads that run under a real-time policy."""
    found = set()
    for name in os.listdir("/proc/self/task"):
        try:
            if os.sched_getscheduler(int(name)) in _REALTIME_POLICIES:
                found.add(int(name))
        except OSError:  # the thread ended meanwhile
            continue
    return found


@contextlib.contextmanager
def keep_thread_scheduling() -> Iterator[None]:
    """Undo real-time scheduling that opening an encoder gave this process's threads.

    SVT-AV1, run as root, switches the thread that opens an encoder, and every worker
    thread it starts (about 50 on two cores), to real-time scheduling (SCHED_FIFO, priority
    99); new threads and processes inherit that. While recording, real-time encoder threads
    starve the capture loop, and a browser started afterwards can starve the machine. When
    the block ends, the calling thread gets its policy back and every thread that turned
    real-time inside the block returns to normal scheduling; threads that were real-time
    before are left alone.
    """
    if not hasattr(os, "sched_getscheduler") or not os.path.isdir("/proc/self/task"):
        yield  # not Linux: nothing to guard
        return
    policy, param = os.sched_getscheduler(0), os.sched_getparam(0)
    before = _realtime_threads()
    try:
        yield
    finally:
        _set_policy(0, policy, param)
        for thread_id in _realtime_threads() - before:
            _set_policy(thread_id, os.SCHED_OTHER, os.sched_param(0))


def _set_policy(thread_id: int, policy: int, param: os.sched_param) -> None:
    try:
        if (os.sched_getscheduler(thread_id), os.sched_getparam(thread_id)) != (policy, param):
            os.sched_setscheduler(thread_id, policy, param)
    except OSError as err:  # lowering a priority is always allowed; the thread may have ended
        logger.debug("could not restore scheduling of thread %d: %s", thread_id, err)


def quiet_options(encoder: str, options: dict[str, str]) -> dict[str, str]:
    """Return ``options`` plus what keeps the encoder from logging to stderr.

    x265 writes its banner and statistics straight to stderr unless ``log-level`` is set in
    ``x265-params``. Only logging changes, never the encoded bitstream.
    """
    if encoder not in ("hevc", "libx265"):
        return options
    params = options.get("x265-params", "")
    if "log-level" in params:
        return options
    return {**options, "x265-params": f"{params}:log-level=error" if params else "log-level=error"}


def open_input(path: Path, file: BinaryIO | None = None) -> av.container.InputContainer:
    """Open a media file for reading, turning FFmpeg's failures into :class:`MediaError`.

    Args:
        path: The file; with ``file``, only its name for messages.
        file: A readable, seekable binary file object to read instead of ``path`` (a remote
            file read by ranges, for example).
    """
    if file is None and not path.is_file():
        raise MediaError(f"Video file {str(path)!r} does not exist or is not a file.", path=path)
    if file is None and path.stat().st_size == 0:
        raise MediaError(f"Video file {str(path)!r} is empty (0 bytes).", path=path)
    if file is not None:
        file.seek(0)  # FFmpeg reads a file object from where it stands
    try:
        container = av.open(str(path) if file is None else file, mode="r")
    except (av.FFmpegError, OSError, ValueError) as err:
        raise MediaError(
            f"Cannot read {str(path)!r} as a video file ({err}); expected an MP4 or other "
            f"container that FFmpeg can open.",
            path=path,
        ) from err
    if not container.streams.video:
        container.close()
        raise MediaError(f"{str(path)!r} has no video stream.", path=path)
    context = container.streams.video[0].codec_context
    if context is None or not context.pix_fmt or not context.width or not context.height:
        container.close()
        raise MediaError(
            f"{str(path)!r} is truncated or corrupt: its video stream has no decodable "
            f"header (codec, pixel format or size missing); re-encode or re-download it.",
            path=path,
        )
    return container
