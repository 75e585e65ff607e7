"""Frame fidelity metrics (MSE, PSNR, SSIM) with LeRobot's benchmark normalisation.

LeRobot's video benchmark scores frames as float32 in [0, 1], channels first, with
scikit-image: ``mean_squared_error``, ``peak_signal_noise_ratio(data_range=1)`` and
``structural_similarity(data_range=1, channel_axis=0)``, averaged over frames. The same
recipe here keeps our figures comparable with the published ones. No codec I/O.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lerobot_video.errors import ConfigError


@dataclass(frozen=True, kw_only=True, slots=True)
class QualityMetrics:
    """Per-frame and average fidelity of decoded frames against their originals.

    Attributes:
        mse: Mean squared error per frame, on [0, 1] pixel values; shape (N,).
        psnr_db: Peak signal-to-noise ratio per frame in dB (data range 1); ``inf`` for
            identical frames; shape (N,).
        ssim: Structural similarity per frame, in [-1, 1], 1 for identical; shape (N,).
    """

    mse: npt.NDArray[np.float64]
    psnr_db: npt.NDArray[np.float64]
    ssim: npt.NDArray[np.float64]

    @property
    def mean_mse(self) -> float:
        """Average MSE over frames."""
        return float(np.mean(self.mse))

    @property
    def mean_psnr_db(self) -> float:
        """Average PSNR over frames, in dB (``inf`` when every frame is identical)."""
        return float(np.mean(self.psnr_db))

    @property
    def mean_ssim(self) -> float:
        """Average SSIM over frames."""
        return float(np.mean(self.ssim))


def _to_unit_chw(frame: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    return np.ascontiguousarray(frame.transpose(2, 0, 1), dtype=np.float32) / np.float32(255)


def compute_quality(
    reference: npt.NDArray[np.uint8], decoded: npt.NDArray[np.uint8]
) -> QualityMetrics:
    """Score decoded frames against the originals with LeRobot's MSE/PSNR/SSIM recipe.

    Args:
        reference: Original RGB frames, (N, H, W, 3) uint8.
        decoded: Decoded RGB frames, the same shape, uint8.

    Returns:
        Per-frame MSE, PSNR (dB) and SSIM.

    Raises:
        ConfigError: The arrays are not uint8 (N, H, W, 3) of one shape.
    """
    for name, value in (("reference", reference), ("decoded", decoded)):
        if not isinstance(value, np.ndarray):
            raise ConfigError(
                f"{name} must be a numpy array of frames (N, H, W, 3) uint8, got "
                f"{type(value).__name__}."
            )
    if reference.shape != decoded.shape or reference.ndim != 4 or reference.shape[-1] != 3:
        raise ConfigError(
            f"reference and decoded must both be (N, H, W, 3), got {reference.shape} and "
            f"{decoded.shape}."
        )
    if reference.dtype != np.uint8 or decoded.dtype != np.uint8:
        raise ConfigError(f"Frames must be uint8, got {reference.dtype} and {decoded.dtype}.")
    if 0 in reference.shape:
        raise ConfigError(f"reference and decoded are empty: shape {reference.shape}.")
    if min(reference.shape[1:3]) < 7:
        raise ConfigError(
            f"Frames of {reference.shape[2]}x{reference.shape[1]} are too small for SSIM; "
            f"width and height must be >= 7 pixels."
        )
    # scikit-image's filters release the GIL, so frames are scored on all cores at once.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        scores = list(pool.map(_score_frame, reference, decoded))
    mse, psnr, ssim = (np.array(column, dtype=np.float64) for column in zip(*scores, strict=True))
    return QualityMetrics(mse=mse, psnr_db=psnr, ssim=ssim)


def _score_frame(
    reference: npt.NDArray[np.uint8], decoded: npt.NDArray[np.uint8]
) -> tuple[float, float, float]:
    # Imported here: scikit-image pulls in scipy.stats (half a second), which every process
    # importing the library (the command line, each pool worker) would pay for otherwise.
    from skimage.metrics import (
        mean_squared_error,
        peak_signal_noise_ratio,
        structural_similarity,
    )

    ref, dec = _to_unit_chw(reference), _to_unit_chw(decoded)
    mse = float(mean_squared_error(ref, dec))
    psnr = (
        np.inf if mse == 0 else float(peak_signal_noise_ratio(ref, dec, data_range=1.0))  # type: ignore[no-untyped-call]
    )
    ssim = float(
        structural_similarity(ref, dec, data_range=1.0, channel_axis=0)  # type: ignore[no-untyped-call]
    )
    return mse, psnr, ssim
