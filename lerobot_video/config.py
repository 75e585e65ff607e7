"""Encoder configurations: LeRobot's field names, defaults and pure validation.

This module holds data and checks of types, ranges and cross-field rules only. It performs no
I/O and never touches PyAV: whether this FFmpeg build can honour a config is the separate,
explicit call :func:`lerobot_video.check_supported` (or :func:`lerobot_video.plan_encoder`,
which keeps the checked result for the encoders).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from lerobot_video.depth import (
    DEFAULT_DEPTH_MAX_M,
    DEFAULT_DEPTH_MIN_M,
    DEFAULT_DEPTH_SHIFT_M,
    DEPTH_INFO_FIELDS,
    DepthQuantization,
)
from lerobot_video.errors import ConfigError

HW_VIDEO_CODECS: tuple[str, ...] = (
    "h264_videotoolbox",
    "hevc_videotoolbox",
    "h264_nvenc",
    "hevc_nvenc",
    "h264_vaapi",
    "h264_qsv",
)
"""Hardware encoders, in LeRobot's order of preference for ``vcodec="auto"``."""

SOFTWARE_VIDEO_CODECS: tuple[str, ...] = ("libsvtav1", "h264", "hevc", "libaom-av1")
"""Software encoders LeRobot accepts (``h264`` is libx264, ``hevc`` is libx265)."""

VALID_VIDEO_CODECS: tuple[str, ...] = (*SOFTWARE_VIDEO_CODECS, *HW_VIDEO_CODECS, "auto")
"""Every ``vcodec`` value LeRobot accepts (11 names); ``libx264``/``libx265`` are refused there."""

DEPTH_ONLY_CODECS: tuple[str, ...] = ("ffv1",)
"""Encoders accepted for depth only: FFV1 is lossless and fast, but LeRobot 0.6.1 cannot
rebuild a config from an FFV1 stream, so it cannot read such a dataset."""

VIDEO_CODEC_ALIASES: Mapping[str, str] = {"av1": "libsvtav1"}
"""Stream codec names that map back to an encoder name (``video.codec`` in ``info.json``)."""

LIBSVTAV1_DEFAULT_PRESET = 12
"""Preset LeRobot uses for libsvtav1 when ``preset`` is unset (SVT-AV1 maps it to its fastest)."""

ENCODER_INFO_FIELDS = ("g", "crf", "preset", "fast_decode", "video_backend", "extra_options")
"""Encoder fields persisted as ``video.<name>`` in a video feature's ``info`` block (with
``video.codec`` and ``video.pix_fmt``, which are read from the stream)."""

_NULLABLE_INFO_FIELDS = frozenset({"g", "crf", "preset"})
"""Fields whose stored null means "the encoder's own default" and is kept as None."""

_INT_MAX = 2**31 - 1
"""Largest value of an FFmpeg ``int`` option (g, fast_decode)."""

OptionValue = str | int | float | bool
"""Type of one free-form encoder option value, before it is turned into a string for FFmpeg."""


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite(value: object) -> bool:
    """A bool-free int or float that is finite as a float (huge ints overflow)."""
    if not _is_number(value):
        return False
    try:
        return math.isfinite(cast("float", value))
    except OverflowError:
        return False


def _check_common_fields(config: RGBEncoderConfig | DepthEncoderConfig) -> None:
    """Checks shared by every encoder config; raises ConfigError on the first problem.

    Also folds the ``av1`` alias into ``libsvtav1``: the one normalisation done at
    construction, so that a config rebuilt from ``info.json`` (which stores ``av1``) equals
    the config that wrote it, as in LeRobot.
    """
    if isinstance(config.vcodec, str) and config.vcodec in VIDEO_CODEC_ALIASES:
        object.__setattr__(config, "vcodec", VIDEO_CODEC_ALIASES[config.vcodec])
    allowed = VALID_VIDEO_CODECS + (DEPTH_ONLY_CODECS if config.CHANNELS == 1 else ())
    if not isinstance(config.vcodec, str) or config.vcodec not in allowed:
        raise ConfigError(
            f"Invalid vcodec {config.vcodec!r}; allowed: {', '.join(allowed)} "
            f"(or the alias 'av1' for 'libsvtav1'). Use 'h264' rather than 'libx264' and "
            f"'hevc' rather than 'libx265', as in LeRobot."
        )
    if not isinstance(config.pix_fmt, str) or not config.pix_fmt:
        raise ConfigError(f"pix_fmt must be a non-empty pixel format name, got {config.pix_fmt!r}.")
    if config.crf is not None and (not _is_finite(config.crf) or config.crf < 0):
        raise ConfigError(f"crf must be a finite number >= 0 or None, got {config.crf!r}.")
    if config.preset is not None and (
        isinstance(config.preset, bool)
        or not isinstance(config.preset, int | str)
        or config.preset == ""
    ):
        raise ConfigError(
            f"preset must be an integer, a non-empty string or None, got {config.preset!r}."
        )
    if config.video_backend != "pyav":
        raise ConfigError(
            f"video_backend {config.video_backend!r} is not supported; allowed: 'pyav'."
        )
    _check_integer_fields(config)
    _check_extra_options(config.extra_options)


