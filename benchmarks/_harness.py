"""What every bench_*.py script shares: the bundled clips, the header line, the LeRobot switch.

Driver side only (this repo's interpreter); the LeRobot workers never import it. Importing it
puts the checkout first on ``sys.path``, so a checkout's ``lerobot_video`` wins over a stale
editable install: import it before ``lerobot_video``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

BENCHMARKS = REPO / "benchmarks"
RGB_CLIP = REPO / "assets" / "aloha_sim_rgb_ep0.npz"
DEPTH_CLIP = REPO / "assets" / "aloha_sim_depth_ep0.npz"
TOLERANCE_SECONDS = 1e-4  # LeRobotDataset's default.

LEROBOT_HOW_TO = (
    "pass --lerobot-python PATH or set LEROBOT_PYTHON to an interpreter with "
    "lerobot[dataset]==0.6.1 (see benchmarks/README.md)"
)

UInt8Frames = npt.NDArray[np.uint8]
DepthFrames = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class RGBClip:
    """A bundled RGB clip: ``frames`` uint8 (N, H, W, 3) at ``fps``."""

    path: Path
    frames: UInt8Frames
    fps: int


@dataclass(frozen=True, slots=True)
class DepthClip:
    """A bundled depth clip: ``depth`` float32 metres (N, H, W) at ``fps``."""

    path: Path
    depth: DepthFrames
    fps: int


def load_rgb_clip(path: Path | None = None) -> RGBClip:
    """The ``frames`` and ``fps`` of an npz clip (default: the bundled ALOHA RGB clip)."""
    path = RGB_CLIP if path is None else path
    with np.load(path, allow_pickle=False) as data:
        return RGBClip(path, np.ascontiguousarray(data["frames"]), int(data["fps"]))


def load_depth_clip(path: Path | None = None, frames: int | None = None) -> DepthClip:
    """The first ``frames`` (None: all) of an npz's ``depth``, float32 metres, and its fps."""
    path = DEPTH_CLIP if path is None else path
    with np.load(path, allow_pickle=False) as data:
        depth = np.ascontiguousarray(data["depth"][:frames], dtype=np.float32)
        return DepthClip(path, depth, int(data["fps"]))


def clip_line(path: Path, shape: tuple[int, ...], fps: int, kind: str = "") -> str:
    """``Clip NAME: N frames WxH[ kind] @ FPS fps`` for frames of ``shape`` (N, H, W, ...)."""
    return f"Clip {path.name}: {shape[0]} frames {shape[2]}x{shape[1]}{kind} @ {fps} fps"


def machine_line(versions: Mapping[str, str] | None = None, *, load: bool = False) -> str:
    """``Python X, av Y[, name version...], N CPUs[, load L]``: the machine and the versions."""
    parts = [f"Python {platform.python_version()}", f"av {av.__version__}"]
    parts += [f"{name} {version}" for name, version in (versions or {}).items()]
    parts.append(f"{os.cpu_count()} CPUs")
    if load:
        parts.append(f"load {os.getloadavg()[0]:.2f}")
    return ", ".join(parts)


def array_sha1(array: npt.NDArray[Any]) -> str:
    """SHA-1 of an array's bytes in C order."""
    return hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest()


def add_clip_argument(parser: argparse.ArgumentParser, default: Path, what: str) -> None:
    """``--clip PATH``, an npz holding ``what``; ``None`` stands for ``default``."""
    parser.add_argument(
        "--clip", type=Path, default=None, help=f"npz with {what} (default {default})"
    )


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    """``--json PATH``: where to write every figure."""
    parser.add_argument("--json", type=Path, default=None, help="write all figures here")


def add_lerobot_arguments(parser: argparse.ArgumentParser) -> None:
    """``--lerobot-python PATH`` and ``--no-lerobot``; read back with :func:`lerobot_python`."""
    parser.add_argument(
        "--lerobot-python",
        default=None,
        help="interpreter with lerobot installed (default: $LEROBOT_PYTHON; with neither, "
        "LeRobot is not run); '' turns LeRobot off",
    )
    parser.add_argument(
        "--no-lerobot", action="store_true", help="do not run LeRobot, even with LEROBOT_PYTHON"
    )


def _lerobot_setting(args: argparse.Namespace) -> str | None:
    """``--lerobot-python``, else ``LEROBOT_PYTHON``, else ``None`` (neither given)."""
    if args.lerobot_python is not None:
        return str(args.lerobot_python)
    return os.environ.get("LEROBOT_PYTHON")


def lerobot_python(args: argparse.Namespace) -> str | None:
    """The LeRobot interpreter to run, or ``None`` when LeRobot is off or not configured.

    ``--lerobot-python`` wins over ``LEROBOT_PYTHON``; an empty value turns LeRobot off.

    Raises:
        SystemExit: the interpreter named does not exist.
    """
    value = None if args.no_lerobot else _lerobot_setting(args)
    if not value:
        return None
    if shutil.which(value) is None:
        raise SystemExit(
            f"LeRobot interpreter {value!r} (--lerobot-python or LEROBOT_PYTHON) not found."
        )
    return value


def lerobot_not_run_line(args: argparse.Namespace) -> str:
    """Why LeRobot was not run, and how to run it."""
    if args.no_lerobot or _lerobot_setting(args) == "":
        return "LeRobot: not run (turned off)."
    return f"LeRobot: not run (no interpreter given). To compare with LeRobot, {LEROBOT_HOW_TO}."


def write_json(path: Path | None, report: Mapping[str, Any]) -> None:
    """Write ``report`` as indented JSON to ``path`` (nothing when ``path`` is None)."""
    if path is not None:
        path.write_text(json.dumps(report, indent=2) + "\n")
