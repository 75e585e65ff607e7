"""LeRobot datasets on the Hugging Face Hub, read without downloading their videos.

:func:`open_hub_dataset` resolves the revision as LeRobot does (the highest ``v3.x`` tag),
downloads ``meta/`` into the standard Hugging Face cache (so a second open works offline) and
returns a :class:`HubDataset` whose reader opens data and video files **by byte ranges** where
they are: an MP4's index or one GOP, a Parquet footer and one episode's row groups. Every byte
fetched is counted.

``huggingface_hub`` is reached through :mod:`~lerobot_video.dataset.hub_access` only. Tokens
are handed to it and nowhere else: never logged, echoed in messages, or written to disk by
this library.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from lerobot_video.dataset.hub_access import (
    as_media_error,
    check_repo_id,
    hub_errors,
    hub_library,
    hub_module,
)
from lerobot_video.dataset.ranged_file import BlockStore, RangedFile
from lerobot_video.dataset.reader import DatasetReader
from lerobot_video.errors import HubNotFoundError, MediaError, MetadataError

CODEBASE_MAJOR, CODEBASE_MINOR = 3, 0
"""The format this library reads: v3.0, and v3.x tags up to it (SPEC 1)."""
CONVERTER = "python -m lerobot.scripts.convert_dataset_v21_to_v30 --repo-id={repo_id}"
"""LeRobot's v2.1 -> v3.0 converter, named in the message for older datasets."""
_VERSION_TAG = re.compile(r"^v(\d+)\.(\d+)$")


@dataclass(frozen=True, kw_only=True, slots=True)
class HubFile:
    """One file of a Hub dataset at its commit.

    Attributes:
        path: Path inside the repo (``videos/cam/chunk-000/file-000.mp4``).
        size_bytes: Its size in bytes.
    """

    path: str
    size_bytes: int


class HubDataset:
    """A LeRobot dataset on the Hub, at one commit: its metadata on disk, its files by range.

    Made by :func:`open_hub_dataset`. ``reader`` is a :class:`DatasetReader` over the cached
    ``meta/`` whose :meth:`~DatasetReader.open_file` reads the repo's files by byte ranges,
    so everything that reads a local dataset reads this one.

    Attributes:
        repo_id: ``namespace/name``.
        revision: The branch, tag or commit read (``v3.0`` when resolved from tags).
        commit: The 40-hex commit id.
        reader: The dataset's reader.
        files: Every file of the repo at ``commit`` and its size; empty when opened offline.
        notes: Plain-English notes on how the dataset was opened (a fallback revision...).
    """

    def __init__(
        self,
        *,
        repo_id: str,
        revision: str,
        commit: str,
        meta_root: Path,
        files: tuple[HubFile, ...],
        token: str | None,
        notes: tuple[str, ...] = (),
        meta_bytes_fetched: int = 0,
    ) -> None:
        self.repo_id, self.revision, self.commit = repo_id, revision, commit
        self.files, self.notes = files, notes
        self._token = token  # only ever handed to huggingface_hub
        self._lock = threading.Lock()
        self._bytes_fetched = meta_bytes_fetched
        self._sizes = {f.path: f.size_bytes for f in files}
        # Shared by every file opened here: a file opened again (report, then an episode)
        # reuses its index's blocks. Bounded (8 MiB), so a session holding this stays small.
        self._blocks = BlockStore()
        self.reader = DatasetReader(meta_root, open_file=self._open_remote)

    def __repr__(self) -> str:  # never the token
        return f"HubDataset({self.repo_id!r}, revision={self.revision!r}, commit={self.commit!r})"

    @property
    def size_bytes(self) -> int | None:
        """Bytes in the repo at this commit (all files), or None when opened offline."""
        return sum(f.size_bytes for f in self.files) if self.files else None

    @property
    def bytes_fetched(self) -> int:
        """Bytes downloaded from the Hub by this object so far: metadata and ranged reads."""
        return self._bytes_fetched

    def _repo_path(self, path: Path) -> str:
        try:
            return path.relative_to(self.reader.root).as_posix()
        except ValueError:
            raise MediaError(f"{str(path)!r} is not a file of {self.repo_id}.", path=path) from None

    def _open_remote(self, path: Path) -> BinaryIO:
        """Open a repo file for reading by byte ranges (each range is one HTTP request).

        Sizes come from the listing made at opening, so opening costs no request (the Hub's
        file system would ask for the repo and the folder first).
        """
        inside = self._repo_path(path)
        size = self._sizes.get(inside)
        if size is None:
            raise MediaError(
                f"{inside!r} is not in {self.repo_id} at {self.revision!r}, or the dataset was "
                f"opened offline (only its metadata is cached); open it online to read it.",
                path=path,
            )
        hub = hub_library()
        url = hub.hf_hub_url(self.repo_id, inside, repo_type="dataset", revision=self.commit)

        def fetch(start: int, end: int) -> bytes:
            with as_media_error(str(path)):
                headers = hub.utils.build_hf_headers(token=self._token)
                headers["Range"] = f"bytes={start}-{end - 1}"
                response = hub.utils.http_backoff("GET", url, headers=headers)
                hub.utils.hf_raise_for_status(response)
                data = bytes(response.content)
            if len(data) != end - start:  # a server that ignored the range, or a short file
                raise MediaError(
                    f"The Hub sent {len(data)} bytes of {inside!r} for a request of "
                    f"{end - start} (bytes {start}-{end - 1}); the file may have changed.",
                    path=path,
                )
            return data

        ranged = RangedFile(fetch, size=size, name=inside, on_fetch=self._count, store=self._blocks)
        return cast(BinaryIO, ranged)

    def _count(self, num_bytes: int) -> None:
        with self._lock:
            self._bytes_fetched += num_bytes


