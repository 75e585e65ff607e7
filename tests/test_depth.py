"""12-bit depth quantization (``lerobot_video.depth``): LeRobot's mapping, its inverse, steps.

Covers:
- properties (hypothesis): codes stay in [0, 4095] for any float or integer input, NaN, inf
  and negatives included; the mapping is monotonic (non-decreasing) on sorted input; the
  round trip of an in-range depth is within one quantization step (plus 0.5 mm of rounding
  for millimetre output), for log and linear mappings, metre and millimetre input, default
  and random valid parameters; ``mark_invalid`` gives invalid pixels code 0, valid ones >= 1;
- equality with LeRobot 0.6.1's recorded outputs (``depth_golden.npz``, made by
  ``tests/fixtures/lerobot_reference/dump_depth.py``): codes for mm and m inputs and the
  dequantized value of every code in mm and m, for three parameter sets;
- the edge table of SPEC §3.1 (0 mm, depth_min, 100 mm, 3500 mm, saturation, NaN, inf,
  negatives) and the step sizes of SPEC §3.1 (log and linear);
- the invalid mask: code 0 only for invalid pixels, NaN exactly there after dequantization,
  LeRobot's codes everywhere else (except LeRobot's own code 0, which becomes 1);
- channel layouts (H, W, 1), (N, 1, H, W), (N, H, W, 1) squeeze, (1, H, W) stays one frame;
  1-D and other layouts refused;
  forced and invalid units;
- ``DepthQuantization`` validation and ``from_info`` (missing or null keys take defaults).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lerobot_video import (
    ConfigError,
    DepthQuantization,
    dequantize_depth,
    invalid_depth_mask,
    quantization_step_mm,
    quantize_depth,
)

GOLDEN_PATH = Path(__file__).parent / "fixtures/lerobot_reference/depth_golden.npz"
# The parameter sets dump_depth.py recorded: (depth_min, depth_max, shift, use_log).
GOLDEN_PARAMS = {
    "default_log": (0.01, 10.0, 3.5, True),
    "default_linear": (0.01, 10.0, 3.5, False),
    "custom_log": (0.05, 8.0, 2.5, True),
}
QMAX = 4095
# Float32 arithmetic (LeRobot's dtype) adds at most a few ulps to a round trip: ~3e-3 mm at
# the 22 m the strategies reach. The bounds below are a whole step, twice the ideal half-step
# error, so this slack only matters if the mapping itself is wrong.
FLOAT32_SLACK_MM = 0.01

PROPERTY_SETTINGS = settings(max_examples=40, deadline=None)
# Huge finite depths overflow to inf inside quantize_depth and warn, although the codes are
# right (test_huge_finite_depths_do_not_warn, a known library bug); keep property runs quiet.
IGNORE_OVERFLOW = pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")

Unit = Literal["m", "mm"]


@st.composite
def random_quantizations(draw: st.DrawFn) -> DepthQuantization:
    """A valid mapping: depth_max below 22 m, so the range also fits uint16 millimetres."""
    use_log = draw(st.booleans())
    depth_min = draw(st.floats(0.0, 2.0))
    depth_max = depth_min + draw(st.floats(0.5, 20.0))
    shift = draw(st.floats(0.05, 5.0)) if use_log else draw(st.floats(-5.0, 5.0))
    return DepthQuantization(depth_min=depth_min, depth_max=depth_max, shift=shift, use_log=use_log)


quantizations = st.one_of(
    st.just(DepthQuantization()),
    st.just(DepthQuantization(use_log=False)),
    random_quantizations(),
)
small_shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=12)


@st.composite
def any_depth(draw: st.DrawFn) -> npt.NDArray[Any]:
    """Depth of any dtype a caller may pass, with NaN, infinities, zeros and negatives."""
    dtype = draw(st.sampled_from(["float32", "float64", "uint16", "int32"]))
    shape = draw(small_shapes)
    elements: st.SearchStrategy[Any]
    if dtype.startswith("float"):
        # Width 32 for both: float64 beyond float32's range is test_float64_beyond_float32.
        elements = st.floats(allow_nan=True, allow_infinity=True, width=32)
    else:
        info = np.iinfo(np.dtype(dtype))
        elements = st.integers(int(info.min), int(info.max))
    return draw(hnp.arrays(np.dtype(dtype), shape, elements=elements))


class TestCodeRange:
    @IGNORE_OVERFLOW
    @PROPERTY_SETTINGS
    @given(depth=any_depth(), quantization=quantizations, mark_invalid=st.booleans())
    def test_codes_in_12_bit_range(
        self, depth: npt.NDArray[Any], quantization: DepthQuantization, mark_invalid: bool
    ) -> None:
        codes = quantize_depth(depth, quantization, mark_invalid=mark_invalid)
        assert codes.dtype == np.uint16
        assert codes.shape == depth.shape
        assert int(codes.max()) <= QMAX

    @IGNORE_OVERFLOW
    @PROPERTY_SETTINGS
    @given(depth=any_depth(), quantization=quantizations)
    def test_mark_invalid_reserves_code_zero(
        self, depth: npt.NDArray[Any], quantization: DepthQuantization
    ) -> None:
        codes = quantize_depth(depth, quantization, mark_invalid=True)
        invalid = invalid_depth_mask(depth)
        assert np.all(codes[invalid] == 0)
        assert np.all(codes[~invalid] >= 1)

    # Values beyond float32's range become inf in the cast, then code 4095 (0 for -inf), quietly.
    @pytest.mark.filterwarnings("error::RuntimeWarning")
    def test_float64_beyond_float32(self) -> None:
        depth = np.array([[1e300, -1e300, 1e-300, np.finfo(np.float64).max]])
        np.testing.assert_array_equal(quantize_depth(depth), [[QMAX, 0, 0, QMAX]])

    @pytest.mark.filterwarnings("error::RuntimeWarning")
    def test_huge_finite_depths_do_not_warn(self) -> None:
        depth = np.array([[np.finfo(np.float32).max, -np.finfo(np.float32).max]])
        codes = quantize_depth(depth.astype(np.float32), DepthQuantization(use_log=False))
        np.testing.assert_array_equal(codes, [[QMAX, 0]])


class TestMonotonic:
    @IGNORE_OVERFLOW
    @PROPERTY_SETTINGS
    @given(
        values=st.lists(
            st.floats(allow_nan=False, allow_infinity=True, width=32), min_size=2, max_size=64
        ),
        quantization=quantizations,
    )
    def test_sorted_metres_give_sorted_codes(
        self, values: list[float], quantization: DepthQuantization
    ) -> None:
        depth = np.sort(np.array(values, dtype=np.float32))[None, :]
        codes = quantize_depth(depth, quantization).astype(np.int64)
        assert np.all(np.diff(codes) >= 0), codes

    @PROPERTY_SETTINGS
    @given(
        values=st.lists(st.integers(0, 65535), min_size=2, max_size=64),
        quantization=quantizations,
    )
    def test_sorted_millimetres_give_sorted_codes(
        self, values: list[int], quantization: DepthQuantization
    ) -> None:
        depth = np.sort(np.array(values, dtype=np.uint16))[None, :]
        codes = quantize_depth(depth, quantization).astype(np.int64)
        assert np.all(np.diff(codes) >= 0), codes


class TestQuantizationRoundTrip:
    @PROPERTY_SETTINGS
    @given(
        quantization=quantizations,
        fractions=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=32),
        input_unit=st.sampled_from(["m", "mm"]),
        output_unit=st.sampled_from(["m", "mm"]),
    )
    def test_error_within_one_step(
        self,
        quantization: DepthQuantization,
        fractions: list[float],
        input_unit: Unit,
        output_unit: Unit,
    ) -> None:
        low, high = quantization.depth_min, quantization.depth_max
        position = np.array(fractions)[None, :]
        if input_unit == "m":
            depth: npt.NDArray[Any] = (low + position * (high - low)).astype(np.float32)
            depth_m = depth.astype(np.float64)
        else:
            low_mm, high_mm = math.ceil(low * 1000), math.floor(high * 1000)
            depth = np.round(low_mm + position * (high_mm - low_mm)).astype(np.uint16)
            depth_m = depth / 1000.0
        codes = quantize_depth(depth, quantization)
        decoded = dequantize_depth(codes, quantization, output_unit=output_unit)
        decoded_mm = decoded.astype(np.float64) * (1000.0 if output_unit == "m" else 1.0)
        error_mm = np.abs(decoded_mm - depth_m * 1000.0)
        bound_mm = quantization_step_mm(depth_m, quantization) + FLOAT32_SLACK_MM
        if output_unit == "mm":
            bound_mm = bound_mm + 0.5  # whole millimetres, like LeRobot's uint16 output
        assert np.all(error_mm <= bound_mm), (error_mm, bound_mm)

    @PROPERTY_SETTINGS
    @given(quantization=quantizations)
    def test_every_code_maps_back_to_itself(self, quantization: DepthQuantization) -> None:
        # Dequantized metres of each code, quantized again, give the same code: the inverse
        # really inverts the mapping (at worst one off at float32 rounding ties).
        codes = np.arange(QMAX + 1, dtype=np.uint16)[None, :]
        depth_m = dequantize_depth(codes, quantization, output_unit="m")
        again = quantize_depth(depth_m, quantization).astype(np.int64)
        assert np.abs(again - codes).max() <= 1


@pytest.fixture(scope="module")
def golden() -> dict[str, npt.NDArray[Any]]:
    """LeRobot 0.6.1's recorded inputs and outputs (see dump_depth.py for the keys)."""
    with np.load(GOLDEN_PATH) as data:
        return {key: data[key] for key in data.files}


