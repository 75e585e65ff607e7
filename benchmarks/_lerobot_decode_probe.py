"""LeRobot worker for bench_rgb_codecs.py: time LeRobot's own ``decode_video_frames``.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv); it serves
``_worker_loop.py``'s JSON-lines protocol. Its first line gives ``{"lerobot", "av",
"torch"}`` versions. One request, ``{"op": "decode", "path": str, "requests": [[ts, ...],
...], "tolerance_s": float, "digest": bool}``, calls ``decode_video_frames(path, ts,
tolerance_s, backend="pyav")`` once per request and replies ``{"ms": [...], "digest":
str}``: the wall time of each call in milliseconds (``time.perf_counter``, garbage
collector off while timing) and, unless ``"digest": false``, the SHA-1 of the first
request's frames turned back into uint8 (N, H, W, 3), computed after the timing.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from _timing import gc_paused
from _worker_loop import Reply, lerobot_versions, serve

_HELD_UNTIL_NEXT_REQUEST: list[Any] = []


def decode(message: dict[str, Any]) -> Reply:
    """Time ``decode_video_frames`` once per request of ``message["requests"]``."""
    import torch
    from lerobot.datasets.video_utils import decode_video_frames

    path, tolerance_s = message["path"], float(message["tolerance_s"])
    times_ms: list[float] = []
    first: Any = None
    frames: Any = None
    with gc_paused():
        for timestamps in message["requests"]:
            start = time.perf_counter()
            frames = decode_video_frames(path, timestamps, tolerance_s, backend="pyav")
            times_ms.append((time.perf_counter() - start) * 1000.0)
            if frames.shape[0] != len(timestamps):
                raise RuntimeError(f"got {frames.shape[0]} frames for {len(timestamps)}")
            if first is None:
                first = frames
    digest = ""
    if first is not None and message.get("digest", True):
        as_uint8 = (first * 255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous()
        digest = hashlib.sha1(as_uint8.numpy().tobytes()).hexdigest()
    # Hold this request's tensors until the next request, as the in-process loaders hold their
    # outputs: freed at once, their tens of MB go back to the OS and LeRobot's next call pays
    # the page faults of fresh buffers (6-frame requests measured about 40% slower that way).
    _HELD_UNTIL_NEXT_REQUEST[:] = [first, frames]
    return {"ms": times_ms, "digest": digest}


def hello() -> Reply:
    """Versions, after importing what the requests use."""
    from lerobot.datasets.video_utils import decode_video_frames  # noqa: F401  (import cost)

    return lerobot_versions()


if __name__ == "__main__":
    serve({"decode": decode}, hello)
