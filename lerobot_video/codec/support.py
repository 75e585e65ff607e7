"""What this FFmpeg build can run: encoder availability, ``auto``, and checked encoder plans.

Asks PyAV which encoders exist and open here, which pixel formats and option ranges they
publish, and caches the answers. :func:`plan_encoder` runs every check once and returns an
:class:`EncoderPlan` that encoders trust. The option table itself is :mod:`.options` (pure).
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Mapping
from fractions import Fraction
from typing import cast

import av
from av.codec.context import OptionType

from lerobot_video.codec._pyav import keep_thread_scheduling, quiet_options
from lerobot_video.codec.options import (
    check_config_type,
    check_encoder_threads,
    codec_options,
    typed_codec_options,
)
from lerobot_video.config import (
    HW_VIDEO_CODECS,
    VALID_VIDEO_CODECS,
    VIDEO_CODEC_ALIASES,
    EncoderConfig,
    OptionValue,
)
from lerobot_video.errors import CodecUnavailableError, ConfigError

logger = logging.getLogger(__name__)

FALLBACK_AUTO_CODEC = "libsvtav1"
"""What ``vcodec="auto"`` becomes when no hardware encoder opens here (LeRobot's choice)."""

_X26X_PRESETS = (
    *("ultrafast", "superfast", "veryfast", "faster", "fast", "medium"),
    *("slow", "slower", "veryslow", "placebo"),
)
# x264 and x265 take these as free strings (FFmpeg publishes no choices) and fail only when
# the encoder opens; the lists are x264.h's and x265.h's tune and preset names.
_NAMED_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("h264", "tune"): (
        *("film", "animation", "grain", "stillimage", "psnr", "ssim"),
        *("fastdecode", "zerolatency"),
    ),
    ("hevc", "tune"): (
        *("psnr", "ssim", "grain", "zerolatency", "zero-latency"),
        *("fastdecode", "animation", "vmaf"),
    ),
    ("h264", "preset"): _X26X_PRESETS,
    ("hevc", "preset"): _X26X_PRESETS,
}
_NUMBERED_PRESETS = range(10)  # x264 and x265 also take a preset by its index, 0..9


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class EncoderPlan:
    """An encoder config checked against this FFmpeg build, with the options it will get.

    Made by :func:`plan_encoder`, which resolves ``"auto"``, runs every capability check and
    computes the FFmpeg options once. Whatever is handed a plan (:func:`~lerobot_video.
    encode_video`, :func:`~lerobot_video.encode_depth_video`, the MP4 writer, the streaming
    encoder) trusts it and checks nothing again; building one by hand skips those checks.

    Attributes:
        config: The config, with a concrete ``vcodec`` (never ``"auto"``).
        encoder_threads: Encoder threads, or None for the encoder's default.
        options: The FFmpeg options the encoder receives: :func:`~lerobot_video.codec_options`
            plus what keeps x265 from logging to stderr (the bitstream is the same).
    """

    config: EncoderConfig
    encoder_threads: int | None
    options: Mapping[str, str]


@functools.cache
def _find_encoder(name: str) -> av.codec.Codec | None:
    try:
        return av.codec.Codec(name, "w")
    except av.codec.codec.UnknownCodecError:
        return None


@functools.cache
def _encoder_open_error(name: str) -> str | None:
    """Open ``name`` on a small test frame; return why it failed, or None when it works.

    Hardware encoders are compiled into PyAV's FFmpeg even on machines without the device, so
    only opening one and encoding a frame tells whether it can run here. 256x256 is above
    NVENC's minimum frame size.
    """
    codec = _find_encoder(name)
    if codec is None:
        return "not in this FFmpeg build"
    formats = [fmt.name for fmt in codec.video_formats or ()]
    pix_fmt = next(
        (f for f in ("yuv420p", "nv12") if f in formats), formats[0] if formats else "yuv420p"
    )
    with keep_thread_scheduling():
        return _try_encoder(name, pix_fmt)


def _try_encoder(name: str, pix_fmt: str) -> str | None:
    try:
        context = cast("av.VideoCodecContext", av.CodecContext.create(name, "w"))
        context.width, context.height, context.pix_fmt = 256, 256, pix_fmt
        context.time_base = Fraction(1, 30)
        context.framerate = Fraction(30, 1)
        context.options = quiet_options(name, {})
        context.open()
        frame = av.VideoFrame(256, 256, pix_fmt)
        frame.pts = 0
        context.encode(frame)
        context.encode(None)
    except (av.FFmpegError, OSError, ValueError, RuntimeError) as err:
        logger.debug("encoder %s cannot be opened here: %s", name, err)
        return f"in this FFmpeg build but cannot be opened here ({err})"
    return None