class TestLeRobotGolden:
    @pytest.mark.parametrize("name", list(GOLDEN_PARAMS))
    @pytest.mark.parametrize("unit", ["mm", "m"])
    def test_codes_equal_lerobot(
        self, golden: dict[str, npt.NDArray[Any]], name: str, unit: str
    ) -> None:
        low, high, shift, use_log = GOLDEN_PARAMS[name]
        quantization = DepthQuantization(
            depth_min=low, depth_max=high, shift=shift, use_log=use_log
        )
        depth = golden[unit]
        assert depth.dtype == (np.uint16 if unit == "mm" else np.float32)
        codes = quantize_depth(depth, quantization)
        np.testing.assert_array_equal(codes, golden[f"{name}_{unit}_codes"])

    @pytest.mark.parametrize("name", list(GOLDEN_PARAMS))
    @pytest.mark.parametrize("unit", ["mm", "m"])
    def test_dequantized_codes_equal_lerobot(
        self, golden: dict[str, npt.NDArray[Any]], name: str, unit: Unit
    ) -> None:
        low, high, shift, use_log = GOLDEN_PARAMS[name]
        quantization = DepthQuantization(
            depth_min=low, depth_max=high, shift=shift, use_log=use_log
        )
        codes = np.arange(QMAX + 1, dtype=np.uint16)[None, :]
        decoded = dequantize_depth(codes, quantization, output_unit=unit)
        expected = golden[f"{name}_deq_{unit}"]
        assert decoded.shape == expected.shape
        # LeRobot's numpy path returns uint16 mm and float32 m; ours float32 in both units.
        np.testing.assert_array_equal(decoded, expected.astype(np.float32))


