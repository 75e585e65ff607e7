"""Merge page handlers: choose sources, plan, map keys, merge, verify, zip.

Each handler calls the library for one step (planning, merging, verifying, zipping run on
the media lane) and returns the page's status line; :mod:`components.merge.view` turns the
session's merge state into component updates. Refusals are ``gr.Error``s in user words.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from components.checks import text, whole_number
from components.feedback import progress_callback, shows_library_errors, user_text
from components.lane import run_media_work
from components.merge.session import DROP, KEEP, ChosenSource, MergeSession
from components.merge.sources import (
    example_sources,
    hub_source,
    local_source,
    remove_upload,
    unpack_upload,
)
from components.record.form import NAME_PATTERN
from components.state import AppSettings, SessionState
from lerobot_video import (
    ChunkingConfig,
    archive_dataset,
    execute_merge,
    open_dataset,
    plan_merge,
    verify_merge,
)

MAX_SOURCES = 8
"""Most sources one merge takes (each is a row on the page)."""
MAX_KEY_SLOTS = 12
"""Most unmatched keys the page offers to map (each is a dropdown)."""
DATA_MB = (1, 2000, 100)
VIDEO_MB = (1, 20000, 200)
"""Bounds and defaults of the output's file size limits, in MB (LeRobot's defaults)."""


def _kept_mapping(
    merge: MergeSession,
    sources: list[ChosenSource],
    slots: list[tuple[int, str]],
    offered: set[str],
) -> list[str]:
    """The mapping chosen before the sources changed, for the slots that still exist.

    A source is known by identity (the same dataset added twice is two sources), so a
    mapping follows its source when another one is removed or moved.
    """
    chosen = [
        (merge.sources[p], key, choice)
        for (p, key), choice in zip(merge.slots, merge.mapping, strict=True)
        if choice != KEEP and choice in offered
    ]
    return [
        next((c for s, k, c in chosen if s is sources[p] and k == key), KEEP) for p, key in slots
    ]


def _plan_sources(merge: MergeSession, sources: list[ChosenSource]) -> None:
    """Plan ``sources``, keeping the key mapping still valid, then make them the session's.

    A source the library cannot plan is refused before it is listed, so the list never
    holds a dataset that breaks the page.
    """
    if len(sources) < 2:
        if sources and sources[-1].root is not None:
            run_media_work(open_dataset, sources[-1].root)  # a broken dataset is refused now
        merge.sources = sources
        merge.forget_plan()
        return
    inputs = [s.source for s in sources]
    plan = run_media_work(plan_merge, inputs)
    slots = [
        (position, key) for position, keys in sorted(plan.unmatched_keys.items()) for key in keys
    ][:MAX_KEY_SLOTS]
    mapping = _kept_mapping(merge, sources, slots, {DROP, *plan.target_keys})
    update = MergeSession(slots=slots, mapping=mapping)
    if any(choice != KEEP for choice in mapping):
        rename, drop = update.rename_and_drop()
        plan = run_media_work(plan_merge, inputs, rename=rename or None, drop=drop)
    merge.sources, merge.plan, merge.slots, merge.mapping = sources, plan, slots, mapping


def _add(state: SessionState, new: list[ChosenSource]) -> str:
    merge = state.merge
    with merge.lock:
        if len(merge.sources) + len(new) > MAX_SOURCES:
            raise gr.Error(f"A merge takes at most {MAX_SOURCES} sources; remove one first.")
        _plan_sources(merge, [*merge.sources, *new])
        count = len(merge.sources)
    names = " and ".join(f"**{user_text(s.label)}**" for s in new)
    more = "" if count >= 2 else " Add at least one more to see the plan."
    return f"Added {names}: {count} source{'s' if count != 1 else ''}.{more}"


@shows_library_errors
def add_local(
    state: SessionState, settings: AppSettings, chosen: object, progress: gr.Progress
) -> str:
    """Add a listed dataset of the data folder (shared, or recorded in this session)."""
    progress(None, desc="Reading the dataset's metadata")
    return _add(state, [local_source(settings, state, chosen)])


@shows_library_errors
def add_example(state: SessionState, settings: AppSettings, progress: gr.Progress) -> str:
    """Add the ready-made example: the sample dataset twice."""
    progress(None, desc="Reading the sample's metadata")
    return _add(state, example_sources(settings, state))


@shows_library_errors
def add_hub(
    state: SessionState, settings: AppSettings, repo_id: object, progress: gr.Progress
) -> str:
    """Add a Hub dataset: its metadata is fetched now, its files only when merging."""
    progress(None, desc="Opening the dataset on the Hub")
    return _add(state, [run_media_work(hub_source, settings, repo_id)])


@shows_library_errors
def add_upload(
    state: SessionState, settings: AppSettings, files: object, progress: gr.Progress
) -> str:
    """Unpack an uploaded dataset zip (checked entry by entry) and add it."""
    if files is None:
        raise gr.Error("Upload a dataset zip first.")
    progress(None, desc="Unpacking the zip")
    source = run_media_work(unpack_upload, settings, state, files)
    try:
        return _add(state, [source])
    except BaseException:
        remove_upload(source, state.merge.sources)
        raise


def _position(merge: MergeSession, position: object) -> int:
    if not merge.sources:
        raise gr.Error("Add sources first: there is nothing to remove or move.")
    return whole_number(position, "Source position", 0, len(merge.sources) - 1)


@shows_library_errors
def remove_source(state: SessionState, position: object) -> str:
    """Remove the source at ``position`` (from 0, as the page numbers them); plan the rest."""
    merge = state.merge
    with merge.lock:
        index = _position(merge, position)
        removed = merge.sources[index]
        rest = merge.sources[:index] + merge.sources[index + 1 :]
        _plan_sources(merge, rest)
        remove_upload(removed, rest)
    return f"Removed **{user_text(removed.label)}**: {len(rest)} sources left."


@shows_library_errors
def move_up(state: SessionState, position: object) -> str:
    """Move the source at ``position`` (from 0) one place up; source 0 is the reference."""
    merge = state.merge
    with merge.lock:
        index = _position(merge, position)
        if index == 0:
            raise gr.Error("Source 0 is already first.")
        order = list(merge.sources)
        order[index - 1], order[index] = order[index], order[index - 1]
        _plan_sources(merge, order)
    return f"Moved **{user_text(order[index - 1].label)}** to position {index - 1}."


def clear_sources(state: SessionState) -> str:
    """Forget every source (unpacked uploads go too) and any plan."""
    merge = state.merge
    with merge.lock:
        for source in merge.sources:
            remove_upload(source, [])
        merge.sources = []
        merge.forget_plan()
    return "Cleared: add two or more sources."


def _mapping(merge: MergeSession, values: Sequence[object]) -> list[str]:
    """The chosen mapping of each used slot, checked against what the slot offers."""
    if len(values) != MAX_KEY_SLOTS:
        raise gr.Error(f"Key mapping takes {MAX_KEY_SLOTS} values, got {len(values)}.")
    assert merge.plan is not None
    offered = [KEEP, DROP, *merge.plan.target_keys]
    chosen = []
    for (position, key), value in zip(merge.slots, values, strict=False):
        if not isinstance(value, str) or value not in offered:
            raise gr.Error(
                f"Key mapping of {key!r} (source {position}) must be {KEEP!r}, {DROP!r} or "
                f"one of source 0's keys; got {value!r:.60}."
            )
        chosen.append(value)
    for slot, value in enumerate(values[len(merge.slots) :], start=len(merge.slots)):
        if value not in (None, "", KEEP):  # a hidden dropdown: nothing to map there
            raise gr.Error(
                f"Key mapping slot {slot} has no key to map (only {len(merge.slots)} are used); "
                f"got {value!r:.60}."
            )
    return chosen


@shows_library_errors
def map_keys(state: SessionState, values: Sequence[object], progress: gr.Progress) -> str:
    """Map each unmatched key as chosen and plan again."""
    merge = state.merge
    with merge.lock:
        if merge.plan is None:
            raise gr.Error("Add two or more sources first: there are no keys to map.")
        mapping = _mapping(merge, values)
        rename, drop = MergeSession(slots=merge.slots, mapping=mapping).rename_and_drop()
        progress(None, desc="Planning the merge")
        sources = [s.source for s in merge.sources]
        merge.plan = run_media_work(plan_merge, sources, rename=rename or None, drop=drop)
        merge.mapping = mapping
        conflicts = len(merge.plan.conflicts)
    return (
        f"Planned again with the key mapping: {conflicts} conflict{'s' if conflicts != 1 else ''}."
    )


def output_folder(settings: AppSettings, name: object) -> Path:
    """The merged dataset's folder in the shared datasets folder, from a checked name.

    Raises:
        gr.Error: The name is blank, not a plain folder name, or already taken.
    """
    value = text(name, "Output name").strip()
    allowed = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    if not value:
        raise gr.Error(f"Give the merged dataset a name: {allowed} (e.g. 'merged_cubes').")
    if not NAME_PATTERN.fullmatch(value):
        raise gr.Error(f"Output name {value!r:.80} is not allowed; use {allowed}.")
    folder = settings.datasets_dir / value
    if folder.exists():
        raise gr.Error(f"A dataset named {value!r} already exists; choose another name.")
    return folder


def chunking(data_mb: object, video_mb: object) -> ChunkingConfig:
    """The output's file size limits from the form, within sane bounds."""
    low, high, _ = DATA_MB
    data = whole_number(data_mb, "Data file size (MB)", low, high)
    low, high, _ = VIDEO_MB
    video = whole_number(video_mb, "Video file size (MB)", low, high)
    return ChunkingConfig(data_files_size_in_mb=data, video_files_size_in_mb=video)