def encoder_availability() -> dict[str, str | None]:
    """Say, for every ``vcodec`` LeRobot accepts, whether it can encode on this machine.

    Returns:
        Encoder name to None when it opens and encodes a test frame here, else a short reason
        (``"not in this FFmpeg build"`` or ``"… cannot be opened here (…)"``). ``auto`` is
        left out: it always resolves to something available.
    """
    return {name: _encoder_open_error(name) for name in VALID_VIDEO_CODECS if name != "auto"}


def _usable_encoders() -> list[str]:
    return [name for name, reason in encoder_availability().items() if reason is None]


def _auto_encoder() -> str:
    """The encoder ``"auto"`` stands for here: the first hardware one that opens, else SVT."""
    return next(
        (name for name in HW_VIDEO_CODECS if _encoder_open_error(name) is None),
        FALLBACK_AUTO_CODEC,
    )


def resolve_auto_codec(config: EncoderConfig) -> EncoderConfig:
    """Return a config whose ``vcodec`` is concrete, resolving ``"auto"`` by opening encoders.

    Hardware encoders are tried in LeRobot's order of preference; each must open and encode a
    test frame, so an encoder that is compiled in but has no device here (NVENC without a GPU)
    is never chosen. With none usable, ``libsvtav1`` is used.

    Args:
        config: Any encoder config; returned unchanged unless ``vcodec == "auto"``.

    Returns:
        The same config, or a copy with ``vcodec`` set to the chosen encoder.
    """
    check_config_type(config, "resolve_auto_codec")
    if config.vcodec != "auto":
        return config
    name = _auto_encoder()
    logger.info("vcodec='auto' resolved to %s", name)
    return dataclasses.replace(config, vcodec=name)


def stream_codec_name(vcodec: str) -> str:
    """The codec name a stream made by this encoder carries (``video.codec`` in ``info.json``).

    Args:
        vcodec: An encoder name such as ``libsvtav1``, ``h264`` or ``ffv1``.

    Returns:
        FFmpeg's canonical codec name (``av1``, ``h264``, ``hevc``, ``ffv1``…).

    Raises:
        CodecUnavailableError: The encoder is not in this FFmpeg build.
    """
    codec = _find_encoder(vcodec)
    if codec is None:
        raise CodecUnavailableError(
            f"Encoder {vcodec!r} is not in this FFmpeg build; encoders that work here: "
            f"{', '.join(_usable_encoders())}.",
            codec=vcodec,
        )
    return codec.canonical_name


def supported_pixel_formats(vcodec: str) -> tuple[str, ...]:
    """Pixel formats the encoder accepts in this FFmpeg build, in its order of preference.

    Args:
        vcodec: An encoder name such as ``libsvtav1`` or ``h264``; the alias ``av1`` means
            ``libsvtav1``, and ``auto`` the encoder it resolves to here (as
            :func:`resolve_auto_codec` would choose).

    Returns:
        Pixel format names; empty when the encoder is not in this build.
    """
    name = VIDEO_CODEC_ALIASES.get(vcodec, vcodec)
    codec = _find_encoder(_auto_encoder() if name == "auto" else name)
    return tuple(fmt.name for fmt in (codec.video_formats or ())) if codec else ()


@functools.cache
def _pix_fmt_components(pix_fmt: str) -> int:
    try:
        return len(av.VideoFormat(pix_fmt).components)
    except ValueError as err:
        raise ConfigError(f"Unknown pixel format {pix_fmt!r}.") from err


@functools.cache
def _private_options(encoder: str) -> dict[str, av.codec.context.CodecOption]:
    context = av.CodecContext.create(encoder, "w")
    return {option.name: option for option in context.supported_options.private}


_INTEGER_TYPES = {OptionType.INT, OptionType.INT64, OptionType.UINT64, OptionType.UINT}
_NUMERIC_TYPES = _INTEGER_TYPES | {OptionType.FLOAT, OptionType.DOUBLE}


def _check_number(
    encoder: str, key: str, value: OptionValue, option: av.codec.context.CodecOption
) -> None:
    number: float | None = None
    if not isinstance(value, bool):
        try:
            number = float(value)
        except ValueError:
            number = None
    if number is None:
        raise ConfigError(f"{key} must be a number for {encoder!r}, got {value!r}.")
    if option.type in _INTEGER_TYPES and not number.is_integer():
        raise ConfigError(
            f"{key} must be an integer for {encoder!r} (FFmpeg option {option.name!r} is an "
            f"integer); float values are not allowed, got {value!r}."
        )
    low, high = float(option.min), float(option.max)
    if low < high and not low <= number <= high:
        raise ConfigError(f"{key} must be in [{low:g}, {high:g}] for {encoder!r}, got {value!r}.")


def _check_option(
    encoder: str, key: str, value: OptionValue, option: av.codec.context.CodecOption
) -> None:
    if option.type in _NUMERIC_TYPES:
        _check_number(encoder, key, value, option)
    elif option.type == OptionType.STRING:
        if isinstance(value, bool):
            raise ConfigError(f"{key} must be a string for {encoder!r}, got {value!r}.")
        choices = [choice.name for choice in option.choices]
        if choices and str(value) not in choices:
            raise ConfigError(
                f"{key}={value!r} is not accepted by {encoder!r}; allowed: {', '.join(choices)}."
            )


