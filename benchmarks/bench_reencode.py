"""Benchmark re-encoding a dataset (AV1 to H.264): ours against a bare encode and LeRobot 0.6.1.

Source: one dataset of ``--episodes`` episodes (default 20) of ``--frames`` frames each
(default 50; the bundled ALOHA clip cycled, each episode starting elsewhere in it), one
480x640 RGB camera ``observation.images.top`` in LeRobot's default encoder (libsvtav1) and
the clip's 14-float ``observation.state``, with small video files
(``video_files_size_in_mb=0.5``: about two episodes per MP4, so about ten MP4s for two
workers to share). Built once by our writer and kept in ``--cache-dir``. Target:
``RGBEncoderConfig(vcodec="h264")`` (LeRobot's other fields: g 2, crf 30, yuv420p) with
``--encoder-threads`` threads per encoder (default 2) everywhere: x264's output depends on
its thread count, so one fixed value makes ours repeatable and every variant do the same
encoding work. No depth camera: LeRobot skips a camera already at its target settings
where ours copies it, so a depth camera would compare copying, not encoding.

Variants, each writing a fresh output on the file system of the source (deleted after each
run, outside the timing), timed with the garbage collector off:

- **floor**: per source MP4, its frames decoded into memory (``decode_all_frames``, timed
  apart), then a bare ``encode_video(frames, path, fps=..., config=plan)`` with the same
  checked plan; the floor is the sum of the encodes, the least encoding work. The same run
  gives **decode + encode**, the sum of both per file: a second reference, which also pays
  for decoding the AV1 source as every re-encode must.
- **PyAV transcode (no RGB)**: per source MP4, a bare PyAV loop that decodes and hands each
  frame, still yuv420p, to the same encoder with the plan's options (LeRobot's
  ``reencode_video`` does this): no conversion to RGB and back, so it can beat the floor,
  whose frames are RGB arrays. A third reference, the least work of a decode-to-encode.
- **ours**: ``reencode_dataset(source, output, rgb_encoder=h264, encoder_threads=T,
  executor=...)`` from the call to its return (open, plan, decode, encode, read every new
  file back for stats and fidelity, write metadata, check, rename into place) with
  ``InlineExecutor()`` (in this process), ``LocalExecutor(1)``, ``LocalExecutor(2)`` (a
  fresh spawned pool per call, its start-up included) and ``RayExecutor(max_workers=2)`` on
  a local Ray cluster (``ray.init`` before any clock; the warm-up round starts its workers).
  Not timed: the outputs of every ours variant (and the floor's) are decoded and hashed
  file by file, and ours' must be identical across executors in every run.
- **LeRobot 0.6.1** (its interpreter, ``--lerobot-python`` or ``LEROBOT_PYTHON``, running
  ``benchmarks/_lerobot_reencode_probe.py`` with ``HF_HUB_OFFLINE=1`` and
  ``HF_LEROBOT_HOME`` in a temporary folder): ``reencode_dataset(LeRobotDataset(copy),
  rgb_encoder=RGBEncoderConfig(vcodec="h264"), encoder_threads=T, num_workers=None)``
  (sequential) and ``num_workers=2``. LeRobot re-encodes in place, so each run first copies
  the source (``shutil.copytree``, as its ``lerobot-edit-dataset`` command does). Reported
  without the copy (open + re-encode: ours opens its source inside its call too) and with
  it; the worker imports LeRobot before any clock and times its own calls.

Order: one untimed warm-up round of every variant (library loading, page cache, Ray
workers), then ``--repeats`` rounds (default 3), the variants shuffled in each round
(interleaved, so drift hits all alike); figures are medians. Printed per variant: median
seconds, frames/s (total frames / seconds), seconds / floor, seconds / LeRobot sequential
and / LeRobot 2 workers (both without the copy); then the scaling efficiency fps(2 workers)
/ (2 x fps(1 worker)) for ours local, ours Ray (against ours local 1 worker) and LeRobot
(against its sequential run), the machine's core count (each encoder and decoder runs its
own threads, so two workers share the cores: efficiency is bounded by the cores, not by the
scheduler), whether the outputs matched, the sizes, and the machine and its load. Run on a
quiet machine (``uptime`` load below about 1.5).

Run: ``.venv/bin/python benchmarks/bench_reencode.py [--episodes 20] [--frames 50]
[--repeats 3] [--encoder-threads 2] [--cache-dir DIR] [--lerobot-python PATH |
--no-lerobot] [--json out.json]``
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
from _harness import (
    BENCHMARKS,
    REPO,
    add_json_argument,
    add_lerobot_arguments,
    array_sha1,
    lerobot_not_run_line,
    lerobot_python,
    load_rgb_clip,
    machine_line,
    write_json,
)
from _timing import timed
from _worker_client import QUIET_ENV, JsonLinesWorker, open_worker, stderr_log

import lerobot_video
from lerobot_video import (
    ChunkingConfig,
    EncoderPlan,
    Executor,
    InlineExecutor,
    LocalExecutor,
    RayExecutor,
    RGBEncoderConfig,
    create_dataset,
    decode_all_frames,
    encode_video,
    plan_encoder,
)

PROBE = BENCHMARKS / "_lerobot_reencode_probe.py"
CAMERA = "observation.images.top"
TARGET_VCODEC = "h264"
VIDEO_FILE_MB = 0.5  # about two 50-frame AV1 episodes per MP4 at 480x640
FLOOR, DECODE_ENCODE = "floor (encode only)", "decode + encode"
TRANSCODE = "PyAV transcode (no RGB)"
OURS = {
    "ours inline": "InlineExecutor()",
    "ours 1 worker": "LocalExecutor(1)",
    "ours 2 workers": "LocalExecutor(2)",
    "ours Ray 2 workers": "RayExecutor(max_workers=2)",
}
LEROBOT_SEQ, LEROBOT_2W = "lerobot sequential", "lerobot 2 workers"
WITH_COPY = " + copy"


# ---------------------------------------------------------------------------------------
# Source


def build_source(root: Path, episodes: int, frames: int) -> Path:
    """The source dataset at ``root``: ``episodes`` x ``frames`` frames of the ALOHA clip."""
    clip = load_rgb_clip()
    with np.load(clip.path) as data:
        state = data["state"].astype(np.float32)
    features: dict[str, dict[str, Any]] = {
        CAMERA: {
            "dtype": "video",
            "shape": clip.frames.shape[1:],
            "names": ["height", "width", "channels"],
        },
        "observation.state": {"dtype": "float32", "shape": (14,), "names": None},
    }
    writer = create_dataset(
        root,
        fps=clip.fps,
        features=features,
        robot_type="aloha",
        chunking=ChunkingConfig(video_files_size_in_mb=VIDEO_FILE_MB),
    )
    for episode in range(episodes):
        for i in range(frames):
            j = (7 * episode + i) % len(clip.frames)  # each episode starts elsewhere
            writer.add_frame(
                {CAMERA: clip.frames[j], "observation.state": state[j], "task": "transfer the cube"}
            )
        writer.save_episode()
    writer.finalize()
    return root


def cached_source(cache_dir: Path, episodes: int, frames: int) -> Path:
    """The source dataset, built into ``cache_dir`` unless a previous run left it there."""
    root = cache_dir / f"aloha-{episodes}x{frames}-{VIDEO_FILE_MB:g}mb"
    if not (root / "meta" / "info.json").is_file():
        shutil.rmtree(root, ignore_errors=True)
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="reencode-build-", dir=cache_dir) as tmp:
            started = time.perf_counter()
            built = build_source(Path(tmp) / "dataset", episodes, frames)
            os.replace(built, root)  # complete or absent: a killed build is rebuilt
        print(f"built {root} in {time.perf_counter() - started:.0f} s")
    return root


def camera_files(root: Path) -> list[Path]:
    """The camera's MP4s under ``root``, in chunk and file order."""
    return sorted((root / "videos" / CAMERA).rglob("*.mp4"))


