"""Read a LeRobot v3.0 dataset without torch: metadata, episodes, data columns, frames.

Frames are located as LeRobot locates them (SPEC 1.8 and 7): frame ``i`` of episode ``e``
is the frame shown at ``from_timestamp(e) + i / fps`` in the episode's MP4, within a
tolerance. Only episodes counted by ``info.json`` are listed, so a dataset whose recording
died mid-save reads as its last complete state.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from lerobot_video.codec.decode import decode_depth_codes, decode_frames
from lerobot_video.dataset.drop_log import read_drop_log
from lerobot_video.dataset.episodes import EpisodeInfo
from lerobot_video.dataset.features import FeatureInfo, parse_features, video_keys
from lerobot_video.dataset.files import load_json
from lerobot_video.dataset.layout import (
    EPISODES_DIR,
    INFO_PATH,
    STATS_PATH,
    TASKS_PATH,
    VIDEO_PATH,
    FileLayout,
)
from lerobot_video.dataset.metadata_checks import (
    check_info,
    check_video_keys,
    check_video_shapes,
    root_path,
)
from lerobot_video.dataset.reader_rows import (
    episode_from_row,
    episode_rows,
    read_data_rows,
    read_stats,
)
from lerobot_video.dataset.schema import read_tasks
from lerobot_video.dataset.stats import Stats
from lerobot_video.depth import DepthQuantization, dequantize_depth
from lerobot_video.errors import ConfigError, FrameIndexError, MediaError, MetadataError


def open_dataset(root: str | os.PathLike[str]) -> DatasetReader:
    """Open a LeRobot v3.0 dataset folder for reading.

    Args:
        root: The dataset folder (holding ``meta/info.json``).

    Returns:
        The reader.

    Raises:
        ConfigError: ``root`` is not a path.
        MetadataError: Missing or malformed metadata (naming the file and field), a path
            template leading outside ``root``, or a format other than v3.x (convert v2.1
            datasets with LeRobot's ``convert_dataset_v21_to_v30`` first).
    """
    return DatasetReader(root_path(root))


class DatasetReader:
    """Metadata, episodes, data columns and frames of a dataset on disk.

    Made by :func:`open_dataset`; reads ``meta/`` once, data and videos on demand.
    """

    def __init__(self, root: Path, *, open_file: FileOpener | None = None) -> None:
        """Read ``root``'s metadata; ``open_file`` opens its other files (default: from disk).

        A Hub dataset passes a ranged remote opener: its ``meta/`` is on disk (in the Hub
        cache) and its data and video files are read by byte ranges where they are.
        """
        root = root_path(root)
        self._root = root
        self._open_file = open_file or _open_local
        info_path = root / INFO_PATH
        self._info: dict[str, Any] = check_info(info_path, load_json(info_path))
        # Legacy depth markers are resolved here, once.
        try:
            self._features = parse_features(self._info["features"])
        except MetadataError as err:
            raise MetadataError(f"{str(info_path)!r} field 'features': {err}") from err
        check_video_keys(info_path, video_keys(self._features))
        check_video_shapes(info_path, {k: self._features[k].shape for k in self.video_keys})
        if video_keys(self._features) and self._info.get("video_path") is None:
            raise MetadataError(
                f"{str(info_path)!r} has video features but its 'video_path' is "
                f"{self._info.get('video_path')!r}; it must be a path template such as "
                f"{VIDEO_PATH!r}."
            )
        self._quantizations = {
            key: _quantization(info_path, key, ft)
            for key, ft in self._features.items()
            if ft.is_depth
        }
        self._layout = FileLayout.from_info(root, self._info)
        tasks_path = root / TASKS_PATH
        self._tasks = read_tasks(tasks_path) if tasks_path.exists() else ()
        self._episodes = self._load_episodes()

    def _load_episodes(self) -> tuple[EpisodeInfo, ...]:
        total = int(self._info["total_episodes"])
        dropped = read_drop_log(self._root, total)
        rows: dict[int, EpisodeInfo] = {}
        for path in sorted((self._root / EPISODES_DIR).glob("*/*.parquet")):
            for row in episode_rows(path, self.video_keys):
                # Rows past total_episodes belong to a save that never committed.
                index = row["episode_index"]
                if not (isinstance(index, int) and index >= total):
                    rows[index] = episode_from_row(path, row, dropped.get(index))
        if sorted(rows) != list(range(total)):
            raise MetadataError(
                f"{str(self._root / INFO_PATH)!r} field 'total_episodes' is {total} but "
                f"meta/episodes lists episodes {sorted(rows)}; the metadata is inconsistent."
            )
        return tuple(rows[i] for i in range(total))

    @property
    def root(self) -> Path:
        """The dataset folder."""
        return self._root

    @property
    def info(self) -> dict[str, Any]:
        """``meta/info.json`` as parsed (a copy is not made; do not modify)."""
        return self._info

    @property
    def fps(self) -> int:
        """Frames per second of every stream."""
        return int(self._info["fps"])

    @property
    def features(self) -> dict[str, dict[str, Any]]:
        """``info.json``'s features as parsed, in order (see :attr:`feature_infos`)."""
        features: dict[str, dict[str, Any]] = self._info["features"]
        return features

    @property
    def feature_infos(self) -> Mapping[str, FeatureInfo]:
        """The features, typed (legacy depth markers resolved), in order."""
        return self._features

    @property
    def video_keys(self) -> list[str]:
        """Camera features stored as MP4 (RGB and depth)."""
        return video_keys(self._features)

    @property
    def depth_keys(self) -> list[str]:
        """Camera features holding depth, by the canonical or a legacy marker."""
        return [key for key, ft in self._features.items() if ft.is_depth]

    @property
    def num_episodes(self) -> int:
        """Complete episodes."""
        return len(self._episodes)

    @property
    def num_frames(self) -> int:
        """Frames in all complete episodes."""
        return sum(episode.length for episode in self._episodes)

    @property
    def tasks(self) -> tuple[str, ...]:
        """Task strings, position = ``task_index``."""
        return self._tasks

    @property
    def episodes(self) -> tuple[EpisodeInfo, ...]:
        """Every complete episode, position = ``episode_index``."""
        return self._episodes

    @property
    def stats(self) -> dict[str, Stats] | None:
        """``meta/stats.json`` as arrays, or None when the file is absent.

        Raises:
            MetadataError: The file is not valid JSON.
        """
        path = self._root / STATS_PATH
        return read_stats(path) if path.exists() else None

    def _episode(self, episode_index: int) -> EpisodeInfo:
        if isinstance(episode_index, bool) or not isinstance(episode_index, int | np.integer):
            raise ConfigError(f"episode_index must be an integer, got {episode_index!r}.")
        if not 0 <= episode_index < len(self._episodes):
            raise FrameIndexError(
                f"Episode {episode_index!r} does not exist; the dataset has episodes "
                f"0..{len(self._episodes) - 1}."
            )
        return self._episodes[episode_index]

    def video_path(self, key: str, episode_index: int) -> Path:
        """The MP4 holding a camera's frames of an episode.

        Raises:
            ConfigError: ``key`` is not a video feature.
            FrameIndexError: No such episode.
        """
        if key not in self.video_keys:
            raise ConfigError(
                f"key {key!r} is not a video feature; video features: {self.video_keys}."
            )
        segment = self._episode(episode_index).videos[key]
        return self._layout.video_file(key, segment.chunk_index, segment.file_index)

    def open_file(self, path: Path) -> BinaryIO:
        """Open one of the dataset's files (a path under :attr:`root`) for reading bytes.

        Returns:
            A readable, seekable binary file object; close it when done.

        Raises:
            MediaError: The file cannot be opened (missing locally, or unreachable remotely).
        """
        return self._open_file(path)

    def data_path(self, episode_index: int) -> Path:
        """The data parquet holding an episode's rows.

        Raises:
            FrameIndexError: No such episode.
        """
        episode = self._episode(episode_index)
        return self._layout.data_file(episode.data_chunk_index, episode.data_file_index)

    def _timestamps(
        self, key: str, episode_index: int, frame_indices: Sequence[int] | None
    ) -> tuple[Path, npt.NDArray[np.float64]]:
        episode = self._episode(episode_index)
        path = self.video_path(key, episode_index)
        indices = np.arange(episode.length) if frame_indices is None else np.asarray(frame_indices)
        if indices.ndim != 1 or not indices.size or not np.issubdtype(indices.dtype, np.integer):
            raise ConfigError(
                f"frame_indices must be a non-empty 1-D sequence of integers (or None for "
                f"all), got {frame_indices!r}."
            )
        bad = indices[(indices < 0) | (indices >= episode.length)]
        if bad.size:
            raise FrameIndexError(
                f"Frame {int(bad[0])} is outside episode {episode_index} of {episode.length} "
                f"frames; valid indices are [0, {episode.length})."
            )
        return path, episode.videos[key].from_seconds + indices / self.fps

    def frames(
        self,
        key: str,
        episode_index: int,
        frame_indices: Sequence[int] | None = None,
        *,
        depth_output_unit: Literal["mm", "m"] = "mm",
        tolerance_seconds: float = 1e-4,
    ) -> npt.NDArray[Any]:
        """Decode frames of one camera in one episode.

        Args:
            key: A video feature.
            episode_index: The episode.
            frame_indices: Frame indices within the episode, any order; None for all.
            depth_output_unit: Unit of depth frames: ``"mm"`` (whole millimetres, as
                LeRobot returns by default) or ``"m"``.
            tolerance_seconds: Largest accepted distance (s) between ``from_timestamp + i / fps``
                and the frame decoded for it (LeRobot's default 1e-4).

        Returns:
            RGB cameras: (N, H, W, 3) uint8. Depth cameras: (N, H, W) float32 depth in
            ``depth_output_unit``, dequantized with the feature's stored parameters.

        Raises:
            ConfigError: Unknown key or bad ``frame_indices``/``depth_output_unit``.
            FrameIndexError: No such episode or frame, or no frame within the tolerance.
            MediaError: The MP4 is missing or corrupt.
        """
        path, timestamps = self._timestamps(key, episode_index, frame_indices)
        if key not in self.depth_keys:
            return decode_frames(path, timestamps, tolerance_seconds=tolerance_seconds)
        codes = decode_depth_codes(path, timestamps, tolerance_seconds=tolerance_seconds)
        quantization = self._quantizations[key]
        depth = dequantize_depth(codes, quantization, output_unit=depth_output_unit)
        return depth.reshape(codes.shape)  # (N, H, W) even for one index

    def depth_codes(
        self,
        key: str,
        episode_index: int,
        frame_indices: Sequence[int] | None = None,
        *,
        tolerance_seconds: float = 1e-4,
    ) -> npt.NDArray[np.uint16]:
        """Decode the 12-bit codes of a depth camera, exactly as stored.

        Args:
            key: A depth video feature.
            episode_index: The episode.
            frame_indices: Frame indices within the episode; None for all.
            tolerance_seconds: As in :meth:`frames`.

        Returns:
            Codes, (N, H, W) uint16 in [0, 4095].

        Raises:
            ConfigError: ``key`` is not a depth feature, or bad ``frame_indices``.
            FrameIndexError: No such episode or frame, or no frame within the tolerance.
            MediaError: The MP4 is missing or corrupt.
        """
        if key not in self.depth_keys:
            raise ConfigError(
                f"key {key!r} is not a depth feature; depth features: {self.depth_keys}."
            )
        path, timestamps = self._timestamps(key, episode_index, frame_indices)
        return decode_depth_codes(path, timestamps, tolerance_seconds=tolerance_seconds)

    def episode_columns(self, episode_index: int) -> dict[str, npt.NDArray[Any]]:
        """Every data column of one episode, in feature order.

        Args:
            episode_index: The episode.

        Returns:
            Column name to array: (length,) for scalars and strings, (length, n) for
            vectors; rows in frame order.

        Raises:
            FrameIndexError: No such episode.
            MetadataError: The data file is missing, unreadable, or lacks the episode's rows.
        """
        episode = self._episode(episode_index)
        path = self.data_path(episode_index)
        table = read_data_rows(path, episode_index, self.open_file)
        if table.num_rows != episode.length:
            raise MetadataError(
                f"{str(path)!r} holds {table.num_rows} rows of episode {episode_index}; its "
                f"metadata says {episode.length}."
            )
        table = table.sort_by("frame_index")
        names = [name for name in self.features if name in table.column_names]
        return {name: _to_numpy(table[name]) for name in names}


FileOpener = Callable[[Path], BinaryIO]
"""Opens one file of a dataset, given its path under the dataset's root, for reading bytes."""


def _open_local(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as err:
        raise MediaError(f"Cannot open {str(path)!r}: {err.strerror or err}.", path=path) from err


def _quantization(info_path: Path, key: str, feature: FeatureInfo) -> DepthQuantization:
    """A depth camera's stored quantizer; bad stored values mean damaged metadata."""
    try:
        return DepthQuantization.from_info(feature.stream_info)
    except ConfigError as err:
        raise MetadataError(
            f"{str(info_path)!r} field 'features' depth camera {key!r} has an invalid "
            f"quantizer in its 'info': {err}"
        ) from err


def _to_numpy(column: pa.ChunkedArray) -> npt.NDArray[Any]:
    """A parquet column as NumPy: scalars (N,), fixed-size lists (N, n), others via Python."""
    array = column.combine_chunks()
    result: npt.NDArray[Any]
    if pa.types.is_fixed_size_list(array.type):
        values = array.flatten().to_numpy(zero_copy_only=False)
        result = values.reshape(len(array), array.type.list_size)
    elif pa.types.is_list(array.type) or pa.types.is_large_list(array.type):
        result = np.array(array.to_pylist())
    elif pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        result = np.array(array.to_pylist(), dtype=object)
    else:
        result = array.to_numpy(zero_copy_only=False)
    return result
