"""The study runner: cells measured, cached, resumed after a kill, streamed, written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lerobot_video import (
    STUDY_COLUMNS,
    Clip,
    ConfigError,
    InlineExecutor,
    LocalExecutor,
    StudyGrid,
    iter_study,
    load_clip,
    plan_study,
    read_study_results,
    run_study,
)
from lerobot_video.clips import BUNDLED_PUSHT_CLIP

ROOT = Path(__file__).resolve().parents[2]
GRID = StudyGrid(vcodec=("h264",), g=(2, None), crf=(18, 40))


@pytest.fixture(scope="module")
def pusht() -> Clip:
    clip = load_clip(BUNDLED_PUSHT_CLIP)
    return Clip(name="pusht", frames=clip.frames[:16], fps=clip.fps)


def _measured(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "cached"}


def test_a_study_measures_every_cell_and_mode(pusht: Clip, tmp_path: Path) -> None:
    streamed: list[dict[str, Any]] = []
    calls: list[tuple[int, int]] = []
    result = run_study(
        [pusht],
        GRID,
        output_dir=tmp_path,
        num_samples=8,
        executor=InlineExecutor(),
        on_row=streamed.append,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert result.cells == 4
    assert result.cached_cells == 0
    assert len(result.rows) == 8
    assert len(streamed) == 8
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [(r["g"], r["crf"], r["timestamps_mode"]) for r in result.rows] == [
        (g, crf, mode) for g in (2, None) for crf in (18, 40) for mode in ("1_frame", "6_frames")
    ]
    pngs = sorted((tmp_path / "images").glob("*/frame-*.png"))
    assert len(pngs) == 16
    for row in result.rows:
        assert set(STUDY_COLUMNS) <= set(row)
        assert row["images_size_bytes"] == sum(p.stat().st_size for p in pngs)
        assert row["video_images_size_ratio"] == row["video_size_bytes"] / row["images_size_bytes"]
        assert row["resolution"] == "96 x 96"
        assert row["num_pixels"] == 9216
        assert row["avg_load_time_video_ms"] > 0
        assert row["avg_load_time_images_ms"] > 0
        assert row["concurrent_cells"] == 1
        assert row["browser_playable"] is True
        assert 0 < row["avg_ssim"] <= 1
        assert row["encode_fps"] > 0
    by_crf = {(r["g"], r["crf"]): r for r in result.rows if r["timestamps_mode"] == "6_frames"}
    assert by_crf[(2, 18)]["avg_psnr"] > by_crf[(2, 40)]["avg_psnr"] + 3
    assert by_crf[(2, 18)]["video_size_bytes"] > by_crf[(2, 40)]["video_size_bytes"]
    assert by_crf[(None, 18)]["video_size_bytes"] < by_crf[(2, 18)]["video_size_bytes"]
    assert [_measured(r) for r in read_study_results(result.parquet_path)] == [
        {**_measured(r), "preset": None} for r in result.rows
    ]
    assert not list((tmp_path / "videos").rglob("*.mp4"))  # measured, then removed


def test_a_rerun_reads_every_cell_from_the_cache(pusht: Clip, tmp_path: Path) -> None:
    first = run_study([pusht], GRID, output_dir=tmp_path, num_samples=5, executor=InlineExecutor())
    cells = {p: p.stat().st_mtime_ns for p in (tmp_path / "cells").glob("*.json")}
    assert len(cells) == 4
    again = run_study([pusht], GRID, output_dir=tmp_path, num_samples=5, executor=InlineExecutor())
    assert again.cached_cells == 4
    assert all(r["cached"] for r in again.rows)
    assert [_measured(r) for r in again.rows] == [_measured(r) for r in first.rows]
    assert {p: p.stat().st_mtime_ns for p in cells} == cells
    other = plan_study([pusht], GRID, output_dir=tmp_path, num_samples=6)
    assert len(other.tasks) == 4  # another sample count is another measurement


KILLED_STUDY = textwrap.dedent(
    """
    import sys
    from lerobot_video import Clip, LocalExecutor, StudyGrid, load_clip, run_study
    from lerobot_video.clips import BUNDLED_PUSHT_CLIP

    if __name__ == "__main__":
        clip = load_clip(BUNDLED_PUSHT_CLIP)
        clip = Clip(name="pusht", frames=clip.frames[:16], fps=clip.fps)
        grid = StudyGrid(vcodec=("h264", "libsvtav1"), g=(2, 4, None), crf=(20, 30, 40))
        run_study([clip], grid, output_dir=sys.argv[1], num_samples=10,
                  executor=LocalExecutor(1))
    """
)


def test_a_killed_study_resumes_without_redoing_finished_cells(pusht: Clip, tmp_path: Path) -> None:
    script = tmp_path / "study.py"
    script.write_text(KILLED_STUDY)
    out = tmp_path / "out"
    env = {**os.environ, "SVT_LOG": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(script), str(out)], env=env, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while len(list((out / "cells").glob("*.json"))) < 3 and time.monotonic() < deadline:
        assert process.poll() is None, "the study ended before it could be killed"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and its worker, no clean-up
    process.wait()
    finished = {p: p.read_bytes() for p in (out / "cells").glob("*.json")}
    assert 3 <= len(finished) < 18
    assert all(json.loads(text)["rows"] for text in finished.values())  # none half-written
    grid = StudyGrid(vcodec=("h264", "libsvtav1"), g=(2, 4, None), crf=(20, 30, 40))
    result = run_study([pusht], grid, output_dir=out, num_samples=10, executor=InlineExecutor())
    assert result.cells == 18
    assert result.cached_cells == len(finished)
    assert {p: p.read_bytes() for p in finished} == finished
    assert len(list((out / "cells").glob("*.json"))) == 18
    assert len(result.rows) == 36
    assert sum(r["cached"] for r in result.rows) == 2 * len(finished)
    assert not list(out.rglob("*.partial"))


def test_closing_the_stream_early_keeps_finished_cells(pusht: Clip, tmp_path: Path) -> None:
    plan = plan_study([pusht], GRID, output_dir=tmp_path, num_samples=5, concurrent_cells=2)
    rows = iter_study(plan, LocalExecutor(2))
    first = next(rows)
    assert first["cached"] is False
    assert first["concurrent_cells"] == 2
    rows.close()
    again = plan_study([pusht], GRID, output_dir=tmp_path, num_samples=5)
    assert len(again.cached_rows) // 2 >= 1
    assert len(again.tasks) < 4


def test_codecs_this_build_lacks_are_skipped_with_the_reason(pusht: Clip, tmp_path: Path) -> None:
    grid = StudyGrid(vcodec=("h264", "h264_nvenc"), g=(2,), crf=(30,))
    plan = plan_study([pusht], grid, output_dir=tmp_path)
    assert [t.config.vcodec for t in plan.tasks] == ["h264"]
    assert len(plan.skipped) == 1
    assert "h264_nvenc" in plan.skipped[0][1]


@pytest.mark.parametrize(
    ("clips", "kwargs", "message"),
    [
        ("dup", {}, "Clip names must be unique"),
        ("short", {}, "needs at least 6 frames"),
        ("none", {}, "clips must be a non-empty list"),
        ("ok", {"scenarios": ["7_frames"]}, "Unknown timestamp mode"),
        ("ok", {"num_samples": 0}, r"num_samples must be an integer in \[1, 1000\]"),
        ("ok", {"grid": "h264"}, "grid must be a StudyGrid or a non-empty list"),
    ],
)
def test_bad_studies_are_refused_before_anything_runs(
    pusht: Clip, tmp_path: Path, clips: object, kwargs: dict[str, Any], message: str
) -> None:
    chosen = {
        "dup": [pusht, pusht],
        "short": [Clip(name="s", frames=pusht.frames[:5], fps=10)],
        "ok": [pusht],
        "none": [],
    }[str(clips)]
    arguments = {"grid": GRID, "output_dir": tmp_path / "out", **kwargs}
    with pytest.raises(ConfigError, match=message):
        plan_study(chosen, **arguments)
    assert not (tmp_path / "out").exists()


def test_frames_must_be_rgb_uint8(tmp_path: Path) -> None:
    clip = Clip(name="x", frames=np.zeros((8, 16, 16), np.uint8), fps=10)
    with pytest.raises(ConfigError, match=r"\(N, H, W, 3\) uint8"):
        plan_study([clip], GRID, output_dir=tmp_path)
