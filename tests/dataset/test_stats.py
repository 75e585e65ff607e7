"""Which frames feed image stats and how big frames are shrunk (LeRobot's rules)."""

from __future__ import annotations

import numpy as np

from lerobot_video.dataset.stats import image_stats, sample_frame_indices, sample_frames


class TestStatsSampling:
    """Which frames feed image stats, and how big frames are shrunk (LeRobot's rules)."""

    def test_sample_indices(self) -> None:
        assert sample_frame_indices(50) == list(range(50))
        many = sample_frame_indices(1000)
        assert (len(many), many[0], many[-1]) == (177, 0, 999)  # int(1000 ** 0.75) = 177

    def test_uint8_image_stats_are_exact(self) -> None:
        rng = np.random.default_rng(7)
        frames = rng.integers(0, 256, (40, 120, 160, 3), dtype=np.uint8)
        frames[..., 2] //= 3  # channels with different ranges
        stats = image_stats(frames, is_depth=False)
        pixels = frames.reshape(-1, 3).astype(np.float64)
        np.testing.assert_allclose(stats["mean"].reshape(3), pixels.mean(0) / 255, rtol=1e-6)
        np.testing.assert_allclose(stats["std"].reshape(3), pixels.std(0) / 255, rtol=1e-5)
        np.testing.assert_array_equal(stats["min"].reshape(3) * 255, pixels.min(0))
        np.testing.assert_array_equal(stats["max"].reshape(3) * 255, pixels.max(0))
        median = np.quantile(pixels, 0.5, axis=0) / 255
        np.testing.assert_allclose(stats["q50"].reshape(3), median, atol=1.5 / 255)

    def test_large_frames_are_strided_once(self) -> None:
        frames = np.zeros((3, 480, 640, 1), np.uint16)
        sample = sample_frames(frames)
        assert sample.shape == (3, 120, 160, 1)  # stride int(640 / 150) = 4
        assert sample_frames(sample).shape == sample.shape
