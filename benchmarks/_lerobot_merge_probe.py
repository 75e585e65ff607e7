"""Subprocess worker for bench_merge.py: time LeRobot 0.6.1's two ways of merging datasets.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv), with
``HF_HUB_OFFLINE=1`` and ``HF_LEROBOT_HOME`` pointing at a scratch folder (the driver sets
both), so nothing touches the network or the user's LeRobot home. LeRobot, torch and
everything the merge functions import are loaded before any clock.

It serves ``_worker_loop.py``'s JSON-lines protocol; its first line gives ``{"lerobot",
"av", "torch", "python"}``. Requests:

- ``{"op": "aggregate", "roots": [DIR, ...], "out": DIR}``: times
  ``lerobot.datasets.aggregate.aggregate_datasets(repo_ids, aggr_repo_id, roots=roots,
  aggr_root=out)`` with LeRobot's default file sizes, sources in the order given.
- ``{"op": "merge", "roots": [DIR, ...], "out": DIR}``: opens one
  ``LeRobotDataset(repo_id, root=root)`` per source (timed apart: ``open_s``), then times
  ``lerobot.datasets.dataset_tools.merge_datasets(datasets, output_repo_id,
  output_dir=out)`` (which calls ``aggregate_datasets`` and opens the merged
  ``LeRobotDataset``).

``out`` must not exist; the driver deletes it afterwards. Each reply carries ``seconds`` (the
call alone, garbage collector off) and what the output holds, read back from its
``meta/info.json`` outside the timing: ``episodes``, ``frames``, ``tasks``.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

from _timing import timed
from _worker_loop import Reply, lerobot_versions, serve


def _repo_ids(roots: list[Path]) -> list[str]:
    return [f"bench/merge-source-{i}" for i in range(len(roots))]


def _written(out: Path) -> dict[str, Any]:
    """Totals of the dataset LeRobot wrote at ``out``."""
    info = json.loads((out / "meta" / "info.json").read_text())
    return {
        "episodes": info["total_episodes"],
        "frames": info["total_frames"],
        "tasks": info["total_tasks"],
    }


def aggregate(message: dict[str, Any]) -> Reply:
    from lerobot.datasets.aggregate import aggregate_datasets

    roots, out = [Path(r) for r in message["roots"]], Path(message["out"])
    seconds, _ = timed(
        aggregate_datasets,
        repo_ids=_repo_ids(roots),
        aggr_repo_id="bench/merged",
        roots=roots,
        aggr_root=out,
    )
    return {"seconds": seconds, **_written(out)}


def merge(message: dict[str, Any]) -> Reply:
    from lerobot.datasets.dataset_tools import merge_datasets
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    roots, out = [Path(r) for r in message["roots"]], Path(message["out"])
    open_s, datasets = timed(
        lambda: [
            LeRobotDataset(repo_id, root=root)
            for repo_id, root in zip(_repo_ids(roots), roots, strict=True)
        ]
    )
    seconds, _ = timed(merge_datasets, datasets, "bench/merged", output_dir=out)
    return {"seconds": seconds, "open_s": open_s, **_written(out)}


def hello() -> Reply:
    # Everything the timed calls import is loaded here, before any clock.
    import lerobot.datasets.aggregate
    import lerobot.datasets.dataset_tools
    import lerobot.datasets.lerobot_dataset  # noqa: F401

    return {**lerobot_versions(), "python": platform.python_version()}


def main() -> int:
    serve({"aggregate": aggregate, "merge": merge}, hello)
    return 0


if __name__ == "__main__":
    sys.exit(main())