class TestEdgeTable:
    """SPEC §3.1's table, with the default parameters (log, 0.01..10 m, shift 3.5 m)."""

    @pytest.mark.parametrize(
        ("value", "dtype", "code", "depth_mm"),
        [
            (0, np.uint16, 0, 10),
            (10, np.uint16, 0, 10),
            (100, np.uint16, 77, 100),
            (3500, np.uint16, 2098, 3499),
            (10000, np.uint16, 4095, 10000),
            (20000, np.uint16, 4095, 10000),
            (65535, np.uint16, 4095, 10000),
            (float("nan"), np.float32, 0, 10),
            (float("inf"), np.float32, 4095, 10000),
            (-1.0, np.float32, 0, 10),
            (-5, np.int32, 0, 10),
        ],
        ids=[
            "0mm",
            "10mm",
            "100mm",
            "3500mm",
            "10000mm",
            "20000mm",
            "65535mm",
            "nan",
            "+inf",
            "negative-m",
            "negative-mm",
        ],
    )
    def test_edge(self, value: float, dtype: type, code: int, depth_mm: int) -> None:
        depth: npt.NDArray[Any] = np.full((2, 3), value, dtype=dtype)
        codes = quantize_depth(depth)
        np.testing.assert_array_equal(codes, np.full((2, 3), code, dtype=np.uint16))
        np.testing.assert_array_equal(dequantize_depth(codes), np.full((2, 3), depth_mm))


