"""Encoder configs to FFmpeg options, and what this FFmpeg build can actually run.

The option mapping is a table of small pure functions, one per codec family, giving the same
keys and values as LeRobot's ``get_codec_options(as_strings=True)``. The capability checks
(:func:`check_supported`, :func:`resolve_auto_codec`, :func:`encoder_availability`) ask PyAV
and cache the answers.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from fractions import Fraction
from typing import cast

import av
from av.codec.context import OptionType

from lerobot_video.codec._pyav import keep_thread_scheduling, quiet_options
from lerobot_video.config import (
    HW_VIDEO_CODECS,
    VALID_VIDEO_CODECS,
    EncoderConfig,
    OptionValue,
)
from lerobot_video.errors import CodecUnavailableError, ConfigError

logger = logging.getLogger(__name__)

_TypedOptions = dict[str, OptionValue]


def _quality_and_preset(config: EncoderConfig, quality_key: str) -> _TypedOptions:
    options: _TypedOptions = {}
    if config.crf is not None:
        options[quality_key] = config.crf
    if config.effective_preset is not None:
        options["preset"] = config.effective_preset
    return options


def _svtav1_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    options = _quality_and_preset(config, "crf")
    # SVT-AV1 takes its own knobs through one "key=value:key=value" string; LeRobot always
    # writes fast-decode (clamped to SVT's 0..2), so a default config carries it too.
    params = [f"fast-decode={max(0, min(2, config.fast_decode))}"]
    if threads is not None:
        params.append(f"lp={threads}")
    options["svtav1-params"] = ":".join(params)
    return options


def _x26x_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    options = _quality_and_preset(config, "crf")
    if config.fast_decode:
        options["tune"] = "fastdecode"
    if threads is not None:
        options["threads"] = threads
    return options


def _aom_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    options = _quality_and_preset(config, "crf")
    if threads is not None:
        options["threads"] = threads
        options["row-mt"] = 1
    return options


def _videotoolbox_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    del threads  # VideoToolbox schedules its own hardware.
    if config.crf is None:
        return {}
    # LeRobot's mapping of crf (0 best) onto q:v (100 best): crf 30 -> 40, clamped to 1..100.
    return {"q:v": max(1, min(100, 100 - config.crf * 2))}


def _nvenc_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    del threads
    options: _TypedOptions = {"rc": 0}  # constqp: a fixed quantizer stands in for crf.
    options.update(_quality_and_preset(config, "qp"))
    return options


def _vaapi_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    del threads
    return {} if config.crf is None else {"qp": config.crf}


def _qsv_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    del threads
    return _quality_and_preset(config, "global_quality")


def _ffv1_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    del config, threads  # FFV1 is lossless and intra-only: quality and presets do not apply.
    return {}


def _generic_options(config: EncoderConfig, threads: int | None) -> _TypedOptions:
    del threads
    return _quality_and_preset(config, "crf")


_OPTION_BUILDERS: dict[str, Callable[[EncoderConfig, int | None], _TypedOptions]] = {
    "libsvtav1": _svtav1_options,
    "h264": _x26x_options,
    "hevc": _x26x_options,
    "libaom-av1": _aom_options,
    "h264_videotoolbox": _videotoolbox_options,
    "hevc_videotoolbox": _videotoolbox_options,
    "h264_nvenc": _nvenc_options,
    "hevc_nvenc": _nvenc_options,
    "h264_vaapi": _vaapi_options,
    "h264_qsv": _qsv_options,
    "ffv1": _ffv1_options,
}


def _typed_codec_options(config: EncoderConfig, encoder_threads: int | None) -> _TypedOptions:
    options: _TypedOptions = {}
    if config.g is not None:
        options["g"] = config.g
    builder = _OPTION_BUILDERS.get(config.encoder, _generic_options)
    options.update(builder(config, encoder_threads))
    for key, value in config.extra_options.items():
        # A structured field always wins over the same key in extra_options (LeRobot's rule).
        options.setdefault(key, value)
    return options


def codec_options(config: EncoderConfig, *, encoder_threads: int | None = None) -> dict[str, str]:
    """Map an encoder config to the FFmpeg option dict given to the encoder.

    The keys and values are exactly LeRobot's ``get_codec_options(encoder_threads,
    as_strings=True)`` for the same config. Pure: no PyAV call.

    Args:
        config: The encoder config (``vcodec="auto"`` maps with the generic rules; resolve it
            first with :func:`resolve_auto_codec`).
        encoder_threads: Encoder threads, or None for the encoder's default; becomes
            ``lp=<n>`` in ``svtav1-params`` for libsvtav1 and ``threads`` for h264/hevc/aom.

    Returns:
        FFmpeg AVOption names to string values.

    Raises:
        ConfigError: ``encoder_threads`` is not a positive integer.
    """
    _check_encoder_threads(encoder_threads)
    return {key: str(value) for key, value in _typed_codec_options(config, encoder_threads).items()}


def _check_encoder_threads(encoder_threads: int | None) -> None:
    if encoder_threads is not None and (
        isinstance(encoder_threads, bool)
        or not isinstance(encoder_threads, int)
        or encoder_threads < 1
    ):
        raise ConfigError(
            f"encoder_threads must be an integer >= 1 or None, got {encoder_threads!r}."
        )


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
    if config.vcodec != "auto":
        return config
    for name in HW_VIDEO_CODECS:
        if _encoder_open_error(name) is None:
            logger.info("vcodec='auto' resolved to %s", name)
            return dataclasses.replace(config, vcodec=name)
    logger.info("vcodec='auto': no hardware encoder opens here; using libsvtav1")
    return dataclasses.replace(config, vcodec="libsvtav1")


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
        vcodec: An encoder name such as ``libsvtav1`` or ``h264``.

    Returns:
        Pixel format names; empty when the encoder is not in this build.
    """
    codec = _find_encoder(vcodec)
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


