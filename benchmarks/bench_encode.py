"""Benchmark RGB encoding: lerobot_video.encode_video vs a floor and vs LeRobot, one run.

For each codec (LeRobot's default libsvtav1, then h264 and hevc with LeRobot's other
defaults) the bundled ALOHA clip (in memory, uint8 (N, H, W, 3)) is encoded to MP4 by:

- ours: :func:`lerobot_video.encode_video` (the whole call: option checks, encode, mux with
  ``movflags=faststart``, the probe of the written file for its ``info`` block, the atomic
  rename);
- floor: the least work the job needs, a bare PyAV loop over the same in-memory frames with
  the same encoder options (``av.open(path, "w", format="mp4")``,
  ``add_stream(codec, rate=fps, options=codec_options(config))``,
  ``VideoFrame.from_ndarray(frame, format="rgb24")``, encode, mux, flush). It gets exactly
  :func:`lerobot_video.codec_options`; ours also passes x265 ``log-level=error`` (logging
  only) and writes ``faststart``;
- LeRobot: ``lerobot.datasets.video_utils.encode_video_frames(imgs_dir, video_path, fps,
  video_encoder=RGBEncoderConfig(...))``, its non-streaming path, which reads PNG frames
  written beforehand. A LeRobot recording also writes those PNGs, so their cost is timed
  too, by LeRobot's own ``image_writer.write_image(frame, path, compress_level=1)`` (PIL,
  zlib level 1, as LeRobot does for video features), serially over the clip. LeRobot
  end-to-end = PNG write + encode. During recording LeRobot writes PNGs from background
  threads, so that part is CPU cost that may overlap with the episode rather than wait;
- LR-PyAV floor (context, not a target): the floor loop run in the worker with LeRobot's
  PyAV on the in-memory frames. LeRobot encode / LR-PyAV floor is what LeRobot's PNG input
  and wrapper cost; floor / LR-PyAV floor is what the two PyAV builds' encoders differ by.

LeRobot runs in a worker subprocess under its own interpreter (``--lerobot-python`` or
``LEROBOT_PYTHON``; ``_lerobot_encode_probe.py``) and times its own calls; the pipe round trip
is not counted. Its PyAV (and so its FFmpeg and encoder libraries) may differ from ours: the
header line prints both. Without a LeRobot interpreter only ours and the floor run.

Noise control for a small shared VM: every variant is warmed up on a few frames first, the
garbage collector is off while timing, each measurement is repeated ``--repeats`` times
(default 3) with the variants alternating (the order rotates each round) and the median is
reported. After timing, every output is decoded and must hold as many frames as the clip;
whether the decoded pixels of ours, the floor and LeRobot agree is reported.

Run: ``.venv/bin/python benchmarks/bench_encode.py [--repeats 3] [--codecs ...]
[--lerobot-python PATH] [--json out.json]`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import av
import numpy as np
from _harness import (
    BENCHMARKS,
    RGB_CLIP,
    RGBClip,
    add_clip_argument,
    add_json_argument,
    add_lerobot_arguments,
    clip_line,
    lerobot_not_run_line,
    lerobot_python,
    load_rgb_clip,
    machine_line,
    write_json,
)
from _pyav_floor import floor_encode
from _timing import timed
from _worker_client import JsonLinesWorker, open_worker, stderr_log

from lerobot_video import RGBEncoderConfig, codec_options, encode_video

WORKER = BENCHMARKS / "_lerobot_encode_probe.py"
CODECS = ("libsvtav1", "h264", "hevc")
VARIANTS = ("ours", "floor", "lerobot", "lerobot_floor")
LOCAL_VARIANTS = VARIANTS[:2]  # without a LeRobot interpreter
WARM_UP_FRAMES = 8
PNG_COMPRESS_LEVEL = 1  # LeRobot's level for the frames of video features (in the worker).


def make_config(codec: str) -> RGBEncoderConfig:
    """``RGBEncoderConfig()`` for libsvtav1 (LeRobot's default), else only ``vcodec`` set."""
    return RGBEncoderConfig() if codec == "libsvtav1" else RGBEncoderConfig(vcodec=codec)


def decoded_summary(path: Path) -> tuple[int, str]:
    """Decode the whole file; return its frame count and the SHA-1 of its rgb24 pixels."""
    digest = hashlib.sha1()
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        for frame in container.decode(stream):
            digest.update(np.ascontiguousarray(frame.to_ndarray(format="rgb24")).tobytes())
            count += 1
    return count, digest.hexdigest()


class Bench:
    """Runs the encode variants of one codec on the clip, writing into ``workdir``."""

    def __init__(
        self,
        codec: str,
        clip: RGBClip,
        workdir: Path,
        png_dir: Path,
        worker: JsonLinesWorker | None,
    ) -> None:
        self.codec, self.clip = codec, clip
        self.config = make_config(codec)
        self.options = codec_options(self.config)
        self.workdir, self.png_dir, self.worker = workdir, png_dir, worker
        self.lerobot_options: dict[str, str] = {}

    def output(self, variant: str) -> Path:
        """The MP4 file ``variant`` writes."""
        return self.workdir / f"{self.codec}_{variant}.mp4"

    def run(self, variant: str, count: int | None = None, png_dir: Path | None = None) -> float:
        """Encode the first ``count`` frames (None: all) once with ``variant``.

        Returns the seconds the encode took; the LeRobot variants are timed in the worker.
        """
        frames, fps = self.clip.frames[:count], self.clip.fps
        path = self.output(variant)
        path.unlink(missing_ok=True)
        if variant == "ours":
            return timed(encode_video, frames, path, fps=fps, config=self.config)[0]
        if variant == "floor":
            return timed(
                floor_encode,
                frames,
                path,
                fps,
                self.config.encoder,
                self.config.pix_fmt,
                self.options,
            )[0]
        if variant == "lerobot_floor":
            return self._lerobot_floor(len(frames), path)
        return self._lerobot_encode(path, self.png_dir if png_dir is None else png_dir)

    def _lerobot_floor(self, count: int, path: Path) -> float:
        assert self.worker is not None
        reply = self.worker.request(
            op="floor",
            clip=str(self.clip.path),
            count=count,
            video=str(path),
            fps=self.clip.fps,
            vcodec=self.config.encoder,
            pix_fmt=self.config.pix_fmt,
            options=self.options,
        )
        return float(reply["s"])

    def _lerobot_encode(self, path: Path, png_dir: Path) -> float:
        assert self.worker is not None
        reply = self.worker.request(
            op="encode", dir=str(png_dir), video=str(path), fps=self.clip.fps, vcodec=self.codec
        )
        self.lerobot_options = {str(k): str(v) for k, v in reply["options"].items()}
        return float(reply["s"])


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_clip_argument(parser, RGB_CLIP, "'frames' and 'fps'")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    parser.add_argument("--codecs", nargs="+", choices=CODECS, default=list(CODECS))
    add_lerobot_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    return args


@contextmanager
def fd2_into(log: IO[bytes]) -> Iterator[None]:
    """Send file descriptor 2 into ``log`` inside the block, then restore it.

    x265 prints its banner and statistics on fd 2 for the floor (the options carry no
    log-level); this keeps the terminal for the tables.
    """
    saved_stderr = os.dup(2)
    try:
        os.dup2(log.fileno(), 2)
        yield
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)


