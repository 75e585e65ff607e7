"""Benchmark merging LeRobot v3.0 datasets: ours against a plain copy and against LeRobot 0.6.1.

Sources: ``--sources`` datasets (default 2) of ``--episodes`` episodes each (default 25), built
once from the bundled ALOHA clip and kept in ``--cache-dir`` (re-runs skip the build). Every
episode has ``--frames`` frames (default 100; the clip cycled, each episode starting elsewhere
in it) of one 480x640 camera ``observation.images.top`` encoded with LeRobot's default encoder
(libsvtav1), plus the clip's 14-float ``observation.state`` and ``action``. Each source has a
task of its own ("transfer the cube", "insert the peg", ...) and every fourth episode a shared
one ("return to home"), so the merged task table is renumbered and task indices remapped.

Variants, each writing a fresh output folder on the same file system (deleted after each run,
outside the timing), timed from the call to its return with the garbage collector off:

- **ours**: ``plan_merge(sources)`` + ``execute_merge(plan, output)`` (opens the sources,
  checks them, stream-copies the videos, remaps data, episodes, tasks and stats; it flushes
  its parquet and JSON files to disk with fsync, as all our writes do). Our
  ``verify_merge(plan, output)`` is timed too, on its own, and is not part of the ratios.
- **floor**: a plain copy of the same bytes: ``shutil.copytree`` of every source into one
  folder (what a merge cannot beat: each byte read and written once, nothing flushed to
  disk); ``cp -r`` of the same folders (a subprocess, spawn included) is printed next to it.
- **LeRobot 0.6.1** (its interpreter, ``--lerobot-python`` or ``LEROBOT_PYTHON``, running
  ``benchmarks/_lerobot_merge_probe.py``, with ``HF_HUB_OFFLINE=1`` and ``HF_LEROBOT_HOME`` in
  a temporary folder): ``aggregate_datasets(repo_ids, aggr_repo_id, roots, aggr_root)`` on the
  local roots; and ``merge_datasets(datasets, output_repo_id, output_dir)``, whose source
  ``LeRobotDataset`` objects are opened before the clock (that time is printed apart); its
  call includes opening the merged ``LeRobotDataset``, as the function does. The worker
  imports LeRobot before any clock and times its own calls.

Order: one untimed warm-up round of every variant (library loading, page cache), then
``--repeats`` rounds (default 3), the variants shuffled in each round (interleaved, so drift
hits all alike); figures are medians. Printed: seconds per variant, ours/LeRobot for both
LeRobot entry points (target <= 0.25), ours/copy (target <= 10), the sizes of the sources
and of each output, and the machine and its load. Run on a quiet machine (``uptime`` load
below about 1.5): the ratios move with anything else running.

Run: ``.venv/bin/python benchmarks/bench_merge.py [--sources 2] [--episodes 25] [--frames 100]
[--repeats 3] [--cache-dir DIR] [--lerobot-python PATH | --no-lerobot] [--json out.json]``
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _harness import (
    BENCHMARKS,
    REPO,
    add_json_argument,
    add_lerobot_arguments,
    lerobot_not_run_line,
    lerobot_python,
    load_rgb_clip,
    machine_line,
    write_json,
)
from _timing import timed
from _worker_client import QUIET_ENV, JsonLinesWorker, open_worker, stderr_log

import lerobot_video
from lerobot_video import create_dataset

PROBE = BENCHMARKS / "_lerobot_merge_probe.py"
CAMERA = "observation.images.top"
SOURCE_TASKS = ("transfer the cube", "insert the peg", "fold the towel", "stack the blocks")
SHARED_TASK = "return to home"
TARGET_VS_LEROBOT = 0.25
TARGET_VS_COPY = 10.0


# ---------------------------------------------------------------------------------------
# Sources


def source_task(source: int, episode: int) -> str:
    """The task of one source episode: the source's own, or every fourth the shared one."""
    if episode % 4 == 3:
        return SHARED_TASK
    return SOURCE_TASKS[source % len(SOURCE_TASKS)]


def build_source(root: Path, source: int, episodes: int, frames: int) -> Path:
    """One source dataset at ``root``: ``episodes`` x ``frames`` frames of the ALOHA clip."""
    clip = load_rgb_clip()
    with np.load(clip.path) as data:
        state, action = data["state"], data["action"]
    vector = {"dtype": "float32", "shape": (14,), "names": None}
    features: dict[str, dict[str, Any]] = {
        CAMERA: {
            "dtype": "video",
            "shape": clip.frames.shape[1:],
            "names": ["height", "width", "channels"],
        },
        "observation.state": vector,
        "action": vector,
    }
    writer = create_dataset(root, fps=clip.fps, features=features, robot_type="aloha")
    for episode in range(episodes):
        task = source_task(source, episode)
        first = 7 * episode + 13 * source  # each episode starts elsewhere in the clip
        for i in range(frames):
            j = (first + i) % len(clip.frames)
            writer.add_frame(
                {
                    CAMERA: clip.frames[j],
                    "observation.state": state[j],
                    "action": action[j],
                    "task": task,
                }
            )
        writer.save_episode()
    writer.finalize()
    return root