def check_output(settings: AppSettings, name: object, data_mb: object, video_mb: object) -> str:
    """The output form's verdict as it is filled in, with the run's own checks."""
    try:
        folder = output_folder(settings, name)
        chunking(data_mb, video_mb)
    except gr.Error as err:
        return f"**Refused:** {user_text(err.message)}"
    return f"**Ready:** writes `{folder.name}` into the shared datasets folder."


def _ready_plan(merge: MergeSession, limits: ChunkingConfig) -> Any:
    """The plan to run: the sources and mapping as shown, with the form's file sizes."""
    if merge.plan is None:
        raise gr.Error("Add two or more sources first.")
    if not merge.plan.ok:
        first = merge.plan.conflicts[0]
        raise gr.Error(
            f"The plan has {len(merge.plan.conflicts)} conflict(s); resolve them first. "
            f"{first.message}"
        )
    rename, drop = merge.rename_and_drop()
    sources = [s.source for s in merge.sources]
    return run_media_work(plan_merge, sources, rename=rename or None, drop=drop, chunking=limits)


def _size(folder: Path) -> int:
    """Bytes of the files under ``folder`` (a Hub source's cached metadata: small)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _check_room(settings: AppSettings, adding: int) -> None:
    """Refuse when the shared datasets folder, with ``adding`` more bytes, passes its limit."""
    used, limit = _size(settings.datasets_dir), settings.max_datasets_mb * 1_000_000
    if used + adding > limit:
        raise gr.Error(
            f"The shared datasets folder holds {used / 1e6:.0f} MB and this merge needs about "
            f"{adding / 1e6:.0f} MB more; its limit is {settings.max_datasets_mb} MB "
            f"(--max-datasets-mb). Remove datasets from it, or merge fewer sources."
        )


@shows_library_errors
def run_merge(
    state: SessionState,
    settings: AppSettings,
    form: tuple[object, object, object],
    progress: gr.Progress,
) -> str:
    """Merge the sources into ``<data>/datasets/<name>``, then verify the result.

    ``form`` is the output name and the data and video file size limits in MB.
    """
    name, data_mb, video_mb = form
    folder, limits = output_folder(settings, name), chunking(data_mb, video_mb)
    merge = state.merge
    with merge.lock:
        progress(None, desc="Planning the merge")
        plan = _ready_plan(merge, limits)
        merge.result = merge.verification = None  # a refused plan keeps the last result shown

        def report(done: int, total: int, what: str) -> None:
            progress((done, total) if total else None, desc=f"Merging: {what}"[:80])

        _check_room(settings, sum(_size(s.root) for s in plan.sources))
        result = run_media_work(execute_merge, plan, folder, progress=report)
        try:
            _check_room(settings, 0)
        except gr.Error:
            shutil.rmtree(result.root, ignore_errors=True)  # past the limit: not kept
            raise
        merge.result = result
        progress(None, desc="Verifying the merged dataset")
        merge.verification = check = run_media_work(verify_merge, plan, result.root)
    verdict = "every check passed" if check.ok else f"{len(check.problems)} problem(s) found"
    return (
        f"Merged **{result.num_episodes}** episodes, **{result.num_frames}** frames into "
        f"**{result.root.name}** (shared datasets folder); verification: {verdict}."
    )


@shows_library_errors
def zip_merged(state: SessionState, progress: gr.Progress) -> Any:
    """Pack the merged dataset into a zip in the session folder and offer it for download."""
    result = state.merge.result
    if result is None:
        raise gr.Error("Run a merge first: there is no merged dataset to zip.")
    destination = state.fresh_folder("merge-download") / f"{result.root.name}.zip"
    run_media_work(
        archive_dataset, result.root, destination, progress=progress_callback(progress, "Zipping")
    )
    return gr.update(value=str(destination), visible=True)
