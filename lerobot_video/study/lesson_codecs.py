"""The codec lesson: AV1, H.264 and HEVC at LeRobot's settings, on the user's clip and in print.

LeRobot's published benchmark (:data:`~lerobot_video.study.published.PUBLISHED_SUMMARY`)
measured ``g=2``, ``crf=30`` on four datasets. This lesson measures the same settings on the
user's clip with the study runner (:mod:`.runner`) and puts both in one shape,
:class:`CodecPoint`, so they can be drawn on the same axes.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lerobot_video.clips import Clip
from lerobot_video.executor import Executor, InlineExecutor
from lerobot_video.study.grid import StudyGrid
from lerobot_video.study.published import PUBLISHED_SUMMARY
from lerobot_video.study.runner import iter_study, plan_study

LESSON_CODECS = ("libsvtav1", "h264", "hevc")
"""The encoders raced, at the published settings (``g=2``, ``crf=30``, ``yuv420p``)."""

LOAD_PATTERN = "6_frames"
"""The published load times are for six consecutive frames per request; so are ours."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CodecPoint:
    """One encoding measured at ``g=2``, ``crf=30``: published, or on the user's clip.

    Attributes:
        source: ``"published"`` (LeRobot's benchmark README) or ``"yours"`` (this machine).
        dataset: The dataset or clip that was encoded.
        vcodec: Encoder name (``libsvtav1``, ``h264``, ``hevc``).
        pix_fmt: Pixel format of the encoding.
        size_ratio: MP4 bytes / bytes of the same frames as PNG, a fraction.
        load_time_ratio: Time to load six consecutive frames from the video / from PNG.
        psnr_db: Mean PSNR, dB (data range 1).
        ssim: Mean SSIM, in [-1, 1].
    """

    source: Literal["published", "yours"]
    dataset: str
    vcodec: str
    pix_fmt: str
    size_ratio: float
    load_time_ratio: float
    psnr_db: float
    ssim: float


def published_codec_points() -> tuple[CodecPoint, ...]:
    """LeRobot's published figures (20: four datasets by five encodings) as points."""
    return tuple(
        CodecPoint(
            source="published",
            dataset=row.repo_id,
            vcodec=row.vcodec,
            pix_fmt=row.pix_fmt,
            size_ratio=row.video_images_size_ratio,
            load_time_ratio=row.video_images_load_time_ratio,
            psnr_db=row.avg_psnr,
            ssim=row.avg_ssim,
        )
        for row in PUBLISHED_SUMMARY
    )


def _point(row: Mapping[str, Any]) -> CodecPoint:
    """A study row (the published column names) as a point of the user's clip."""
    return CodecPoint(
        source="yours",
        dataset=str(row["repo_id"]),
        vcodec=str(row["vcodec"]),
        pix_fmt=str(row["pix_fmt"]),
        size_ratio=float(row["video_images_size_ratio"]),
        load_time_ratio=float(row["video_images_load_time_ratio"]),
        psnr_db=float(row["avg_psnr"]),
        ssim=float(row["avg_ssim"]),
    )


def iter_codec_lesson(
    clip: Clip,
    *,
    output_dir: str | os.PathLike[str],
    samples: int = 10,
    executor: Executor | None = None,
) -> Generator[CodecPoint, None, None]:
    """Run the published study's cells for :data:`LESSON_CODECS` on ``clip``, one by one.

    The cells are the study runner's (:func:`~lerobot_video.plan_study`,
    :func:`~lerobot_video.iter_study`) at ``g=2``, ``crf=30``, ``yuv420p``, timing
    :data:`LOAD_PATTERN` requests, so the figures are measured as the published ones were.
    A generator: each codec's point comes as its cell finishes, and closing the generator
    stops the study's workers.

    Args:
        clip: The clip (>= 6 frames); its name becomes each point's ``dataset``.
        output_dir: Folder for the study's PNG frames, videos and tables.
        samples: Random six-frame requests timed per codec, 1..1000.
        executor: Where the cells run; None runs them here, one at a time.

    Yields:
        One :class:`CodecPoint` (``source="yours"``) per codec, in finishing order.

    Raises:
        ConfigError: Invalid clip or samples.
        MediaError: Encoding or decoding failed.
    """
    grid = StudyGrid(vcodec=LESSON_CODECS, pix_fmt=("yuv420p",), g=(2,), crf=(30,))
    plan = plan_study(
        [clip], grid, output_dir=output_dir, scenarios=(LOAD_PATTERN,), num_samples=samples
    )
    rows = iter_study(plan, executor if executor is not None else InlineExecutor())
    try:
        for row in rows:
            yield _point(row)
    finally:
        rows.close()  # stops the study's workers when the lesson is cancelled
