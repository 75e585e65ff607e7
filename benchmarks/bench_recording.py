"""Benchmark recording: streaming encode speed, save_episode time, cameras sustained at 30 fps.

All on the bundled 480x640 ALOHA clip (cycled), LeRobot's default RGB encoder (libsvtav1,
preset 12, crf 30, g 2), in one run, against a floor and against LeRobot 0.6.1 (a worker
under its own interpreter, ``--lerobot-python`` or ``LEROBOT_PYTHON``,
``benchmarks/_lerobot_recording_probe.py``; not run without one):

1. **Sustained streaming fps**: ``--frames`` frames handed to ``add_frame`` as fast as the
   writer takes them (streaming encoding, back-pressure), then ``save_episode``; fps = frames
   / (first ``add_frame`` to ``save_episode`` returning). Floor: a bare PyAV loop encoding
   the same in-memory frames with the same options into one MP4 (open, from_ndarray,
   encode, mux, flush), the least work the job needs. LeRobot: its streaming encoder
   (``streaming_encoding=True``) timed the same way. Printed: ours/floor and LeRobot/floor
   (fps ratios, higher is better; target >= 0.95).
2. **save_episode after a 100-frame episode** recorded at 30 Hz (frames paced as a camera
   would deliver them), streaming and staged. Floor: the bare loop's flush (``encode(None)``
   and closing the file) after the same paced 100 frames: what must happen after the last
   frame. LeRobot: the same for its streaming and default (PNG) paths.
3. **Cameras at 480x640@30 fps**: K cameras recorded for ``--seconds`` on a fixed 30 Hz grid
   (each tick: one frame per camera into ``add_frame``); a tick is late when its
   ``add_frame`` returned after the next tick was due, skipped when the loop had to jump
   over it. K grows until a run has a late or skipped tick, a missing video frame, or
   (ours) an encoder queue still holding more than 3 frames at the end (a deficit hiding
   in the queue). LeRobot's late/skipped ticks after its first second are printed too (its
   encoders start on the first frame and stall the first second). Floor:
   the bare loop's encode fps / 30 (cameras one core pair could encode if nothing else ran).
   LeRobot: the same loop through its streaming path.

Timing runs one variant at a time with the garbage collector off; run on a quiet machine
(``uptime`` load < 1.5), the ratios move with anything else running.

Run: ``.venv/bin/python benchmarks/bench_recording.py [--frames 300] [--seconds 5]
[--repeats 3] [--max-cameras 5] [--lerobot-python PATH | --no-lerobot] [--json out.json]``
(see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
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
    add_json_argument,
    add_lerobot_arguments,
    lerobot_not_run_line,
    lerobot_python,
    load_rgb_clip,
    machine_line,
    write_json,
)
from _timing import gc_paused
from _worker_client import JsonLinesWorker, open_worker, stderr_log

from lerobot_video import (
    RGBEncoderConfig,
    codec_options,
    create_dataset,
    open_dataset,
    probe_video,
)
from lerobot_video.codec._pyav import keep_thread_scheduling

PROBE = BENCHMARKS / "_lerobot_recording_probe.py"
FPS = 30
CAMERA = "observation.images.top"

Frames = npt.NDArray[np.uint8]


def _features(cameras: int, shape: tuple[int, ...]) -> dict[str, dict[str, Any]]:
    return {
        f"{CAMERA}{k or ''}": {"dtype": "video", "shape": shape, "names": None}
        for k in range(cameras)
    }


def _paced(count: int, rate_hz: float | None) -> Any:
    """Yield 0..count-1, at ``rate_hz`` on a fixed grid when given."""
    start = time.perf_counter()
    for i in range(count):
        if rate_hz:
            delay = start + i / rate_hz - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        yield i


def bare_loop(
    frames: Frames, count: int, folder: Path, rate_hz: float | None = None
) -> tuple[float, float]:
    """The floor: encode ``count`` frames with bare PyAV; return (total s, flush s)."""
    config = RGBEncoderConfig()
    path = folder / "floor.mp4"
    start = time.perf_counter()
    with av.open(str(path), "w", format="mp4") as out:
        stream = cast("av.VideoStream", out.add_stream(config.encoder, rate=FPS))
        stream.options = dict(codec_options(config))
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt, stream.time_base = config.pix_fmt, Fraction(1, FPS)
        for i in _paced(count, rate_hz):
            video_frame = av.VideoFrame.from_ndarray(frames[i % len(frames)], format="rgb24")
            video_frame.pts = i
            if i == 0:  # same scheduling as ours: SVT-AV1 as root turns its threads real-time
                with keep_thread_scheduling():
                    out.mux(stream.encode(video_frame))
            else:
                out.mux(stream.encode(video_frame))
        flush_start = time.perf_counter()
        out.mux(stream.encode(None))
    end = time.perf_counter()
    assert probe_video(path).num_frames == count
    return end - start, end - flush_start


def ours_streaming(
    frames: Frames,
    count: int,
    folder: Path,
    *,
    streaming: bool = True,
    rate_hz: float | None = None,
) -> tuple[float, float]:
    """Record ``count`` frames as one episode; return (total s, save_episode s)."""
    root = folder / f"ours-{time.monotonic_ns()}"
    writer = create_dataset(
        root, fps=FPS, features=_features(1, frames.shape[1:]), streaming_encoding=streaming
    )
    start = time.perf_counter()
    writer.prepare_episode()  # opens the encoder, as the floor's av.open/add_stream does
    for i in _paced(count, rate_hz):
        writer.add_frame({CAMERA: frames[i % len(frames)], "task": "bench"})
    save_start = time.perf_counter()
    writer.save_episode()
    end = time.perf_counter()
    writer.finalize()
    assert probe_video(open_dataset(root).video_path(CAMERA, 0)).num_frames == count
    shutil.rmtree(root)
    return end - start, end - save_start


MAX_END_BACKLOG = 3
"""Frames an encoder may still have queued when the run ends: a queue that is not growing
holds 0-1; a deficit would otherwise hide in the queue (30 frames) during a short run."""


def _tick_loop(
    writer: Any, frames: Frames, keys: Sequence[str], ticks: int
) -> tuple[int, list[int], list[int], float]:
    """Offer ``ticks`` ticks on a fixed 30 Hz grid; skip the ticks already past.

    Returns:
        Ticks offered, late and skipped ticks per second of the grid, and the loop's seconds.
    """
    period = 1 / FPS
    late_by_second = [0] * -(-ticks // FPS)
    skipped_by_second = [0] * -(-ticks // FPS)
    offered = 0
    start = time.perf_counter()
    tick = 0
    while tick < ticks:
        due = start + tick * period
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        frame: dict[str, Any] = {
            key: frames[(tick + 7 * k) % len(frames)] for k, key in enumerate(keys)
        }
        frame["task"] = "bench"
        writer.add_frame(frame)
        offered += 1
        done = time.perf_counter()
        late_by_second[tick // FPS] += done > due + period
        tick += 1
        behind = int((done - (start + tick * period)) // period)
        for passed in range(tick, min(tick + max(behind, 0), ticks)):
            skipped_by_second[passed // FPS] += 1
        tick += max(behind, 0)
    return offered, late_by_second, skipped_by_second, time.perf_counter() - start


def ours_cameras(frames: Frames, cameras: int, seconds: float, folder: Path) -> dict[str, Any]:
    """K cameras on a fixed 30 Hz grid for ``seconds``; late/skipped ticks and frames kept."""
    root = folder / f"cams-{cameras}"
    features = _features(cameras, frames.shape[1:])
    writer = create_dataset(root, fps=FPS, features=features)
    writer.prepare_episode()  # as Recorder.start_episode does, before the first tick
    ticks = int(seconds * FPS)
    offered, late_by_second, skipped_by_second, elapsed = _tick_loop(
        writer, frames, list(features), ticks
    )
    backlog = max(s.queued for s in writer.recording_stats().encoders.values())
    save_start = time.perf_counter()
    writer.save_episode()
    save_s = time.perf_counter() - save_start
    writer.finalize()
    reader = open_dataset(root)
    in_video = [probe_video(reader.video_path(key, 0)).num_frames for key in features]
    shutil.rmtree(root)
    late, skipped = sum(late_by_second), sum(skipped_by_second)
    return {
        "cameras": cameras,
        "ticks": ticks,
        "offered": offered,
        "late": late,
        "skipped": skipped,
        "late_by_second": late_by_second,
        "skipped_by_second": skipped_by_second,
        "end_backlog": backlog,
        "hz": offered / max(elapsed, seconds),
        "frames_in_video": in_video,
        "save_s": save_s,
        "ok": late == 0
        and skipped == 0
        and backlog <= MAX_END_BACKLOG
        and all(n == offered for n in in_video),
    }


def _timed(fn: Callable[[], Any]) -> Any:
    """``fn()`` with the garbage collector off (each variant times itself inside)."""
    with gc_paused():
        return fn()


@dataclass(frozen=True, slots=True)
class Run:
    """What every section shares: the clip, the settings, the worker, a scratch folder."""

    frames: Frames
    args: argparse.Namespace
    worker: JsonLinesWorker | None
    folder: Path

    def ask(self, op: str, **message: Any) -> dict[str, Any]:
        """One request to the LeRobot worker, on the bundled clip, in the scratch folder."""
        assert self.worker is not None
        return self.worker.request(op=op, clip=str(RGB_CLIP), tmp_dir=str(self.folder), **message)


def sustained_fps(run: Run, results: dict[str, Any]) -> float:
    """Section 1: variants alternate in a shuffled order each round; medians. The floor fps."""
    frames, count, repeats = run.frames, run.args.frames, run.args.repeats
    runs: dict[str, list[float]] = {"floor": [], "ours": [], "lerobot": []}
    lerobot_reply: dict[str, Any] = {}

    def lerobot_fps() -> float:
        lerobot_reply.update(run.ask("streaming_fps", frames=count))
        return float(lerobot_reply["fps"])

    variants: dict[str, Callable[[], float]] = {
        "floor": lambda: count / bare_loop(frames, count, run.folder)[0],
        "ours": lambda: count / ours_streaming(frames, count, run.folder)[0],
    }
    if run.worker is not None:
        variants["lerobot"] = lerobot_fps
    order = random.Random(0)
    for _ in range(repeats):
        names = list(variants)
        order.shuffle(names)
        for name in names:
            runs[name].append(_timed(variants[name]))
    floor_fps, ours_fps = statistics.median(runs["floor"]), statistics.median(runs["ours"])
    print(f"\n1. streaming encode, {count} frames as fast as accepted")
    print(f"   (fps, median of {repeats} alternating runs; ratio to the floor)")
    print(f"   floor (bare PyAV loop)   {floor_fps:7.1f}")
    print(f"   ours                     {ours_fps:7.1f}   ours/floor {ours_fps / floor_fps:.2f}")
    results["sustained"] = {"runs": runs}
    if run.worker is not None:
        lr_fps = statistics.median(runs["lerobot"])
        missing = sum(lerobot_reply["frames_missing"].values())
        print(
            f"   LeRobot streaming        {lr_fps:7.1f}   LeRobot/floor "
            f"{lr_fps / floor_fps:.2f}   ours/LeRobot {ours_fps / lr_fps:.2f}"
            f"   (frames missing from its video: {missing})"
        )
        results["sustained"]["lerobot"] = lerobot_reply
    return floor_fps


def save_times(run: Run, results: dict[str, Any]) -> None:
    """Section 2: save_episode after 100 frames at 30 Hz."""
    frames, folder = run.frames, run.folder
    print("\n2. save_episode after a 100-frame episode recorded at 30 Hz (s)")
    flush_s = _timed(lambda: bare_loop(frames, 100, folder, rate_hz=FPS))[1]
    streamed = _timed(lambda: ours_streaming(frames, 100, folder, rate_hz=FPS))[1]
    staged = _timed(lambda: ours_streaming(frames, 100, folder, streaming=False, rate_hz=FPS))[1]
    print(f"   floor (encoder flush)    {flush_s:6.3f}")
    print(f"   ours streaming           {streamed:6.3f}   /floor {streamed / flush_s:.2f}")
    print(f"   ours staged              {staged:6.3f}")
    results["save"] = {"floor_s": flush_s, "streaming_s": streamed, "staged_s": staged}
    if run.worker is not None:
        reply = run.ask("save_episode_time", frames=100)
        lr_stream = reply["streaming"]["save_episode_s"]
        lr_png = reply["non_streaming"]["save_episode_s"]
        print(
            f"   LeRobot streaming        {lr_stream:6.3f}   ours/LeRobot "
            f"{streamed / lr_stream:.2f}"
        )
        print(
            f"   LeRobot default (PNG)    {lr_png:6.3f}   ours staged/LeRobot {staged / lr_png:.2f}"
        )
        results["save"]["lerobot"] = reply


def lerobot_cameras(run: Run, cameras: int) -> tuple[dict[str, Any], bool]:
    """LeRobot's camera loop with ``cameras`` cameras, printed; its reply and whether it held."""
    reply = run.ask("camera_loop", cameras=cameras, seconds=run.args.seconds)
    held = (
        reply["late_ticks"] == 0
        and reply["skipped_ticks"] == 0
        and not any(reply["frames_missing"].values())
    )
    print(
        f"   LeRobot K={cameras}: {reply['achieved_hz']:5.1f} Hz, late "
        f"{reply['late_ticks']}, skipped {reply['skipped_ticks']} (after the first "
        f"second: {sum(reply['late_by_second'][1:])} late, "
        f"{sum(reply['skipped_by_second'][1:])} skipped), frames missing from its "
        f"videos {sum(reply['frames_missing'].values())}"
    )
    return reply, held


