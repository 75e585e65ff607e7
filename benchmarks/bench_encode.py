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

LeRobot runs in a worker subprocess under its own interpreter (``--lerobot-python``; this
file re-run with ``--lerobot-worker``) and times its own calls; the pipe round trip is not
counted. Its PyAV (and so its FFmpeg and encoder libraries) may differ from ours: the
header line prints both.

Noise control for a small shared VM: every variant is warmed up on a few frames first, the
garbage collector is off while timing, each measurement is repeated ``--repeats`` times
(default 3) with the variants alternating (the order rotates each round) and the median is
reported. After timing, every output is decoded and must hold as many frames as the clip;
whether the decoded pixels of ours, the floor and LeRobot agree is reported.

Run: ``.venv/bin/python benchmarks/bench_encode.py [--repeats 3] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import av
import numpy as np
import numpy.typing as npt
from _worker_client import JsonLinesWorker  # a sibling file of this script

REPO = Path(__file__).resolve().parents[1]
# Run from a checkout: prefer its package (a stale editable install can shadow it otherwise).
sys.path.insert(0, str(REPO))

# lerobot_video is imported inside the functions that use it: the LeRobot worker runs this
# file under LeRobot's interpreter, which lacks lerobot_video's dependencies (scikit-image).
if TYPE_CHECKING:
    from lerobot_video import RGBEncoderConfig

DEFAULT_CLIP = REPO / "assets" / "aloha_sim_rgb_ep0.npz"
FALLBACK_CLIP = Path("/work/shared/data/aloha_sim_rgb_ep0.npz")
DEFAULT_LEROBOT_PYTHON = Path("/work/lerobot_env/bin/python")
CODECS = ("libsvtav1", "h264", "hevc")
VARIANTS = ("ours", "floor", "lerobot", "lerobot_floor")
WARM_UP_FRAMES = 8
PNG_COMPRESS_LEVEL = 1  # LeRobot's level for the frames of video features.

UInt8Frames = npt.NDArray[np.uint8]


def make_config(codec: str) -> RGBEncoderConfig:
    """``RGBEncoderConfig()`` for libsvtav1 (LeRobot's default), else only ``vcodec`` set."""
    from lerobot_video import RGBEncoderConfig

    return RGBEncoderConfig() if codec == "libsvtav1" else RGBEncoderConfig(vcodec=codec)


def floor_encode(
    frames: UInt8Frames, path: Path, fps: int, codec: str, pix_fmt: str, options: dict[str, str]
) -> None:
    """The bare PyAV encode loop: the least work turning the frames into an MP4 needs."""
    with av.open(str(path), mode="w", format="mp4") as out:
        stream = cast("av.VideoStream", out.add_stream(codec, rate=fps, options=options))
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = pix_fmt
        for index, frame in enumerate(frames):
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = index
            out.mux(stream.encode(video_frame))
        out.mux(stream.encode(None))


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