def _check_option(
    encoder: str, key: str, value: OptionValue, option: av.codec.context.CodecOption
) -> None:
    kind = option.type
    if kind in _NUMERIC_TYPES:
        number: float | None = None
        if not isinstance(value, bool):
            try:
                number = float(value)
            except ValueError:
                number = None
        if number is None:
            raise ConfigError(f"{key} must be a number for {encoder!r}, got {value!r}.")
        if kind in _INTEGER_TYPES and not number.is_integer():
            raise ConfigError(
                f"{key} must be an integer for {encoder!r} (FFmpeg option {option.name!r} is an "
                f"integer); float values are not allowed, got {value!r}."
            )
        low, high = float(option.min), float(option.max)
        if low < high and not low <= number <= high:
            raise ConfigError(
                f"{key} must be in [{low:g}, {high:g}] for {encoder!r}, got {value!r}."
            )
    elif kind == OptionType.STRING:
        if isinstance(value, bool):
            raise ConfigError(f"{key} must be a string for {encoder!r}, got {value!r}.")
        choices = [choice.name for choice in option.choices]
        if choices and str(value) not in choices:
            raise ConfigError(
                f"{key}={value!r} is not accepted by {encoder!r}; allowed: {', '.join(choices)}."
            )


def check_supported(config: EncoderConfig, *, encoder_threads: int | None = None) -> None:
    """Check that this machine's FFmpeg build can encode with ``config``.

    Checks, in order: the encoder exists and opens here; the pixel format is one it accepts
    and carries as many components as the config's source frames (3 for RGB, 1 for depth);
    every option it would receive (``crf``, ``preset``, numeric ``extra_options``…) has the
    type and range the encoder publishes. ``"auto"`` is resolved first.

    Args:
        config: The encoder config to check.
        encoder_threads: The thread count that will be used, checked like the other options.

    Raises:
        CodecUnavailableError: The encoder is missing or cannot be opened here; the message
            lists the encoders that work.
        ConfigError: A pixel format or option value the encoder refuses; the message says
            what is allowed.
    """
    config = resolve_auto_codec(config)
    encoder = config.encoder
    reason = _encoder_open_error(encoder)
    if reason is not None:
        raise CodecUnavailableError(
            f"Encoder {encoder!r} is {reason}; encoders that work here: "
            f"{', '.join(_usable_encoders())}.",
            codec=encoder,
        )
    formats = supported_pixel_formats(encoder)
    if formats and config.pix_fmt not in formats:
        raise ConfigError(
            f"pix_fmt {config.pix_fmt!r} is not supported by {encoder!r}; allowed: "
            f"{', '.join(formats)}."
        )
    components = _pix_fmt_components(config.pix_fmt)
    if components < config.CHANNELS:
        raise ConfigError(
            f"pix_fmt {config.pix_fmt!r} carries {components} component(s) but "
            f"{type(config).__name__} encodes {config.CHANNELS}-channel frames; choose a "
            f"{'colour (yuv*)' if config.CHANNELS == 3 else 'grey or yuv'} format."
        )
    _check_encoder_threads(encoder_threads)
    private = _private_options(encoder)
    for key, value in _typed_codec_options(config, encoder_threads).items():
        if key in private:
            _check_option(encoder, key, value, private[key])


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class BrowserSupport:
    """Whether an HTML ``<video>`` element can play a stream, with the reasons.

    Attributes:
        plays_in_browsers: True when current Chrome, Edge and Firefox all play it.
        notes: Plain-language warnings, one sentence each; empty when nothing to say.
    """

    plays_in_browsers: bool
    notes: tuple[str, ...]


def browser_support(codec: str, pix_fmt: str) -> BrowserSupport:
    """Tell whether browsers can play a stream of this codec and pixel format.

    Args:
        codec: Stream codec name as probed (``av1``, ``h264``, ``hevc``…); encoder names
            (``libsvtav1``) are accepted too.
        pix_fmt: Stream pixel format, for example ``yuv420p``.

    Returns:
        The verdict and the reasons behind it.
    """
    family = {"libsvtav1": "av1", "libaom-av1": "av1"}.get(codec, codec.split("_")[0])
    notes: list[str] = []
    plays = family in ("av1", "h264", "vp9")
    if family == "hevc":
        notes.append("HEVC plays only in Safari and in Chrome/Edge with hardware HEVC decoding.")
    elif family == "av1":
        notes.append("AV1 plays in Chrome, Edge and Firefox; Safari needs hardware AV1.")
    elif not plays:
        notes.append(f"Browsers do not play {codec!r} streams.")
    if pix_fmt.startswith("gray"):
        plays = False
        notes.append("Grey-only streams do not play in browsers; use a preview clip.")
    if "444" in pix_fmt or "422" in pix_fmt:
        plays = False
        notes.append("4:4:4 and 4:2:2 chroma do not play in browsers; use yuv420p to view.")
    bit_depth = next(
        (b for b in ("16", "12", "10") if f"p{b}" in pix_fmt or f"y{b}" in pix_fmt), ""
    )
    if bit_depth == "12" or bit_depth == "16" or (bit_depth == "10" and family == "h264"):
        plays = False
        notes.append(f"{bit_depth}-bit {family.upper()} does not play in browsers.")
    elif bit_depth == "10":
        notes.append("10-bit plays only where the browser has a 10-bit decoder for this codec.")
    return BrowserSupport(plays_in_browsers=plays, notes=tuple(notes))
