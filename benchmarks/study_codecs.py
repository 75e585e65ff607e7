"""Rerun LeRobot's video-encoding study on our clips: codec x g x crf, one table out.

LeRobot chose ``libsvtav1 / yuv420p / g=2 / crf=30`` from a study whose script was deleted
(SPEC §8.1). This runs the same measurement with :func:`lerobot_video.run_study`: each clip's
frames as PNG files are the baseline; each cell encodes the clip, then for every timestamp
mode draws ``--num-samples`` random requests exactly as the published script drew them
(``random.seed(1337)`` per encoding, modes in order), times each request from the video and
from the PNG files in the same worker, and scores every requested frame (MSE/PSNR/SSIM on
[0, 1] channels-first floats, scikit-image). Columns are the published CSV's, then ours
(preset, fast_decode, encode_fps, browser_playable, concurrent_cells).

Cells are cached in ``--cache-dir``: a rerun (or a run after a kill) measures only what is
missing; ``--fresh`` empties the cache first. ``--workers 1`` (the default) runs one cell at
a time so load times are not shared with another cell (``concurrent_cells`` says so per row).

Run: ``.venv/bin/python benchmarks/study_codecs.py [--clips aloha pusht] [--vcodec ...]
[--g 1 2 10 none] [--crf 20 30 40] [--scenarios 1_frame 6_frames] [--num-samples 50]
[--workers 1] [--csv benchmarks/results/study/codec_study.csv]``
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

from lerobot_video import (
    BUNDLED_PUSHT_CLIP,
    BUNDLED_RGB_CLIP,
    InlineExecutor,
    LocalExecutor,
    StudyGrid,
    load_clip,
    run_study,
)
from lerobot_video.cli.encoder_flags import int_or_none, preset_value  # the command's parsers

HERE = Path(__file__).resolve().parent
CLIPS = {"aloha": BUNDLED_RGB_CLIP, "pusht": BUNDLED_PUSHT_CLIP}
CLIP_NAMES = {"aloha": "aloha_sim_transfer_cube_top", "pusht": "pusht_sim_96"}


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clips", nargs="+", default=["aloha", "pusht"], help="aloha, pusht or .npz"
    )
    parser.add_argument("--vcodec", nargs="+", default=["libsvtav1", "h264", "hevc"])
    parser.add_argument("--pix-fmt", nargs="+", default=["yuv420p"])
    parser.add_argument("--g", nargs="+", type=int_or_none, default=[1, 2, 10, None])
    parser.add_argument("--crf", nargs="+", type=int_or_none, default=[20, 30, 40])
    parser.add_argument("--preset", nargs="+", type=preset_value, default=[None])
    parser.add_argument("--scenarios", nargs="+", default=["1_frame", "6_frames"])
    parser.add_argument("--num-samples", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="0: in this process")
    parser.add_argument("--cache-dir", type=Path, default=HERE / "results" / ".study_cache")
    parser.add_argument("--fresh", action="store_true", help="empty the cell cache first")
    parser.add_argument("--csv", type=Path, help="copy the table (CSV) here")
    return parser.parse_args()


def _summary(rows: list[dict[str, Any]], mode: str) -> None:
    print(f"\n{mode}: size ratio / load-time ratio / PSNR dB / SSIM, by clip, codec, g, crf")
    for row in rows:
        if row["timestamps_mode"] != mode:
            continue
        print(
            f"  {row['repo_id'][:18]:18} {row['vcodec']:9} g={row['g']!s:4} crf={row['crf']!s:3} "
            f"{row['video_images_size_ratio']:7.2%} {row['video_images_load_time_ratio']:6.2f} "
            f"{row['avg_psnr']:6.2f} {row['avg_ssim']:6.2%} enc {row['encode_fps']:6.0f} fps"
        )


def main() -> None:
    args = _args()
    if args.fresh:
        shutil.rmtree(args.cache_dir, ignore_errors=True)
    clips = []
    for name in args.clips:
        clip = load_clip(CLIPS.get(name, name))
        clips.append(
            type(clip)(name=CLIP_NAMES.get(name, clip.name), frames=clip.frames, fps=clip.fps)
        )
    grid = StudyGrid(
        vcodec=args.vcodec, pix_fmt=args.pix_fmt, g=args.g, crf=args.crf, preset=args.preset
    )
    executor = InlineExecutor() if args.workers == 0 else LocalExecutor(args.workers)
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"\r{done}/{total} cells, {time.perf_counter() - start:.0f} s", end="", flush=True)

    result = run_study(
        clips,
        grid,
        output_dir=args.cache_dir,
        scenarios=args.scenarios,
        num_samples=args.num_samples,
        executor=executor,
        progress=progress,
    )
    print(
        f"\n{result.cells} cells ({result.cached_cells} from the cache) in "
        f"{time.perf_counter() - start:.0f} s; skipped: {len(result.skipped)}"
    )
    for mode in args.scenarios:
        _summary(list(result.rows), mode)
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.csv_path, args.csv)
        print(f"\ntable: {args.csv}")


if __name__ == "__main__":
    main()
