"""Soak the app: many sessions coming and going for minutes; errors, leaks across sessions, memory.

Starts the real app (``app.py`` of ``--app-dir``, default this checkout) as a subprocess on a
free loopback port with a fresh data folder and Gradio cache, then runs ``--users`` simulated
users for ``--seconds`` through ``gradio_client``. Each user opens a client (one Gradio
session), runs 2-4 tasks picked at random, closes it and opens a new one, until time is up:

- **compare**: ``/load_compare_clip`` (bundled clip, 30 frames), ``/run_comparison`` with two
  configs (the default AV1 and H.264 forms) named with labels unique to the session, then
  ``/show_frame`` at a random frame.
- **depth**: ``/load_depth`` (bundled depth clip, 10-30 frames), ``/run_depth_round_trip``
  (the default form and FFV1), ``/show_depth_results``, ``/show_depth_frame``.
- **upload**: a small clip made on the fly (PNG frames, or an H.264 MP4), uploaded with
  ``handle_file`` into ``/load_compare_clip``, then ``/run_comparison`` as above. One time in
  four the upload choice is sent without files first: an expected user error.
- **record**: ``/start_preview`` on the bundled replay source, a 2-3 s episode
  (``/start_episode``, ``/stop_episode``), ``/stop_preview``; at most ``--recorders`` users
  record at once (the others compare instead).

Measured: requests served per endpoint (and their round-trip times), user errors (messages
the app shows, ``gr.Error``; deliberate ones counted apart), errors (anything else: crashes,
which reach the client as Gradio's generic message, timeouts, lost connections), leaks
across sessions (a comparison's table and frame captions must name only this session's
labels; a depth round trip's frame slider must end at this session's clip length), the
server's resident memory (``/proc/<pid>/status`` VmRSS, children included) every second:
after ``--warmup`` seconds, its peak, at the end of the load, and finally after every client
closed and ``--idle`` seconds of quiet; the session folders left in the data folder; the
last line of every traceback in the server's log. Summary printed; every figure written as
JSON (``--json``, default ``benchmarks/results/app_soak.json``).

Run: ``.venv/bin/python benchmarks/bench_app_soak.py [--users 8] [--seconds 600]
[--warmup 60] [--recorders 2] [--app-dir PATH] [--json PATH] [--seed N]``. A 2-core machine
is saturated by 8 users: the figures are about correctness and memory, not speed.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import statistics
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from _app_client import (
    BASELINE_ROW,
    REPO,
    AppServer,
    RSSSampler,
    comparison_arguments,
    connect,
    crashes,
    default_arguments,
    endpoint_parameters,
    is_user_error,
    replay_source_label,
    short_error,
    table_rows,
)
from _harness import BENCHMARKS, machine_line, write_json
from gradio_client import Client, handle_file
from PIL import Image

BUNDLED_CLIP = "Bundled ALOHA clip"
BUNDLED_DEPTH = "Bundled ALOHA depth clip"
DEPTH_ALTERNATIVE_HINT = "FFV1"
MB = 1_000_000


@dataclass
class Stats:
    """What every user saw, shared between their threads (guarded by ``lock``)."""

    served: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    user_errors: Counter[str] = field(default_factory=Counter)
    expected_errors: int = 0
    errors: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    sessions: int = 0
    tasks: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, item: Any) -> None:
        """Append ``item`` to the list ``what`` (errors, leaks), under the lock."""
        with self.lock:
            getattr(self, what).append(item)


class ExpectedUserError(Exception):
    """Raised by :meth:`User.call` after an expected user error, to skip the rest of a task."""


class RequestFailedError(Exception):
    """Raised by :meth:`User.call` after any other error (already counted): the task ends."""


@dataclass
class User:
    """One simulated user: its current client (session), its labels, its scratch folder."""

    number: int
    url: str
    stats: Stats
    rng: random.Random
    scratch: Path
    recorders: threading.Semaphore
    client: Client | None = None
    tag: str = ""
    datasets: int = 0

    def call(self, endpoint: str, *args: Any, expect_error: bool = False) -> Any:
        """``predict`` on ``/endpoint``, counted; errors are recorded and raised."""
        assert self.client is not None
        started = time.monotonic()
        try:
            result = self.client.predict(*args, api_name=f"/{endpoint}")
        except Exception as error:
            self._record_error(endpoint, error, expect_error)
            raise RequestFailedError(endpoint) from error
        with self.stats.lock:
            self.stats.served[endpoint] += 1
            self.stats.seconds[endpoint].append(time.monotonic() - started)
        if expect_error:
            self.stats.add("errors", f"/{endpoint}: accepted an invalid request")
        return result

    def _record_error(self, endpoint: str, error: Exception, expected: bool) -> None:
        if expected and is_user_error(error):
            with self.stats.lock:
                self.stats.expected_errors += 1
            raise ExpectedUserError from error
        if is_user_error(error):
            with self.stats.lock:
                self.stats.user_errors[f"/{endpoint}: {error}"] += 1
        else:
            self.stats.add("errors", f"/{endpoint} ({self.tag}): {short_error(error)}")

    def labels(self) -> list[str]:
        """This session's two config labels."""
        return [f"{self.tag}-A", f"{self.tag}-B"]

    def compare_loaded(self) -> None:
        """Compare the loaded clip with this session's labels; check nothing else shows."""
        assert self.client is not None
        params = endpoint_parameters(self.client, "/run_comparison")
        result = self.call("run_comparison", *comparison_arguments(params, self.labels()))
        names = [str(row[0]) for row in table_rows(result[1])]
        if names != [BASELINE_ROW, *self.labels()]:
            self.stats.add("leaks", f"/run_comparison ({self.tag}): table rows {names}")
        last = int(result[3].get("maximum", 0)) if isinstance(result[3], dict) else 0
        decoded = value_of(self.call("show_frame", self.rng.randint(0, last))[0]) or []
        captions = [str(item.get("caption", "")) for item in decoded[1:]]
        if not all(c.startswith(tuple(self.labels())) for c in captions) or not captions:
            self.stats.add("leaks", f"/show_frame ({self.tag}): captions {captions}")

    def compare(self) -> None:
        """The bundled clip, 30 frames, compared."""
        self.call("load_compare_clip", BUNDLED_CLIP, None, None, 30)
        self.compare_loaded()

    def upload(self) -> None:
        """A clip made here, uploaded and compared; sometimes the files are left out first."""
        upload_choice = next(c for c in choices_of(self, "/load_compare_clip") if "pload" in c)
        if self.rng.random() < 0.25:
            with contextlib.suppress(ExpectedUserError):
                self.call("load_compare_clip", upload_choice, None, 30, 30, expect_error=True)
        files = make_clip_files(self.scratch / self.tag, self.rng)
        self.call("load_compare_clip", upload_choice, [handle_file(f) for f in files], 30, 30)
        self.compare_loaded()

    def depth(self) -> None:
        """A depth round trip of 10-30 bundled frames; the results must be this clip's."""
        frames = self.rng.randint(10, 30)
        self.call("load_depth", BUNDLED_DEPTH, None, 30, frames)
        assert self.client is not None
        values = default_arguments(self.client, "/run_depth_round_trip")
        values[1] = [c for c in choices_of(self, "/run_depth_round_trip", 1) if "FFV1" in c]
        self.call("run_depth_round_trip", *values)
        slider = self.call("show_depth_results", "mm")[3]
        last = slider.get("maximum") if isinstance(slider, dict) else None
        if last != frames - 1:
            self.stats.add("leaks", f"/show_depth_results ({self.tag}): last frame {last}")
        self.call("show_depth_frame", self.rng.randint(0, frames - 1))

    def record(self) -> None:
        """A 2-3 s episode of the replay source, saved; compare instead if others record."""
        if not self.recorders.acquire(blocking=False):
            self.compare()
            return
        try:
            assert self.client is not None
            self.call("start_preview", replay_source_label(self.client))
            values = default_arguments(self.client, "/start_episode")
            self.datasets += 1
            values[:6] = [
                f"soak_{self.tag}_{self.datasets}",
                30,
                "pick up the cube",
                "",
                "top",
                False,
            ]
            self.call("start_episode", *values)
            time.sleep(self.rng.uniform(2.0, 3.0))
            rows = table_rows(self.call("stop_episode")[1])
            if len(rows) != 1 or int(rows[0][1]) <= 0:
                self.stats.add("leaks", f"/stop_episode ({self.tag}): episode rows {rows}")
        finally:
            try:
                self.call("stop_preview")
            finally:
                self.recorders.release()