class TestStepSize:
    @pytest.mark.parametrize(
        ("depth_m", "step_mm"), [(0.01, 1.15), (0.1, 1.18), (1.0, 1.48), (10.0, 4.44)]
    )
    def test_log_step(self, depth_m: float, step_mm: float) -> None:
        # SPEC §3.1 gives two decimals; 0.01 mm tolerance.
        assert float(quantization_step_mm(depth_m)) == pytest.approx(step_mm, abs=0.01)

    @pytest.mark.parametrize("depth_m", [0.01, 0.5, 3.5, 10.0])
    def test_linear_step_is_constant(self, depth_m: float) -> None:
        linear = DepthQuantization(use_log=False)
        assert float(quantization_step_mm(depth_m, linear)) == pytest.approx(2.44, abs=0.01)
        assert float(quantization_step_mm(depth_m, linear)) == pytest.approx(9990 / 4095)

    @pytest.mark.parametrize("use_log", [True, False])
    @pytest.mark.parametrize("depth_m", [0.1, 1.0, 5.0, 9.0])
    def test_step_matches_neighbouring_codes(self, use_log: bool, depth_m: float) -> None:
        # The step formula against the dequantized values of the two codes around depth_m.
        quantization = DepthQuantization(use_log=use_log)
        code = int(quantize_depth(np.full((1, 1), depth_m, dtype=np.float32), quantization)[0, 0])
        pair = np.array([[code, code + 1]], dtype=np.uint16)
        decoded_m = dequantize_depth(pair, quantization, output_unit="m").astype(np.float64)
        measured_mm = (decoded_m[0, 1] - decoded_m[0, 0]) * 1000
        assert measured_mm == pytest.approx(
            float(quantization_step_mm(depth_m, quantization)), abs=0.01
        )

    def test_step_is_clipped_to_range(self) -> None:
        steps = quantization_step_mm(np.array([-1.0, 0.0, 50.0]))
        expected = quantization_step_mm(np.array([0.01, 0.01, 10.0]))
        np.testing.assert_allclose(steps, expected)