def open_hub_dataset(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> HubDataset:
    """Open a LeRobot dataset on the Hub: its metadata now, its files by range on demand.

    Args:
        repo_id: ``namespace/name`` of a dataset repo.
        revision: Branch, tag or commit; None picks the highest ``v3.x`` tag up to v3.0 as
            LeRobot does, or ``main`` (with a note) when the repo has no version tag.
        token: A Hugging Face token for private or gated repos; None uses ``HF_TOKEN`` or the
            token saved by ``hf auth login``. It is handed to huggingface_hub only.
        cache_dir: The Hugging Face cache to keep ``meta/`` in; None uses the standard one
            (``HF_HUB_CACHE``). An app that must write only inside its own folder passes one.

    Returns:
        The dataset. With ``HF_HUB_OFFLINE=1`` it opens from the cache when it was opened
        before (at the same revision).

    Raises:
        ConfigError: ``repo_id`` is not ``namespace/name``.
        HubNotFoundError: No such repo, revision, or no ``meta/info.json`` (not a LeRobot
            dataset).
        HubAccessError: Gated, or the token is refused.
        HubUnreachableError: The Hub cannot be reached and nothing is cached.
        MetadataError: A v2.x dataset (the message names LeRobot's converter), or its metadata
            is malformed.
    """
    repo_id = check_repo_id(repo_id)
    constants = hub_module("constants")
    cache = Path(cache_dir) if cache_dir is not None else Path(constants.HF_HUB_CACHE)
    offline = bool(constants.HF_HUB_OFFLINE)
    notes: list[str] = []
    with hub_errors(repo_id, revision):
        if revision is None:
            found = _cached_version_tag(repo_id, cache) if offline else _version_tag(repo_id, token)
            revision = found or "main"
            if found is None:
                notes.append(f"{repo_id} has no version tag (such as v3.0); read at 'main'.")
        meta, fetched = _download_meta(repo_id, revision, token, cache)
        # Listed at the commit just downloaded, so sizes match the files read later.
        files = () if offline else _tree(repo_id, meta.name, token)
    return _dataset(
        repo_id, revision, meta, files=files, token=token, notes=tuple(notes), fetched=fetched
    )


def _dataset(
    repo_id: str,
    revision: str,
    meta: Path,
    *,
    files: tuple[HubFile, ...],
    token: str | None,
    notes: tuple[str, ...],
    fetched: int,
) -> HubDataset:
    info = meta / "meta" / "info.json"
    if not info.is_file():
        raise HubNotFoundError(
            f"{repo_id!r} at {revision!r} is not a LeRobot dataset: it has no meta/info.json."
        )
    version = _codebase_version(info)
    if version is not None and version[0] < CODEBASE_MAJOR:
        raise MetadataError(
            f"{repo_id!r} at {revision!r} is a LeRobot v{version[0]}.{version[1]} dataset; this "
            f"tool reads v3.0. Convert it with LeRobot: `{CONVERTER.format(repo_id=repo_id)}`."
        )
    return HubDataset(
        repo_id=repo_id,
        revision=revision,
        commit=meta.name,  # the cache's snapshot folder is named by the commit
        meta_root=meta,
        files=files,
        token=token,
        notes=notes,
        meta_bytes_fetched=fetched,
    )


def _codebase_version(info: Path) -> tuple[int, int] | None:
    try:
        text = json.loads(info.read_text(encoding="utf-8")).get("codebase_version", "")
    except (OSError, ValueError, AttributeError):
        return None  # the reader names what is wrong with info.json
    found = _VERSION_TAG.match(str(text))
    return (int(found[1]), int(found[2])) if found else None


def _version_tag(repo_id: str, token: str | None) -> str | None:
    """The highest ``vX.Y`` tag with X = 3 and Y <= 0; v2-only repos are refused by name."""
    refs = hub_library().HfApi(token=token).list_repo_refs(repo_id, repo_type="dataset")
    versions = [
        (int(m[1]), int(m[2]), t.name) for t in refs.tags if (m := _VERSION_TAG.match(t.name))
    ]
    usable = [v for v in versions if v[0] == CODEBASE_MAJOR and v[1] <= CODEBASE_MINOR]
    if usable:
        return str(max(usable)[2])
    if versions and all(v[0] < CODEBASE_MAJOR for v in versions):
        newest = max(versions)
        raise MetadataError(
            f"{repo_id!r} is a LeRobot v{newest[0]}.{newest[1]} dataset (its newest version tag "
            f"is {newest[2]!r}); this tool reads v3.0. Convert it with LeRobot: "
            f"`{CONVERTER.format(repo_id=repo_id)}`."
        )
    return None


def _repo_cache(cache: Path, repo_id: str) -> Path:
    """The cache's folder of a dataset repo (huggingface_hub's layout)."""
    return cache / f"datasets--{repo_id.replace('/', '--')}"


def _cached_version_tag(repo_id: str, cache: Path) -> str | None:
    """Offline: the highest usable version tag the cache has a ref for."""
    folder = _repo_cache(cache, repo_id) / "refs"
    names = [p.name for p in folder.glob("v*")] if folder.is_dir() else []
    usable = [
        (int(m[1]), int(m[2]), n)
        for n in names
        if (m := _VERSION_TAG.match(n)) and int(m[1]) == CODEBASE_MAJOR
    ]
    return str(max(usable)[2]) if usable else None


def _tree(repo_id: str, revision: str, token: str | None) -> tuple[HubFile, ...]:
    """Every file of the repo at ``revision`` and its size."""
    api = hub_library().HfApi(token=token)
    entries = api.list_repo_tree(repo_id, revision=revision, repo_type="dataset", recursive=True)
    return tuple(
        HubFile(path=e.path, size_bytes=int(e.size))
        for e in entries
        if getattr(e, "size", None) is not None and not hasattr(e, "tree_id")
    )


def _download_meta(repo_id: str, revision: str, token: str | None, cache: Path) -> tuple[Path, int]:
    """``meta/`` in the Hugging Face cache, and the bytes downloaded to get it.

    The bytes are those of the blobs the download added to the cache (files already cached
    cost nothing).
    """
    hub = hub_library()
    blobs = _repo_cache(cache, repo_id) / "blobs"
    before = set(blobs.iterdir()) if blobs.is_dir() else set()
    folder = hub.snapshot_download(
        repo_id=repo_id,
        repo_type="dataset",
        revision=revision,
        allow_patterns=["meta/*"],
        token=token,
        cache_dir=cache,
    )
    added = (set(blobs.iterdir()) if blobs.is_dir() else set()) - before
    os.utime(_repo_cache(cache, repo_id))  # used now: trim_hub_cache removes the oldest first
    return Path(folder), sum(blob.stat().st_size for blob in added)


def trim_hub_cache(cache_dir: str | os.PathLike[str], *, max_bytes: int, keep: str = "") -> int:
    """Remove the least recently opened datasets from a Hugging Face cache down to a size.

    Each open marks its repo's cache folder as used (its modification time). An app that
    keeps the Hub cache in its own folder calls this after each open, so disk stays bounded
    however many datasets people open.

    Args:
        cache_dir: The cache (as passed to :func:`open_hub_dataset`).
        max_bytes: The size to stay under, in bytes.
        keep: A repo id never removed (the one just opened).

    Returns:
        Bytes removed.
    """
    cache = Path(cache_dir)
    repos = [p for p in cache.glob("datasets--*") if p.is_dir() and p != _repo_cache(cache, keep)]
    sizes = {p: sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) for p in repos}
    total = sum(sizes.values())
    if keep:
        kept = _repo_cache(cache, keep)
        total += sum(f.stat().st_size for f in kept.rglob("*") if f.is_file())
    removed = 0
    for repo in sorted(repos, key=lambda p: p.stat().st_mtime):
        if total - removed <= max_bytes:
            break
        shutil.rmtree(repo, ignore_errors=True)
        removed += sizes[repo]
    return removed
