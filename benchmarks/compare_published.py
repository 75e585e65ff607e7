"""Print a study table beside LeRobot's published summary, as Markdown.

The published summary (``lerobot_video.PUBLISHED_SUMMARY``) is at ``g=2``, ``crf=30``,
``6_frames``, ``yuv420p`` for libsvtav1 (and both pixel formats for h264/hevc). This prints, for
each clip of a study CSV paired with the published dataset of the same resolution class,
size ratio, load-time ratio, PSNR and SSIM side by side, ours first.

Run: ``.venv/bin/python benchmarks/compare_published.py docs/study/codec_study.csv``
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lerobot_video import PUBLISHED_SUMMARY, read_study_results

PAIRS = {
    "aloha_sim_transfer_cube_top": "lerobot/aloha_mobile_shrimp_image",
    "pusht_sim_96": "lerobot/pusht_image",
}
"""Our clip to the published dataset of the same size (480x640, 96x96)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    args = parser.parse_args()
    rows = read_study_results(args.csv)
    print("| clip (ours / published) | codec | size ratio | load-time ratio | PSNR dB | SSIM |")
    print("| --- | --- | --- | --- | --- | --- |")
    for clip, repo_id in PAIRS.items():
        for vcodec in ("libsvtav1", "h264", "hevc"):
            ours = next(
                (
                    r
                    for r in rows
                    if r["repo_id"] == clip
                    and r["vcodec"] == vcodec
                    and r["g"] == 2
                    and r["crf"] == 30
                    and r["timestamps_mode"] == "6_frames"
                    and r["pix_fmt"] == "yuv420p"
                ),
                None,
            )
            theirs = next(
                p
                for p in PUBLISHED_SUMMARY
                if p.repo_id == repo_id and p.vcodec == vcodec and p.pix_fmt == "yuv420p"
            )
            if ours is None:
                continue
            print(
                f"| {clip} / {repo_id.split('/')[1]} | {vcodec} "
                f"| {ours['video_images_size_ratio']:.2%} / {theirs.video_images_size_ratio:.2%} "
                f"| {ours['video_images_load_time_ratio']:.2f} / "
                f"{theirs.video_images_load_time_ratio:.2f} "
                f"| {ours['avg_psnr']:.2f} / {theirs.avg_psnr:.2f} "
                f"| {ours['avg_ssim']:.2%} / {theirs.avg_ssim:.2%} |"
            )


if __name__ == "__main__":
    main()
