"""Benchmark RGB encoding and random-access loading: lerobot_video vs PNG, a floor and LeRobot.

For each codec (LeRobot's default libsvtav1, then h264 and hevc with LeRobot's other
defaults) the bundled ALOHA clip is encoded with :func:`lerobot_video.encode_video`, and the
random-access scenarios of LeRobot's video benchmark (``benchmarks/video``, SPEC section 8.1)
are timed per request for four loaders, on the same request lists in the same run:

- ours: :func:`lerobot_video.decode_frames` (its container cache warm);
- PNG: the same frames from PNG files (PIL, default settings) as uint8 HWC arrays;
- floor: the least work the job needs, an already open container and a precomputed packet
  index, decoding from the right keyframe and converting only the frames asked for;
- LeRobot: ``lerobot.datasets.video_utils.decode_video_frames(..., backend="pyav")`` run by a
  worker subprocess under LeRobot's interpreter (``--lerobot-python`` or ``LEROBOT_PYTHON``;
  ``_lerobot_decode_probe.py``), or, without one, an in-process re-implementation of its
  pyav algorithm (SPEC section 7).

Noise control for a small shared VM: in-process loaders are interleaved per request in a
fresh random order, the LeRobot worker takes its turn among them (it times its own call; the
pipe round trip is not counted; OMP_WAIT_POLICY=PASSIVE keeps torch's idle threads from
spinning into the next loader's time), the garbage collector is off while timing,
and each figure is the median over blocks of consecutive requests of the block's mean
milliseconds per request.

Run: ``.venv/bin/python benchmarks/bench_rgb_codecs.py [--samples 50] [--codecs ...]
[--lerobot-python PATH] [--json out.json]`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import bisect
import gc
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import numpy.typing as npt
from _harness import (
    BENCHMARKS,
    RGB_CLIP,
    TOLERANCE_SECONDS,
    RGBClip,
    add_clip_argument,
    add_json_argument,
    add_lerobot_arguments,
    array_sha1,
    clip_line,
    lerobot_not_run_line,
    lerobot_python,
    load_rgb_clip,
    machine_line,
    write_json,
)
from _timing import gc_paused
from _worker_client import JsonLinesWorker, open_worker, stderr_log
from PIL import Image

from lerobot_video import (
    RGBEncoderConfig,
    clear_decoder_cache,
    decode_frames,
    encode_video,
)

WORKER = BENCHMARKS / "_lerobot_decode_probe.py"

CODECS: dict[str, RGBEncoderConfig] = {
    "libsvtav1": RGBEncoderConfig(),
    "h264": RGBEncoderConfig(vcodec="h264"),
    "hevc": RGBEncoderConfig(vcodec="hevc"),
}

SCENARIOS: dict[str, Callable[[int], list[int]]] = {
    "1_frame": lambda i: [i],
    "2_frames": lambda i: [i - 1, i],
    "2_frames_4_space": lambda i: [i - 5, i],
    "6_frames": lambda i: list(range(i - 5, i + 1)),
}

TARGET_CODEC, TARGET_SCENARIO = "libsvtav1", "6_frames"
TARGET_OURS_VS_PNG, TARGET_OURS_VS_FLOOR = 0.5, 1.25

UInt8Frames = npt.NDArray[np.uint8]
Loader = Callable[["Request"], Any]


@dataclass(frozen=True, slots=True)
class Request:
    """One random-access request: frame indices and their timestamps (index / fps)."""

    indices: list[int]
    timestamps: list[float]


@dataclass(frozen=True, slots=True)
class Setup:
    """What every codec's run shares: the clip, its PNG files, the statistics, the worker."""

    clip: RGBClip
    pngs: list[Path]
    png_bytes: int
    workdir: Path
    samples: int
    block: int
    worker: JsonLinesWorker | None


