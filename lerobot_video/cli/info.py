"""``lerobot-video info``: a dataset's encoding report, for people or as JSON."""

from __future__ import annotations

import argparse
from typing import Any

from lerobot_video import DatasetReport, encoding_report
from lerobot_video.cli.arguments import dataset_source
from lerobot_video.cli.output import jsonable, print_json


def report_lines(report: DatasetReport) -> list[str]:
    """The report for people: one line per camera, then one per finding."""
    lines = [f"{report.root}: {report.num_episodes} episodes at {report.fps} fps"]
    for feature in report.features:
        gop = feature.keyframe_interval_frames
        keyframes = "one keyframe" if gop is None else f"keyframes every {gop[1]:g} frames"
        lines.append(
            f"  {feature.key}: {feature.video.codec} {feature.video.pix_fmt} "
            f"{feature.video.width}x{feature.video.height}, {keyframes}, "
            f"B-frames {'yes' if feature.has_reordering else 'no'}, "
            f"{feature.bitrate_bits_per_second / 1e6:.2f} Mbit/s, browser "
            f"{'plays it' if feature.browser.plays_in_browsers else 'does not play it'}"
        )
    lines.extend(f"  {finding.severity}: {finding.message}" for finding in report.findings)
    return lines


def run(args: argparse.Namespace) -> int:
    """Print the report; 1 when it has a finding of severity error."""
    report = encoding_report(dataset_source(str(args.dataset), args.revision))
    if args.json:
        print_json({**jsonable(report), "findings": jsonable(report.findings)})
    else:
        print("\n".join(report_lines(report)))
    return 1 if any(f.severity == "error" for f in report.findings) else 0


def add_parser(commands: Any) -> None:
    """The ``info`` subcommand."""
    info = commands.add_parser("info", help="the encoding report of a dataset (folder or Hub)")
    info.add_argument("dataset", help="a dataset folder, or a Hub repo id (HF_TOKEN if private)")
    info.add_argument("--revision", help="Hub branch, tag or commit (default: as LeRobot picks)")
    info.add_argument("--json", action="store_true", help="the report as JSON")
    info.set_defaults(run=run)
