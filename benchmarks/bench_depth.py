"""Benchmark depth encodings: size, encode and decode speed vs a floor and vs LeRobot.

For each depth encoding (LeRobot's default lossless 12-bit grey HEVC, faster x265 presets,
a long GOP, FFV1 and a lossy HEVC) the bundled ALOHA depth clip (float32 metres) goes
through :func:`lerobot_video.encode_depth_video` (quantize + encode) and back through
:func:`lerobot_video.decode_depth_codes` (every frame, decoder cache cleared first, so the
file is opened and indexed inside the timing, as LeRobot opens it per call). Reported: the
stream's size against raw uint16 frames (N*H*W*2 bytes), encode and decode frame rates,
whether the decoded 12-bit codes equal the quantized ones (asserted for lossless
encodings), and whether encoding keeps up with a 30 fps depth camera.

Floors, in the same run:

- encode: a bare PyAV loop over codes quantized *before* the timing, ``gray12le`` frames
  from ``VideoFrame.from_ndarray``, the same encoder options
  (:func:`lerobot_video.codec_options` plus x265 ``log-level=error``, as the library passes),
  plain MP4 (no faststart rewrite, no probe, no atomic rename);
- decode: a bare PyAV sequential decode of the same file, ``to_ndarray(format="gray12le")``
  per frame, stacked; one decoder thread, as the library's decoder uses.

LeRobot (``--lerobot-python``, a worker subprocess, ``_lerobot_depth_probe.py``): its default
non-streaming depth path, float32 metre frames written as raw TIFF (PIL mode ``F``) by
``image_writer.write_image`` (timed separately), then ``encode_video_frames(...,
video_encoder=DepthEncoderConfig())``; its read path ``decode_video_frames(...,
backend="pyav", is_depth=True)`` for every frame plus ``dequantize_depth`` (mm, torch, as
its dataset reader). Its decoded codes are checked against ours.

Noise control for a small shared VM: encoders and decoders are loaded by an untimed warm-up
(the LeRobot worker warms up too); ours and the floor alternate which goes first; each encode
figure is the fastest of ``--encode-repeats`` runs (noise only ever adds time) and each decode
figure the median of ``--repeats`` interleaved runs after an untimed one; the garbage
collector is off while timing. LeRobot's figures are taken the same way, right after the
default encoding's.

Run: ``.venv/bin/python benchmarks/bench_depth.py [--frames 100] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
# Run from a checkout: prefer its package (a stale editable install can shadow it otherwise).
sys.path.insert(0, str(REPO))

from lerobot_video import (  # noqa: E402
    DEPTH_ONLY_CODECS,
    DepthEncoderConfig,
    DepthQuantization,
    clear_decoder_cache,
    codec_options,
    decode_depth_codes,
    dequantize_depth,
    encode_depth_video,
    quantize_depth,
)

DEFAULT_CLIP = REPO / "assets" / "aloha_sim_depth_ep0.npz"
FALLBACK_CLIP = Path("/work/shared/data/aloha_sim_depth_ep0.npz")
DEFAULT_LEROBOT_PYTHON = Path("/work/lerobot_env/bin/python")
WORKER = Path(__file__).with_name("_lerobot_depth_probe.py")
TOLERANCE_S = 1e-4  # LeRobotDataset's default.
CAMERA_FPS = 30
DEFAULT_NAME = "default"

ENCODINGS: dict[str, DepthEncoderConfig] = {
    DEFAULT_NAME: DepthEncoderConfig(),
    "ultrafast": DepthEncoderConfig(preset="ultrafast"),
    "superfast": DepthEncoderConfig(preset="superfast"),
    "veryfast": DepthEncoderConfig(preset="veryfast"),
    "fast": DepthEncoderConfig(preset="fast"),
    "ultrafast g30": DepthEncoderConfig(preset="ultrafast", g=30),
    "ffv1": DepthEncoderConfig(vcodec="ffv1", extra_options={}, crf=None),
    "crf20 lossy": DepthEncoderConfig(extra_options={}, crf=20),
}

Codes = npt.NDArray[np.uint16]
DEPTH_ONLY_NAMES = {
    name for name, config in ENCODINGS.items() if config.vcodec in DEPTH_ONLY_CODECS
}


def is_lossless(config: DepthEncoderConfig) -> bool:
    """FFV1 always; x265 when its parameters ask for ``lossless=1``."""
    return config.vcodec == "ffv1" or "lossless=1" in str(
        config.extra_options.get("x265-params", "")
    )


def describe(config: DepthEncoderConfig) -> str:
    """The encoder settings that matter here, in one short string."""
    if config.vcodec == "ffv1":
        return f"ffv1 g={config.g}"
    preset = config.preset or "medium"
    mode = "lossless" if is_lossless(config) else f"crf={config.crf}"
    return f"x265 {mode} {preset} g={config.g}"


def encoder_options(config: DepthEncoderConfig) -> dict[str, str]:
    """``codec_options(config)`` with x265 kept quiet, exactly as the library passes them."""
    options = codec_options(config)
    if config.encoder in ("hevc", "libx265"):
        params = options.get("x265-params", "")
        options["x265-params"] = f"{params}:log-level=error" if params else "log-level=error"
    return options


def floor_encode(codes: Codes, path: Path, fps: int, config: DepthEncoderConfig) -> None:
    """Encode pre-quantized codes with a bare PyAV loop."""
    options = encoder_options(config)
    with av.open(str(path), mode="w", format="mp4") as out:
        stream = cast("av.VideoStream", out.add_stream(config.encoder, rate=fps, options=options))
        stream.width, stream.height = codes.shape[2], codes.shape[1]
        stream.pix_fmt = config.pix_fmt
        stream.time_base = Fraction(1, fps)
        for index, frame_codes in enumerate(codes):
            frame = av.VideoFrame.from_ndarray(frame_codes, format="gray12le")
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def floor_decode(path: Path) -> Codes:
    """Decode every frame with a bare PyAV loop, as 16-bit words."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "NONE"  # as lerobot_video's decoder
        frames = [frame.to_ndarray(format="gray12le") for frame in container.decode(stream)]
    return cast(Codes, np.stack(frames))


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call takes, garbage collector off; and its result."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = call()
        return time.perf_counter() - start, result
    finally:
        gc.enable()


