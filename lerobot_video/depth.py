"""12-bit depth quantization: LeRobot's log/linear mapping, its inverse, and step sizes.

NumPy only; no codec I/O. The arithmetic follows LeRobot's ``depth_utils`` operation for
operation (float32 data and parameters, ``math.log`` of the float32 sums, round-half-to-even,
clip to [0, 4095]) so codes written here and there are identical. Parameters are always in
metres; the data unit is millimetres for integer input and metres for float input unless
forced.

Edges, as in LeRobot: 0 mm, negative values and NaN become code 0 (read back as
``depth_min``); +inf and anything beyond ``depth_max`` become 4095 (read back as
``depth_max``). What LeRobot lacks: with ``mark_invalid=True``, sensor "no reading" pixels
(0, NaN, inf, negative) get code 0 and valid depths use codes 1..4095, so
:func:`dequantize_depth` with ``invalid_as_nan=True`` returns NaN for them instead of 10 mm.
LeRobot still reads such codes (invalid pixels as ``depth_min``, as before).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from lerobot_video.errors import ConfigError

DEPTH_QUANT_BITS = 12
DEPTH_QMAX = (1 << DEPTH_QUANT_BITS) - 1
"""Largest 12-bit code: ``depth_max`` maps to it."""
DEFAULT_DEPTH_MIN_M = 0.01
DEFAULT_DEPTH_MAX_M = 10.0
DEFAULT_DEPTH_SHIFT_M = 3.5
DEPTH_INFO_FIELDS = ("depth_min", "depth_max", "shift", "use_log")
"""The quantizer's parameters, persisted as ``video.<name>`` in a depth feature's ``info``."""

DepthUnit = Literal["m", "mm"]
MM_PER_M = 1000
INVALID_CODE = 0
"""Code given to invalid pixels when ``mark_invalid=True``."""

_UINT16_MAX = float(np.iinfo(np.uint16).max)
_MAX_ABS_M = 1e30
"""Largest parameter magnitude (m): in millimetres and float32, as LeRobot computes, it stays
finite (float32 overflows near 3.4e38)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class DepthQuantization:
    """The four parameters of the 12-bit depth mapping, in metres.

    Attributes:
        depth_min: Depth (m) at code 0.
        depth_max: Depth (m) at code 4095; greater than ``depth_min``.
        shift: Offset (m) added before the logarithm; ``depth_min + shift > 0`` when
            ``use_log``.
        use_log: Logarithmic (finer near the camera) rather than linear steps.
    """

    depth_min: float = DEFAULT_DEPTH_MIN_M
    depth_max: float = DEFAULT_DEPTH_MAX_M
    shift: float = DEFAULT_DEPTH_SHIFT_M
    use_log: bool = True

    def __post_init__(self) -> None:
        """Check the parameters.

        Raises:
            ConfigError: Non-finite values, ``depth_max <= depth_min``, or a log mapping with
                ``depth_min + shift <= 0``.
        """
        _check_mapping(self)

    def to_info(self) -> dict[str, float | bool]:
        """The ``video.depth_min``/``depth_max``/``shift``/``use_log`` keys LeRobot stores."""
        return {f"video.{name}": getattr(self, name) for name in DEPTH_INFO_FIELDS}

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> DepthQuantization:
        """Read the parameters persisted in a depth feature's ``info`` block.

        Args:
            info: The feature's ``info`` with ``video.depth_min``, ``video.depth_max``,
                ``video.shift`` and ``video.use_log``; missing or null keys take LeRobot's
                defaults, as LeRobot does.

        Returns:
            The quantization.
        """
        if not isinstance(info, Mapping):
            raise ConfigError(f"A feature's info must be a mapping, got {info!r}.")
        values = {name: info.get(f"video.{name}") for name in DEPTH_INFO_FIELDS}
        return cls(**{k: v for k, v in values.items() if v is not None})


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_mapping(params: DepthQuantization) -> None:
    """Check ``depth_min``/``depth_max``/``shift`` (metres) and ``use_log``.

    Raises:
        ConfigError: A non-finite value, ``depth_max <= depth_min``, or a log mapping with
            ``depth_min + shift <= 0``.
    """
    for name in ("depth_min", "depth_max", "shift"):
        value = getattr(params, name)
        if not _is_number(value) or not abs(value) <= _MAX_ABS_M:
            raise ConfigError(
                f"{name} must be a finite number of metres within ±{_MAX_ABS_M:g}, got {value!r}."
            )
    if not isinstance(params.use_log, bool):
        raise ConfigError(f"use_log must be True or False, got {params.use_log!r}.")
    if params.depth_max <= params.depth_min:
        raise ConfigError(
            f"depth_max must be greater than depth_min, got depth_min={params.depth_min!r} m "
            f"and depth_max={params.depth_max!r} m."
        )
    if params.use_log and params.depth_min + params.shift <= 0:
        raise ConfigError(
            f"depth_min + shift must be positive for log quantization, got "
            f"{params.depth_min!r} + {params.shift!r} m; raise shift or use use_log=False."
        )


