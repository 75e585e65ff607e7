"""Private PyAV helpers shared by the codec-facing modules: quiet encoders, safe opening."""

from __future__ import annotations

import os
from pathlib import Path

import av
import av.container

from lerobot_video.errors import MediaError

# SVT-AV1 prints a banner on stderr for every encoder it opens unless told otherwise; the
# caller's own setting wins.
os.environ.setdefault("SVT_LOG", "1")


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