def digest(codes: Codes) -> str:
    return hashlib.sha1(np.ascontiguousarray(codes).tobytes()).hexdigest()


def quantization_of(config: DepthEncoderConfig) -> DepthQuantization:
    return DepthQuantization(
        depth_min=config.depth_min,
        depth_max=config.depth_max,
        shift=config.shift,
        use_log=config.use_log,
    )


def quantize_frames(depth: npt.NDArray[np.float32], quantization: DepthQuantization) -> Codes:
    """Codes for every frame, one frame at a time as :func:`encode_depth_video` goes."""
    return np.stack([quantize_depth(frame, quantization) for frame in depth])


def warm_up(depth: npt.NDArray[np.float32], fps: int, workdir: Path) -> None:
    """Load the encoders and decoders once, untimed, so the first encoding pays no start-up."""
    path = workdir / "warm-up.mp4"
    for config in (DepthEncoderConfig(), DepthEncoderConfig(vcodec="ffv1", extra_options={})):
        encode_depth_video(depth[:3], path, fps=fps, config=config)
        floor_encode(quantize_depth(depth[:3]), path, fps, config)
        decode_depth_codes(path, [0.0], tolerance_s=TOLERANCE_S)
        floor_decode(path)
    clear_decoder_cache()
    path.unlink()


