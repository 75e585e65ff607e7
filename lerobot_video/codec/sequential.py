"""Reading chosen frames of a whole video front to back, and encoding them again as they are.

Random access (:mod:`lerobot_video.codec.decode`) keeps files open and seeks; a re-encode
reads every frame once in order, so here the file is opened, decoded forward and closed,
and at most a frame or two is held at a time (memory stays bounded whatever the length).
Frames are chosen by their number on the file's ``1/fps`` grid (frame ``n`` at ``n / fps``
seconds), as LeRobot's episodes address them.

:func:`transcode_frames` hands the decoded pictures to the encoder as they are: no RGB
round trip (two colour conversions per frame, and their rounding, are saved), as LeRobot's
re-encode does; only the frames a caller asks to see are converted to RGB.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import numpy.typing as npt
from av.video.frame import PictureType

from lerobot_video.codec._pyav import open_input
from lerobot_video.codec.decode import DEPTH_CODE_PIXEL_FORMATS
from lerobot_video.codec.file_modes import write_atomically
from lerobot_video.codec.mp4_writer import Mp4Writer
from lerobot_video.codec.probe import feature_info, probe_video
from lerobot_video.codec.support import EncoderPlan
from lerobot_video.errors import MediaError

GRID_TOLERANCE_S = 1e-4
"""LeRobot's timestamp tolerance: a frame farther than this from ``n / fps`` is refused."""


def _on_grid(
    path: Path, fps: int, numbers: Sequence[int], *, depth_codes: bool
) -> Iterator[av.VideoFrame]:
    """The frames numbered ``numbers`` (increasing), decoded in one forward pass."""
    container = open_input(path)
    wanted, found, position = set(numbers), dict[int, av.VideoFrame](), 0
    try:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"  # throughput matters here, not latency
        pixel_format = stream.codec_context.pix_fmt
        if depth_codes and pixel_format not in DEPTH_CODE_PIXEL_FORMATS:
            raise MediaError(
                f"{str(path)!r} is {pixel_format}, not a 12-bit depth video.", path=path
            )
        for frame in container.decode(stream):
            number = _grid_number(path, frame, fps)
            if number in wanted:
                found[number] = frame
            while position < len(numbers) and numbers[position] in found:
                yield found.pop(numbers[position])
                position += 1
    except av.FFmpegError as err:
        raise MediaError(f"{str(path)!r} is corrupt: {err}.", path=path) from err
    finally:
        container.close()
    if position < len(numbers):
        raise MediaError(
            f"{str(path)!r} has no frame at {numbers[position] / fps:.4f} s (frame "
            f"{numbers[position]}), which its episodes' metadata needs.",
            path=path,
        )


def _grid_number(path: Path, frame: av.VideoFrame, fps: int) -> int:
    if frame.time is None:
        raise MediaError(f"{str(path)!r} has a frame without a timestamp.", path=path)
    number = round(frame.time * fps)
    if abs(frame.time - number / fps) > GRID_TOLERANCE_S:
        raise MediaError(
            f"{str(path)!r} has a frame at {frame.time:.6f} s, off the 1/{fps} s grid; only "
            "constant-frame-rate videos can be re-encoded.",
            path=path,
        )
    return number


def frames_on_grid(
    path: Path, fps: int, numbers: Sequence[int], *, depth_codes: bool = False
) -> Iterator[npt.NDArray[np.uint8] | npt.NDArray[np.uint16]]:
    """Decode the frames numbered ``numbers`` of a constant-frame-rate video, in that order.

    Args:
        path: The video file.
        fps: Its frame rate; frame ``n`` is the one at ``n / fps`` seconds.
        numbers: Frame numbers, increasing.
        depth_codes: Return the 12-bit codes of a depth video (``gray12le``) instead of RGB.

    Yields:
        Each frame: (H, W, 3) uint8 RGB, or (H, W) uint16 codes in [0, 4095].

    Raises:
        MediaError: The file is missing, corrupt, not 12-bit grey when ``depth_codes``, has
            a frame off the grid, or lacks a frame asked for.
    """
    for frame in _on_grid(path, fps, numbers, depth_codes=depth_codes):
        yield cast(
            "npt.NDArray[np.uint8] | npt.NDArray[np.uint16]",
            frame.to_ndarray(format="gray12le" if depth_codes else "rgb24"),
        )


def transcode_frames(
    source: Path,
    output: Path,
    *,
    fps: int,
    plan: EncoderPlan,
    numbers: Sequence[int],
    shown: Collection[int] = (),
    show: Callable[[int, npt.NDArray[np.uint8]], None] | None = None,
) -> dict[str, Any]:
    """Encode frames of ``source`` into ``output`` (written atomically), pictures as decoded.

    Args:
        source: A constant-frame-rate RGB video.
        output: The MP4 to write (replaced if it exists); its folder must exist.
        fps: The frame rate of both files.
        plan: The checked encoder plan of the new file (an RGB config).
        numbers: The source frames to encode, increasing; they become frames 0, 1, 2...
        shown: Output positions whose picture ``show`` receives, as RGB.
        show: Called as ``show(position, frame)``, frame (H, W, 3) uint8.

    Returns:
        The ``info`` block of the new file (:func:`~lerobot_video.feature_info`).

    Raises:
        MediaError: As :func:`frames_on_grid`; FFmpeg failed while encoding.
        ConfigError: The frame size does not suit the encoder.
    """
    info: dict[str, Any] = {}

    def write(temp: Path) -> None:
        writer = Mp4Writer(temp, fps=fps, plan=plan)
        try:
            for position, frame in enumerate(_on_grid(source, fps, numbers, depth_codes=False)):
                if show is not None and position in shown:
                    show(position, cast("npt.NDArray[np.uint8]", frame.to_ndarray(format="rgb24")))
                # A decoded picture keeps its I/P/B type, which encoders take as an order.
                frame.pict_type = PictureType.NONE
                writer.write(frame)
        except BaseException:
            writer.abort()
            raise
        writer.close()
        info.update(feature_info(probe_video(temp), plan.config))

    write_atomically(output, write)
    return info
