"""A trial encode: the options a run would use, handed to FFmpeg itself before the run.

:func:`~lerobot_video.plan_encoder` checks what FFmpeg describes (option types, ranges, named
values), but some values only the encoder judges: ``threads=abc`` or ``x264-params=garbage``
fail when the encoder opens, an unknown option is silently ignored, and LeRobot's mapping
drops an extra option a structured field also sets. :func:`trial_encode` opens the real
encoder with the plan's exact options and encodes a few small frames: what FFmpeg refuses or
does not know is an error, what it will quietly change is a note, so a form can say "this
will run" and mean it.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

import av

from lerobot_video.codec._pyav import keep_thread_scheduling
from lerobot_video.codec.options import check_config_type, codec_options
from lerobot_video.codec.support import EncoderPlan, plan_encoder
from lerobot_video.config import EncoderConfig
from lerobot_video.errors import ConfigError

logger = logging.getLogger(__name__)

TRIAL_SIZE = 256  # above every encoder's minimum frame size (NVENC's is the largest)
TRIAL_FRAMES = 3
FRAME_RATE_LIMITS = {"libsvtav1": 240}
"""Highest frame rate an encoder opens at (SVT-AV1 refuses more, with FFmpeg's bare EINVAL)."""
CRF_CEILING = {"h264": 51.0, "hevc": 51.0}
"""Highest crf x264/x265 use: FFmpeg's option accepts up to 3.4e38 and the encoder clamps."""


@dataclass(frozen=True, kw_only=True, slots=True)
class EncoderTrial:
    """The outcome of :func:`trial_encode`.

    Attributes:
        plan: The checked plan (``auto`` resolved, options computed).
        notes: What the run will do differently from what the config says, one sentence
            each (overridden extra options, clamped values); empty when nothing.
    """

    plan: EncoderPlan
    notes: tuple[str, ...]


@functools.lru_cache(maxsize=256)
def _open_and_encode(
    encoder: str, pix_fmt: str, fps: int, options: tuple[tuple[str, str], ...]
) -> str:
    """Encode a few grey frames with ``options``; return the options FFmpeg left unused.

    Raises:
        ConfigError: FFmpeg refused the options (its words, and the options).
    """
    context = cast("av.VideoCodecContext", av.CodecContext.create(encoder, "w"))
    context.width = context.height = TRIAL_SIZE
    context.pix_fmt = pix_fmt
    context.time_base, context.framerate = Fraction(1, fps), Fraction(fps, 1)
    context.options = dict(options)
    try:
        with keep_thread_scheduling():
            context.open()
            unused = ", ".join(f"{key}={value}" for key, value in context.options.items())
            for index in range(TRIAL_FRAMES):
                frame = av.VideoFrame(TRIAL_SIZE, TRIAL_SIZE, pix_fmt)
                frame.pts = index
                context.encode(frame)
            context.encode(None)
    except (av.FFmpegError, OSError, ValueError, RuntimeError) as err:
        shown = " ".join(f"{key}={value}" for key, value in options)
        raise ConfigError(
            f"{encoder} refuses these options at {fps} fps ({shown}): "
            f"{getattr(err, 'strerror', None) or err}. "
            "Check the extra options' names and values against the encoder's documentation."
        ) from err
    return unused


def _notes(config: EncoderConfig, plan: EncoderPlan) -> list[str]:
    notes = []
    mapped = codec_options(config, encoder_threads=plan.encoder_threads)
    shadowed = [
        key
        for key, value in config.extra_options.items()
        if key in mapped and str(value) != mapped[key]
    ]
    if shadowed:
        notes.append(
            f"Extra options {', '.join(shadowed)} are set by the form's own fields, which win "
            "(as in LeRobot); set them there instead."
        )
    ceiling = CRF_CEILING.get(config.vcodec)
    if ceiling is not None and isinstance(config.crf, int | float) and config.crf > ceiling:
        notes.append(
            f"crf {config.crf:g} is above {config.vcodec}'s maximum; it encodes as {ceiling:g}."
        )
    if config.fast_decode > 2 and config.encoder == "libsvtav1":
        notes.append(f"fast_decode {config.fast_decode} acts as 2, SVT-AV1's highest level.")
    elif config.fast_decode > 1 and config.vcodec in CRF_CEILING:
        notes.append(
            f"fast_decode {config.fast_decode} acts as 1 (tune=fastdecode) for {config.vcodec}."
        )
    return notes


def trial_encode(
    config: EncoderConfig, *, fps: int = 30, encoder_threads: int | None = None
) -> EncoderTrial:
    """Plan ``config`` and encode three 256x256 frames with exactly the options a run uses.

    Results are cached per encoder, pixel format and options, so checking a form again is
    free. The frames are encoded in memory; nothing is written.

    Args:
        config: The encoder config to try.
        fps: The frame rate the run will encode at, an integer >= 1.
        encoder_threads: The thread count the run will use, or None.

    Returns:
        The plan and the notes on what the encoder will do differently.

    Raises:
        ConfigError: ``fps`` is not an integer >= 1 or above the encoder's limit;
            :func:`~lerobot_video.plan_encoder` or FFmpeg refuses the config; or an option
            is one the encoder does not have (FFmpeg would silently ignore it).
        CodecUnavailableError: The encoder is not available here.
    """
    check_config_type(config, "trial_encode")
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ConfigError(f"fps must be an integer >= 1, got {fps!r}.")
    plan = plan_encoder(config, encoder_threads=encoder_threads)
    resolved = plan.config
    limit = FRAME_RATE_LIMITS.get(resolved.encoder)
    if limit is not None and fps > limit:
        raise ConfigError(
            f"{resolved.encoder} encodes at most {limit} fps, got {fps}; lower the frame rate "
            "or choose another encoder (h264, hevc)."
        )
    options = tuple(sorted(plan.options.items()))
    unused = _open_and_encode(resolved.encoder, resolved.pix_fmt, fps, options)
    if unused:
        keys = ", ".join(item.split("=", 1)[0] for item in unused.split(", "))
        raise ConfigError(
            f"{resolved.encoder} has no option {keys} ({unused}); FFmpeg would ignore it. "
            "Check the name in the encoder's documentation (`ffmpeg -h encoder=NAME`)."
        )
    return EncoderTrial(plan=plan, notes=tuple(_notes(resolved, plan)))
