"""File modes of what the library writes: a shared dataset is readable by other users.

Covers: the umask is read without being changed (``/proc/self/status``, or 0o022 where that
cannot be read); files published atomically get 0o666 less the umask, not ``mkstemp``'s
0o600 (0o644 under umask 0o022, 0o640 under 0o027); a recorded dataset's files and its zip
are 0o644 under umask 0o022, and so is every zip entry's mode, whatever its file's own mode.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy.typing as npt
import pytest

from lerobot_video import archive_dataset
from lerobot_video.codec import file_modes
from lerobot_video.codec.file_modes import current_umask, new_file_mode
from lerobot_video.dataset.files import write_json

from .dataset_fakes import record


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes(root: Path) -> dict[str, int]:
    """Every file under ``root`` (relative path) to its permission bits."""
    return {
        path.relative_to(root).as_posix(): _mode(path) for path in root.rglob("*") if path.is_file()
    }


@pytest.fixture
def umask() -> Iterator[None]:
    """The test may set this process's umask (``os.umask``); the original comes back after it."""
    original = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(original)


@pytest.mark.usefixtures("umask")
class TestUmask:
    def test_reading_the_umask_leaves_it_as_it_was(self) -> None:
        os.umask(0o027)
        assert current_umask() == 0o027
        assert current_umask() == 0o027
        assert new_file_mode() == 0o640

    def test_unreadable_proc_falls_back_to_0o022(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        os.umask(0o077)
        monkeypatch.setattr(file_modes, "_PROC_STATUS", tmp_path / "missing")
        assert current_umask() == 0o022
        assert new_file_mode() == 0o644

    @pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
    def test_atomic_writes_get_a_new_files_mode(
        self, tmp_path: Path, mask: int, expected: int
    ) -> None:
        os.umask(mask)
        write_json(tmp_path / "meta" / "info.json", {"fps": 30})
        assert _mode(tmp_path / "meta" / "info.json") == expected


@pytest.mark.usefixtures("umask")
class TestSharedDataset:
    def test_one_episode_dataset_and_its_zip_are_0o644(
        self, tmp_path: Path, fed: dict[str, npt.NDArray[Any]]
    ) -> None:
        os.umask(0o022)
        root = tmp_path / "shared"
        record(root, fed, [6]).finalize()
        modes = _modes(root)
        assert any(name.endswith(".mp4") for name in modes)
        assert any(name.endswith(".parquet") for name in modes)
        assert modes == dict.fromkeys(modes, 0o644)
        zip_path = archive_dataset(root, tmp_path / "out" / "shared.zip")
        assert _mode(zip_path) == 0o644
        with zipfile.ZipFile(zip_path) as archive:
            entries = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        assert len(entries) == len(modes)
        assert set(entries.values()) == {stat.S_IFREG | 0o644}

    def test_zip_entries_are_0o644_even_for_a_private_file(
        self, tmp_path: Path, fed: dict[str, npt.NDArray[Any]]
    ) -> None:
        os.umask(0o022)
        root = tmp_path / "private"
        record(root, fed, [4]).finalize()
        video = next(root.rglob("*.mp4"))
        video.chmod(0o600)
        zip_path = archive_dataset(root, tmp_path / "private.zip")
        with zipfile.ZipFile(zip_path) as archive:
            attr = archive.getinfo(f"private/{video.relative_to(root).as_posix()}").external_attr
        assert stat.S_IMODE(attr >> 16) == 0o644

    def test_videos_stay_0o644_when_a_second_episode_is_appended(
        self, tmp_path: Path, fed: dict[str, npt.NDArray[Any]]
    ) -> None:
        os.umask(0o022)
        root = tmp_path / "two"
        record(root, fed, [4, 4]).finalize()
        videos = {name: mode for name, mode in _modes(root).items() if name.endswith(".mp4")}
        assert videos
        assert videos == dict.fromkeys(videos, 0o644)
