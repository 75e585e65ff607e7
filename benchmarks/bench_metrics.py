"""Benchmark frame-quality scoring: lerobot_video.compute_quality vs a floor and LeRobot's recipe.

The bundled ALOHA clip is encoded with LeRobot's default AV1 settings (``RGBEncoderConfig()``)
and decoded back to uint8 (N, H, W, 3); each variant then scores the decoded frames against
the originals, per frame, in the same run:

- ours: :func:`lerobot_video.compute_quality` (MSE, PSNR, SSIM per frame; frames spread over
  ``os.cpu_count()`` threads, scikit-image releasing the GIL in its filters);
- LeRobot benchmark recipe (serial, same calls): what LeRobot's video benchmark
  (``benchmarks/video/run_video_benchmark.py``) does per frame, run here in-process since it
  is pure scikit-image: frames as float32 / 255, channels first, then
  ``mean_squared_error``, ``peak_signal_noise_ratio(data_range=1)`` and
  ``structural_similarity(data_range=1, channel_axis=0)``, one frame after another;
- floor: SSIM alone, once per frame, with every core busy. SSIM is most of the work and the
  job needs it; MSE, PSNR and the uint8 -> float32 conversion come on top. It is measured as
  the time of the serial SSIM calls alone (inputs converted beforehand, only the calls
  timed) divided by ``os.cpu_count()``: perfect scaling, no thread or conversion overhead.

Noise control for a small shared VM: every variant is warmed up on a few frames first, the
garbage collector is off while timing, each measurement is repeated ``--repeats`` times
(default 3) with the variants alternating (the order rotates each round), and the median is
reported. Ours must give the recipe's per-frame values (``assert_allclose``, rtol 1e-12).

It needs no LeRobot interpreter: the recipe is pure scikit-image.

Run: ``.venv/bin/python benchmarks/bench_metrics.py [--repeats 3] [--json out.json]`` (see
benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from _harness import (
    RGB_CLIP,
    RGBClip,
    add_clip_argument,
    add_json_argument,
    load_rgb_clip,
    machine_line,
    write_json,
)
from _timing import timed
from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity

from lerobot_video import (
    RGBEncoderConfig,
    compute_quality,
    decode_all_frames,
    encode_video,
)

VARIANTS = ("ours", "lerobot", "ssim_serial")
WARM_UP_FRAMES = 4
RTOL = 1e-12
SKIMAGE_VERSION = importlib.metadata.version("scikit-image")

UInt8Frames = npt.NDArray[np.uint8]
Float32Frame = npt.NDArray[np.float32]
Scores = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]


def lerobot_chw(frame: UInt8Frames) -> Float32Frame:
    """One (H, W, 3) uint8 frame as LeRobot hands it to the metrics: float32 / 255, CHW.

    LeRobot's decoder permutes to a contiguous CHW tensor and divides its float32 copy by
    255 (torchvision's ``ToTensor`` does the same for the original PNGs).
    """
    return np.ascontiguousarray(frame.transpose(2, 0, 1)).astype(np.float32) / np.float32(255)


def lerobot_recipe(reference: UInt8Frames, decoded: UInt8Frames) -> Scores:
    """LeRobot's benchmark scoring: per frame, serially, the same scikit-image calls."""
    mse, psnr, ssim = [], [], []
    for original_frame, decoded_frame in zip(reference, decoded, strict=True):
        original, frame = lerobot_chw(original_frame), lerobot_chw(decoded_frame)
        mse.append(mean_squared_error(original, frame))
        psnr.append(peak_signal_noise_ratio(original, frame, data_range=1.0))  # type: ignore[no-untyped-call]
        ssim.append(structural_similarity(original, frame, data_range=1.0, channel_axis=0))  # type: ignore[no-untyped-call]
    return (
        np.array(mse, dtype=np.float64),
        np.array(psnr, dtype=np.float64),
        np.array(ssim, dtype=np.float64),
    )


def serial_ssim_seconds(reference: UInt8Frames, decoded: UInt8Frames) -> float:
    """Seconds spent in ``structural_similarity`` alone, frame after frame, on one core.

    Each frame pair is converted before its call; only the calls are timed. The caller turns
    the garbage collector off.
    """
    total = 0.0
    for original_frame, decoded_frame in zip(reference, decoded, strict=True):
        original, frame = lerobot_chw(original_frame), lerobot_chw(decoded_frame)
        start = time.perf_counter()
        structural_similarity(original, frame, data_range=1.0, channel_axis=0)  # type: ignore[no-untyped-call]
        total += time.perf_counter() - start
    return total


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_clip_argument(parser, RGB_CLIP, "'frames' and 'fps'")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    return args


def encode_and_decode(clip: RGBClip, config: RGBEncoderConfig) -> tuple[UInt8Frames, int]:
    """The clip through ``config`` and back, uint8 (N, H, W, 3); and the MP4's size."""
    with tempfile.TemporaryDirectory(prefix="bench_metrics_") as tmp:
        mp4 = Path(tmp) / "clip.mp4"
        encode_video(clip.frames, mp4, fps=clip.fps, config=config)
        decoded, _ = decode_all_frames(mp4)
        mp4_bytes = mp4.stat().st_size
    if decoded.shape != clip.frames.shape:
        raise AssertionError(f"decoded {decoded.shape} != original {clip.frames.shape}")
    return decoded, mp4_bytes


def measure(
    reference: UInt8Frames, decoded: UInt8Frames, repeats: int
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Every variant ``repeats`` times after a warm-up, the order rotating each round.

    Returns:
        Seconds per variant per run, and each variant's last result.
    """
    runs: dict[str, Callable[[UInt8Frames, UInt8Frames], Any]] = {
        "ours": compute_quality,
        "lerobot": lerobot_recipe,
        "ssim_serial": serial_ssim_seconds,
    }
    for run in runs.values():  # Warm-up: imports, caches, thread start-up paths.
        run(reference[:WARM_UP_FRAMES], decoded[:WARM_UP_FRAMES])

    seconds: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    results: dict[str, Any] = {}
    for repeat in range(repeats):
        shift = repeat % len(VARIANTS)
        for variant in VARIANTS[shift:] + VARIANTS[:shift]:
            wall, results[variant] = timed(runs[variant], reference, decoded)
            # The SSIM-only figure is the sum of the calls, not the loop's wall time.
            seconds[variant].append(results[variant] if variant == "ssim_serial" else wall)
    return seconds, results


def check_identical(results: dict[str, Any]) -> None:
    """Ours must give the recipe's per-frame values (rtol ``RTOL``)."""
    ours, (mse, psnr, ssim) = results["ours"], results["lerobot"]
    for name, got, want in (
        ("MSE", ours.mse, mse),
        ("PSNR", ours.psnr_db, psnr),
        ("SSIM", ours.ssim, ssim),
    ):
        np.testing.assert_allclose(got, want, rtol=RTOL, err_msg=f"{name} differs from LeRobot's")


def print_figures(
    clip: RGBClip,
    config: RGBEncoderConfig,
    mp4_bytes: int,
    median: dict[str, float],
    ours: Any,
    repeats: int,
) -> None:
    """The header, the table of variants, the ratios and the metrics' means."""
    num, cpus = len(clip.frames), os.cpu_count() or 1
    floor_s = median["ssim_serial"] / cpus
    print(
        f"Clip {clip.path.name}: {num} frames {clip.frames.shape[2]}x{clip.frames.shape[1]} vs "
        f"its AV1 version ({config.vcodec} crf={config.crf} g={config.g} "
        f"preset={config.effective_preset}, {mp4_bytes:,} B), decoded by lerobot_video."
    )
    versions = {"numpy": np.__version__, "scikit-image": SKIMAGE_VERSION}
    print(f"{machine_line(versions)}. Median of {repeats} runs per figure, variants alternating.")
    print(
        f"Floor = serial SSIM-only time {median['ssim_serial']:.3f} s / {cpus} CPUs = "
        f"{floor_s:.3f} s."
    )
    rows = (
        ("ours: compute_quality (threaded MSE/PSNR/SSIM)", median["ours"]),
        ("floor: SSIM alone, all cores busy", floor_s),
        ("LeRobot benchmark recipe (serial, same calls)", median["lerobot"]),
    )
    print(f"\n{'variant':<48}{'seconds':>9}{'frames/s':>10}{'ms/frame':>10}")
    for name, value in rows:
        print(f"{name:<48}{value:>9.3f}{num / value:>10.1f}{1000 * value / num:>10.2f}")
    print(
        f"\nours/floor {median['ours'] / floor_s:.2f}   ours/LeRobot recipe "
        f"{median['ours'] / median['lerobot']:.2f}   (time ratios, < 1 = ours faster)"
    )
    print(
        f"Metrics identical to LeRobot's recipe (rtol {RTOL:g}, all {num} frames): mean MSE "
        f"{ours.mean_mse:.6g}, mean PSNR {ours.mean_psnr_db:.4f} dB, mean SSIM "
        f"{ours.mean_ssim:.6f}."
    )


def build_report(
    clip: RGBClip,
    args: argparse.Namespace,
    mp4_bytes: int,
    seconds: dict[str, list[float]],
    median: dict[str, float],
    ours: Any,
    elapsed: float,
) -> dict[str, Any]:
    """Everything measured, for ``--json``."""
    cpus = os.cpu_count() or 1
    floor_s = median["ssim_serial"] / cpus
    return {
        "clip": str(clip.path),
        "frames": len(clip.frames),
        "mp4_bytes": mp4_bytes,
        "cpus": cpus,
        "repeats": args.repeats,
        "statistic": "median wall seconds over repeats, variants alternating",
        "skimage": SKIMAGE_VERSION,
        "numpy": np.__version__,
        "seconds": {
            "ours": median["ours"],
            "floor": floor_s,
            "lerobot_recipe": median["lerobot"],
            "serial_ssim_only": median["ssim_serial"],
        },
        "runs_s": seconds,
        "ratios": {
            "ours_vs_floor": median["ours"] / floor_s,
            "ours_vs_lerobot_recipe": median["ours"] / median["lerobot"],
        },
        "metrics": {
            "mean_mse": ours.mean_mse,
            "mean_psnr_db": ours.mean_psnr_db,
            "mean_ssim": ours.mean_ssim,
            "identical_to_lerobot_recipe_rtol": RTOL,
        },
        "elapsed_s": elapsed,
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1: errors only, no banner.
    clip = load_rgb_clip(args.clip)
    started = time.perf_counter()
    config = RGBEncoderConfig()
    decoded, mp4_bytes = encode_and_decode(clip, config)
    seconds, results = measure(clip.frames, decoded, args.repeats)
    check_identical(results)
    median = {variant: statistics.median(values) for variant, values in seconds.items()}
    elapsed = time.perf_counter() - started
    ours = results["ours"]
    print_figures(clip, config, mp4_bytes, median, ours, args.repeats)
    print(f"Total {elapsed:.1f} s.")
    write_json(args.json, build_report(clip, args, mp4_bytes, seconds, median, ours, elapsed))


if __name__ == "__main__":
    main()
