"""Merging datasets (``lerobot_video/dataset/merge*.py``): plan, execute, verify.

Covers: the plan's must-match table on matching sources (every row green) and on sources
that differ in each must-match field (fps, robot type, dtype, shape, names, codec, pixel
format, size, video fps, depth marker, each depth quantizer field, the real stream), each
difference one conflict naming the source and field; keys a source lacks or adds, renamed
onto the first source's or dropped; loose encoder fields kept when equal and nulled with a
warning when not (``{}`` for extra_options, backend forced to pyav); argument refusals; a
3-way merge of multi-file sources (tiny file limits) with depth: every index remapped (episode,
frame, task, data and video files, timestamps, meta files, per-episode stats), frames and rows
equal to the sources', global stats equal a recomputation (LeRobot's index-stats bug fixed),
and multi-file output; sources byte-identical (sha256) after a merge, after a refused one,
after one failing midway, and after a SIGKILL midway (no output left in place, no temporary
folder either after a failure); an existing output refused; ``verify_merge`` catching a
corrupted output (a timestamp, a data value, a cut video, a stats value).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from file_digest import digest

from lerobot_video import (
    ChunkingConfig,
    ConfigError,
    DepthEncoderConfig,
    MediaError,
    MergeConflictError,
    RGBEncoderConfig,
    create_dataset,
    execute_merge,
    open_dataset,
    plan_merge,
    verify_merge,
)

FPS = 30
CAM, DEPTH = "observation.images.cam", "observation.images.depth"


def make_source(
    root: Path,
    *,
    lengths: tuple[int, ...],
    task: str,
    fps: int = FPS,
    rgb: RGBEncoderConfig | None = None,
    depth: DepthEncoderConfig | None = None,
    chunking: ChunkingConfig | None = None,
    camera: str = CAM,
    seed: int = 0,
) -> Path:
    """Episodes of a moving 48x64 ramp, a depth camera and a 3-float state."""
    shape = {"names": ["height", "width", "channels"], "dtype": "video"}
    features: dict[str, dict[str, Any]] = {
        camera: {**shape, "shape": (48, 64, 3)},
        DEPTH: {**shape, "shape": (48, 64, 1), "info": {"is_depth_map": True}},
        "observation.state": {"dtype": "float32", "shape": (3,), "names": ["x", "y", "z"]},
    }
    writer = create_dataset(
        root,
        fps=fps,
        features=features,
        robot_type="arm",
        rgb_encoder=rgb,
        depth_encoder=depth,
        chunking=chunking,
    )
    y, x = np.mgrid[0:48, 0:64]
    i = seed
    for length in lengths:
        for _ in range(length):
            rgb_frame = np.stack(
                [(x * 4 + i * 5) % 256, (y * 5 + i) % 256, x * 0 + i * 9 % 256], -1
            )
            writer.add_frame(
                {
                    camera: rgb_frame.astype(np.uint8),
                    DEPTH: (400 + 20 * x + 3 * i).astype(np.uint16)[..., None],
                    "observation.state": np.array([i, -i, i / 2], dtype=np.float32),
                    "task": task if i % 2 == 0 else f"{task} again",
                }
            )
            i += 1
        writer.save_episode()
    writer.finalize()
    return root


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("merge")
    tiny = ChunkingConfig(video_files_size_in_mb=0.002, data_files_size_in_mb=0.002)
    return {
        "a": make_source(base / "a", lengths=(8, 5), task="pick", seed=0),
        "b": make_source(base / "b", lengths=(6, 7, 4), task="place", chunking=tiny, seed=50),
        "c": make_source(base / "c", lengths=(9,), task="pick", seed=100),
        "crf": make_source(base / "crf", lengths=(5,), task="pick", rgb=RGBEncoderConfig(crf=28)),
        "h264": make_source(
            base / "h264", lengths=(5,), task="pick", rgb=RGBEncoderConfig(vcodec="h264")
        ),
        "wrist": make_source(
            base / "wrist", lengths=(5,), task="pick", camera="observation.images.wrist"
        ),
    }


def copy_of(root: Path, tmp_path: Path, name: str = "copy") -> Path:
    return Path(shutil.copytree(root, tmp_path / name))


def edit_feature(root: Path, key: str, field: str, value: object, *, in_info: bool = True) -> None:
    path = root / "meta" / "info.json"
    info = json.loads(path.read_text())
    target = info["features"][key]["info"] if in_info else info["features"][key]
    target[field] = value
    path.write_text(json.dumps(info, indent=4))


class TestPlan:
    def test_matching_sources_give_a_green_table(self, sources: dict[str, Path]) -> None:
        plan = plan_merge([sources["a"], sources["b"], sources["c"]])
        assert plan.ok
        assert all(row.matches for row in plan.must_match)
        fields = {(row.feature, row.field) for row in plan.must_match}
        assert {("", "fps"), ("", "robot_type"), (CAM, "video.codec"), (CAM, "stream")} <= fields
        assert {
            (DEPTH, "video.depth_min"),
            (DEPTH, "depth camera"),
            ("observation.state", "names"),
        } <= fields
        assert (plan.total_episodes, plan.total_frames) == (6, 8 + 5 + 6 + 7 + 4 + 9)
        assert plan.tasks == ("pick", "pick again", "place", "place again")
        assert [s.num_episodes for s in plan.sources] == [2, 3, 1]

    @pytest.mark.parametrize(
        ("key", "field", "value", "in_info"),
        [
            ("observation.state", "dtype", "float64", False),
            ("observation.state", "shape", [4], False),
            ("observation.state", "names", ["a", "b", "c"], False),
            (CAM, "video.codec", "hevc", True),
            (CAM, "video.pix_fmt", "yuv444p", True),
            (CAM, "video.width", 96, True),
            (CAM, "video.height", 32, True),
            (CAM, "video.fps", 15, True),
            (DEPTH, "video.depth_min", 0.1, True),
            (DEPTH, "video.depth_max", 5.0, True),
            (DEPTH, "video.shift", 1.0, True),
            (DEPTH, "video.use_log", False, True),
            (DEPTH, "is_depth_map", False, True),
        ],
    )
    def test_each_must_match_field_is_one_conflict(
        self,
        sources: dict[str, Path],
        tmp_path: Path,
        key: str,
        field: str,
        value: Any,
        in_info: bool,
    ) -> None:
        other = copy_of(sources["c"], tmp_path)
        edit_feature(other, key, field, value, in_info=in_info)
        plan = plan_merge([sources["a"], other])
        assert not plan.ok
        label = "depth camera" if field == "is_depth_map" else field
        [row] = [r for r in plan.must_match if (r.feature, r.field) == (key, label)]
        assert not row.matches
        [conflict] = [c for c in plan.conflicts if c.field == f"{key} {label}"]
        assert conflict.source == 1
        assert f"Source 1 ('copy') has {key} {label} = " in conflict.message

    def test_fps_and_robot_type(self, sources: dict[str, Path], tmp_path: Path) -> None:
        other = copy_of(sources["c"], tmp_path)
        info = json.loads((other / "meta" / "info.json").read_text())
        info["fps"], info["robot_type"] = 15, "other arm"
        (other / "meta" / "info.json").write_text(json.dumps(info))
        plan = plan_merge([sources["a"], other])
        assert {c.field for c in plan.conflicts} >= {"fps", "robot_type"}
        assert any("resample or re-record" in c.message for c in plan.conflicts)

    def test_a_real_stream_difference_is_caught_beyond_info_json(
        self, sources: dict[str, Path], tmp_path: Path
    ) -> None:
        lying = copy_of(sources["h264"], tmp_path)
        edit_feature(lying, CAM, "video.codec", "av1")  # says AV1, holds H.264
        edit_feature(lying, CAM, "video.pix_fmt", "yuv420p")
        plan = plan_merge([sources["a"], lying])
        [row] = [r for r in plan.must_match if (r.feature, r.field) == (CAM, "stream")]
        assert not row.matches
        assert row.values[1].startswith('"h264')
        assert [c.field for c in plan.conflicts] == [f"{CAM} stream"]

    def test_a_camera_named_otherwise_renamed_or_dropped(self, sources: dict[str, Path]) -> None:
        plan = plan_merge([sources["a"], sources["wrist"]])
        assert not plan.ok
        assert plan.unmatched_keys == {1: ("observation.images.wrist",)}
        assert plan.target_keys == (CAM, DEPTH, "observation.state")
        assert any("rename one of its features" in c.message for c in plan.conflicts)
        renamed = plan_merge(
            [sources["a"], sources["wrist"]], rename={1: {"observation.images.wrist": CAM}}
        )
        assert renamed.ok
        assert renamed.unmatched_keys == {1: ()}
        dropped = plan_merge(
            [sources["a"], sources["wrist"]], drop=[CAM, "observation.images.wrist"]
        )
        assert dropped.ok
        assert CAM not in dropped.features

    def test_loose_fields_merge_with_a_warning(self, sources: dict[str, Path]) -> None:
        same = plan_merge([sources["a"], sources["c"]])
        assert not same.warnings
        assert same.features[CAM]["info"]["video.crf"] == 30
        plan = plan_merge([sources["a"], sources["crf"]])
        assert plan.ok
        [crf] = [f for f in plan.loose if (f.feature, f.field) == (CAM, "video.crf")]
        assert (crf.values, crf.merged) == (("30", "28"), "null")
        assert crf.warning
        assert plan.features[CAM]["info"]["video.crf"] is None
        assert plan.features[CAM]["info"]["video.video_backend"] == "pyav"
        assert plan.features[DEPTH]["info"]["video.crf"] == 30  # the depth camera agrees
        [warning] = plan.warnings
        assert "'video.crf'" in warning
        assert CAM in warning

    @pytest.mark.parametrize(
        ("sources_arg", "kwargs", "match"),
        [
            (["a"], {}, "at least two sources"),
            ("a", {}, "list of dataset folders"),
            (["a", "c"], {"rename": {5: {}}}, "sources are 0..1"),
            (["a", "c"], {"rename": {1: {"nope": CAM}}}, "has no feature 'nope'"),
            (["a", "c"], {"rename": {1: {CAM: "index"}}}, "not a usable feature key"),
            (["a", "c"], {"drop": ["nope"]}, "no source has a feature 'nope'"),
            (["a", "c"], {"drop": "observation.state"}, "list of feature keys"),
            (["a", "c"], {"chunking": {"x": 1}}, "ChunkingConfig"),
        ],
    )
    def test_refusals(
        self, sources: dict[str, Path], sources_arg: Any, kwargs: dict[str, Any], match: str
    ) -> None:
        given: Any = (
            sources[sources_arg]
            if isinstance(sources_arg, str)
            else [sources[s] for s in sources_arg]
        )
        with pytest.raises(ConfigError, match=match):
            plan_merge(given, **kwargs)


@pytest.fixture(scope="module")
def merged(sources: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    before = {name: digest(root) for name, root in sources.items()}
    chunking = ChunkingConfig(video_files_size_in_mb=0.006, data_files_size_in_mb=0.0005)
    plan = plan_merge([sources["a"], sources["b"], sources["c"]], chunking=chunking)
    output = tmp_path_factory.mktemp("merged") / "abc"
    steps: list[tuple[int, int, str]] = []
    result = execute_merge(plan, output, progress=lambda d, t, w: steps.append((d, t, w)))
    assert result.root == output
    assert steps[-1][0] == steps[-1][1]
    assert {name: digest(root) for name, root in sources.items()} == before
    return plan, output


class TestExecute:
    def test_indexes_remapped_on_a_three_way_merge(
        self, merged: tuple[Any, Path], sources: dict[str, Path]
    ) -> None:
        _plan, output = merged
        reader = open_dataset(output)
        lengths = (8, 5, 6, 7, 4, 9)
        assert [e.length for e in reader.episodes] == list(lengths)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).tolist()
        assert [e.dataset_from_index for e in reader.episodes] == starts
        assert reader.tasks == ("pick", "pick again", "place", "place again")
        for index, episode in enumerate(reader.episodes):
            columns = reader.episode_columns(index)
            assert set(columns["episode_index"].tolist()) == {index}
            assert columns["index"].tolist() == list(
                range(starts[index], starts[index] + lengths[index])
            )
            names = {reader.tasks[t] for t in columns["task_index"]}
            assert names == set(episode.tasks)
        # Multi-file sources and output: several MP4s and data files were written.
        assert len(list((output / "videos" / CAM).rglob("*.mp4"))) > 1
        assert len(list((output / "data").rglob("*.parquet"))) > 1

    def test_frames_and_rows_equal_the_sources(
        self, merged: tuple[Any, Path], sources: dict[str, Path]
    ) -> None:
        _, output = merged
        reader = open_dataset(output)
        pairs = [("a", 0), ("a", 1), ("b", 0), ("b", 1), ("b", 2), ("c", 0)]
        for index, (name, episode) in enumerate(pairs):
            source = open_dataset(sources[name])
            np.testing.assert_array_equal(reader.frames(CAM, index), source.frames(CAM, episode))
            np.testing.assert_array_equal(
                reader.depth_codes(DEPTH, index), source.depth_codes(DEPTH, episode)
            )
            np.testing.assert_array_equal(
                reader.episode_columns(index)["observation.state"],
                source.episode_columns(episode)["observation.state"],
            )

    def test_stats_are_the_merged_datasets(self, merged: tuple[Any, Path]) -> None:
        _, output = merged
        stats = json.loads((output / "meta" / "stats.json").read_text())
        total = 8 + 5 + 6 + 7 + 4 + 9
        assert stats["index"]["max"] == [total - 1]  # LeRobot 0.6.1 keeps the first source's
        assert stats["episode_index"]["max"] == [5]
        assert stats["index"]["count"] == [total]
        rows = pq.read_table(output / "meta" / "episodes" / "chunk-000" / "file-000.parquet")
        assert rows["stats/episode_index/min"].to_pylist()[:2] == [[0.0], [1.0]]

    def test_verification_passes(self, merged: tuple[Any, Path]) -> None:
        plan, output = merged
        report = verify_merge(plan, output)
        assert report.ok, report.problems
        assert [c.name for c in report.checks] == [
            "episodes",
            "tasks",
            "frames",
            "data rows",
            "stats",
            "videos",
        ]

    def test_existing_output_and_a_plan_with_conflicts_are_refused(
        self, merged: tuple[Any, Path], sources: dict[str, Path], tmp_path: Path
    ) -> None:
        plan, output = merged
        with pytest.raises(ConfigError, match="already exists"):
            execute_merge(plan, output)
        bad = plan_merge([sources["a"], sources["wrist"]])
        before = digest(sources["a"])
        with pytest.raises(MergeConflictError, match="lacks feature"):
            execute_merge(bad, tmp_path / "out")
        assert not (tmp_path / "out").exists()
        assert digest(sources["a"]) == before


class TestFailures:
    def test_a_merge_failing_midway_leaves_nothing(
        self, sources: dict[str, Path], tmp_path: Path
    ) -> None:
        broken = copy_of(sources["c"], tmp_path, "broken")
        plan = plan_merge([sources["a"], broken])
        [video] = (broken / "videos" / DEPTH).rglob("*.mp4")
        video.write_bytes(b"not a video any more")  # after planning: the merge meets it midway
        before = {"a": digest(sources["a"]), "broken": digest(broken)}
        out = tmp_path / "out"
        with pytest.raises(MediaError):
            execute_merge(plan, out)
        assert not out.exists()
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
        assert {"a": digest(sources["a"]), "broken": digest(broken)} == before

    def test_sigkill_midway_leaves_sources_and_no_output(
        self, sources: dict[str, Path], tmp_path: Path
    ) -> None:
        before = {n: digest(sources[n]) for n in ("a", "b", "c")}
        out = tmp_path / "out"
        script = (
            "import sys, time\n"
            "from lerobot_video import plan_merge, execute_merge\n"
            "plan = plan_merge(sys.argv[1:4])\n"
            "def slow(done, total, what):\n"
            "    print('step', done, flush=True); time.sleep(0.5)\n"
            "execute_merge(plan, sys.argv[4], progress=slow)\n"
        )
        args = [str(sources[n]) for n in ("a", "b", "c")] + [str(out)]
        child = subprocess.Popen(
            [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().startswith("step")  # the merge is under way
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        time.sleep(0.1)
        assert not out.exists()
        assert {n: digest(sources[n]) for n in ("a", "b", "c")} == before
        leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".out.merging-")]
        assert leftovers  # the partial output stays hidden beside it, never in its place


class TestVerifyCatchesCorruption:
    @pytest.mark.parametrize("damage", ["timestamp", "data value", "cut video", "stats"])
    def test_corrupted_output_fails(
        self, merged: tuple[Any, Path], tmp_path: Path, damage: str
    ) -> None:
        plan, output = merged
        copy = copy_of(output, tmp_path, "damaged")
        if damage == "timestamp":
            path = copy / "meta" / "episodes" / "chunk-000" / "file-000.parquet"
            table = pq.read_table(path)
            column = f"videos/{CAM}/from_timestamp"
            values = table[column].to_pylist()
            values[1] += 2 / FPS
            pq.write_table(
                table.set_column(table.schema.get_field_index(column), column, pa.array(values)),
                path,
            )
        elif damage == "data value":
            path = sorted((copy / "data").rglob("*.parquet"))[0]
            table = pq.read_table(path)
            states = table["observation.state"].to_pylist()
            states[2] = [99.0, 99.0, 99.0]
            field = table.schema.field("observation.state")
            index = table.schema.get_field_index("observation.state")
            pq.write_table(table.set_column(index, field, pa.array(states, field.type)), path)
        elif damage == "cut video":
            path = sorted((copy / "videos" / DEPTH).rglob("*.mp4"))[-1]
            path.write_bytes(path.read_bytes()[:-300])
        else:
            path = copy / "meta" / "stats.json"
            stats = json.loads(path.read_text())
            stats["observation.state"]["max"] = [1e6, 1e6, 1e6]
            path.write_text(json.dumps(stats))
        report = verify_merge(plan, copy)
        assert not report.ok
        assert report.problems


def test_a_missing_camera_is_not_a_different_encoder_setting(sources: dict[str, Path]) -> None:
    plan = plan_merge([sources["a"], sources["wrist"]])
    assert not plan.warnings  # every source that has the camera agrees
    [crf] = [f for f in plan.loose if (f.feature, f.field) == (CAM, "video.crf")]
    assert crf.values == ("30", "(missing)")
    assert crf.merged == "30"