class TestInvalidMask:
    # Metres: invalid readings, a valid depth below depth_min (LeRobot code 0), in-range
    # depths, and one beyond depth_max.
    DEPTH_M = np.array(
        [
            [0.0, np.nan, np.inf, -np.inf, -0.5, 0.004],
            [0.01, 0.3, 1.0, 3.5, 9.99, 14.0],
        ],
        dtype=np.float32,
    )
    INVALID = np.array([[1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 0, 0]], dtype=bool)

    def test_mask(self) -> None:
        np.testing.assert_array_equal(invalid_depth_mask(self.DEPTH_M), self.INVALID)
        depth_mm = np.array([[0, 1, 65535]], dtype=np.uint16)
        np.testing.assert_array_equal(invalid_depth_mask(depth_mm), [[True, False, False]])

    def test_codes(self) -> None:
        marked = quantize_depth(self.DEPTH_M, mark_invalid=True)
        plain = quantize_depth(self.DEPTH_M)
        assert np.all(marked[self.INVALID] == 0)
        assert np.all(marked[~self.INVALID] >= 1)
        # Everywhere else the codes are LeRobot's, except its code 0 (a valid depth at or
        # below depth_min), which becomes 1 so that 0 means "invalid" alone.
        np.testing.assert_array_equal(marked[~self.INVALID], np.maximum(plain[~self.INVALID], 1))
        assert plain[0, 5] == 0
        assert marked[0, 5] == 1
        assert plain[1, 0] == 0
        assert marked[1, 0] == 1

    @pytest.mark.parametrize("output_unit", ["m", "mm"])
    def test_nan_exactly_at_invalid_pixels(self, output_unit: Unit) -> None:
        marked = quantize_depth(self.DEPTH_M, mark_invalid=True)
        decoded = dequantize_depth(marked, output_unit=output_unit, invalid_as_nan=True)
        np.testing.assert_array_equal(np.isnan(decoded), self.INVALID)
        # Valid pixels read as without invalid_as_nan.
        plain_read = dequantize_depth(marked, output_unit=output_unit)
        np.testing.assert_array_equal(decoded[~self.INVALID], plain_read[~self.INVALID])

    def test_millimetre_zeros(self) -> None:
        depth = np.array([[0, 0, 500], [1200, 0, 9000]], dtype=np.uint16)
        marked = quantize_depth(depth, mark_invalid=True)
        np.testing.assert_array_equal(marked == 0, depth == 0)
        decoded = dequantize_depth(marked, invalid_as_nan=True)
        np.testing.assert_array_equal(np.isnan(decoded), depth == 0)
        # Within one step (1.3, 1.5 and 4.1 mm at these depths) plus 0.5 mm of rounding.
        steps_mm = quantization_step_mm(np.array([0.5, 1.2, 9.0])) + 0.5
        assert np.all(np.abs(decoded[depth != 0] - [500, 1200, 9000]) <= steps_mm)

    def test_without_invalid_as_nan_lerobot_reads_depth_min(self) -> None:
        marked = quantize_depth(self.DEPTH_M, mark_invalid=True)
        decoded = dequantize_depth(marked)
        np.testing.assert_array_equal(decoded[self.INVALID], 10.0)


class TestLayouts:
    FRAMES = np.linspace(0.0, 12.0, 2 * 6 * 8, dtype=np.float32).reshape(2, 6, 8)

    @pytest.mark.parametrize(
        ("batch", "add_channel"),
        [
            (False, lambda a: a[..., None]),
            (True, lambda a: a[..., None]),
            (True, lambda a: a[:, None]),
        ],
        ids=["(H,W,1)", "(N,H,W,1)", "(N,1,H,W)"],
    )
    def test_single_channel_axis_is_squeezed(self, batch: bool, add_channel: Any) -> None:
        plain = self.FRAMES if batch else self.FRAMES[0]
        with_channel = add_channel(plain)
        assert with_channel.ndim == plain.ndim + 1
        expected_codes = quantize_depth(plain)
        codes = quantize_depth(with_channel)
        assert codes.shape == plain.shape
        np.testing.assert_array_equal(codes, expected_codes)
        decoded = dequantize_depth(add_channel(expected_codes), output_unit="m")
        assert decoded.shape == plain.shape
        np.testing.assert_array_equal(decoded, dequantize_depth(expected_codes, output_unit="m"))

    def test_one_frame_keeps_its_frame_axis(self) -> None:
        # (1, H, W) is one frame, not a channel: it was squeezed to (H, W) before.
        codes = quantize_depth(self.FRAMES[:1])
        assert codes.shape == (1, 6, 8)
        assert dequantize_depth(codes).shape == (1, 6, 8)
        assert dequantize_depth(codes[..., None]).shape == (1, 6, 8)

    @pytest.mark.parametrize("shape", [(8,), (), (2, 3, 6, 8), (2, 6, 8, 3), (1, 2, 3, 4, 5)])
    def test_other_layouts_refused(self, shape: tuple[int, ...]) -> None:
        with pytest.raises(ConfigError, match=r"must be \(H, W\), \(N, H, W\)"):
            quantize_depth(np.ones(shape, dtype=np.float32))
        with pytest.raises(ConfigError, match=r"codes must be \(H, W\), \(N, H, W\)"):
            dequantize_depth(np.ones(shape, dtype=np.uint16))


