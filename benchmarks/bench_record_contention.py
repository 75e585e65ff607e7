"""Benchmark the Record page under load: does recording keep 30 fps while others compare?

Starts the real app (``app.py`` of ``--app-dir``, default this checkout) as a subprocess on a
free loopback port with a fresh data folder, and drives it through ``gradio_client`` (one
client = one browser session), as browsers would:

- **Recorder** (session A): ``/start_preview`` on the bundled replay source (its label is read
  from the endpoint's choices), then ``--episodes`` episodes of ``--seconds`` each at 30 fps
  (``/start_episode`` with the form's defaults, a sleep, ``/stop_episode``), then
  ``/stop_preview``.
- **Comparers** (sessions B, C, ...): each loops ``/load_compare_clip`` (bundled clip,
  ``--compare-frames`` frames) and ``/run_comparison`` (two configs: the default AV1 and
  H.264 forms) from before the first episode until the last one is saved.

Scenarios, in one run against one server: recording alone (the baseline), then with 1 ... up
to ``--comparers`` comparers. Per episode, from the episode table ``/stop_episode`` returns:
frames saved and skipped ticks (30 Hz ticks the capture loop was too busy to serve: whether
other users' work starves a recording). The episode's wall time is its ticks, served or
skipped, / 30 (how long it recorded on the server; the client's own span, sending
``/start_episode`` to sending ``/stop_episode``, is printed as ``client s``: it misses how
late a busy server acts on the stop). Capture fps = frames / wall seconds, and its ratio to
the mean of the alone episodes. Also printed: the ``/start_episode`` and ``/stop_episode``
round trips (the second waits for the encoders) and the comparisons finished meanwhile.

Run: ``.venv/bin/python benchmarks/bench_record_contention.py [--seconds 8] [--episodes 3]
[--comparers 2] [--compare-frames 60] [--app-dir PATH] [--json out.json]``. Against an older
checkout: ``git clone -q . /tmp/before && .venv/bin/python benchmarks/bench_record_contention.py
--app-dir /tmp/before`` (this venv runs it; the checkout's own ``lerobot_video`` is used).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _app_client import (
    REPO,
    AppServer,
    comparison_arguments,
    connect,
    crashes,
    default_arguments,
    endpoint_parameters,
    replay_source_label,
    short_error,
    table_rows,
)
from _harness import machine_line, write_json
from gradio_client import Client

BUNDLED_CLIP = "Bundled ALOHA clip"
FPS = 30
HEAD_START_S = 2.0  # comparers run this long before the first episode starts


@dataclass
class Episode:
    """One recorded episode, as the Record page reported it, and its request times."""

    scenario: str
    index: int
    frames: int
    skipped_ticks: int
    client_s: float  # sending /start_episode to sending /stop_episode
    start_s: float  # /start_episode round trip
    save_s: float  # /stop_episode round trip (waits for the encoders)

    @property
    def wall_s(self) -> float:
        """How long the episode recorded, on the server: its 30 Hz ticks, served or skipped."""
        return (self.frames + self.skipped_ticks) / FPS

    @property
    def capture_fps(self) -> float:
        """Frames saved per wall-clock second of recording."""
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0


@dataclass
class Comparer:
    """A session looping comparisons of the bundled clip until ``stop`` is set."""

    url: str
    frames: int
    stop: threading.Event
    done: int = 0
    errors: list[str] = field(default_factory=list)

    def start(self) -> threading.Thread:
        """Run :meth:`loop` in a daemon thread, started; returns the thread."""
        thread = threading.Thread(target=self.loop, daemon=True)
        thread.start()
        return thread

    def loop(self) -> None:
        """Compare until told to stop; errors are kept, and the loop goes on."""
        client = connect(self.url)
        try:
            params = endpoint_parameters(client, "/run_comparison")
            arguments = comparison_arguments(params, ["AV1", "H264"])  # forms 1 and 2: av1, h264
            while not self.stop.is_set():
                try:
                    client.predict(
                        BUNDLED_CLIP, None, None, self.frames, api_name="/load_compare_clip"
                    )
                    client.predict(*arguments, api_name="/run_comparison")
                    self.done += 1
                except Exception as error:
                    self.errors.append(short_error(error))
        finally:
            client.close()


def episode_arguments(client: Client, dataset: str) -> list[Any]:
    """``/start_episode`` arguments: dataset ``dataset`` at 30 fps, every other field default."""
    values = default_arguments(client, "/start_episode")
    values[:6] = [dataset, FPS, "pick up the cube", "", "top", False]
    return values


def _record_one(client: Client, arguments: list[Any], seconds: float) -> tuple[Any, list[float]]:
    """Record one episode; its table update and (client, start, save) seconds."""
    sent = time.monotonic()
    client.predict(*arguments, api_name="/start_episode")
    started = time.monotonic()
    time.sleep(max(0.0, seconds - (started - sent)))
    stopping = time.monotonic()
    table = client.predict(api_name="/stop_episode")[1]
    return table, [stopping - sent, started - sent, time.monotonic() - stopping]


def record_episodes(url: str, scenario: str, episodes: int, seconds: float) -> list[Episode]:
    """Record ``episodes`` episodes of ``seconds`` each in a new session; read their table."""
    client = connect(url)
    table: Any = None
    times = []
    try:
        client.predict(replay_source_label(client), api_name="/start_preview")
        arguments = episode_arguments(client, "contention")
        for _ in range(episodes):
            table, seconds_taken = _record_one(client, arguments, seconds)
            times.append(seconds_taken)
        client.predict(api_name="/stop_preview")
    finally:
        client.close()
    rows = table_rows(table)
    return [
        Episode(scenario, int(row[0]), int(row[1]), int(row[5]), *taken)
        for row, taken in zip(rows, times, strict=True)
    ]


@dataclass
class Scenario:
    """One scenario's episodes and what its comparers got done meanwhile."""

    name: str
    comparers: int
    episodes: list[Episode]
    comparisons: int
    errors: list[str]


