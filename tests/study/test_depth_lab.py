"""The depth lab (``lerobot_video.study.depth_lab``): loading depth clips and measuring round trips.

Covers:
- ``load_depth_clip``: ``.npy`` as (N, H, W), (H, W), (N, H, W, 1) and (N, 1, H, W); ``.npz``
  with ``depth`` and ``fps``; ``max_frames``; forced units; a 16-bit PNG sequence (PIL
  ``I;16``) read in name order; refusals with their messages (8-bit PNG, mixed files, two
  arrays, no files, a 3-channel array);
- ``compare_depth_encodings`` on a tiny synthetic clip (6 frames of 48x64 float metres with
  NaN holes and pixels beyond ``depth_max``) through lossless HEVC and FFV1: lossless
  promised (``is_lossless``) and kept (exact codes), lossy HEVC neither; configs checked
  before anything is written (an RGB config, a format the encoder refuses),
  in-range error at most half a quantization step, the out-of-range share, LeRobot
  readability, sizes, and the NaN kept for invalid pixels; label and count refusals;
- what a comparison keeps: only summaries and paths (no array above 10,000 elements but the
  clip's own), and summaries, display range, pixel values and pictures equal to a reference
  computed here from a full decode of each MP4 (``decode_depth_codes`` + ``dequantize_depth``),
  with ``mark_invalid`` on and off; a clip held as a memory map;
- ``DepthComparison.values_at``: mm equals m x 1000, NaN at invalid pixels, bad indices;
- ``DepthComparison.original_frame_m``: the clip's frame in metres, bad indices;
- ``depth_frame_views``: 1 + 2 x encodings RGB images of the frame size, dark grey where
  invalid (no reading), bad frame indices.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from lerobot_video import (
    COLORMAPS,
    ConfigError,
    DepthClip,
    DepthComparison,
    DepthEncoderConfig,
    DepthEncoding,
    FrameIndexError,
    RGBEncoderConfig,
    auto_depth_range,
    colorize_depth,
    colorize_error,
    compare_depth_encodings,
    decode_depth_codes,
    depth_frame_views,
    dequantize_depth,
    load_depth_clip,
    quantization_step_mm,
    with_lossless,
)
from lerobot_video.preview import INVALID_DEPTH_COLOR

N, HEIGHT, WIDTH, FPS = 6, 48, 64, 15
HEVC_LABEL, FFV1_LABEL = "HEVC lossless", "FFV1"
CONFIGS = [
    (HEVC_LABEL, DepthEncoderConfig()),
    (FFV1_LABEL, DepthEncoderConfig(vcodec="ffv1", extra_options={}, crf=None)),
]
MAGENTA = INVALID_DEPTH_COLOR  # the no-reading colour (dark grey)
FLOAT32_EPS = float(np.finfo(np.float32).eps)


def synthetic_metres() -> npt.NDArray[np.float32]:
    """(6, 48, 64) float32 metres: a 0.3..9 m ramp, a NaN hole, a 12 m patch (> depth_max)."""
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    depth = np.empty((N, HEIGHT, WIDTH), dtype=np.float32)
    for i in range(N):
        depth[i] = 0.3 + 8.7 * ((xx + 2 * yy + 5 * i) % 97) / 96
    depth[:, 2:6, 3:9] = np.nan  # 24 invalid pixels per frame
    depth[:, 30:40, 50:60] = 12.0  # 100 pixels per frame beyond depth_max (10 m)
    return depth


NAN_PIXEL = (1, 3, 4)
FAR_PIXEL = (2, 35, 55)
NEAR_PIXEL = (3, 20, 20)


@pytest.fixture(scope="module")
def clip() -> DepthClip:
    return DepthClip(name="synthetic", depth=synthetic_metres(), unit="m", fps=FPS)


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory, clip: DepthClip) -> DepthComparison:
    return compare_depth_encodings(clip, CONFIGS, output_dir=tmp_path_factory.mktemp("lab"))


@pytest.fixture(scope="module")
def unmarked(tmp_path_factory: pytest.TempPathFactory, clip: DepthClip) -> DepthComparison:
    """The same round trips with ``mark_invalid=False``: invalid pixels come back as depth_min."""
    return compare_depth_encodings(
        clip, CONFIGS, output_dir=tmp_path_factory.mktemp("unmarked"), mark_invalid=False
    )


Arrays = tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.bool_]]


def full_arrays(comparison: DepthComparison, encoding: DepthEncoding) -> Arrays:
    """Reference from a full decode of the MP4: (decoded_m, error_m, in_range), (N, H, W)."""
    codes = decode_depth_codes(encoding.path, np.arange(comparison.num_frames) / FPS)
    decoded = dequantize_depth(
        codes,
        encoding.config.quantization,
        output_unit="m",
        invalid_as_nan=comparison.mark_invalid,
    )
    original = comparison.clip.metres()
    config = encoding.config
    return (
        decoded,
        decoded - original,
        (original >= config.depth_min) & (original <= config.depth_max),
    )


def reference_summary(arrays: Arrays) -> tuple[float, float, float]:
    """(max abs error, mean abs error, out-of-range share) as the whole-clip code defined them."""
    _, error, in_range = arrays
    errors = np.abs(error[in_range & np.isfinite(error)])
    largest = float(errors.max()) if errors.size else 0.0
    mean = float(errors.mean()) if errors.size else 0.0
    return largest, mean, float(1 - in_range.sum() / max(int(np.isfinite(error).sum()), 1))


def reachable_arrays(value: Any, seen: set[int] | None = None) -> list[npt.NDArray[Any]]:
    """Every numpy array reachable through dataclass fields, tuples, lists and dicts."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        children: Any = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, list | tuple):
        children = value
    else:
        return []
    return [array for child in children for array in reachable_arrays(child, seen)]


