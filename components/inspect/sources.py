"""Which datasets the Inspect page may open, and opening them (on the Hub or on disk).

Local datasets are the shared ones in ``<data>/datasets/`` and those this session recorded on
the Record page. The page opens nothing else: a value that is not one of them (a path typed
into the API, ``..``, another session's folder) is refused before anything is read.
"""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr

from components.checks import text
from components.record.form import DATASETS_FOLDER
from components.state import HUB_CACHE_MB, AppSettings, SessionState
from lerobot_video import HubDataset, open_hub_dataset, trim_hub_cache

SHARED_PREFIX = "datasets/"
SESSION_PREFIX = "session/"
TOKEN_NOTE = (
    "The token is used for this request only and kept in this session's memory on the server "
    "while the dataset is open: it is never logged, never written to disk and never shown again."
)


def _datasets_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        entry
        for entry in folder.iterdir()
        if entry.is_dir()
        and not entry.name.startswith(".")
        and (entry / "meta/info.json").is_file()
    )


def local_datasets(settings: AppSettings, state: SessionState | None) -> dict[str, Path]:
    """Dropdown value to folder: the shared datasets, then this session's recordings."""
    found = {f"{SHARED_PREFIX}{p.name}": p for p in _datasets_in(settings.datasets_dir)}
    if state is not None:
        mine = _datasets_in(state.folder / DATASETS_FOLDER)
        found |= {f"{SESSION_PREFIX}{p.name}": p for p in mine}
    return found


def dataset_choices(found: dict[str, Path]) -> list[tuple[str, str]]:
    """``(label, value)`` pairs for the dropdown: names with where they come from."""
    return [
        (f"{p.name} (recorded in this session)" if v.startswith(SESSION_PREFIX) else p.name, v)
        for v, p in found.items()
    ]


def _inside(path: Path, folder: Path) -> bool:
    return os.path.realpath(path).startswith(os.path.realpath(folder).rstrip(os.sep) + os.sep)


def local_dataset_path(settings: AppSettings, state: SessionState, choice: object) -> Path:
    """The folder of a listed dataset.

    Raises:
        gr.Error: ``choice`` is not a listed dataset of the data folder (or not text).
    """
    value = text(choice, "Local dataset").strip()
    if not value:
        raise gr.Error("Choose a local dataset first.")
    path = local_datasets(settings, state).get(value)
    if path is None or not _inside(path, settings.data_dir):
        raise gr.Error(
            f"{value!r:.80} is not one of the listed datasets: this page opens only datasets "
            "in the app's data folder (shared datasets and the ones this session recorded)."
        )
    return path


def open_from_hub(
    settings: AppSettings, repo_id: object, revision: object, token: object
) -> HubDataset:
    """Open a Hub dataset from the form's text (blank revision and token mean none).

    Its metadata goes to the app's own Hub cache (inside the data folder), which is then
    trimmed to :data:`HUB_CACHE_MB`, least recently opened datasets first.

    Raises:
        gr.Error: A field is not text, or the repo id is blank.
        LeRobotVideoError: The library's reason (bad id, not found, no access, unreachable).
    """
    repo = text(repo_id, "Repo id").strip()
    if not repo:
        raise gr.Error("Type a Hub dataset repo id such as 'lerobot/pusht' (namespace/name).")
    rev = text(revision, "Revision").strip() or None
    secret = text(token, "Token").strip() or None
    hub = open_hub_dataset(repo, revision=rev, token=secret, cache_dir=settings.hub_cache_dir)
    trim_hub_cache(settings.hub_cache_dir, max_bytes=HUB_CACHE_MB * 1_000_000, keep=hub.repo_id)
    return hub
