"""Where the Merge page's sources come from: listed datasets, uploaded zips, the Hub.

Local datasets are the Inspect page's (the shared ones and this session's recordings; see
:mod:`components.inspect.sources`). An uploaded zip is unpacked into the session's folder
only after every entry is checked: no absolute paths, no ``..``, no links, and no more than
four times the upload limit once unpacked, so a small zip cannot fill the disk.
"""

from __future__ import annotations

import shutil
import stat
import uuid
import zipfile
from pathlib import Path, PurePosixPath

import gradio as gr

from components.checks import uploaded_paths
from components.inspect.sources import SHARED_PREFIX, local_dataset_path, open_from_hub
from components.merge.session import ChosenSource
from components.sample_dataset import SAMPLE_NAME
from components.state import AppSettings, SessionState

UPLOADS_FOLDER = "merge-uploads"
UNPACK_FACTOR = 4
"""An uploaded zip may unpack to this many times the upload limit."""
MAX_ENTRIES = 100_000
"""Most entries a zip may hold (each one a file or folder on disk)."""
INFO = "meta/info.json"
_COPY_CHUNK = 1 << 20
EXAMPLE = f"{SHARED_PREFIX}{SAMPLE_NAME}"


def local_source(settings: AppSettings, state: SessionState, chosen: object) -> ChosenSource:
    """A listed dataset of the data folder as a source.

    Raises:
        gr.Error: ``chosen`` is not one of the listed datasets.
    """
    root = local_dataset_path(settings, state, chosen)
    where = " (recorded in this session)" if not str(chosen).startswith(SHARED_PREFIX) else ""
    return ChosenSource(label=f"{root.name}{where}", root=root)


def hub_source(settings: AppSettings, repo_id: object) -> ChosenSource:
    """A Hub dataset (metadata fetched now, data and videos read when merged) as a source.

    Raises:
        gr.Error: The repo id is blank or not text.
        LeRobotVideoError: The library's reason (bad id, not found, no access, unreachable).
    """
    hub = open_from_hub(settings, repo_id, "", "")
    return ChosenSource(label=f"{hub.repo_id} (Hub)", reader=hub.reader)


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    """Why an entry may not be unpacked, or None."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return f"entry {name!r:.80} has an absolute path"
    if ".." in parts:
        return f"entry {name!r:.80} points outside its folder ('..')"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"entry {name!r:.80} is a symbolic link"
    return None


def _dataset_prefix(names: list[str]) -> str:
    """The one folder in the zip holding ``meta/info.json`` (``""`` for the zip's top).

    Raises:
        gr.Error: None or several do.
    """
    found = sorted({n[: -len(INFO)] for n in names if n == INFO or n.endswith("/" + INFO)})
    if not found:
        raise gr.Error(
            "The zip holds no dataset: a LeRobot dataset folder has meta/info.json "
            "(zip the dataset's folder, as the Record page's download does)."
        )
    if len(found) > 1:
        raise gr.Error(f"The zip holds {len(found)} datasets; upload one dataset per zip.")
    return found[0]


def _checked_entries(archive: zipfile.ZipFile, limit_bytes: int) -> list[zipfile.ZipInfo]:
    """Every entry, once each is known safe to unpack and all fit in ``limit_bytes``."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise gr.Error(f"The zip holds {len(entries)} entries; at most {MAX_ENTRIES} are taken.")
    for info in entries:
        problem = _entry_problem(info)
        if problem:
            raise gr.Error(f"The zip was refused: {problem}.")
    total = sum(info.file_size for info in entries)
    if total > limit_bytes:
        raise gr.Error(
            f"The zip unpacks to {total / 1e6:.0f} MB; at most {limit_bytes / 1e6:.0f} MB "
            "(four times the upload limit) is taken."
        )
    return entries


def _unpack(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], prefix: str, folder: Path
) -> int:
    """Write the dataset's entries under ``folder``; return the bytes written.

    Sizes were checked from the zip's directory; the bytes are counted again as they are
    written, since a directory can lie about them.
    """
    written, limit = 0, sum(info.file_size for info in entries)
    for info in entries:
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        target = folder / info.filename[len(prefix) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, target.open("wb") as out:
            while chunk := source.read(_COPY_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise gr.Error("The zip holds more data than its directory says; refused.")
                out.write(chunk)
    return written


def unpack_upload(settings: AppSettings, state: SessionState, files: object) -> ChosenSource:
    """Unpack an uploaded dataset zip into the session folder and make it a source.

    Raises:
        gr.Error: No file, not a zip, an unsafe or oversized entry, or no single dataset.
    """
    paths = uploaded_paths(files)
    if len(paths) != 1:
        raise gr.Error("Upload one dataset zip (a .zip of one dataset folder).")
    path = Path(paths[0])
    if not zipfile.is_zipfile(path):
        raise gr.Error(f"{path.name!r:.80} is not a zip file; upload a dataset zip.")
    folder = state.folder / UPLOADS_FOLDER / uuid.uuid4().hex[:12]
    try:
        with zipfile.ZipFile(path) as archive:
            entries = _checked_entries(archive, settings.max_upload_mb * UNPACK_FACTOR * 10**6)
            prefix = _dataset_prefix([info.filename for info in entries])
            name = PurePosixPath(prefix).name or PurePosixPath(path.name).stem
            root = folder / (name if _safe_name(name) else "dataset")
            _unpack(archive, entries, prefix, root)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        OSError,
    ) as err:
        # A truncated entry ends in EOFError; a disk that fills is an OSError.
        shutil.rmtree(folder, ignore_errors=True)
        raise gr.Error(f"The zip could not be unpacked: {err}.") from err
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return ChosenSource(label=f"{root.name} (uploaded)", root=root, uploaded=True)


def _safe_name(name: str) -> bool:
    return bool(name) and not name.startswith(".") and "/" not in name and "\\" not in name


def remove_upload(source: ChosenSource, others: list[ChosenSource]) -> None:
    """Remove an unpacked upload's folder once no listed source uses it."""
    if source.uploaded and source.root is not None and all(o.root != source.root for o in others):
        shutil.rmtree(source.root.parent, ignore_errors=True)


def example_sources(settings: AppSettings, state: SessionState) -> list[ChosenSource]:
    """The ready-made example: the sample dataset twice (a legal merge of two copies).

    Raises:
        gr.Error: The sample is not in the data folder.
    """
    # Two entries, not one twice: each source is known by identity (see the key mapping).
    return [local_source(settings, state, EXAMPLE) for _ in range(2)]