def bench_encoding(
    position: int,
    name: str,
    config: DepthEncoderConfig,
    depth: npt.NDArray[np.float32],
    codes: Codes,
    fps: int,
    workdir: Path,
    encode_repeats: int,
    repeats: int,
) -> tuple[dict[str, Any], Codes]:
    quantization = quantization_of(config)
    ours_path = workdir / f"ours-{position}.mp4"
    floor_path = workdir / f"floor-{position}.mp4"
    encodes: dict[str, Callable[[], Any]] = {
        "ours": lambda: encode_depth_video(depth, ours_path, fps=fps, config=config),
        "floor": lambda: floor_encode(codes, floor_path, fps, config),
    }
    order = ["ours", "floor"] if position % 2 == 0 else ["floor", "ours"]
    encode_runs: dict[str, list[float]] = {"ours": [], "floor": []}
    for repeat in range(encode_repeats):
        for key in order if repeat % 2 == 0 else order[::-1]:
            encode_runs[key].append(timed(encodes[key])[0])
    encode_s = {key: min(runs) for key, runs in encode_runs.items()}

    timestamps = [i / fps for i in range(len(depth))]

    def ours_decode() -> Codes:
        clear_decoder_cache()  # cold: open + index inside the timing, as LeRobot per call
        return decode_depth_codes(ours_path, timestamps, tolerance_s=TOLERANCE_S)

    decodes: dict[str, Callable[[], Codes]] = {
        "ours": ours_decode,
        "floor": lambda: floor_decode(ours_path),
    }
    decode_runs: dict[str, list[float]] = {"ours": [], "floor": [], "dequantize": []}
    decoded: dict[str, Codes] = {}
    for repeat in range(-1, repeats):  # round -1: untimed warm-up (page cache, allocator)
        for key in order if repeat % 2 == 0 else order[::-1]:
            seconds, decoded[key] = timed(decodes[key])
            if repeat >= 0:
                decode_runs[key].append(seconds)
    for _ in range(repeats):  # apart: its 123 MB of float32 would perturb the decodes
        seconds, _ = timed(lambda: dequantize_depth(decoded["ours"], quantization))
        decode_runs["dequantize"].append(seconds)
    clear_decoder_cache()

    if not np.array_equal(decoded["ours"], decoded["floor"]):
        raise AssertionError(f"{name}: decode_depth_codes differs from a bare PyAV decode")
    exact = bool(np.array_equal(decoded["ours"], codes))
    max_code_error = int(np.abs(decoded["ours"].astype(np.int32) - codes).max())
    if is_lossless(config) and not exact:
        raise AssertionError(f"{name}: lossless but codes differ by up to {max_code_error}")
    frames = len(depth)
    stream_bytes = ours_path.stat().st_size
    decode_med = {key: statistics.median(runs) for key, runs in decode_runs.items()}
    result = {
        "settings": describe(config),
        "codec_options": codec_options(config),
        "lossless": is_lossless(config),
        "stream_bytes": stream_bytes,
        "floor_stream_bytes": floor_path.stat().st_size,
        "size_pct_of_raw": 100.0 * stream_bytes / (codes.size * 2),
        "encode_runs_s": encode_runs,
        "encode_s": encode_s,
        "encode_fps": frames / encode_s["ours"],
        "encode_floor_fps": frames / encode_s["floor"],
        "encode_ours_vs_floor_time": encode_s["ours"] / encode_s["floor"],
        "decode_runs_s": decode_runs,
        "decode_fps": frames / decode_med["ours"],
        "decode_floor_fps": frames / decode_med["floor"],
        "decode_ours_vs_floor_time": decode_med["ours"] / decode_med["floor"],
        "dequantize_s": decode_med["dequantize"],
        "codes_exact": exact,
        "max_code_error": max_code_error,
        "sustains_30fps": frames / encode_s["ours"] >= CAMERA_FPS,
    }
    return result, decoded["ours"]