def cameras_sustained(run: Run, results: dict[str, Any], floor_fps: float) -> None:
    """Section 3: K grows until neither ours nor LeRobot holds K cameras at 30 Hz."""
    seconds = run.args.seconds
    print(f"\n3. 480x640 cameras at {FPS} Hz for {seconds:g} s (no late/skipped/missing)")
    print(f"   floor: bare encode {floor_fps:.0f} fps / {FPS} = {floor_fps / FPS:.1f} cameras")
    results["cameras"] = {"floor_cameras": floor_fps / FPS, "ours": [], "lerobot": []}
    best = {"ours": 0, "lerobot": 0}
    for cameras in range(1, run.args.max_cameras + 1):
        ours: dict[str, Any] = _timed(
            lambda k=cameras: ours_cameras(run.frames, k, seconds, run.folder)  # type: ignore[misc]
        )
        results["cameras"]["ours"].append(ours)
        print(
            f"   ours    K={cameras}: {ours['hz']:5.1f} Hz, late {ours['late']}, skipped "
            f"{ours['skipped']}, queued at the end {ours['end_backlog']}, video frames "
            f"{ours['frames_in_video']} of {ours['offered']}"
        )
        if ours["ok"] and best["ours"] == cameras - 1:
            best["ours"] = cameras
        if run.worker is not None and cameras <= best["lerobot"] + 1:
            reply, held = lerobot_cameras(run, cameras)
            results["cameras"]["lerobot"].append(reply)
            if held and best["lerobot"] == cameras - 1:
                best["lerobot"] = cameras
        if best["ours"] < cameras and (run.worker is None or best["lerobot"] < cameras):
            break
    print(f"   sustained: ours {best['ours']} camera(s)", end="")
    if run.worker is not None:
        print(f", LeRobot {best['lerobot']} camera(s)", end="")
    print(f"; floor {floor_fps / FPS:.1f}")
    results["cameras"]["best"] = best


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--frames", type=int, default=300, help="frames for section 1")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per camera run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per variant in section 1")
    parser.add_argument("--max-cameras", type=int, default=5, help="most cameras tried")
    add_lerobot_arguments(parser)
    add_json_argument(parser)
    return parser.parse_args(argv)


