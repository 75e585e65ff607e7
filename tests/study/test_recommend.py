"""The recommender: coarse pass, crf bisection, keyframe refinement, Pareto evidence."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from lerobot_video import (
    Clip,
    ConfigError,
    InlineExecutor,
    Recommendation,
    RGBEncoderConfig,
    StudyGrid,
    StudyTarget,
    load_clip,
    pareto_front,
    recommend_encoding,
)
from lerobot_video.clips import BUNDLED_PUSHT_CLIP

Searched = tuple[Recommendation, Path]
SEARCH = [StudyGrid(vcodec=("h264",), g=(2,), crf=(10, 20, 30, 40))]


@pytest.fixture(scope="module")
def pusht() -> Clip:
    clip = load_clip(BUNDLED_PUSHT_CLIP)
    return Clip(name="pusht", frames=clip.frames[:16], fps=clip.fps)


@pytest.fixture(scope="module")
def searched(pusht: Clip, tmp_path_factory: pytest.TempPathFactory) -> tuple[Recommendation, Path]:
    out = tmp_path_factory.mktemp("recommend")
    target = StudyTarget(max_load_time_ratio=None)  # timings are not what this test checks
    found = recommend_encoding(
        pusht, output_dir=out, target=target, search=SEARCH, num_samples=5,
        executor=InlineExecutor(),
    )  # fmt: skip
    return found, out


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["vcodec"], row["g"], row["crf"], row["preset"])


def test_the_default_is_measured_and_sets_the_psnr_bound(searched: Searched) -> None:
    found, _ = searched
    default = found.default
    assert (default["vcodec"], default["g"], default["crf"], default["preset"]) == (
        "libsvtav1", 2, 30, None,
    )  # fmt: skip
    assert found.min_psnr_db == default["avg_psnr"]
    assert all(r["timestamps_mode"] == "6_frames" for r in found.rows)


def test_the_proposal_is_the_smallest_measured_row_meeting_the_target(searched: Searched) -> None:
    found, _ = searched
    passing = [r for r in found.rows if r["avg_psnr"] >= found.min_psnr_db]
    assert found.proposal is not None
    assert found.proposal in passing
    assert found.proposal["video_size_bytes"] == min(r["video_size_bytes"] for r in passing)
    assert found.proposal_config == RGBEncoderConfig(
        vcodec=found.proposal["vcodec"], g=found.proposal["g"], crf=found.proposal["crf"],
        preset=found.proposal["preset"],
    )  # fmt: skip
    expected = 1 - found.proposal["video_size_bytes"] / found.default["video_size_bytes"]
    assert found.size_saving == pytest.approx(expected)
    assert found.proposal["vcodec"] in found.explanation


def test_crf_is_bisected_to_the_edge_of_the_target(searched: Searched) -> None:
    found, _ = searched
    h264 = {r["crf"]: r for r in found.rows if r["vcodec"] == "h264" and r["g"] == 2}
    assert {10, 20, 30, 40} <= set(h264)
    assert len(h264) > 4  # crfs between the coarse steps were measured
    passing = [crf for crf, r in h264.items() if r["avg_psnr"] >= found.min_psnr_db]
    above = [crf for crf in h264 if crf > max(passing)]
    if above:  # the first failing crf is the next integer: the bracket is closed
        assert min(above) == max(passing) + 1


def test_the_winners_neighbouring_keyframe_intervals_are_tried(searched: Searched) -> None:
    found, _ = searched
    winner = found.proposal
    assert winner is not None
    groups = {(r["vcodec"], r["g"], r["preset"]) for r in found.rows}
    assert (winner["vcodec"], 3, winner["preset"]) in groups  # round(2 * 1.5)


def test_the_front_is_the_pareto_front_of_what_was_measured(searched: Searched) -> None:
    found, _ = searched
    front = found.front
    assert [r["video_size_bytes"] for r in front] == sorted(r["video_size_bytes"] for r in front)
    assert all(a["avg_psnr"] < b["avg_psnr"] for a, b in itertools.pairwise(front))
    for row in found.rows:
        beaten = any(
            f["video_size_bytes"] <= row["video_size_bytes"] and f["avg_psnr"] >= row["avg_psnr"]
            for f in front
        )
        assert beaten
    on_front = not any(
        r["video_size_bytes"] < found.default["video_size_bytes"]
        and r["avg_psnr"] >= found.default["avg_psnr"]
        for r in found.rows
    )
    assert found.default_on_front is on_front


def test_a_second_search_measures_nothing_new(pusht: Clip, searched: Searched) -> None:
    found, out = searched
    cells = sorted(p.name for p in (out / "cells").glob("*.json"))
    again = recommend_encoding(
        pusht, output_dir=out, target=StudyTarget(max_load_time_ratio=None), search=SEARCH,
        num_samples=5, executor=InlineExecutor(),
    )  # fmt: skip
    assert sorted(p.name for p in (out / "cells").glob("*.json")) == cells
    assert all(r["cached"] for r in again.rows)
    assert again.proposal is not None
    assert found.proposal is not None
    assert _key(again.proposal) == _key(found.proposal)


def test_an_unreachable_target_gets_no_proposal_and_says_so(
    pusht: Clip, searched: Searched
) -> None:
    _, out = searched
    found = recommend_encoding(
        pusht, output_dir=out, target=StudyTarget(min_psnr_db=99.0, max_load_time_ratio=None),
        search=SEARCH, num_samples=5, executor=InlineExecutor(),
    )  # fmt: skip
    assert found.proposal is None
    assert found.size_saving is None
    assert "relax the target" in found.explanation


def test_pareto_front_of_known_points() -> None:
    rows = [
        {"video_size_bytes": s, "avg_psnr": p, "name": n}
        for n, s, p in [("a", 10, 30.0), ("b", 20, 35.0), ("c", 25, 34.0), ("d", 30, 40.0),
                        ("e", 10, 29.0), ("f", 40, 40.0)]
    ]  # fmt: skip
    assert [r["name"] for r in pareto_front(rows)] == ["a", "b", "d"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_psnr_db": -1}, "min_psnr_db must be a positive number"),
        ({"max_load_time_ratio": float("nan")}, "max_load_time_ratio must be a positive"),
        ({"scenario": "7_frames"}, "Unknown timestamp mode"),
        ({"browser_playable": "yes"}, "browser_playable must be True or False"),
    ],
)
def test_bad_targets_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        StudyTarget(**kwargs)


def test_search_must_be_grids(pusht: Clip, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="search must be a list of StudyGrid"):
        recommend_encoding(pusht, output_dir=tmp_path, search=SEARCH[0])  # type: ignore[arg-type]


class StopSearchError(Exception):
    """What a Cancel button's progress callback raises."""


def test_a_progress_callback_that_raises_stops_the_search(pusht: Clip, tmp_path: Path) -> None:
    def progress(done: int, planned: int) -> None:
        if done == 2:
            raise StopSearchError

    with pytest.raises(StopSearchError):
        recommend_encoding(
            pusht, output_dir=tmp_path, search=SEARCH, num_samples=3,
            executor=InlineExecutor(), progress=progress,
        )  # fmt: skip
    assert len(list((tmp_path / "cells").glob("*.json"))) == 2  # the rest never ran
