"""What the app benchmarks share: the app served as a subprocess, its memory, its API's values.

Driver side only. :class:`AppServer` starts ``app.py`` of a checkout (``--app-dir``) in its own
process group on a free loopback port with a fresh data folder and Gradio cache, waits until it
answers, reads its resident memory from ``/proc`` (the process and every descendant), and kills
the whole group when done. The API helpers build an endpoint's arguments from the defaults
``Client.view_api`` reports, so the scripts keep working when a form gains a field.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradio_client import Client
from gradio_client.exceptions import AppError

REPO = Path(__file__).resolve().parents[1]
PYTHON = REPO / ".venv" / "bin" / "python"
BASELINE_ROW = "PNG frames (baseline)"
START_TIMEOUT_S = 120.0


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (all its threads' children, recursively)."""
    found: list[int] = []
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = [int(text) for text in children.read_text().split()]
        except OSError:  # the thread ended meanwhile
            continue
        for kid in kids:
            found += [kid, *_children(kid)]
    return found


def _vm_rss_bytes(pid: int) -> int:
    """VmRSS of one process, 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return 1024 * int(match.group(1)) if match else 0


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` plus every descendant, in bytes."""
    return sum(_vm_rss_bytes(p) for p in {pid, *_children(pid)})


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """Turn SIGTERM (``timeout``, ``kill``) into SystemExit, so the server is killed too."""
    raise SystemExit(128 + signum)


@dataclass
class AppServer:
    """``app.py`` of ``app_dir`` served on a free port; use as a context manager.

    Attributes:
        app_dir: The checkout whose ``app.py``, ``components`` and ``lerobot_video`` run.
        python: The interpreter (this repo's venv by default).
        workdir: Holds ``data/`` (the app's ``--data-dir``), ``gradio/`` (its cache) and
            ``server.log``; removed on exit unless ``keep`` is set.
    """

    app_dir: Path = REPO
    python: Path = PYTHON
    keep: bool = False
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="app-bench-")))
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The app's root URL."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def data_dir(self) -> Path:
        """The app's ``--data-dir``."""
        return self.workdir / "data"

    @property
    def log_path(self) -> Path:
        """The server's stdout and stderr."""
        return self.workdir / "server.log"

    def start(self) -> None:
        """Start the app in its own process group and wait until it serves its config."""
        env = {
            **os.environ,
            "GRADIO_ANALYTICS_ENABLED": "False",
            "SVT_LOG": "1",
            "GRADIO_TEMP_DIR": str(self.workdir / "gradio"),
            "PYTHONPATH": str(self.app_dir),  # the checkout's lerobot_video, not the editable one
        }
        command = [str(self.python), "app.py", "--data-dir", str(self.data_dir)]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)],
                cwd=self.app_dir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"the app exited at start:\n{self.log_path.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "config", timeout=5):
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the app did not answer within {START_TIMEOUT_S:.0f} s")

    def rss_bytes(self) -> int:
        """Resident memory of the server and its descendants (0 once it is gone)."""
        return 0 if self.process is None else tree_rss_bytes(self.process.pid)

    def stop(self) -> None:
        """Kill the server's whole process group (TERM, then KILL after 10 s)."""
        if self.process is None:
            return
        for sig, wait_s in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(wait_s)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process = None

    def tracebacks(self) -> list[str]:
        """The last line of every traceback in the server log (the exception and message).

        Gradio logs a traceback for some ``gr.Error`` (user errors) too; see :func:`crashes`.
        """
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(errors="replace").splitlines()
        found = []
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                rest = [x for x in lines[i + 1 :] if x and not x.startswith((" ", "\t"))]
                found.append(rest[0] if rest else "?")
        return found

    def __enter__(self) -> AppServer:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _exit_on_sigterm)  # so ``__exit__`` runs
        try:
            self.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


