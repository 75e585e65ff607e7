"""Inputs several subcommands share: clip names, dataset sources, where work runs.

Turns what a person types into the library's inputs; prints nothing.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from lerobot_video import (
    BUNDLED_PUSHT_CLIP,
    BUNDLED_RGB_CLIP,
    Clip,
    ConfigError,
    DatasetReader,
    Executor,
    InlineExecutor,
    LocalExecutor,
    RayExecutor,
    load_clip,
    open_hub_dataset,
)

BUNDLED = {"aloha": BUNDLED_RGB_CLIP, "pusht": BUNDLED_PUSHT_CLIP}
"""Clip names accepted in place of a file: the bundled sample clips."""


def clip(name: str) -> Clip:
    """A bundled clip by name (``aloha``, ``pusht``), or a clip file."""
    return load_clip(BUNDLED.get(name, Path(name)))


def dataset_source(text: str, revision: str | None = None) -> Path | DatasetReader:
    """A dataset folder, or a Hub dataset's reader for a repo id (``HF_TOKEN`` if private).

    Raises:
        ConfigError: Neither an existing path nor a ``namespace/name`` id.
        HubNotFoundError, HubAccessError, HubUnreachableError: The Hub refused or is down.
    """
    if Path(text).exists():
        return Path(text)
    if text.count("/") == 1 and not text.startswith((".", "/", "~")):
        return open_hub_dataset(text, revision=revision, token=os.environ.get("HF_TOKEN")).reader
    raise ConfigError(
        f"No dataset folder {text!r}; give a LeRobot v3.0 dataset folder or a Hub repo id "
        f"such as 'lerobot/pusht'."
    )


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """``--executor local|ray|inline`` and ``--workers N``."""
    parser.add_argument(
        "--executor",
        choices=("local", "ray", "inline"),
        default="local",
        help="local: a process pool; ray: RAY_ADDRESS or a local Ray cluster; inline: here",
    )
    parser.add_argument("--workers", type=int, default=None, help="tasks at once (default: cores)")


def executor(args: argparse.Namespace) -> Executor:
    """The executor ``--executor`` and ``--workers`` ask for."""
    if args.executor == "inline":
        return InlineExecutor()
    if args.executor == "ray":
        return RayExecutor(max_workers=args.workers)
    return LocalExecutor(args.workers)
