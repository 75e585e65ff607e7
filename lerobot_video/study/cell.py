"""One study cell: a clip encoded with one config, then sized, timed and scored.

This is the task a study's workers run; it shares nothing with other cells but files. The
clip arrives as PNG files (the baseline every ratio is taken against, as in the published
benchmark); the cell encodes them, times random access per timestamp mode against loading
the same frames from PNG **in the same process, sample by sample**, scores every requested
frame with the published MSE/PSNR/SSIM recipe, and writes its rows to a JSON file, the cache
that lets an interrupted study resume.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from lerobot_video.codec.browser import browser_support
from lerobot_video.codec.decode import clear_decoder_cache, decode_frames
from lerobot_video.codec.encode import encode_video
from lerobot_video.codec.file_modes import write_atomically
from lerobot_video.config import RGBEncoderConfig
from lerobot_video.metrics import compute_quality
from lerobot_video.study.scenarios import sample_scenario_frames

BACKEND = "lerobot_video"
"""The ``backend`` column: frames decoded by this library's random access (the file kept
open between requests, as a training data loader keeps it)."""


@dataclass(frozen=True, kw_only=True, slots=True)
class CellTask:
    """Everything a worker needs for one cell (picklable; paths must be visible to it).

    Attributes:
        key: The cell's cache key (hex).
        clip_name: The clip's name (the ``repo_id`` column).
        images_dir: Folder of the clip's frames as ``frame-XXXXXX.png``.
        num_frames: Frames in the clip, >= 6.
        fps: Frames per second of the clip.
        config: The encoder settings.
        scenarios: Timestamp modes to time, in order.
        num_samples: Requests per mode.
        seed: Seed of the request sampling.
        video_path: Where the encoding is written.
        result_path: The cell's cache file (JSON), written last.
        concurrent_cells: Cells that may run at the same time as this one.
        keep_video: Keep the encoding after measuring it (else it is deleted).
    """

    key: str
    clip_name: str
    images_dir: Path
    num_frames: int
    fps: int
    config: RGBEncoderConfig
    scenarios: tuple[str, ...]
    num_samples: int
    seed: int
    video_path: Path
    result_path: Path
    concurrent_cells: int
    keep_video: bool = False


def png_paths(images_dir: Path, num_frames: int) -> list[Path]:
    """The clip's PNG files, frame ``i`` at ``frame-{i:06d}.png`` (the published naming)."""
    return [images_dir / f"frame-{i:06d}.png" for i in range(num_frames)]


def _load_png_unit(path: Path) -> npt.NDArray[np.float32]:
    # The published image baseline: PIL open, float in [0, 1], channels first.
    frame = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / np.float32(255)
    return np.ascontiguousarray(frame.transpose(2, 0, 1))


def _load_video_unit(path: Path, indices: list[int], fps: int) -> npt.NDArray[np.uint8]:
    """Decode the requested frames and convert them as the image side is converted.

    Both timings include the conversion to float channels-first; the uint8 frames are
    returned for scoring.
    """
    frames = decode_frames(path, [i / fps for i in indices])
    np.ascontiguousarray(frames.transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255)
    return frames


def _time_mode(
    task: CellTask, requests: list[list[int]], decoded: dict[int, npt.NDArray[np.uint8]]
) -> tuple[float, float]:
    """Mean ms per frame for video and PNG loads of the same requests, interleaved."""
    pngs = png_paths(task.images_dir, task.num_frames)
    video_ms, image_ms = [], []
    for request in requests:
        start = time.perf_counter()
        frames = _load_video_unit(task.video_path, request, task.fps)
        middle = time.perf_counter()
        for i in request:
            _load_png_unit(pngs[i])
        end = time.perf_counter()
        video_ms.append((middle - start) * 1000 / len(request))
        image_ms.append((end - middle) * 1000 / len(request))
        for i, frame in zip(request, frames, strict=True):
            decoded.setdefault(i, frame)
    return float(np.mean(video_ms)), float(np.mean(image_ms))


