"""The checks of a merge plan: must-match fields, key conflicts, loose encoder fields.

LeRobot's rules (SPEC 6.1, 6.2), said field by field: every must-match field of every source
against the first source's, each difference a :class:`Conflict` naming the source, the field
and what to do; the six encoder-tuning fields merged loosely with a warning when they differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lerobot_video.codec.probe import probe_video
from lerobot_video.dataset.features import DEFAULT_FEATURE_NAMES, parse_features
from lerobot_video.dataset.reader import DatasetReader

LOOSE_FIELDS = (
    "video.g",
    "video.crf",
    "video.preset",
    "video.fast_decode",
    "video.extra_options",
    "video.video_backend",
)
"""Encoder-tuning fields that may differ between sources (LeRobot's loose keys)."""
_STREAM_FIELDS = ("video.codec", "video.pix_fmt", "video.width", "video.height", "video.fps")
_DEPTH_FIELDS = ("video.depth_min", "video.depth_max", "video.shift", "video.use_log")
_ADVICE = {
    "fps": "datasets merge only at one frame rate; resample or re-record that source",
    "robot_type": "LeRobot merges only one robot type; fix 'robot_type' in its info.json if it "
    "is the same robot",
    "dtype": "convert that source's column, or drop the feature",
    "shape": "resize or re-encode that source's feature, or drop it",
    "names": "rename that source's dimension names in its info.json if they mean the same",
    "stream": "re-encode that source's videos with the first source's codec, pixel format "
    "and size (videos are joined without re-encoding)",
    "depth": "depth cameras merge only with the same quantizer; re-encode that source's depth",
    "other": "make the feature's info.json entries agree, or drop the feature",
}


@dataclass(frozen=True, kw_only=True, slots=True)
class MatchRow:
    """One must-match field: each source's value and whether they all agree.

    Attributes:
        feature: The feature, or "" for the dataset itself.
        field: The field (``fps``, ``dtype``, ``video.codec``, ``stream``...).
        values: Each source's value as text ("(missing)" when it lacks the feature).
        matches: Whether every value equals the first source's.
    """

    feature: str
    field: str
    values: tuple[str, ...]
    matches: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class LooseField:
    """One encoder-tuning field of a video feature and its merged value.

    Attributes:
        feature: The video feature.
        field: One of :data:`LOOSE_FIELDS`.
        values: Each source's value as text.
        merged: The merged value as text (kept, or ``null``/``{}`` when they differ).
        warning: Why it was nulled, or "" when all agree.
    """

    feature: str
    field: str
    values: tuple[str, ...]
    merged: str
    warning: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Conflict:
    """What blocks the merge: which field of which source, and what would resolve it.

    Attributes:
        source: Position of the source in the merge.
        source_name: Its name.
        field: The feature and field, e.g. ``observation.images.top video.codec`` or ``fps``.
        message: One or two sentences: what differs and what to do.
    """

    source: int
    source_name: str
    field: str
    message: str


def _text(value: object) -> str:
    return "(missing)" if value is _MISSING else json.dumps(value, sort_keys=True, default=str)


_MISSING = object()


def _field_values(mapped: list[dict[str, Any]], key: str, name: str) -> list[object]:
    """One field of one feature in each source (``_MISSING`` where absent)."""
    values: list[object] = []
    for features in mapped:
        entry = features.get(key)
        if entry is None:
            values.append(_MISSING)
        elif name in ("dtype", "shape", "names"):
            values.append(entry.get(name))
        else:
            values.append(entry.get("info", {}).get(name))
    return values


def must_match(
    readers: list[DatasetReader],
    planned: list[Any],
    mapped: list[dict[str, Any]],
    origins: list[dict[str, str]],
) -> tuple[list[MatchRow], list[Conflict]]:
    """The must-match table and its conflicts.

    Args:
        readers: The sources.
        planned: Their :class:`~lerobot_video.dataset.merge_plan.MergeSource` summaries.
        mapped: Their features under output keys (renames and drops applied).
        origins: Per source, output key to its own key (to find its files).
    """
    rows: list[MatchRow] = []
    conflicts: list[Conflict] = []

    def check(feature: str, name: str, values: list[object], advice: str) -> None:
        texts = tuple(_text(v) for v in values)
        rows.append(
            MatchRow(feature=feature, field=name, values=texts, matches=len(set(texts)) == 1)
        )
        for i, value in enumerate(texts[1:], start=1):
            # A missing feature is one conflict (the key's), not one per field.
            if value != texts[0] and _text(_MISSING) not in (value, texts[0]):
                where = f"{feature} {name}" if feature else name
                says = f"Source {i} ({planned[i].name!r}) has {where} = {value} but source 0 "
                says += f"({planned[0].name!r}) has {texts[0]}: {advice}."
                conflicts.append(
                    Conflict(source=i, source_name=planned[i].name, field=where, message=says)
                )

    check("", "fps", [r.fps for r in readers], _ADVICE["fps"])
    check("", "robot_type", [p.robot_type for p in planned], _ADVICE["robot_type"])
    conflicts += _key_conflicts(planned)
    for key in (k for k in mapped[0] if k not in DEFAULT_FEATURE_NAMES):
        for name in ("dtype", "shape", "names"):
            check(key, name, _field_values(mapped, key, name), _ADVICE[name])
        if mapped[0][key].get("dtype") == "video":
            streams = [
                _stream(r, o.get(key), key in m)
                for r, o, m in zip(readers, origins, mapped, strict=True)
            ]
            _video_rows(mapped, key, streams, check)
    return rows, conflicts


def _video_rows(mapped: list[dict[str, Any]], key: str, streams: list[object], check: Any) -> None:
    """Stream fields of ``info.json``, depth markers, and the first file's real stream."""
    for name in _STREAM_FIELDS:
        check(key, name, _field_values(mapped, key, name), _ADVICE["stream"])
    kinds = [parse_features({key: m[key]})[key].is_depth if key in m else _MISSING for m in mapped]
    check(key, "depth camera", kinds, _ADVICE["depth"])
    if kinds[0] is True:
        for name in _DEPTH_FIELDS:
            check(key, name, _field_values(mapped, key, name), _ADVICE["depth"])
    check(key, "stream", streams, _ADVICE["stream"])


def _stream(reader: DatasetReader, original: str | None, kept: bool) -> object:
    """The first file's stream: codec, pixel format, size and time base (joins need them equal)."""
    if original is None or not kept or not reader.num_episodes:
        return _MISSING
    path = reader.video_path(original, 0)
    with reader.open_file(path) as file:
        video = probe_video(path, file=file, count_packets=False)
    return f"{video.codec} {video.pix_fmt} {video.width}x{video.height} time base {video.time_base}"


def _key_conflicts(planned: list[Any]) -> list[Conflict]:
    """Features one source has and another lacks, with the renames or drops that fit."""
    conflicts = []
    first = planned[0]
    for i, source in enumerate(planned[1:], start=1):
        missing = [k for k in first.feature_keys if k not in source.feature_keys]
        extra = [k for k in source.feature_keys if k not in first.feature_keys]
        for key in missing:
            says = f"Source {i} ({source.name!r}) lacks feature {key!r}"
            if extra:
                says += f"; rename one of its features {extra} onto it, or drop {key!r}."
            else:
                says += f" that source 0 ({first.name!r}) has; drop {key!r} to merge without it."
            conflicts.append(Conflict(source=i, source_name=source.name, field=key, message=says))
        for key in extra:
            says = f"Source {i} ({source.name!r}) has feature {key!r} that source 0 lacks; rename "
            says += f"it onto one of {list(first.feature_keys)} or drop it."
            conflicts.append(Conflict(source=i, source_name=source.name, field=key, message=says))
    return conflicts


def loose_fields(
    mapped: list[dict[str, Any]],
) -> tuple[list[LooseField], list[str], dict[str, Any]]:
    """Merged features (the first source's) and each video feature's loose fields."""
    features = json.loads(json.dumps(mapped[0]))  # a deep copy of plain JSON
    loose: list[LooseField] = []
    warnings: list[str] = []
    for key, entry in features.items():
        if entry.get("dtype") != "video":
            continue
        info = entry.setdefault("info", {})
        nulled = []
        for name in LOOSE_FIELDS:
            # Sources lacking the camera are a key conflict, not a different setting.
            values = [m[key].get("info", {}).get(name) if key in m else _MISSING for m in mapped]
            present = [v for v in values if v is not _MISSING]
            agree = all(v == present[0] for v in present)
            merged = present[0] if agree else ({} if name == "video.extra_options" else None)
            info[name] = "pyav" if name == "video.video_backend" else merged
            if not agree:
                nulled.append(name)
            says = "" if agree else f"sources differ; set to {_text(merged)}"
            loose.append(
                LooseField(
                    feature=key,
                    field=name,
                    values=tuple(_text(v) for v in values),
                    merged=_text(info[name]),
                    warning=says,
                )
            )
        if nulled:
            warnings.append(
                f"Feature {key!r}: the sources' encoder settings differ, so {nulled} are set to "
                f"null ({{}} for extra_options) in the output, as LeRobot does; the videos are "
                f"kept as they are."
            )
    return loose, warnings, features
