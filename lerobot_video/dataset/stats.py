"""Per-episode feature statistics and their aggregation, computed as LeRobot 0.6.1 does.

NumPy only. Quantiles come from a 5000-bin histogram per dimension with linear interpolation
inside the bin (LeRobot's ``RunningQuantileStats``), so values match LeRobot's to rounding;
aggregation is the count-weighted mean/variance, min/max, and count-weighted mean of the
quantiles of 0.6.1 (HEAD switched quantiles to a min/max envelope).

``count`` is the number of frames (images: the number of *sampled* frames), as LeRobot's
default, non-streaming recorder stores it; LeRobot's streaming recorder stores pixels
instead, which skews count-weighted means when the two are mixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lerobot_video.dataset.features import FeatureInfo

QUANTILES = (0.01, 0.10, 0.50, 0.90, 0.99)
QUANTILE_NAMES = tuple(f"q{round(q * 100):02d}" for q in QUANTILES)
HISTOGRAM_BINS = 5000
_EDGE_PAD = 1e-10  # LeRobot widens the histogram range by this much on both sides

Stats = dict[str, npt.NDArray[Any]]
"""One feature's statistics: ``min``, ``max``, ``mean``, ``std``, ``count``, ``q01``…``q99``."""


def sample_frame_indices(num_frames: int) -> list[int]:
    """Which frames of an episode feed image statistics (LeRobot's ``sample_indices``).

    Every frame below 100 frames; otherwise ``min(int(n ** 0.75), 10000)`` (at least 100)
    frames evenly spread, first and last included.

    Args:
        num_frames: Frames in the episode, >= 1.

    Returns:
        Sorted frame indices in [0, num_frames).
    """
    num_samples = max(min(100, num_frames), min(int(num_frames**0.75), 10_000))
    return [int(i) for i in np.round(np.linspace(0, num_frames - 1, num_samples))]


