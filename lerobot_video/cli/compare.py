"""``lerobot-video compare``: one clip under several encoder settings, side by side.

Each setting is one argument, ``field=value`` pairs joined by commas with LeRobot's field
names (``vcodec=h264,crf=23,g=2``); ``label=...`` names it, else the text itself does.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from lerobot_video import ComparisonReport, RGBEncoderConfig, compare_encodings
from lerobot_video.cli.arguments import clip
from lerobot_video.cli.encoder_flags import RGB_FIELDS
from lerobot_video.cli.output import ProgressBar, jsonable, print_json

_PAIR_SEPARATOR = re.compile(r",(?=\s*[A-Za-z_]+\s*=)")
"""Commas that start a new ``field=`` pair, so a JSON ``extra_options`` may hold commas."""


def setting(text: str) -> tuple[str, dict[str, Any]]:
    """One ``field=value,...`` argument as its label and the fields given (exit 2 if bad)."""
    label, fields = text, {}
    for pair in _PAIR_SEPARATOR.split(text):
        name, equals, value = pair.partition("=")
        name = name.strip()
        if not equals:
            raise argparse.ArgumentTypeError(f"{pair!r} is not field=value")
        if name == "label":
            label = value
        elif name in RGB_FIELDS:
            fields[name] = RGB_FIELDS[name](value)
        else:
            raise argparse.ArgumentTypeError(
                f"unknown field {name!r}; give label or one of {', '.join(RGB_FIELDS)}"
            )
    return label, fields


def _table(report: ComparisonReport) -> list[str]:
    width = max(12, *(len(e.label) for e in report.encodings))
    head = f"{'setting':<{width}}  {'size':>10}  {'x PNG':>6}  {'PSNR dB':>7}  {'SSIM':>6}  "
    lines = [head + f"{'enc fps':>8}  {'1 frame':>8}  browser"]
    for e in report.encodings:
        lines.append(
            f"{e.label:<{width}}  {e.size_bytes / 1024:>7.1f} KB  {e.size_ratio_vs_png:>6.3f}  "
            f"{e.quality.mean_psnr_db:>7.2f}  {e.quality.mean_ssim:>6.4f}  "
            f"{e.encode_fps:>8.0f}  {e.access_ms['1_frame']:>5.2f} ms  "
            f"{'plays' if e.browser.plays_in_browsers else 'no'}"
        )
    png = f"{report.png_size_bytes / 1024:>7.1f} KB  {1:>6.3f}  {'':>7}  {'':>6}  {'':>8}  "
    lines.append(f"{'PNG frames':<{width}}  " + png + f"{report.png_access_ms['1_frame']:>5.2f} ms")
    return [f"{report.num_frames} frames at {report.fps} fps", *lines]


def _summary(report: ComparisonReport) -> dict[str, Any]:
    encodings = []
    for e in report.encodings:
        row = jsonable(e)
        del row["quality"]  # per-frame arrays; the means below are what people compare
        quality = e.quality
        means = {"mean_mse": quality.mean_mse, "mean_ssim": quality.mean_ssim}
        encodings.append({**row, **jsonable(means), "mean_psnr_db": jsonable(quality.mean_psnr_db)})
    return {**jsonable(report), "encodings": encodings}


def run(args: argparse.Namespace) -> int:
    """Compare the settings on the clip and print the table."""
    configs = [(label, RGBEncoderConfig(**fields)) for label, fields in args.settings]
    frames = clip(args.clip)
    report = compare_encodings(
        frames.frames,
        configs,
        fps=frames.fps,
        output_dir=args.output_dir,
        samples=args.samples,
        progress=None if args.json else ProgressBar("steps"),
    )
    if args.json:
        print_json(_summary(report))
    else:
        print("\n".join(_table(report)))
    return 0


def add_parser(commands: Any) -> None:
    """The ``compare`` subcommand."""
    compare = commands.add_parser(
        "compare",
        help="one clip under several encoder settings: size, PSNR, SSIM, speed",
        description="Each SETTING is field=value pairs joined by commas, with the fields of "
        f"--rgb_encoder ({', '.join(RGB_FIELDS)}) and an optional label=NAME, e.g. "
        "vcodec=h264,crf=23 or label=av1,vcodec=libsvtav1,crf=30. Up to four settings.",
    )
    compare.add_argument("clip", help="aloha, pusht, an .npz, a video or image file")
    compare.add_argument("settings", nargs="+", type=setting, metavar="SETTING")
    compare.add_argument("--output-dir", type=Path, default=Path("lerobot-video-compare"),
                         help="folder for the encodings, previews and PNG frames")  # fmt: skip
    compare.add_argument("--samples", type=int, default=20, help="requests timed per pattern")
    compare.add_argument("--json", action="store_true", help="the comparison as JSON")
    compare.set_defaults(run=run)