def run_lerobot(
    python: str,
    depth: npt.NDArray[np.float32],
    fps: int,
    workdir: Path,
    ours_path: Path,
    encode_repeats: int,
    repeats: int,
) -> dict[str, Any]:
    """Run the LeRobot worker once; return its JSON reply."""
    lerobot_dir = workdir / "lerobot"
    lerobot_dir.mkdir()
    depth_npy = lerobot_dir / "depth.npy"
    np.save(depth_npy, depth)
    job = {
        "depth_npy": str(depth_npy),
        "fps": fps,
        "workdir": str(lerobot_dir),
        "encode_repeats": encode_repeats,
        "repeats": repeats,
        "ours_path": str(ours_path),
    }
    with tempfile.TemporaryFile() as log:
        proc = subprocess.run(
            [python, str(WORKER), json.dumps(job)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            check=False,
        )
        if proc.returncode != 0 or not proc.stdout.strip():
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-4000:])
            raise RuntimeError(f"LeRobot worker failed with code {proc.returncode}")
    reply: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return reply


def summarize_lerobot(
    reply: dict[str, Any], frames: int, ours: dict[str, Any], ours_codes: Codes
) -> dict[str, Any]:
    reply = {
        **reply,
        "tiff_write_s": min(reply["tiff_write_runs_s"]),
        "encode_s": min(reply["encode_runs_s"]),
    }
    decode_s = statistics.median(reply["decode_s"])
    dequantize_s = statistics.median(reply["dequantize_s"])
    ours_decode_s = statistics.median(ours["decode_runs_s"]["ours"])
    ours_digest = digest(ours_codes)
    return {
        **reply,
        "tiff_write_fps": frames / reply["tiff_write_s"],
        "encode_fps": frames / reply["encode_s"],
        "record_fps": frames / (reply["tiff_write_s"] + reply["encode_s"]),
        "decode_fps": frames / decode_s,
        "decode_dequantize_fps": frames / (decode_s + dequantize_s),
        "ours_vs_lerobot_encode_fps": ours["encode_fps"] / (frames / reply["encode_s"]),
        "ours_vs_lerobot_record_fps": ours["encode_fps"]
        / (frames / (reply["tiff_write_s"] + reply["encode_s"])),
        "ours_vs_lerobot_decode_fps": ours["decode_fps"] / (frames / decode_s),
        "ours_vs_lerobot_decode_dequantize_fps": (frames / (ours_decode_s + ours["dequantize_s"]))
        / (frames / (decode_s + dequantize_s)),
        "ours_decode_dequantize_fps": frames / (ours_decode_s + ours["dequantize_s"]),
        "codes_equal_ours": reply["digest_own"] == ours_digest,
        "reads_our_file": reply["digest_ours_file"] == ours_digest,
    }


def print_table(results: dict[str, dict[str, Any]]) -> None:
    print(
        f"{'encoding':<14}{'settings':<28}{'size%':>7}{'enc fps':>8}{'/floor':>7}"
        f"{'dec fps':>8}{'/floor':>7}{'exact':>6}{'30fps':>6}"
    )
    for name, r in results.items():
        print(
            f"{name:<14}{r['settings']:<28}{r['size_pct_of_raw']:>7.2f}{r['encode_fps']:>8.1f}"
            f"{r['encode_ours_vs_floor_time']:>7.2f}{r['decode_fps']:>8.1f}"
            f"{r['decode_ours_vs_floor_time']:>7.2f}{'yes' if r['codes_exact'] else 'no':>6}"
            f"{'yes' if r['sustains_30fps'] else 'no':>6}"
        )