def downsample_frames(frames: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Stride (..., H, W, C) frames so the long side is 150-225 px (only from 300 px up).

    Idempotent: a strided frame is below 300 px, so striding again changes nothing.
    """
    height, width = frames.shape[-3:-1]
    if max(height, width) < 300:
        return frames
    stride = int(width / 150) if width > height else int(height / 150)
    return frames[..., ::stride, ::stride, :]


def sample_frames(frames: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The frames image statistics are computed from, as LeRobot picks and shrinks them.

    Frames are chosen by :func:`sample_frame_indices` and strided one by one, so only the
    small copies are held in memory (``frames`` may be a memory map).

    Args:
        frames: An episode's frames, (N, H, W, C).

    Returns:
        The sampled, strided frames, (S, h, w, C), a new array.
    """
    return np.stack([downsample_frames(frames[i]) for i in sample_frame_indices(len(frames))])


def _quantile(histogram: npt.NDArray[np.float64], edges: npt.NDArray[Any], target: float) -> Any:
    """The value below which ``target`` samples lie, interpolated inside its histogram bin."""
    cumulative = np.cumsum(histogram)
    index = int(np.searchsorted(cumulative, target))
    if index == 0:
        return edges[0]
    if index >= len(cumulative):
        return edges[-1]
    before = cumulative[index - 1]
    in_bin = cumulative[index] - before
    if in_bin == 0:
        return edges[index]
    return edges[index] + (target - before) / in_bin * (edges[index + 1] - edges[index])


def _row_stats(rows: npt.NDArray[Any], count: int) -> Stats:
    """Stats over the rows of (M, D) data, per column; ``count`` is what gets recorded."""
    if rows.shape[0] < 2:
        mean = np.mean(rows, axis=0)
        stats: Stats = {
            "min": np.min(rows, axis=0),
            "max": np.max(rows, axis=0),
            "mean": mean,
            "std": np.std(rows, axis=0),
            "count": np.array([count]),
        }
        stats.update({name: mean.copy() for name in QUANTILE_NAMES})
        return stats
    # Same promotion as LeRobot: integers and float16 to float32 (int64 to float64).
    rows = rows.astype(np.result_type(rows.dtype, np.float32), copy=False)
    mean = np.mean(rows, axis=0)
    mean_of_squares = np.mean(rows**2, axis=0)
    low, high = np.min(rows, axis=0), np.max(rows, axis=0)
    quantiles: list[list[Any]] = [[] for _ in QUANTILES]
    for column in range(rows.shape[1]):
        edges = np.linspace(low[column] - _EDGE_PAD, high[column] + _EDGE_PAD, HISTOGRAM_BINS + 1)
        histogram = np.histogram(rows[:, column], bins=edges)[0].astype(np.float64)
        for values, q in zip(quantiles, QUANTILES, strict=True):
            values.append(_quantile(histogram, edges, q * rows.shape[0]))
    return _assemble(low, high, mean, mean_of_squares, quantiles, count)


def _assemble(
    low: npt.NDArray[Any],
    high: npt.NDArray[Any],
    mean: npt.NDArray[Any],
    mean_of_squares: npt.NDArray[Any],
    quantiles: list[list[Any]],
    count: int,
) -> Stats:
    """One feature's stats from per-column moments and quantiles (one list per quantile)."""
    stats: Stats = {
        "min": low,
        "max": high,
        "mean": mean,
        "std": np.sqrt(np.maximum(0, mean_of_squares - mean**2)),
        "count": np.array([count]),
    }
    stats.update(
        {name: np.array(values) for name, values in zip(QUANTILE_NAMES, quantiles, strict=True)}
    )
    return stats


def _uint8_row_stats(rows: npt.NDArray[np.uint8], count: int) -> Stats:
    """:func:`_row_stats` of uint8 rows from a 256-value histogram per column.

    Counting each of the 256 values once is about ten times faster than reducing every
    pixel, and gives the same histogram (and so the same quantiles) bit for bit. Min, max and
    mean are exact (integer sums); LeRobot's float32 sums along one axis drift instead
    (3e-4 of the mean on a 480x640 clip), so its image mean and std differ by that much.
    """
    values32 = np.arange(256, dtype=np.float32)
    values = values32.astype(np.float64)
    total = len(rows)
    low, high, mean, mean_sq = (np.empty(rows.shape[1], np.float32) for _ in range(4))
    quantiles: list[list[Any]] = [[] for _ in QUANTILES]
    for column in range(rows.shape[1]):
        counts = np.bincount(rows[:, column], minlength=256)
        present = np.flatnonzero(counts)
        low[column], high[column] = values32[present[0]], values32[present[-1]]
        mean[column] = counts @ values / total
        mean_sq[column] = counts @ values**2 / total
        edges = np.linspace(low[column] - _EDGE_PAD, high[column] + _EDGE_PAD, HISTOGRAM_BINS + 1)
        histogram = np.histogram(values32, bins=edges, weights=counts)[0].astype(np.float64)
        for found, q in zip(quantiles, QUANTILES, strict=True):
            found.append(_quantile(histogram, edges, q * total))
    return _assemble(low, high, mean, mean_sq, quantiles, count)


def vector_stats(values: npt.NDArray[Any]) -> Stats:
    """Stats of a numeric column over one episode.

    Args:
        values: (N,) scalars or (N, n) vectors, any numeric dtype.

    Returns:
        Each stat with shape (1,) for scalars or (n,) for vectors; ``count`` is [N].
    """
    rows = values.reshape(len(values), -1)
    return _row_stats(rows, len(values))


def image_stats(frames: npt.NDArray[Any], *, is_depth: bool) -> Stats:
    """Per-channel stats of sampled frames, LeRobot's (C, 1, 1) layout.

    Args:
        frames: The sampled frames (:func:`sample_frames`), (S, H, W, C): RGB uint8 or depth
            (uint16 mm or float m); frames of 300 px and more are strided first.
        is_depth: Depth stats stay in the data's unit; RGB stats are divided by 255 into
            [0, 1].

    Returns:
        Each stat with shape (C, 1, 1); ``count`` is [S].
    """
    sampled = downsample_frames(frames)
    rows = sampled.reshape(-1, sampled.shape[-1])
    if rows.dtype == np.uint8 and len(rows) > 1:
        stats = _uint8_row_stats(rows, len(frames))
    else:
        stats = _row_stats(rows, len(frames))
    scale = 1.0 if is_depth else 255.0
    return {
        name: value if name == "count" else value.reshape(-1, 1, 1) / scale
        for name, value in stats.items()
    }


def episode_stats(
    features: Mapping[str, FeatureInfo],
    columns: Mapping[str, npt.NDArray[Any]],
    frames: Mapping[str, npt.NDArray[Any]],
) -> dict[str, Stats]:
    """One episode's stats of every non-string feature, in feature order.

    Args:
        features: The dataset's features (default columns included).
        columns: The episode's data columns, (N,) or (N, n).
        frames: Each camera's frames, (N, H, W, C), full size or already strided.

    Returns:
        Feature name to its stats; strings have none.
    """
    stats: dict[str, Stats] = {}
    for key, feature in features.items():
        if feature.is_video:
            stats[key] = image_stats(sample_frames(frames[key]), is_depth=feature.is_depth)
        elif feature.dtype != "string":
            stats[key] = vector_stats(columns[key])
    return stats


def _merge_feature(parts: Sequence[Stats]) -> Stats:
    """Stats of one feature over several parts as one: count-weighted, LeRobot 0.6.1's formulas."""
    return merge_stacked({name: np.stack([s[name] for s in parts]) for name in parts[0]})


def merge_stacked(stacked: Mapping[str, npt.NDArray[Any]]) -> Stats:
    """One feature's stats from its parts' stats stacked on a first axis (one row a part).

    Args:
        stacked: Each stat (``min``, ``max``, ``mean``, ``std``, ``count``, quantiles) of every
            part, stacked: (P, ...) arrays, ``count`` (P, 1).

    Returns:
        The feature's stats over all parts.
    """
    counts = stacked["count"]
    total = counts.sum(axis=0)
    means = stacked["mean"]
    while counts.ndim < means.ndim:  # broadcast counts over (C, 1, 1) image stats
        counts = np.expand_dims(counts, axis=-1)
    mean = (means * counts).sum(axis=0) / total
    variance = ((stacked["std"] ** 2 + (means - mean) ** 2) * counts).sum(axis=0) / total
    merged: Stats = {
        "min": np.min(stacked["min"], axis=0),
        "max": np.max(stacked["max"], axis=0),
        "mean": mean,
        "std": np.sqrt(variance),
        "count": total,
    }
    for name in QUANTILE_NAMES:
        merged[name] = (stacked[name] * counts).sum(axis=0) / total
    return merged


def aggregate_stats(
    total: Mapping[str, Stats] | None, episode: Mapping[str, Stats]
) -> dict[str, Stats]:
    """Fold one episode's stats into the running dataset stats (``meta/stats.json``).

    Args:
        total: Stats of the episodes so far, or None before the first episode.
        episode: The new episode's stats.

    Returns:
        The combined stats, features in the episode's order.
    """
    if total is None:
        return {key: dict(value) for key, value in episode.items()}
    merged = {
        key: _merge_feature([total[key], value]) if key in total else dict(value)
        for key, value in episode.items()
    }
    merged.update({key: dict(value) for key, value in total.items() if key not in merged})
    return merged


def stats_to_json(stats: Mapping[str, Stats]) -> dict[str, dict[str, Any]]:
    """Nested lists, as ``meta/stats.json`` stores them (stat order kept)."""
    return {key: {name: value.tolist() for name, value in ft.items()} for key, ft in stats.items()}


def stats_from_json(data: Mapping[str, Mapping[str, Any]]) -> dict[str, Stats]:
    """Arrays from ``meta/stats.json`` (float64, ``count`` int64)."""
    return {
        key: {
            name: np.atleast_1d(np.asarray(value, dtype=np.int64 if name == "count" else None))
            for name, value in ft.items()
        }
        for key, ft in data.items()
    }
