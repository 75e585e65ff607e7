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

LeRobot (``--lerobot-python`` or ``LEROBOT_PYTHON``, a worker subprocess,
``_lerobot_depth_probe.py``; not run without one): its default
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

Run: ``.venv/bin/python benchmarks/bench_depth.py [--frames 100] [--encodings ...]
[--lerobot-python PATH] [--json out.json]`` (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import os
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
    DEPTH_CLIP,
    TOLERANCE_SECONDS,
    DepthClip,
    add_clip_argument,
    add_json_argument,
    add_lerobot_arguments,
    array_sha1,
    clip_line,
    lerobot_not_run_line,
    lerobot_python,
    load_depth_clip,
    machine_line,
    write_json,
)
from _timing import timed
from _worker_client import open_worker, stderr_log

from lerobot_video import (
    DEPTH_ONLY_CODECS,
    DepthEncoderConfig,
    DepthQuantization,
    clear_decoder_cache,
    codec_options,
    decode_depth_codes,
    dequantize_depth,
    encode_depth_video,
    is_lossless,
    quantize_depth,
)

WORKER = BENCHMARKS / "_lerobot_depth_probe.py"
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


def quantize_frames(depth: npt.NDArray[np.float32], quantization: DepthQuantization) -> Codes:
    """Codes for every frame, one frame at a time as :func:`encode_depth_video` goes."""
    return np.stack([quantize_depth(frame, quantization) for frame in depth])


def warm_up(depth: npt.NDArray[np.float32], fps: int, workdir: Path) -> None:
    """Load the encoders and decoders once, untimed, so the first encoding pays no start-up."""
    path = workdir / "warm-up.mp4"
    for config in (DepthEncoderConfig(), DepthEncoderConfig(vcodec="ffv1", extra_options={})):
        encode_depth_video(depth[:3], path, fps=fps, config=config)
        floor_encode(quantize_depth(depth[:3]), path, fps, config)
        decode_depth_codes(path, [0.0], tolerance_seconds=TOLERANCE_SECONDS)
        floor_decode(path)
    clear_decoder_cache()
    path.unlink()


@dataclass(frozen=True, slots=True)
class Files:
    """The MP4 files one encoding writes: ours and the floor's."""

    ours: Path
    floor: Path


def time_encodes(
    position: int,
    config: DepthEncoderConfig,
    clip: DepthClip,
    codes: Codes,
    files: Files,
    encode_repeats: int,
) -> dict[str, list[float]]:
    """Seconds of every encode run, ours and the floor alternating which goes first."""
    depth, fps = clip.depth, clip.fps
    encodes: dict[str, Callable[[], Any]] = {
        "ours": lambda: encode_depth_video(depth, files.ours, fps=fps, config=config),
        "floor": lambda: floor_encode(codes, files.floor, fps, config),
    }
    order = ["ours", "floor"] if position % 2 == 0 else ["floor", "ours"]
    encode_runs: dict[str, list[float]] = {"ours": [], "floor": []}
    for repeat in range(encode_repeats):
        for key in order if repeat % 2 == 0 else order[::-1]:
            encode_runs[key].append(timed(encodes[key])[0])
    return encode_runs


def time_decodes(
    position: int,
    quantization: DepthQuantization,
    clip: DepthClip,
    path: Path,
    repeats: int,
) -> tuple[dict[str, list[float]], dict[str, Codes]]:
    """Seconds of every decode run (ours cold, the floor) and of dequantize; the codes."""
    timestamps = [i / clip.fps for i in range(len(clip.depth))]

    def ours_decode() -> Codes:
        clear_decoder_cache()  # cold: open + index inside the timing, as LeRobot per call
        return decode_depth_codes(path, timestamps, tolerance_seconds=TOLERANCE_SECONDS)

    decodes: dict[str, Callable[[], Codes]] = {
        "ours": ours_decode,
        "floor": lambda: floor_decode(path),
    }
    order = ["ours", "floor"] if position % 2 == 0 else ["floor", "ours"]
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
    return decode_runs, decoded


def check_codes(
    name: str, config: DepthEncoderConfig, decoded: dict[str, Codes], codes: Codes
) -> tuple[bool, int]:
    """Ours must equal the floor's decode, and the quantized codes when lossless.

    Returns:
        Whether our decoded codes equal the quantized ones, and the largest code error.
    """
    if not np.array_equal(decoded["ours"], decoded["floor"]):
        raise AssertionError(f"{name}: decode_depth_codes differs from a bare PyAV decode")
    exact = bool(np.array_equal(decoded["ours"], codes))
    max_code_error = int(np.abs(decoded["ours"].astype(np.int32) - codes).max())
    if is_lossless(config) and not exact:
        raise AssertionError(f"{name}: lossless but codes differ by up to {max_code_error}")
    return exact, max_code_error