class FloorDecoder:
    """The least work a random read needs, for comparison with :func:`decode_frames`.

    The container stays open and the packet index (pts, dts, keyframe flags) is built by one
    demux pass before any timing. A request seeks to the decode time of the last keyframe
    whose presentation time is at or before the first frame needed, decodes forward on one
    thread, converts only the frames asked for to rgb24, and stops as soon as it has them.
    """

    def __init__(self, path: Path) -> None:
        self.container = av.open(str(path))
        self.stream = self.container.streams.video[0]
        self.stream.codec_context.thread_type = "NONE"
        packets = [
            (packet.dts, packet.pts, packet.is_keyframe)
            for packet in self.container.demux(self.stream)
            if packet.pts is not None and packet.dts is not None
        ]
        self.frame_pts: list[int] = sorted(pts for _, pts, _ in packets)  # frame index -> pts
        keyframes = sorted((pts, dts) for dts, pts, key in packets if key)
        self.key_pts = [pts for pts, _ in keyframes]
        self.key_dts = [dts for _, dts in keyframes]

    def decode(self, indices: Sequence[int]) -> UInt8Frames:
        """Return the frames at these indices as (N, H, W, 3) uint8, in request order."""
        wanted = [self.frame_pts[i] for i in indices]
        needed = set(wanted)
        start = max(bisect.bisect_right(self.key_pts, min(needed)) - 1, 0)
        found = self._decode_from(self.key_dts[start], needed)
        while len(found) < len(needed) and start > 0:  # Open GOP: a leading frame was skipped.
            start -= 1
            found = self._decode_from(self.key_dts[start], needed)
        return np.stack([found[pts] for pts in wanted])

    def _decode_from(self, dts: int, needed: set[int]) -> dict[int, UInt8Frames]:
        found: dict[int, UInt8Frames] = {}
        self.container.seek(dts, backward=True, any_frame=False, stream=self.stream)
        for packet in self.container.demux(self.stream):
            for frame in self.stream.decode(packet):
                if frame.pts in needed:
                    found[frame.pts] = cast(UInt8Frames, frame.to_ndarray(format="rgb24"))
                    if len(found) == len(needed):
                        return found
        return found

    def close(self) -> None:
        """Close the container."""
        self.container.close()


def lerobot_pyav_reimplemented(
    path: Path, timestamps: Sequence[float], tolerance_s: float
) -> npt.NDArray[np.float32]:
    """LeRobot 0.6.1's ``decode_video_frames_pyav`` (RGB) in numpy, for when it is absent.

    Opens the file per call, seeks one tick before the first timestamp (backward, keyframes
    only), decodes forward converting every frame to rgb24 CHW until one reaches the last
    timestamp, picks the nearest decoded frame per timestamp, checks ``tolerance_s``, and
    returns float32 in [0, 1], (N, 3, H, W).
    """
    first_ts, last_ts = min(timestamps), max(timestamps)
    loaded_frames: list[UInt8Frames] = []
    loaded_ts: list[float] = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base or Fraction(1, 1)
        container.seek(
            round(first_ts / time_base) - 1, backward=True, any_frame=False, stream=stream
        )
        for frame in container.decode(stream):
            if frame.pts is None:
                continue
            current_ts = float(frame.pts * time_base)
            rgb = cast(UInt8Frames, frame.to_ndarray(format="rgb24"))
            loaded_frames.append(np.ascontiguousarray(rgb.transpose(2, 0, 1)))
            loaded_ts.append(current_ts)
            if current_ts >= last_ts:
                break
    if not loaded_frames:
        raise RuntimeError(f"no frames decoded from {path} in [{first_ts}, {last_ts}]")
    query = np.asarray(timestamps, dtype=np.float32)  # torch.tensor() of floats is float32
    loaded = np.asarray(loaded_ts, dtype=np.float32)
    distance = np.abs(query[:, None] - loaded[None, :])
    nearest = distance.argmin(axis=1)
    if not np.all(distance[np.arange(len(query)), nearest] < tolerance_s):
        raise RuntimeError(f"timestamps {timestamps} beyond tolerance in {loaded_ts}")
    out = np.stack([loaded_frames[i] for i in nearest]).astype(np.float32)
    out /= 255
    return out


def load_pngs(paths: Sequence[Path], indices: Sequence[int]) -> UInt8Frames:
    frames = []
    for i in indices:
        with Image.open(paths[i]) as image:
            frames.append(np.asarray(image))
    return np.stack(frames)


