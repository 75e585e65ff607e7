"""What one session's Merge page holds: the chosen sources in order, key mappings, the plan.

Kept in :class:`~components.state.SessionState` (server side): a Hub source is an open
reader, and an uploaded source is a folder inside the session's own folder.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from lerobot_video import DatasetReader, MergePlan, MergeResult, MergeVerification

KEEP = "(keep as is)"
"""A key mapping choice: the source's key goes to the output under its own name."""
DROP = "(drop)"
"""A key mapping choice: the source's key is left out of the output."""


@dataclass(frozen=True)
class ChosenSource:
    """One source of the merge, as the page lists it.

    Attributes:
        label: How the page names it (folder name or repo id, and where it comes from).
        root: The dataset folder (a listed local dataset, or an upload unpacked in the
            session folder); None for a Hub dataset.
        reader: The open Hub dataset's reader; None for a folder.
        uploaded: Whether ``root`` is an unpacked upload (removed with its last entry).
    """

    label: str
    root: Path | None = None
    reader: DatasetReader | None = None
    uploaded: bool = False

    @property
    def source(self) -> Path | DatasetReader:
        """What ``plan_merge`` takes for this source."""
        if self.reader is not None:
            return self.reader
        assert self.root is not None
        return self.root


@dataclass
class MergeSession:
    """The Merge page's wizard state for one session.

    Attributes:
        sources: The chosen sources, merged in this order.
        slots: The key mapping dropdowns' subjects, in order: (source position, key) for each
            key of a later source that the first source lacks (from the plan without mapping).
        mapping: The mapping chosen per slot: a first-source key, :data:`KEEP` or :data:`DROP`.
        plan: The plan of the sources with the chosen mapping, or None.
        result: The last merge written, or None.
        verification: Its verification, or None.
        lock: Held while the sources or the plan change (events of one session can overlap).
    """

    sources: list[ChosenSource] = field(default_factory=list)
    slots: list[tuple[int, str]] = field(default_factory=list)
    mapping: list[str] = field(default_factory=list)
    plan: MergePlan | None = None
    result: MergeResult | None = None
    verification: MergeVerification | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def rename_and_drop(self) -> tuple[dict[int, dict[str, str]], tuple[str, ...]]:
        """``plan_merge``'s ``rename`` and ``drop`` arguments from the chosen mapping."""
        rename: dict[int, dict[str, str]] = {}
        drop: list[str] = []
        for (position, key), chosen in zip(self.slots, self.mapping, strict=True):
            if chosen == DROP:
                drop.append(key)
            elif chosen != KEEP and chosen != key:
                rename.setdefault(position, {})[key] = chosen
        return rename, tuple(dict.fromkeys(drop))

    def forget_plan(self) -> None:
        """The sources changed: the mapping and plan no longer apply."""
        self.slots, self.mapping, self.plan = [], [], None
