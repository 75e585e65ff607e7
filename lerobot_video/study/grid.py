"""The encoder settings a study tries: every combination of a few values per knob.

Knobs use LeRobot's names (``vcodec``, ``pix_fmt``, ``g``, ``crf``, ``preset``,
``fast_decode``). The grid is the full product, as the published benchmark ran it (its
README says one value changes at a time; its code ran the product). A combination that is
not a valid config (a libx264 preset name given to libsvtav1, say) is set aside with the
reason rather than failing the whole grid.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from typing import Any

from lerobot_video.config import RGBEncoderConfig
from lerobot_video.errors import ConfigError

MAX_GRID_CELLS = 2000
"""Most encoder settings one grid may hold (a study also multiplies by clips)."""

_KINDS: dict[str, tuple[type, ...]] = {
    "vcodec": (str,),
    "pix_fmt": (str,),
    "g": (int, type(None)),
    "crf": (int, float, type(None)),
    "preset": (int, str, type(None)),
    "fast_decode": (int,),
}


@dataclass(frozen=True, kw_only=True, slots=True)
class StudyGrid:
    """Values to try for each encoder knob; the study runs their product.

    Each field is a non-empty tuple (a list is accepted and stored as a tuple) of values as
    :class:`~lerobot_video.RGBEncoderConfig` takes them; None means the encoder's default.

    Attributes:
        vcodec: Encoders (``libsvtav1``, ``h264``, ``hevc``, ...).
        pix_fmt: Pixel formats (``yuv420p``, ``yuv444p``).
        g: Keyframe intervals in frames, or None.
        crf: Constant rate factors, or None.
        preset: Encoder presets (0-13 for libsvtav1, names for h264/hevc), or None.
        fast_decode: 0, or the encoder's fast-decode level.

    Raises:
        ConfigError: A field is empty, holds a value of the wrong type or a repeat, no
            combination is a valid config, or the grid has more than
            :data:`MAX_GRID_CELLS` combinations.
    """

    vcodec: tuple[str, ...] = ("libsvtav1", "h264", "hevc")
    pix_fmt: tuple[str, ...] = ("yuv420p",)
    g: tuple[int | None, ...] = (1, 2, 10, None)
    crf: tuple[int | float | None, ...] = (20, 30, 40)
    preset: tuple[int | str | None, ...] = (None,)
    fast_decode: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        size = 1
        for field in fields(self):
            values = _checked_values(field.name, getattr(self, field.name))
            object.__setattr__(self, field.name, values)
            size *= len(values)
        if size > MAX_GRID_CELLS:
            raise ConfigError(
                f"The grid has {size} combinations; at most {MAX_GRID_CELLS} are allowed. "
                f"Fewer values per knob, or several smaller studies."
            )
        if not self.configs():
            reasons = " ".join(dict.fromkeys(reason for _, reason in self.skipped()))
            raise ConfigError(f"No combination of the grid is a valid encoder config: {reasons}")

    def _combinations(self) -> list[dict[str, Any]]:
        names = [field.name for field in fields(self)]
        values = [getattr(self, name) for name in names]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]

    def configs(self) -> tuple[RGBEncoderConfig, ...]:
        """Every valid combination as a config, in product order (vcodec varies slowest)."""
        return tuple(config for _, (config, _) in self._pairs() if config is not None)

    def skipped(self) -> tuple[tuple[dict[str, Any], str], ...]:
        """Combinations that are not valid configs, each with the config's reason."""
        return tuple((combo, reason) for combo, (config, reason) in self._pairs() if config is None)

    def _pairs(self) -> list[tuple[dict[str, Any], tuple[RGBEncoderConfig | None, str]]]:
        pairs: list[tuple[dict[str, Any], tuple[RGBEncoderConfig | None, str]]] = []
        for combo in self._combinations():
            try:
                pairs.append((combo, (RGBEncoderConfig(**combo), "")))
            except ConfigError as err:
                pairs.append((combo, (None, str(err))))
        return pairs


def _checked_values(name: str, values: object) -> tuple[Any, ...]:
    if isinstance(values, str) or not isinstance(values, tuple | list) or not values:
        raise ConfigError(
            f"StudyGrid.{name} must be a non-empty list of values, got {values!r:.80}."
        )
    kinds = _KINDS[name]
    for value in values:
        if isinstance(value, bool) or not isinstance(value, kinds):
            allowed = " or ".join("None" if k is type(None) else k.__name__ for k in kinds)
            raise ConfigError(f"StudyGrid.{name} values must be {allowed}, got {value!r}.")
    if len(set(values)) != len(values):
        raise ConfigError(f"StudyGrid.{name} has repeated values: {list(values)}.")
    return tuple(values)
