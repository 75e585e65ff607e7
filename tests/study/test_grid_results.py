"""The study grid (``StudyGrid``) and the study table (columns, CSV, Parquet)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from lerobot_video import (
    PUBLISHED_COLUMNS,
    STUDY_COLUMNS,
    ConfigError,
    MediaError,
    RGBEncoderConfig,
    StudyGrid,
    read_study_results,
    write_study_results,
)
from lerobot_video.study.grid import MAX_GRID_CELLS

# The header of the deleted run_video_benchmark.py, in its order (SPEC §8.1).
PUBLISHED_HEADER = [
    "repo_id", "resolution", "num_pixels", "vcodec", "pix_fmt", "g", "crf", "timestamps_mode",
    "backend", "video_size_bytes", "images_size_bytes", "video_images_size_ratio",
    "avg_load_time_video_ms", "avg_load_time_images_ms", "video_images_load_time_ratio",
    "avg_mse", "avg_psnr", "avg_ssim",
]  # fmt: skip


def test_default_grid_is_the_issue_grid_in_product_order() -> None:
    configs = StudyGrid().configs()
    assert len(configs) == 3 * 4 * 3
    assert configs[0] == RGBEncoderConfig(vcodec="libsvtav1", g=1, crf=20)
    assert configs[1] == RGBEncoderConfig(vcodec="libsvtav1", g=1, crf=30)
    assert configs[-1] == RGBEncoderConfig(vcodec="hevc", g=None, crf=40)
    assert {c.vcodec for c in configs} == {"libsvtav1", "h264", "hevc"}


def test_lists_become_tuples_and_invalid_combinations_are_set_aside() -> None:
    grid = StudyGrid(vcodec=["h264"], g=[0, 2], crf=[20, -1])  # type: ignore[arg-type]
    assert grid.g == (0, 2)
    assert isinstance(grid.crf, tuple)
    assert grid.configs() == (RGBEncoderConfig(vcodec="h264", g=2, crf=20),)
    reasons = {str(combo): reason for combo, reason in grid.skipped()}
    assert len(reasons) == 3
    assert all("g (keyframe interval" in r or "crf must be" in r for r in reasons.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"g": ()}, "StudyGrid.g must be a non-empty list"),
        ({"vcodec": "h264"}, "StudyGrid.vcodec must be a non-empty list"),
        ({"g": ("2",)}, "StudyGrid.g values must be int or None"),
        ({"crf": (True,)}, "StudyGrid.crf values must be"),
        ({"crf": (30, 30)}, "repeated values"),
        ({"g": (0,)}, "No combination of the grid is a valid encoder config"),
        ({"crf": tuple(range(MAX_GRID_CELLS))}, "combinations; at most"),
    ],
)
def test_bad_grids_are_refused_with_the_reason(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        StudyGrid(**kwargs)


def test_the_first_columns_are_the_published_ones_in_order() -> None:
    assert list(PUBLISHED_COLUMNS) == PUBLISHED_HEADER
    assert list(STUDY_COLUMNS[: len(PUBLISHED_HEADER)]) == PUBLISHED_HEADER
    assert set(STUDY_COLUMNS) - set(PUBLISHED_HEADER) == {
        "preset", "fast_decode", "encode_fps", "browser_playable", "concurrent_cells",
    }  # fmt: skip


def _row(**changes: object) -> dict[str, Any]:
    row = {
        "repo_id": "clip", "resolution": "96 x 96", "num_pixels": 9216, "vcodec": "h264",
        "pix_fmt": "yuv420p", "g": None, "crf": 30, "timestamps_mode": "6_frames",
        "backend": "lerobot_video", "video_size_bytes": 1234, "images_size_bytes": 99999,
        "video_images_size_ratio": 1234 / 99999, "avg_load_time_video_ms": 0.5,
        "avg_load_time_images_ms": 0.25, "video_images_load_time_ratio": 2.0,
        "avg_mse": 1.5e-4, "avg_psnr": 41.25, "avg_ssim": 0.987654321, "preset": 8,
        "fast_decode": 0, "encode_fps": 321.5, "browser_playable": True, "concurrent_cells": 2,
    }  # fmt: skip
    row.update(changes)
    return row


def test_csv_and_parquet_round_trip(tmp_path: Path) -> None:
    rows = [_row(), _row(g=2, crf=None, preset="medium", browser_playable=False, avg_psnr=math.inf)]
    csv_path, parquet_path = write_study_results(rows, tmp_path, "study")
    header = csv_path.read_text().splitlines()[0].split(",")
    assert header == list(STUDY_COLUMNS)
    assert ",," in csv_path.read_text().splitlines()[1]  # g=None is an empty cell
    for path in (csv_path, parquet_path):
        back = read_study_results(path)
        assert len(back) == 2
        for original, read in zip(rows, back, strict=True):
            expected = {**original, "preset": str(original["preset"])}
            assert read == expected


def test_reading_refuses_other_files_and_other_tables(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\.csv or \.parquet"):
        read_study_results(tmp_path / "study.json")
    other = tmp_path / "other.csv"
    other.write_text("repo_id,resolution\nx,y\n")
    with pytest.raises(MediaError, match="no column 'num_pixels'"):
        read_study_results(other)
    with pytest.raises(MediaError, match="Cannot read study results"):
        read_study_results(tmp_path / "missing.parquet")