def value_of(update: Any) -> Any:
    """The value of an output, whether sent as an update (a dict with "value") or bare."""
    if isinstance(update, dict) and update.get("__type__") == "update":
        return update.get("value")
    return update


def choices_of(user: User, api_name: str, index: int = 0) -> list[str]:
    """The choices of a parameter of an endpoint, as the user's client sees them."""
    assert user.client is not None
    param = endpoint_parameters(user.client, api_name)[index]
    kind = param["type"]
    enum: list[str] = kind.get("enum") or kind.get("items", {}).get("enum", [])
    return enum


def make_clip_files(folder: Path, rng: random.Random) -> list[Path]:
    """10 frames of 96x128 moving gradient: PNG files, or one H.264 MP4 (picked at random)."""
    folder.mkdir(parents=True, exist_ok=True)
    y, x = np.mgrid[0:96, 0:128]
    frames = [
        np.stack([(x + 8 * i) % 256, (y + 4 * i) % 256, (x + y) % 256], axis=-1).astype(np.uint8)
        for i in range(10)
    ]
    if rng.random() < 0.5:
        paths = [folder / f"frame_{i:03d}.png" for i in range(len(frames))]
        for path, frame in zip(paths, frames, strict=True):
            Image.fromarray(frame).save(path)
        return paths
    path = folder / "clip.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 128, 96, "yuv420p"
        for frame in frames:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode(None))
    return [path]


