"""Private PyAV helpers shared by the codec-facing modules: quiet encoders, safe opening."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import av
import av.container

from lerobot_video.errors import MediaError

# SVT-AV1 prints a banner on stderr for every encoder it opens unless told otherwise; the
# caller's own setting wins.
os.environ.setdefault("SVT_LOG", "1")


logger = logging.getLogger(__name__)


@contextlib.contextmanager
def keep_thread_scheduling() -> Iterator[None]:
    """Restore the calling thread's scheduling policy when the block ends.

    SVT-AV1, run as root, switches the thread that opens an encoder to real-time
    scheduling (SCHED_FIFO, priority 99) and that policy is inherited by every thread and
    process started from it afterwards; on a small machine one busy real-time process (a
    browser, say) can then starve everything else. Encoders are opened inside this block so
    callers keep the policy they had.
    """
    if not hasattr(os, "sched_getscheduler"):  # not Linux: nothing to guard
        yield
        return
    policy, param = os.sched_getscheduler(0), os.sched_getparam(0)
    try:
        yield
    finally:
        if (os.sched_getscheduler(0), os.sched_getparam(0)) != (policy, param):
            try:
                os.sched_setscheduler(0, policy, param)
            except OSError as err:  # lowering one's own priority is always allowed; log oddities
                logger.debug("could not restore thread scheduling: %s", err)


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


def open_input(path: Path) -> av.container.InputContainer:
    """Open a media file for reading, turning FFmpeg's failures into :class:`MediaError`."""
    if not path.is_file():
        raise MediaError(f"Video file {str(path)!r} does not exist or is not a file.", path=path)
    if path.stat().st_size == 0:
        raise MediaError(f"Video file {str(path)!r} is empty (0 bytes).", path=path)
    try:
        container = av.open(str(path), mode="r")
    except (av.FFmpegError, OSError, ValueError) as err:
        raise MediaError(
            f"Cannot read {str(path)!r} as a video file ({err}); expected an MP4 or other "
            f"container that FFmpeg can open.",
            path=path,
        ) from err
    if not container.streams.video:
        container.close()
        raise MediaError(f"{str(path)!r} has no video stream.", path=path)
    return container