def warm_up(benches: dict[str, Bench], variants: Sequence[str], warm_dir: Path) -> None:
    """Load libraries and fill caches on a few frames; check LeRobot's options equal ours."""
    for bench in benches.values():
        for variant in variants:
            bench.run(variant, WARM_UP_FRAMES, warm_dir)
        if bench.worker is not None and bench.lerobot_options != bench.options:
            raise AssertionError(
                f"{bench.codec}: LeRobot options {bench.lerobot_options} != ours {bench.options}"
            )


def measure(
    benches: dict[str, Bench],
    variants: Sequence[str],
    worker: JsonLinesWorker | None,
    png_dir: Path,
    repeats: int,
) -> tuple[dict[str, dict[str, list[float]]], list[float], int]:
    """Every variant of every codec ``repeats`` times, the order rotating each round.

    With a worker, LeRobot's PNG write of the whole clip is timed first in each round.

    Returns:
        Seconds per codec per variant, the PNG write seconds per round, the PNG bytes.
    """
    png_write_s: list[float] = []
    png_bytes = 0
    times: dict[str, dict[str, list[float]]] = {
        codec: {variant: [] for variant in variants} for codec in benches
    }
    for repeat in range(repeats):
        if worker is not None:
            clip = next(iter(benches.values())).clip
            reply = worker.request(
                op="write_pngs", clip=str(clip.path), dir=str(png_dir), count=len(clip.frames)
            )
            png_write_s.append(float(reply["s"]))
            png_bytes = int(reply["bytes"])
        shift = repeat % len(variants)
        order = [*variants[shift:], *variants[:shift]]
        for codec, bench in benches.items():
            for variant in order:
                times[codec][variant].append(bench.run(variant))
    return times, png_write_s, png_bytes


