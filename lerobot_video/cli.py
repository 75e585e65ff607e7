"""The ``lerobot-video`` command: the library's jobs for scripts, CI and clusters.

Each subcommand calls one public function and prints its result for people, or as JSON
with ``--json`` for scripts. Errors are one line on stderr saying what was wrong and what to
do (the traceback only with ``--debug``), and the exit code says what kind of outcome it was
(:data:`EXIT_CODES`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lerobot_video.clips import BUNDLED_PUSHT_CLIP, BUNDLED_RGB_CLIP, load_clip
from lerobot_video.codec.encode import encode_video
from lerobot_video.codec.options import codec_options
from lerobot_video.config import RGBEncoderConfig
from lerobot_video.dataset.hub import open_hub_dataset
from lerobot_video.dataset.report import DatasetReport, encoding_report
from lerobot_video.errors import (
    ConfigError,
    HubUnreachableError,
    LeRobotVideoError,
    WorkerLostError,
)
from lerobot_video.executor import Executor, InlineExecutor, LocalExecutor, RayExecutor
from lerobot_video.study.grid import StudyGrid
from lerobot_video.study.recommend import DEFAULT_SEARCH, StudyTarget, recommend_encoding
from lerobot_video.study.runner import run_study

EXIT_CODES = {
    0: "done; for `info`, no finding of severity error",
    1: "`info` found errors in the dataset (its report is still printed)",
    2: "the command line is wrong (unknown subcommand or option, bad value)",
    3: "the input was refused: a bad setting, file, dataset, path or Hub repo (the message "
    "says which)",
    4: "the machine failed while working: the network, a worker, the disk (rerun to resume)",
    130: "interrupted (Ctrl-C); finished study cells are kept",
}
"""Exit code to its meaning, as ``--help`` lists them."""

BUNDLED = {"aloha": BUNDLED_RGB_CLIP, "pusht": BUNDLED_PUSHT_CLIP}
"""Clip names accepted in place of a file: the bundled sample clips."""


def _jsonable(value: Any) -> Any:
    """Dataclasses, paths, tuples, numpy scalars and non-finite floats as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and callable(value.item):
        value = value.item()  # numpy scalars
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _print_json(value: Any) -> None:
    print(json.dumps(_jsonable(value), indent=1))


def _report_lines(report: DatasetReport) -> list[str]:
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
    for finding in report.findings:
        lines.append(f"  {finding.severity}: {finding.message}")
    return lines


def _info(args: argparse.Namespace) -> int:
    source = str(args.dataset)
    if Path(source).exists():
        report = encoding_report(Path(source))
    elif source.count("/") == 1 and not source.startswith((".", "/", "~")):
        hub = open_hub_dataset(source, revision=args.revision, token=os.environ.get("HF_TOKEN"))
        report = encoding_report(hub.reader)
    else:
        raise ConfigError(
            f"No dataset folder {source!r}; give a LeRobot v3.0 dataset folder or a Hub "
            f"repo id such as 'lerobot/pusht'."
        )
    if args.json:
        _print_json({**_jsonable(report), "findings": _jsonable(report.findings)})
    else:
        print("\n".join(_report_lines(report)))
    return 1 if any(f.severity == "error" for f in report.findings) else 0


def _executor(args: argparse.Namespace) -> Executor:
    if args.executor == "inline":
        return InlineExecutor()
    if args.executor == "ray":
        return RayExecutor(max_workers=args.workers)
    return LocalExecutor(args.workers)


def _clip(name: str) -> Any:
    return load_clip(BUNDLED.get(name, Path(name)))


def _progress(done: int, total: int) -> None:
    print(f"\r{done}/{total} cells", end="", file=sys.stderr, flush=True)
    if done == total:
        print(file=sys.stderr)


def _study(args: argparse.Namespace) -> int:
    grid = StudyGrid(
        vcodec=args.vcodec, pix_fmt=args.pix_fmt, g=args.g, crf=args.crf, preset=args.preset
    )
    result = run_study(
        [_clip(name) for name in args.clips],
        grid,
        output_dir=args.output_dir,
        scenarios=args.scenarios,
        num_samples=args.num_samples,
        executor=_executor(args),
        progress=None if args.json else _progress,
    )
    summary = {
        "csv": result.csv_path,
        "parquet": result.parquet_path,
        "cells": result.cells,
        "cached_cells": result.cached_cells,
        "skipped": [reason for _, reason in result.skipped],
    }
    if args.json:
        _print_json(summary)
    else:
        print(f"{result.cells} cells ({result.cached_cells} from the cache): {result.csv_path}")
    return 0