TASKS: dict[str, Callable[[User], None]] = {
    "compare": User.compare,
    "depth": User.depth,
    "upload": User.upload,
    "record": User.record,
}


def run_user(user: User, deadline: float) -> None:
    """Sessions of 2-4 random tasks each, one after another, until ``deadline``."""
    session = 0
    while time.monotonic() < deadline:
        session += 1
        user.tag = f"u{user.number}s{session}"
        try:
            user.client = connect(user.url)
        except Exception as error:
            user.stats.add("errors", f"connect ({user.tag}): {short_error(error)}")
            time.sleep(1.0)
            continue
        with user.stats.lock:
            user.stats.sessions += 1
        try:
            for _ in range(user.rng.randint(2, 4)):
                if time.monotonic() >= deadline:
                    break
                name = user.rng.choice(list(TASKS))
                run_task(user, name)
        finally:
            user.client.close()
            user.client = None


def run_task(user: User, name: str) -> None:
    """One task; a failed request ends it (already counted), anything else is an error too."""
    with user.stats.lock:
        user.stats.tasks[name] += 1
    try:
        TASKS[name](user)
    except (ExpectedUserError, RequestFailedError):
        pass
    except Exception as error:  # the answer did not have the expected shape
        user.stats.add("errors", f"task {name} ({user.tag}): {short_error(error)}")


def run_load(server: AppServer, args: argparse.Namespace, stats: Stats) -> None:
    """Every user's thread, from now until ``--seconds`` have passed (and their last task)."""
    deadline = time.monotonic() + args.seconds
    recorders = threading.Semaphore(args.recorders)
    with tempfile.TemporaryDirectory(prefix="soak-uploads-") as scratch:
        users = [
            User(
                n, server.url, stats, random.Random(args.seed * 1000 + n), Path(scratch), recorders
            )
            for n in range(args.users)
        ]
        threads = [threading.Thread(target=run_user, args=(u, deadline)) for u in users]
        for thread in threads:
            thread.start()
            time.sleep(0.5)  # users arrive one after another
        for thread in threads:
            thread.join()


def soak(args: argparse.Namespace) -> dict[str, Any]:
    """Serve the app, load it, let it idle; every figure of the report."""
    stats = Stats()
    with AppServer(args.app_dir.resolve()) as server:
        sampler = RSSSampler(server)
        sampler.start()
        started = time.monotonic()
        try:
            run_load(server, args, stats)
            load_s = time.monotonic() - started
            end_of_load = server.rss_bytes()
            time.sleep(args.idle)
            final = server.rss_bytes()
        finally:
            sampler.halt()
        sessions = server.data_dir / "sessions"
        folders = len(list(sessions.iterdir())) if sessions.exists() else 0
        tracebacks = server.tracebacks()
    memory = {
        "after_warmup": sampler.at(args.warmup) / MB,
        "peak": sampler.peak() / MB,
        "end_of_load": end_of_load / MB,
        "final": final / MB,
        "samples": [[round(t, 1), round(v / MB, 1)] for t, v in sampler.samples],
    }
    return report(args, stats, load_s, memory, folders, tracebacks)


