"""Encoder configs to FFmpeg options: a table of small pure functions, one per codec family.

The keys and values are LeRobot's ``get_codec_options(as_strings=True)``. This module also
says what *lossless* means for each encoder. Pure Python: no PyAV call, no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from lerobot_video.config import DepthEncoderConfig, EncoderConfig, OptionValue, RGBEncoderConfig
from lerobot_video.errors import ConfigError

TypedOptions = dict[str, OptionValue]
"""FFmpeg options before they become strings (numbers stay numbers for range checks)."""

_ConfigT = TypeVar("_ConfigT", RGBEncoderConfig, DepthEncoderConfig)


def _quality_and_preset(config: EncoderConfig, quality_key: str) -> TypedOptions:
    options: TypedOptions = {}
    if config.crf is not None:
        options[quality_key] = config.crf
    if config.effective_preset is not None:
        options["preset"] = config.effective_preset
    return options


def _svtav1_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    options = _quality_and_preset(config, "crf")
    # SVT-AV1 takes its own knobs through one "key=value:key=value" string; LeRobot always
    # writes fast-decode (clamped to SVT's 0..2), so a default config carries it too.
    params = [f"fast-decode={max(0, min(2, config.fast_decode))}"]
    if threads is not None:
        params.append(f"lp={threads}")
    options["svtav1-params"] = ":".join(params)
    return options


def _x26x_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    options = _quality_and_preset(config, "crf")
    if config.fast_decode:
        options["tune"] = "fastdecode"
    if threads is not None:
        options["threads"] = threads
    return options


def _aom_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    options = _quality_and_preset(config, "crf")
    if threads is not None:
        options["threads"] = threads
        options["row-mt"] = 1
    return options


def _videotoolbox_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    del threads  # VideoToolbox schedules its own hardware.
    if config.crf is None:
        return {}
    # LeRobot's mapping of crf (0 best) onto q:v (100 best): crf 30 -> 40, clamped to 1..100.
    return {"q:v": max(1, min(100, 100 - config.crf * 2))}


def _nvenc_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    del threads
    options: TypedOptions = {"rc": 0}  # constqp: a fixed quantizer stands in for crf.
    options.update(_quality_and_preset(config, "qp"))
    return options


def _vaapi_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    del threads
    return {} if config.crf is None else {"qp": config.crf}


def _qsv_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    del threads
    return _quality_and_preset(config, "global_quality")


def _ffv1_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    del config, threads  # FFV1 is lossless and intra-only: quality and presets do not apply.
    return {}


def _generic_options(config: EncoderConfig, threads: int | None) -> TypedOptions:
    del threads
    return _quality_and_preset(config, "crf")


_OPTION_BUILDERS: dict[str, Callable[[EncoderConfig, int | None], TypedOptions]] = {
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


def typed_codec_options(config: EncoderConfig, encoder_threads: int | None) -> TypedOptions:
    """The options of :func:`codec_options` with their Python types (threads unchecked)."""
    options: TypedOptions = {}
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
            first with :func:`~lerobot_video.resolve_auto_codec`).
        encoder_threads: Encoder threads, or None for the encoder's default; becomes
            ``lp=<n>`` in ``svtav1-params`` for libsvtav1 and ``threads`` for h264/hevc/aom.

    Returns:
        FFmpeg AVOption names to string values.

    Raises:
        ConfigError: ``encoder_threads`` is not a positive integer.
    """
    check_config_type(config, "codec_options")
    check_encoder_threads(encoder_threads)
    return {key: str(value) for key, value in typed_codec_options(config, encoder_threads).items()}


def check_config_type(config: object, caller: str) -> None:
    """Refuse anything but an encoder config (a dict, None…) with a message naming it.

    Raises:
        ConfigError: ``config`` is not an RGBEncoderConfig or a DepthEncoderConfig.
    """
    if not isinstance(config, RGBEncoderConfig | DepthEncoderConfig):
        raise ConfigError(
            f"{caller} needs an RGBEncoderConfig or a DepthEncoderConfig as config, got "
            f"{config!r}; build one, e.g. RGBEncoderConfig(vcodec='h264')."
        )