def time_lerobot(
    worker: JsonLinesWorker, path: Path, requests: Sequence[Request], *, digest: bool = False
) -> tuple[list[float], str]:
    """Decode each request once in the LeRobot worker; return ms per request and a digest.

    The digest (empty unless asked for) is the SHA-1 of the first request's frames as uint8
    (N, H, W, 3), computed after the timing.
    """
    reply = worker.request(
        op="decode",
        path=str(path),
        requests=[r.timestamps for r in requests],
        tolerance_s=TOLERANCE_SECONDS,
        digest=digest,
    )
    return [float(ms) for ms in reply["ms"]], str(reply["digest"])


def summarize(ms: Sequence[float], block: int) -> dict[str, Any]:
    block_means = [statistics.fmean(ms[i : i + block]) for i in range(0, len(ms), block)]
    return {
        "median_of_block_means_ms": statistics.median(block_means),
        "mean_ms": statistics.fmean(ms),
        "median_ms": statistics.median(ms),
        "blocks": len(block_means),
        "per_request_ms": [round(value, 4) for value in ms],
    }


def make_requests(num_frames: int, fps: int, samples: int) -> dict[str, list[Request]]:
    """LeRobot's benchmark sampling: seed 1337 once per encoding, scenarios drawn in order."""
    random.seed(1337)
    requests: dict[str, list[Request]] = {}
    for name, make_indices in SCENARIOS.items():
        requests[name] = []
        for _ in range(samples):
            indices = make_indices(random.randint(5, num_frames - 1))
            requests[name].append(Request(indices, [i / fps for i in indices]))
    return requests


def make_loaders(mp4: Path, setup: Setup, floor: FloorDecoder) -> dict[str, Loader]:
    """The in-process loaders; LeRobot's re-implementation joins them without a worker."""
    loaders: dict[str, Loader] = {
        "ours": lambda r: decode_frames(mp4, r.timestamps),
        "png": lambda r: load_pngs(setup.pngs, r.indices),
        "floor": lambda r: floor.decode(r.indices),
    }
    if setup.worker is None:
        loaders["lerobot"] = lambda r: lerobot_pyav_reimplemented(
            mp4, r.timestamps, TOLERANCE_SECONDS
        )
    return loaders


def time_request(
    order: Sequence[str],
    loaders: dict[str, Loader],
    request: Request,
    mp4: Path,
    worker: JsonLinesWorker | None,
    check_lerobot: bool,
) -> tuple[dict[str, float], dict[str, Any], str]:
    """Run every loader once on ``request`` in ``order``, collector off.

    Returns:
        Milliseconds per loader, the in-process outputs, and the worker's digest of its
        frames (empty unless ``check_lerobot``).
    """
    ms: dict[str, float] = {}
    outputs: dict[str, Any] = {}
    worker_digest = ""
    with gc_paused():
        for key in order:
            if key == "lerobot" and worker is not None:
                worker_ms, worker_digest = time_lerobot(
                    worker, mp4, [request], digest=check_lerobot
                )
                ms[key] = worker_ms[0]
                continue
            start = time.perf_counter()
            outputs[key] = loaders[key](request)
            ms[key] = (time.perf_counter() - start) * 1000.0
    return ms, outputs, worker_digest


def run_scenario(
    label: str,
    requests: Sequence[Request],
    loaders: dict[str, Loader],
    mp4: Path,
    setup: Setup,
    shuffler: random.Random,
) -> tuple[dict[str, list[float]], int, int]:
    """Time every loader on every request of one scenario, interleaved in a random order.

    Returns:
        Milliseconds per loader per request, and how many of the LeRobot digests checked
        (first request of each block) matched ours.
    """
    names = [*loaders, "lerobot"] if setup.worker is not None else list(loaders)
    ms: dict[str, list[float]] = {key: [] for key in names}
    matches = checked = 0
    for n, request in enumerate(requests):
        if n % setup.block == 0:
            gc.collect()  # Between blocks, never inside a timed call.
        check_lerobot = n % setup.block == 0
        # A fresh random order per request: no loader always follows the same one.
        order = shuffler.sample(names, len(names))
        request_ms, outputs, worker_digest = time_request(
            order, loaders, request, mp4, setup.worker, check_lerobot
        )
        for key, value in request_ms.items():
            ms[key].append(value)
        if not np.array_equal(outputs["ours"], outputs["floor"]):
            raise AssertionError(f"{label} {request}: ours != floor")
        if setup.worker is not None and check_lerobot:
            checked += 1
            matches += worker_digest == array_sha1(outputs["ours"])
    return ms, matches, checked


