"""``lerobot-video merge``: plan a merge, show it, confirm, write it, verify it.

Nothing is written before the plan is shown and confirmed (``--yes``, or ``y`` at the
terminal's prompt); a plan with conflicts is refused with the first ones listed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lerobot_video import (
    ConfigError,
    MergeConflictError,
    MergePlan,
    MergeVerification,
    execute_merge,
    plan_merge,
    verify_merge,
)
from lerobot_video.cli.arguments import dataset_source
from lerobot_video.cli.output import ProgressBar, jsonable, print_json

SHOWN_CONFLICTS = 3
"""Conflicts named in the one-line refusal (the plan lists them all)."""


def plan_summary(plan: MergePlan) -> dict[str, Any]:
    """The plan as JSON: sources, totals, tasks and what blocks or deserves a look."""
    return {
        "ok": plan.ok,
        "sources": jsonable(plan.sources),
        "total_episodes": plan.total_episodes,
        "total_frames": plan.total_frames,
        "tasks": list(plan.tasks),
        "conflicts": jsonable(plan.conflicts),
        "warnings": list(plan.warnings),
        "loose": jsonable(plan.loose),
        "dropped": list(plan.dropped),
    }


def plan_lines(plan: MergePlan, output: Path) -> list[str]:
    """The plan for people: one line per source, then warnings and conflicts."""
    lines = [
        f"Merge {len(plan.sources)} datasets into {output}: {plan.total_episodes} episodes, "
        f"{plan.total_frames} frames, {len(plan.tasks)} tasks"
    ]
    for position, source in enumerate(plan.sources):
        lines.append(
            f"  {position}. {source.name}: {source.num_episodes} episodes, "
            f"{source.num_frames} frames at {source.fps} fps ({', '.join(source.feature_keys)})"
        )
    lines.extend(f"  warning: {warning}" for warning in plan.warnings)
    lines.extend(f"  conflict: {c.message}" for c in plan.conflicts)
    return lines


def _refuse_conflicts(plan: MergePlan) -> None:
    shown = " ".join(c.message for c in plan.conflicts[:SHOWN_CONFLICTS])
    more = len(plan.conflicts) - SHOWN_CONFLICTS
    raise MergeConflictError(
        f"{len(plan.conflicts)} conflicts block the merge. {shown}"
        + (f" (and {more} more; see the plan)" if more > 0 else "")
    )


def _confirm(plan: MergePlan, output: Path) -> None:
    """Ask on the terminal; refuse (``ConfigError``) without one, or without a yes."""
    if not sys.stdin.isatty():
        raise ConfigError(
            "Not merging: there is no terminal to confirm on; pass --yes to merge without "
            "asking (or --dry-run to see the plan only)."
        )
    print(
        f"Write {plan.total_episodes} episodes into {output}? [y/N] ",
        end="",
        file=sys.stderr,
        flush=True,
    )
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise ConfigError("Not merging: not confirmed; nothing was written.")


def _verification_lines(verification: MergeVerification) -> list[str]:
    if verification.ok:
        return [f"Verified {verification.root}: {len(verification.checks)} checks hold."]
    return [f"{verification.root} FAILED its checks:", *(f"  {p}" for p in verification.problems)]


def run(args: argparse.Namespace) -> int:
    """Plan, show, confirm, merge, verify; 1 when the merged dataset fails verification."""
    plan = plan_merge([dataset_source(s, args.revision) for s in args.sources])
    summary = {"plan": plan_summary(plan)}
    if not args.json:
        print("\n".join(plan_lines(plan, args.output)), flush=True)
    if not plan.ok or args.dry_run:
        if args.json:
            print_json(summary)
        if not plan.ok:
            _refuse_conflicts(plan)
        return 0
    if not args.yes:
        _confirm(plan, args.output)
    merged = execute_merge(plan, args.output, progress=None if args.json else ProgressBar("steps"))
    verification = verify_merge(plan, merged.root)
    if args.json:
        checks = {"ok": verification.ok, "checks": jsonable(verification.checks)}
        print_json({**summary, "merged": jsonable(merged), "verification": checks})
    else:
        print("\n".join(_verification_lines(verification)))
    return 0 if verification.ok else 1


def add_parser(commands: Any) -> None:
    """The ``merge`` subcommand."""
    merge = commands.add_parser(
        "merge",
        help="merge datasets into a new one: plan, confirm, write, verify",
        description="Shows the plan first. Without --yes it asks on the terminal, and refuses "
        "(exit 3) when there is none. Exit 1 when the merged dataset fails verification.",
    )
    merge.add_argument("sources", nargs="+", metavar="SOURCE",
                       help="dataset folders or Hub repo ids, in merge order")  # fmt: skip
    merge.add_argument("--output", type=Path, required=True, metavar="DIR",
                       help="the new dataset folder (must not exist)")  # fmt: skip
    merge.add_argument("--yes", action="store_true", help="merge without asking")
    merge.add_argument("--dry-run", action="store_true", help="print the plan only")
    merge.add_argument("--revision", help="Hub revision of Hub sources (default: as LeRobot)")
    merge.add_argument("--json", action="store_true", help="plan and result as JSON")
    merge.set_defaults(run=run)
