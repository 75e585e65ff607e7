"""Running the installed ``lerobot-video`` script, and the tiny datasets its tests share."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "lerobot_dataset" / "data"
SCRIPT = shutil.which("lerobot-video", path=str(Path(sys.executable).parent))

FAST_ENCODERS = (
    "--rgb_encoder.vcodec", "h264", "--rgb_encoder.preset", "ultrafast",
    "--depth_encoder.preset", "ultrafast",
)  # fmt: skip
"""Encoder flags that keep a 480x640 replay recording to about a second."""


def env_for(cwd: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """A small, predictable environment for the script (no inherited HF_* or tokens)."""
    return {"SVT_LOG": "1", "PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})}


def script() -> str:
    assert SCRIPT is not None, "the console script is not installed (pip install -e .)"
    return SCRIPT


def run(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the script to the end; stdin is not a terminal (it reads as empty)."""
    return subprocess.run(
        [script(), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env_for(cwd, env),
        stdin=subprocess.DEVNULL,
        timeout=240,
    )


def run_json(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> Any:
    """Run with ``--json``; assert exit 0 and return the parsed document."""
    done = run(*args, "--json", cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def hub_env() -> dict[str, str]:
    """The local endpoint's settings, as the `local_hub` fixture set them for this process."""
    return {k: v for k, v in os.environ.items() if k.startswith("HF_")}


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    """The run exited ``code`` with exactly one stderr line holding ``text``, no traceback."""
    assert done.returncode == code, (done.returncode, done.stderr)
    assert text in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def record_replay(output: Path, *args: str, episodes: int = 2, frames: int = 10) -> Any:
    """Record a tiny dataset from the bundled replay; returns ``record --json``'s document."""
    return run_json(
        "record", str(output), "--episodes", str(episodes), "--frames-per-episode", str(frames),
        *FAST_ENCODERS, *args, cwd=output.parent,
    )  # fmt: skip