def print_header(frames: Frames, args: argparse.Namespace, worker: JsonLinesWorker | None) -> None:
    """The clip, the machine, and LeRobot (or why it did not run)."""
    print(f"clip {RGB_CLIP.name} {frames.shape[1]}x{frames.shape[2]}, libsvtav1 defaults")
    print(f"{machine_line()}.")
    if worker is None:
        print(lerobot_not_run_line(args))
    else:
        versions = worker.versions
        print(
            f"LeRobot {versions['lerobot']} (av {versions['av']}, torch {versions['torch']}) "
            f"in {lerobot_python(args)}."
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    frames = load_rgb_clip().frames
    results: dict[str, Any] = {"frames": args.frames, "shape": list(frames.shape[1:])}
    with (
        tempfile.TemporaryDirectory(prefix="bench-recording-") as tmp,
        stderr_log() as log,
        open_worker(lerobot_python(args), PROBE, log) as worker,
    ):
        if worker is not None:
            results["lerobot_versions"] = worker.versions
        run = Run(frames, args, worker, Path(tmp))
        print_header(frames, args, worker)
        bare_loop(frames, 8, run.folder)  # warm-up: first encoder open pays library loading
        ours_streaming(frames, 8, run.folder)
        if worker is not None:
            run.ask("streaming_fps", frames=8)
        floor_fps = sustained_fps(run, results)
        save_times(run, results)
        cameras_sustained(run, results, floor_fps)
    write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
