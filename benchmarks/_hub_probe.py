"""One timed way of learning a Hub dataset's encoding, run in a fresh process and HF cache.

Worker for ``bench_hub_report.py``; runs under this repo's venv (``ours``, ``floor``,
``download``) or LeRobot 0.6.1's interpreter (``lerobot``, ``lerobot-meta``). ``HF_ENDPOINT``
and ``HF_HOME`` come from the environment. Prints one JSON line: ``{"seconds": ...}`` plus
what the variant learned (so the driver can check it did the job). Imports are done before
the clock starts: every variant is timed from its first request to its answer.

Variants:
- ``ours``: ``open_hub_dataset`` + ``encoding_report`` (metadata, then each video's index and
  the first file's first frames, by range).
- ``floor``: the least the job needs: ``meta/`` (``snapshot_download(allow_patterns)``) and,
  per video, one range request for its top-level box headers' worth and one for its ``moov``.
- ``download``: ``snapshot_download`` of the whole repo at ``v3.0``.
- ``lerobot-meta``: ``LeRobotDatasetMetadata(repo_id)`` (no video facts at all).
- ``lerobot``: ``LeRobotDatasetMetadata`` + ``LeRobotDataset(repo_id)`` (downloads the data and
  videos) + the first frame of each episode (opens every video).

Usage: python _hub_probe.py VARIANT REPO_ID
"""

from __future__ import annotations

import json
import os
import struct
import sys
import time
from pathlib import Path
from typing import Any


def _ours(repo_id: str) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import huggingface_hub  # noqa: F401  (imported before the clock, as for the floor)

    from lerobot_video import encoding_report, open_hub_dataset

    start = time.perf_counter()
    hub = open_hub_dataset(repo_id)
    report = encoding_report(hub.reader)
    seconds = time.perf_counter() - start
    gops = {f.key: f.keyframe_interval_frames for f in report.features}
    return {"seconds": seconds, "bytes_fetched": hub.bytes_fetched, "gops": gops}


def _floor(repo_id: str) -> dict[str, Any]:
    from huggingface_hub import HfApi, get_session, hf_hub_url, snapshot_download

    start = time.perf_counter()
    snapshot_download(repo_id, repo_type="dataset", revision="v3.0", allow_patterns=["meta/*"])
    api = HfApi()
    tree = api.list_repo_tree(repo_id, repo_type="dataset", revision="v3.0", recursive=True)
    videos = [(e.path, int(getattr(e, "size", 0))) for e in tree if e.path.endswith(".mp4")]
    session, moov_bytes = get_session(), 0
    for path, size in videos:
        url = hf_hub_url(repo_id, path, repo_type="dataset", revision="v3.0")
        position = 0
        while position < size:  # walk the top-level boxes: 8 bytes each, then the moov
            head = session.get(url, headers={"Range": f"bytes={position}-{position + 15}"}).content
            box, kind = struct.unpack(">I4s", head[:8])
            box = struct.unpack(">Q", head[8:16])[0] if box == 1 else box
            if kind == b"moov":
                end = position + box - 1
                moov_bytes += len(
                    session.get(url, headers={"Range": f"bytes={position}-{end}"}).content
                )
                break
            position += box
    return {"seconds": time.perf_counter() - start, "moov_bytes": moov_bytes, "videos": len(videos)}


def _download(repo_id: str) -> dict[str, Any]:
    from huggingface_hub import snapshot_download

    start = time.perf_counter()
    folder = Path(snapshot_download(repo_id, repo_type="dataset", revision="v3.0"))
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return {"seconds": seconds, "bytes_on_disk": size}


def _lerobot(repo_id: str, *, videos: bool) -> dict[str, Any]:
    from lerobot.datasets.lerobot_dataset import LeRobotDataset, LeRobotDatasetMetadata

    start = time.perf_counter()
    meta = LeRobotDatasetMetadata(repo_id)
    if not videos:
        return {"seconds": time.perf_counter() - start, "episodes": meta.total_episodes}
    dataset = LeRobotDataset(repo_id)
    starts = dataset.meta.episodes["dataset_from_index"]
    for index in starts:
        dataset[int(index)]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "episodes": len(starts), "frames_read": len(starts)}


def main() -> None:
    variant, repo_id = sys.argv[1], sys.argv[2]
    runs = {
        "ours": lambda: _ours(repo_id),
        "floor": lambda: _floor(repo_id),
        "download": lambda: _download(repo_id),
        "lerobot": lambda: _lerobot(repo_id, videos=True),
        "lerobot-meta": lambda: _lerobot(repo_id, videos=False),
    }
    result = runs[variant]()
    result["variant"], result["hf_home"] = variant, os.environ.get("HF_HOME", "")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