def bench_encoding(
    position: int,
    name: str,
    config: DepthEncoderConfig,
    clip: DepthClip,
    codes: Codes,
    workdir: Path,
    encode_repeats: int,
    repeats: int,
) -> tuple[dict[str, Any], Codes]:
    """Time one encoding's encodes and decodes, ours against the floors; check the codes."""
    files = Files(workdir / f"ours-{position}.mp4", workdir / f"floor-{position}.mp4")
    encode_runs = time_encodes(position, config, clip, codes, files, encode_repeats)
    encode_s = {key: min(runs) for key, runs in encode_runs.items()}
    decode_runs, decoded = time_decodes(position, config.quantization, clip, files.ours, repeats)
    exact, max_code_error = check_codes(name, config, decoded, codes)
    frames = len(clip.depth)
    stream_bytes = files.ours.stat().st_size
    decode_med = {key: statistics.median(runs) for key, runs in decode_runs.items()}
    result = {
        "settings": describe(config),
        "codec_options": codec_options(config),
        "lossless": is_lossless(config),
        "stream_bytes": stream_bytes,
        "floor_stream_bytes": files.floor.stat().st_size,
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
    clip: DepthClip,
    workdir: Path,
    ours_path: Path,
    encode_repeats: int,
    repeats: int,
) -> dict[str, Any]:
    """Run the LeRobot worker's one job; return its versions and reply."""
    lerobot_dir = workdir / "lerobot"
    lerobot_dir.mkdir()
    depth_npy = lerobot_dir / "depth.npy"
    np.save(depth_npy, clip.depth)
    # env={}: the worker keeps this process's environment (torch's default OpenMP policy
    # for its timed dequantize_depth), as this benchmark has always run it.
    with stderr_log() as log, open_worker(python, WORKER, log, env={}) as worker:
        assert worker is not None
        reply = worker.request(
            op="record_and_read",
            depth_npy=str(depth_npy),
            fps=clip.fps,
            workdir=str(lerobot_dir),
            encode_repeats=encode_repeats,
            repeats=repeats,
            ours_path=str(ours_path),
        )
    del reply["op"]
    return {**worker.versions, **reply}


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
    ours_digest = array_sha1(ours_codes)
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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_clip_argument(parser, DEPTH_CLIP, "'depth' and 'fps'")
    parser.add_argument("--frames", type=int, default=100, help="frames of the clip to use")
    parser.add_argument(
        "--encode-repeats", type=int, default=2, help="encodes per encoder (fastest kept)"
    )
    parser.add_argument("--repeats", type=int, default=7, help="decodes per decoder (median)")
    parser.add_argument("--encodings", nargs="+", choices=list(ENCODINGS), default=list(ENCODINGS))
    add_lerobot_arguments(parser)
    add_json_argument(parser)
    args = parser.parse_args(argv)
    if min(args.frames, args.encode_repeats, args.repeats) < 1:
        parser.error("--frames, --encode-repeats and --repeats must be >= 1")
    return args


def quantize_all(clip: DepthClip, encodings: Sequence[str]) -> dict[DepthQuantization, Codes]:
    """The floors' input, quantized frame by frame (as encode_depth_video does), untimed."""
    codes: dict[DepthQuantization, Codes] = {}
    for name in encodings:
        quantization = ENCODINGS[name].quantization
        if quantization not in codes:
            codes[quantization] = quantize_frames(clip.depth, quantization)
    return codes


def print_header(clip: DepthClip, args: argparse.Namespace, quantize_ms: float) -> None:
    """The clip, the machine, and what each column means."""
    frames, height, width = clip.depth.shape
    print(
        f"{clip_line(clip.path, clip.depth.shape, clip.fps, ' float32 m')}; raw uint16 "
        f"{frames * height * width * 2:,} B. {machine_line(load=True)}; "
        f"quantize_depth {quantize_ms:.1f} ms/frame."
    )
    print(
        "size% = stream / raw uint16; enc fps = encode_depth_video (quantize+encode), fastest "
        f"of {args.encode_repeats}; /floor = ours/floor time (PyAV loop on pre-quantized codes); "
        f"dec fps = decode_depth_codes of all frames (cold cache), median of {args.repeats}; "
        f"/floor = ours/bare PyAV decode time; exact = codes bit-exact; 30fps = enc fps >= "
        f"{CAMERA_FPS}."
    )


def run_all(
    clip: DepthClip, args: argparse.Namespace, python: str | None
) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
    """Every encoding of ``--encodings``; LeRobot right after the default one."""
    codes = quantize_all(clip, args.encodings)
    results: dict[str, dict[str, Any]] = {}
    lerobot: dict[str, Any] | None = None
    with tempfile.TemporaryDirectory(prefix="bench_depth_") as tmp:
        workdir = Path(tmp)
        warm_up(clip.depth, clip.fps, workdir)
        for position, name in enumerate(args.encodings):
            config = ENCODINGS[name]
            results[name], decoded = bench_encoding(
                position,
                name,
                config,
                clip,
                codes[config.quantization],
                workdir,
                args.encode_repeats,
                args.repeats,
            )
            if name == DEFAULT_NAME and python:
                ours_path = workdir / f"ours-{position}.mp4"
                reply = run_lerobot(
                    python, clip, workdir, ours_path, args.encode_repeats, args.repeats
                )
                lerobot = summarize_lerobot(reply, len(clip.depth), results[name], decoded)
    return results, lerobot


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    clip = load_depth_clip(args.clip, args.frames)
    python = lerobot_python(args)
    started = time.perf_counter()
    quantize_s, _ = timed(lambda: quantize_frames(clip.depth, DepthQuantization()))
    quantize_ms = 1000.0 * quantize_s / len(clip.depth)
    print_header(clip, args, quantize_ms)
    results, lerobot = run_all(clip, args, python)
    print_table(results)
    if lerobot is not None:
        print_lerobot(lerobot, results[DEFAULT_NAME])
    elif python is None:
        print(lerobot_not_run_line(args))
    else:
        print(f"LeRobot: not run ({DEFAULT_NAME!r} is not among --encodings).")
    print(conclusion(results))
    elapsed = time.perf_counter() - started
    print(f"Total {elapsed:.1f} s; 1-minute load average at the end {os.getloadavg()[0]:.2f}.")
    frames, height, width = clip.depth.shape
    report = {
        "clip": str(clip.path),
        "frames": frames,
        "height": height,
        "width": width,
        "fps": clip.fps,
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
    write_json(args.json, report)


if __name__ == "__main__":
    main()