def print_lerobot(lr: dict[str, Any], ours: dict[str, Any]) -> None:
    print(
        f"LeRobot {lr['lerobot']} (av {lr['av']}, torch {lr['torch']}), default config "
        f"({describe(DepthEncoderConfig())}):"
    )
    print(
        f"  TIFF write {lr['tiff_write_s']:.2f} s ({lr['tiff_write_fps']:.0f} fps, "
        f"{lr['tiff_bytes']:,} B); encode_video_frames {lr['encode_s']:.2f} s = "
        f"{lr['encode_fps']:.1f} fps ({lr['record_fps']:.1f} fps with TIFF); "
        f"mp4 {lr['mp4_bytes']:,} B vs ours {ours['stream_bytes']:,} B"
    )
    print(
        f"  ours/LeRobot encode fps x{lr['ours_vs_lerobot_encode_fps']:.2f} "
        f"(x{lr['ours_vs_lerobot_record_fps']:.2f} with its TIFF write)"
    )
    print(
        f"  decode all frames {lr['decode_fps']:.1f} fps, + dequantize_depth "
        f"{lr['decode_dequantize_fps']:.1f} fps; ours {ours['decode_fps']:.1f} / "
        f"{lr['ours_decode_dequantize_fps']:.1f} fps: ours/LeRobot fps "
        f"x{lr['ours_vs_lerobot_decode_fps']:.2f} / "
        f"x{lr['ours_vs_lerobot_decode_dequantize_fps']:.2f}"
    )
    print(
        f"  LeRobot's decoded codes {lr['codes_shape']} {lr['codes_dtype']} equal ours: "
        f"{'yes' if lr['codes_equal_ours'] else 'NO'}; LeRobot reads our file identically: "
        f"{'yes' if lr['reads_our_file'] else 'NO'}"
    )


def conclusion(results: dict[str, dict[str, Any]]) -> str:
    """The smallest lossless, LeRobot-readable encoding that keeps up with a 30 fps camera."""
    default = results.get(DEFAULT_NAME)

    def size_cost(name: str) -> str:
        if name == DEFAULT_NAME or default is None:
            return ""
        return f", {results[name]['stream_bytes'] / default['stream_bytes']:.2f}x default's size"

    def figures(name: str) -> str:
        r = results[name]
        return f"{r['encode_fps']:.0f} fps, {r['size_pct_of_raw']:.2f}% of raw{size_cost(name)}"

    # FFV1 is left out: LeRobot 0.6.1 cannot read an FFV1 depth stream back.
    readable = [n for n, r in results.items() if r["lossless"] and n not in DEPTH_ONLY_NAMES]
    if not readable:
        return "No lossless LeRobot-readable encoding was measured."
    fastest = max(readable, key=lambda name: results[name]["encode_fps"])
    fast_enough = [name for name in readable if results[name]["sustains_30fps"]]
    if not fast_enough:
        return (
            f"No lossless LeRobot-readable option sustains a {CAMERA_FPS} fps depth camera "
            f"here; the fastest is {fastest} ({figures(fastest)})."
        )
    best = min(fast_enough, key=lambda name: results[name]["stream_bytes"])
    return (
        f"For a {CAMERA_FPS} fps depth camera use {best} ({results[best]['settings']}): "
        f"{figures(best)}; fastest "
        f"lossless LeRobot-readable: {fastest} ({figures(fastest)}); FFV1 not considered "
        f"(LeRobot 0.6.1 cannot read it)."
    )


def resolve_clip(clip: Path | None) -> Path:
    if clip is not None:
        return clip
    return DEFAULT_CLIP if DEFAULT_CLIP.exists() else FALLBACK_CLIP


