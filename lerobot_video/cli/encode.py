"""``lerobot-video encode``: one clip written as LeRobot stores a camera."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lerobot_video import codec_options, encode_video
from lerobot_video.cli.arguments import clip
from lerobot_video.cli.encoder_flags import add_encoder_flags, rgb_config
from lerobot_video.cli.output import print_json


def run(args: argparse.Namespace) -> int:
    """Encode the clip with the flags' config and print its size and options."""
    frames = clip(args.clip)
    config = rgb_config(args)
    info = encode_video(frames.frames, args.output, fps=args.fps or frames.fps, config=config)
    size = Path(args.output).stat().st_size
    if args.json:
        print_json({"output": args.output, "size_bytes": size, "info": info})
    else:
        options = ", ".join(f"{k}={v}" for k, v in codec_options(config).items())
        print(f"{args.output}: {len(frames.frames)} frames, {size:,} bytes ({options})")
    return 0


def add_parser(commands: Any) -> None:
    """The ``encode`` subcommand."""
    encode = commands.add_parser(
        "encode",
        help="encode a clip as LeRobot stores a camera",
        description="Flags: --rgb_encoder.<field> for vcodec, pix_fmt, g, crf, preset, "
        "fast_decode, video_backend, extra_options (JSON); LeRobot's "
        "--dataset.rgb_encoder.<field> and --dataset.camera_encoder.<field> spellings are "
        "accepted. Unset fields take LeRobot's defaults (libsvtav1, yuv420p, g=2, crf=30).",
    )
    encode.add_argument("clip", help="aloha, pusht, an .npz, a video or image file")
    encode.add_argument("output", type=Path, help="the MP4 to write")
    encode.add_argument("--fps", type=int, help="frames per second (default: the clip's)")
    encode.add_argument("--json", action="store_true", help="the info block as JSON")
    add_encoder_flags(encode, "rgb")
    encode.set_defaults(run=run)