def bench_codec(name: str, config: RGBEncoderConfig, setup: Setup) -> dict[str, Any]:
    """Encode the clip with ``config``, then time every loader on every scenario."""
    frames, fps = setup.clip.frames, setup.clip.fps
    mp4 = setup.workdir / f"{name}.mp4"
    start = time.perf_counter()
    encode_video(frames, mp4, fps=fps, config=config)
    encode_s = time.perf_counter() - start
    mp4_bytes = mp4.stat().st_size
    requests = make_requests(len(frames), fps, setup.samples)

    floor = FloorDecoder(mp4)
    loaders = make_loaders(mp4, setup, floor)
    warm_up = requests[TARGET_SCENARIO][0]
    for load in loaders.values():
        load(warm_up)
    if setup.worker is not None:
        time_lerobot(setup.worker, mp4, [warm_up])

    scenarios: dict[str, Any] = {}
    lerobot_matches = lerobot_checked = 0
    shuffler = random.Random(2024)
    for scenario, scenario_requests in requests.items():
        ms, matches, checked = run_scenario(
            f"{name} {scenario}", scenario_requests, loaders, mp4, setup, shuffler
        )
        lerobot_matches += matches
        lerobot_checked += checked
        scenarios[scenario] = {key: summarize(values, setup.block) for key, values in ms.items()}
    floor.close()
    clear_decoder_cache()
    return {
        "encode_s": encode_s,
        "encode_fps": len(frames) / encode_s,
        "mp4_bytes": mp4_bytes,
        "png_bytes": setup.png_bytes,
        "size_ratio_vs_png": mp4_bytes / setup.png_bytes,
        "lerobot_frames_identical": [lerobot_matches, lerobot_checked],
        "scenarios": scenarios,
    }


def print_codec(name: str, config: RGBEncoderConfig, result: dict[str, Any], label: str) -> None:
    print(
        f"\n== {name} (pix_fmt={config.pix_fmt} g={config.g} crf={config.crf} "
        f"preset={config.effective_preset}): encode {result['encode_fps']:.1f} fps, "
        f"mp4 {result['mp4_bytes']:,} B, size ratio vs PNG {result['size_ratio_vs_png']:.4f}"
    )
    print(
        f"{'scenario':<17}{'ours ms':>8}{'PNG ms':>8}{'ours/PNG':>9}{'floor ms':>9}"
        f"{'ours/floor':>11}{label + ' ms':>12}{'ours/' + label:>13}"
    )
    for scenario, figures in result["scenarios"].items():
        ms = {key: value["median_of_block_means_ms"] for key, value in figures.items()}
        print(
            f"{scenario:<17}{ms['ours']:>8.2f}{ms['png']:>8.2f}{ms['ours'] / ms['png']:>9.2f}"
            f"{ms['floor']:>9.2f}{ms['ours'] / ms['floor']:>11.2f}"
            f"{ms['lerobot']:>12.2f}{ms['ours'] / ms['lerobot']:>13.2f}"
        )
    matched, checked = result["lerobot_frames_identical"]
    if checked:
        print(f"LeRobot frames identical to ours: {matched}/{checked} checked requests")