def resolve_lerobot_python(arg: str | None) -> str | None:
    if arg is not None:
        return arg or None  # An empty string turns LeRobot off.
    from_env = os.environ.get("LEROBOT_PYTHON")
    if from_env is not None:
        return from_env or None
    return str(DEFAULT_LEROBOT_PYTHON) if DEFAULT_LEROBOT_PYTHON.exists() else None


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--clip", type=Path, default=None, help=f"npz with 'depth' (default {DEFAULT_CLIP})"
    )
    parser.add_argument("--frames", type=int, default=100, help="frames of the clip to use")
    parser.add_argument(
        "--encode-repeats", type=int, default=2, help="encodes per encoder (fastest kept)"
    )
    parser.add_argument("--repeats", type=int, default=7, help="decodes per decoder (median)")
    parser.add_argument("--encodings", nargs="+", choices=list(ENCODINGS), default=list(ENCODINGS))
    parser.add_argument(
        "--lerobot-python",
        default=None,
        help="interpreter with lerobot installed (default: $LEROBOT_PYTHON, else "
        f"{DEFAULT_LEROBOT_PYTHON} if present); '' skips LeRobot",
    )
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")
    args = parser.parse_args(argv)
    if min(args.frames, args.encode_repeats, args.repeats) < 1:
        parser.error("--frames, --encode-repeats and --repeats must be >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    clip = resolve_clip(args.clip)
    with np.load(clip, allow_pickle=False) as data:
        depth = np.ascontiguousarray(data["depth"][: args.frames], dtype=np.float32)
        fps = int(data["fps"])
    lerobot_python = resolve_lerobot_python(args.lerobot_python)
    frames, height, width = depth.shape
    started = time.perf_counter()
    # The floors' input, quantized frame by frame (as encode_depth_video does) before timing.
    codes: dict[DepthQuantization, Codes] = {}
    for name in args.encodings:
        quantization = quantization_of(ENCODINGS[name])
        if quantization not in codes:
            codes[quantization] = quantize_frames(depth, quantization)
    quantize_s, _ = timed(lambda: quantize_frames(depth, DepthQuantization()))
    quantize_ms = 1000.0 * quantize_s / frames
    print(
        f"Clip {clip.name}: {frames} frames {width}x{height} float32 m @ {fps} fps; raw uint16 "
        f"{frames * height * width * 2:,} B. Python {platform.python_version()}, "
        f"av {av.__version__}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; "
        f"quantize_depth {quantize_ms:.1f} ms/frame."
    )
    print(
        "size% = stream / raw uint16; enc fps = encode_depth_video (quantize+encode), fastest "
        f"of {args.encode_repeats}; /floor = ours/floor time (PyAV loop on pre-quantized codes); "
        f"dec fps = decode_depth_codes of all frames (cold cache), median of {args.repeats}; "
        f"/floor = ours/bare PyAV decode time; exact = codes bit-exact; 30fps = enc fps >= "
        f"{CAMERA_FPS}."
    )

    results: dict[str, dict[str, Any]] = {}
    lerobot: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="bench_depth_") as tmp:
        workdir = Path(tmp)
        warm_up(depth, fps, workdir)
        for position, name in enumerate(args.encodings):
            config = ENCODINGS[name]
            results[name], decoded = bench_encoding(
                position,
                name,
                config,
                depth,
                codes[quantization_of(config)],
                fps,
                workdir,
                args.encode_repeats,
                args.repeats,
            )
            if name == DEFAULT_NAME and lerobot_python:
                reply = run_lerobot(
                    lerobot_python,
                    depth,
                    fps,
                    workdir,
                    workdir / f"ours-{position}.mp4",
                    args.encode_repeats,
                    args.repeats,
                )
                lerobot = summarize_lerobot(reply, frames, results[name], decoded)
    print_table(results)
    if lerobot is not None:
        print_lerobot(lerobot, results[DEFAULT_NAME])
    elif lerobot_python is None:
        print(
            "LeRobot: not run (turned off, or no interpreter with lerobot; see --lerobot-python)."
        )
    else:
        print(f"LeRobot: not run ({DEFAULT_NAME!r} is not among --encodings).")
    print(conclusion(results))
    elapsed = time.perf_counter() - started
    print(f"Total {elapsed:.1f} s; 1-minute load average at the end {os.getloadavg()[0]:.2f}.")
    if args.json is not None:
        report = {
            "clip": str(clip),
            "frames": frames,
            "height": height,
            "width": width,
            "fps": fps,
            "raw_bytes": frames * height * width * 2,
            "encode_repeats": args.encode_repeats,
            "repeats": args.repeats,
            "quantize_ms_per_frame": quantize_ms,
            "av": av.__version__,
            "encodings": results,
            "lerobot": lerobot,
            "conclusion": conclusion(results),
            "elapsed_s": elapsed,
            "load_at_end": os.getloadavg()[0],
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