def _save_png16(path: Path, frame: npt.NDArray[np.uint16]) -> None:
    image = Image.fromarray(frame)
    assert image.mode == "I;16"
    image.save(path)


class TestLoadDepthClip:
    @pytest.mark.parametrize(
        "shape", [(N, HEIGHT, WIDTH), (N, HEIGHT, WIDTH, 1), (N, 1, HEIGHT, WIDTH)]
    )
    def test_npy_frames(self, tmp_path: Path, shape: tuple[int, ...]) -> None:
        depth = synthetic_metres()
        path = tmp_path / "frames.npy"
        np.save(path, depth.reshape(shape))
        clip = load_depth_clip([path])
        assert clip.depth.shape == (N, HEIGHT, WIDTH)
        assert clip.unit == "m"
        assert clip.depth.dtype == np.float32
        assert clip.fps == 30
        assert clip.name == "frames"
        np.testing.assert_array_equal(clip.depth, depth)

    def test_npy_single_frame_millimetres(self, tmp_path: Path) -> None:
        frame = np.arange(HEIGHT * WIDTH, dtype=np.uint16).reshape(HEIGHT, WIDTH)
        path = tmp_path / "one.npy"
        np.save(path, frame)
        clip = load_depth_clip([path], fps=12)
        assert clip.depth.shape == (1, HEIGHT, WIDTH)
        assert clip.unit == "mm"
        assert clip.depth.dtype == np.uint16
        assert clip.fps == 12
        np.testing.assert_array_equal(clip.depth[0], frame)

    def test_npz_with_fps(self, tmp_path: Path) -> None:
        depth = synthetic_metres()
        path = tmp_path / "episode.npz"
        np.savez(path, timestamps=np.arange(N) / 50, depth=depth, fps=np.int64(50))
        clip = load_depth_clip([path], fps=30)
        assert clip.fps == 50
        np.testing.assert_array_equal(clip.depth, depth)

    def test_npz_without_fps_uses_argument(self, tmp_path: Path) -> None:
        path = tmp_path / "episode.npz"
        np.savez(path, depth=synthetic_metres())
        assert load_depth_clip([path], fps=24).fps == 24

    def test_max_frames_and_forced_unit(self, tmp_path: Path) -> None:
        path = tmp_path / "mm-as-float.npy"
        np.save(path, np.full((N, 4, 4), 1500.0, dtype=np.float64))
        clip = load_depth_clip([path], max_frames=2, unit="mm")
        assert clip.depth.shape == (2, 4, 4)
        assert clip.unit == "mm"
        assert clip.depth.dtype == np.uint16
        assert np.all(clip.depth == 1500)

    def test_png16_sequence_in_name_order(self, tmp_path: Path) -> None:
        frames = [np.full((HEIGHT, WIDTH), 1000 * (i + 1), dtype=np.uint16) for i in range(3)]
        frames[1][0, :5] = [0, 1, 255, 256, 65535]  # beyond 8 bits, and the extremes
        paths = []
        for i in (2, 0, 1):
            path = tmp_path / f"depth_{i:03d}.png"
            _save_png16(path, frames[i])
            paths.append(path)
        clip = load_depth_clip(paths, fps=6)
        assert clip.unit == "mm"
        assert clip.depth.dtype == np.uint16
        assert clip.fps == 6
        np.testing.assert_array_equal(clip.depth, np.stack(frames))

    def test_8bit_png_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "grey.png"
        Image.fromarray(np.zeros((HEIGHT, WIDTH), dtype=np.uint8)).save(path)
        with pytest.raises(ConfigError, match=r"'grey\.png' is an 8-bit image \(mode L\)"):
            load_depth_clip([path])

    def test_mixed_files_refused(self, tmp_path: Path) -> None:
        png, npy = tmp_path / "a.png", tmp_path / "b.npy"
        _save_png16(png, np.zeros((HEIGHT, WIDTH), dtype=np.uint16))
        np.save(npy, synthetic_metres())
        with pytest.raises(ConfigError, match=r"Unsupported depth files"):
            load_depth_clip([png, npy])

    def test_two_arrays_refused(self, tmp_path: Path) -> None:
        paths = [tmp_path / "a.npy", tmp_path / "b.npy"]
        for path in paths:
            np.save(path, synthetic_metres())
        with pytest.raises(ConfigError, match=r"one \.npy or \.npz file at a time"):
            load_depth_clip(paths)

    def test_no_files_refused(self) -> None:
        with pytest.raises(ConfigError, match="No depth files given"):
            load_depth_clip([])

    @pytest.mark.parametrize("unit", ["m", "mm"])
    def test_frame_metres_is_one_frame_of_metres(self, unit: str) -> None:
        depth = np.arange(N * 4 * 5, dtype=np.uint16).reshape(N, 4, 5) * 7
        values = depth if unit == "mm" else depth.astype(np.float32) / 1000
        values[2, 1, 1] = 0  # invalid: NaN in both
        clip = DepthClip(name="d", depth=values, unit=unit, fps=FPS)  # type: ignore[arg-type]
        for index in range(N):
            frame = clip.frame_metres(index)
            assert frame.dtype == np.float32
            np.testing.assert_array_equal(frame, clip.metres()[index])
        assert math.isnan(clip.frame_metres(2)[1, 1])
        for bad in (-1, N):
            with pytest.raises(FrameIndexError, match=r"frame must be in \[0, 5\]"):
                clip.frame_metres(bad)

    def test_colour_array_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "rgb.npy"
        np.save(path, np.zeros((2, HEIGHT, WIDTH, 3), dtype=np.uint16))
        with pytest.raises(ConfigError, match=r"Depth must be \(N, H, W\) or \(H, W\)"):
            load_depth_clip([path])


