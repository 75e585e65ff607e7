"""``lerobot-video push``: publish a local dataset to a Hub dataset repo, tagged ``v3.0``.

The token comes from ``--token`` or ``HF_TOKEN`` (or ``hf auth login``'s); it is never printed.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from lerobot_video import push_dataset
from lerobot_video.cli.output import ProgressBar, print_json

_MB = 1e6


def run(args: argparse.Namespace) -> int:
    """Push the dataset and print the commit it made."""
    token = args.token or os.environ.get("HF_TOKEN") or None
    result = push_dataset(
        args.dataset,
        args.repo_id,
        token=token,
        private=args.private,
        progress=None if args.json else ProgressBar("MB", scale=_MB),
    )
    if args.json:
        print_json(result)
    else:
        print(
            f"Pushed {result.num_files} files ({result.num_bytes / _MB:.1f} MB) to "
            f"{result.repo_id}: commit {result.commit[:12]}, tag {result.tag}"
        )
    return 0


def add_parser(commands: Any) -> None:
    """The ``push`` subcommand."""
    push = commands.add_parser(
        "push",
        help="publish a dataset folder to a Hub dataset repo (tag v3.0)",
        description="A rerun after an interruption uploads only what the Hub lacks. The "
        "token needs write access; prefer HF_TOKEN to --token (other users can see command "
        "lines).",
    )
    push.add_argument("dataset", type=Path, help="the dataset folder (only read)")
    push.add_argument("repo_id", help="namespace/name of the Hub dataset repo")
    push.add_argument("--private", action="store_true", help="create the repo private")
    push.add_argument("--token", help="a write token (default: HF_TOKEN, or hf auth login's)")
    push.add_argument("--json", action="store_true", help="the commit as JSON")
    push.set_defaults(run=run)