def _quality(
    task: CellTask, requests: list[list[int]], decoded: dict[int, npt.NDArray[np.uint8]]
) -> dict[str, float]:
    """Mean MSE/PSNR/SSIM over every requested frame (repeats counted, as published)."""
    distinct = sorted(decoded)
    pngs = png_paths(task.images_dir, task.num_frames)
    reference = np.stack([np.asarray(Image.open(pngs[i]).convert("RGB")) for i in distinct])
    scores = compute_quality(reference, np.stack([decoded[i] for i in distinct]))
    position = {frame: k for k, frame in enumerate(distinct)}
    wanted = [position[i] for request in requests for i in request]
    return {
        "avg_mse": float(np.mean(scores.mse[wanted])),
        "avg_psnr": float(np.mean(scores.psnr_db[wanted])),
        "avg_ssim": float(np.mean(scores.ssim[wanted])),
    }


def _encode(task: CellTask) -> tuple[dict[str, Any], float]:
    pngs = png_paths(task.images_dir, task.num_frames)
    frames = np.stack([np.asarray(Image.open(p).convert("RGB")) for p in pngs])
    task.video_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    info = encode_video(frames, task.video_path, fps=task.fps, config=task.config)
    return info, len(frames) / (time.perf_counter() - start)


def run_cell(task: CellTask) -> list[dict[str, Any]]:
    """Encode, size, time and score one cell; write and return its rows (one per mode).

    Returns:
        One row per timestamp mode with the study's columns (see
        :data:`~lerobot_video.study.results.STUDY_COLUMNS`).

    Raises:
        MediaError: Encoding or decoding failed.
    """
    info, encode_fps = _encode(task)
    clear_decoder_cache(task.video_path.parent)  # the first request pays for opening the file
    video_bytes = task.video_path.stat().st_size
    image_bytes = sum(p.stat().st_size for p in png_paths(task.images_dir, task.num_frames))
    requests = sample_scenario_frames(
        task.num_frames, task.scenarios, task.num_samples, seed=task.seed
    )
    common = _common_columns(task, info, video_bytes, image_bytes, encode_fps)
    rows = []
    for mode in task.scenarios:
        decoded: dict[int, npt.NDArray[np.uint8]] = {}
        video_ms, image_ms = _time_mode(task, requests[mode], decoded)
        rows.append(
            {
                **common,
                "timestamps_mode": mode,
                "avg_load_time_video_ms": video_ms,
                "avg_load_time_images_ms": image_ms,
                "video_images_load_time_ratio": video_ms / image_ms,
                **_quality(task, requests[mode], decoded),
            }
        )
    clear_decoder_cache(task.video_path.parent)
    if not task.keep_video:
        task.video_path.unlink(missing_ok=True)
    text = json.dumps({"key": task.key, "rows": rows}, allow_nan=True)
    write_atomically(task.result_path, lambda p: p.write_text(text), durable=False)
    return rows


def _common_columns(
    task: CellTask, info: dict[str, Any], video_bytes: int, image_bytes: int, encode_fps: float
) -> dict[str, Any]:
    config = asdict(task.config)
    height, width = info["video.height"], info["video.width"]
    return {
        "repo_id": task.clip_name,
        "resolution": f"{width} x {height}",
        "num_pixels": width * height,
        "vcodec": task.config.vcodec,
        "pix_fmt": task.config.pix_fmt,
        "g": task.config.g,
        "crf": task.config.crf,
        "preset": config["preset"],
        "fast_decode": task.config.fast_decode,
        "backend": BACKEND,
        "video_size_bytes": video_bytes,
        "images_size_bytes": image_bytes,
        "video_images_size_ratio": video_bytes / image_bytes,
        "encode_fps": encode_fps,
        "browser_playable": browser_support(
            info["video.codec"], info["video.pix_fmt"]
        ).plays_in_browsers,
        "concurrent_cells": task.concurrent_cells,
    }