def cached_sources(cache_dir: Path, sources: int, episodes: int, frames: int) -> list[Path]:
    """The source datasets, built into ``cache_dir`` unless a previous run left them there."""
    roots = []
    for source in range(sources):
        root = cache_dir / f"aloha-{episodes}x{frames}" / f"source-{source}"
        if not (root / "meta" / "info.json").is_file():
            shutil.rmtree(root, ignore_errors=True)
            root.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix="merge-build-", dir=root.parent) as tmp:
                started = time.perf_counter()
                built = build_source(Path(tmp) / "dataset", source, episodes, frames)
                os.replace(built, root)  # complete or absent: a killed build is rebuilt
            print(f"built {root} in {time.perf_counter() - started:.0f} s")
        roots.append(root)
    return roots


def folder_bytes(root: Path) -> int:
    """Bytes of every file under ``root``."""
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------------------------------
# Variants


@dataclass(slots=True)
class Bench:
    """The sources, a scratch folder on their file system, the LeRobot worker, the results."""

    sources: list[Path]
    scratch: Path
    worker: JsonLinesWorker | None
    sizes: dict[str, int]
    replies: dict[str, list[dict[str, Any]]]
    verify: list[dict[str, Any]]
    counter: int = 0

    def fresh(self, name: str) -> Path:
        """A new output path (not created) in the scratch folder."""
        self.counter += 1
        return self.scratch / f"{name}-{self.counter}"

    def done(self, name: str, output: Path) -> None:
        """Record the output's size and delete it (outside any timing)."""
        if output.exists():
            self.sizes[name] = folder_bytes(output)
            shutil.rmtree(output)

    def ours(self) -> float:
        """``plan_merge`` + ``execute_merge`` timed; then ``verify_merge`` timed apart."""
        output = self.fresh("ours")

        def merge() -> Any:
            plan = lerobot_video.plan_merge(self.sources)
            if not plan.ok:
                raise RuntimeError(f"plan_merge refused the sources: {plan.conflicts}")
            return plan, lerobot_video.execute_merge(plan, output)

        seconds, (plan, result) = timed(merge)
        expected = (plan.total_episodes, plan.total_frames)
        if (result.num_episodes, result.num_frames) != expected:
            raise RuntimeError(f"execute_merge wrote {result}, the plan said {expected}")
        verify_s, report = timed(lerobot_video.verify_merge, plan, output)
        self.verify.append(
            {
                "seconds": verify_s,
                "ok": bool(report.ok),
                "problems": list(map(str, report.problems)),
            }
        )
        self.done("ours", output)
        return seconds

    def copytree(self) -> float:
        """The floor: ``shutil.copytree`` of every source into one new folder."""
        output = self.fresh("copytree")

        def copy() -> None:
            output.mkdir()
            for root in self.sources:
                shutil.copytree(root, output / root.name)

        seconds, _ = timed(copy)
        self.done("copy", output)
        return seconds

    def cp(self) -> float:
        """``cp -r`` of every source into one new folder, as a subprocess."""
        output = self.fresh("cp")
        output.mkdir()
        argv = ["cp", "-r", *map(str, self.sources), str(output)]
        seconds, _ = timed(subprocess.run, argv, check=True)
        self.done("cp", output)
        return seconds

    def lerobot(self, op: str) -> float:
        """LeRobot's ``aggregate`` or ``merge`` in its worker, timed by the worker."""
        assert self.worker is not None
        output = self.fresh(op)
        reply = self.worker.request(op=op, roots=list(map(str, self.sources)), out=str(output))
        self.replies.setdefault(op, []).append(reply)
        self.done(f"lerobot_{op}", output)
        return float(reply["seconds"])


def run_rounds(bench: Bench, repeats: int) -> dict[str, list[float]]:
    """One warm-up round, then ``repeats`` rounds in a shuffled order; seconds per variant."""
    variants: dict[str, Callable[[], float]] = {
        "ours": bench.ours,
        "copytree": bench.copytree,
        "cp -r": bench.cp,
    }
    if bench.worker is not None:
        variants["lerobot aggregate_datasets"] = lambda: bench.lerobot("aggregate")
        variants["lerobot merge_datasets"] = lambda: bench.lerobot("merge")
    for call in variants.values():  # warm-up, not counted
        call()
    bench.replies.clear()
    bench.verify.clear()
    runs: dict[str, list[float]] = {name: [] for name in variants}
    order = random.Random(0)
    for _ in range(repeats):
        names = list(variants)
        order.shuffle(names)
        for name in names:
            runs[name].append(variants[name]())
    return runs


# ---------------------------------------------------------------------------------------
# Report


def speed(ratio: float) -> str:
    """``2.0x faster`` for ours/theirs = 0.5, ``1.2x slower`` for 1.2."""
    return f"{1 / ratio:.1f}x faster" if ratio < 1 else f"{ratio:.1f}x slower"


