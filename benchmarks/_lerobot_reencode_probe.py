"""Subprocess worker for bench_reencode.py: time LeRobot 0.6.1's re-encoding of a dataset.

Run it with an interpreter that has ``lerobot`` installed (not this repo's venv), with
``HF_HUB_OFFLINE=1`` and ``HF_LEROBOT_HOME`` pointing at a scratch folder (the driver sets
both), so nothing touches the network or the user's LeRobot home. LeRobot, torch and
everything the re-encode imports are loaded before any clock.

It serves ``_worker_loop.py``'s JSON-lines protocol; its first line gives ``{"lerobot",
"av", "torch", "python"}``. One request:

- ``{"op": "reencode", "source": DIR, "copy": DIR, "workers": N | null, "encoder_threads":
  T | null, "vcodec": "h264"}``: what ``lerobot-edit-dataset --operation.type
  reencode_videos`` does with a new root, each step timed on its own (garbage collector off):
  ``shutil.copytree(source, copy)`` (``copy_s``; LeRobot re-encodes in place, so a copy is
  how the source survives), ``LeRobotDataset(repo_id, root=copy)`` (``open_s``), then
  ``lerobot.datasets.dataset_tools.reencode_dataset(dataset,
  rgb_encoder=RGBEncoderConfig(vcodec=vcodec), encoder_threads=T, num_workers=N)``
  (``seconds``; ``None`` is sequential, 2 a process pool of 2).

``copy`` must not exist; the driver deletes it afterwards. The reply also carries what the
copy holds afterwards, read outside the timing: the cameras' codecs by ``meta/info.json``
(``codecs``), the MP4s (``files``) and their bytes (``bytes``).
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
from pathlib import Path
from typing import Any

from _timing import timed
from _worker_loop import Reply, lerobot_versions, serve

REPO_ID = "bench/reencode"


def _written(root: Path) -> dict[str, Any]:
    """The codecs ``info.json`` names for the cameras, and the MP4s under ``videos/``."""
    info = json.loads((root / "meta" / "info.json").read_text())
    codecs = {
        key: (feature.get("info") or {}).get("video.codec")
        for key, feature in info["features"].items()
        if feature.get("dtype") == "video"
    }
    videos = sorted((root / "videos").rglob("*.mp4"))
    return {
        "codecs": codecs,
        "files": len(videos),
        "bytes": sum(p.stat().st_size for p in videos),
    }


def reencode(message: dict[str, Any]) -> Reply:
    from lerobot.configs.video import RGBEncoderConfig
    from lerobot.datasets.dataset_tools import reencode_dataset
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    source, copy = Path(message["source"]), Path(message["copy"])
    encoder = RGBEncoderConfig(vcodec=message["vcodec"])
    copy_s, _ = timed(shutil.copytree, source, copy)
    open_s, dataset = timed(LeRobotDataset, REPO_ID, root=copy)
    seconds, _ = timed(
        reencode_dataset,
        dataset,
        rgb_encoder=encoder,
        encoder_threads=message["encoder_threads"],
        num_workers=message["workers"],
    )
    return {"seconds": seconds, "copy_s": copy_s, "open_s": open_s, **_written(copy)}


def hello() -> Reply:
    # Everything the timed calls import is loaded here, before any clock; building a config
    # once also loads PyAV's codec list, which the config's checks query.
    import lerobot.datasets.dataset_tools
    import lerobot.datasets.lerobot_dataset  # noqa: F401
    from lerobot.configs.video import RGBEncoderConfig

    RGBEncoderConfig(vcodec="h264")
    return {**lerobot_versions(), "python": platform.python_version()}


def main() -> int:
    serve({"reencode": reencode}, hello)
    return 0


if __name__ == "__main__":
    sys.exit(main())
