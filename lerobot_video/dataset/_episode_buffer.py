"""The episode being recorded: frames checked against the features and held until saved.

Numeric and string values stay in memory; camera frames are appended raw to one file per
camera under the staging folder, so long episodes do not fill memory. The features are
read, never changed: the depth unit fixed by the first depth frame is kept here. NumPy only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np
import numpy.typing as npt

from lerobot_video.dataset.features import DEFAULT_FEATURE_NAMES, FeatureInfo
from lerobot_video.errors import ConfigError


@dataclass(kw_only=True, slots=True)
class StagedFrames:
    """One camera's frames of the current episode, appended raw to a file."""

    path: Path
    stream: BinaryIO
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    count: int = 0

    def append(self, frame: npt.NDArray[Any]) -> None:
        self.stream.write(np.ascontiguousarray(frame).tobytes())
        self.count += 1

    def load(self) -> npt.NDArray[Any]:
        """Memory-map the frames, (count, *shape), without reading them into memory."""
        self.stream.flush()
        return np.memmap(self.path, dtype=self.dtype, mode="r", shape=(self.count, *self.shape))

    def discard(self) -> None:
        self.stream.close()
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True, kw_only=True, slots=True)
class CheckedFrame:
    """One frame after validation: task, data values and camera images (H, W, C)."""

    task: str
    values: dict[str, Any]
    images: dict[str, npt.NDArray[Any]]
    depth_units: dict[str, Literal["mm", "m"]]