def _recommend(args: argparse.Namespace) -> int:
    target = StudyTarget(
        min_psnr_db=args.min_psnr,
        max_load_time_ratio=None if args.max_load_ratio == 0 else args.max_load_ratio,
        min_encode_fps=args.min_encode_fps,
        browser_playable=args.browser,
    )
    search = [g for g in DEFAULT_SEARCH if not args.vcodec or g.vcodec[0] in args.vcodec]
    found = recommend_encoding(
        _clip(args.clip),
        output_dir=args.output_dir,
        target=target,
        search=search,
        num_samples=args.num_samples,
        executor=_executor(args),
        progress=None if args.json else _progress,
    )
    if args.json:
        _print_json(
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


RGB_FIELDS = ("vcodec", "pix_fmt", "g", "crf", "preset", "fast_decode", "extra_options")
"""The RGB encoder's fields, as flags ``--rgb_encoder.<field>`` (LeRobot's names)."""


def _crf(text: str) -> float | int | None:
    if text.lower() == "none":
        return None
    value = float(text)
    return int(value) if value.is_integer() else value


def _options(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not JSON: {err}") from err
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError('give a JSON object such as \'{"tune": "film"}\'')
    return value


def _add_rgb_encoder(parser: argparse.ArgumentParser) -> None:
    """``--rgb_encoder.<field>``, with LeRobot's documented spellings as aliases."""
    kinds: dict[str, Callable[[str], Any]] = {
        "vcodec": str,
        "pix_fmt": str,
        "g": _int_or_none,
        "crf": _crf,
        "preset": _preset,
        "fast_decode": int,
        "extra_options": _options,
    }
    for field, kind in kinds.items():
        parser.add_argument(
            f"--rgb_encoder.{field}",
            f"--dataset.rgb_encoder.{field}",
            f"--dataset.camera_encoder.{field}",
            dest=f"rgb_{field}",
            type=kind,
            metavar="VALUE",
        )


def _rgb_config(args: argparse.Namespace) -> RGBEncoderConfig:
    """The config from the flags given; LeRobot's default for each one left out."""
    given = {f: getattr(args, f"rgb_{f}") for f in RGB_FIELDS}
    return RGBEncoderConfig(**{f: v for f, v in given.items() if v is not None})


def _encode(args: argparse.Namespace) -> int:
    clip = _clip(args.clip)
    config = _rgb_config(args)
    info = encode_video(clip.frames, args.output, fps=args.fps or clip.fps, config=config)
    size = Path(args.output).stat().st_size
    if args.json:
        _print_json({"output": args.output, "size_bytes": size, "info": info})
    else:
        options = ", ".join(f"{k}={v}" for k, v in codec_options(config).items())
        print(f"{args.output}: {len(clip.frames)} frames, {size:,} bytes ({options})")
    return 0


def _int_or_none(text: str) -> int | None:
    return None if text.lower() == "none" else int(text)


def _preset(text: str) -> int | str | None:
    if text.lower() == "none":
        return None
    return int(text) if text.lstrip("-").isdigit() else text


def _add_work_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output-dir", type=Path, default=Path("lerobot-video-study"),
                        help="folder for PNG frames, the cell cache and the tables")  # fmt: skip
    parser.add_argument("--num-samples", type=int, default=50, help="requests timed per mode")
    parser.add_argument(
        "--executor",
        choices=("local", "ray", "inline"),
        default="local",
        help="local: a process pool; ray: RAY_ADDRESS or a local Ray cluster",
    )
    parser.add_argument("--workers", type=int, default=None, help="tasks at once (default: cores)")


Commands = Any  # argparse's private _SubParsersAction


def _add_info(commands: Commands) -> None:
    info = commands.add_parser("info", help="the encoding report of a dataset (folder or Hub)")
    info.add_argument("dataset", help="a dataset folder, or a Hub repo id (HF_TOKEN if private)")
    info.add_argument("--revision", help="Hub branch, tag or commit (default: as LeRobot picks)")
    info.add_argument("--json", action="store_true", help="the report as JSON")
    info.set_defaults(run=_info)


def _add_encode(commands: Commands) -> None:
    encode = commands.add_parser(
        "encode",
        help="encode a clip as LeRobot stores a camera",
        description="Flags: --rgb_encoder.<field> for vcodec, pix_fmt, g, crf, preset, "
        "fast_decode, extra_options (JSON); LeRobot's --dataset.rgb_encoder.<field> and "
        "--dataset.camera_encoder.<field> spellings are accepted. Unset fields take "
        "LeRobot's defaults (libsvtav1, yuv420p, g=2, crf=30).",
    )
    encode.add_argument("clip", help="aloha, pusht, an .npz, a video or image file")
    encode.add_argument("output", type=Path, help="the MP4 to write")
    encode.add_argument("--fps", type=int, help="frames per second (default: the clip's)")
    encode.add_argument("--json", action="store_true", help="the info block as JSON")
    _add_rgb_encoder(encode)
    encode.set_defaults(run=_encode)


def _add_study(commands: Commands) -> None:
    study = commands.add_parser("study", help="clips x encoder grid: size, load time, fidelity")
    study.add_argument("--clips", nargs="+", default=["aloha"], help="aloha, pusht, or files")
    study.add_argument("--vcodec", nargs="+", default=["libsvtav1", "h264", "hevc"])
    study.add_argument("--pix-fmt", nargs="+", default=["yuv420p"])
    study.add_argument("--g", nargs="+", type=_int_or_none, default=[1, 2, 10, None])
    study.add_argument("--crf", nargs="+", type=_int_or_none, default=[20, 30, 40])
    study.add_argument("--preset", nargs="+", type=_preset, default=[None])
    study.add_argument("--scenarios", nargs="+", default=["1_frame", "6_frames"])
    study.add_argument("--json", action="store_true", help="a JSON summary on stdout")
    _add_work_options(study)
    study.set_defaults(run=_study)


def _add_recommend(commands: Commands) -> None:
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
    recommend.set_defaults(run=_recommend, num_samples=20)


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
    for add in (_add_info, _add_encode, _add_study, _add_recommend):
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see :data:`EXIT_CODES`)."""
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"lerobot-video {args.command}: interrupted.", file=sys.stderr)
        return 130
    except (LeRobotVideoError, OSError) as err:
        if args.debug:
            raise
        print(f"lerobot-video {args.command}: {_one_line(err)}", file=sys.stderr)
        failed = not isinstance(err, LeRobotVideoError) or isinstance(
            err, WorkerLostError | HubUnreachableError
        )
        return 4 if failed else 3


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 400 else text[:397] + "..."
