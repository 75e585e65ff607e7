"""The published figures of LeRobot's video benchmark, to show beside a user's own.

LeRobot chose its default RGB encoding (``libsvtav1``, ``yuv420p``, ``g=2``, ``crf=30``) from
a benchmark whose script lived in ``benchmarks/video/`` until May 2026. Its README published
one summary: every dataset's first episode at ``g=2``, ``crf=30``, ``timestamps_mode=6_frames``,
decoded with ``pyav``. Those figures are kept here as data (the full spreadsheet was never
part of the repository). Column names are the benchmark's own.
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLISHED_SEED = 1337
"""``random.seed`` the published study set before sampling an encoding's timestamps."""

PUBLISHED_NUM_SAMPLES = 50
"""Random requests per (encoding, timestamps mode, backend) in the published study."""

PUBLISHED_SUMMARY_SETTINGS = {"g": 2, "crf": 30, "timestamps_mode": "6_frames", "backend": "pyav"}
"""The settings every row of :data:`PUBLISHED_SUMMARY` was measured at."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PublishedRow:
    """One cell of the published summary tables.

    Attributes:
        repo_id: The image dataset whose first episode was encoded.
        resolution: ``"width x height"`` as the benchmark wrote it.
        vcodec: The encoder (the tables say libx264/libx265; the script's names are used).
        pix_fmt: Chroma subsampling.
        video_images_size_ratio: MP4 bytes / PNG bytes, a fraction (0.0559 is 5.59 %).
        video_images_load_time_ratio: Video load time / PNG load time, per frame.
        avg_mse: Mean squared error on [0, 1] pixel values.
        avg_psnr: PSNR in dB, data range 1.
        avg_ssim: SSIM, a fraction (0.9773 is 97.73 %).
    """

    repo_id: str
    resolution: str
    vcodec: str
    pix_fmt: str
    video_images_size_ratio: float
    video_images_load_time_ratio: float
    avg_mse: float
    avg_psnr: float
    avg_ssim: float


_DATASETS = {
    "lerobot/pusht_image": "96 x 96",
    "lerobot/aloha_mobile_shrimp_image": "640 x 480",
    "lerobot/paris_street": "1280 x 720",
    "lerobot/kitchen": "1920 x 1080",
}
_ENCODINGS = (
    ("h264", "yuv420p"),
    ("h264", "yuv444p"),
    ("hevc", "yuv420p"),
    ("hevc", "yuv444p"),
    ("libsvtav1", "yuv420p"),
)
# Per dataset, one value per encoding in _ENCODINGS order, as printed in the README's tables.
_SIZE = {
    "lerobot/pusht_image": (0.1697, 0.1758, 0.1857, 0.1886, 0.2206),
    "lerobot/aloha_mobile_shrimp_image": (0.0214, 0.0211, 0.0138, 0.0137, 0.0559),
    "lerobot/paris_street": (0.0212, 0.0213, 0.0154, 0.0154, 0.0443),
    "lerobot/kitchen": (0.0140, 0.0139, 0.0100, 0.0100, 0.0252),
}
_LOAD = {
    "lerobot/pusht_image": (6.45, 5.19, 1.90, 2.12, 2.47),
    "lerobot/aloha_mobile_shrimp_image": (11.80, 7.92, 0.71, 0.85, 0.48),
    "lerobot/paris_street": (2.21, 2.05, 0.36, 0.49, 0.30),
    "lerobot/kitchen": (1.46, 1.46, 0.28, 0.51, 0.26),
}
_MSE = {
    "lerobot/pusht_image": (2.90e-4, 2.03e-4, 3.13e-4, 2.29e-4, 2.19e-4),
    "lerobot/aloha_mobile_shrimp_image": (2.76e-4, 2.59e-4, 3.17e-4, 3.06e-4, 1.30e-4),
    "lerobot/paris_street": (6.89e-4, 6.70e-4, 4.03e-3, 4.02e-3, 3.09e-4),
    "lerobot/kitchen": (2.50e-4, 2.24e-4, 4.28e-4, 4.18e-4, 1.53e-4),
}
_PSNR = {
    "lerobot/pusht_image": (35.44, 37.07, 35.49, 37.30, 37.20),
    "lerobot/aloha_mobile_shrimp_image": (35.91, 36.21, 35.88, 36.09, 40.17),
    "lerobot/paris_street": (33.48, 33.68, 32.05, 32.15, 35.40),
    "lerobot/kitchen": (36.73, 37.33, 36.56, 36.75, 39.12),
}
_SSIM = {
    "lerobot/pusht_image": (0.9828, 0.9885, 0.9831, 0.9884, 0.9872),
    "lerobot/aloha_mobile_shrimp_image": (0.9519, 0.9518, 0.9500, 0.9505, 0.9773),
    "lerobot/paris_street": (0.9376, 0.9375, 0.8946, 0.8946, 0.9546),
    "lerobot/kitchen": (0.9547, 0.9558, 0.9552, 0.9553, 0.9682),
}

PUBLISHED_SUMMARY: tuple[PublishedRow, ...] = tuple(
    PublishedRow(
        repo_id=repo_id,
        resolution=resolution,
        vcodec=vcodec,
        pix_fmt=pix_fmt,
        video_images_size_ratio=_SIZE[repo_id][i],
        video_images_load_time_ratio=_LOAD[repo_id][i],
        avg_mse=_MSE[repo_id][i],
        avg_psnr=_PSNR[repo_id][i],
        avg_ssim=_SSIM[repo_id][i],
    )
    for repo_id, resolution in _DATASETS.items()
    for i, (vcodec, pix_fmt) in enumerate(_ENCODINGS)
)
"""The README's three summary tables as rows (20: 4 datasets x 5 encodings), measured at
:data:`PUBLISHED_SUMMARY_SETTINGS`. Source: ``benchmarks/video/README.md`` of
huggingface/lerobot before commit 04125492e."""
