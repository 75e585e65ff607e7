"""Ask the recommender for the bundled clips: smallest encoding at the default's PSNR.

For each clip (the ALOHA clip, 100 frames 480x640 at 50 fps; the PushT clip, 72 frames 96x96
at 10 fps) :func:`lerobot_video.recommend_encoding` searches for the smallest encoding whose
mean PSNR over the requested frames is at least that of LeRobot's default encoding
(``libsvtav1 / yuv420p / g=2 / crf=30``, SVT-AV1 preset 12) on the same frames, and whose
6-frame random access is no slower than loading the same frames from PNG files (where no
encoding, the default included, loads 6 frames as fast as PNG files, as for 96x96 frames,
it says so and searches again without the load-time limit). Its coarse
pass is :data:`lerobot_video.DEFAULT_SEARCH` (libsvtav1 at presets 12 and 8, h264 and hevc at
``medium``; g 2/4/8; four crfs each), then crf bisection and the winner's neighbouring g.

Printed per clip: the proposal against the default (bytes, PSNR, load-time ratio, encode
fps), the size saving, and the Pareto front of size against PSNR with the default's place on
it. ``--json`` writes it all. Cells are cached in ``--cache-dir`` (a rerun measures nothing).

Run: ``.venv/bin/python benchmarks/recommend_bundled.py [--clips aloha pusht]
[--num-samples 20] [--workers 1] [--json benchmarks/results/study/recommendation.json]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from lerobot_video import (
    InlineExecutor,
    LocalExecutor,
    StudyTarget,
    load_clip,
    recommend_encoding,
)

HERE = Path(__file__).resolve().parent
CLIPS = {"aloha": "aloha_sim_rgb_ep0.npz", "pusht": "pusht_96_rgb_ep0.npz"}
SHOWN = ("vcodec", "g", "crf", "preset", "video_size_bytes", "avg_psnr",
         "video_images_load_time_ratio", "encode_fps")  # fmt: skip


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['vcodec']:9} g={row['g']!s:3} crf={row['crf']!s:3} preset={row['preset']!s:4} "
        f"{row['video_size_bytes']:9,} B  {row['avg_psnr']:6.2f} dB  load "
        f"{row['video_images_load_time_ratio']:5.2f}x PNG  enc {row['encode_fps']:5.0f} fps"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", nargs="+", default=["aloha", "pusht"])
    parser.add_argument("--num-samples", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1, help="0: in this process")
    parser.add_argument("--cache-dir", type=Path, default=HERE / "results" / ".recommend_cache")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    executor = InlineExecutor() if args.workers == 0 else LocalExecutor(args.workers)
    report: dict[str, Any] = {}
    for name in args.clips:
        clip = load_clip(HERE.parent / "assets" / CLIPS[name])
        start = time.perf_counter()
        found = recommend_encoding(
            clip, output_dir=args.cache_dir / name, num_samples=args.num_samples,
            executor=executor,
        )  # fmt: skip
        if found.proposal is None:  # e.g. 96x96 PNGs load faster than any video
            print(f"\n{name}: {found.explanation}\nRetrying without the load-time limit.")
            found = recommend_encoding(
                clip, output_dir=args.cache_dir / name, num_samples=args.num_samples,
                executor=executor, target=StudyTarget(max_load_time_ratio=None),
            )  # fmt: skip
        seconds = time.perf_counter() - start
        print(
            f"\n== {name}: {clip.frames.shape[0]} frames {clip.frames.shape[2]}x"
            f"{clip.frames.shape[1]}, {len(found.rows)} cells, {seconds:.0f} s"
        )
        print("default  ", _line(found.default))
        if found.proposal is not None:
            print("proposal ", _line(found.proposal))
        print(found.explanation)
        print(f"default on the Pareto front: {found.default_on_front}; front:")
        for row in found.front:
            print("   ", _line(row))
        report[name] = {
            "cells": len(found.rows),
            "seconds": seconds,
            "min_psnr_db": found.min_psnr_db,
            "max_load_time_ratio": found.target.max_load_time_ratio,
            "size_saving": found.size_saving,
            "default_on_front": found.default_on_front,
            "default": {k: found.default[k] for k in SHOWN},
            "proposal": None if found.proposal is None else {k: found.proposal[k] for k in SHOWN},
            "front": [{k: r[k] for k in SHOWN} for r in found.front],
            "explanation": found.explanation,
        }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