def resolve_depth_unit(
    depth: npt.NDArray[Any], input_unit: Literal["auto", "m", "mm"] = "auto"
) -> DepthUnit:
    """The unit depth data is in: forced by ``input_unit``, else mm for integers, m for floats.

    Raises:
        ConfigError: ``input_unit`` is not ``"auto"``, ``"m"`` or ``"mm"``.
    """
    if not isinstance(input_unit, str) or input_unit not in ("auto", "m", "mm"):
        raise ConfigError(f"input_unit must be 'auto', 'm' or 'mm', got {input_unit!r}.")
    if input_unit == "auto":
        return "m" if np.issubdtype(depth.dtype, np.floating) else "mm"
    return input_unit


def _squeeze_channel(array: npt.NDArray[Any], name: str = "depth") -> npt.NDArray[Any]:
    """(H, W, 1), (N, H, W, 1) and (N, 1, H, W) lose their channel; (H, W), (N, H, W) stay.

    A leading axis of length 1 of a 3-D array is a frame count, never a channel: (1, H, W)
    stays one frame. A 4-D array can only carry its channel second (LeRobot's decoded
    depth, ``(N, 1, H, W)``) or last.

    Raises:
        ConfigError: Not numeric (bool, complex, object…), or not one of those layouts.
    """
    if array.dtype.kind not in "iuf":
        raise ConfigError(
            f"{name} must hold integers or floats, got dtype {array.dtype}; convert it with "
            f"np.asarray({name}, dtype=np.float32) (metres) or np.uint16 (mm)."
        )
    if array.ndim == 4 and array.shape[-1] == 1:
        return array[..., 0]
    if array.ndim == 4 and array.shape[1] == 1:
        return array[:, 0]
    if array.ndim == 3 and array.shape[-1] == 1:
        return array[..., 0]
    if array.ndim in (2, 3):
        return array
    raise ConfigError(
        f"{name} must be (H, W), (N, H, W), (H, W, 1), (N, H, W, 1) or (N, 1, H, W), got "
        f"shape {array.shape}."
    )


def _as_array(values: object, name: str) -> npt.NDArray[Any]:
    """``values`` as an array, or ConfigError naming it (ragged lists, strings…)."""
    try:
        return np.asarray(values)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{name} must be a numeric array, got {values!r:.80}.") from err


def _check_quantization(quantization: object) -> None:
    if not isinstance(quantization, DepthQuantization):
        raise ConfigError(
            f"quantization must be a DepthQuantization, got {quantization!r}; build one with "
            f"DepthQuantization(depth_min=..., depth_max=...) or DepthQuantization.from_info."
        )


def _check_flag(name: str, value: object) -> None:
    if not isinstance(value, bool | np.bool_):
        raise ConfigError(f"{name} must be True or False, got {value!r}.")