def frame_hashes(root: Path) -> dict[str, str]:
    """Each camera MP4's path (relative to ``root``) to the SHA-1 of its decoded frames."""
    return {
        str(path.relative_to(root)): array_sha1(decode_all_frames(path)[0])
        for path in camera_files(root)
    }


def transcode(source: Path, output: Path, fps: int, plan: EncoderPlan) -> None:
    """Decode ``source`` and feed its frames, still YUV, straight to ``plan``'s encoder.

    LeRobot's way (``reencode_video``): a frame already in the target pixel format is not
    converted, where ours goes through RGB (decode to RGB arrays, encode from RGB).
    """
    pix_fmt = plan.config.pix_fmt
    with av.open(str(source)) as src, av.open(str(output), "w") as dst:
        decoder = src.streams.video[0]
        decoder.thread_type = "AUTO"
        stream = cast(
            "av.VideoStream",
            dst.add_stream(plan.config.encoder, rate=fps, options=dict(plan.options)),
        )
        stream.width, stream.height, stream.pix_fmt = decoder.width, decoder.height, pix_fmt
        for index, frame in enumerate(src.decode(decoder)):
            if frame.format.name != pix_fmt:
                frame = frame.reformat(format=pix_fmt)
            frame.pts, frame.time_base = index, Fraction(1, fps)
            dst.mux(stream.encode(frame))
        dst.mux(stream.encode(None))


