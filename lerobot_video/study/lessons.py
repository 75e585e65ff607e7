"""Small real encodings that explain one encoder knob each: GOP, CRF and chroma subsampling.

Each lesson encodes the frames it is given with :func:`~lerobot_video.encode_video` and reads
the result back (frame types, size, fidelity), so what it teaches is measured on this machine
and this FFmpeg, not quoted. Speed and codec lessons are in :mod:`.lesson_speed`, depth
steps in :mod:`.lesson_depth`.
"""

from __future__ import annotations

import io
import itertools
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from lerobot_video.codec.browser import BrowserSupport, browser_support
from lerobot_video.codec.decode import decode_all_frames
from lerobot_video.codec.encode import encode_video
from lerobot_video.codec.gop import GopInfo, read_gop
from lerobot_video.config import RGBEncoderConfig
from lerobot_video.errors import ConfigError, FrameIndexError
from lerobot_video.metrics import compute_quality
from lerobot_video.preview import difference_heatmap
from lerobot_video.study.compare import check_rgb_frames, output_folder

RGBFrames = npt.NDArray[np.uint8]


def random_access_costs(keyframes: Sequence[int], num_frames: int) -> tuple[int, ...]:
    """Frames a decoder must decode to show each frame when it seeks straight to it.

    A seek lands on the last keyframe at or before frame ``k`` and decodes forward, so frame
    ``k`` costs ``k - keyframe + 1`` frames (1 for a keyframe itself). With B-frames the
    decoder also needs the later frame each B-frame refers to, so their true cost is higher
    by about one: this is the lower bound every codec shares.

    Args:
        keyframes: Keyframe indices in presentation order; must include 0.
        num_frames: Frames in the video, >= 1.

    Returns:
        One cost per frame, each in [1, num_frames].

    Raises:
        ConfigError: ``num_frames`` < 1, or keyframes are not ascending indices in
            [0, num_frames) starting at 0.
    """
    if isinstance(num_frames, bool) or not isinstance(num_frames, int) or num_frames < 1:
        raise ConfigError(f"num_frames must be an integer >= 1, got {num_frames!r}.")
    marks = list(keyframes)
    if not marks or marks[0] != 0 or any(b <= a for a, b in itertools.pairwise(marks)):
        raise ConfigError(
            f"keyframes must be ascending frame indices starting at 0, got {marks[:10]!r}."
        )
    if marks[-1] >= num_frames:
        raise ConfigError(f"keyframe {marks[-1]} is outside a video of {num_frames} frames.")
    costs: list[int] = []
    last = 0
    keys = set(marks)
    for index in range(num_frames):
        last = index if index in keys else last
        costs.append(index - last + 1)
    return tuple(costs)


@dataclass(frozen=True, kw_only=True, slots=True)
class GopLesson:
    """One encoding's GOP as decoded, and what random access to each frame costs.

    Attributes:
        config: The encoder settings used.
        path: The encoded MP4.
        gop: Frame types and keyframes read back from the file.
        access_costs: Frames decoded to show each frame after a seek (presentation order).
        size_bytes: Size of the MP4 in bytes.
    """

    config: RGBEncoderConfig
    path: Path
    gop: GopInfo
    access_costs: tuple[int, ...]
    size_bytes: int

    @property
    def mean_access_cost(self) -> float:
        """Average over every frame of :attr:`access_costs`, in frames."""
        return float(np.mean(self.access_costs))


def gop_lesson(
    frames: RGBFrames,
    config: RGBEncoderConfig,
    *,
    fps: int,
    output_dir: str | os.PathLike[str],
) -> GopLesson:
    """Encode ``frames`` with ``config``, then read back each frame's type and access cost.

    Args:
        frames: RGB frames, (N, H, W, 3) uint8.
        config: Encoder settings (``g`` sets the keyframe interval).
        fps: Frames per second, >= 1.
        output_dir: Folder for the MP4 (``gop.mp4``, replaced on each call); made if missing.

    Returns:
        The lesson's measurements.

    Raises:
        ConfigError: Invalid frames, fps or config.
        CodecUnavailableError: The encoder is not available here.
        MediaError: Encoding or reading back failed.
    """
    path = output_folder(output_dir) / "gop.mp4"
    encode_video(frames, path, fps=fps, config=config)
    gop = read_gop(path)
    return GopLesson(
        config=config,
        path=path,
        gop=gop,
        access_costs=random_access_costs(gop.keyframes, gop.num_frames),
        size_bytes=path.stat().st_size,
    )


