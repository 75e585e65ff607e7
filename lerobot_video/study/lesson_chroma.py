"""The chroma lesson: what 4:2:0 subsampling does to colour detail, next to 4:4:4.

Both encodings use the same encoder and crf and differ only in ``pix_fmt``; the crop shown
is where the first frame has the most colour detail, zoomed so single pixels are visible.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lerobot_video.config import RGBEncoderConfig
from lerobot_video.errors import ConfigError
from lerobot_video.study.lessons import LessonEncoding, encode_lesson

RGBFrames = npt.NDArray[np.uint8]


def chroma_detail_box(frame: RGBFrames, *, size: int = 48) -> tuple[int, int]:
    """Top-left corner of the ``size`` x ``size`` window with the most colour detail.

    Colour detail is the summed gradient magnitude of the two chroma planes (BT.601 Cb and
    Cr): where 4:2:0 subsampling, which keeps one chroma sample per 2x2 pixels, loses most.

    Args:
        frame: An RGB frame, (H, W, 3) uint8, at least ``size`` pixels each way.
        size: Window side in pixels, >= 2.

    Returns:
        ``(top, left)`` in pixels, multiples of ``size // 2``.

    Raises:
        ConfigError: ``frame`` is not (H, W, 3) uint8 or is smaller than the window.
    """
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.dtype != np.uint8:
        raise ConfigError(f"frame must be (H, W, 3) uint8, got {getattr(frame, 'shape', frame)}.")
    if size < 2 or frame.shape[0] < size or frame.shape[1] < size:
        raise ConfigError(f"size must be in [2, {min(frame.shape[:2])}], got {size}.")
    rgb = frame.astype(np.float32)
    cb = -0.1687 * rgb[..., 0] - 0.3313 * rgb[..., 1] + 0.5 * rgb[..., 2]
    cr = 0.5 * rgb[..., 0] - 0.4187 * rgb[..., 1] - 0.0813 * rgb[..., 2]
    detail = np.zeros(frame.shape[:2], dtype=np.float64)
    for plane in (cb, cr):
        detail[:, 1:] += np.abs(np.diff(plane, axis=1))
        detail[1:, :] += np.abs(np.diff(plane, axis=0))
    step = size // 2
    best, corner = -1.0, (0, 0)
    for top in range(0, frame.shape[0] - size + 1, step):
        for left in range(0, frame.shape[1] - size + 1, step):
            total = float(detail[top : top + size, left : left + size].sum())
            if total > best:
                best, corner = total, (top, left)
    return corner


def zoomed_crop(
    frame: RGBFrames, corner: tuple[int, int], *, size: int = 48, zoom: int = 6
) -> RGBFrames:
    """A ``size`` x ``size`` crop at ``corner``, each pixel repeated ``zoom`` times each way.

    Pixel repetition (not smoothing) so every original pixel stays visible as a square.

    Args:
        frame: An RGB frame, (H, W, 3) uint8.
        corner: ``(top, left)`` of the crop, in pixels; the crop must fit in the frame.
        size: Crop side in pixels, >= 1.
        zoom: Magnification, 1..16.

    Returns:
        The crop, (size * zoom, size * zoom, 3) uint8.

    Raises:
        ConfigError: The crop does not fit, or ``zoom`` is out of range.
    """
    top, left = corner
    if not 1 <= zoom <= 16:
        raise ConfigError(f"zoom must be in [1, 16], got {zoom!r}.")
    if (
        size < 1
        or top < 0
        or left < 0
        or top + size > frame.shape[0]
        or left + size > frame.shape[1]
    ):
        raise ConfigError(
            f"A {size}x{size} crop at {corner!r} does not fit a {frame.shape[1]}x{frame.shape[0]} "
            f"frame."
        )
    crop = np.asarray(frame[top : top + size, left : left + size])
    return np.repeat(np.repeat(crop, zoom, axis=0), zoom, axis=1)


CHROMA_FORMATS = ("yuv444p", "yuv420p")
"""What the chroma lesson compares: full colour resolution, and LeRobot's (and browsers') 4:2:0."""


@dataclass(frozen=True, kw_only=True, slots=True)
class ChromaLesson:
    """The same clip encoded at 4:4:4 and 4:2:0, and a zoomed crop of colour detail of each.

    Attributes:
        encodings: One per pixel format of :data:`CHROMA_FORMATS`, in that order.
        corner: ``(top, left)`` of the crop in the frame, pixels.
        crop_size: Side of the crop in frame pixels.
        original_crop: The original frame's crop, zoomed, (S, S, 3) uint8.
        crops: Each encoding's crop of the same frame, zoomed, (S, S, 3) uint8, in order.
    """

    encodings: tuple[LessonEncoding, ...]
    corner: tuple[int, int]
    crop_size: int
    original_crop: RGBFrames
    crops: tuple[RGBFrames, ...]


def chroma_lesson(
    frames: RGBFrames,
    config: RGBEncoderConfig,
    *,
    fps: int,
    output_dir: str | os.PathLike[str],
    png_bytes: int,
    crop_size: int = 48,
) -> ChromaLesson:
    """Encode ``frames`` at each of :data:`CHROMA_FORMATS` with ``config``'s other settings.

    The encoder must accept both formats (libx264 and libx265 do; SVT-AV1 encodes 4:2:0
    only). The crop is taken from frame 0.

    Args:
        frames: RGB frames, (N, H, W, 3) uint8, at least ``crop_size`` pixels each way.
        config: Encoder settings; its ``pix_fmt`` is replaced by each compared format.
        fps: Frames per second, >= 1.
        output_dir: Folder for the two MP4s.
        png_bytes: Bytes of the frames as PNG (:func:`png_size_bytes`), > 0.
        crop_size: Side of the crop, pixels, >= 2; it is zoomed to about 288 pixels.

    Returns:
        Both encodings and the crops.

    Raises:
        ConfigError: Invalid frames or settings, or an encoder that refuses a format.
        CodecUnavailableError: The encoder is not available here.
        MediaError: Encoding or decoding failed.
    """
    encodings = tuple(
        encode_lesson(
            frames,
            dataclasses.replace(config, pix_fmt=pix_fmt),
            fps=fps,
            output_dir=output_dir,
            png_bytes=png_bytes,
        )
        for pix_fmt in CHROMA_FORMATS
    )
    original = np.asarray(frames[0])
    corner = chroma_detail_box(original, size=crop_size)
    zoom = max(1, min(16, 288 // crop_size))
    return ChromaLesson(
        encodings=encodings,
        corner=corner,
        crop_size=crop_size,
        original_crop=zoomed_crop(original, corner, size=crop_size, zoom=zoom),
        crops=tuple(zoomed_crop(e.decoded, corner, size=crop_size, zoom=zoom) for e in encodings),
    )
