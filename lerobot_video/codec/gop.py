"""A video's GOP structure as its decoder sees it: each frame's picture type and keyframes.

The frame types (I, P, B) are what FFmpeg's decoder reports for each decoded picture
(``AVFrame.pict_type``), in presentation order, so a lesson shows the file as written, not
the encoder options that asked for it. Reading them decodes every frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import av
from av.video.frame import PictureType

from lerobot_video.codec._pyav import open_input
from lerobot_video.errors import MediaError, path_argument

_TYPE_LETTERS = {
    PictureType.I: "I",
    PictureType.P: "P",
    PictureType.B: "B",
    PictureType.S: "S",
    PictureType.SI: "I",
    PictureType.SP: "P",
    PictureType.BI: "B",
}
"""PyAV's picture types as the usual letter; switching and "BI" frames count as their base."""


@dataclass(frozen=True, kw_only=True, slots=True)
class GopInfo:
    """Each frame's type and which frames are keyframes, in presentation order.

    Attributes:
        frame_types: One letter per frame: ``"I"`` (intra), ``"P"`` (predicted from earlier
            frames), ``"B"`` (bi-directional: also from later frames), ``"S"`` (sprite) or
            ``"?"`` when the decoder does not say. AV1 decoders report every inter frame as
            ``"P"``, whatever its references.
        keyframes: Indices (presentation order, ascending) of the frames a decoder can start
            from: what a random access seeks to.
    """

    frame_types: tuple[str, ...]
    keyframes: tuple[int, ...]

    @property
    def num_frames(self) -> int:
        """Frames decoded from the file."""
        return len(self.frame_types)


def read_gop(path: str | os.PathLike[str]) -> GopInfo:
    """Decode a video's first stream and report each frame's type and the keyframes.

    Args:
        path: A video file FFmpeg can read.

    Returns:
        The frame types and keyframes, in presentation order.

    Raises:
        ConfigError: ``path`` is not a file path.
        MediaError: The file is missing, not a video, or fails to decode.
    """
    source = path_argument(path)
    types: list[str] = []
    keyframes: list[int] = []
    with open_input(source) as container:
        try:
            for index, frame in enumerate(container.decode(video=0)):
                types.append(_TYPE_LETTERS.get(PictureType(frame.pict_type), "?"))
                if frame.key_frame:
                    keyframes.append(index)
        except av.FFmpegError as err:
            raise MediaError(
                f"Cannot decode {str(source)!r} after {len(types)} frames ({err}); the file is "
                f"damaged or truncated.",
                path=source,
            ) from err
    return GopInfo(frame_types=tuple(types), keyframes=tuple(keyframes))