# ---------------------------------------------------------------------------------------
# Variants

Figures = dict[str, float]


@dataclass(slots=True)
class Bench:
    """The source, a scratch folder beside it, the encoder plan, the LeRobot worker, results."""

    source: Path
    scratch: Path
    plan: EncoderPlan
    worker: JsonLinesWorker | None
    total_frames: int
    fps: int
    hashes: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    ours_results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    counter: int = 0

    def fresh(self, name: str) -> Path:
        """A new output path (not created) in the scratch folder."""
        self.counter += 1
        return self.scratch / f"{name.replace(' ', '-')}-{self.counter}"

    def floor(self) -> Figures:
        """Per source MP4: decode (timed apart), then a bare ``encode_video`` of its frames."""
        output = self.fresh("floor")
        encode_s = decode_s = 0.0
        for path in camera_files(self.source):
            target = output / path.relative_to(self.source)
            target.parent.mkdir(parents=True, exist_ok=True)
            seconds, (frames, fps) = timed(decode_all_frames, path)
            decode_s += seconds
            seconds, _ = timed(encode_video, frames, target, fps=fps, config=self.plan)
            encode_s += seconds
            del frames
        self.hashes.setdefault(FLOOR, []).append(frame_hashes(output))
        shutil.rmtree(output)
        return {FLOOR: encode_s, DECODE_ENCODE: decode_s + encode_s}

    def transcode(self) -> Figures:
        """Per source MP4, a bare PyAV decode-to-encode loop with no RGB step, timed whole."""
        output = self.fresh("transcode")
        seconds = 0.0
        for path in camera_files(self.source):
            target = output / path.relative_to(self.source)
            target.parent.mkdir(parents=True, exist_ok=True)
            elapsed, _ = timed(transcode, path, target, self.fps, self.plan)
            seconds += elapsed
        shutil.rmtree(output)
        return {TRANSCODE: seconds}

    def ours(self, name: str, executor: Executor) -> Figures:
        """``reencode_dataset`` through ``executor``, timed; its output hashed and deleted."""
        output = self.fresh(name)
        seconds, result = timed(
            lerobot_video.reencode_dataset,
            self.source,
            output,
            rgb_encoder=self.plan.config,
            executor=executor,
            encoder_threads=self.plan.encoder_threads,
        )
        if result.num_frames != self.total_frames or result.copied_files or result.reused_files:
            raise RuntimeError(f"{name} re-encoded unexpectedly: {result}")
        self.hashes.setdefault(name, []).append(frame_hashes(output))
        self.ours_results.setdefault(name, []).append(
            {
                "files": len(result.files),
                "encode_fps": result.frames_per_second,
                "psnr_min_db": min(result.fidelity.values()),
                "output_bytes": result.output_bytes,
                "source_bytes": result.source_bytes,
            }
        )
        shutil.rmtree(output)
        return {name: seconds}

    def lerobot(self, name: str, workers: int | None) -> Figures:
        """LeRobot's copy + open + ``reencode_dataset`` in its worker, timed by the worker."""
        assert self.worker is not None
        copy = self.fresh(name)
        reply = self.worker.request(
            op="reencode",
            source=str(self.source),
            copy=str(copy),
            workers=workers,
            encoder_threads=self.plan.encoder_threads,
            vcodec=TARGET_VCODEC,
        )
        shutil.rmtree(copy)
        if set(reply["codecs"].values()) != {TARGET_VCODEC}:
            raise RuntimeError(f"{name} left cameras in {reply['codecs']}, not {TARGET_VCODEC}")
        self.replies.setdefault(name, []).append(reply)
        call = float(reply["open_s"]) + float(reply["seconds"])
        return {name: call, name + WITH_COPY: float(reply["copy_s"]) + call}


def variants(bench: Bench) -> dict[str, Callable[[], Figures]]:
    """Every variant to run, by name."""
    executors: dict[str, Executor] = {
        "ours inline": InlineExecutor(),
        "ours 1 worker": LocalExecutor(1),
        "ours 2 workers": LocalExecutor(2),
        "ours Ray 2 workers": RayExecutor(max_workers=2),
    }
    table: dict[str, Callable[[], Figures]] = {"floor": bench.floor, "transcode": bench.transcode}
    for name, executor in executors.items():
        table[name] = functools.partial(bench.ours, name, executor)
    if bench.worker is not None:
        table[LEROBOT_SEQ] = lambda: bench.lerobot(LEROBOT_SEQ, None)
        table[LEROBOT_2W] = lambda: bench.lerobot(LEROBOT_2W, 2)
    return table


