"""A long-lived worker subprocess spoken to in JSON lines (one request, one reply per line).

The benchmarks run LeRobot in its own interpreter (it needs torch and Python 3.12) and talk
to it through this client. The worker answers one JSON object first (its versions), then
one per request, and exits on ``{"quit": true}``.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from typing import IO, Any


class JsonLinesWorker:
    """Start ``argv`` and exchange JSON lines with it."""

    def __init__(self, argv: Sequence[str], stderr: IO[bytes]) -> None:
        self.proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            # torch's OpenMP threads otherwise spin after each call and slow whatever the
            # benchmark times next in the parent process.
            env={**os.environ, "SVT_LOG": "1", "OMP_WAIT_POLICY": "PASSIVE"},
        )
        self.versions = self._receive()

    def _receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"worker exited with code {self.proc.wait()}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def request(self, **message: Any) -> dict[str, Any]:
        """Send one request and return the reply."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        return self._receive()

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
