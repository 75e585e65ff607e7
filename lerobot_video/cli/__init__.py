"""The ``lerobot-video`` command: the library's jobs for scripts, CI and clusters.

Each subcommand (one module each) calls the library's public functions and prints the result
for people, or as JSON with ``--json`` for scripts. Errors are one line on stderr saying what
was wrong and what to do (the traceback only with ``--debug``), and the exit code says what
kind of outcome it was (:data:`EXIT_CODES`). Progress bars go to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from lerobot_video import HubUnreachableError, LeRobotVideoError, WorkerLostError
from lerobot_video.cli import compare, encode, info, merge, push, record, reencode, study
from lerobot_video.cli.output import end_progress_line, one_line

EXIT_CODES = {
    0: "done; for `info`, no finding of severity error",
    1: "`info` found errors in the dataset (its report is still printed), or a merged "
    "dataset failed its verification",
    2: "the command line is wrong (unknown subcommand or option, bad value)",
    3: "the input was refused: a bad setting, file, dataset, path or Hub repo, a camera that "
    "is not there, merge conflicts, or a merge not confirmed (the message says which)",
    4: "the machine failed while working: the network, a worker, a camera, the disk (rerun to "
    "resume)",
    130: "interrupted (Ctrl-C); finished study cells and recorded episodes are kept",
}
"""Exit code to its meaning, as ``--help`` lists them."""

SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (
    info.add_parser,
    encode.add_parser,
    compare.add_parser,
    study.add_study_parser,
    study.add_recommend_parser,
    record.add_parser,
    merge.add_parser,
    reencode.add_parser,
    push.add_parser,
)
"""Each subcommand's parser builder, in ``--help`` order."""


def _parser() -> argparse.ArgumentParser:
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    parser = argparse.ArgumentParser(
        prog="lerobot-video",
        description="LeRobot's video contract from the command line.",
        epilog=f"exit codes:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in SUBCOMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see :data:`EXIT_CODES`)."""
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except KeyboardInterrupt:
        end_progress_line()
        print(f"lerobot-video {args.command}: interrupted.", file=sys.stderr)
        return 130
    except (LeRobotVideoError, OSError) as err:
        if args.debug:
            raise
        end_progress_line()
        print(f"lerobot-video {args.command}: {one_line(err)}", file=sys.stderr)
        failed = not isinstance(err, LeRobotVideoError) or isinstance(
            err, WorkerLostError | HubUnreachableError
        )
        return 4 if failed else 3
