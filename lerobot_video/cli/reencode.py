"""``lerobot-video reencode``: a copy of a dataset with its cameras encoded anew.

A rerun of the same command after an interruption (Ctrl-C, a lost worker) resumes: the
files already finished are not encoded again.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lerobot_video import ReencodeResult, reencode_dataset
from lerobot_video.cli.arguments import add_executor_options, executor
from lerobot_video.cli.encoder_flags import add_encoder_flags, depth_config, rgb_config
from lerobot_video.cli.output import ProgressBar, jsonable, print_json

_MB = 1e6


def summary(result: ReencodeResult) -> dict[str, Any]:
    """The result as JSON; each file without its per-episode stats."""
    files = [
        {"key": f.key, "chunk_index": f.chunk_index, "file_index": f.file_index,
         "frames": f.frames, "bytes": f.bytes, "copied": f.copied, "reused": f.reused}
        for f in result.files
    ]  # fmt: skip
    fields = ("root", "num_episodes", "num_frames", "reused_files", "copied_files", "source_bytes",
              "output_bytes", "seconds", "frames_per_second", "fidelity")  # fmt: skip
    return {**{name: jsonable(getattr(result, name)) for name in fields}, "files": files}


def _lines(result: ReencodeResult) -> list[str]:
    lines = [
        f"{result.root}: {result.num_episodes} episodes, {result.num_frames} frames in "
        f"{len(result.files)} files ({result.reused_files} from an earlier run, "
        f"{result.copied_files} copied: already at these settings); cameras "
        f"{result.source_bytes / _MB:.2f} MB -> {result.output_bytes / _MB:.2f} MB, "
        f"{result.frames_per_second:.0f} frames/s"
    ]
    depth = {f.key for f in result.files if f.video_info.get("is_depth_map")}
    for key, value in result.fidelity.items():
        measure = f"largest error {value:.1f} mm" if key in depth else f"PSNR {value:.2f} dB"
        lines.append(f"  {key}: {measure} (worst episode)")
    return lines


def run(args: argparse.Namespace) -> int:
    """Re-encode the dataset and print what was written."""
    result = reencode_dataset(
        args.source,
        args.output,
        rgb_encoder=rgb_config(args),
        depth_encoder=depth_config(args),
        executor=executor(args),
        encoder_threads=args.encoder_threads,
        progress=None if args.json else ProgressBar("files"),
    )
    if args.json:
        print_json(summary(result))
    else:
        print("\n".join(_lines(result)))
    return 0


def add_parser(commands: Any) -> None:
    """The ``reencode`` subcommand."""
    reencode = commands.add_parser(
        "reencode",
        help="copy a dataset with its cameras encoded with new settings",
        description="Video cameras are encoded again and image cameras become videos; data, "
        "tasks and timestamps are kept. Rerun the same command to resume an interrupted job.",
    )
    reencode.add_argument("source", type=Path, help="the dataset folder (only read)")
    reencode.add_argument("output", type=Path, help="the new dataset folder (must not exist)")
    reencode.add_argument("--encoder-threads", type=int,
                          help="threads per encoder (default: the encoder's choice)")  # fmt: skip
    reencode.add_argument("--json", action="store_true", help="what was written, as JSON")
    add_executor_options(reencode)
    add_encoder_flags(reencode, "rgb")
    add_encoder_flags(reencode, "depth")
    reencode.set_defaults(run=run)