@pytest.mark.requires_encoder("libx265")
class TestCompareDepthEncodings:
    def test_lossless_entries(self, comparison: DepthComparison) -> None:
        assert [e.label for e in comparison.encodings] == [HEVC_LABEL, FFV1_LABEL]
        for encoding in comparison.encodings:
            assert encoding.lossless, encoding.label  # promised, and below: kept
            assert encoding.codes_exact, encoding.label
            assert encoding.max_code_error == 0
            assert encoding.path.is_file()
            assert encoding.size_bytes == encoding.path.stat().st_size
            assert encoding.size_ratio_vs_raw > 0
            assert encoding.size_ratio_vs_raw == pytest.approx(
                encoding.size_bytes / (N * HEIGHT * WIDTH * 2)
            )
            assert encoding.info["is_depth_map"] is True
        assert comparison.raw_bytes == N * HEIGHT * WIDTH * 2
        assert comparison.num_frames == N
        assert comparison.mark_invalid is True

    def test_error_within_half_a_step(self, comparison: DepthComparison) -> None:
        # Lossless codes leave only the quantizer's rounding: half a step at most, and the
        # step grows with depth, so the largest in-range depth bounds every pixel.
        original = synthetic_metres()
        largest = float(np.nanmax(np.where(original <= 10.0, original, np.nan)))
        half_step_m = float(quantization_step_mm(largest)) / 2 / 1000
        bound = half_step_m + 8 * FLOAT32_EPS * 10.0
        for encoding in comparison.encodings:
            assert 0 < encoding.max_abs_error_m <= bound, encoding.label
            assert encoding.mean_abs_error_m <= encoding.max_abs_error_m

    def test_out_of_range_fraction(self, comparison: DepthComparison) -> None:
        valid_per_frame = HEIGHT * WIDTH - 24
        expected = 100 / valid_per_frame
        for encoding in comparison.encodings:
            assert encoding.out_of_range_fraction == pytest.approx(expected)
            # Saturated pixels read back as depth_max, not as their 12 m.
            decoded, _, _ = full_arrays(comparison, encoding)
            np.testing.assert_array_equal(decoded[:, 30:40, 50:60], np.float32(10.0))

    def test_invalid_pixels_stay_nan(self, comparison: DepthComparison) -> None:
        invalid = np.isnan(synthetic_metres())
        for frame in range(N):
            original = comparison.original_frame_m(frame)
            np.testing.assert_array_equal(np.isnan(original), invalid[frame])
        for encoding in comparison.encodings:
            decoded, error, _ = full_arrays(comparison, encoding)
            np.testing.assert_array_equal(np.isnan(decoded), invalid)
            np.testing.assert_array_equal(np.isnan(error), invalid)

    def test_lerobot_readable_and_profile(self, comparison: DepthComparison) -> None:
        hevc, ffv1 = comparison.encodings
        assert hevc.lerobot_readable is True
        assert ffv1.lerobot_readable is False
        assert hevc.profile == "hevc Rext"
        assert ffv1.profile.startswith("ffv1")

    def test_progress(self, tmp_path: Path, clip: DepthClip) -> None:
        calls: list[tuple[int, int]] = []
        compare_depth_encodings(
            clip, CONFIGS[1:], output_dir=tmp_path, progress=lambda d, t: calls.append((d, t))
        )
        assert calls == [(1, 1)]

    def test_lossy_hevc_is_not_exact(self, tmp_path: Path, clip: DepthClip) -> None:
        lossy = with_lossless(DepthEncoderConfig(crf=28), False)
        (encoding,) = compare_depth_encodings(
            clip, [("lossy", lossy)], output_dir=tmp_path
        ).encodings
        assert not encoding.lossless
        assert not encoding.codes_exact
        assert encoding.max_code_error > 0

    def test_configs_checked_before_writing(self, tmp_path: Path, clip: DepthClip) -> None:
        configs = [("ok", DepthEncoderConfig()), ("bad", DepthEncoderConfig(vcodec="h264"))]
        with pytest.raises(ConfigError, match="pix_fmt 'gray12le' is not supported by 'h264'"):
            compare_depth_encodings(clip, configs, output_dir=tmp_path / "out")
        assert not (tmp_path / "out").exists()

    def test_rgb_config_refused(self, tmp_path: Path, clip: DepthClip) -> None:
        with pytest.raises(ConfigError, match="'rgb' must be a DepthEncoderConfig"):
            compare_depth_encodings(clip, [("rgb", RGBEncoderConfig())], output_dir=tmp_path)  # type: ignore[list-item]

    def test_duplicate_labels_refused(self, tmp_path: Path, clip: DepthClip) -> None:
        configs = [("same", DepthEncoderConfig()), ("same", CONFIGS[1][1])]
        with pytest.raises(ConfigError, match="labels must be unique"):
            compare_depth_encodings(clip, configs, output_dir=tmp_path)
        assert not list(tmp_path.iterdir())  # refused before anything was written

    @pytest.mark.parametrize("count", [0, 7])
    def test_config_count_refused(self, tmp_path: Path, clip: DepthClip, count: int) -> None:
        configs = [(f"c{i}", DepthEncoderConfig()) for i in range(count)]
        with pytest.raises(ConfigError, match="Compare 1 to 6 depth configurations"):
            compare_depth_encodings(clip, configs, output_dir=tmp_path)


