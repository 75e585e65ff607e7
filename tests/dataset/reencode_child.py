"""A re-encode for the SIGKILL test: prints ``done <k> <n>`` (flushed) after each finished file.

Usage: ``python reencode_child.py SOURCE OUTPUT``. Re-encodes to H.264 on a local pool of
two workers; the parent kills the whole process group midway.
"""

from __future__ import annotations

import sys

from lerobot_video import LocalExecutor, RGBEncoderConfig, reencode_dataset


def report(done: int, total: int) -> None:
    sys.stdout.write(f"done {done} {total}\n")
    sys.stdout.flush()


if __name__ == "__main__":  # the pool's workers are spawned and import this file
    reencode_dataset(
        sys.argv[1],
        sys.argv[2],
        rgb_encoder=RGBEncoderConfig(vcodec="h264"),
        executor=LocalExecutor(2),
        encoder_threads=2,
        progress=report,
    )
