"""``lerobot-video study`` and ``recommend``: the codec study and the recommender."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lerobot_video import DEFAULT_SEARCH, StudyGrid, StudyTarget, recommend_encoding, run_study
from lerobot_video.cli.arguments import add_executor_options, clip, executor
from lerobot_video.cli.encoder_flags import int_or_none, preset_value
from lerobot_video.cli.output import ProgressBar, print_json


def run_grid(args: argparse.Namespace) -> int:
    """Run the study grid and print where its table is."""
    grid = StudyGrid(
        vcodec=args.vcodec, pix_fmt=args.pix_fmt, g=args.g, crf=args.crf, preset=args.preset
    )
    result = run_study(
        [clip(name) for name in args.clips],
        grid,
        output_dir=args.output_dir,
        scenarios=args.scenarios,
        num_samples=args.num_samples,
        executor=executor(args),
        progress=None if args.json else ProgressBar("cells"),
    )
    summary = {
        "csv": result.csv_path,
        "parquet": result.parquet_path,
        "cells": result.cells,
        "cached_cells": result.cached_cells,
        "skipped": [reason for _, reason in result.skipped],
    }
    if args.json:
        print_json(summary)
    else:
        print(f"{result.cells} cells ({result.cached_cells} from the cache): {result.csv_path}")
    return 0


def run_recommend(args: argparse.Namespace) -> int:
    """Search for the smallest encoding meeting the target and explain it."""
    target = StudyTarget(
        min_psnr_db=args.min_psnr,
        max_load_time_ratio=None if args.max_load_ratio == 0 else args.max_load_ratio,
        min_encode_fps=args.min_encode_fps,
        browser_playable=args.browser,
    )
    search = [g for g in DEFAULT_SEARCH if not args.vcodec or g.vcodec[0] in args.vcodec]
    found = recommend_encoding(
        clip(args.clip),
        output_dir=args.output_dir,
        target=target,
        search=search,
        num_samples=args.num_samples,
        executor=executor(args),
        progress=None if args.json else ProgressBar("cells"),
    )
    if args.json:
        print_json(
            {
                "proposal": found.proposal_config,
                "size_saving": found.size_saving,
                "min_psnr_db": found.min_psnr_db,
                "default_on_front": found.default_on_front,
                "default": found.default,
                "proposal_row": found.proposal,
                "front": found.front,
                "explanation": found.explanation,
            }
        )
    else:
        print(found.explanation)
    return 0


def _add_work_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output-dir", type=Path, default=Path("lerobot-video-study"),
                        help="folder for PNG frames, the cell cache and the tables")  # fmt: skip
    parser.add_argument("--num-samples", type=int, default=50, help="requests timed per mode")
    add_executor_options(parser)


def add_study_parser(commands: Any) -> None:
    """The ``study`` subcommand."""
    study = commands.add_parser("study", help="clips x encoder grid: size, load time, fidelity")
    study.add_argument("--clips", nargs="+", default=["aloha"], help="aloha, pusht, or files")
    study.add_argument("--vcodec", nargs="+", default=["libsvtav1", "h264", "hevc"])
    study.add_argument("--pix-fmt", nargs="+", default=["yuv420p"])
    study.add_argument("--g", nargs="+", type=int_or_none, default=[1, 2, 10, None])
    study.add_argument("--crf", nargs="+", type=int_or_none, default=[20, 30, 40])
    study.add_argument("--preset", nargs="+", type=preset_value, default=[None])
    study.add_argument("--scenarios", nargs="+", default=["1_frame", "6_frames"])
    study.add_argument("--json", action="store_true", help="a JSON summary on stdout")
    _add_work_options(study)
    study.set_defaults(run=run_grid)


def add_recommend_parser(commands: Any) -> None:
    """The ``recommend`` subcommand."""
    recommend = commands.add_parser("recommend", help="the smallest encoding meeting a target")
    recommend.add_argument("clip", help="aloha, pusht, or a clip file")
    recommend.add_argument("--min-psnr", type=float, help="dB (default: LeRobot default's)")
    recommend.add_argument("--max-load-ratio", type=float, default=1.0,
                           help="6-frame load time / PNG's; 0 for no limit")  # fmt: skip
    recommend.add_argument("--min-encode-fps", type=float, help="for live recording")
    recommend.add_argument("--browser", action="store_true", help="must play in browsers")
    recommend.add_argument("--vcodec", nargs="+", choices=("libsvtav1", "h264", "hevc"),
                           help="search only these encoders (default: all three)")  # fmt: skip
    recommend.add_argument("--json", action="store_true", help="the result as JSON")
    _add_work_options(recommend)
    recommend.set_defaults(run=run_recommend, num_samples=20)