class RSSSampler(threading.Thread):
    """Samples a server's resident memory every ``every_s`` seconds until :meth:`halt`."""

    def __init__(self, server: AppServer, every_s: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.server, self.every_s = server, every_s
        self.samples: list[tuple[float, int]] = []  # (seconds since start, bytes)
        self._stop_event = threading.Event()
        self._t0 = time.monotonic()

    def run(self) -> None:
        """Sample until halted."""
        while not self._stop_event.is_set():
            self.samples.append((time.monotonic() - self._t0, self.server.rss_bytes()))
            self._stop_event.wait(self.every_s)

    def halt(self) -> None:
        """Stop sampling and wait for the thread."""
        self._stop_event.set()
        self.join()

    def at(self, seconds: float) -> int:
        """The first sample taken at or after ``seconds`` (the last one if none is)."""
        for t, value in self.samples:
            if t >= seconds:
                return value
        return self.samples[-1][1] if self.samples else 0

    def peak(self) -> int:
        """The largest sample."""
        return max((value for _, value in self.samples), default=0)


def connect(url: str) -> Client:
    """A new API client: one new Gradio session."""
    return Client(url, verbose=False)


def endpoint_parameters(client: Client, api_name: str) -> list[dict[str, Any]]:
    """The parameters ``view_api`` lists for a named endpoint (``/name``)."""
    api = client.view_api(print_info=False, return_format="dict")
    assert isinstance(api, dict)
    params: list[dict[str, Any]] = api["named_endpoints"][api_name]["parameters"]
    return params


def default_arguments(client: Client, api_name: str) -> list[Any]:
    """Every parameter's default value, in order."""
    return [p.get("parameter_default") for p in endpoint_parameters(client, api_name)]


def choices(client: Client, api_name: str, index: int = 0) -> list[str]:
    """The choices of an endpoint's dropdown or radio parameter."""
    param = endpoint_parameters(client, api_name)[index]
    enum: list[str] = param["type"].get("enum", [])
    return enum


def replay_source_label(client: Client) -> str:
    """The Record page's bundled replay source, as ``/start_preview`` expects it."""
    for label in choices(client, "/start_preview"):
        if "replay" in label.lower() and "not available" not in label:
            return label
    raise RuntimeError("the Record page lists no available replay source")


def comparison_arguments(params: Sequence[dict[str, Any]], labels: Sequence[str]) -> list[Any]:
    """``/run_comparison`` arguments: the count, then the first forms renamed ``labels``.

    ``params`` are the endpoint's parameters (:func:`endpoint_parameters`): the count, then
    each form's fields, each form starting with its "Name". Every other value is the default.
    """
    values = [p.get("parameter_default") for p in params]
    names = [i for i, p in enumerate(params) if p.get("label") == "Name"]
    for index, label in zip(names, labels, strict=False):
        values[index] = label
    values[0] = len(labels)
    return values


def table_rows(update: Any) -> list[list[Any]]:
    """The rows of a Dataframe output, whether sent as an update or as a bare value."""
    value = update.get("value", update) if isinstance(update, dict) else update
    if not isinstance(value, dict):
        return []
    rows: list[list[Any]] = value.get("data") or []
    return rows


USER_ERROR_TRACE = "gradio.exceptions.Error"


def crashes(tracebacks: Sequence[str]) -> list[str]:
    """The tracebacks that are not a ``gr.Error`` shown to the user."""
    return [line for line in tracebacks if not line.startswith(USER_ERROR_TRACE)]


CRASH_MESSAGE = "has raised an exception but has not enabled verbose error reporting"


def is_user_error(error: BaseException) -> bool:
    """True for an error the app showed the user (``gr.Error``), not a crash or a hang.

    A handler that crashes (any exception but ``gr.Error``) reaches the client as an
    ``AppError`` too, but with Gradio's generic message instead of the app's own.
    """
    return isinstance(error, AppError) and CRASH_MESSAGE not in str(error)


def short_error(error: BaseException) -> str:
    """``Type: message`` on one line, at most 200 characters."""
    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    return text[:200]