class TestUnits:
    def test_auto_unit_by_dtype(self) -> None:
        metres = np.full((1, 2), 1.0, dtype=np.float32)
        millimetres = np.full((1, 2), 1000, dtype=np.uint16)
        np.testing.assert_array_equal(quantize_depth(metres), quantize_depth(millimetres))

    def test_forced_units(self) -> None:
        as_float_mm = np.full((1, 2), 1000.0, dtype=np.float32)
        as_int_m = np.full((1, 2), 1, dtype=np.uint16)
        one_metre = quantize_depth(np.full((1, 2), 1.0, dtype=np.float32))
        np.testing.assert_array_equal(quantize_depth(as_float_mm, input_unit="mm"), one_metre)
        np.testing.assert_array_equal(quantize_depth(as_int_m, input_unit="m"), one_metre)
        # Unforced, 1000.0 is read as 1000 m: saturated.
        assert np.all(quantize_depth(as_float_mm) == QMAX)

    def test_bad_input_unit(self) -> None:
        with pytest.raises(ConfigError, match="input_unit must be"):
            quantize_depth(np.ones((2, 2)), input_unit="cm")  # type: ignore[arg-type]

    def test_bad_output_unit(self) -> None:
        with pytest.raises(ConfigError, match="output_unit must be"):
            dequantize_depth(np.ones((2, 2), dtype=np.uint16), output_unit="cm")  # type: ignore[arg-type]

    def test_metres_output_is_clipped_to_range(self) -> None:
        decoded = dequantize_depth(np.array([[0, QMAX]], dtype=np.uint16), output_unit="m")
        assert decoded.dtype == np.float32
        np.testing.assert_allclose(decoded, [[0.01, 10.0]], rtol=1e-6)


class TestDepthQuantizationValidation:
    def test_defaults(self) -> None:
        quantization = DepthQuantization()
        assert (quantization.depth_min, quantization.depth_max) == (0.01, 10.0)
        assert (quantization.shift, quantization.use_log) == (3.5, True)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"depth_min": 2.0, "depth_max": 1.0}, "depth_max must be greater than depth_min"),
            ({"depth_min": 1.0, "depth_max": 1.0}, "depth_max must be greater than depth_min"),
            ({"depth_min": 0.01, "shift": -0.01}, r"depth_min \+ shift must be positive"),
            ({"depth_min": 0.5, "shift": -1.0}, r"depth_min \+ shift must be positive"),
            ({"depth_min": float("nan")}, "depth_min must be a finite number"),
            ({"depth_max": float("inf")}, "depth_max must be a finite number"),
            ({"shift": float("-inf")}, "shift must be a finite number"),
            ({"shift": True}, "shift must be a finite number"),
            ({"depth_min": "0.1"}, "depth_min must be a finite number"),
        ],
    )
    def test_invalid(self, kwargs: dict[str, Any], match: str) -> None:
        with pytest.raises(ConfigError, match=match):
            DepthQuantization(**kwargs)

    def test_negative_shift_allowed_for_linear(self) -> None:
        quantization = DepthQuantization(depth_min=0.01, shift=-1.0, use_log=False)
        assert quantization.shift == -1.0


class TestFromInfo:
    def test_missing_keys_take_defaults(self) -> None:
        assert DepthQuantization.from_info({}) == DepthQuantization()
        assert DepthQuantization.from_info({"video.codec": "hevc"}) == DepthQuantization()

    def test_null_keys_take_defaults(self) -> None:
        info = {f"video.{k}": None for k in ("depth_min", "depth_max", "shift", "use_log")}
        assert DepthQuantization.from_info(info) == DepthQuantization()

    def test_all_keys(self) -> None:
        info = {
            "video.depth_min": 0.05,
            "video.depth_max": 8.0,
            "video.shift": 2.5,
            "video.use_log": False,
        }
        assert DepthQuantization.from_info(info) == DepthQuantization(
            depth_min=0.05, depth_max=8.0, shift=2.5, use_log=False
        )

    def test_some_keys(self) -> None:
        quantization = DepthQuantization.from_info({"video.depth_max": 6.0})
        assert quantization == DepthQuantization(depth_max=6.0)

    def test_invalid_values_refused(self) -> None:
        with pytest.raises(ConfigError, match="depth_max must be greater"):
            DepthQuantization.from_info({"video.depth_min": 3.0, "video.depth_max": 2.0})
