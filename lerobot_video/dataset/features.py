"""What a dataset's features are: typed descriptions of ``info.json``'s ``features`` entries.

:class:`FeatureInfo` is the one typed view of a feature. The legacy spellings of "this
camera is a depth map" are resolved once, in :meth:`FeatureInfo.from_dict`, when a dataset
is opened or created; everything else asks :attr:`FeatureInfo.kind`. No file I/O here.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lerobot_video.errors import ConfigError, MetadataError

DEFAULT_FEATURE_NAMES = ("timestamp", "frame_index", "episode_index", "index", "task_index")
"""Columns every LeRobot dataset has, appended after the user's features in this order."""

_KNOWN_KEYS = ("dtype", "shape", "names", "info")
_NUMERIC_DTYPES = frozenset(
    ["bool", "float16", "float32", "float64"]
    + [f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)]
)
_SUPPORTED_DTYPES = "'video', 'string' or a numeric dtype (float32, int64, bool...)"


# A ``str`` mixin rather than ``enum.StrEnum``: the library supports Python 3.10.
class StreamKind(str, enum.Enum):
    """What a video feature holds. Stored on disk as ``info.is_depth_map``."""

    RGB = "rgb"
    DEPTH = "depth"

    def __str__(self) -> str:
        """The value, as ``StrEnum`` prints it."""
        return str(self.value)