def run_rounds(bench: Bench, repeats: int) -> dict[str, list[float]]:
    """One warm-up round, then ``repeats`` rounds in a shuffled order; seconds per figure."""
    table = variants(bench)
    for call in table.values():  # warm-up, not counted (its outputs are still checked)
        call()
    bench.replies.clear()
    bench.ours_results.clear()
    runs: dict[str, list[float]] = {}
    order = random.Random(0)
    for _ in range(repeats):
        names = list(table)
        order.shuffle(names)
        for name in names:
            for figure, seconds in table[name]().items():
                runs.setdefault(figure, []).append(seconds)
    return runs


# ---------------------------------------------------------------------------------------
# Report

ROW_ORDER = [
    FLOOR,
    DECODE_ENCODE,
    TRANSCODE,
    *OURS,
    LEROBOT_SEQ,
    LEROBOT_SEQ + WITH_COPY,
    LEROBOT_2W,
    LEROBOT_2W + WITH_COPY,
]


def print_table(median: dict[str, float], runs: dict[str, list[float]], frames: int) -> None:
    """One row per figure: seconds, frames/s and the ratios to the floor and to LeRobot."""
    refs = [("/floor", FLOOR), ("/LR seq", LEROBOT_SEQ), ("/LR 2w", LEROBOT_2W)]
    header = "".join(f"{label:>9}" for label, _ in refs)
    print(f"\n{'variant':<27}{'median s':>9}{'frames/s':>10}{header}   runs (s)")
    for name in (n for n in ROW_ORDER if n in median):
        seconds = median[name]
        ratios = "".join(
            f"{seconds / median[ref]:>9.2f}" if ref in median else f"{'-':>9}" for _, ref in refs
        )
        values = ", ".join(f"{v:.2f}" for v in runs[name])
        print(f"{name:<27}{seconds:>9.2f}{frames / seconds:>10.1f}{ratios}   [{values}]")


def efficiencies(fps: dict[str, float]) -> dict[str, float]:
    """fps(2 workers) / (2 x fps(1 worker)) where both were measured."""
    pairs = {
        "ours local": ("ours 2 workers", "ours 1 worker"),
        "ours Ray (vs ours 1 worker)": ("ours Ray 2 workers", "ours 1 worker"),
        "lerobot": (LEROBOT_2W, LEROBOT_SEQ),
    }
    return {
        name: fps[two] / (2 * fps[one])
        for name, (two, one) in pairs.items()
        if two in fps and one in fps
    }


def identity(hashes: dict[str, list[dict[str, str]]]) -> dict[str, bool]:
    """Whether ours' executors wrote identical frames in every run, and the floor the same."""
    ours = [h for name in OURS for h in hashes.get(name, [])]
    floor = hashes.get(FLOOR, [])
    return {
        "ours_identical_across_executors_and_runs": all(h == ours[0] for h in ours),
        "floor_identical_to_ours": bool(floor) and all(h == ours[0] for h in floor),
    }


