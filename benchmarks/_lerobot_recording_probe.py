"""Subprocess worker for recording benchmarks: time LeRobot's own recording path.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv), with
``OMP_WAIT_POLICY=PASSIVE`` (:class:`_worker_client.JsonLinesWorker` sets it). Every request
records into a fresh ``LeRobotDataset.create(...)`` under a new folder inside the request's
``tmp_dir`` (removed afterwards unless ``"keep": true``), fed from the clip at ``clip``
(an ``.npz`` whose ``frames`` is uint8 (N, H, W, 3), e.g. ``assets/aloha_sim_rgb_ep0.npz``),
at 30 fps, with LeRobot's default RGB encoder (``rgb_encoder=None``: libsvtav1 defaults)
and, as ``lerobot-record`` does, ``image_writer_threads = 4 x cameras``.

It serves ``_worker_loop.py``'s JSON-lines protocol; its first line gives ``{"lerobot",
"av", "torch", "python", "encoder": {"vcodec", "pix_fmt", "options"}}``. Requests
(optional keys with their defaults):

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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from _worker_client import open_worker
from _worker_loop import Reply, lerobot_versions, serve

FPS = 30
TASK = "recording probe"
CAMERA_NAMES = ("top", "left_wrist", "right_wrist", "low")
IMAGE_WRITER_THREADS_PER_CAMERA = 4  # lerobot-record's num_image_writer_threads_per_camera
CAMERA_OFFSET = 33  # frames between the clip positions two cameras show at one tick


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
# One recorded episode


@dataclass(frozen=True, slots=True)
class Episode:
    """A fresh dataset being recorded from ``clip`` by ``keys`` cameras."""

    dataset: Any
    guard: SchedulingGuard
    keys: list[str]
    root: Path
    clip: Any


@contextmanager
def recording(
    message: dict[str, Any], cameras: int, streaming: bool, label: str
) -> Iterator[Episode]:
    """A new dataset under ``tmp_dir``; finalized and (unless ``keep``) removed at the end."""
    clip = load_clip(message["clip"])
    keys = camera_keys(cameras)
    root = new_root(message["tmp_dir"], label)
    guard = SchedulingGuard()
    dataset = create_dataset(
        root, keys, clip.shape[1:], streaming, int(message.get("encoder_queue_maxsize", 30))
    )
    try:
        yield Episode(dataset, guard, keys, root, clip)
    finally:
        dataset.finalize()
        guard()
        discard(root, bool(message.get("keep", False)))


def add_frames(episode: Episode, count: int, pace_hz: float) -> tuple[float, float, list[float]]:
    """``add_frame`` ``count`` ticks, at ``pace_hz`` (0: as fast as possible).

    Returns:
        The ``perf_counter`` of the start and of the last call returning, and each call's
        seconds.
    """
    gc.collect()
    calls: list[float] = []
    start = time.perf_counter()
    for index in range(count):
        if pace_hz > 0:
            time.sleep(max(0.0, start + index / pace_hz - time.perf_counter()))
        before = time.perf_counter()
        episode.dataset.add_frame(frame_dict(episode.clip, episode.keys, index))
        calls.append(time.perf_counter() - before)
        episode.guard()
    return start, time.perf_counter(), calls


def save(episode: Episode) -> tuple[float, float, dict[str, int] | None]:
    """``save_episode`` timed, then LeRobot's drop counter and ``finalize``.

    Returns:
        The ``perf_counter`` before and after ``save_episode``, and :func:`dropped_reported`.
    """
    before = time.perf_counter()
    episode.dataset.save_episode()
    saved = time.perf_counter()
    episode.guard()
    dropped = dropped_reported(episode.dataset, episode.keys)
    episode.dataset.finalize()
    episode.guard()
    return before, saved, dropped


def closing(episode: Episode, dropped: dict[str, int] | None, frames_added: int) -> Reply:
    """The keys every reply ends with: drops, the scheduling guard, :func:`check_saved`."""
    return {
        "dropped_reported": dropped,
        "sched_guard": episode.guard.report(),
        **check_saved(episode.root, episode.keys, frames_added),
    }


# ---------------------------------------------------------------------------------------
# Requests


def streaming_fps(message: dict[str, Any]) -> Reply:
    """Feed ``frames`` frames to a streaming dataset as fast as possible, then save.

    Reply: ``frames``, ``wall_s`` (first ``add_frame`` to ``save_episode`` returning),
    ``fps`` (frames / wall_s), ``add_frames_s`` (first ``add_frame`` to the last one
    returning), ``add_frame_ms`` (per-call summary), ``save_episode_s``, ``dropped_reported``,
    ``sched_guard`` and :func:`check_saved`'s keys.
    """
    count = int(message.get("frames", 300))
    with recording(message, 1, True, "streaming_fps") as episode:
        start, added, calls = add_frames(episode, count, 0.0)
        added, saved, dropped = save(episode)
        wall = saved - start
        return {
            "frames": count,
            "wall_s": round(wall, 4),
            "fps": round(count / wall, 2),
            "add_frames_s": round(added - start, 4),
            "add_frame_ms": ms_summary(calls),
            "save_episode_s": round(saved - added, 4),
            **closing(episode, dropped, count),
        }


def record_paced(message: dict[str, Any], streaming: bool) -> Reply:
    """One ``frames``-frame episode added at ``pace_hz``; time ``save_episode`` alone."""
    count = int(message.get("frames", 100))
    pace_hz = float(message.get("pace_hz", FPS))
    label = "streaming" if streaming else "non_streaming"
    with recording(message, 1, streaming, f"save_episode_{label}") as episode:
        start, added, calls = add_frames(episode, count, pace_hz)
        added, saved, dropped = save(episode)
        return {
            "frames": count,
            "pace_hz": pace_hz,
            "add_frame_total_s": round(sum(calls), 4),
            "add_frame_ms": ms_summary(calls),
            "add_phase_s": round(added - start, 4),
            "save_episode_s": round(saved - added, 4),
            **closing(episode, dropped, count),
        }


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


def tick_loop(episode: Episode, scheduled: int) -> Reply:
    """Offer ticks on the fixed 30 Hz grid of :func:`camera_loop`; count late and skipped."""
    from lerobot.utils.robot_utils import precise_sleep

    period = 1.0 / FPS
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
        episode.dataset.add_frame(frame_dict(episode.clip, episode.keys, tick))
        after = time.perf_counter()
        episode.guard()
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
    return {
        "t0": t0,
        "ticks_offered": offered,
        "late_ticks": late,
        "skipped_ticks": sum(skipped_by_second),
        "late_by_second": late_by_second,
        "skipped_by_second": skipped_by_second,
        "add_frame_ms": ms_summary(calls),
        "wake_late_ms": ms_summary(wake_late),
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
    cameras = int(message.get("cameras", 1))
    seconds = float(message.get("seconds", 5.0))
    streaming = bool(message.get("streaming", True))
    scheduled = round(seconds * FPS)
    with recording(message, cameras, streaming, f"camera_loop_{cameras}") as episode:
        ticks = tick_loop(episode, scheduled)
        before_save, saved, dropped = save(episode)
        t0, offered = ticks["t0"], ticks["ticks_offered"]
        loop_end = max(before_save, t0 + scheduled * (1.0 / FPS))
        return {
            "cameras": cameras,
            "seconds": seconds,
            "streaming": streaming,
            "ticks_scheduled": scheduled,
            "ticks_offered": offered,
            "late_ticks": ticks["late_ticks"],
            "skipped_ticks": ticks["skipped_ticks"],
            "late_by_second": ticks["late_by_second"],
            "skipped_by_second": ticks["skipped_by_second"],
            "achieved_hz": round(offered / (loop_end - t0), 2),
            "add_frame_ms": ticks["add_frame_ms"],
            "wake_late_ms": ticks["wake_late_ms"],
            "save_episode_s": round(saved - before_save, 4),
            **closing(episode, dropped, offered),
        }


# ---------------------------------------------------------------------------------------
# Worker and self-test


def hello() -> Reply:
    """Versions and LeRobot's default RGB encoder, after importing what the requests use."""
    from lerobot.configs.video import rgb_encoder_defaults
    from lerobot.datasets.lerobot_dataset import LeRobotDataset  # noqa: F401  (import cost)

    encoder = rgb_encoder_defaults()
    return {
        **lerobot_versions(),
        "python": platform.python_version(),
        "encoder": {
            "vcodec": encoder.vcodec,
            "pix_fmt": encoder.pix_fmt,
            "options": encoder.get_codec_options(None, as_strings=True),
        },
    }


def self_test(full: bool) -> None:
    """Start this file as a worker under this interpreter and run each request once."""
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
    with (
        tempfile.TemporaryDirectory(prefix="recording-probe-") as tmp_dir,
        open_worker(sys.executable, Path(__file__), sys.stderr.buffer) as client,
    ):
        assert client is not None
        print(json.dumps(client.versions))
        for request in requests:
            message = {**request, "clip": str(clip), "tmp_dir": tmp_dir}
            print(json.dumps(message))
            print(json.dumps(client.request(**message), indent=1))


def main(argv: Sequence[str] | None = None) -> None:
    """Serve as a worker, or with ``--selftest`` / ``--full`` drive one."""
    parser = argparse.ArgumentParser(description="LeRobot recording probe (worker or driver).")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--selftest", action="store_true", help="run each request, small sizes")
    mode.add_argument("--full", action="store_true", help="run each request, full sizes")
    args = parser.parse_args(argv)
    if args.selftest or args.full:
        self_test(full=args.full)
    else:
        serve(
            {
                "streaming_fps": streaming_fps,
                "save_episode_time": save_episode_time,
                "camera_loop": camera_loop,
            },
            hello,
        )


if __name__ == "__main__":
    main()
