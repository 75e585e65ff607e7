"""Benchmark the encoding report of a Hub dataset: time to the first report and bytes fetched.

A 50-episode dataset is recorded from the bundled ALOHA clip (``--frames`` per episode,
default 400 as in LeRobot's ALOHA sim datasets, the 100-frame clip cycled; a 480x640 top camera
and a 240x320 wrist camera, LeRobot's default AV1 encoder, 14-value state and action; built once
and kept in ``--cache-dir``), published on the local Hub endpoint (``tests/hub/local_hub.py``,
a separate process) and read through the real ``huggingface_hub`` by each variant in a fresh process
with an empty Hugging Face cache (``benchmarks/_hub_probe.py``):

- **ours**: ``open_hub_dataset`` + ``encoding_report`` (GOP, B-frames, bitrate, frame counts,
  episodes on keyframes, for every video feature);
- **floor**: the least the job needs: ``meta/`` and each video's ``moov`` index by range;
- **download**: ``snapshot_download`` of the whole dataset (what anyone must do today to
  measure a video);
- **LeRobot 0.6.1** (its interpreter, ``--lerobot-python`` or ``LEROBOT_PYTHON``):
  ``LeRobotDatasetMetadata`` + ``LeRobotDataset`` + the first frame of every episode (opening
  every video); and its metadata alone, which says nothing about the videos.

Each runs twice per repeat: over loopback, and through a relay that behaves like a link
(``--latency-ms`` one way, ``--mbit`` shared bandwidth; ``benchmarks/_slow_link.py``), since
loopback hides what a network costs. Bytes are counted by the server. Printed: median seconds,
bytes fetched and their share of the dataset, ours/download, ours/LeRobot and ours/floor.
Targets: bytes <= 2 % of the dataset; report >= 10x faster than a full download on the link.

The report's time is about constant in the dataset's size (round trips: refs, metadata, one
index per video file), a download's grows with it; so the ratio to a download depends on the
size (printed: both figures, and the dataset's size).

Run: ``.venv/bin/python benchmarks/bench_hub_report.py [--episodes 50] [--frames 400]
[--repeats 3] [--latency-ms 20] [--mbit 100] [--cache-dir DIR]
[--lerobot-python PATH | --no-lerobot] [--json out.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
from _harness import (
    REPO,
    add_json_argument,
    add_lerobot_arguments,
    lerobot_not_run_line,
    lerobot_python,
    load_rgb_clip,
    machine_line,
    write_json,
)
from _slow_link import SlowLink

from lerobot_video import create_dataset

REPO_ID = "bench/aloha-50"
PROBE = Path(__file__).with_name("_hub_probe.py")
HUB_SERVER = REPO / "tests" / "hub" / "local_hub.py"


def build_dataset(root: Path, episodes: int, frames: int = 100) -> Path:
    """``episodes`` episodes of ``frames`` frames of the ALOHA clip (top 480x640, wrist 240x320)."""
    clip = load_rgb_clip()
    with np.load(clip.path) as data:
        state, action = data["state"], data["action"]
    image = {"dtype": "video", "names": ["height", "width", "channels"]}
    vector = {"dtype": "float32", "shape": (14,), "names": None}
    features: dict[str, dict[str, Any]] = {
        "observation.images.top": {**image, "shape": (480, 640, 3)},
        "observation.images.wrist": {**image, "shape": (240, 320, 3)},
        "observation.state": vector,
        "action": vector,
    }
    writer = create_dataset(root, fps=clip.fps, features=features, robot_type="aloha")
    for episode in range(episodes):
        for i in range(frames):
            j = (i + 7 * episode) % len(clip.frames)  # each episode starts elsewhere in the clip
            writer.add_frame(
                {
                    "observation.images.top": clip.frames[j],
                    "observation.images.wrist": clip.frames[j, ::2, ::2],
                    "observation.state": state[j],
                    "action": action[j],
                    "task": "transfer the cube",
                }
            )
        writer.save_episode()
    writer.finalize()
    return root


def start_hub(root: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The local Hub endpoint as its own process, serving ``root``; and its port."""
    port_file = root / "port"
    server = subprocess.Popen(
        [sys.executable, str(HUB_SERVER), "--root", str(root), "--port-file", str(port_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        if port_file.exists() and port_file.read_text().strip():
            return server, int(port_file.read_text())
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("the local Hub endpoint did not start")


def hub_stats(port: int, *, reset: bool = False) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/_local/{'reset' if reset else 'stats'}"
    request = urllib.request.Request(
        url, method="POST" if reset else "GET", data=b"" if reset else None
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(json.loads(response.read() or b"{}"))


def run_probe(python: str, variant: str, endpoint: str, server_port: int) -> dict[str, Any]:
    """One variant in a fresh process and HF cache; its result plus the bytes the server sent."""
    with tempfile.TemporaryDirectory(prefix="hubbench-home-") as home:
        env = {
            **os.environ,
            "HF_ENDPOINT": endpoint,
            "HF_HOME": home,
            "HF_LEROBOT_HOME": str(Path(home) / "lerobot"),
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "SVT_LOG": "1",
        }
        env.pop("HF_TOKEN", None)
        hub_stats(server_port, reset=True)
        done = subprocess.run(
            [python, str(PROBE), variant, REPO_ID], env=env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"{variant} failed:\n{done.stderr[-3000:]}")
        result = dict(json.loads(done.stdout.strip().splitlines()[-1]))
        result["bytes_served"] = int(hub_stats(server_port)["bytes_served"])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--frames", type=int, default=400, help="frames per episode")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=REPO / "benchmarks" / "results" / ".hub_bench",
        help="where the built dataset is kept between runs",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--mbit", type=float, default=100.0)
    add_lerobot_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args()
    lerobot = lerobot_python(args)
    print(machine_line(load=True))
    with tempfile.TemporaryDirectory(prefix="hubbench-") as work:
        work_dir = Path(work)
        started = time.perf_counter()
        root = args.cache_dir / f"aloha-{args.episodes}x{args.frames}"
        if not (root / "meta" / "info.json").is_file():
            shutil.rmtree(root, ignore_errors=True)
            partial = build_dataset(work_dir / "aloha", args.episodes, args.frames)
            root.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(partial), root)
        sys.path.insert(0, str(HUB_SERVER.parent))
        from local_hub import LocalHub  # test-only server, also used here

        LocalHub(work_dir / "hub").publish(REPO_ID, root)
        sizes = {
            p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*") if p.is_file()
        }
        total = sum(sizes.values())
        videos = sum(v for k, v in sizes.items() if k.startswith("videos/"))
        print(
            f"Dataset: {args.episodes} episodes x {args.frames} frames, 2 cameras (480x640, "
            f"240x320), "
            f"{total / 1e6:.1f} MB ({videos / 1e6:.1f} MB of video in "
            f"{sum(k.startswith('videos/') for k in sizes)} files); ready in "
            f"{time.perf_counter() - started:.0f} s"
        )
        server, port = start_hub(work_dir / "hub")
        link = SlowLink(port, latency_s=args.latency_ms / 1000, rate_bytes_s=args.mbit * 1e6 / 8)
        try:
            report = measure(args, lerobot, port, link.port, total)
        finally:
            link.close()
            server.kill()
    report["dataset_bytes"] = total
    write_json(args.json, report)


def measure(
    args: argparse.Namespace, lerobot: str | None, port: int, link_port: int, total: int
) -> dict[str, Any]:
    variants = [("ours", sys.executable), ("floor", sys.executable), ("download", sys.executable)]
    if lerobot:
        variants += [("lerobot", lerobot), ("lerobot-meta", lerobot)]
    links = {"loopback": f"http://127.0.0.1:{port}", "link": f"http://127.0.0.1:{link_port}"}
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for _ in range(args.repeats):  # interleaved, so drift hits every variant alike
        for link, endpoint in links.items():
            for variant, python in variants:
                runs.setdefault((link, variant), []).append(
                    run_probe(python, variant, endpoint, port)
                )
    out: dict[str, Any] = {}
    for link in links:
        title = (
            "loopback"
            if link == "loopback"
            else (f"link: {args.latency_ms:g} ms one way, {args.mbit:g} Mbit/s shared")
        )
        print(f"\n{title}")
        print(f"{'variant':<14}{'seconds':>10}{'bytes fetched':>16}{'of dataset':>12}")
        med = {}
        for variant, _ in variants:
            results = runs[(link, variant)]
            seconds = statistics.median(r["seconds"] for r in results)
            fetched = statistics.median(r["bytes_served"] for r in results)
            med[variant] = (seconds, fetched)
            print(f"{variant:<14}{seconds:>10.3f}{fetched:>16,.0f}{100 * fetched / total:>11.2f}%")
        ours = med["ours"]
        ratios = {
            "ours/download (time)": ours[0] / med["download"][0],
            "ours/floor (time)": ours[0] / med["floor"][0],
            "ours/floor (bytes)": ours[1] / med["floor"][1],
            "ours bytes / dataset": ours[1] / total,
        }
        if lerobot:
            ratios["ours/LeRobot (time)"] = ours[0] / med["lerobot"][0]
        for name, value in ratios.items():
            print(
                f"  {name:<24}{value:8.4f}"
                + (f"  ({1 / value:.1f}x faster)" if "(time)" in name and value < 1 else "")
            )
        out[link] = {
            "median": med,
            "ratios": ratios,
            "runs": [runs[(link, v)] for v, _ in variants],
        }
    if not lerobot:
        print(lerobot_not_run_line(args))
    return out


if __name__ == "__main__":
    main()