def _check_integer_fields(config: RGBEncoderConfig | DepthEncoderConfig) -> None:
    """``g`` and ``fast_decode``: integers within FFmpeg's ``int`` options."""
    if config.g is not None and (
        isinstance(config.g, bool) or not isinstance(config.g, int) or not 1 <= config.g <= _INT_MAX
    ):
        raise ConfigError(
            f"g (keyframe interval, in frames) must be an integer >= 1 (at most {_INT_MAX}) or "
            f"None, got {config.g!r}."
        )
    if (
        isinstance(config.fast_decode, bool)
        or not isinstance(config.fast_decode, int)
        or abs(config.fast_decode) > _INT_MAX
    ):
        raise ConfigError(
            f"fast_decode must be an integer in [-{_INT_MAX}, {_INT_MAX}], got "
            f"{config.fast_decode!r}."
        )


def _check_extra_options(extra_options: Mapping[str, Any]) -> None:
    if not isinstance(extra_options, Mapping):
        raise ConfigError(
            f"extra_options must be a mapping of option name to value, got {extra_options!r}."
        )
    for key, value in extra_options.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"extra_options keys must be non-empty strings, got {key!r}.")
        if not isinstance(value, str | int | float) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise ConfigError(
                f"extra_options[{key!r}] must be a string or a number (finite), got {value!r}."
            )


class _EncoderFieldsMixin:
    """Derived values shared by both encoder configs (no state: slots stay empty)."""

    __slots__ = ()
    vcodec: str
    preset: int | str | None

    @property
    def encoder(self) -> str:
        """The encoder name given to FFmpeg (``h264`` is libx264, ``hevc`` libx265)."""
        return self.vcodec

    @property
    def effective_preset(self) -> int | str | None:
        """The preset LeRobot persists: 12 for libsvtav1 when unset, else :attr:`preset`."""
        if self.preset is None and self.vcodec == "libsvtav1":
            return LIBSVTAV1_DEFAULT_PRESET
        return self.preset


@dataclass(frozen=True, kw_only=True, slots=True)
class RGBEncoderConfig(_EncoderFieldsMixin):
    """How an RGB camera stream is encoded; LeRobot's ``RGBEncoderConfig`` fields and defaults.

    Construction checks types, ranges and cross-field rules without any I/O. Whether this FFmpeg
    build can run the config is :func:`lerobot_video.check_supported`; ``"auto"`` is resolved by
    :func:`lerobot_video.resolve_auto_codec`, which returns a new config.

    Attributes:
        vcodec: Encoder name: ``libsvtav1``, ``h264`` (libx264), ``hevc`` (libx265),
            ``libaom-av1``, a hardware encoder, or ``auto``. ``av1`` is an alias of libsvtav1.
        pix_fmt: Pixel format of the encoded stream, for example ``yuv420p``.
        g: Keyframe interval (GOP size) in frames, >= 1, or None for the encoder's default.
        crf: Quality target, lower is better; mapped per codec (``qp`` for NVENC/VAAPI,
            ``q:v`` for VideoToolbox, ``global_quality`` for QSV). None leaves it unset.
        preset: Speed/quality preset; an integer for libsvtav1 (-2..13, unset means 12),
            a name such as ``"fast"`` for h264/hevc. None leaves the encoder default.
        fast_decode: Decoder-friendly tuning: libsvtav1 level 0..2 (clamped), any non-zero
            value sets ``tune=fastdecode`` for h264/hevc; ignored elsewhere.
        video_backend: Library used to encode; only ``"pyav"``.
        extra_options: Further FFmpeg options, merged last; they never override a key the
            fields above produce.
    """

    vcodec: str = "libsvtav1"
    pix_fmt: str = "yuv420p"
    g: int | None = 2
    crf: int | float | None = 30
    preset: int | str | None = None
    fast_decode: int = 0
    video_backend: str = "pyav"
    extra_options: Mapping[str, OptionValue] = field(default_factory=dict)

    CHANNELS: ClassVar[int] = 3
    """Channels of the source frames this config encodes."""

    def __post_init__(self) -> None:
        """Check field types, ranges and cross-field rules.

        Raises:
            ConfigError: A field is invalid; the message names it and what is allowed.
        """
        _check_common_fields(self)

    def to_info(self) -> dict[str, Any]:
        """``video.pix_fmt`` and the encoder's ``video.*`` keys, as LeRobot persists them.

        ``video.codec`` and the other stream-derived keys (size, fps, channels) are probed
        from the written file instead: see :func:`~lerobot_video.feature_info`.
        """
        return _encoder_info(self)

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> RGBEncoderConfig:
        """Rebuild the config an RGB stream was written with from its ``info`` block.

        Missing or null keys take the defaults, as in LeRobot; ``video.codec`` (a stream codec
        name such as ``av1``) becomes ``vcodec``.

        Raises:
            ConfigError: The block is not a mapping, or holds values no config accepts.
        """
        return cls(**_fields_from_info(info, ENCODER_INFO_FIELDS))