class EpisodeBuffer:
    """Validated frames of one episode, waiting for ``save_episode``.

    Args:
        features: The dataset's features (default columns included). A depth camera's
            ``info.depth_unit``, when present, fixes the unit its frames must have.
        staging_dir: Folder for the raw camera files (created on demand), or None when
            the images are streamed to encoders instead of staged.
    """

    def __init__(self, features: Mapping[str, FeatureInfo], staging_dir: Path | None) -> None:
        self._features = features
        self._staging_dir = staging_dir
        self._video_keys = [k for k, ft in features.items() if ft.is_video]
        self._depth_keys = {k for k in self._video_keys if features[k].is_depth}
        self._column_keys = [
            k for k, ft in features.items() if not ft.is_video and k not in DEFAULT_FEATURE_NAMES
        ]
        self._depth_units: dict[str, Literal["mm", "m"]] = {
            k: "m" if features[k].info["depth_unit"] == "m" else "mm"
            for k in self._depth_keys
            if "depth_unit" in features[k].info
        }
        self.tasks: list[str] = []
        """The task of each buffered frame."""
        self._values: dict[str, list[Any]] = {key: [] for key in self._column_keys}
        self._cameras: dict[str, StagedFrames] = {}

    def __len__(self) -> int:
        return len(self.tasks)

    @property
    def depth_units(self) -> Mapping[str, Literal["mm", "m"]]:
        """Depth camera to the unit of its frames, ``"mm"`` or ``"m"``, once known.

        As in LeRobot, the first depth frame the dataset ever received fixes the unit (kept
        across :meth:`clear`); the writer stores it as ``info.depth_unit``.
        """
        return self._depth_units

    def check(self, frame: Mapping[str, Any]) -> CheckedFrame:
        """Check one frame against the features without keeping it.

        Args:
            frame: Every user feature plus ``"task"``; see ``DatasetWriter.add_frame``.

        Returns:
            The frame's values cast to the features' dtypes and its images as (H, W, C).

        Raises:
            ConfigError: Missing or extra keys, or a value of the wrong shape, dtype or range.
        """
        if not isinstance(frame, Mapping):
            raise ConfigError(
                f"frame must be a mapping of feature name to value plus 'task', got "
                f"{type(frame).__name__} {frame!r:.80}."
            )
        expected = {*self._column_keys, *self._video_keys, "task"}
        if set(frame) != expected:
            missing, extra = sorted(expected - set(frame)), sorted(set(frame) - expected, key=repr)
            raise ConfigError(
                f"Frame keys do not match the features: missing {missing}, unexpected {extra}. "
                f"Give every feature plus 'task'; the default columns are computed."
            )
        task = frame["task"]
        if not isinstance(task, str) or not task:
            raise ConfigError(f"frame['task'] must be a non-empty string, got {task!r}.")
        images = {key: self._check_camera(key, frame[key]) for key in self._video_keys}
        return CheckedFrame(
            task=task,
            values={key: self._check_value(key, frame[key]) for key in self._column_keys},
            images=images,
            depth_units={key: self._depth_unit(key, images[key]) for key in self._depth_keys},
        )

    def append(self, frame: CheckedFrame, episode_index: int) -> None:
        """Keep a checked frame: values in memory, images staged unless streamed.

        Args:
            frame: What :meth:`check` returned.
            episode_index: Index of the episode being buffered (names the staged files).
        """
        for key, unit in frame.depth_units.items():
            self._depth_units.setdefault(key, unit)
        for key, value in frame.values.items():
            self._values[key].append(value)
        if self._staging_dir is not None:
            for key, image in frame.images.items():
                self._stage(self._staging_dir, key, image, episode_index)
        self.tasks.append(frame.task)

    def _check_value(self, key: str, value: Any) -> Any:
        feature = self._features[key]
        if feature.dtype == "string":
            if not isinstance(value, str):
                raise ConfigError(f"Feature {key!r} must be a string, got {value!r}.")
            return value
        dtype, shape = np.dtype(feature.dtype), feature.shape
        array = np.asarray(value)
        # NumPy values must already have the declared dtype (as in LeRobot); Python numbers
        # and lists are cast when no precision class is lost (int -> float is fine).
        if array.dtype != dtype and (
            isinstance(value, np.ndarray | np.generic)
            or not np.can_cast(array.dtype, dtype, "same_kind")
        ):
            raise ConfigError(
                f"Feature {key!r} must have dtype {dtype.name}, got {array.dtype.name}."
            )
        if array.shape != shape and not (shape == (1,) and array.shape == ()):
            raise ConfigError(f"Feature {key!r} must have shape {shape}, got {array.shape}.")
        return _cast_exactly(key, array, dtype).reshape(shape)

    def _check_camera(self, key: str, image: Any) -> npt.NDArray[Any]:
        height, width, channels = self._features[key].shape
        if not isinstance(image, np.ndarray) or image.shape not in (
            (height, width, channels),
            (channels, height, width),
        ):
            raise ConfigError(
                f"Camera {key!r} needs an array of shape {(height, width, channels)} or "
                f"{(channels, height, width)}, got {getattr(image, 'shape', type(image).__name__)}."
            )
        array: npt.NDArray[Any] = image
        if array.shape != (height, width, channels):
            array = np.moveaxis(array, 0, -1)
        if key in self._depth_keys:
            return self._check_depth(key, array)
        if array.dtype == np.uint8:
            return array
        if (
            not np.issubdtype(array.dtype, np.floating)
            or not np.isfinite(array).all()
            or array.min() < 0
            or array.max() > 1
        ):
            raise ConfigError(
                f"Camera {key!r} must be uint8, or float in [0, 1]; got {array.dtype} in "
                f"[{array.min()}, {array.max()}]."
            )
        return (array * 255).astype(np.uint8)  # truncation, as LeRobot's image writer does

    def _check_depth(self, key: str, image: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if image.dtype not in (np.uint16, np.float32):
            raise ConfigError(
                f"Depth camera {key!r} must be uint16 (mm) or float32 (m), got {image.dtype}."
            )
        return image

    def _depth_unit(self, key: str, image: npt.NDArray[Any]) -> Literal["mm", "m"]:
        """The frame's depth unit; refused when the dataset already records another.

        Nothing is kept here: :meth:`append` fixes the unit once the whole frame passed.
        """
        unit: Literal["mm", "m"] = "m" if image.dtype == np.float32 else "mm"
        # As LeRobot: the unit is recorded once, from the first depth frame's dtype.
        fixed = self._depth_units.get(key, unit)
        if fixed != unit:
            raise ConfigError(
                f"Depth camera {key!r} records {fixed!r} but this frame is "
                f"{image.dtype} ({unit!r}); keep one dtype for the whole dataset."
            )
        return unit

    def _stage(
        self, staging_dir: Path, key: str, image: npt.NDArray[Any], episode_index: int
    ) -> None:
        staged = self._cameras.get(key)
        if staged is None:
            folder = staging_dir / key
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"episode-{episode_index:06d}.raw"
            staged = StagedFrames(
                path=path, stream=path.open("wb"), shape=image.shape, dtype=image.dtype
            )
            self._cameras[key] = staged
        staged.append(image)

    def columns(self) -> dict[str, npt.NDArray[Any]]:
        """The user's data columns: (N,) scalars and strings, (N, n) vectors, in order."""
        columns: dict[str, npt.NDArray[Any]] = {}
        for key in self._column_keys:
            values = self._values[key]
            if self._features[key].dtype == "string":
                columns[key] = np.array(values, dtype=object)
            else:  # shape (1,) features become (N,) scalars, as LeRobot stores them
                stacked = np.stack(values)
                columns[key] = (
                    stacked.reshape(len(values)) if stacked.shape[1:] == (1,) else stacked
                )
        return columns

    def camera_frames(self) -> dict[str, npt.NDArray[Any]]:
        """Each camera's frames, (N, H, W, C), memory-mapped from the staged files."""
        return {key: self._cameras[key].load() for key in self._video_keys}

    def clear(self) -> None:
        """Forget every buffered frame and delete the staged files."""
        for staged in self._cameras.values():
            staged.discard()
        self._cameras.clear()
        self.tasks = []
        self._values = {key: [] for key in self._column_keys}


def _cast_exactly(key: str, array: npt.NDArray[Any], dtype: np.dtype[Any]) -> npt.NDArray[Any]:
    """``array`` as ``dtype``, refused when a value does not fit (no overflow, no wrap)."""
    if array.dtype == dtype or array.dtype == np.bool_:
        return array.astype(dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        cast = array.astype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        fits = bool(((array >= info.min) & (array <= info.max)).all())
    else:
        fits = bool((np.isfinite(cast) | ~np.isfinite(array)).all())
    if not fits:
        raise ConfigError(
            f"Feature {key!r} has values that do not fit its dtype {dtype.name}: "
            f"{array.tolist()!r:.80}; keep values within the dtype's range."
        )
    return cast