def report(
    args: argparse.Namespace,
    stats: Stats,
    load_s: float,
    memory: dict[str, Any],
    folders: int,
    tracebacks: list[str],
) -> dict[str, Any]:
    """The JSON report: settings, requests, errors, leaks, memory (MB), leftovers."""
    requests = {
        name: {
            "served": stats.served[name],
            "mean_s": statistics.mean(times),
            "p95_s": sorted(times)[math.ceil(0.95 * len(times)) - 1],  # nearest rank
            "max_s": max(times),
        }
        for name, times in sorted(stats.seconds.items())
    }
    return {
        "app_dir": str(args.app_dir.resolve()),
        "users": args.users,
        "seconds": args.seconds,
        "load_seconds": load_s,
        "warmup": args.warmup,
        "idle": args.idle,
        "sessions_opened": stats.sessions,
        "tasks": dict(stats.tasks),
        "requests": requests,
        "user_errors": dict(stats.user_errors),
        "expected_user_errors": stats.expected_errors,
        "errors": stats.errors,
        "leaks": stats.leaks,
        "rss_mb": memory,
        "session_folders_left": folders,
        "server_tracebacks": tracebacks,
    }


def print_summary(result: dict[str, Any]) -> None:
    """Requests per endpoint, then errors, leaks, memory and leftovers."""
    print(f"{'endpoint':<22}{'served':>8}{'mean s':>9}{'p95 s':>9}{'max s':>9}")
    for name, row in result["requests"].items():
        print(
            f"{name:<22}{row['served']:>8}{row['mean_s']:>9.2f}{row['p95_s']:>9.2f}"
            f"{row['max_s']:>9.2f}"
        )
    memory = result["rss_mb"]
    lines = [
        ("sessions opened", result["sessions_opened"]),
        ("tasks", ", ".join(f"{k} {v}" for k, v in sorted(result["tasks"].items()))),
        ("expected user errors", result["expected_user_errors"]),
        ("other user errors", sum(result["user_errors"].values())),
        ("errors", len(result["errors"])),
        ("cross-session leaks", len(result["leaks"])),
        (f"RSS after warm-up ({result['warmup']:g} s)", f"{memory['after_warmup']:.0f} MB"),
        ("RSS peak", f"{memory['peak']:.0f} MB"),
        ("RSS at end of load", f"{memory['end_of_load']:.0f} MB"),
        (f"RSS final (clients closed, {result['idle']:g} s idle)", f"{memory['final']:.0f} MB"),
        ("session folders left", result["session_folders_left"]),
        ("server tracebacks (not gr.Error)", len(crashes(result["server_tracebacks"]))),
    ]
    for label, value in lines:
        print(f"{label:<42}{value}")
    for label, items in (
        ("user error", [f"{n} x {m}" for m, n in result["user_errors"].items()]),
        ("error", result["errors"]),
        ("leak", result["leaks"]),
        (
            "server traceback",
            [f"{n} x {m}" for m, n in Counter(crashes(result["server_tracebacks"])).items()],
        ),
    ):
        for item in items:
            print(f"{label}: {item}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=8, help="simulated users at once")
    parser.add_argument("--seconds", type=float, default=600.0, help="how long they work")
    parser.add_argument("--warmup", type=float, default=60.0, help="RSS is read after this")
    parser.add_argument("--idle", type=float, default=10.0, help="quiet time before final RSS")
    parser.add_argument("--recorders", type=int, default=2, help="most users recording at once")
    parser.add_argument("--seed", type=int, default=0, help="seed of the users' choices")
    parser.add_argument(
        "--app-dir", type=Path, default=REPO, help=f"checkout to serve (default {REPO})"
    )
    parser.add_argument(
        "--json", type=Path, default=BENCHMARKS / "results" / "app_soak.json", help="report"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    print(machine_line(load=True))
    print(
        f"App: {args.app_dir.resolve()}; {args.users} users for {args.seconds:g} s "
        f"(warm-up {args.warmup:g} s, at most {args.recorders} recording)"
    )
    result = soak(args)
    print_summary(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.json, result)
    print(f"Wrote {args.json}")


if __name__ == "__main__":
    main()
