"""``archive_dataset``: one zip of a dataset, for download.

Covers: the zip holds every file a reader sees, under the dataset's name, byte for byte,
and leaves out hidden temporary files and the staging folder; MP4 and parquet files are
stored, JSON deflated; progress is reported per file; the zip is written atomically (an
existing archive is replaced whole, and a failure leaves it as it was, with no temporary
file); a folder that is not a dataset is refused with ``MetadataError``.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from lerobot_video import MetadataError, archive_dataset

from .dataset_fakes import LEROBOT_ROOT


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A copy of the LeRobot fixture, plus what a save in progress would leave."""
    root = tmp_path / "my_dataset"
    shutil.copytree(LEROBOT_ROOT, root)
    (root / "meta" / ".info.json.abc.partial").write_text("{}")
    (root / "images" / "cam").mkdir(parents=True)
    (root / "images" / "cam" / "episode-000002.raw").write_bytes(b"\0" * 16)
    return root


def dataset_files(root: Path) -> dict[str, bytes]:
    """What a reader sees: every file but hidden ones and the staging folder."""
    return {
        f"{root.name}/{path.relative_to(root).as_posix()}": path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
        and not path.name.startswith(".")
        and path.relative_to(root).parts[0] != "images"
    }


def test_zip_holds_every_file_stored_or_deflated(dataset: Path, tmp_path: Path) -> None:
    done: list[tuple[int, int]] = []
    result = archive_dataset(
        dataset, tmp_path / "out.zip", progress=lambda i, n: done.append((i, n))
    )
    expected = dataset_files(dataset)
    assert len(expected) == 7  # info, stats, tasks, episodes, data, two videos
    with zipfile.ZipFile(result) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == expected
        methods = {info.filename: info.compress_type for info in archive.infolist()}
    for name, method in methods.items():
        stored = name.endswith((".mp4", ".parquet"))
        assert method == (zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED), name
    assert any(name.endswith(".mp4") for name in methods)
    assert done == [(i, len(expected)) for i in range(1, len(expected) + 1)]


def test_written_atomically(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    destination = tmp_path / "out.zip"
    destination.write_bytes(b"old archive")

    def fail_midway(done: int, total: int) -> None:
        if done == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        archive_dataset(dataset, destination, progress=fail_midway)
    assert destination.read_bytes() == b"old archive"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my_dataset", "out.zip"]
    archive_dataset(dataset, destination)
    with zipfile.ZipFile(destination) as archive:
        assert archive.testzip() is None


def test_refuses_a_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    (tmp_path / "videos").mkdir()
    with pytest.raises(MetadataError, match=r"is not a dataset folder \(no meta/info.json\)"):
        archive_dataset(tmp_path, tmp_path.parent / "x.zip")
    assert not (tmp_path.parent / "x.zip").exists()
