"""Frame fidelity metrics (``lerobot_video.metrics``): LeRobot's MSE/PSNR/SSIM recipe.

Covers:
- identical frames: MSE 0, PSNR inf, SSIM 1, per frame and on average;
- a uniform offset of k levels gives MSE (k/255)^2 and PSNR 20 log10(255/k) dB exactly, and
  an SSIM below 1; per-frame values are scored frame by frame;
- shape, channel and dtype refusals, with their messages.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import ConfigError, QualityMetrics, compute_quality

MakeFrames = Callable[..., npt.NDArray[np.uint8]]


class TestIdenticalFrames:
    def test_perfect_scores(self, make_frames: MakeFrames) -> None:
        frames = make_frames(8, 48, 64, "moving")
        quality = compute_quality(frames, frames.copy())
        assert isinstance(quality, QualityMetrics)
        np.testing.assert_array_equal(quality.mse, np.zeros(8))
        assert np.all(np.isinf(quality.psnr_db))
        np.testing.assert_allclose(quality.ssim, np.ones(8), atol=1e-6)
        assert quality.mean_mse == 0.0
        assert math.isinf(quality.mean_psnr_db)
        assert quality.mean_ssim == pytest.approx(1.0, abs=1e-6)


class TestKnownOffset:
    @pytest.mark.parametrize("offset", [1, 10, 51])
    def test_uniform_offset(self, offset: int) -> None:
        reference = np.full((3, 48, 64, 3), 100, dtype=np.uint8)
        decoded = reference + np.uint8(offset)
        quality = compute_quality(reference, decoded)
        # Pixels are scored as float32 in [0, 1]: every difference is offset / 255.
        expected_mse = (offset / 255) ** 2
        np.testing.assert_allclose(quality.mse, expected_mse, rtol=1e-5)
        np.testing.assert_allclose(quality.psnr_db, 20 * math.log10(255 / offset), rtol=1e-5)
        assert quality.mean_psnr_db == pytest.approx(20 * math.log10(255 / offset), rel=1e-5)
        assert np.all(quality.ssim < 1.0)

    def test_scores_are_per_frame(self, make_frames: MakeFrames) -> None:
        reference = make_frames(4, 48, 64, "ramp")
        decoded = reference.copy()
        decoded[2] = np.clip(decoded[2].astype(np.int16) + 20, 0, 255).astype(np.uint8)
        quality = compute_quality(reference, decoded)
        assert quality.mse.shape == quality.psnr_db.shape == quality.ssim.shape == (4,)
        assert [i for i in range(4) if quality.mse[i] > 0] == [2]
        assert np.isinf(quality.psnr_db[[0, 1, 3]]).all()
        assert np.isfinite(quality.psnr_db[2])
        assert quality.mean_mse == pytest.approx(quality.mse[2] / 4)


class TestRefusals:
    def test_shapes_differ(self) -> None:
        with pytest.raises(ConfigError, match=r"must both be \(N, H, W, 3\), got \(2, 8, 8, 3\)"):
            compute_quality(np.zeros((2, 8, 8, 3), np.uint8), np.zeros((3, 8, 8, 3), np.uint8))

    @pytest.mark.parametrize("shape", [(8, 8, 3), (2, 8, 8, 4), (2, 8, 8)], ids=repr)
    def test_not_rgb_clips(self, shape: tuple[int, ...]) -> None:
        frames: npt.NDArray[np.uint8] = np.zeros(shape, np.uint8)
        with pytest.raises(ConfigError, match=r"must both be \(N, H, W, 3\)"):
            compute_quality(frames, frames)

    @pytest.mark.parametrize("dtype", [np.float32, np.uint16])
    def test_not_uint8(self, dtype: type) -> None:
        frames: npt.NDArray[Any] = np.zeros((2, 8, 8, 3), dtype)
        with pytest.raises(ConfigError, match="Frames must be uint8, got"):
            compute_quality(frames, frames)
