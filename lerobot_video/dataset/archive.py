"""Pack a dataset folder into one zip file for download, written atomically."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

from lerobot_video.codec.file_modes import new_file_mode, write_atomically
from lerobot_video.dataset.layout import INFO_PATH, STAGING_DIR
from lerobot_video.dataset.metadata_checks import root_path
from lerobot_video.errors import ConfigError, MetadataError

_STORED_SUFFIXES = (".mp4", ".parquet")  # already compressed: zipping again only costs time
_COPY_CHUNK_BYTES = 1 << 20


def archive_dataset(
    root: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a dataset's files into a zip whose top folder is the dataset's name.

    Hidden files (temporary files of a save in progress) and the staging folder are left
    out, so the archive holds exactly what a reader of the dataset sees. MP4 and parquet
    files are stored as they are; JSON is deflated. Every entry carries the mode a new file
    gets here (0o644 under the usual umask), whatever its file's own mode, so an unpacked
    dataset is readable by others as the zip itself is.

    Args:
        root: The dataset folder (holding ``meta/info.json``).
        destination: The zip file to write; replaced if it exists, never left half-written.
        progress: Optional ``progress(files_done, files_total)``.

    Returns:
        ``destination`` as a path.

    Raises:
        MetadataError: ``root`` is not a dataset folder.
        ConfigError: ``destination`` is inside the dataset, is a folder, or lies under a
            file. Missing folders above it are created.
    """
    root, destination = root_path(root), root_path(destination, "destination")
    if not (root / INFO_PATH).is_file():
        raise MetadataError(f"{str(root)!r} is not a dataset folder (no {INFO_PATH}).")
    _check_destination(root, destination)
    files = sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
        and path.relative_to(root).parts[0] != STAGING_DIR
    )

    def write(temp: Path) -> None:
        mode = new_file_mode()
        with zipfile.ZipFile(temp, "w") as archive:
            for done, path in enumerate(files, start=1):
                _add_file(
                    archive, path, (Path(root.name) / path.relative_to(root)).as_posix(), mode
                )
                if progress is not None:
                    progress(done, len(files))

    write_atomically(destination, write)
    return destination


def _add_file(archive: zipfile.ZipFile, path: Path, arcname: str, mode: int) -> None:
    """Add ``path`` as ``arcname`` with permission bits ``mode``, stored or deflated.

    ``ZipFile.write`` would copy the file's own mode, and a file published through a
    temporary file may still have ``mkstemp``'s 0o600.
    """
    info = zipfile.ZipInfo.from_file(path, arcname)
    info.external_attr = (stat.S_IFREG | mode) << 16  # Unix mode in the high 16 bits
    info.compress_type = (
        zipfile.ZIP_STORED if path.suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED
    )
    with path.open("rb") as source, archive.open(info, "w") as entry:
        shutil.copyfileobj(source, entry, _COPY_CHUNK_BYTES)


def _check_destination(root: Path, destination: Path) -> None:
    """Refuse a zip path that is a folder, lies under a file, or inside the dataset.

    Missing folders above ``destination`` are created by the write, as before.
    """
    if destination.resolve().is_relative_to(root.resolve()):
        raise ConfigError(
            f"destination {str(destination)!r} is inside the dataset {str(root)!r}; write the "
            f"archive outside it."
        )
    if destination.is_dir():
        raise ConfigError(
            f"destination {str(destination)!r} is a folder; pass the path of the zip file."
        )
    existing = next(parent for parent in destination.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise ConfigError(
            f"destination {str(destination)!r} cannot be written: {str(existing)!r} is a file, "
            f"not a folder."
        )