def collect(
    benches: dict[str, Bench], variants: Sequence[str], times: dict[str, dict[str, list[float]]]
) -> dict[str, Any]:
    """Medians, and every output decoded: frame counts (must equal the clip's), digests, sizes."""
    results: dict[str, Any] = {}
    for codec, bench in benches.items():
        num = len(bench.clip.frames)
        summaries = {v: decoded_summary(bench.output(v)) for v in variants}
        counts = {v: summary[0] for v, summary in summaries.items()}
        if any(count != num for count in counts.values()):
            raise AssertionError(f"{codec}: decoded frame counts {counts} != {num}")
        results[codec] = {
            "options": bench.options,
            "frames": num,
            "median_s": {v: median(times[codec][v]) for v in variants},
            "runs_s": times[codec],
            "decoded_frames": counts,
            "decoded_sha1": {v: summary[1] for v, summary in summaries.items()},
            "mp4_bytes": {v: bench.output(v).stat().st_size for v in variants},
        }
    return results


def fmt_time(seconds: float, frames: int) -> str:
    return f"{seconds:7.3f} s {frames / seconds:6.1f} fps"


def print_table(results: dict[str, Any], png_write_s: float | None, frames: int) -> None:
    """Median times and time ratios per codec; LeRobot's columns when it ran."""
    lerobot = png_write_s is not None
    head = f"\n{'codec':<10}{'ours':>21}{'floor':>21}"
    if lerobot:
        head += f"{'LeRobot encode':>21}{'LeRobot end-to-end':>21}"
    print(
        head
        + f"{'ours/floor':>12}"
        + (f"{'ours/LR enc':>13}{'ours/LR e2e':>13}" if lerobot else "")
    )
    for codec, result in results.items():
        s = result["median_s"]
        row = f"{codec:<10}{fmt_time(s['ours'], frames):>21}{fmt_time(s['floor'], frames):>21}"
        if png_write_s is None:
            print(f"{row}{s['ours'] / s['floor']:>12.2f}")
            continue
        e2e = png_write_s + s["lerobot"]
        print(
            f"{row}{fmt_time(s['lerobot'], frames):>21}{fmt_time(e2e, frames):>21}"
            f"{s['ours'] / s['floor']:>12.2f}{s['ours'] / s['lerobot']:>13.2f}"
            f"{s['ours'] / e2e:>13.2f}"
        )
    if png_write_s is None:
        print(
            "(times: median wall seconds for the clip; ratios are time ratios, < 1 = ours faster)"
        )
        return
    print(
        "(times: median wall seconds for the clip; ratios are time ratios, < 1 = ours faster; "
        f"LeRobot end-to-end = PNG write {png_write_s:.3f} s + LeRobot encode)"
    )


def print_lerobot_split(results: dict[str, Any], versions: dict[str, Any]) -> None:
    """LeRobot's encode time against the floor run with LeRobot's own PyAV."""
    print(
        f"\nWhere LeRobot's encode time goes: its PNG input vs its PyAV build "
        f"(av {versions['av']} vs ours {av.__version__}).\n"
        f"{'codec':<10}{'LR-PyAV floor':>21}{'LR enc/LR-PyAV floor':>22}"
        f"{'floor/LR-PyAV floor':>21}"
    )
    for codec, result in results.items():
        s = result["median_s"]
        print(
            f"{codec:<10}{fmt_time(s['lerobot_floor'], result['frames']):>21}"
            f"{s['lerobot'] / s['lerobot_floor']:>22.2f}{s['floor'] / s['lerobot_floor']:>21.2f}"
        )


def print_checks(results: dict[str, Any], variants: Sequence[str]) -> None:
    """Decoded frame counts, whether the decoded pixels agree, and the MP4 sizes."""
    lerobot = "lerobot" in variants
    lr_head = f"{'ours=LR':>9}{'LR=LR-PyAV floor':>18}" if lerobot else ""
    sizes_head = "MP4 bytes ours / floor / LR" if lerobot else "MP4 bytes ours / floor"
    print(
        f"\nChecks.\n{'codec':<10}{'decoded frames':>16}{'pixels ours=floor':>19}"
        f"{lr_head}{sizes_head:>32}"
    )
    for codec, result in results.items():
        counts = "/".join(str(result["decoded_frames"][v]) for v in variants)
        sha = result["decoded_sha1"]
        sizes = " / ".join(f"{result['mp4_bytes'][v]:,}" for v in variants[:3])
        lr_cells = ""
        if lerobot:
            lr_cells = (
                f"{'yes' if sha['ours'] == sha['lerobot'] else 'no':>9}"
                f"{'yes' if sha['lerobot'] == sha['lerobot_floor'] else 'no':>18}"
            )
        print(
            f"{codec:<10}{counts:>16}{'yes' if sha['ours'] == sha['floor'] else 'no':>19}"
            f"{lr_cells}{sizes:>32}"
        )
    if not lerobot:
        print("(decoded frames: ours/floor, each must equal the clip's count)")
        return
    print(
        "(decoded frames: ours/floor/LR/LR-PyAV floor, each must equal the clip's count; "
        "pixels differ across PyAV builds when their encoder libraries differ)"
    )