def timed(call: Any, *args: Any, **kwargs: Any) -> float:
    """Run ``call`` once with the garbage collector off; return its wall time in seconds."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        call(*args, **kwargs)
        return time.perf_counter() - start
    finally:
        gc.enable()


# ---------------------------------------------------------------------------------------
# LeRobot worker (runs under LeRobot's interpreter)


def _send(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def lerobot_worker() -> None:
    """Serve JSON-line requests timing LeRobot's PNG writer and ``encode_video_frames``.

    Requests: ``{"op": "write_pngs", "clip": npz, "dir": folder, "count": n}`` writes the
    clip's first ``n`` frames as ``frame-000000.png``… with LeRobot's ``write_image`` at
    compress level 1 and replies ``{"s": seconds, "bytes": total}``; ``{"op": "encode",
    "dir": folder, "video": mp4, "fps": fps, "vcodec": codec}`` calls ``encode_video_frames``
    with ``RGBEncoderConfig()`` (libsvtav1) or ``RGBEncoderConfig(vcodec=codec)`` and replies
    ``{"s": seconds, "options": codec options}``; ``{"op": "floor", "clip", "count", "video",
    "fps", "vcodec", "pix_fmt", "options"}`` times :func:`floor_encode` of the clip's first
    ``n`` frames with this interpreter's PyAV and replies ``{"s": seconds}``; ``{"quit":
    true}`` stops. The first line
    written gives the versions. Library chatter goes to stderr.
    """
    protocol_out = sys.stdout
    sys.stdout = sys.stderr
    if str(REPO) in sys.path:
        sys.path.remove(str(REPO))

    import lerobot
    import PIL
    from lerobot.configs.video import RGBEncoderConfig as LeRobotRGBConfig
    from lerobot.datasets.image_writer import write_image
    from lerobot.datasets.video_utils import encode_video_frames

    _send(
        protocol_out,
        {
            "lerobot": getattr(lerobot, "__version__", "?"),
            "av": av.__version__,
            "pillow": PIL.__version__,
        },
    )
    clips: dict[str, UInt8Frames] = {}

    def load(clip: str, count: int) -> UInt8Frames:
        if clip not in clips:
            with np.load(clip, allow_pickle=False) as data:
                clips[clip] = np.ascontiguousarray(data["frames"])
        return clips[clip][:count]

    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("quit"):
            break
        folder = Path(message.get("dir", "."))
        if message["op"] == "write_pngs":
            frames = load(message["clip"], message["count"])
            paths = [folder / f"frame-{i:06d}.png" for i in range(len(frames))]
            for path in paths:
                path.unlink(missing_ok=True)

            def write_all(frames: UInt8Frames = frames, paths: list[Path] = paths) -> None:
                for frame, path in zip(frames, paths, strict=True):
                    write_image(frame, path, compress_level=PNG_COMPRESS_LEVEL)

            seconds = timed(write_all)
            if not all(path.is_file() for path in paths):  # write_image only logs errors.
                raise RuntimeError(f"LeRobot's write_image failed in {folder}")
            size = sum(path.stat().st_size for path in paths)
            _send(protocol_out, {"s": seconds, "bytes": size})
        elif message["op"] == "encode":
            vcodec, video = message["vcodec"], Path(message["video"])
            config = LeRobotRGBConfig() if vcodec == "libsvtav1" else LeRobotRGBConfig(vcodec)
            video.unlink(missing_ok=True)
            seconds = timed(
                encode_video_frames, folder, video, int(message["fps"]), video_encoder=config
            )
            options = config.get_codec_options(None, as_strings=True)
            _send(protocol_out, {"s": seconds, "options": options})
        elif message["op"] == "floor":
            frames, video = load(message["clip"], message["count"]), Path(message["video"])
            video.unlink(missing_ok=True)
            seconds = timed(
                floor_encode,
                frames,
                video,
                int(message["fps"]),
                message["vcodec"],
                message["pix_fmt"],
                message["options"],
            )
            _send(protocol_out, {"s": seconds})
        else:
            raise ValueError(f"unknown request {message!r}")


def start_lerobot_worker(python: str, stderr: IO[bytes]) -> JsonLinesWorker:
    """This script re-run as :func:`lerobot_worker` under LeRobot's interpreter."""
    return JsonLinesWorker([python, str(Path(__file__).resolve()), "--lerobot-worker"], stderr)


# ---------------------------------------------------------------------------------------
# The benchmark (runs under this repo's interpreter)


class Bench:
    """Runs the encode variants of one codec on the clip, writing into ``workdir``."""

    def __init__(
        self,
        codec: str,
        clip: Path,
        frames: UInt8Frames,
        fps: int,
        workdir: Path,
        png_dir: Path,
        worker: JsonLinesWorker,
    ) -> None:
        from lerobot_video import codec_options

        self.codec, self.clip, self.frames, self.fps = codec, clip, frames, fps
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
        from lerobot_video import encode_video

        frames = self.frames[:count]
        path = self.output(variant)
        path.unlink(missing_ok=True)
        if variant == "ours":
            return timed(encode_video, frames, path, fps=self.fps, config=self.config)
        if variant == "floor":
            return timed(
                floor_encode,
                frames,
                path,
                self.fps,
                self.config.encoder,
                self.config.pix_fmt,
                self.options,
            )
        if variant == "lerobot_floor":
            reply = self.worker.request(
                op="floor",
                clip=str(self.clip),
                count=len(frames),
                video=str(path),
                fps=self.fps,
                vcodec=self.config.encoder,
                pix_fmt=self.config.pix_fmt,
                options=self.options,
            )
            return float(reply["s"])
        reply = self.worker.request(
            op="encode",
            dir=str(self.png_dir if png_dir is None else png_dir),
            video=str(path),
            fps=self.fps,
            vcodec=self.codec,
        )
        self.lerobot_options = {str(k): str(v) for k, v in reply["options"].items()}
        return float(reply["s"])


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def resolve_clip(clip: Path | None) -> Path:
    if clip is not None:
        return clip
    return DEFAULT_CLIP if DEFAULT_CLIP.exists() else FALLBACK_CLIP