@dataclass(frozen=True, kw_only=True, slots=True)
class FeatureInfo:
    """One entry of ``info.json``'s ``features``, typed.

    Attributes:
        dtype: ``"video"``, ``"string"`` or a NumPy dtype name (``"float32"``...).
        shape: (H, W, C) for videos (C = 3 RGB, 1 depth); (n,) for vectors and strings.
        names: LeRobot's ``names`` as stored: a list, a dict of lists, or None.
        kind: RGB or depth for videos, from the canonical or either legacy marker; None for
            other features.
        info: The ``info`` block as stored (``video.*`` keys, ``is_depth_map``,
            ``depth_unit``, the depth quantizer keys); empty when absent.
        extras: Every other key of the entry, kept as read (e.g. a legacy ``video_info``
            dict or a per-feature ``fps``), so writing the entry back loses nothing.
    """

    dtype: str
    shape: tuple[int, ...]
    names: Any = None
    kind: StreamKind | None = None
    info: Mapping[str, Any] = field(default_factory=dict)
    extras: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any], *, name: str) -> FeatureInfo:
        """Read one ``features`` entry; the only place legacy depth markers are read.

        A video feature is depth when ``info.is_depth_map`` (canonical),
        ``info["video.is_depth_map"]`` or ``video_info["video.is_depth_map"]`` (legacy,
        SPEC 1.3) is true.

        Args:
            entry: The entry, as parsed from JSON.
            name: The feature's key, for error messages.

        Returns:
            The typed feature (deep copies of the nested values).

        Raises:
            MetadataError: The entry has no ``dtype`` or ``shape``, or a malformed one.
        """
        if not isinstance(entry, Mapping) or not isinstance(entry.get("dtype"), str):
            raise MetadataError(f"Feature {name!r} has no 'dtype' string: {entry!r}.")
        try:
            shape = tuple(int(n) for n in entry["shape"])
        except (KeyError, TypeError, ValueError) as err:
            raise MetadataError(f"Feature {name!r} has no valid 'shape': {entry!r}.") from err
        for block in ("info", "video_info"):
            if not isinstance(entry.get(block) or {}, Mapping):
                raise MetadataError(
                    f"Feature {name!r} has a {block!r} that is not a mapping: {entry[block]!r:.80}."
                )
        info = copy.deepcopy(dict(entry.get("info") or {}))
        extras = {k: copy.deepcopy(v) for k, v in entry.items() if k not in _KNOWN_KEYS}
        kind = None
        if entry["dtype"] == "video":
            video_info = extras.get("video_info") or {}
            is_depth = (
                info.get("is_depth_map")
                or info.get("video.is_depth_map")
                or video_info.get("video.is_depth_map")
            )
            kind = StreamKind.DEPTH if is_depth else StreamKind.RGB
        return cls(
            dtype=entry["dtype"],
            shape=shape,
            names=copy.deepcopy(entry.get("names")),
            kind=kind,
            info=info,
            extras=extras,
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``info.json`` entry, a new dict.

        Keys in LeRobot's order: ``dtype``, ``shape``, ``names``, ``info`` (when not empty),
        then the extras.
        """
        entry: dict[str, Any] = {
            "dtype": self.dtype,
            "shape": list(self.shape),
            "names": copy.deepcopy(self.names),
        }
        if self.info:
            entry["info"] = copy.deepcopy(dict(self.info))
        entry.update(copy.deepcopy(dict(self.extras)))
        return entry

    def with_info(self, info: Mapping[str, Any]) -> FeatureInfo:
        """The same feature with another ``info`` block (a copy is kept)."""
        return FeatureInfo(
            dtype=self.dtype,
            shape=self.shape,
            names=self.names,
            kind=self.kind,
            info=copy.deepcopy(dict(info)),
            extras=self.extras,
        )

    @property
    def is_video(self) -> bool:
        """Stored as MP4 (RGB or depth), not as a parquet column."""
        return self.kind is not None

    @property
    def is_depth(self) -> bool:
        """A depth camera, by any marker."""
        return self.kind is StreamKind.DEPTH

    @property
    def stream_info(self) -> dict[str, Any]:
        """The video's ``info`` block with a legacy ``video_info`` dict folded underneath."""
        return {**(self.extras.get("video_info") or {}), **self.info}


def parse_features(entries: Mapping[str, Any]) -> dict[str, FeatureInfo]:
    """``info.json``'s ``features`` as typed descriptions, in order.

    Raises:
        MetadataError: ``features`` is not a mapping, or an entry is malformed.
    """
    if not isinstance(entries, Mapping):
        raise MetadataError(f"info.json's 'features' must be a mapping, got {entries!r}.")
    return {name: FeatureInfo.from_dict(entry, name=name) for name, entry in entries.items()}


def features_json(features: Mapping[str, FeatureInfo]) -> dict[str, dict[str, Any]]:
    """Typed features back to ``info.json``'s ``features`` (new dicts, same order)."""
    return {name: feature.to_dict() for name, feature in features.items()}


def video_keys(features: Mapping[str, FeatureInfo]) -> list[str]:
    """The camera features (RGB and depth), in order."""
    return [name for name, feature in features.items() if feature.is_video]


def default_features() -> dict[str, FeatureInfo]:
    """The five default features, as LeRobot appends them."""
    return {
        name: FeatureInfo(dtype="float32" if name == "timestamp" else "int64", shape=(1,))
        for name in DEFAULT_FEATURE_NAMES
    }


def check_features(features: Mapping[str, Mapping[str, Any]]) -> dict[str, FeatureInfo]:
    """Validate user features and return them typed, with the default features appended.

    Args:
        features: ``name -> {"dtype", "shape", "names"[, "info"]}`` as LeRobot takes them.
            ``"video"`` features have shape (H, W, 3) for RGB or (H, W, 1) for depth; numeric
            features have shape (n,); ``"string"`` features shape (1,).

    Returns:
        The features, depth cameras marked ``info.is_depth_map = true``, then
        ``timestamp``, ``frame_index``, ``episode_index``, ``index``, ``task_index``.

    Raises:
        ConfigError: An invalid name, dtype or shape; a default feature supplied; or no
            features at all.
    """
    if not isinstance(features, Mapping) or not features:
        raise ConfigError(
            f"features must be a non-empty mapping of name to spec, got {features!r}."
        )
    checked: dict[str, FeatureInfo] = {}
    for name, spec in features.items():
        if not isinstance(name, str) or not name or "/" in name or name == "task":
            raise ConfigError(
                f"Feature name {name!r} is invalid: use a non-empty string without '/' (reserved "
                f"for the stats/<feature>/<stat> columns) other than 'task'."
            )
        if name in DEFAULT_FEATURE_NAMES:
            raise ConfigError(
                f"Feature {name!r} is added by the dataset itself; remove it from features."
            )
        try:
            checked[name] = _check_feature(name, spec)
        except MetadataError as err:  # from_dict's checks, here about an argument
            raise ConfigError(str(err)) from err
    return {**checked, **default_features()}


def _check_feature(name: str, spec: Mapping[str, Any]) -> FeatureInfo:
    if not isinstance(spec, Mapping) or "dtype" not in spec or "shape" not in spec:
        raise ConfigError(f"Feature {name!r} needs 'dtype', 'shape' and 'names', got {spec!r}.")
    entry = dict(spec)
    shape = entry["shape"]
    if not isinstance(shape, list | tuple) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in shape
    ):
        raise ConfigError(f"Feature {name!r} shape must be positive integers, got {shape!r}.")
    dtype = entry["dtype"]
    if not isinstance(dtype, str):
        raise ConfigError(f"Feature {name!r} dtype must be a string, got {dtype!r}.")
    if dtype == "video":
        return _check_video(name, entry)
    if dtype == "string" or dtype in _NUMERIC_DTYPES:
        if len(shape) != 1 or (dtype == "string" and list(shape) != [1]):
            raise ConfigError(
                f"Feature {name!r} must have shape (n,) ((1,) for strings), got {tuple(shape)!r}; "
                f"multi-dimensional arrays are not supported yet."
            )
        return FeatureInfo.from_dict(entry, name=name)
    raise ConfigError(
        f"Feature {name!r} has dtype {dtype!r}; allowed: {_SUPPORTED_DTYPES}. Image "
        f"features are not supported; store cameras as 'video'."
    )