def check_encoder_threads(encoder_threads: int | None) -> None:
    """Refuse anything but None or an integer >= 1.

    Raises:
        ConfigError: ``encoder_threads`` is not a positive integer or None.
    """
    if encoder_threads is not None and (
        isinstance(encoder_threads, bool)
        or not isinstance(encoder_threads, int)
        or encoder_threads < 1
    ):
        raise ConfigError(
            f"encoder_threads must be an integer >= 1 or None, got {encoder_threads!r}."
        )


_X265_PARAMS = "x265-params"
_X265_LOSSLESS = "lossless=1"
LOSSLESS_CODECS: tuple[str, ...] = ("hevc", "ffv1")
"""Encoders with a lossless mode: ``hevc`` through ``x265-params=lossless=1``; ``ffv1`` always."""


def _x265_params(config: EncoderConfig) -> list[str]:
    """The ``key=value`` items of the config's ``x265-params`` (empty when unset)."""
    params = str(config.extra_options.get(_X265_PARAMS, ""))
    return [item for item in params.split(":") if item]


def is_lossless(config: EncoderConfig) -> bool:
    """Whether the encoder reproduces its input samples bit for bit.

    *Lossless* here means the decoded samples equal the samples handed to the encoder, in the
    config's ``pix_fmt``: 12-bit depth codes in ``gray12le`` come back exactly; an RGB frame
    still loses what converting to ``pix_fmt`` (for example 4:2:0 chroma) drops. True for
    ``ffv1`` (always lossless) and for ``hevc`` whose ``x265-params`` hold ``lossless=1``
    (``crf`` and ``preset`` then do not change the samples). Every other encoder is lossy
    here, whatever its ``crf``.

    Args:
        config: Any encoder config; ``vcodec="auto"`` never counts as lossless.

    Returns:
        True when the round trip is exact.

    Raises:
        ConfigError: ``config`` is not an encoder config.
    """
    check_config_type(config, "is_lossless")
    if config.encoder == "ffv1":
        return True
    return config.encoder == "hevc" and _X265_LOSSLESS in _x265_params(config)


def with_lossless(config: _ConfigT, lossless: bool) -> _ConfigT:
    """Return a copy of ``config`` switched to lossless or lossy, other settings kept.

    For ``hevc``, ``lossless=1`` is added to or removed from ``x265-params`` (other x265
    parameters stay). ``ffv1`` is always lossless and every other encoder always lossy, so
    asking them for the mode they already have returns ``config`` itself.

    Args:
        config: An RGB or depth encoder config.
        lossless: The mode wanted.

    Returns:
        A config of the same class for which :func:`is_lossless` equals ``lossless``.

    Raises:
        ConfigError: The encoder has no such mode (lossy ``ffv1``, lossless ``libsvtav1``…),
            or ``lossless`` is not a bool.
    """
    if not isinstance(lossless, bool):
        raise ConfigError(f"lossless must be True or False, got {lossless!r}.")
    if is_lossless(config) == lossless:
        return config
    if config.encoder != "hevc":
        mode = "lossless" if lossless else "lossy"
        raise ConfigError(
            f"vcodec {config.vcodec!r} has no {mode} mode; encoders with a lossless mode: "
            f"{', '.join(LOSSLESS_CODECS)} (ffv1 is always lossless). Choose another vcodec."
        )
    params = [item for item in _x265_params(config) if not item.startswith("lossless=")]
    if lossless:
        params.insert(0, _X265_LOSSLESS)
    extra: dict[str, OptionValue] = dict(config.extra_options)
    extra.pop(_X265_PARAMS, None)
    if params:
        extra[_X265_PARAMS] = ":".join(params)
    return dataclasses.replace(config, extra_options=extra)