@dataclass(frozen=True, kw_only=True, slots=True)
class DepthEncoderConfig(_EncoderFieldsMixin):
    """How a depth stream is quantized to 12-bit codes and encoded; LeRobot's field names.

    The encoder fields mean what they mean in :class:`RGBEncoderConfig`; the defaults are
    LeRobot's depth defaults: lossless 12-bit grey HEVC.

    Attributes:
        vcodec: Encoder name; ``hevc`` (libx265) by default.
        pix_fmt: Pixel format; ``gray12le`` keeps each 12-bit code in a 16-bit word.
        g: Keyframe interval in frames, >= 1, or None.
        crf: Quality target; no effect while ``x265-params`` holds ``lossless=1``.
        preset: Speed/quality preset or None.
        fast_decode: As in :class:`RGBEncoderConfig`.
        video_backend: Only ``"pyav"``.
        extra_options: Further FFmpeg options; ``{"x265-params": "lossless=1"}`` by default.
        depth_min: Depth in metres mapped to code 0.
        depth_max: Depth in metres mapped to code 4095; must exceed ``depth_min``.
        shift: Offset in metres added before the logarithm; ``depth_min + shift`` must be > 0.
        use_log: Logarithmic (finer steps near the camera) rather than linear quantization.
    """

    vcodec: str = "hevc"
    pix_fmt: str = "gray12le"
    g: int | None = 2
    crf: int | float | None = 30
    preset: int | str | None = None
    fast_decode: int = 0
    video_backend: str = "pyav"
    extra_options: Mapping[str, OptionValue] = field(
        default_factory=lambda: {"x265-params": "lossless=1"}
    )
    depth_min: float = DEFAULT_DEPTH_MIN_M
    depth_max: float = DEFAULT_DEPTH_MAX_M
    shift: float = DEFAULT_DEPTH_SHIFT_M
    use_log: bool = True

    CHANNELS: ClassVar[int] = 1
    """Channels of the source frames this config encodes."""

    def __post_init__(self) -> None:
        """Check field types, ranges and cross-field rules.

        Raises:
            ConfigError: A field is invalid; the message names it and what is allowed.
        """
        _check_common_fields(self)
        _ = self.quantization  # DepthQuantization checks the four mapping parameters

    @property
    def quantization(self) -> DepthQuantization:
        """The depth mapping (``depth_min``, ``depth_max``, ``shift``, ``use_log``; metres)."""
        return DepthQuantization(
            depth_min=self.depth_min,
            depth_max=self.depth_max,
            shift=self.shift,
            use_log=self.use_log,
        )

    def to_info(self) -> dict[str, Any]:
        """``video.pix_fmt``, the encoder's and the quantizer's ``video.*`` keys, as stored."""
        return {**_encoder_info(self), **self.quantization.to_info()}

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> DepthEncoderConfig:
        """Rebuild the config a depth stream was written with from its ``info`` block.

        Missing or null keys take the defaults, as in LeRobot; ``video.codec`` (a stream codec
        name such as ``hevc``) becomes ``vcodec``.

        Raises:
            ConfigError: The block is not a mapping, or holds values no config accepts.
        """
        return cls(**_fields_from_info(info, (*ENCODER_INFO_FIELDS, *DEPTH_INFO_FIELDS)))


EncoderConfig = RGBEncoderConfig | DepthEncoderConfig
"""Either kind of encoder config."""


def _encoder_info(config: EncoderConfig) -> dict[str, Any]:
    info: dict[str, Any] = {"video.pix_fmt": config.pix_fmt}
    for name in ENCODER_INFO_FIELDS:
        value: Any = config.effective_preset if name == "preset" else getattr(config, name)
        info[f"video.{name}"] = dict(value) if name == "extra_options" else value
    return info


def _fields_from_info(info: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Constructor arguments from an ``info`` block's ``video.*`` keys.

    A missing key takes the field's default; a stored null stays None where None is a
    value of the field (``g``, ``crf``, ``preset``) and takes the default elsewhere (the depth
    quantizer's keys, as LeRobot reads them).
    """
    if not isinstance(info, Mapping):
        raise ConfigError(f"A feature's info must be a mapping, got {info!r}.")
    fields: dict[str, Any] = {}
    for name in ("pix_fmt", *names):
        key = f"video.{name}"
        if key in info and (info[key] is not None or name in _NULLABLE_INFO_FIELDS):
            fields[name] = info[key]
    codec = info.get("video.codec")
    if codec is not None:
        fields["vcodec"] = VIDEO_CODEC_ALIASES.get(codec, codec)
    if isinstance(fields.get("extra_options"), Mapping):
        fields["extra_options"] = dict(fields["extra_options"])
    return fields
