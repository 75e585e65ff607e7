"""Publish a local LeRobot v3.0 dataset to the Hub: create the repo, upload, tag ``v3.0``.

Large files go up through the Hub's LFS pre-upload in batches before the single commit, so
progress is reported per batch and an interrupted push resumes: the Hub keeps the objects
already uploaded and says so, and only the missing ones are sent again. Nothing is written
into the dataset folder (``upload_large_folder`` would keep its state there). ``images/``
(temporary frames) and hidden files are not uploaded, as LeRobot's ``push_to_hub`` does.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lerobot_video.dataset.hub_access import check_repo_id, first_line, hub_errors, hub_library
from lerobot_video.dataset.reader import open_dataset
from lerobot_video.errors import ConfigError, HubUnreachableError

PushProgress = Callable[[int, int, str], None]
"""Called as ``progress(bytes_done, bytes_total, what)`` while a push runs."""
_BATCH_BYTES = 64 * 1024 * 1024
"""Files are pre-uploaded in batches of about this many bytes, one progress step each."""
VERSION_TAG = "v3.0"


@dataclass(frozen=True, kw_only=True, slots=True)
class PushResult:
    """What a push made on the Hub.

    Attributes:
        repo_id: ``namespace/name``.
        commit: The commit id holding the dataset.
        tag: The version tag pointing at it (``v3.0``).
        num_files: Files in the commit.
        num_bytes: Their total size in bytes.
    """

    repo_id: str
    commit: str
    tag: str
    num_files: int
    num_bytes: int


def _files(root: Path) -> list[Path]:
    """Files to publish, sorted: everything but ``images/`` and hidden files or folders."""
    chosen = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and parts[0] != "images" and not any(p.startswith(".") for p in parts):
            chosen.append(path)
    return chosen


def push_dataset(
    root: str | os.PathLike[str],
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    progress: PushProgress | None = None,
) -> PushResult:
    """Upload a local dataset to a Hub dataset repo and tag the commit ``v3.0``.

    The dataset is checked first (it must open as v3.0). The repo is created when missing
    (``private`` applies then only). A re-run after an interruption uploads only what the Hub
    does not hold yet. An existing ``v3.0`` tag is moved to the new commit, as LeRobot does.

    Args:
        root: The dataset folder; it is only read.
        repo_id: ``namespace/name``.
        token: A token with write access; None uses ``HF_TOKEN`` or ``hf auth login``'s.
        private: Create the repo private.
        progress: Optional ``progress(bytes_done, bytes_total, what)``.

    Returns:
        The commit, tag and what was uploaded.

    Raises:
        ConfigError: ``repo_id`` is not ``namespace/name``.
        MetadataError: ``root`` is not a readable v3.0 dataset.
        HubAccessError: No token, or it cannot write there.
        HubUnreachableError: The Hub cannot be reached, or failed mid-upload (re-run resumes).
    """
    repo_id = check_repo_id(repo_id)
    reader = open_dataset(root)
    files = _files(reader.root)
    if not files:
        raise ConfigError(f"{str(reader.root)!r} has no files to push.")
    hub = hub_library()
    api = hub.HfApi(token=token)
    operations = [
        hub.CommitOperationAdd(
            path_in_repo=f.relative_to(reader.root).as_posix(), path_or_fileobj=str(f)
        )
        for f in files
    ]
    total = sum(f.stat().st_size for f in files)
    with hub_errors(repo_id, None):
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        _preupload(api, repo_id, operations, total, progress)
        commit = api.create_commit(
            repo_id,
            repo_type="dataset",
            operations=operations,
            commit_message=f"Dataset pushed by lerobot_video ({len(files)} files)",
        )
        _retag(api, repo_id, commit.oid)
    if progress:
        progress(total, total, f"Tagged {VERSION_TAG}")
    return PushResult(
        repo_id=repo_id, commit=commit.oid, tag=VERSION_TAG, num_files=len(files), num_bytes=total
    )


def _preupload(
    api: Any, repo_id: str, operations: list[Any], total: int, progress: PushProgress | None
) -> None:
    """Pre-upload the files in batches, reporting progress after each batch."""
    done, batch, batch_bytes = 0, list[Any](), 0
    for op in [*operations, None]:
        if op is not None:
            batch.append(op)
            batch_bytes += int(op.upload_info.size)
        if batch and (op is None or batch_bytes >= _BATCH_BYTES):
            try:
                api.preupload_lfs_files(repo_id, additions=batch, repo_type="dataset")
            except RuntimeError as err:  # huggingface_hub wraps a failed upload in one
                if err.__cause__ is None:
                    raise
                raise HubUnreachableError(
                    f"Uploading to {repo_id!r} stopped after {done / 1e6:.1f} MB "
                    f"({first_line(err.__cause__ or err)}). Push again: what arrived is not "
                    f"sent twice."
                ) from err
            done += batch_bytes
            if progress:
                progress(done, total, f"Uploaded {done / 1e6:.1f} of {total / 1e6:.1f} MB")
            batch, batch_bytes = [], 0


def _retag(api: Any, repo_id: str, commit: str) -> None:
    """Point ``v3.0`` at ``commit``, replacing an older tag of that name."""
    refs = api.list_repo_refs(repo_id, repo_type="dataset")
    if any(t.name == VERSION_TAG for t in refs.tags):
        api.delete_tag(repo_id, tag=VERSION_TAG, repo_type="dataset")
    api.create_tag(repo_id, tag=VERSION_TAG, revision=commit, repo_type="dataset")
