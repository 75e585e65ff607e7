"""Subprocess worker for recording benchmarks: time LeRobot's own recording path.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv), with
``OMP_WAIT_POLICY=PASSIVE`` (:class:`_worker_client.JsonLinesWorker` sets it). Every request
records into a fresh ``LeRobotDataset.create(...)`` under a new folder inside the request's
``tmp_dir`` (removed afterwards unless ``"keep": true``), fed from the clip at ``clip``
(an ``.npz`` whose ``frames`` is uint8 (N, H, W, 3), e.g. ``assets/aloha_sim_rgb_ep0.npz``),
at 30 fps, with LeRobot's default RGB encoder (``rgb_encoder=None``: libsvtav1 defaults)
and, as ``lerobot-record`` does, ``image_writer_threads = 4 x cameras``.

Protocol (JSON lines, like ``_lerobot_probe.py``): on start the worker writes
``{"lerobot", "av", "torch", "python", "encoder": {"vcodec", "pix_fmt", "options"}}``; then
one reply per request line; ``{"quit": true}`` or end of input stops it. Every reply has
``"op"``; a failed request replies ``{"op": ..., "error": "Type: message"}`` (traceback on
stderr) and the worker keeps serving. Library chatter goes to stderr. Requests (optional
keys with their defaults):

- ``{"op": "streaming_fps", "clip", "tmp_dir", "frames": 300, "encoder_queue_maxsize": 30}``:
  ``streaming_encoding=True``, one camera ``observation.images.top``; ``add_frame`` the
  clip cycled to ``frames`` frames as fast as possible, then ``save_episode()``.
- ``{"op": "save_episode_time", "clip", "tmp_dir", "frames": 100, "pace_hz": 30.0}``: one
  episode per mode, streaming then non-streaming (one camera); ``add_frame`` paced at
  ``pace_hz`` (0: as fast as possible), then ``save_episode()`` at once.
- ``{"op": "camera_loop", "clip", "tmp_dir", "cameras": 1, "seconds": 5.0,
  "encoder_queue_maxsize": 30, "streaming": true}``: ``cameras`` cameras at 30 Hz on a
  fixed deadline grid (see :func:`camera_loop`), then ``save_episode()``.

Each saved episode is checked afterwards, outside the timings: every camera's MP4 is decoded
with PyAV and its frames counted (``frames_in_video``; ``frames_missing`` = frames added
minus that), next to LeRobot's own drop counter (``dropped_reported``, read from the private
``StreamingVideoEncoder._dropped_frames``; ``null`` when absent or not streaming).

SVT-AV1 opened as root switches threads to SCHED_FIFO priority 99, which can starve a small
machine. After every LeRobot call that may open or run an encoder (each ``add_frame``, each
``save_episode``) every thread of the process is put back on SCHED_OTHER; that guard's cost
is inside the timings and reported as ``sched_guard`` ``{"threads_reset", "seconds"}``.

``python _lerobot_recording_probe.py --selftest`` (or ``--full``) starts this file as a
worker under the same interpreter, sends each request once with small (or full) sizes and
prints the replies.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

FPS = 30
TASK = "recording probe"
CAMERA_NAMES = ("top", "left_wrist", "right_wrist", "low")
IMAGE_WRITER_THREADS_PER_CAMERA = 4  # lerobot-record's num_image_writer_threads_per_camera
CAMERA_OFFSET = 33  # frames between the clip positions two cameras show at one tick

Reply = dict[str, Any]


# ---------------------------------------------------------------------------------------
# Helpers


class SchedulingGuard:
    """Put every thread of this process back on SCHED_OTHER; count what it did."""

    def __init__(self) -> None:
        self.threads_reset = 0
        self.seconds = 0.0

    def __call__(self) -> None:
        """Reset any thread not on SCHED_OTHER (SVT-AV1's SCHED_FIFO); failures ignored."""
        start = time.perf_counter()
        try:
            tids = os.listdir("/proc/self/task")
        except OSError:
            tids = []
        for name in tids:
            try:
                tid = int(name)
                if os.sched_getscheduler(tid) != os.SCHED_OTHER:
                    os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
                    self.threads_reset += 1
            except (OSError, ValueError):
                pass  # the thread ended meanwhile, or the call is not allowed
        self.seconds += time.perf_counter() - start

    def report(self) -> dict[str, float]:
        """``{"threads_reset": n, "seconds": s}`` so far."""
        return {"threads_reset": self.threads_reset, "seconds": round(self.seconds, 6)}


_CLIPS: dict[str, Any] = {}


def load_clip(path: str) -> Any:
    """The clip's ``frames`` (uint8 (N, H, W, 3)), loaded once per path."""
    if path not in _CLIPS:
        with np.load(path) as data:
            frames = np.ascontiguousarray(data["frames"])
        if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
            raise ValueError(f"{path}: frames must be uint8 (N, H, W, 3), got {frames.shape}")
        _CLIPS[path] = frames
    return _CLIPS[path]


def camera_keys(cameras: int) -> list[str]:
    """``observation.images.top``, ``…left_wrist``, … for ``cameras`` cameras."""
    names = [CAMERA_NAMES[i] if i < len(CAMERA_NAMES) else f"cam{i}" for i in range(cameras)]
    return [f"observation.images.{name}" for name in names]


def create_dataset(
    root: Path,
    keys: Sequence[str],
    shape: Sequence[int],
    streaming: bool,
    encoder_queue_maxsize: int,
) -> Any:
    """``LeRobotDataset.create`` with one video feature per key and LeRobot's RGB defaults."""
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    features = {
        key: {"dtype": "video", "shape": tuple(shape), "names": ["height", "width", "channels"]}
        for key in keys
    }
    return LeRobotDataset.create(
        repo_id="probe/recording",
        fps=FPS,
        features=features,
        root=root,
        use_videos=True,
        image_writer_threads=IMAGE_WRITER_THREADS_PER_CAMERA * len(keys),
        streaming_encoding=streaming,
        encoder_queue_maxsize=encoder_queue_maxsize,
    )


def dropped_reported(dataset: Any, keys: Sequence[str]) -> dict[str, int] | None:
    """LeRobot's per-camera count of frames its streaming encoder dropped (queue full).

    Read after ``save_episode``: the private counter is cleared only when the next
    episode starts. ``None`` without a streaming encoder.
    """
    encoder = getattr(getattr(dataset, "writer", None), "_streaming_encoder", None)
    counts = getattr(encoder, "_dropped_frames", None)
    if counts is None:
        return None
    return {key: int(counts.get(key, 0)) for key in keys}


def count_decoded_frames(path: Path) -> int:
    """Decode the whole video stream of ``path`` with PyAV and count its frames."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return sum(1 for _ in container.decode(stream))


def check_saved(root: Path, keys: Sequence[str], frames_added: int) -> Reply:
    """Decode every camera's MP4 of episode 0 of the finalized dataset at ``root``."""
    from lerobot.datasets.io_utils import load_episodes

    episode = load_episodes(root)[0]
    video_path = json.loads((root / "meta" / "info.json").read_text())["video_path"]
    in_video: dict[str, int] = {}
    span_s: dict[str, float] = {}
    for key in keys:
        relative = video_path.format(
            video_key=key,
            chunk_index=episode[f"videos/{key}/chunk_index"],
            file_index=episode[f"videos/{key}/file_index"],
        )
        in_video[key] = count_decoded_frames(root / relative)
        span = episode[f"videos/{key}/to_timestamp"] - episode[f"videos/{key}/from_timestamp"]
        span_s[key] = round(float(span), 6)
    return {
        "frames_added": frames_added,
        "parquet_rows": int(episode["length"]),
        "frames_in_video": in_video,
        "frames_missing": {key: frames_added - count for key, count in in_video.items()},
        "video_span_s": span_s,
    }


def ms_summary(seconds: Sequence[float]) -> dict[str, float]:
    """First value, mean, median, 95th percentile and max of ``seconds``, in milliseconds."""
    if not seconds:
        return {}
    values = np.asarray(seconds) * 1000.0
    return {
        "first": round(float(values[0]), 3),
        "mean": round(float(values.mean()), 3),
        "median": round(float(np.median(values)), 3),
        "p95": round(float(np.percentile(values, 95)), 3),
        "max": round(float(values.max()), 3),
    }


def new_root(tmp_dir: str, label: str) -> Path:
    """A dataset root that does not exist yet, inside a new folder of ``tmp_dir``."""
    return Path(tempfile.mkdtemp(prefix=f"{label}-", dir=tmp_dir)) / "dataset"


def discard(root: Path, keep: bool) -> None:
    """Remove the folder holding ``root`` unless ``keep``."""
    if not keep:
        shutil.rmtree(root.parent, ignore_errors=True)


def frame_dict(clip: Any, keys: Sequence[str], index: int) -> dict[str, Any]:
    """The ``add_frame`` input of tick ``index``: each camera shows a different clip frame."""
    frame: dict[str, Any] = {
        key: clip[(index + CAMERA_OFFSET * camera) % len(clip)] for camera, key in enumerate(keys)
    }
    frame["task"] = TASK
    return frame


# ---------------------------------------------------------------------------------------
# Requests


def streaming_fps(message: dict[str, Any]) -> Reply:
    """Feed ``frames`` frames to a streaming dataset as fast as possible, then save.

    Reply: ``frames``, ``wall_s`` (first ``add_frame`` to ``save_episode`` returning),
    ``fps`` (frames / wall_s), ``add_frames_s`` (first ``add_frame`` to the last one
    returning), ``add_frame_ms`` (per-call summary), ``save_episode_s``, ``dropped_reported``,
    ``sched_guard`` and :func:`check_saved`'s keys.
    """
    clip = load_clip(message["clip"])
    count = int(message.get("frames", 300))
    keys = camera_keys(1)
    root = new_root(message["tmp_dir"], "streaming_fps")
    guard = SchedulingGuard()
    dataset = create_dataset(
        root, keys, clip.shape[1:], True, int(message.get("encoder_queue_maxsize", 30))
    )
    try:
        gc.collect()
        calls: list[float] = []
        start = time.perf_counter()
        for index in range(count):
            before = time.perf_counter()
            dataset.add_frame(frame_dict(clip, keys, index))
            calls.append(time.perf_counter() - before)
            guard()
        added = time.perf_counter()
        dataset.save_episode()
        saved = time.perf_counter()
        guard()
        dropped = dropped_reported(dataset, keys)
        dataset.finalize()
        guard()
        wall = saved - start
        return {
            "frames": count,
            "wall_s": round(wall, 4),
            "fps": round(count / wall, 2),
            "add_frames_s": round(added - start, 4),
            "add_frame_ms": ms_summary(calls),
            "save_episode_s": round(saved - added, 4),
            "dropped_reported": dropped,
            "sched_guard": guard.report(),
            **check_saved(root, keys, count),
        }
    finally:
        dataset.finalize()
        guard()
        discard(root, bool(message.get("keep", False)))


def record_paced(message: dict[str, Any], streaming: bool) -> Reply:
    """One ``frames``-frame episode added at ``pace_hz``; time ``save_episode`` alone."""
    clip = load_clip(message["clip"])
    count = int(message.get("frames", 100))
    pace_hz = float(message.get("pace_hz", FPS))
    keys = camera_keys(1)
    label = "streaming" if streaming else "non_streaming"
    root = new_root(message["tmp_dir"], f"save_episode_{label}")
    guard = SchedulingGuard()
    dataset = create_dataset(
        root, keys, clip.shape[1:], streaming, int(message.get("encoder_queue_maxsize", 30))
    )
    try:
        gc.collect()
        calls: list[float] = []
        start = time.perf_counter()
        for index in range(count):
            if pace_hz > 0:
                time.sleep(max(0.0, start + index / pace_hz - time.perf_counter()))
            before = time.perf_counter()
            dataset.add_frame(frame_dict(clip, keys, index))
            calls.append(time.perf_counter() - before)
            guard()
        added = time.perf_counter()
        dataset.save_episode()
        saved = time.perf_counter()
        guard()
        dropped = dropped_reported(dataset, keys)
        dataset.finalize()
        guard()
        return {
            "frames": count,
            "pace_hz": pace_hz,
            "add_frame_total_s": round(sum(calls), 4),
            "add_frame_ms": ms_summary(calls),
            "add_phase_s": round(added - start, 4),
            "save_episode_s": round(saved - added, 4),
            "dropped_reported": dropped,
            "sched_guard": guard.report(),
            **check_saved(root, keys, count),
        }
    finally:
        dataset.finalize()
        guard()
        discard(root, bool(message.get("keep", False)))


def save_episode_time(message: dict[str, Any]) -> Reply:
    """:func:`record_paced` with ``streaming_encoding`` True, then False.

    Reply: ``{"streaming": {...}, "non_streaming": {...}}``, each with ``frames``,
    ``pace_hz``, ``add_frame_total_s`` (sum of the ``add_frame`` calls), ``add_frame_ms``,
    ``add_phase_s`` (first ``add_frame`` to the last one returning, sleeps included),
    ``save_episode_s``, ``dropped_reported``, ``sched_guard`` and :func:`check_saved`'s keys.
    """
    return {
        "streaming": record_paced(message, streaming=True),
        "non_streaming": record_paced(message, streaming=False),
    }


def camera_loop(message: dict[str, Any]) -> Reply:
    """Record ``cameras`` cameras at 30 Hz for ``seconds`` through the streaming path.

    ``"streaming": false`` in the request takes the default PNG path instead, for comparison.

    Ticks lie on a fixed grid ``t0 + i / 30`` (``round(seconds * 30)`` of them). The loop
    waits for the next tick with LeRobot's ``precise_sleep``, builds the frame dict and calls
    ``add_frame``. A tick is *late* when its ``add_frame`` returns after the next tick's
    deadline; deadlines already past when the loop is ready again are *skipped* (never
    offered), as with a camera whose frame is gone once its slot passes.

    Reply: ``cameras``, ``seconds``, ``ticks_scheduled``, ``ticks_offered``, ``late_ticks``,
    ``skipped_ticks``, ``late_by_second`` and ``skipped_by_second`` (the same counts per
    second of the grid, to tell start-up from sustained trouble), ``achieved_hz`` (ticks
    offered / time from t0 to the later of the loop end and the grid end), ``add_frame_ms``,
    ``wake_late_ms`` (call start minus deadline),
    ``save_episode_s``, ``dropped_reported``, ``sched_guard`` and :func:`check_saved`'s
    keys.
    """
    from lerobot.utils.robot_utils import precise_sleep

    clip = load_clip(message["clip"])
    cameras = int(message.get("cameras", 1))
    seconds = float(message.get("seconds", 5.0))
    streaming = bool(message.get("streaming", True))
    keys = camera_keys(cameras)
    root = new_root(message["tmp_dir"], f"camera_loop_{cameras}")
    guard = SchedulingGuard()
    dataset = create_dataset(
        root, keys, clip.shape[1:], streaming, int(message.get("encoder_queue_maxsize", 30))
    )
    try:
        period = 1.0 / FPS
        scheduled = round(seconds * FPS)
        calls: list[float] = []
        wake_late: list[float] = []
        late = offered = tick = 0
        late_by_second = [0] * math.ceil(scheduled / FPS)
        skipped_by_second = [0] * math.ceil(scheduled / FPS)
        gc.collect()
        t0 = time.perf_counter() + 0.05  # a first deadline the loop can meet
        while tick < scheduled:
            deadline = t0 + tick * period
            precise_sleep(max(deadline - time.perf_counter(), 0.0))
            before = time.perf_counter()
            dataset.add_frame(frame_dict(clip, keys, tick))
            after = time.perf_counter()
            guard()
            offered += 1
            calls.append(after - before)
            wake_late.append(before - deadline)
            if after > deadline + period:
                late += 1
                late_by_second[tick // FPS] += 1
            ready = time.perf_counter()
            following = max(tick + 1, math.ceil((ready - t0) / period))
            for passed in range(tick + 1, min(following, scheduled)):
                skipped_by_second[passed // FPS] += 1
            tick = following
        before_save = time.perf_counter()
        loop_end = max(before_save, t0 + scheduled * period)
        dataset.save_episode()
        save_s = time.perf_counter() - before_save
        guard()
        dropped = dropped_reported(dataset, keys)
        dataset.finalize()
        guard()
        return {
            "cameras": cameras,
            "seconds": seconds,
            "streaming": streaming,
            "ticks_scheduled": scheduled,
            "ticks_offered": offered,
            "late_ticks": late,
            "skipped_ticks": sum(skipped_by_second),
            "late_by_second": late_by_second,
            "skipped_by_second": skipped_by_second,
            "achieved_hz": round(offered / (loop_end - t0), 2),
            "add_frame_ms": ms_summary(calls),
            "wake_late_ms": ms_summary(wake_late),
            "save_episode_s": round(save_s, 4),
            "dropped_reported": dropped,
            "sched_guard": guard.report(),
            **check_saved(root, keys, offered),
        }
    finally:
        dataset.finalize()
        guard()
        discard(root, bool(message.get("keep", False)))


HANDLERS: dict[str, Callable[[dict[str, Any]], Reply]] = {
    "streaming_fps": streaming_fps,
    "save_episode_time": save_episode_time,
    "camera_loop": camera_loop,
}


# ---------------------------------------------------------------------------------------
# Worker and driver


def _send(out: IO[str], message: Reply) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def worker() -> None:
    """Serve JSON-line requests on stdin (see the module docstring)."""
    protocol_out = sys.stdout
    sys.stdout = sys.stderr  # Library chatter must not corrupt the protocol stream.

    import av
    import lerobot
    import torch
    from lerobot.configs.video import rgb_encoder_defaults
    from lerobot.datasets.lerobot_dataset import LeRobotDataset  # noqa: F401  (import cost)

    encoder = rgb_encoder_defaults()
    _send(
        protocol_out,
        {
            "lerobot": getattr(lerobot, "__version__", "?"),
            "av": av.__version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
            "encoder": {
                "vcodec": encoder.vcodec,
                "pix_fmt": encoder.pix_fmt,
                "options": encoder.get_codec_options(None, as_strings=True),
            },
        },
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("quit"):
            break
        op = message.get("op")
        try:
            if op not in HANDLERS:
                raise ValueError(f"unknown op {op!r}; expected one of {sorted(HANDLERS)}")
            handler = HANDLERS[op]
            reply = {"op": op, **handler(message)}
        except Exception as err:
            traceback.print_exc(file=sys.stderr)
            reply = {"op": op, "error": f"{type(err).__name__}: {err}"}
        _send(protocol_out, reply)


def drive(full: bool) -> None:
    """Start this file as a worker under this interpreter and run each request once."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _worker_client import JsonLinesWorker

    clip = Path(__file__).resolve().parents[1] / "assets" / "aloha_sim_rgb_ep0.npz"
    if full:
        requests: list[Reply] = [
            {"op": "streaming_fps", "frames": 300},
            {"op": "save_episode_time", "frames": 100},
            *({"op": "camera_loop", "cameras": k, "seconds": 5.0} for k in (1, 2, 3)),
        ]
    else:
        requests = [
            {"op": "streaming_fps", "frames": 30},
            {"op": "save_episode_time", "frames": 20},
            {"op": "camera_loop", "cameras": 2, "seconds": 1.0},
        ]
    with tempfile.TemporaryDirectory(prefix="recording-probe-") as tmp_dir:
        client = JsonLinesWorker([sys.executable, __file__], stderr=sys.stderr.buffer)
        try:
            print(json.dumps(client.versions))
            for request in requests:
                message = {**request, "clip": str(clip), "tmp_dir": tmp_dir}
                print(json.dumps(message))
                print(json.dumps(client.request(**message), indent=1))
        finally:
            client.close()


def main(argv: Sequence[str] | None = None) -> None:
    """Serve as a worker, or with ``--selftest`` / ``--full`` drive one."""
    parser = argparse.ArgumentParser(description="LeRobot recording probe (worker or driver).")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--selftest", action="store_true", help="run each request, small sizes")
    mode.add_argument("--full", action="store_true", help="run each request, full sizes")
    args = parser.parse_args(argv)
    if args.selftest or args.full:
        drive(full=args.full)
    else:
        worker()


if __name__ == "__main__":
    main()