def png_size_bytes(frames: RGBFrames) -> int:
    """Bytes the frames take as PNG files (PIL defaults): the benchmark's size baseline.

    Args:
        frames: RGB frames, (N, H, W, 3) uint8.

    Raises:
        ConfigError: ``frames`` is not (N, H, W, 3) uint8 with N >= 1.
    """
    check_rgb_frames(frames)

    def size(index: int) -> int:
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(frames[index])).save(buffer, format="PNG")
        return buffer.tell()

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return sum(pool.map(size, range(len(frames))))


@dataclass(frozen=True, kw_only=True, slots=True)
class LessonEncoding:
    """One encoding of a lesson clip: its cost, its fidelity and one frame of it.

    Attributes:
        config: The encoder settings used.
        path: The encoded MP4.
        size_bytes: Size of the MP4 in bytes.
        size_ratio_vs_png: ``size_bytes`` / bytes of the same frames as PNG files.
        encode_fps: Frames encoded per second of wall time on this machine.
        mean_psnr_db: PSNR averaged over frames, dB (data range 1; ``inf`` if lossless).
        mean_ssim: SSIM averaged over frames, in [-1, 1].
        mean_mse: MSE averaged over frames, on [0, 1] pixel values.
        frame_index: The frame shown in ``decoded`` and ``heatmap``.
        decoded: That frame as decoded, (H, W, 3) uint8.
        heatmap: Its error against the original (:func:`difference_heatmap`), (H, W, 3) uint8.
        browser: Whether browsers play the stream, and why not.
    """

    config: RGBEncoderConfig
    path: Path
    size_bytes: int
    size_ratio_vs_png: float
    encode_fps: float
    mean_psnr_db: float
    mean_ssim: float
    mean_mse: float
    frame_index: int
    decoded: RGBFrames
    heatmap: RGBFrames
    browser: BrowserSupport


def encode_lesson(
    frames: RGBFrames,
    config: RGBEncoderConfig,
    *,
    fps: int,
    output_dir: str | os.PathLike[str],
    png_bytes: int,
    frame_index: int = 0,
) -> LessonEncoding:
    """Encode ``frames`` with ``config`` and measure size, speed and fidelity.

    Args:
        frames: RGB frames, (N, H, W, 3) uint8.
        config: Encoder settings.
        fps: Frames per second, >= 1.
        output_dir: Folder for the MP4 (named after the codec, pixel format and crf).
        png_bytes: Bytes of the same frames as PNG (:func:`png_size_bytes`), > 0.
        frame_index: Frame to return decoded, with its error heatmap; in [0, N).

    Returns:
        The encoding's measurements.

    Raises:
        ConfigError: Invalid frames, fps, config or ``png_bytes``.
        FrameIndexError: ``frame_index`` is outside the clip.
        CodecUnavailableError: The encoder is not available here.
        MediaError: Encoding or decoding failed.
    """
    check_rgb_frames(frames)
    if isinstance(png_bytes, bool) or not isinstance(png_bytes, int) or png_bytes < 1:
        raise ConfigError(f"png_bytes must be a positive integer, got {png_bytes!r}.")
    if not isinstance(frame_index, int) or not 0 <= frame_index < len(frames):
        raise FrameIndexError(
            f"frame_index must be in [0, {len(frames) - 1}], got {frame_index!r}."
        )
    name = f"{config.vcodec}-{config.pix_fmt}-crf{config.crf}.mp4".replace("/", "-")
    path = output_folder(output_dir) / name
    start = time.perf_counter()
    info = encode_video(frames, path, fps=fps, config=config)
    encode_fps = len(frames) / (time.perf_counter() - start)
    decoded, _ = decode_all_frames(path)
    quality = compute_quality(frames, decoded)
    size = path.stat().st_size
    return LessonEncoding(
        config=config,
        path=path,
        size_bytes=size,
        size_ratio_vs_png=size / png_bytes,
        encode_fps=encode_fps,
        mean_psnr_db=quality.mean_psnr_db,
        mean_ssim=quality.mean_ssim,
        mean_mse=quality.mean_mse,
        frame_index=frame_index,
        decoded=decoded[frame_index],
        heatmap=difference_heatmap(np.asarray(frames[frame_index]), decoded[frame_index]),
        browser=browser_support(info["video.codec"], info["video.pix_fmt"]),
    )
