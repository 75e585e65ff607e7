"""Reading a whole video front to back, one frame at a time, with each frame's time.

Random access (:mod:`lerobot_video.codec.decode`) keeps files open and seeks; a re-encode
reads every frame once in order, so here the file is opened, decoded forward and closed,
and only one frame is held at a time (memory stays bounded whatever the file's length).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import cast

import av
import numpy as np
import numpy.typing as npt

from lerobot_video.codec._pyav import open_input
from lerobot_video.codec.decode import DEPTH_CODE_PIXEL_FORMATS
from lerobot_video.errors import MediaError, path_argument


def iter_video_frames(
    path: str | os.PathLike[str], *, depth_codes: bool = False
) -> Iterator[tuple[float, npt.NDArray[np.uint8] | npt.NDArray[np.uint16]]]:
    """Decode a video from its start, in presentation order, one frame at a time.

    Args:
        path: The video file.
        depth_codes: Return the 12-bit codes of a depth video (``gray12le``) instead of RGB.

    Yields:
        ``(seconds, frame)``: the frame's presentation time from the file's start, and the
        frame, (H, W, 3) uint8 RGB or (H, W) uint16 codes in [0, 4095].

    Raises:
        MediaError: The file is missing, not a video or corrupt; ``depth_codes`` on a
            stream that is not 12-bit grey; no frame decodes.
    """
    path = path_argument(path)
    container = open_input(path)
    try:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"  # throughput matters here, not latency
        pixel_format = stream.codec_context.pix_fmt
        if depth_codes and pixel_format not in DEPTH_CODE_PIXEL_FORMATS:
            raise MediaError(
                f"{str(path)!r} is {pixel_format}, not a 12-bit depth video (gray12le).",
                path=path,
            )
        decoded = 0
        for frame in container.decode(stream):
            if frame.time is None:
                raise MediaError(f"{str(path)!r} has a frame without a timestamp.", path=path)
            seconds = float(frame.time)
            picture = cast(
                "npt.NDArray[np.uint8] | npt.NDArray[np.uint16]",
                frame.to_ndarray(format="gray12le" if depth_codes else "rgb24"),
            )
            decoded += 1
            yield seconds, picture
    except av.FFmpegError as err:
        raise MediaError(f"{str(path)!r} is corrupt: {err}.", path=path) from err
    finally:
        container.close()
    if not decoded:
        raise MediaError(f"{str(path)!r} has no decodable frames.", path=path)