def _check_named_value(encoder: str, key: str, value: OptionValue) -> None:
    allowed = _NAMED_VALUES[(encoder, key)]
    text = str(value)
    combinable = (encoder, key) == ("h264", "tune")  # x264 combines tunes; x265 takes one
    names = text.split(",") if combinable else [text]
    if key == "preset" and text.isdigit() and int(text) in _NUMBERED_PRESETS:
        return
    if not isinstance(value, bool) and all(name in allowed for name in names):
        return
    hint = " or an index 0-9" if key == "preset" else ""
    if combinable:
        hint = " or several joined by commas, e.g. 'film,fastdecode'"
    raise ConfigError(
        f"{key}={value!r} is not accepted by {encoder!r}; allowed: {', '.join(allowed)}{hint}."
    )


DEPTH_PIXEL_FORMATS: tuple[str, ...] = ("gray12le",)
"""Pixel formats a depth stream may be encoded in: the ones that store 12-bit grey codes
exactly (yuv420p, gray10le or yuv420p12le change them, even when lossless)."""


def _check_pixel_format(config: EncoderConfig) -> None:
    if config.CHANNELS == 1 and config.pix_fmt not in DEPTH_PIXEL_FORMATS:
        raise ConfigError(
            f"pix_fmt {config.pix_fmt!r} does not store 12-bit depth codes exactly; allowed "
            f"for a DepthEncoderConfig: {', '.join(DEPTH_PIXEL_FORMATS)}."
        )
    formats = supported_pixel_formats(config.encoder)
    if formats and config.pix_fmt not in formats:
        raise ConfigError(
            f"pix_fmt {config.pix_fmt!r} is not supported by {config.encoder!r}; allowed: "
            f"{', '.join(formats)}."
        )
    components = _pix_fmt_components(config.pix_fmt)
    if components < config.CHANNELS:
        raise ConfigError(
            f"pix_fmt {config.pix_fmt!r} carries {components} component(s) but "
            f"{type(config).__name__} encodes {config.CHANNELS}-channel frames; choose a "
            f"{'colour (yuv*)' if config.CHANNELS == 3 else 'grey or yuv'} format."
        )


def plan_encoder(config: EncoderConfig, *, encoder_threads: int | None = None) -> EncoderPlan:
    """Resolve ``"auto"``, check that this FFmpeg build can encode with ``config``, and plan.

    Checks, in order: the encoder exists and opens here; the pixel format is one it accepts
    and carries as many components as the config's source frames (3 for RGB, 1 for depth);
    every option it would receive (``crf``, ``preset``, ``tune``, numeric
    ``extra_options``…) has the type, range or name the encoder accepts.

    Args:
        config: The encoder config to check.
        encoder_threads: The thread count that will be used, checked like the other options.

    Returns:
        The checked plan; hand it to the encoders instead of the config.

    Raises:
        CodecUnavailableError: The encoder is missing or cannot be opened here; the message
            lists the encoders that work.
        ConfigError: ``config`` is not an encoder config; a pixel format or option value
            the encoder refuses, or a depth pixel format other than gray12le (the others
            change 12-bit codes); the message says what is allowed.
    """
    check_config_type(config, "plan_encoder")
    config = resolve_auto_codec(config)
    encoder = config.encoder
    reason = _encoder_open_error(encoder)
    if reason is not None:
        raise CodecUnavailableError(
            f"Encoder {encoder!r} is {reason}; encoders that work here: "
            f"{', '.join(_usable_encoders())}.",
            codec=encoder,
        )
    _check_pixel_format(config)
    check_encoder_threads(encoder_threads)
    private = _private_options(encoder)
    for key, value in typed_codec_options(config, encoder_threads).items():
        if (encoder, key) in _NAMED_VALUES:
            _check_named_value(encoder, key, value)
        elif key in private:
            _check_option(encoder, key, value, private[key])
    options = quiet_options(encoder, codec_options(config, encoder_threads=encoder_threads))
    return EncoderPlan(config=config, encoder_threads=encoder_threads, options=options)


def check_supported(config: EncoderConfig, *, encoder_threads: int | None = None) -> None:
    """Check that this machine's FFmpeg build can encode with ``config``.

    The checks of :func:`plan_encoder` (``"auto"`` is resolved first), without keeping the
    plan.

    Args:
        config: The encoder config to check.
        encoder_threads: The thread count that will be used, checked like the other options.

    Raises:
        CodecUnavailableError: The encoder is missing or cannot be opened here; the message
            lists the encoders that work.
        ConfigError: A pixel format or option value the encoder refuses; the message says
            what is allowed.
    """
    check_config_type(config, "check_supported")
    plan_encoder(config, encoder_threads=encoder_threads)
