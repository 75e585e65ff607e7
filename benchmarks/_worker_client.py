"""The driver side of the benchmarks' JSON-lines protocol: start a LeRobot worker, talk to it.

The benchmarks run LeRobot in its own interpreter (it needs torch and Python >= 3.12) and
talk to it through :class:`JsonLinesWorker`; the worker side is ``_worker_loop.py``. The
worker answers one JSON object first (its versions), then one per request, and exits on
``{"quit": true}``. Standard library only (a probe's self-test imports it under LeRobot's
interpreter too).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

QUIET_ENV = {"SVT_LOG": "1", "OMP_WAIT_POLICY": "PASSIVE"}
"""Added to a worker's environment by default. SVT-AV1 prints errors only. torch's OpenMP
threads otherwise spin after each call and slow whatever the benchmark times next in the
parent process."""

LOG_TAIL_CHARS = 4000


class WorkerError(RuntimeError):
    """The worker exited, or replied ``{"error": ...}`` to a request."""


class JsonLinesWorker:
    """Start ``argv`` and exchange JSON lines with it."""

    def __init__(
        self, argv: Sequence[str], stderr: IO[bytes], env: Mapping[str, str] = QUIET_ENV
    ) -> None:
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, **env},
        )
        self.versions = self._receive()

    def _receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise WorkerError(f"worker exited with code {self.proc.wait()}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def request(self, **message: Any) -> dict[str, Any]:
        """Send one request and return the reply.

        Raises:
            WorkerError: the worker exited, or its reply carries ``"error"``.
        """
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        reply = self._receive()
        if "error" in reply:
            raise WorkerError(f"worker failed on {message.get('op')!r}: {reply['error']}")
        return reply

    def close(self) -> None:
        """Ask the worker to quit and wait for it."""
        if self.proc.stdin is not None and self.proc.poll() is None:
            self.proc.stdin.write(json.dumps({"quit": True}) + "\n")
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def stderr_log() -> Iterator[IO[bytes]]:
    """A temporary file for a worker's stderr; its tail goes to stderr if the block fails."""
    with tempfile.TemporaryFile() as log:
        try:
            yield log
        except BaseException:
            log.flush()
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-LOG_TAIL_CHARS:])
            raise


@contextmanager
def open_worker(
    python: str | None,
    script: Path,
    log: IO[bytes],
    *args: str,
    env: Mapping[str, str] = QUIET_ENV,
) -> Iterator[JsonLinesWorker | None]:
    """``script`` run by ``python`` as a worker, closed at the end; ``None`` without python."""
    if python is None:
        yield None
        return
    worker = JsonLinesWorker([python, str(script), *args], log, env)
    try:
        yield worker
    finally:
        worker.close()
