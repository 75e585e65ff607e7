"""Pictures for people (``lerobot_video.preview``): heatmaps, depth colours, preview clips.

Covers:
- ``difference_heatmap``: identical frames are all black (inferno's first colour, (0, 0, 4));
  an error at or beyond full scale is the brightest colour; the error is the largest over
  R, G and B; shape and scale refusals;
- ``colorize_depth``: NaN and inf in magenta, ``value_range`` clipping at both ends, the auto
  range, batches, unknown colormap and empty range refused;
- ``auto_depth_range``: the 1st and 99th percentiles of the finite values; all-NaN refused;
  a constant image still gives ``high > low``;
- ``colorize_error``: sign ignored, full scale, NaN magenta, non-positive scale refused;
- ``browser_preview_clip`` and ``depth_preview_clip``: H.264 yuv420p MP4 files with the right
  frame count and rate (checked with ``probe_video``) whose pictures match their input.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import (
    COLORMAPS,
    ConfigError,
    auto_depth_range,
    browser_preview_clip,
    colorize_depth,
    colorize_error,
    depth_preview_clip,
    difference_heatmap,
    probe_video,
)
from lerobot_video.preview import INVALID_DEPTH_COLOR

HEIGHT, WIDTH = 48, 64
BLACK = (0, 0, 4)
BRIGHTEST = (252, 255, 164)
MAGENTA = INVALID_DEPTH_COLOR  # the no-reading colour (dark grey)
TURBO = COLORMAPS["turbo"]
INFERNO = COLORMAPS["inferno"]
MakeFrames = Callable[..., npt.NDArray[np.uint8]]
DecodeAll = Callable[[Path], tuple[list[int], list[npt.NDArray[np.uint8]], Fraction]]
Psnr = Callable[[npt.NDArray[np.uint8], npt.NDArray[np.uint8]], float]


def _colour_everywhere(image: npt.NDArray[np.uint8], colour: tuple[int, ...]) -> bool:
    return bool(np.all(image == np.array(colour, dtype=np.uint8)))


class TestDifferenceHeatmap:
    def test_identical_frames_are_black(self, make_frames: MakeFrames) -> None:
        frame = make_frames(1, HEIGHT, WIDTH, "moving")[0]
        heatmap = difference_heatmap(frame, frame.copy())
        assert heatmap.shape == (HEIGHT, WIDTH, 3)
        assert heatmap.dtype == np.uint8
        assert _colour_everywhere(heatmap, BLACK)

    @pytest.mark.parametrize(
        "error",
        [
            32,
            33,
            128,
            129,  # error * 255 overflowed int16 from here up before the fix
            200,
            255,
        ],
    )
    def test_full_scale_error_is_brightest(self, error: int) -> None:
        reference = np.zeros((HEIGHT, WIDTH, 3), dtype=np.uint8)
        decoded = reference.copy()
        decoded[..., 1] = error  # one channel is enough: the error is the max over R, G, B
        heatmap = difference_heatmap(reference, decoded)
        assert _colour_everywhere(heatmap, BRIGHTEST)
        assert tuple(INFERNO[255]) == BRIGHTEST

    def test_error_below_full_scale(self) -> None:
        reference = np.full((2, 4, 3), 100, dtype=np.uint8)
        decoded = reference.copy()
        decoded[0, :, 0] = 84  # 16 levels, half of the default full scale (32)
        heatmap = difference_heatmap(reference, decoded)
        assert _colour_everywhere(heatmap[1], BLACK)
        np.testing.assert_array_equal(heatmap[0], np.broadcast_to(INFERNO[127], (4, 3)))
        # A smaller full scale saturates the same error.
        assert _colour_everywhere(
            difference_heatmap(reference, decoded, full_scale_levels=16)[0], BRIGHTEST
        )

    def test_brightness_grows_with_error(self) -> None:
        reference = np.zeros((1, 33, 3), dtype=np.uint8)
        decoded = reference.copy()
        decoded[0, :, 2] = np.arange(33)
        luminance = difference_heatmap(reference, decoded)[0].astype(np.int32).sum(axis=1)
        assert np.all(np.diff(luminance) >= 0)
        assert luminance[-1] > luminance[0]

    @pytest.mark.parametrize(
        ("reference_shape", "decoded_shape"),
        [((HEIGHT, WIDTH, 3), (HEIGHT, WIDTH + 2, 3)), ((HEIGHT, WIDTH), (HEIGHT, WIDTH))],
    )
    def test_shapes_refused(
        self, reference_shape: tuple[int, ...], decoded_shape: tuple[int, ...]
    ) -> None:
        reference = np.zeros(reference_shape, dtype=np.uint8)
        decoded = np.zeros(decoded_shape, dtype=np.uint8)
        with pytest.raises(ConfigError, match=r"Frames must both be \(H, W, 3\)"):
            difference_heatmap(reference, decoded)

    @pytest.mark.parametrize("levels", [0, 256])
    def test_full_scale_refused(self, levels: int) -> None:
        frame = np.zeros((4, 4, 3), dtype=np.uint8)
        with pytest.raises(ConfigError, match=r"full_scale_levels must be in \[1, 255\]"):
            difference_heatmap(frame, frame, full_scale_levels=levels)


class TestColorizeDepth:
    def test_invalid_pixels_magenta(self) -> None:
        depth = np.linspace(0.5, 3.0, HEIGHT * WIDTH, dtype=np.float32).reshape(HEIGHT, WIDTH)
        depth[0, 0], depth[1, 1], depth[2, 2] = np.nan, np.inf, -np.inf
        image = colorize_depth(depth, value_range=(0.5, 3.0))
        assert image.shape == (HEIGHT, WIDTH, 3)
        assert image.dtype == np.uint8
        magenta = np.all(image == MAGENTA, axis=-1)
        expected = np.zeros((HEIGHT, WIDTH), dtype=bool)
        expected[0, 0] = expected[1, 1] = expected[2, 2] = True
        np.testing.assert_array_equal(magenta, expected)

    def test_value_range_clips(self) -> None:
        depth = np.array([[0.0, 1.0, 2.0, 3.0, 4.0, 100.0]], dtype=np.float32)
        image = colorize_depth(depth, value_range=(1.0, 3.0))
        for column in (0, 1):  # below near, and near itself: the first colour
            np.testing.assert_array_equal(image[0, column], TURBO[0])
        for column in (3, 4, 5):  # far itself and beyond: the last colour
            np.testing.assert_array_equal(image[0, column], TURBO[255])
        np.testing.assert_array_equal(image[0, 2], TURBO[127])

    def test_auto_range(self) -> None:
        depth = np.random.default_rng(3).uniform(0.2, 5.0, (HEIGHT, WIDTH))
        depth[:4] = np.nan
        expected = colorize_depth(depth, value_range=auto_depth_range(depth))
        np.testing.assert_array_equal(colorize_depth(depth), expected)

    def test_batch_and_inferno(self) -> None:
        depth = np.stack([np.zeros((4, 6)), np.ones((4, 6))])
        image = colorize_depth(depth, value_range=(0.0, 1.0), colormap="inferno")
        assert image.shape == (2, 4, 6, 3)
        assert _colour_everywhere(image[0], BLACK)
        assert _colour_everywhere(image[1], BRIGHTEST)

    def test_unknown_colormap(self) -> None:
        with pytest.raises(ConfigError, match=r"Unknown colormap 'jet'; allowed: turbo, inferno"):
            colorize_depth(np.ones((4, 4)), value_range=(0.0, 1.0), colormap="jet")

    @pytest.mark.parametrize("value_range", [(2.0, 2.0), (3.0, 1.0)])
    def test_empty_range(self, value_range: tuple[float, float]) -> None:
        with pytest.raises(ConfigError, match="value_range must have far > near"):
            colorize_depth(np.ones((4, 4)), value_range=value_range)


class TestColorizeRecordedDepth:
    """Depth camera frames go in as recorded: uint16 mm or float m, with or without (…, 1)."""

    def test_millimetres_match_metres(self) -> None:
        depth_mm = np.arange(400, 400 + HEIGHT * WIDTH, dtype=np.uint16).reshape(HEIGHT, WIDTH)
        depth_m = depth_mm.astype(np.float32) / 1000
        expected = colorize_depth(depth_m, value_range=(0.5, 3.0))
        np.testing.assert_array_equal(colorize_depth(depth_mm, value_range=(0.5, 3.0)), expected)
        np.testing.assert_array_equal(
            colorize_depth(depth_mm[..., None], value_range=(0.5, 3.0)), expected
        )

    def test_channel_axis_dropped(self) -> None:
        depth = np.full((2, 4, 6, 1), 1.0, dtype=np.float32)
        assert colorize_depth(depth, value_range=(0.0, 2.0)).shape == (2, 4, 6, 3)

    def test_zero_millimetres_is_no_reading(self) -> None:
        depth_mm = np.full((HEIGHT, WIDTH, 1), 1500, dtype=np.uint16)
        depth_mm[5, 7] = 0
        image = colorize_depth(depth_mm, value_range=(0.5, 3.0))
        magenta = np.all(image == MAGENTA, axis=-1)
        assert magenta[5, 7]
        assert magenta.sum() == 1

    def test_auto_range_in_metres(self) -> None:
        depth_mm = np.random.default_rng(5).integers(300, 4000, (HEIGHT, WIDTH), dtype=np.uint16)
        low, high = auto_depth_range(depth_mm.astype(np.float32) / 1000)
        expected = colorize_depth(depth_mm, value_range=(low, high))
        np.testing.assert_array_equal(colorize_depth(depth_mm), expected)

    def test_non_numeric_refused(self) -> None:
        with pytest.raises(ConfigError, match="integer millimetres or float metres, got dtype"):
            colorize_depth(np.zeros((4, 4), dtype=bool), value_range=(0.0, 1.0))


class TestAutoDepthRange:
    def test_percentiles_ignore_invalid(self) -> None:
        rng = np.random.default_rng(7)
        depth = rng.uniform(0.3, 8.0, (3, HEIGHT, WIDTH)).astype(np.float32)
        depth[0, :10] = np.nan
        depth[1, 5, :] = np.inf
        finite = depth[np.isfinite(depth)]
        low, high = auto_depth_range(depth)
        assert low == pytest.approx(float(np.percentile(finite, 1)))
        assert high == pytest.approx(float(np.percentile(finite, 99)))
        assert 0.3 < low < high < 8.0

    def test_outliers_do_not_set_the_range(self) -> None:
        depth = np.full((10, 10), 2.0)
        depth[:, :5] = 1.0
        depth[0, 0] = 1000.0  # one pixel in a hundred
        assert auto_depth_range(depth)[1] < 1000.0

    def test_all_nan_refused(self) -> None:
        with pytest.raises(ConfigError, match="no valid pixels"):
            auto_depth_range(np.full((4, 4), np.nan))

    def test_constant_depth_still_a_range(self) -> None:
        low, high = auto_depth_range(np.full((4, 4), 1.5))
        assert low == 1.5
        assert high > low


class TestColorizeError:
    def test_zero_and_full_scale(self) -> None:
        error = np.array([[0.0, 0.01, -0.01, 0.5, -0.5]])
        image = colorize_error(error, full_scale=0.01)
        np.testing.assert_array_equal(image[0, 0], BLACK)
        for column in (1, 2, 3, 4):  # the sign does not matter; beyond full scale clips
            np.testing.assert_array_equal(image[0, column], BRIGHTEST)

    def test_half_scale_and_nan(self) -> None:
        error = np.array([[0.005, -0.005, np.nan]])
        image = colorize_error(error, full_scale=0.01)
        np.testing.assert_array_equal(image[0, 0], INFERNO[127])
        np.testing.assert_array_equal(image[0, 1], INFERNO[127])
        np.testing.assert_array_equal(image[0, 2], MAGENTA)

    @pytest.mark.parametrize("full_scale", [0.0, -1.0, float("nan")])
    def test_full_scale_refused(self, full_scale: float) -> None:
        with pytest.raises(ConfigError, match="full_scale must be > 0"):
            colorize_error(np.zeros((2, 2)), full_scale=full_scale)


@pytest.mark.requires_encoder("libx264")
class TestPreviewClips:
    def test_browser_preview_clip(
        self,
        tmp_path: Path,
        make_frames: MakeFrames,
        decode_all: DecodeAll,
        compute_psnr: Psnr,
    ) -> None:
        frames = make_frames(8, HEIGHT, WIDTH, "ramp")
        path = browser_preview_clip(frames, tmp_path / "preview.mp4", fps=25)
        assert path == tmp_path / "preview.mp4"
        video = probe_video(path)
        assert video.codec == "h264"
        assert video.pix_fmt == "yuv420p"
        assert video.num_frames == 8
        assert video.fps == 25
        assert (video.width, video.height) == (WIDTH, HEIGHT)
        _, decoded, _ = decode_all(path)
        # crf 18 on smooth ramps: 40.4 dB measured (libx264, FFmpeg 8.1); 30 dB leaves room.
        assert compute_psnr(frames, np.stack(decoded)) > 30

    def test_browser_preview_odd_size_refused(
        self, tmp_path: Path, make_frames: MakeFrames
    ) -> None:
        frames = make_frames(2, HEIGHT, WIDTH + 1, "ramp")
        with pytest.raises(ConfigError, match="odd"):
            browser_preview_clip(frames, tmp_path / "odd.mp4", fps=25)

    def test_depth_preview_clip(
        self,
        tmp_path: Path,
        decode_all: DecodeAll,
        compute_psnr: Psnr,
    ) -> None:
        yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
        depth = np.stack([0.5 + (xx + yy + 2 * i) / 40.0 for i in range(6)]).astype(np.float32)
        depth[:, 8:24, 8:24] = np.nan
        value_range = (0.5, 3.5)
        path = depth_preview_clip(depth, tmp_path / "depth.mp4", fps=10, value_range=value_range)
        video = probe_video(path)
        assert video.codec == "h264"
        assert video.pix_fmt == "yuv420p"
        assert video.num_frames == 6
        assert video.fps == 10
        _, decoded, _ = decode_all(path)
        expected = colorize_depth(depth, value_range=value_range)
        # 32.9 dB measured: 4:2:0 chroma blurs the sharp magenta/turbo edges of the hole;
        # 28 dB leaves room for encoder updates.
        assert compute_psnr(expected, np.stack(decoded)) > 28
        hole = np.stack(decoded)[:, 10:22, 10:22].reshape(-1, 3).mean(axis=0)
        assert np.abs(hole - MAGENTA).max() < 20  # invalid pixels still read as the no-reading grey

    def test_depth_preview_auto_range(self, tmp_path: Path) -> None:
        depth = np.random.default_rng(5).uniform(0.5, 2.0, (3, HEIGHT, WIDTH))
        path = depth_preview_clip(depth, tmp_path / "auto.mp4", fps=5)
        assert probe_video(path).num_frames == 3
