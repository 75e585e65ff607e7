"""Subprocess worker for bench_depth.py: time LeRobot's own default depth path.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv), with one
argument, a JSON job::

    {
        "depth_npy": str,
        "fps": int,
        "workdir": str,
        "encode_repeats": int,
        "repeats": int,
        "ours_path": str,
    }

After an untimed warm-up on three frames, it does what LeRobot's non-streaming recorder does
with a depth camera, then reads it back as ``LeRobotDataset`` does:

1. ``encode_repeats`` times: writes each float32 metre frame with ``image_writer.write_image``
   to ``frame-XXXXXX.tiff`` (PIL mode ``F``, ``compression="raw"``), timed as a whole, then
   ``encode_video_frames(imgs_dir, video_path, fps, video_encoder=DepthEncoderConfig())``,
   timed (it reads the TIFFs back and quantizes them itself);
2. ``repeats`` times, after an untimed round: ``decode_video_frames(video_path, timestamps,
   tolerance_s=1e-4, backend="pyav", is_depth=True)`` for every frame, then
   ``dequantize_depth`` of the decoded codes with the config's parameters (millimetres,
   torch, as its dataset reader), each timed;
3. decodes ``ours_path`` (this repo's default encoding) the same way, untimed.

It writes one JSON line on stdout: versions, every timing in seconds, file sizes, and the
SHA-1 of the decoded codes as uint16 (N, H, W) for its own file and for ``ours_path``.
Library chatter goes to stderr.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any


def main() -> None:
    protocol_out = sys.stdout
    sys.stdout = sys.stderr  # Library chatter must not corrupt the protocol stream.

    import av
    import lerobot
    import numpy as np
    import torch
    from lerobot.configs.video import DepthEncoderConfig
    from lerobot.datasets.depth_utils import dequantize_depth
    from lerobot.datasets.image_writer import write_image
    from lerobot.datasets.video_utils import decode_video_frames, encode_video_frames

    job: dict[str, Any] = json.loads(sys.argv[1])
    depth = np.load(job["depth_npy"])
    fps = int(job["fps"])
    workdir = Path(job["workdir"])
    imgs_dir = workdir / "images"
    video_path = workdir / "lerobot_depth.mp4"
    config = DepthEncoderConfig()
    timestamps = [i / fps for i in range(len(depth))]

    def decode(path: Path) -> Any:
        return decode_video_frames(
            path, timestamps, tolerance_s=1e-4, backend="pyav", is_depth=True
        )

    def digest(codes: Any) -> str:
        array = codes.numpy().reshape(len(depth), *depth.shape[1:])
        return hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest()

    def record(frames: Any, folder: Path, video: Path) -> tuple[float, float]:
        """LeRobot's recorder: TIFF per frame, then encode_video_frames; both timed."""
        folder.mkdir(parents=True, exist_ok=True)
        video.unlink(missing_ok=True)  # encode_video_frames skips an existing file
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            for index, frame in enumerate(frames):
                write_image(frame, folder / f"frame-{index:06d}.tiff")
            tiff_write_s = time.perf_counter() - start
            start = time.perf_counter()
            encode_video_frames(folder, video, fps, video_encoder=config)
            return tiff_write_s, time.perf_counter() - start
        finally:
            gc.enable()

    warm_up_video = workdir / "warm-up.mp4"
    record(depth[:3], workdir / "warm-up", warm_up_video)
    decode_video_frames(warm_up_video, [0.0], tolerance_s=1e-4, backend="pyav", is_depth=True)

    tiff_write_runs_s: list[float] = []
    encode_runs_s: list[float] = []
    for _ in range(int(job["encode_repeats"])):
        tiff_write_s, encode_s = record(depth, imgs_dir, video_path)
        tiff_write_runs_s.append(tiff_write_s)
        encode_runs_s.append(encode_s)
    tiff_bytes = sum(path.stat().st_size for path in imgs_dir.glob("frame-*.tiff"))

    decode_s: list[float] = []
    dequantize_s: list[float] = []
    codes: Any = None
    for repeat in range(-1, int(job["repeats"])):  # round -1: untimed warm-up
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            codes = decode(video_path)
            decoded_s = time.perf_counter() - start
            start = time.perf_counter()
            dequantize_depth(
                codes,
                depth_min=config.depth_min,
                depth_max=config.depth_max,
                shift=config.shift,
                use_log=config.use_log,
                output_unit="mm",
            )
            dequantized_s = time.perf_counter() - start
        finally:
            gc.enable()
        if repeat >= 0:
            decode_s.append(decoded_s)
            dequantize_s.append(dequantized_s)

    reply = {
        "lerobot": getattr(lerobot, "__version__", "?"),
        "av": av.__version__,
        "torch": torch.__version__,
        "tiff_write_runs_s": tiff_write_runs_s,
        "tiff_bytes": tiff_bytes,
        "encode_runs_s": encode_runs_s,
        "mp4_bytes": video_path.stat().st_size,
        "decode_s": decode_s,
        "dequantize_s": dequantize_s,
        "codes_shape": list(codes.shape),
        "codes_dtype": str(codes.dtype),
        "digest_own": digest(codes),
        "digest_ours_file": digest(decode(Path(job["ours_path"]))),
    }
    protocol_out.write(json.dumps(reply) + "\n")
    protocol_out.flush()


if __name__ == "__main__":
    main()
