"""Checks of a dataset's metadata as read from disk: ``info.json`` fields, templates, paths.

Run once when a dataset is opened (for reading or resuming), so a damaged dataset is
reported as damaged, naming the file and the field, before anything is read or written.
No file I/O here.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lerobot_video.errors import ConfigError, MetadataError

_TEMPLATE_FIELDS = {
    "data_path": {"chunk_index", "file_index"},
    "video_path": {"video_key", "chunk_index", "file_index"},
}
EPISODE_COLUMNS = (
    "episode_index",
    "length",
    "tasks",
    "dataset_from_index",
    "dataset_to_index",
    "data/chunk_index",
    "data/file_index",
)
"""Columns every ``meta/episodes`` parquet must have (plus ``videos/<key>/*`` per camera)."""
VIDEO_COLUMNS = ("chunk_index", "file_index", "from_timestamp", "to_timestamp")


def check_info(path: Path, info: Any) -> dict[str, Any]:
    """Check the fields of a parsed ``info.json`` that the library relies on.

    Args:
        path: The ``info.json`` file, for messages.
        info: Its parsed content.

    Returns:
        ``info``, typed as a dict.

    Raises:
        MetadataError: Naming the file and field when a field is missing or malformed.
    """
    if not isinstance(info, dict):
        raise MetadataError(
            f"{str(path)!r} must hold a JSON object, got {type(info).__name__} {info!r:.80}."
        )
    version = info.get("codebase_version")
    if not isinstance(version, str) or not version.startswith("v3."):
        raise MetadataError(
            f"{str(path)!r} has codebase_version {version!r}; only v3.x is read. "
            f"Convert older datasets with LeRobot's convert_dataset_v21_to_v30."
        )
    for name in ("fps", "features", "total_episodes", "data_path"):
        if name not in info:
            raise MetadataError(f"{str(path)!r} lacks the {name!r} field.")
    _check_int(path, info, "fps", minimum=1)
    for name in ("total_episodes", "total_frames", "total_tasks"):
        if name in info or name == "total_episodes":
            _check_int(path, info, name, minimum=0)
    if not isinstance(info["features"], Mapping):
        raise MetadataError(
            f"{str(path)!r} field 'features' must be an object of name to feature, got "
            f"{info['features']!r:.80}."
        )
    for name, fields in _TEMPLATE_FIELDS.items():
        # LeRobot writes "video_path": null for datasets without videos (images only).
        if name == "data_path" or info.get(name) is not None:
            check_template(path, name, info[name], fields)
    return info


def _check_int(path: Path, info: Mapping[str, Any], name: str, *, minimum: int) -> None:
    value = info[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise MetadataError(
            f"{str(path)!r} field {name!r} must be an integer >= {minimum}, got {value!r}."
        )


def check_template(path: Path, name: str, template: Any, fields: set[str]) -> None:
    """Check a path template: a relative string using only ``fields``, staying inside.

    Raises:
        MetadataError: The template is not a string, uses other fields, is absolute or
            climbs out of the dataset with ``..``.
    """
    if not isinstance(template, str) or not template:
        raise MetadataError(
            f"{str(path)!r} field {name!r} must be a path template string, got {template!r}."
        )
    try:
        used = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError as err:
        raise MetadataError(
            f"{str(path)!r} field {name!r} is not a valid template: {template!r} ({err})."
        ) from err
    if not used <= fields:
        raise MetadataError(
            f"{str(path)!r} field {name!r} uses unknown fields {sorted(used - fields)} in "
            f"{template!r}; allowed: {sorted(fields)}."
        )
    try:
        template.format(**{f: "key" if f == "video_key" else 0 for f in fields})
    except (ValueError, KeyError, IndexError, AttributeError) as err:
        raise MetadataError(
            f"{str(path)!r} field {name!r} cannot be filled in: {template!r} ({err!r})."
        ) from err
    parts = Path(template).parts
    if Path(template).is_absolute() or ".." in parts or template.startswith("~"):
        raise MetadataError(
            f"{str(path)!r} field {name!r} is {template!r}; templates must stay inside the "
            f"dataset (relative, without '..')."
        )


def inside(root: Path, relative: str, what: str) -> Path:
    """``root / relative``, refused unless it stays inside ``root`` once ``..`` are folded.

    Raises:
        MetadataError: The path leaves the dataset folder.
    """
    path = root / relative
    # Lexical, not resolved: files may be symlinks (a Hugging Face cache links into blobs/).
    if not Path(os.path.normpath(path)).is_relative_to(os.path.normpath(root)):
        raise MetadataError(
            f"The {what} path {relative!r} of dataset {str(root)!r} resolves outside the "
            f"dataset; every file must stay inside its root."
        )
    return path


def check_episode_columns(path: Path, names: Sequence[str], video_keys: Sequence[str]) -> None:
    """Check that a ``meta/episodes`` parquet has every column the reader needs.

    Raises:
        MetadataError: Naming the file and the first missing column.
    """
    needed = [*EPISODE_COLUMNS]
    needed += [f"videos/{key}/{column}" for key in video_keys for column in VIDEO_COLUMNS]
    missing = [name for name in needed if name not in names]
    if missing:
        raise MetadataError(
            f"Episodes file {str(path)!r} lacks column {missing[0]!r} (missing: {missing}); "
            f"the dataset is damaged."
        )


def root_path(root: object, name: str = "root") -> Path:
    """A dataset folder argument as a path.

    Raises:
        ConfigError: ``root`` is not a non-empty ``str`` or ``os.PathLike``.
    """
    if not isinstance(root, str | os.PathLike) or not str(root):
        raise ConfigError(f"{name} must be a folder path (str or os.PathLike), got {root!r}.")
    return Path(root)


def check_video_keys(path: Path, keys: Sequence[str]) -> None:
    """Refuse camera names that would put their files outside ``videos/<key>/``.

    Raises:
        MetadataError: A video feature's name holds a path separator or is ``.``/``..``.
    """
    for key in keys:
        if "/" in key or "\\" in key or key in (".", ".."):
            raise MetadataError(
                f"{str(path)!r} field 'features' has video feature {key!r}; a camera's name "
                f"becomes a folder under videos/ and must not hold '/', '\\\\' or be '.'/'..'."
            )


def check_video_shapes(path: Path, shapes: Mapping[str, tuple[int, ...]]) -> None:
    """Refuse a camera whose shape is not (height, width, 1 or 3), all >= 1.

    Raises:
        MetadataError: Naming the file, the camera and its shape.
    """
    for key, shape in shapes.items():
        if len(shape) != 3 or min(shape) < 1 or shape[2] not in (1, 3):
            raise MetadataError(
                f"{str(path)!r} field 'features' camera {key!r} has shape {list(shape)!r}; "
                f"cameras are [height, width, 3] (RGB) or [height, width, 1] (depth)."
            )