@pytest.mark.requires_encoder("libx265")
class TestWhatAComparisonKeeps:
    def test_no_large_array_but_the_clip(self, comparison: DepthComparison) -> None:
        arrays = reachable_arrays(comparison)
        assert any(a is comparison.clip.depth for a in arrays)  # the walk reaches the fields
        large = [a.shape for a in arrays if a.size > 10_000 and a is not comparison.clip.depth]
        assert large == []

    @pytest.mark.parametrize("name", ["comparison", "unmarked"])
    def test_summaries_equal_full_arrays(self, request: pytest.FixtureRequest, name: str) -> None:
        comparison: DepthComparison = request.getfixturevalue(name)
        for encoding in comparison.encodings:
            largest, mean, out_of_range = reference_summary(full_arrays(comparison, encoding))
            assert encoding.max_abs_error_m == largest, encoding.label
            assert encoding.mean_abs_error_m == pytest.approx(mean, rel=1e-6), encoding.label
            assert encoding.out_of_range_fraction == pytest.approx(out_of_range, abs=1e-12)

    def test_display_range_equals_full_arrays(self, comparison: DepthComparison) -> None:
        _, _, in_range = full_arrays(comparison, comparison.encodings[0])
        expected = auto_depth_range(comparison.clip.metres()[in_range])
        assert comparison.display_range() == comparison.display_range_m == expected

    @pytest.mark.parametrize("name", ["comparison", "unmarked"])
    @pytest.mark.parametrize("unit", ["m", "mm"])
    def test_values_at_equal_full_arrays(
        self, request: pytest.FixtureRequest, name: str, unit: str
    ) -> None:
        comparison: DepthComparison = request.getfixturevalue(name)
        scale = 1000.0 if unit == "mm" else 1.0
        references = [(e.label, full_arrays(comparison, e)) for e in comparison.encodings]
        original = comparison.clip.metres()
        for frame in (0, 3, N - 1):
            for _, row, col in (NAN_PIXEL, FAR_PIXEL, NEAR_PIXEL, (0, HEIGHT - 1, WIDTH - 1)):
                expected = {"original": float(original[frame, row, col]) * scale}
                for label, (decoded, error, _) in references:
                    expected[label] = float(decoded[frame, row, col]) * scale
                    expected[f"{label} error"] = float(error[frame, row, col]) * scale
                actual = comparison.values_at(frame, row, col, unit)  # type: ignore[arg-type]
                np.testing.assert_equal(actual, expected)

    @pytest.mark.parametrize("name", ["comparison", "unmarked"])
    def test_frame_views_equal_full_arrays(self, request: pytest.FixtureRequest, name: str) -> None:
        comparison: DepthComparison = request.getfixturevalue(name)
        references = [(e.label, *full_arrays(comparison, e)) for e in comparison.encodings]
        for frame in (0, 3, N - 1):
            original = comparison.clip.metres()[frame]
            value_range = auto_depth_range(original[references[0][3][frame]])
            expected = [("Original", colorize_depth(original, value_range=value_range))]
            for label, decoded, _, _ in references:
                picture = colorize_depth(decoded[frame], value_range=value_range)
                expected.append((f"{label}: round trip", picture))
            for label, _, error, in_range in references:
                masked = np.where(in_range[frame], error[frame], np.nan)
                expected.append((f"{label}: error", colorize_error(masked, full_scale=0.01)))
            views = depth_frame_views(comparison, frame)
            assert [c for c, _ in views] == [c for c, _ in expected]
            for (caption, image), (_, reference) in zip(views, expected, strict=True):
                np.testing.assert_array_equal(image, reference, err_msg=f"{caption}, {frame}")

    def test_unmarked_invalid_pixels_read_depth_min(self, unmarked: DepthComparison) -> None:
        assert unmarked.mark_invalid is False
        values = unmarked.values_at(*NAN_PIXEL, unit="m")
        assert math.isnan(values["original"])
        for encoding in unmarked.encodings:
            assert values[encoding.label] == pytest.approx(encoding.config.depth_min)
            assert math.isnan(values[f"{encoding.label} error"])

    def test_original_frame(self, comparison: DepthComparison) -> None:
        for frame in (0, N - 1):
            original = comparison.original_frame_m(frame)
            assert type(original) is np.ndarray
            assert original.dtype == np.float32
            np.testing.assert_array_equal(original, synthetic_metres()[frame])
        for frame in (-1, N):
            with pytest.raises(FrameIndexError, match=r"frame must be in \[0, 5\]"):
                comparison.original_frame_m(frame)

    def test_memory_mapped_clip(self, tmp_path: Path, comparison: DepthComparison) -> None:
        np.save(tmp_path / "depth.npy", synthetic_metres())
        depth = np.load(tmp_path / "depth.npy", mmap_mode="r")
        mapped = DepthClip(name="mapped", depth=depth, unit="m", fps=FPS)
        result = compare_depth_encodings(mapped, CONFIGS[1:], output_dir=tmp_path / "out")
        assert result.clip.depth is depth  # kept as given, not read into memory
        (encoding,) = result.encodings
        in_memory = comparison.encodings[1]
        assert encoding.max_abs_error_m == in_memory.max_abs_error_m
        assert encoding.mean_abs_error_m == in_memory.mean_abs_error_m
        assert encoding.out_of_range_fraction == in_memory.out_of_range_fraction
        assert result.display_range() == comparison.display_range()
        assert type(result.original_frame_m(2)) is np.ndarray
        keys = ["original", FFV1_LABEL, f"{FFV1_LABEL} error"]
        full = comparison.values_at(*FAR_PIXEL, unit="mm")
        np.testing.assert_equal(result.values_at(*FAR_PIXEL, unit="mm"), {k: full[k] for k in keys})


