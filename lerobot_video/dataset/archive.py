"""Pack a dataset folder into one zip file for download, written atomically."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from lerobot_video.dataset.files import write_atomically
from lerobot_video.dataset.layout import INFO_PATH, STAGING_DIR
from lerobot_video.dataset.metadata_checks import root_path
from lerobot_video.errors import ConfigError, MetadataError

_STORED_SUFFIXES = (".mp4", ".parquet")  # already compressed: zipping again only costs time


def archive_dataset(
    root: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a dataset's files into a zip whose top folder is the dataset's name.

    Hidden files (temporary files of a save in progress) and the staging folder are left
    out, so the archive holds exactly what a reader of the dataset sees. MP4 and parquet
    files are stored as they are; JSON is deflated.

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
        with zipfile.ZipFile(temp, "w") as archive:
            for done, path in enumerate(files, start=1):
                method = (
                    zipfile.ZIP_STORED if path.suffix in _STORED_SUFFIXES else zipfile.ZIP_DEFLATED
                )
                arcname = Path(root.name) / path.relative_to(root)
                archive.write(path, arcname.as_posix(), compress_type=method)
                if progress is not None:
                    progress(done, len(files))

    write_atomically(destination, write)
    return destination


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