def run_scenario(url: str, comparers: int, args: argparse.Namespace) -> Scenario:
    """Record with ``comparers`` sessions comparing meanwhile (started first, stopped last)."""
    name = "alone" if comparers == 0 else f"{comparers} comparer" + "s" * (comparers > 1)
    stop = threading.Event()
    loops = [Comparer(url, args.compare_frames, stop) for _ in range(comparers)]
    threads = [loop.start() for loop in loops]
    try:
        if loops:
            time.sleep(HEAD_START_S)
        episodes = record_episodes(url, name, args.episodes, args.seconds)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=300)
    errors = [error for loop in loops for error in loop.errors]
    return Scenario(name, comparers, episodes, sum(loop.done for loop in loops), errors)


def print_table(scenarios: list[Scenario]) -> None:
    """Per episode: frames, skipped ticks, capture fps, its ratio to the alone mean."""
    alone = statistics.mean(e.capture_fps for e in scenarios[0].episodes)
    print(
        f"{'scenario':<12}{'episode':>8}{'frames':>7}{'skipped':>8}{'wall s':>7}"
        f"{'capture fps':>12}{'/ alone':>8}{'client s':>9}{'start s':>8}{'save s':>7}"
        f"{'comparisons':>12}"
    )
    for scenario in scenarios:
        for i, episode in enumerate(scenario.episodes):
            done = str(scenario.comparisons) if i == 0 and scenario.comparers else ""
            print(
                f"{scenario.name:<12}{episode.index:>8}{episode.frames:>7}"
                f"{episode.skipped_ticks:>8}{episode.wall_s:>7.2f}{episode.capture_fps:>12.2f}"
                f"{episode.capture_fps / alone:>8.3f}{episode.client_s:>9.2f}"
                f"{episode.start_s:>8.2f}{episode.save_s:>7.2f}{done:>12}"
            )
    for scenario in scenarios:
        for error in scenario.errors:
            print(f"comparer error ({scenario.name}): {error}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each episode")
    parser.add_argument("--episodes", type=int, default=3, help="episodes per scenario")
    parser.add_argument("--comparers", type=int, default=2, help="most sessions comparing")
    parser.add_argument("--compare-frames", type=int, default=60, help="frames per comparison")
    parser.add_argument(
        "--app-dir", type=Path, default=REPO, help=f"checkout to serve (default {REPO})"
    )
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    app_dir = args.app_dir.resolve()
    print(machine_line(load=True))
    print(
        f"App: {app_dir}; {args.episodes} episodes x {args.seconds:g} s at 30 fps per scenario; "
        f"comparisons of {args.compare_frames} frames (AV1 + H.264)"
    )
    with AppServer(app_dir) as server:
        scenarios = [run_scenario(server.url, k, args) for k in range(args.comparers + 1)]
        tracebacks = crashes(server.tracebacks())
    print_table(scenarios)
    for line in tracebacks:
        print(f"server traceback: {line}")
    report = {
        "app_dir": str(app_dir),
        "seconds": args.seconds,
        "scenarios": [
            {
                **asdict(s),
                "episodes": [
                    {**asdict(e), "wall_s": e.wall_s, "capture_fps": e.capture_fps}
                    for e in s.episodes
                ],
            }
            for s in scenarios
        ],
        "server_tracebacks": tracebacks,
    }
    write_json(args.json, report)


if __name__ == "__main__":
    main()
