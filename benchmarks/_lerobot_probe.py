"""Subprocess worker for bench_rgb_codecs.py: time LeRobot's own ``decode_video_frames``.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv). It speaks
JSON lines: on start it writes ``{"lerobot": ..., "av": ..., "torch": ...}``; then for each
request line ``{"path": str, "requests": [[ts, ...], ...], "tolerance_s": float}`` it calls
``decode_video_frames(path, ts, tolerance_s, backend="pyav")`` once per request and writes
``{"ms": [...], "digest": str}``: the wall time of each call in milliseconds
(``time.perf_counter``, garbage collector off while timing) and, unless the request line
has ``"digest": false``, the SHA-1 of the first request's frames turned back into uint8
(N, H, W, 3), computed after the timing. A line
``{"quit": true}`` or end of input stops it. Anything else goes to stderr.
"""

from __future__ import annotations

import gc
import hashlib
import json
import sys
import time
from typing import Any, TextIO


def _send(out: TextIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def main() -> None:
    protocol_out = sys.stdout
    sys.stdout = sys.stderr  # Library chatter must not corrupt the protocol stream.

    import av
    import lerobot
    import torch
    from lerobot.datasets.video_utils import decode_video_frames

    _send(
        protocol_out,
        {
            "lerobot": getattr(lerobot, "__version__", "?"),
            "av": av.__version__,
            "torch": torch.__version__,
        },
    )
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("quit"):
            break
        path, tolerance_s = message["path"], float(message["tolerance_s"])
        times_ms: list[float] = []
        first: Any = None
        gc.disable()
        try:
            for timestamps in message["requests"]:
                start = time.perf_counter()
                frames = decode_video_frames(path, timestamps, tolerance_s, backend="pyav")
                times_ms.append((time.perf_counter() - start) * 1000.0)
                if frames.shape[0] != len(timestamps):
                    raise RuntimeError(f"got {frames.shape[0]} frames for {len(timestamps)}")
                if first is None:
                    first = frames
        finally:
            gc.enable()
        digest = ""
        if first is not None and message.get("digest", True):
            as_uint8 = (first * 255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous()
            digest = hashlib.sha1(as_uint8.numpy().tobytes()).hexdigest()
        _send(protocol_out, {"ms": times_ms, "digest": digest})


if __name__ == "__main__":
    main()