def print_targets(result: dict[str, Any]) -> dict[str, Any]:
    figures = result["scenarios"][TARGET_SCENARIO]
    ms = {key: value["median_of_block_means_ms"] for key, value in figures.items()}
    vs_png, vs_floor = ms["ours"] / ms["png"], ms["ours"] / ms["floor"]
    png_ok, floor_ok = vs_png <= TARGET_OURS_VS_PNG, vs_floor <= TARGET_OURS_VS_FLOOR
    print(
        f"\nTargets ({TARGET_CODEC}, {TARGET_SCENARIO}): "
        f"ours/PNG {vs_png:.2f} <= {TARGET_OURS_VS_PNG} {'PASS' if png_ok else 'MISS'}; "
        f"ours/floor {vs_floor:.2f} <= {TARGET_OURS_VS_FLOOR} {'PASS' if floor_ok else 'MISS'}"
    )
    return {"ours_vs_png": vs_png, "ours_vs_floor": vs_floor, "pass": png_ok and floor_ok}


def write_pngs(frames: UInt8Frames, workdir: Path) -> tuple[list[Path], int]:
    """The frames as PNG files (PIL, default settings); their paths and total bytes."""
    pngs = [workdir / f"frame-{i:06d}.png" for i in range(len(frames))]
    for path, frame in zip(pngs, frames, strict=True):
        Image.fromarray(frame).save(path)
    return pngs, sum(path.stat().st_size for path in pngs)


def print_header(setup: Setup, args: argparse.Namespace, python: str | None) -> tuple[str, str]:
    """Print the clip, machine, LeRobot and statistics lines; return LeRobot's label, source."""
    clip, worker = setup.clip, setup.worker
    if worker is not None:
        label = "LeRobot"
        source = (
            f"LeRobot {worker.versions['lerobot']} decode_video_frames(backend='pyav', "
            f"tolerance_s={TOLERANCE_SECONDS}) in {python} (av {worker.versions['av']})"
        )
    else:
        label = "LRre"
        source = "LeRobot algorithm (re-implemented): LeRobot not run, numpy stand-in"
    print(
        f"{clip_line(clip.path, clip.frames.shape, clip.fps)}; PNG total {setup.png_bytes:,} B. "
        f"{machine_line()}."
    )
    print(f"{label}: {source}.")
    if worker is None:
        print(lerobot_not_run_line(args))
    print(
        f"ms per request = median over {-(-args.samples // args.block)} blocks of "
        f"{args.block} requests of the block mean; {args.samples} requests per scenario "
        f"(seed 1337 per encoding); in-process loaders interleaved per request"
        f"{'' if worker is None else ' (LeRobot worker too, timed inside it)'}; "
        f"ours == floor asserted on every request."
    )
    return label, source


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_clip_argument(parser, RGB_CLIP, "'frames' and 'fps'")
    parser.add_argument("--samples", type=int, default=50, help="requests per scenario")
    parser.add_argument("--block", type=int, default=5, help="requests per statistics block")
    parser.add_argument("--codecs", nargs="+", choices=list(CODECS), default=list(CODECS))
    add_lerobot_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args(argv)
    if args.samples < 1 or args.block < 1:
        parser.error("--samples and --block must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    clip = load_rgb_clip(args.clip)
    python = lerobot_python(args)
    started = time.perf_counter()
    results: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench_rgb_") as tmp,
        stderr_log() as log,
        open_worker(python, WORKER, log) as worker,
    ):
        workdir = Path(tmp)
        pngs, png_bytes = write_pngs(clip.frames, workdir)
        setup = Setup(clip, pngs, png_bytes, workdir, args.samples, args.block, worker)
        label, source = print_header(setup, args, python)
        for name in args.codecs:
            results[name] = bench_codec(name, CODECS[name], setup)
            print_codec(name, CODECS[name], results[name], label)

    targets = print_targets(results[TARGET_CODEC]) if TARGET_CODEC in results else None
    elapsed = time.perf_counter() - started
    print(f"Total {elapsed:.1f} s.")
    report = {
        "clip": str(clip.path),
        "frames": len(clip.frames),
        "fps": clip.fps,
        "samples": args.samples,
        "block": args.block,
        "statistic": "median of block means (ms per request); mean_ms also given",
        "lerobot": source,
        "av": av.__version__,
        "codecs": results,
        "targets": targets,
        "elapsed_s": elapsed,
    }
    write_json(args.json, report)


if __name__ == "__main__":
    main()
