"""The bare PyAV RGB encode loop: the least work turning frames into an MP4 needs.

``av`` and ``numpy`` only: bench_encode.py times it with this repo's PyAV and
``_lerobot_encode_probe.py`` with LeRobot's, so both sides import it as a sibling file.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import av
import numpy as np
import numpy.typing as npt


def floor_encode(
    frames: npt.NDArray[np.uint8],
    path: Path,
    fps: int,
    codec: str,
    pix_fmt: str,
    options: dict[str, str],
) -> None:
    """Encode uint8 (N, H, W, 3) frames to ``path`` with a bare PyAV loop."""
    with av.open(str(path), mode="w", format="mp4") as out:
        stream = cast("av.VideoStream", out.add_stream(codec, rate=fps, options=options))
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = pix_fmt
        for index, frame in enumerate(frames):
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = index
            out.mux(stream.encode(video_frame))
        out.mux(stream.encode(None))