def _check_video(name: str, entry: dict[str, Any]) -> FeatureInfo:
    shape = tuple(entry["shape"])
    if len(shape) != 3 or shape[2] not in (1, 3):
        raise ConfigError(
            f"Video feature {name!r} must have shape (height, width, 3) for RGB or "
            f"(height, width, 1) for depth, got {shape!r}."
        )
    info = entry.get("info") or {}
    if not isinstance(info, Mapping):
        raise ConfigError(f"Video feature {name!r} 'info' must be a mapping, got {info!r}.")
    if shape[2] == 1 and "is_depth_map" not in info:
        entry["info"] = {"is_depth_map": True, **info}
    feature = FeatureInfo.from_dict(entry, name=name)
    if feature.is_depth != (shape[2] == 1):
        raise ConfigError(
            f"Video feature {name!r} has {shape[2]} channel(s) but is_depth_map="
            f"{feature.is_depth}; depth cameras have 1 channel, RGB cameras 3."
        )
    return feature


def with_video_info(
    features: Mapping[str, FeatureInfo],
    video_info: Mapping[str, Mapping[str, Any]],
    depth_units: Mapping[str, str],
) -> dict[str, FeatureInfo]:
    """The features with each camera described by its first episode's video, as LeRobot.

    Args:
        features: The features, in order.
        video_info: Camera key to the ``info`` block of its encoded video
            (:func:`~lerobot_video.feature_info`'s keys).
        depth_units: Depth camera key to the unit of its input frames (``"mm"``/``"m"``).

    Returns:
        New features; each camera's ``info`` keeps its keys (``is_depth_map`` first), then
        ``depth_unit`` for depth, then the video's keys.
    """
    described = dict(features)
    for key, block in video_info.items():
        unit = depth_units.get(key)
        depth_unit = {"depth_unit": unit} if unit is not None else {}
        described[key] = features[key].with_info({**features[key].info, **depth_unit, **block})
    return described
