"""Datasets and zips for the Merge page's tests: tiny datasets to merge, and zips to refuse."""

from __future__ import annotations

import json
import stat
import struct
import zipfile
from pathlib import Path

import numpy as np

from lerobot_video import RGBEncoderConfig, archive_dataset, create_dataset

TOP = "observation.images.top"
INFO = {"codebase_version": "v3.0", "fps": 30, "features": {}}


def write_toy_dataset(root: Path, camera: str = TOP, *, fps: int = 30, episodes: int = 2) -> Path:
    """A tiny dataset: one colour camera (h264), a 2-number state, 6 frames an episode."""
    features = {
        camera: {"dtype": "video", "shape": [32, 48, 3], "names": ["height", "width", "channels"]},
        "observation.state": {"dtype": "float32", "shape": [2], "names": ["a", "b"]},
    }
    rng = np.random.default_rng(fps)
    encoder = RGBEncoderConfig(vcodec="h264", preset="ultrafast")
    with create_dataset(
        root, fps=fps, features=features, robot_type="toy", rgb_encoder=encoder
    ) as writer:
        for _ in range(episodes):
            for _ in range(6):
                frame = rng.integers(0, 255, (32, 48, 3), dtype=np.uint8)
                state = rng.random(2, dtype=np.float32)
                writer.add_frame({camera: frame, "observation.state": state, "task": "poke"})
            writer.save_episode()
    return root


def write_zip(path: Path, entries: dict[str, bytes], *, link: str | None = None) -> Path:
    """A zip of ``entries`` (name to bytes), deflated; ``link`` adds a symbolic link entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/hostname")
    return path


def write_huge_declared_zip(path: Path) -> Path:
    """A tiny zip whose directory claims a 4 GB entry: refused before anything is unpacked."""
    info = json.dumps(INFO).encode()
    write_zip(path, {"ds/meta/info.json": info, "ds/data/big.bin": b"x"})
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")  # the last entry's central directory record
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)  # its uncompressed size
    path.write_bytes(bytes(data))
    return path


def make_merge_zips(folder: Path, sample: Path) -> dict[str, Path]:
    """A dataset zip (of ``sample``) and zips the Merge page must refuse, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    info = json.dumps(INFO).encode()
    return {
        "sample_zip": archive_dataset(sample, folder / "sample.zip"),
        "dotdot_zip": write_zip(
            folder / "dotdot.zip", {"ds/meta/info.json": info, "ds/../../evil.txt": b"x"}
        ),
        "absolute_zip": write_zip(
            folder / "absolute.zip", {"ds/meta/info.json": info, "/tmp/evil.txt": b"x"}
        ),
        "symlink_zip": write_zip(
            folder / "symlink.zip", {"ds/meta/info.json": info}, link="ds/meta/link"
        ),
        "no_dataset_zip": write_zip(folder / "no_dataset.zip", {"readme.txt": b"hello"}),
        "two_datasets_zip": write_zip(
            folder / "two.zip", {"a/meta/info.json": info, "b/meta/info.json": info}
        ),
        "bad_info_zip": write_zip(folder / "bad_info.zip", {"ds/meta/info.json": b"{not json"}),
        "huge_zip": write_huge_declared_zip(folder / "huge.zip"),
    }