def print_header(
    clip: RGBClip, args: argparse.Namespace, worker: JsonLinesWorker | None, png: dict[str, Any]
) -> None:
    """The clip, the machine, LeRobot (or why it did not run) and the statistics."""
    print(f"{clip_line(clip.path, clip.frames.shape, clip.fps)}. {machine_line()}.")
    if worker is None:
        print(lerobot_not_run_line(args))
    else:
        print(
            f"LeRobot {worker.versions['lerobot']} (av {worker.versions['av']}, Pillow "
            f"{worker.versions['pillow']}) in {lerobot_python(args)}: encode_video_frames on "
            "PNGs."
        )
        print(
            f"LeRobot PNG write (write_image, compress_level={PNG_COMPRESS_LEVEL}, serial): "
            f"{fmt_time(png['median'], len(clip.frames)).strip()}, {png['bytes']:,} B."
        )


def run_benches(
    clip: RGBClip, args: argparse.Namespace, worker: JsonLinesWorker | None, workdir: Path
) -> tuple[dict[str, Any], list[float], int]:
    """Warm up, measure and check every codec; return the results and LeRobot's PNG writes."""
    variants = VARIANTS if worker is not None else LOCAL_VARIANTS
    png_dir, warm_dir = workdir / "pngs", workdir / "warm_pngs"
    png_dir.mkdir()
    warm_dir.mkdir()
    if worker is not None:
        worker.request(
            op="write_pngs", clip=str(clip.path), dir=str(warm_dir), count=WARM_UP_FRAMES
        )
    benches = {codec: Bench(codec, clip, workdir, png_dir, worker) for codec in args.codecs}
    warm_up(benches, variants, warm_dir)
    times, png_write_s, png_bytes = measure(benches, variants, worker, png_dir, args.repeats)
    return collect(benches, variants, times), png_write_s, png_bytes


def build_report(
    clip: RGBClip,
    args: argparse.Namespace,
    worker: JsonLinesWorker | None,
    results: dict[str, Any],
    png: dict[str, Any] | None,
) -> dict[str, Any]:
    """Everything measured, for ``--json``; LeRobot's entries are ``None`` when it did not run."""
    codecs: dict[str, Any] = {}
    for codec, result in results.items():
        s = result["median_s"]
        if png is None:
            codecs[codec] = {**result, "ratios": {"ours_vs_floor": s["ours"] / s["floor"]}}
            continue
        codecs[codec] = {
            **result,
            "lerobot_end_to_end_s": png["median"] + s["lerobot"],
            "ratios": {
                "ours_vs_floor": s["ours"] / s["floor"],
                "ours_vs_lerobot_encode": s["ours"] / s["lerobot"],
                "ours_vs_lerobot_end_to_end": s["ours"] / (png["median"] + s["lerobot"]),
            },
        }
    return {
        "clip": str(clip.path),
        "frames": len(clip.frames),
        "fps": clip.fps,
        "repeats": args.repeats,
        "statistic": "median wall seconds over repeats, variants alternating",
        "av": av.__version__,
        "cpus": os.cpu_count(),
        "lerobot": None if worker is None else {**worker.versions, "python": lerobot_python(args)},
        "png_write_s": png,
        "codecs": codecs,
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1: errors only, no banner.
    clip = load_rgb_clip(args.clip)
    python = lerobot_python(args)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="bench_enc_") as tmp,
        stderr_log() as log,
        open_worker(python, WORKER, log) as worker,
        fd2_into(log),
    ):
        results, png_write_s, png_bytes = run_benches(clip, args, worker, Path(tmp))

    png: dict[str, Any] | None = None
    if worker is not None:
        png = {"median": median(png_write_s), "runs": png_write_s, "bytes": png_bytes}
    elapsed = time.perf_counter() - started
    print_header(clip, args, worker, png or {})
    print(
        f"Median of {args.repeats} runs per figure, variants alternating; encoder options "
        + ("identical to LeRobot's (checked): " if worker is not None else "")
        + "; ".join(f"{c} {results[c]['options']}" for c in results)
    )
    print_table(results, None if png is None else png["median"], len(clip.frames))
    if worker is not None:
        print_lerobot_split(results, worker.versions)
    print_checks(results, VARIANTS if worker is not None else LOCAL_VARIANTS)
    print(f"Total {elapsed:.1f} s.")
    write_json(args.json, {**build_report(clip, args, worker, results, png), "elapsed_s": elapsed})


if __name__ == "__main__":
    main()
