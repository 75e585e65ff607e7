"""Depth round trips measured: quantize, encode, decode, dequantize, and what was lost.

The measurement behind the Depth page. Each encoding of a depth clip reports its size
against raw 16-bit frames, encode and decode speed, whether the 12-bit codes survived bit for
bit, and the depth error against the original (in metres; displays convert).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lerobot_video.clips import DepthClip
from lerobot_video.codec.decode import decode_depth_codes
from lerobot_video.codec.encode import ProgressCallback, encode_depth_video
from lerobot_video.codec.options import is_lossless
from lerobot_video.codec.probe import probe_video
from lerobot_video.codec.support import EncoderPlan, plan_encoder
from lerobot_video.config import DEPTH_ONLY_CODECS, DepthEncoderConfig
from lerobot_video.depth import (
    DepthUnit,
    dequantize_depth,
    quantize_depth,
)
from lerobot_video.errors import ConfigError, FrameIndexError
from lerobot_video.preview import auto_depth_range, colorize_depth, colorize_error
from lerobot_video.study.compare import check_config_pairs, output_folder

MAX_DEPTH_CONFIGS = 6


@dataclass(frozen=True, kw_only=True, slots=True)
class DepthEncoding:
    """One encoder config's round trip of a depth clip.

    Attributes:
        label: Name shown to the user.
        config: The depth encoder and quantizer config as encoded (``auto`` resolved).
        path: The encoded MP4.
        info: Its LeRobot ``info`` block (with ``depth_unit``).
        profile: Codec and profile as FFmpeg reports them, e.g. ``hevc Rext``.
        size_bytes: Size of the MP4.
        size_ratio_vs_raw: ``size_bytes`` over the bytes of raw uint16 frames (N*H*W*2).
        encode_fps: Frames quantized and encoded per second.
        decode_fps: Frames decoded (codes) per second, all frames in order.
        codes_exact: True when every decoded code equals the written code.
        max_code_error: Largest absolute difference between written and decoded codes.
        decoded_m: Dequantized depth in metres, (N, H, W) float32; NaN where invalid.
        error_m: ``decoded_m`` minus the original, metres, (N, H, W); NaN where invalid.
        in_range: Valid pixels inside [depth_min, depth_max], (N, H, W) bool: the only ones
            a 12-bit code can represent; the others saturate at the range ends.
        lerobot_readable: Whether LeRobot 0.6.1 can load a dataset with this stream.
    """

    label: str
    config: DepthEncoderConfig
    path: Path
    info: dict[str, Any]
    profile: str
    size_bytes: int
    size_ratio_vs_raw: float
    encode_fps: float
    decode_fps: float
    codes_exact: bool
    max_code_error: int
    decoded_m: npt.NDArray[np.float32]
    error_m: npt.NDArray[np.float32]
    in_range: npt.NDArray[np.bool_]
    lerobot_readable: bool

    @property
    def lossless(self) -> bool:
        """Whether the config promises bit-exact codes (:func:`~lerobot_video.is_lossless`).

        Compare with :attr:`codes_exact`, which says whether they came back exact.
        """
        return is_lossless(self.config)

    @property
    def max_abs_error_m(self) -> float:
        """Largest depth error over in-range pixels, in metres (0 when there are none)."""
        errors = np.abs(self.error_m[self.in_range & np.isfinite(self.error_m)])
        return float(errors.max()) if errors.size else 0.0

    @property
    def mean_abs_error_m(self) -> float:
        """Mean absolute depth error over in-range pixels, in metres."""
        errors = np.abs(self.error_m[self.in_range & np.isfinite(self.error_m)])
        return float(errors.mean()) if errors.size else 0.0

    @property
    def out_of_range_fraction(self) -> float:
        """Share of valid pixels outside [depth_min, depth_max] (they saturate), 0..1."""
        valid = np.isfinite(self.error_m)
        return float(1 - self.in_range.sum() / max(int(valid.sum()), 1))


@dataclass(frozen=True, kw_only=True, slots=True)
class DepthComparison:
    """The result of :func:`compare_depth_encodings`.

    Attributes:
        clip: The clip that was encoded.
        original_m: The clip in metres, (N, H, W) float32, NaN where invalid.
        raw_bytes: Bytes of the clip as raw uint16 frames.
        encodings: One report per config, in the order given.
    """

    clip: DepthClip
    original_m: npt.NDArray[np.float32]
    raw_bytes: int
    encodings: tuple[DepthEncoding, ...]

    def display_range(self) -> tuple[float, float]:
        """Colour range (m) for the whole clip: 1st-99th percentile of in-range pixels."""
        in_range = self.original_m[self.encodings[0].in_range]
        return auto_depth_range(in_range if in_range.size else self.original_m)

    def values_at(self, frame: int, row: int, col: int, unit: DepthUnit) -> dict[str, float]:
        """Original, decoded and error values of one pixel, in ``unit`` (NaN if invalid).

        Args:
            frame: Frame index.
            row: Pixel row (y), from the top.
            col: Pixel column (x), from the left.
            unit: ``"m"`` or ``"mm"``.

        Returns:
            ``{"original": v, "<label>": decoded, "<label> error": error, …}``.

        Raises:
            FrameIndexError: The frame or pixel is outside the clip.
        """
        count, height, width = self.original_m.shape
        if not (0 <= frame < count and 0 <= row < height and 0 <= col < width):
            raise FrameIndexError(
                f"Pixel (frame {frame}, row {row}, col {col}) is outside the clip of {count} "
                f"frames of {width}x{height}."
            )
        scale = 1000.0 if unit == "mm" else 1.0
        values = {"original": float(self.original_m[frame, row, col]) * scale}
        for encoding in self.encodings:
            values[encoding.label] = float(encoding.decoded_m[frame, row, col]) * scale
            values[f"{encoding.label} error"] = float(encoding.error_m[frame, row, col]) * scale
        return values


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "depth"


def _encode_and_decode(
    clip: DepthClip, plan: EncoderPlan, path: Path, mark_invalid: bool
) -> tuple[dict[str, Any], npt.NDArray[np.uint16], float, float]:
    """Encode the clip, decode every code back: (info, codes, encode fps, decode fps)."""
    start = time.perf_counter()
    info = encode_depth_video(
        clip.depth, path, fps=clip.fps, config=plan, input_unit=clip.unit, mark_invalid=mark_invalid
    )
    encode_fps = len(clip.depth) / (time.perf_counter() - start)
    start = time.perf_counter()
    decoded = decode_depth_codes(path, np.arange(len(clip.depth)) / clip.fps)
    decode_fps = len(clip.depth) / (time.perf_counter() - start)
    return info, decoded, encode_fps, decode_fps


def _round_trip(
    clip: DepthClip,
    original_m: npt.NDArray[np.float32],
    label: str,
    plan: EncoderPlan,
    path: Path,
    mark_invalid: bool,
) -> DepthEncoding:
    config = plan.config
    assert isinstance(config, DepthEncoderConfig)  # compare_depth_encodings checked
    quantization = config.quantization
    info, decoded, encode_fps, decode_fps = _encode_and_decode(clip, plan, path, mark_invalid)
    written = quantize_depth(
        clip.depth, quantization, input_unit=clip.unit, mark_invalid=mark_invalid
    )
    code_error = int(np.abs(decoded.astype(np.int32) - written).max())
    decoded_m = dequantize_depth(
        decoded, quantization, output_unit="m", invalid_as_nan=mark_invalid
    )
    video = probe_video(path)
    return DepthEncoding(
        label=label,
        config=config,
        path=path,
        info=info,
        profile=f"{video.codec} {video.profile or ''}".strip(),
        size_bytes=video.size_bytes,
        size_ratio_vs_raw=video.size_bytes / (clip.depth.size * 2),
        encode_fps=encode_fps,
        decode_fps=decode_fps,
        codes_exact=code_error == 0,
        max_code_error=code_error,
        decoded_m=decoded_m,
        error_m=decoded_m - original_m,
        in_range=(original_m >= config.depth_min) & (original_m <= config.depth_max),
        lerobot_readable=config.encoder not in DEPTH_ONLY_CODECS,
    )


def compare_depth_encodings(
    clip: DepthClip,
    configs: Sequence[tuple[str, DepthEncoderConfig]],
    *,
    output_dir: str | os.PathLike[str],
    mark_invalid: bool = True,
    progress: ProgressCallback | None = None,
) -> DepthComparison:
    """Round-trip a depth clip through each config and measure size, speed and error.

    Every config is checked against this FFmpeg build (and ``auto`` resolved) once, before
    any encoding starts.

    Args:
        clip: The depth clip.
        configs: 1 to 6 ``(label, config)`` pairs with unique labels.
        output_dir: Folder that receives the encodings.
        mark_invalid: Keep sensor-invalid pixels as code 0 (read back as NaN) instead of
            LeRobot's behaviour of turning them into ``depth_min``.
        progress: Optional ``progress(done, total)`` callback, one step per config.

    Returns:
        The comparison.

    Raises:
        ConfigError: Invalid labels, counts or configs.
        CodecUnavailableError: An encoder is not available here.
        MediaError: Encoding or decoding failed.
    """
    if not isinstance(clip, DepthClip):
        raise ConfigError(
            f"clip must be a DepthClip (from load_depth_clip), got {type(clip).__name__}."
        )
    if not isinstance(mark_invalid, bool):
        raise ConfigError(f"mark_invalid must be True or False, got {mark_invalid!r}.")
    pairs = check_config_pairs(configs, DepthEncoderConfig, MAX_DEPTH_CONFIGS, "depth ")
    plans = [(label, plan_encoder(config)) for label, config in pairs]
    out = output_folder(output_dir)
    original_m = clip.metres()
    encodings = []
    for index, (label, plan) in enumerate(plans):
        path = out / f"depth-{index + 1}-{_slug(label)}.mp4"
        encodings.append(_round_trip(clip, original_m, label, plan, path, mark_invalid))
        if progress is not None:
            progress(index + 1, len(pairs))
    return DepthComparison(
        clip=clip, original_m=original_m, raw_bytes=clip.depth.size * 2, encodings=tuple(encodings)
    )


def depth_frame_views(
    comparison: DepthComparison, frame: int, *, error_full_scale_m: float = 0.01
) -> list[tuple[str, npt.NDArray[np.uint8]]]:
    """Pictures of one frame: the original, each round trip, and each error map.

    All depth pictures share one colour range (1st-99th percentile of the original frame's
    pixels inside [depth_min, depth_max]); error maps share ``error_full_scale_m``. Magenta
    marks pixels with no reading and, in error maps, pixels outside the quantizer's range
    (they saturate, so their error says nothing about the codec).

    Args:
        comparison: A finished comparison.
        frame: Frame index.
        error_full_scale_m: Absolute error (m) shown at full brightness in error maps.

    Returns:
        ``(caption, RGB image)`` pairs: original, then per encoding its depth, then per
        encoding its error.

    Raises:
        FrameIndexError: ``frame`` is outside the clip.
    """
    count = len(comparison.original_m)
    if not 0 <= frame < count:
        raise FrameIndexError(f"frame must be in [0, {count - 1}], got {frame!r}.")
    original = comparison.original_m[frame]
    first = comparison.encodings[0]
    in_range = original[first.in_range[frame]]
    value_range = auto_depth_range(in_range if in_range.size else original)
    views = [("Original", colorize_depth(original, value_range=value_range))]
    for encoding in comparison.encodings:
        decoded = colorize_depth(encoding.decoded_m[frame], value_range=value_range)
        views.append((f"{encoding.label}: round trip", decoded))
    for encoding in comparison.encodings:
        error = np.where(encoding.in_range[frame], encoding.error_m[frame], np.nan)
        views.append(
            (f"{encoding.label}: error", colorize_error(error, full_scale=error_full_scale_m))
        )
    return views
