"""LeRobot worker for bench_depth.py: time LeRobot's own default depth path.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv); it serves
``_worker_loop.py``'s JSON-lines protocol. Its first line gives ``{"lerobot", "av",
"torch"}`` versions. One request::

    {
        "op": "record_and_read",
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

It replies every timing in seconds, file sizes, and the SHA-1 of the decoded codes as uint16
(N, H, W) for its own file and for ``ours_path``.
"""

from __future__ import annotations

import gc
import hashlib
import time
from pathlib import Path
from typing import Any

import numpy as np
from _timing import gc_paused
from _worker_loop import Reply, lerobot_versions, serve

TOLERANCE_S = 1e-4  # LeRobotDataset's default.


def decode(path: Path, timestamps: list[float]) -> Any:
    """LeRobot's depth read: ``decode_video_frames(..., is_depth=True)``, codes (N, 1, H, W)."""
    from lerobot.datasets.video_utils import decode_video_frames

    return decode_video_frames(
        path, timestamps, tolerance_s=TOLERANCE_S, backend="pyav", is_depth=True
    )


def digest(codes: Any, shape: tuple[int, ...]) -> str:
    """SHA-1 of decoded codes as uint16 of ``shape`` (N, H, W)."""
    array = codes.numpy().reshape(shape)
    return hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest()


def record(frames: Any, folder: Path, video: Path, fps: int) -> tuple[float, float]:
    """LeRobot's recorder: TIFF per frame, then encode_video_frames; both timed."""
    from lerobot.configs.video import DepthEncoderConfig
    from lerobot.datasets.image_writer import write_image
    from lerobot.datasets.video_utils import encode_video_frames

    config = DepthEncoderConfig()
    folder.mkdir(parents=True, exist_ok=True)
    video.unlink(missing_ok=True)  # encode_video_frames skips an existing file
    gc.collect()
    with gc_paused():
        start = time.perf_counter()
        for index, frame in enumerate(frames):
            write_image(frame, folder / f"frame-{index:06d}.tiff")
        tiff_write_s = time.perf_counter() - start
        start = time.perf_counter()
        encode_video_frames(folder, video, fps, video_encoder=config)
        return tiff_write_s, time.perf_counter() - start


def read_back(video: Path, timestamps: list[float], repeats: int) -> Reply:
    """Decode then dequantize (mm) every frame ``repeats`` times after an untimed round."""
    from lerobot.configs.video import DepthEncoderConfig
    from lerobot.datasets.depth_utils import dequantize_depth
    from lerobot.datasets.video_utils import decode_video_frames

    config = DepthEncoderConfig()
    decode_s: list[float] = []
    dequantize_s: list[float] = []
    codes: Any = None
    for repeat in range(-1, repeats):  # round -1: untimed warm-up
        gc.collect()
        with gc_paused():
            start = time.perf_counter()
            codes = decode_video_frames(
                video, timestamps, tolerance_s=TOLERANCE_S, backend="pyav", is_depth=True
            )
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
        if repeat >= 0:
            decode_s.append(decoded_s)
            dequantize_s.append(dequantized_s)
    return {"decode_s": decode_s, "dequantize_s": dequantize_s, "codes": codes}


def record_and_read(message: dict[str, Any]) -> Reply:
    """The whole job of the module docstring; the reply bench_depth.py reads."""
    depth = np.load(message["depth_npy"])
    fps = int(message["fps"])
    workdir = Path(message["workdir"])
    imgs_dir, video_path = workdir / "images", workdir / "lerobot_depth.mp4"
    timestamps = [i / fps for i in range(len(depth))]

    warm_up_video = workdir / "warm-up.mp4"
    record(depth[:3], workdir / "warm-up", warm_up_video, fps)
    decode(warm_up_video, [0.0])

    tiff_write_runs_s: list[float] = []
    encode_runs_s: list[float] = []
    for _ in range(int(message["encode_repeats"])):
        tiff_write_s, encode_s = record(depth, imgs_dir, video_path, fps)
        tiff_write_runs_s.append(tiff_write_s)
        encode_runs_s.append(encode_s)
    tiff_bytes = sum(path.stat().st_size for path in imgs_dir.glob("frame-*.tiff"))
    read = read_back(video_path, timestamps, int(message["repeats"]))
    codes = read["codes"]
    return {
        "tiff_write_runs_s": tiff_write_runs_s,
        "tiff_bytes": tiff_bytes,
        "encode_runs_s": encode_runs_s,
        "mp4_bytes": video_path.stat().st_size,
        "decode_s": read["decode_s"],
        "dequantize_s": read["dequantize_s"],
        "codes_shape": list(codes.shape),
        "codes_dtype": str(codes.dtype),
        "digest_own": digest(codes, depth.shape),
        "digest_ours_file": digest(decode(Path(message["ours_path"]), timestamps), depth.shape),
    }


def hello() -> Reply:
    """Versions, after importing what the request uses."""
    from lerobot.configs.video import DepthEncoderConfig  # noqa: F401  (import cost)
    from lerobot.datasets.depth_utils import dequantize_depth  # noqa: F401
    from lerobot.datasets.image_writer import write_image  # noqa: F401
    from lerobot.datasets.video_utils import decode_video_frames  # noqa: F401

    return lerobot_versions()


if __name__ == "__main__":
    serve({"record_and_read": record_and_read}, hello)
