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
    """One encoder config's round trip of a depth clip: small summaries and the file.

    Per-frame depth and error maps are not kept; :meth:`DepthComparison.values_at` and
    :func:`depth_frame_views` decode the frame they need from :attr:`path`.

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
        max_abs_error_m: Largest absolute depth error (decoded minus original), in metres,
            over valid pixels inside [depth_min, depth_max] (0 when there are none): the
            only ones a 12-bit code can represent; the others saturate at the range ends.
        mean_abs_error_m: Mean absolute depth error over the same pixels, in metres.
        out_of_range_fraction: Share of valid pixels outside [depth_min, depth_max], 0..1
            (0 when no pixel is valid).
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
    max_abs_error_m: float
    mean_abs_error_m: float
    out_of_range_fraction: float
    lerobot_readable: bool

    @property
    def lossless(self) -> bool:
        """Whether the config promises bit-exact codes (:func:`~lerobot_video.is_lossless`).

        Compare with :attr:`codes_exact`, which says whether they came back exact.
        """
        return is_lossless(self.config)


@dataclass(frozen=True, kw_only=True, slots=True)
class DepthComparison:
    """The result of :func:`compare_depth_encodings`: summaries and file paths only.

    Attributes:
        clip: The clip that was encoded (only the frames asked for are read from it).
        num_frames: Frames in the clip (N).
        raw_bytes: Bytes of the clip as raw uint16 frames.
        mark_invalid: Whether invalid pixels were written as code 0 (read back as NaN).
        display_range_m: Colour range (m) for the whole clip: 1st-99th percentile of the
            pixels inside the first config's [depth_min, depth_max] (of all valid pixels
            when none are; that range itself when no pixel is valid).
        encodings: One report per config, in the order given.
    """

    clip: DepthClip
    num_frames: int
    raw_bytes: int
    mark_invalid: bool
    display_range_m: tuple[float, float]
    encodings: tuple[DepthEncoding, ...]

    def display_range(self) -> tuple[float, float]:
        """Colour range (m) for the whole clip: :attr:`display_range_m`."""
        return self.display_range_m

    def original_frame_m(self, frame: int) -> npt.NDArray[np.float32]:
        """One frame of the clip in metres, (H, W) float32, NaN where invalid.

        Raises:
            FrameIndexError: ``frame`` is outside the clip.
        """
        return self.clip.frame_metres(frame)

    def values_at(self, frame: int, row: int, col: int, unit: DepthUnit) -> dict[str, float]:
        """Original, decoded and error values of one pixel, in ``unit`` (NaN if invalid).

        Decodes ``frame`` of every encoding from its file.

        Args:
            frame: Frame index.
            row: Pixel row (y), from the top.
            col: Pixel column (x), from the left.
            unit: ``"m"`` or ``"mm"``.

        Returns:
            ``{"original": v, "<label>": decoded, "<label> error": error, …}``.

        Raises:
            FrameIndexError: The frame or pixel is outside the clip.
            MediaError: An encoded file can no longer be read.
        """
        count, height, width = self.num_frames, *self.clip.depth.shape[1:3]
        if not (0 <= frame < count and 0 <= row < height and 0 <= col < width):
            raise FrameIndexError(
                f"Pixel (frame {frame}, row {row}, col {col}) is outside the clip of {count} "
                f"frames of {width}x{height}."
            )
        scale = 1000.0 if unit == "mm" else 1.0
        original = self.original_frame_m(frame)
        values = {"original": float(original[row, col]) * scale}
        for encoding in self.encodings:
            decoded, error, _ = _encoding_frame(self, encoding, frame, original)
            values[encoding.label] = float(decoded[row, col]) * scale
            values[f"{encoding.label} error"] = float(error[row, col]) * scale
        return values


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "depth"


def _error_and_range(
    decoded_m: npt.NDArray[np.float32],
    original_m: npt.NDArray[np.float32],
    config: DepthEncoderConfig,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """Decoded minus original and which original pixels lie in ``config``'s depth range.

    Returns:
        ``(error_m, in_range)``, shaped like the inputs: the error in metres (NaN where
        either value is invalid) and True inside [depth_min, depth_max].
    """
    in_range = (original_m >= config.depth_min) & (original_m <= config.depth_max)
    return decoded_m - original_m, in_range


def _encoding_frame(
    comparison: DepthComparison,
    encoding: DepthEncoding,
    frame: int,
    original_m: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """Frame ``frame`` of ``encoding``, decoded from its file, against ``original_m``.

    Returns:
        ``(decoded_m, error_m, in_range)``, each (H, W): the round trip in metres (NaN where
        invalid), decoded minus original in metres, and the in-range mask.
    """
    codes = decode_depth_codes(encoding.path, [frame / comparison.clip.fps])
    decoded_m = dequantize_depth(
        codes,
        encoding.config.quantization,
        output_unit="m",
        invalid_as_nan=comparison.mark_invalid,
    )[0]
    return decoded_m, *_error_and_range(decoded_m, original_m, encoding.config)


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


def _measure(
    clip: DepthClip, codes: npt.NDArray[np.uint16], config: DepthEncoderConfig, mark_invalid: bool
) -> tuple[int, float, float, float]:
    """Frame by frame: (max code error, max and mean abs error in m, out-of-range share).

    The errors count valid pixels inside [depth_min, depth_max] only (the others saturate).
    """
    quantization = config.quantization
    code_error, largest, total, counted, inside, valid = 0, 0.0, 0.0, 0, 0, 0
    for index in range(len(codes)):
        frame_codes = codes[index : index + 1]
        written = quantize_depth(
            clip.depth[index : index + 1],
            quantization,
            input_unit=clip.unit,
            mark_invalid=mark_invalid,
        )
        code_error = max(code_error, int(np.abs(frame_codes.astype(np.int32) - written).max()))
        decoded_m = dequantize_depth(
            frame_codes, quantization, output_unit="m", invalid_as_nan=mark_invalid
        )[0]
        error_m, in_range = _error_and_range(decoded_m, clip.frame_metres(index), config)
        finite = np.isfinite(error_m)
        errors = np.abs(error_m[in_range & finite])
        if errors.size:
            largest = max(largest, float(errors.max()))
            total += float(errors.sum(dtype=np.float64))
        counted += errors.size
        inside += int(in_range.sum())
        valid += int(finite.sum())
    mean = total / counted if counted else 0.0
    # With no valid pixel nothing saturates: 0, not 100 % of nothing.
    return code_error, largest, mean, float(1 - inside / valid) if valid else 0.0


def _round_trip(
    clip: DepthClip, label: str, plan: EncoderPlan, path: Path, mark_invalid: bool
) -> DepthEncoding:
    config = plan.config
    assert isinstance(config, DepthEncoderConfig)  # compare_depth_encodings checked
    info, codes, encode_fps, decode_fps = _encode_and_decode(clip, plan, path, mark_invalid)
    code_error, max_error, mean_error, out_of_range = _measure(clip, codes, config, mark_invalid)
    del codes  # the decoded clip is not kept
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
        max_abs_error_m=max_error,
        mean_abs_error_m=mean_error,
        out_of_range_fraction=out_of_range,
        lerobot_readable=config.encoder not in DEPTH_ONLY_CODECS,
    )


def _display_range(clip: DepthClip, config: DepthEncoderConfig) -> tuple[float, float]:
    """1st-99th percentile (m) of the clip's pixels inside ``config``'s depth range."""
    original = clip.metres()
    in_range = original[(original >= config.depth_min) & (original <= config.depth_max)]
    values = in_range if in_range.size else original[np.isfinite(original)]
    if not values.size:  # no valid pixel at all: the quantizer's range
        return float(config.depth_min), float(config.depth_max)
    return auto_depth_range(values)


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
    encodings = []
    for index, (label, plan) in enumerate(plans):
        path = out / f"depth-{index + 1}-{_slug(label)}.mp4"
        encodings.append(_round_trip(clip, label, plan, path, mark_invalid))
        if progress is not None:
            progress(index + 1, len(pairs))
    return DepthComparison(
        clip=clip,
        num_frames=len(clip.depth),
        raw_bytes=clip.depth.size * 2,
        mark_invalid=mark_invalid,
        display_range_m=_display_range(clip, encodings[0].config),
        encodings=tuple(encodings),
    )


def depth_frame_views(
    comparison: DepthComparison, frame: int, *, error_full_scale_m: float = 0.01
) -> list[tuple[str, npt.NDArray[np.uint8]]]:
    """Pictures of one frame: the original, each round trip, and each error map.

    All depth pictures share one colour range (1st-99th percentile of the original frame's
    pixels inside [depth_min, depth_max]); error maps share ``error_full_scale_m``. Dark grey
    marks pixels with no reading and, in error maps, pixels outside the quantizer's range
    (they saturate, so their error says nothing about the codec).

    Args:
        comparison: A finished comparison.
        frame: Frame index.
        error_full_scale_m: Absolute error (m) shown at full brightness in error maps.

    Returns:
        ``(caption, RGB image)`` pairs, each (H, W, 3) uint8: original, then per encoding its
        depth (decoded from its file), then per encoding its error.

    Raises:
        FrameIndexError: ``frame`` is outside the clip.
        MediaError: An encoded file can no longer be read.
    """
    count = comparison.num_frames
    if not 0 <= frame < count:
        raise FrameIndexError(f"frame must be in [0, {count - 1}], got {frame!r}.")
    original = comparison.original_frame_m(frame)
    rounds = [
        (encoding.label, *_encoding_frame(comparison, encoding, frame, original))
        for encoding in comparison.encodings
    ]
    in_range = original[rounds[0][3]]
    value_range = auto_depth_range(in_range if in_range.size else original)
    views = [("Original", colorize_depth(original, value_range=value_range))]
    for label, decoded, _, _ in rounds:
        views.append((f"{label}: round trip", colorize_depth(decoded, value_range=value_range)))
    for label, _, error, inside in rounds:
        masked = np.where(inside, error, np.nan)
        views.append((f"{label}: error", colorize_error(masked, full_scale=error_full_scale_m)))
    return views