@pytest.mark.requires_encoder("libx265")
class TestValuesAt:
    def test_millimetres_are_metres_times_1000(self, comparison: DepthComparison) -> None:
        for pixel in (NEAR_PIXEL, FAR_PIXEL):
            metres = comparison.values_at(*pixel, unit="m")
            millimetres = comparison.values_at(*pixel, unit="mm")
            assert list(metres) == [
                "original",
                HEVC_LABEL,
                f"{HEVC_LABEL} error",
                FFV1_LABEL,
                f"{FFV1_LABEL} error",
            ]
            assert metres.keys() == millimetres.keys()
            for key, value in metres.items():
                assert millimetres[key] == pytest.approx(value * 1000, rel=1e-9), key

    def test_values(self, comparison: DepthComparison) -> None:
        near = comparison.values_at(*NEAR_PIXEL, unit="m")
        assert near["original"] == pytest.approx(float(synthetic_metres()[NEAR_PIXEL]))
        assert near[HEVC_LABEL] - near["original"] == pytest.approx(near[f"{HEVC_LABEL} error"])
        far = comparison.values_at(*FAR_PIXEL, unit="mm")
        assert far["original"] == pytest.approx(12000.0)
        assert far[FFV1_LABEL] == pytest.approx(10000.0)
        assert far[f"{FFV1_LABEL} error"] == pytest.approx(-2000.0)

    @pytest.mark.parametrize("unit", ["m", "mm"])
    def test_invalid_pixel_is_nan(self, comparison: DepthComparison, unit: str) -> None:
        values = comparison.values_at(*NAN_PIXEL, unit=unit)  # type: ignore[arg-type]
        assert len(values) == 5
        assert all(math.isnan(v) for v in values.values()), values

    @pytest.mark.parametrize(
        "pixel", [(N, 0, 0), (-1, 0, 0), (0, HEIGHT, 0), (0, 0, WIDTH), (0, -1, 0)]
    )
    def test_outside_clip(self, comparison: DepthComparison, pixel: tuple[int, int, int]) -> None:
        with pytest.raises(FrameIndexError, match="outside the clip"):
            comparison.values_at(*pixel, unit="m")