def print_figures(bench: Bench, runs: dict[str, list[float]], threads: int) -> dict[str, Any]:
    """The table, efficiencies, checks and sizes; returns them for the JSON file."""
    median = {name: statistics.median(values) for name, values in runs.items()}
    fps = {name: bench.total_frames / seconds for name, seconds in median.items()}
    print_table(median, runs, bench.total_frames)
    scaling = efficiencies(fps)
    cores = os.cpu_count()
    print(
        f"\nscaling efficiency, fps(2 workers) / (2 x fps(1 worker)); this machine has {cores} "
        f"cores and each worker's x264 runs {threads} threads (plus its AV1 decoder's), so "
        "two workers share the cores: efficiency is bounded by the cores, not the scheduler"
    )
    for name, value in scaling.items():
        print(f"  {name:<32}{value:6.2f}")
    checks = identity(bench.hashes)
    runs_checked = sum(len(bench.hashes.get(name, [])) for name in OURS)
    print(
        f"\nours' outputs decode to identical frames across executors: "
        f"{checks['ours_identical_across_executors_and_runs']} ({runs_checked} outputs, "
        f"warm-up included); floor's output identical to ours: "
        f"{checks['floor_identical_to_ours']}"
    )
    ours = bench.ours_results["ours 1 worker"][0]
    print(
        f"ours: {ours['files']} files, worst episode PSNR {ours['psnr_min_db']:.2f} dB; "
        f"sizes (MB): source {ours['source_bytes'] / 1e6:.2f}, ours "
        f"{ours['output_bytes'] / 1e6:.2f}",
        end="",
    )
    lerobot = bench.replies.get(LEROBOT_SEQ)
    if lerobot:
        print(f", LeRobot {lerobot[0]['bytes'] / 1e6:.2f} ({lerobot[0]['files']} files)", end="")
        opens = [r["open_s"] for rs in bench.replies.values() for r in rs]
        copies = [r["copy_s"] for rs in bench.replies.values() for r in rs]
        print(
            f"\nLeRobot's steps (medians): copytree {statistics.median(copies):.3f} s, "
            f"LeRobotDataset open {statistics.median(opens):.3f} s",
            end="",
        )
    print()
    return {
        "runs_s": runs,
        "median_s": median,
        "frames_per_second": fps,
        "ratios_to_floor": {n: s / median[FLOOR] for n, s in median.items()},
        "ratios_to_lerobot_sequential": {
            n: s / median[LEROBOT_SEQ] for n, s in median.items() if LEROBOT_SEQ in median
        },
        "ratios_to_lerobot_2_workers": {
            n: s / median[LEROBOT_2W] for n, s in median.items() if LEROBOT_2W in median
        },
        "scaling_efficiency": scaling,
        "checks": checks,
        "output_hashes": bench.hashes,
        "ours_results": bench.ours_results,
        "lerobot_replies": bench.replies,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--episodes", type=int, default=20, help="episodes in the source")
    parser.add_argument("--frames", type=int, default=50, help="frames per episode")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds")
    parser.add_argument(
        "--encoder-threads", type=int, default=2, help="x264 threads per encoder, every variant"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=REPO / "benchmarks" / "results" / ".reencode_bench",
        help="where the built source is kept between runs",
    )
    add_lerobot_arguments(parser)
    add_json_argument(parser)
    return parser.parse_args(argv)


def start_ray() -> str:
    """A local Ray cluster for RayExecutor, started before any clock; its version."""
    import ray

    ray.init(include_dashboard=False, log_to_driver=False, num_cpus=os.cpu_count())
    return str(ray.__version__)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    python = lerobot_python(args)
    source = cached_source(args.cache_dir, args.episodes, args.frames)
    files = camera_files(source)
    total_frames = args.episodes * args.frames
    clip = load_rgb_clip()
    print(
        f"Source: {args.episodes} episodes x {args.frames} frames = {total_frames} frames, "
        f"{CAMERA} {clip.frames.shape[2]}x{clip.frames.shape[1]} libsvtav1 (LeRobot's "
        f"default) in {len(files)} MP4s ({sum(p.stat().st_size for p in files) / 1e6:.2f} MB), "
        f"14-float state. Target: RGBEncoderConfig(vcodec={TARGET_VCODEC!r}), "
        f"encoder_threads={args.encoder_threads}."
    )
    plan = plan_encoder(
        RGBEncoderConfig(vcodec=TARGET_VCODEC), encoder_threads=args.encoder_threads
    )
    ray_version = start_ray()
    # The outputs go next to the source: one file system for every variant.
    scratch = Path(tempfile.mkdtemp(prefix="reencode-out-", dir=args.cache_dir))
    home = Path(tempfile.mkdtemp(prefix="reencode-lerobot-home-", dir=args.cache_dir))
    env = {**QUIET_ENV, "HF_HUB_OFFLINE": "1", "HF_LEROBOT_HOME": str(home)}
    try:
        with stderr_log() as log, open_worker(python, PROBE, log, env=env) as worker:
            versions = dict(worker.versions) if worker is not None else {}
            print(f"{machine_line({'ray': ray_version}, load=True)}.")
            if worker is None:
                print(lerobot_not_run_line(args))
            else:
                print(
                    f"LeRobot {versions['lerobot']} (av {versions['av']}, torch "
                    f"{versions['torch']}) in {python}."
                )
            bench = Bench(source, scratch, plan, worker, total_frames, clip.fps)
            runs = run_rounds(bench, args.repeats)
            report = print_figures(bench, runs, args.encoder_threads)
        print(f"after the run: {machine_line(load=True)}.")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    report.update(
        {
            "episodes": args.episodes,
            "frames_per_episode": args.frames,
            "total_frames": total_frames,
            "source_files": len(files),
            "encoder_threads": args.encoder_threads,
            "repeats": args.repeats,
            "cpu_count": os.cpu_count(),
            "machine": machine_line({"ray": ray_version}, load=True),
            "lerobot_versions": versions,
        }
    )
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
