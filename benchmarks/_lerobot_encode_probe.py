"""LeRobot worker for bench_encode.py: time LeRobot's PNG writer and ``encode_video_frames``.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv); it serves
``_worker_loop.py``'s JSON-lines protocol. Its first line gives ``{"lerobot", "av",
"pillow"}`` versions. Requests:

- ``{"op": "write_pngs", "clip": npz, "dir": folder, "count": n}`` writes the clip's first
  ``n`` frames as ``frame-000000.png``… with LeRobot's ``write_image`` at compress level 1
  and replies ``{"s": seconds, "bytes": total}``;
- ``{"op": "encode", "dir": folder, "video": mp4, "fps": fps, "vcodec": codec}`` calls
  ``encode_video_frames`` with ``RGBEncoderConfig()`` (libsvtav1) or
  ``RGBEncoderConfig(vcodec=codec)`` and replies ``{"s": seconds, "options": codec options}``;
- ``{"op": "floor", "clip", "count", "video", "fps", "vcodec", "pix_fmt", "options"}`` times
  :func:`_pyav_floor.floor_encode` of the clip's first ``n`` frames with this interpreter's
  PyAV and replies ``{"s": seconds}``.

Every timing runs once, garbage collector off (:func:`_timing.timed`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from _pyav_floor import floor_encode
from _timing import timed
from _worker_loop import Reply, serve

PNG_COMPRESS_LEVEL = 1  # LeRobot's level for the frames of video features.

_CLIPS: dict[str, npt.NDArray[np.uint8]] = {}


def load(clip: str, count: int) -> npt.NDArray[np.uint8]:
    """The first ``count`` frames of the clip's ``frames``, loaded once per path."""
    if clip not in _CLIPS:
        with np.load(clip, allow_pickle=False) as data:
            _CLIPS[clip] = np.ascontiguousarray(data["frames"])
    return _CLIPS[clip][:count]


def write_pngs(message: dict[str, Any]) -> Reply:
    """Write the frames as PNG files with LeRobot's ``write_image``, timed as a whole."""
    from lerobot.datasets.image_writer import write_image

    folder = Path(message["dir"])
    frames = load(message["clip"], message["count"])
    paths = [folder / f"frame-{i:06d}.png" for i in range(len(frames))]
    for path in paths:
        path.unlink(missing_ok=True)

    def write_all() -> None:
        for frame, path in zip(frames, paths, strict=True):
            write_image(frame, path, compress_level=PNG_COMPRESS_LEVEL)

    seconds, _ = timed(write_all)
    if not all(path.is_file() for path in paths):  # write_image only logs errors.
        raise RuntimeError(f"LeRobot's write_image failed in {folder}")
    return {"s": seconds, "bytes": sum(path.stat().st_size for path in paths)}


def encode(message: dict[str, Any]) -> Reply:
    """LeRobot's ``encode_video_frames`` on the PNG files of ``dir``, timed."""
    from lerobot.configs.video import RGBEncoderConfig
    from lerobot.datasets.video_utils import encode_video_frames

    vcodec, video = message["vcodec"], Path(message["video"])
    config = RGBEncoderConfig() if vcodec == "libsvtav1" else RGBEncoderConfig(vcodec)
    video.unlink(missing_ok=True)
    seconds, _ = timed(
        encode_video_frames, Path(message["dir"]), video, int(message["fps"]), video_encoder=config
    )
    return {"s": seconds, "options": config.get_codec_options(None, as_strings=True)}


def floor(message: dict[str, Any]) -> Reply:
    """The bare PyAV loop with this interpreter's PyAV, timed."""
    frames, video = load(message["clip"], message["count"]), Path(message["video"])
    video.unlink(missing_ok=True)
    seconds, _ = timed(
        floor_encode,
        frames,
        video,
        int(message["fps"]),
        message["vcodec"],
        message["pix_fmt"],
        message["options"],
    )
    return {"s": seconds}


def hello() -> Reply:
    """Versions, after importing what the requests use."""
    import av
    import lerobot
    import PIL
    from lerobot.datasets.image_writer import write_image  # noqa: F401  (import cost)
    from lerobot.datasets.video_utils import encode_video_frames  # noqa: F401

    return {
        "lerobot": getattr(lerobot, "__version__", "?"),
        "av": av.__version__,
        "pillow": PIL.__version__,
    }


if __name__ == "__main__":
    serve({"write_pngs": write_pngs, "encode": encode, "floor": floor}, hello)