@pytest.mark.requires_encoder("libx265")
class TestDepthFrameViews:
    def test_views(self, comparison: DepthComparison) -> None:
        frame = 1
        views = depth_frame_views(comparison, frame)
        assert len(views) == 1 + 2 * len(comparison.encodings)
        assert [caption for caption, _ in views] == [
            "Original",
            f"{HEVC_LABEL}: round trip",
            f"{FFV1_LABEL}: round trip",
            f"{HEVC_LABEL}: error",
            f"{FFV1_LABEL}: error",
        ]
        for _, image in views:
            assert image.shape == (HEIGHT, WIDTH, 3)
            assert image.dtype == np.uint8

    def test_invalid_pixels_magenta(self, comparison: DepthComparison) -> None:
        frame = 1
        views = depth_frame_views(comparison, frame)
        depth = synthetic_metres()[frame]
        invalid = np.isnan(depth)
        out_of_range = invalid | (depth > 10.0)
        for caption, image in views:
            magenta = np.all(image == MAGENTA, axis=-1)
            # Depth pictures mark pixels with no reading; error maps also mark saturated ones.
            expected = out_of_range if caption.endswith(": error") else invalid
            np.testing.assert_array_equal(magenta, expected, err_msg=caption)

    def test_lossless_round_trip_looks_like_original(self, comparison: DepthComparison) -> None:
        # A half-step error (<= 2 mm) is far below one colour index of the frame's range
        # (~8.7 m over 256 entries), so a pixel moves at most to the neighbouring entry.
        turbo = COLORMAPS["turbo"].astype(np.int16)
        neighbour_gap = int(np.abs(np.diff(turbo, axis=0)).max())
        views = dict(depth_frame_views(comparison, 0))
        original = views["Original"].astype(np.int16)
        depth = synthetic_metres()[0]
        valid = ~np.isnan(depth) & (depth <= 10.0)
        for label in (HEVC_LABEL, FFV1_LABEL):
            decoded = views[f"{label}: round trip"].astype(np.int16)
            assert np.abs(decoded - original)[valid].max() <= neighbour_gap, label

    @pytest.mark.parametrize("frame", [-1, N, 100])
    def test_bad_frame(self, comparison: DepthComparison, frame: int) -> None:
        with pytest.raises(FrameIndexError, match=r"frame must be in \[0, 5\]"):
            depth_frame_views(comparison, frame)