def print_figures(bench: Bench, runs: dict[str, list[float]], sources_bytes: int) -> dict[str, Any]:
    """The table, ratios and sizes; returns them for the JSON file."""
    median = {name: statistics.median(values) for name, values in runs.items()}
    verify_s = statistics.median(v["seconds"] for v in bench.verify)
    print(f"\n{'variant':<30}{'median s':>10}   runs")
    for name, seconds in median.items():
        values = ", ".join(f"{v:.3f}" for v in runs[name])
        print(f"{name:<30}{seconds:>10.3f}   [{values}]")
    verify_ok = all(v["ok"] for v in bench.verify)
    problems = sorted({p for v in bench.verify for p in v["problems"]})
    print(f"{'ours verify_merge (apart)':<30}{verify_s:>10.3f}   ok={verify_ok}")
    for problem in problems:
        print(f"    verify_merge problem: {problem[:160]}")
    ratios: dict[str, float] = {
        "ours/copytree": median["ours"] / median["copytree"],
        "ours/cp": median["ours"] / median["cp -r"],
    }
    print()
    verdict = "met" if ratios["ours/copytree"] <= TARGET_VS_COPY else "NOT met"
    print(
        f"{'ours/copy (copytree)':<36}{ratios['ours/copytree']:8.2f}   "
        f"(target <= {TARGET_VS_COPY:g}: {verdict})"
    )
    print(f"{'ours/cp -r':<36}{ratios['ours/cp']:8.2f}")
    if bench.worker is not None:
        for op in ("aggregate_datasets", "merge_datasets"):
            ratio = median["ours"] / median[f"lerobot {op}"]
            ratios[f"ours/lerobot_{op}"] = ratio
            verdict = "met" if ratio <= TARGET_VS_LEROBOT else "NOT met"
            print(
                f"{'ours/LeRobot ' + op:<36}{ratio:8.3f}   ({speed(ratio)}; "
                f"target <= {TARGET_VS_LEROBOT:g}: {verdict})"
            )
        opens = [r["open_s"] for r in bench.replies.get("merge", [])]
        if opens:
            print(
                f"(merge_datasets' source LeRobotDataset objects, opened before its clock: "
                f"{statistics.median(opens):.3f} s)"
            )
    print("\nsizes (MB):")
    for name, size in {"sources": sources_bytes, **bench.sizes}.items():
        print(f"  {name:<20}{size / 1e6:10.2f}")
    return {
        "runs": runs,
        "median_s": median,
        "verify_s": verify_s,
        "verify": bench.verify,
        "ratios": ratios,
        "sizes_bytes": {"sources": sources_bytes, **bench.sizes},
        "lerobot_replies": bench.replies,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sources", type=int, default=2, help="source datasets")
    parser.add_argument("--episodes", type=int, default=25, help="episodes per source")
    parser.add_argument("--frames", type=int, default=100, help="frames per episode")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=REPO / "benchmarks" / "results" / ".merge_bench",
        help="where the built sources are kept between runs",
    )
    add_lerobot_arguments(parser)
    add_json_argument(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    python = lerobot_python(args)
    sources = cached_sources(args.cache_dir, args.sources, args.episodes, args.frames)
    sources_bytes = sum(folder_bytes(root) for root in sources)
    clip = load_rgb_clip()
    print(
        f"Sources: {args.sources} x {args.episodes} episodes x {args.frames} frames, "
        f"{CAMERA} {clip.frames.shape[1]}x{clip.frames.shape[2]} libsvtav1 (LeRobot's "
        f"default), 14-float state and action; {sources_bytes / 1e6:.1f} MB"
    )
    # The outputs go next to the sources: same file system, so copy and merge compare alike.
    scratch = Path(tempfile.mkdtemp(prefix="merge-out-", dir=args.cache_dir))
    home = Path(tempfile.mkdtemp(prefix="merge-lerobot-home-", dir=args.cache_dir))
    env = {**QUIET_ENV, "HF_HUB_OFFLINE": "1", "HF_LEROBOT_HOME": str(home)}
    try:
        with stderr_log() as log, open_worker(python, PROBE, log, env=env) as worker:
            versions = dict(worker.versions) if worker is not None else {}
            print(f"{machine_line(load=True)}.")
            if worker is None:
                print(lerobot_not_run_line(args))
            else:
                print(
                    f"LeRobot {versions['lerobot']} (av {versions['av']}, torch "
                    f"{versions['torch']}) in {python}."
                )
            bench = Bench(sources, scratch, worker, {}, {}, [])
            runs = run_rounds(bench, args.repeats)
            report = print_figures(bench, runs, sources_bytes)
        print(f"after the run: {machine_line(load=True)}.")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
    report.update(
        {
            "sources": args.sources,
            "episodes_per_source": args.episodes,
            "frames_per_episode": args.frames,
            "repeats": args.repeats,
            "machine": machine_line(load=True),
            "lerobot_versions": versions,
        }
    )
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
