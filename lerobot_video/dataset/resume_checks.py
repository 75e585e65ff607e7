"""What :func:`~lerobot_video.resume_dataset` checks before it changes anything.

Resuming rewrites metadata and trims files, so every file the committed episodes refer to
must exist and be readable first; a damaged dataset is refused untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lerobot_video.codec.remux import content_duration_seconds
from lerobot_video.dataset.episodes import EpisodeInfo
from lerobot_video.dataset.layout import EPISODES_DIR
from lerobot_video.dataset.reader import DatasetReader
from lerobot_video.errors import MediaError, MetadataError

_META_COLUMNS = ("episode_index", "meta/episodes/chunk_index", "meta/episodes/file_index")


def check_committed_files(reader: DatasetReader) -> None:
    """Check every data file, MP4 and episodes file the committed episodes need.

    Raises:
        MetadataError: A data or episodes parquet is missing, unreadable or lacks a column.
        MediaError: An MP4 is missing, unreadable, or shorter than its episodes.
    """
    episodes = reader.episodes
    for path in sorted((reader.root / EPISODES_DIR).glob("*/*.parquet")):
        _check_parquet(path, "episodes", _META_COLUMNS)
    data_files = {reader.data_path(e.episode_index) for e in episodes}
    for path in sorted(data_files):
        _check_parquet(path, "data", ("episode_index", "frame_index"))
    for key in reader.video_keys:
        _check_videos(reader, key, episodes)


def _check_parquet(path: Path, what: str, columns: Sequence[str]) -> None:
    try:
        names = pq.read_schema(path).names
    except (OSError, pa.ArrowException) as err:
        raise MetadataError(
            f"Cannot resume: the {what} file {str(path)!r} is missing or unreadable ({err})."
        ) from err
    missing = [name for name in columns if name not in names]
    if missing:
        raise MetadataError(
            f"Cannot resume: the {what} file {str(path)!r} lacks column {missing[0]!r}."
        )


def _check_videos(reader: DatasetReader, key: str, episodes: Sequence[EpisodeInfo]) -> None:
    ends: dict[Path, float] = {}
    for episode in episodes:
        path = reader.video_path(key, episode.episode_index)
        ends[path] = max(ends.get(path, 0.0), episode.videos[key].to_seconds)
    for path, end in sorted(ends.items()):
        if not path.is_file():
            raise MediaError(f"Cannot resume: the video {str(path)!r} is missing.", path=path)
        duration = content_duration_seconds(path)
        if duration < end - 0.5 / reader.fps:
            raise MediaError(
                f"Cannot resume: the video {str(path)!r} lasts {duration:.3f} s but its "
                f"committed episodes end at {end:.3f} s; the file is truncated.",
                path=path,
            )