def invalid_depth_mask(depth: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Pixels a depth sensor reports as "no reading": 0, negative, NaN or infinite.

    Args:
        depth: Depth in any unit and layout.

    Returns:
        Boolean mask of the same shape, True where the pixel is invalid.
    """
    values = np.asarray(depth)
    invalid: npt.NDArray[np.bool_] = values <= 0
    if np.issubdtype(values.dtype, np.floating):
        invalid |= ~np.isfinite(values)
    return invalid


def quantize_depth(
    depth: npt.NDArray[Any],
    quantization: DepthQuantization = DepthQuantization(),
    *,
    input_unit: Literal["auto", "m", "mm"] = "auto",
    mark_invalid: bool = False,
) -> npt.NDArray[np.uint16]:
    """Map depth to 12-bit codes exactly as LeRobot does.

    Args:
        depth: Depth frames, (H, W) or (N, H, W), optionally with a trailing channel axis
            ((H, W, 1), (N, H, W, 1)); a leading axis of 1 is one frame, (1, H, W) stays.
            Integers are millimetres, floats metres, unless ``input_unit`` says otherwise.
        quantization: The mapping parameters (metres).
        input_unit: ``"auto"`` (by dtype), ``"m"`` or ``"mm"``.
        mark_invalid: Give invalid pixels (:func:`invalid_depth_mask`) code 0 and valid
            pixels codes 1..4095, so invalid pixels survive the round trip.

    Returns:
        Codes in [0, 4095], uint16, the input shape without its channel axis.

    Raises:
        ConfigError: Bad ``input_unit``, ``quantization`` or ``mark_invalid``; a layout other
            than those above; a dtype other than integers or floats (bool, complex, object).
    """
    _check_quantization(quantization)
    _check_flag("mark_invalid", mark_invalid)
    array = _squeeze_channel(_as_array(depth, "depth"))
    unit = resolve_depth_unit(array, input_unit)
    scale = 1.0 if unit == "m" else float(MM_PER_M)
    # LeRobot converts the metre parameters to float32 in the data's unit before any maths.
    low = np.float32(quantization.depth_min * scale)
    high = np.float32(quantization.depth_max * scale)
    shift = np.float32(quantization.shift * scale)
    # Inputs beyond float32's range become inf and then code 4095, as in LeRobot, quietly.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        values = array.astype(np.float32)
        if quantization.use_log:
            log_low = math.log(float(low + shift))
            log_high = math.log(float(high + shift))
            normalised = (np.log(values + shift) - log_low) / (log_high - log_low)
        else:
            normalised = (values - low) / (high - low)
        codes = np.rint(normalised * DEPTH_QMAX)
    # NaN has no code; LeRobot's cast happens to give 0, which is made explicit here.
    codes = np.nan_to_num(codes, nan=0.0, posinf=DEPTH_QMAX, neginf=0.0)
    codes_u16: npt.NDArray[np.uint16] = codes.clip(0, DEPTH_QMAX).astype(np.uint16)
    if mark_invalid:
        np.maximum(codes_u16, 1, out=codes_u16)
        codes_u16[invalid_depth_mask(array)] = INVALID_CODE
    return codes_u16


def dequantize_depth(
    codes: npt.NDArray[Any],
    quantization: DepthQuantization = DepthQuantization(),
    *,
    output_unit: DepthUnit = "mm",
    invalid_as_nan: bool = False,
) -> npt.NDArray[np.float32]:
    """Turn 12-bit codes back into depth, exactly as LeRobot's numpy path does.

    Args:
        codes: Codes in [0, 4095], (H, W) or (N, H, W), optionally with a single channel axis.
        quantization: The parameters the codes were made with (metres).
        output_unit: ``"m"`` gives metres clipped to [depth_min, depth_max]; ``"mm"`` gives
            whole millimetres (rounded, clipped to [0, 65535]), like LeRobot's uint16 output.
        invalid_as_nan: Return NaN where the code is 0 (for codes made with
            ``mark_invalid=True``).

    Returns:
        Depth, float32, the input shape without its channel axis.

    Raises:
        ConfigError: Bad ``output_unit``, ``quantization`` or ``invalid_as_nan``; a layout
            other than (H, W), (N, H, W), (H, W, 1), (N, H, W, 1); codes outside [0, 4095].
    """
    if not isinstance(output_unit, str) or output_unit not in ("m", "mm"):
        raise ConfigError(f"output_unit must be 'm' or 'mm', got {output_unit!r}.")
    _check_quantization(quantization)
    _check_flag("invalid_as_nan", invalid_as_nan)
    array = _squeeze_channel(_as_array(codes, "codes"), "codes")
    if array.size and not (
        np.all(np.isfinite(array)) and 0 <= array.min() <= array.max() <= DEPTH_QMAX
    ):
        raise ConfigError(
            f"codes must be 12-bit depth codes in [0, {DEPTH_QMAX}], got values from "
            f"{array.min().item()!r} to {array.max().item()!r}."
        )
    low, high, shift = quantization.depth_min, quantization.depth_max, quantization.shift
    if quantization.use_log:
        offset = math.log(low + shift)
        step = (math.log(high + shift) - offset) / DEPTH_QMAX
    else:
        offset, step = low, (high - low) / DEPTH_QMAX
    depth = np.empty(array.shape, dtype=np.float32)
    np.multiply(array, step, out=depth, casting="unsafe")
    np.add(depth, offset, out=depth, casting="unsafe")
    if quantization.use_log:
        np.exp(depth, out=depth)
        np.subtract(depth, shift, out=depth, casting="unsafe")
    np.clip(depth, low, high, out=depth)
    if output_unit == "mm":
        np.multiply(depth, MM_PER_M, out=depth, casting="unsafe")
        np.rint(depth, out=depth)
        np.clip(depth, 0.0, _UINT16_MAX, out=depth)
    if invalid_as_nan:
        depth[array == INVALID_CODE] = np.nan
    return depth


def quantization_step_mm(
    depth_m: float | npt.NDArray[np.floating],
    quantization: DepthQuantization = DepthQuantization(),
) -> npt.NDArray[np.float64]:
    """Depth difference (mm) between neighbouring codes at a given depth.

    Log mapping: consecutive codes differ by a factor ``exp(k)`` in ``depth + shift``, with
    ``k = (ln(depth_max + shift) - ln(depth_min + shift)) / 4095``, so the step is
    ``(depth + shift) * (exp(k) - 1)``: about 1.2 mm at 0.1 m, 1.5 mm at 1 m and 4.4 mm at
    10 m for the defaults. Linear mapping: ``(depth_max - depth_min) / 4095`` everywhere.

    Args:
        depth_m: Depth in metres, scalar or array; clipped to [depth_min, depth_max].
        quantization: The mapping parameters.

    Returns:
        Step size in millimetres, same shape as ``depth_m``.

    Raises:
        ConfigError: ``depth_m`` is not numeric, or ``quantization`` is not a
            :class:`DepthQuantization`.
    """
    _check_quantization(quantization)
    values = _as_array(depth_m, "depth_m")
    if values.dtype.kind not in "iuf":
        raise ConfigError(f"depth_m must be a number or array of metres, got {depth_m!r:.80}.")
    depth = np.clip(values.astype(np.float64), quantization.depth_min, quantization.depth_max)
    low, high, shift = quantization.depth_min, quantization.depth_max, quantization.shift
    if quantization.use_log:
        k = (math.log(high + shift) - math.log(low + shift)) / DEPTH_QMAX
        return np.asarray((depth + shift) * math.expm1(k) * MM_PER_M)
    return np.full_like(depth, (high - low) / DEPTH_QMAX * MM_PER_M)