def resolve_lerobot_python(arg: str | None) -> str:
    python = arg or os.environ.get("LEROBOT_PYTHON") or str(DEFAULT_LEROBOT_PYTHON)
    if not Path(python).exists():
        raise SystemExit(f"LeRobot interpreter {python} not found; pass --lerobot-python.")
    return python


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--clip", type=Path, default=None, help=f"npz clip (default {DEFAULT_CLIP})"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    parser.add_argument("--codecs", nargs="+", choices=CODECS, default=list(CODECS))
    parser.add_argument(
        "--lerobot-python",
        default=None,
        help="interpreter with lerobot installed (default: $LEROBOT_PYTHON, else "
        f"{DEFAULT_LEROBOT_PYTHON})",
    )
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")
    parser.add_argument("--lerobot-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    return args


def fmt_time(seconds: float, frames: int) -> str:
    return f"{seconds:7.3f} s {frames / seconds:6.1f} fps"


def print_table(results: dict[str, Any], png_write_s: float, frames: int) -> None:
    print(
        f"\n{'codec':<10}{'ours':>21}{'floor':>21}{'LeRobot encode':>21}"
        f"{'LeRobot end-to-end':>21}{'ours/floor':>12}{'ours/LR enc':>13}{'ours/LR e2e':>13}"
    )
    for codec, result in results.items():
        s = result["median_s"]
        e2e = png_write_s + s["lerobot"]
        print(
            f"{codec:<10}{fmt_time(s['ours'], frames):>21}{fmt_time(s['floor'], frames):>21}"
            f"{fmt_time(s['lerobot'], frames):>21}{fmt_time(e2e, frames):>21}"
            f"{s['ours'] / s['floor']:>12.2f}{s['ours'] / s['lerobot']:>13.2f}"
            f"{s['ours'] / e2e:>13.2f}"
        )
    print(
        "(times: median wall seconds for the clip; ratios are time ratios, < 1 = ours faster; "
        f"LeRobot end-to-end = PNG write {png_write_s:.3f} s + LeRobot encode)"
    )


def print_checks(results: dict[str, Any], versions: dict[str, Any]) -> None:
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
    print(
        f"\nChecks.\n{'codec':<10}{'decoded frames':>16}{'pixels ours=floor':>19}"
        f"{'ours=LR':>9}{'LR=LR-PyAV floor':>18}{'MP4 bytes ours / floor / LR':>32}"
    )
    for codec, result in results.items():
        counts = "/".join(str(result["decoded_frames"][v]) for v in VARIANTS)
        sha = result["decoded_sha1"]
        sizes = " / ".join(f"{result['mp4_bytes'][v]:,}" for v in VARIANTS[:3])
        print(
            f"{codec:<10}{counts:>16}{'yes' if sha['ours'] == sha['floor'] else 'no':>19}"
            f"{'yes' if sha['ours'] == sha['lerobot'] else 'no':>9}"
            f"{'yes' if sha['lerobot'] == sha['lerobot_floor'] else 'no':>18}{sizes:>32}"
        )
    print(
        "(decoded frames: ours/floor/LR/LR-PyAV floor, each must equal the clip's count; "
        "pixels differ across PyAV builds when their encoder libraries differ)"
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    if args.lerobot_worker:
        lerobot_worker()
        return
    os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1: errors only, no banner.
    clip = resolve_clip(args.clip)
    with np.load(clip, allow_pickle=False) as data:
        frames: UInt8Frames = np.ascontiguousarray(data["frames"])
        fps = int(data["fps"])
    num = len(frames)
    lerobot_python = resolve_lerobot_python(args.lerobot_python)
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="bench_enc_") as tmp, tempfile.TemporaryFile() as log:
        workdir = Path(tmp)
        png_dir, warm_dir = workdir / "pngs", workdir / "warm_pngs"
        png_dir.mkdir()
        warm_dir.mkdir()
        worker = start_lerobot_worker(lerobot_python, log)
        saved_stderr = os.dup(2)
        try:
            # x265 prints its banner and statistics on fd 2 for the floor (the options carry
            # no log-level); keep the terminal for the tables.
            os.dup2(log.fileno(), 2)
            worker.request(op="write_pngs", clip=str(clip), dir=str(warm_dir), count=WARM_UP_FRAMES)
            benches = {
                codec: Bench(codec, clip, frames, fps, workdir, png_dir, worker)
                for codec in args.codecs
            }
            for bench in benches.values():  # Warm-up: load libraries, fill caches.
                for variant in VARIANTS:
                    bench.run(variant, WARM_UP_FRAMES, warm_dir)
                if bench.lerobot_options != bench.options:
                    raise AssertionError(
                        f"{bench.codec}: LeRobot options {bench.lerobot_options} != ours "
                        f"{bench.options}"
                    )

            png_write_s: list[float] = []
            png_bytes = 0
            times: dict[str, dict[str, list[float]]] = {
                codec: {variant: [] for variant in VARIANTS} for codec in benches
            }
            for repeat in range(args.repeats):
                reply = worker.request(op="write_pngs", clip=str(clip), dir=str(png_dir), count=num)
                png_write_s.append(float(reply["s"]))
                png_bytes = int(reply["bytes"])
                shift = repeat % len(VARIANTS)
                order = VARIANTS[shift:] + VARIANTS[:shift]
                for codec, bench in benches.items():
                    for variant in order:
                        times[codec][variant].append(bench.run(variant))

            results: dict[str, Any] = {}
            for codec, bench in benches.items():
                summaries = {v: decoded_summary(bench.output(v)) for v in VARIANTS}
                counts = {v: summary[0] for v, summary in summaries.items()}
                if any(count != num for count in counts.values()):
                    raise AssertionError(f"{codec}: decoded frame counts {counts} != {num}")
                results[codec] = {
                    "options": bench.options,
                    "frames": num,
                    "median_s": {v: median(times[codec][v]) for v in VARIANTS},
                    "runs_s": times[codec],
                    "decoded_frames": counts,
                    "decoded_sha1": {v: summary[1] for v, summary in summaries.items()},
                    "mp4_bytes": {v: bench.output(v).stat().st_size for v in VARIANTS},
                }
        except Exception:
            os.dup2(saved_stderr, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
            worker.close()

    png_median = median(png_write_s)
    elapsed = time.perf_counter() - started
    print(
        f"Clip {clip.name}: {num} frames {frames.shape[2]}x{frames.shape[1]} @ {fps} fps. "
        f"Python {platform.python_version()}, av {av.__version__}, {os.cpu_count()} CPUs."
    )
    print(
        f"LeRobot {worker.versions['lerobot']} (av {worker.versions['av']}, Pillow "
        f"{worker.versions['pillow']}) in {lerobot_python}: encode_video_frames on PNGs."
    )
    print(
        f"LeRobot PNG write (write_image, compress_level={PNG_COMPRESS_LEVEL}, serial): "
        f"{fmt_time(png_median, num).strip()}, {png_bytes:,} B."
    )
    print(
        f"Median of {args.repeats} runs per figure, variants alternating; encoder options "
        "identical to LeRobot's (checked): "
        + "; ".join(f"{c} {results[c]['options']}" for c in results)
    )
    print_table(results, png_median, num)
    print_checks(results, worker.versions)
    print(f"Total {elapsed:.1f} s.")
    if args.json is not None:
        report = {
            "clip": str(clip),
            "frames": num,
            "fps": fps,
            "repeats": args.repeats,
            "statistic": "median wall seconds over repeats, variants alternating",
            "av": av.__version__,
            "cpus": os.cpu_count(),
            "lerobot": {**worker.versions, "python": lerobot_python},
            "png_write_s": {"median": png_median, "runs": png_write_s, "bytes": png_bytes},
            "codecs": {
                codec: {
                    **result,
                    "lerobot_end_to_end_s": png_median + result["median_s"]["lerobot"],
                    "ratios": {
                        "ours_vs_floor": result["median_s"]["ours"] / result["median_s"]["floor"],
                        "ours_vs_lerobot_encode": result["median_s"]["ours"]
                        / result["median_s"]["lerobot"],
                        "ours_vs_lerobot_end_to_end": result["median_s"]["ours"]
                        / (png_median + result["median_s"]["lerobot"]),
                    },
                }
                for codec, result in results.items()
            },
            "elapsed_s": elapsed,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
