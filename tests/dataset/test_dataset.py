"""Dataset writer and reader (``create_dataset``, ``open_dataset``) against LeRobot 0.6.1.

Covers:
- reading the dataset LeRobot itself recorded (``fixtures/lerobot_dataset``, made by
  ``make_fixture.py`` from the arrays in ``fed.npz``): every frame, timestamp and value;
- the files our writer makes from the same arrays: same file set, ``info.json`` keys, order
  and values, ``stats.json``, parquet column names, Arrow types, row groups and schema
  metadata, per-episode stats;
- round trips: RGB above a PSNR floor, depth codes bit-exact, values exact, float metres;
- crash safety: an abandoned writer, and a save that fails before its commit point;
- file rotation across files and chunks, legacy depth markers, and error messages;
- LeRobot loading our dataset (``check_ours_in_lerobot.py``, when its interpreter exists).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq
import pytest

from lerobot_video import (
    ChunkingConfig,
    ConfigError,
    DatasetReader,
    DatasetWriter,
    DepthQuantization,
    FrameIndexError,
    MetadataError,
    create_dataset,
    dequantize_depth,
    open_dataset,
    quantization_step_mm,
    quantize_depth,
)
from lerobot_video.dataset import layout as dataset_meta
from lerobot_video.dataset.stats import image_stats, sample_frame_indices, sample_frames

pytestmark = pytest.mark.requires_encoder("libsvtav1", "libx265")

FIXTURE = Path(__file__).parents[1] / "fixtures" / "lerobot_dataset"
LEROBOT_ROOT = FIXTURE / "data"
CAM, DEPTH = "observation.images.cam", "observation.images.depth"
LEROBOT_PYTHON = Path(os.environ.get("LEROBOT_PYTHON", "/work/lerobot_env/bin/python"))
FEATURES: dict[str, dict[str, Any]] = {
    CAM: {"dtype": "video", "shape": (48, 64, 3), "names": ["height", "width", "channels"]},
    DEPTH: {
        "dtype": "video",
        "shape": (48, 64, 1),
        "names": ["height", "width", "channels"],
        "info": {"is_depth_map": True},
    },
    "observation.state": {"dtype": "float32", "shape": (2,), "names": ["x", "y"]},
    "action": {"dtype": "float32", "shape": (2,), "names": ["x", "y"]},
}
# SVT-AV1 at LeRobot's default crf 30 keeps these smooth 48x64 frames near 35 dB; 30 dB
# catches a wrong frame (tens of dB lower) without depending on the exact encoder build.
RGB_PSNR_FLOOR_DB = 30.0


@pytest.fixture(scope="module")
def fed() -> dict[str, npt.NDArray[Any]]:
    """The arrays make_fixture.py fed to LeRobot's add_frame."""
    with np.load(FIXTURE / "fed.npz") as data:
        return {name: data[name] for name in data.files}


def _frame(fed: dict[str, npt.NDArray[Any]], i: int) -> dict[str, Any]:
    return {
        CAM: fed["rgb"][i],
        DEPTH: fed["depth"][i][..., None],
        "observation.state": fed["state"][i],
        "action": fed["action"][i],
        "task": str(fed["tasks"][i]),
    }


def _record(
    root: Path, fed: dict[str, npt.NDArray[Any]], lengths: list[int], **kwargs: Any
) -> DatasetWriter:
    """Write episodes of the given lengths from the fed arrays (cycling); return the writer."""
    writer = create_dataset(root, fps=30, features=FEATURES, robot_type="dummy", **kwargs)
    i = 0
    for length in lengths:
        for _ in range(length):
            writer.add_frame(_frame(fed, i % len(fed["tasks"])))
            i += 1
        writer.save_episode()
    return writer


@pytest.fixture(scope="module", params=[True, False], ids=["streaming", "staged"])
def ours(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, fed: dict[str, Any]
) -> Path:
    """Our writer's dataset from the same arrays and episodes as the LeRobot fixture.

    Made both ways (encoded while recording, and staged then encoded at save): everything
    LeRobot's reference fixes must come out the same.
    """
    root = tmp_path_factory.mktemp("ours") / "dataset"
    lengths = [int(n) for n in fed["episode_lengths"]]
    _record(root, fed, lengths, streaming_encoding=request.param).finalize()
    return root


def _psnr(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float(10 * np.log10(255.0**2 / mse))


def _all(reader: DatasetReader, key: str, **kwargs: Any) -> npt.NDArray[Any]:
    return np.concatenate([reader.frames(key, e, **kwargs) for e in range(reader.num_episodes)])


def _columns(reader: DatasetReader) -> dict[str, npt.NDArray[Any]]:
    per_episode = [reader.episode_columns(e) for e in range(reader.num_episodes)]
    return {name: np.concatenate([c[name] for c in per_episode]) for name in per_episode[0]}


class TestReadLeRobotDataset:
    def test_metadata(self, fed: dict[str, Any]) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        assert (reader.num_episodes, reader.num_frames, reader.fps) == (2, 13, 30)
        assert reader.tasks == ("pick up the red cube", "put the cube in the bowl")
        assert (reader.video_keys, reader.depth_keys) == ([CAM, DEPTH], [DEPTH])
        assert [e.length for e in reader.episodes] == fed["episode_lengths"].tolist()
        assert [e.tasks for e in reader.episodes] == [(t,) for t in reader.tasks]
        second = reader.episodes[1]
        assert (second.dataset_from_index, second.dataset_to_index) == (8, 13)
        assert second.videos[CAM].from_seconds == pytest.approx(8 / 30)
        assert reader.stats is not None
        assert reader.stats[CAM]["mean"].shape == (3, 1, 1)

    def test_every_frame(self, fed: dict[str, Any]) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        assert _psnr(_all(reader, CAM), fed["rgb"]) > RGB_PSNR_FLOOR_DB
        codes = np.concatenate([reader.depth_codes(DEPTH, e) for e in range(2)])
        np.testing.assert_array_equal(codes, quantize_depth(fed["depth"]))
        np.testing.assert_array_equal(_all(reader, DEPTH), dequantize_depth(codes))
        metres = _all(reader, DEPTH, depth_output_unit="m")
        np.testing.assert_allclose(metres, _all(reader, DEPTH) / 1000, atol=5e-4)

    def test_every_value(self, fed: dict[str, Any]) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        columns = _columns(reader)
        np.testing.assert_array_equal(columns["observation.state"], fed["state"])
        np.testing.assert_array_equal(columns["action"], fed["action"])
        frame_index = np.concatenate([np.arange(n) for n in fed["episode_lengths"]])
        np.testing.assert_array_equal(columns["frame_index"], frame_index)
        np.testing.assert_array_equal(columns["timestamp"], (frame_index / 30).astype(np.float32))
        np.testing.assert_array_equal(columns["index"], np.arange(13))
        tasks = [reader.tasks[i] for i in columns["task_index"]]
        assert tasks == fed["tasks"].tolist()

    def test_frame_subset_any_order(self) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        everything = reader.frames(CAM, 0)
        np.testing.assert_array_equal(reader.frames(CAM, 0, [5, 0, 5]), everything[[5, 0, 5]])


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _keys_in_order(value: Any) -> Any:
    """Every dict's keys, recursively, in order (lists of keys), to compare layouts."""
    if isinstance(value, dict):
        return [(key, _keys_in_order(item)) for key, item in value.items()]
    return None


class TestLayoutMatchesLeRobot:
    def test_same_files(self, ours: Path) -> None:
        def files(root: Path) -> list[str]:
            return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())

        # Plus our record of dropped frames, which LeRobot ignores.
        assert files(ours) == sorted([*files(LEROBOT_ROOT), dataset_meta.RECORDING_PATH])

    def test_info_json_identical(self, ours: Path) -> None:
        theirs, mine = _json(LEROBOT_ROOT / "meta/info.json"), _json(ours / "meta/info.json")
        assert _keys_in_order(mine) == _keys_in_order(theirs)
        assert mine == theirs
        # Byte layout too: indent 4, no ASCII escaping, no trailing newline.
        assert (ours / "meta/info.json").read_text() == (
            LEROBOT_ROOT / "meta/info.json"
        ).read_text()

    def test_stats_json(self, ours: Path) -> None:
        theirs, mine = _json(LEROBOT_ROOT / "meta/stats.json"), _json(ours / "meta/stats.json")
        assert set(mine) == set(theirs)  # LeRobot's own order comes from a set
        for feature, stats in theirs.items():
            assert list(mine[feature]) == list(stats)
            for name, value in stats.items():
                # LeRobot sums image pixels in float32 along one axis, which drifts (3e-4 of
                # the mean on a 480x640 clip); ours are exact (see TestStatsSampling), so
                # image mean/std agree to 1e-3 and everything else to float32 rounding.
                inexact = name in ("mean", "std") and feature in (CAM, DEPTH)
                np.testing.assert_allclose(
                    mine[feature][name], value, rtol=1e-3 if inexact else 1e-6, err_msg=feature
                )
        assert mine[CAM]["count"] == [13]

    @pytest.mark.parametrize(
        "relative",
        [
            "data/chunk-000/file-000.parquet",
            "meta/tasks.parquet",
            "meta/episodes/chunk-000/file-000.parquet",
        ],
    )
    def test_parquet_columns_types_and_values(self, ours: Path, relative: str) -> None:
        theirs, mine = pq.ParquetFile(LEROBOT_ROOT / relative), pq.ParquetFile(ours / relative)
        assert mine.schema_arrow.names == theirs.schema_arrow.names
        assert mine.schema_arrow.equals(theirs.schema_arrow, check_metadata=False)
        assert mine.metadata.row_group(0).column(0).compression == "SNAPPY"
        if relative.startswith("data/"):
            assert mine.num_row_groups == theirs.num_row_groups == 2  # one per episode
        their_table, my_table = theirs.read(), mine.read()
        for name in their_table.column_names:
            if name.startswith("stats/"):
                # Image mean/std: LeRobot's float32 drift, see test_stats_json.
                inexact = name.startswith((f"stats/{CAM}/", f"stats/{DEPTH}/")) and (
                    name.endswith(("/mean", "/std"))
                )
                np.testing.assert_allclose(
                    np.array(my_table[name].to_pylist(), dtype=float),
                    np.array(their_table[name].to_pylist(), dtype=float),
                    rtol=1e-3 if inexact else 1e-6,
                    err_msg=name,
                )
            else:
                assert my_table[name].to_pylist() == their_table[name].to_pylist(), name

    def test_parquet_schema_metadata(self, ours: Path) -> None:
        def meta(relative: str, key: bytes, root: Path) -> Any:
            return json.loads(pq.read_schema(root / relative).metadata[key])

        data = "data/chunk-000/file-000.parquet"
        assert (
            meta(data, b"huggingface", ours)["info"]
            == meta(data, b"huggingface", LEROBOT_ROOT)["info"]
        )
        mine, theirs = (meta("meta/tasks.parquet", b"pandas", r) for r in (ours, LEROBOT_ROOT))
        for key in ("index_columns", "column_indexes", "columns"):
            assert mine[key] == theirs[key]

    def test_pandas_reads_tasks_indexed_by_task(self, ours: Path) -> None:
        pd = pytest.importorskip("pandas")
        tasks = pd.read_parquet(ours / "meta/tasks.parquet")
        assert tasks.index.name == "task"
        assert int(tasks.loc["put the cube in the bowl"].task_index) == 1

    def test_episodes_tile_each_video_on_the_frame_grid(self, ours: Path) -> None:
        reader = open_dataset(ours)
        for key in reader.video_keys:
            for episode in reader.episodes:
                span = episode.videos[key].to_seconds - episode.videos[key].from_seconds
                assert span == pytest.approx(episode.length / 30, abs=1e-9)
            with av.open(str(reader.video_path(key, 0))) as container:
                stream = container.streams.video[0]
                pts = sorted(p.pts for p in container.demux(stream) if p.pts is not None)
            assert stream.time_base is not None
            ticks = round(1 / (30 * stream.time_base))
            assert pts == [i * ticks for i in range(13)]  # remuxed end to end, no gap


class TestRoundTrip:
    def test_frames_and_values(self, ours: Path, fed: dict[str, Any]) -> None:
        reader = open_dataset(ours)
        assert _psnr(_all(reader, CAM), fed["rgb"]) > RGB_PSNR_FLOOR_DB
        codes = np.concatenate([reader.depth_codes(DEPTH, e) for e in range(2)])
        np.testing.assert_array_equal(codes, quantize_depth(fed["depth"]))
        np.testing.assert_array_equal(_all(reader, DEPTH), dequantize_depth(codes))
        columns = _columns(reader)
        np.testing.assert_array_equal(columns["observation.state"], fed["state"])
        np.testing.assert_array_equal(columns["action"], fed["action"])
        assert [reader.tasks[i] for i in columns["task_index"]] == fed["tasks"].tolist()

    def test_reads_what_lerobot_reads(self, ours: Path) -> None:
        # Same AV1 bitstream semantics and the same codes: both datasets decode alike.
        mine, theirs = open_dataset(ours), open_dataset(LEROBOT_ROOT)
        assert _psnr(_all(mine, CAM), _all(theirs, CAM)) > 40
        np.testing.assert_array_equal(_all(mine, DEPTH), _all(theirs, DEPTH))

    def test_depth_in_metres_and_several_tasks(self, tmp_path: Path) -> None:
        features: dict[str, dict[str, Any]] = {
            "depth": {"dtype": "video", "shape": (48, 64, 1), "names": None},
            "flag": {"dtype": "bool", "shape": (1,), "names": None},
        }
        depth_m = np.linspace(0.2, 4.0, 6 * 48 * 64, dtype=np.float32).reshape(6, 48, 64, 1)
        with create_dataset(tmp_path / "d", fps=15, features=features) as writer:
            for i, frame in enumerate(depth_m):
                writer.add_frame({"depth": frame, "flag": i % 2 == 0, "task": "ab"[i // 4]})
            episode = writer.save_episode()
        assert episode.tasks == ("a", "b")
        reader = open_dataset(tmp_path / "d")
        info = reader.features["depth"]["info"]
        assert (info["is_depth_map"], info["depth_unit"]) == (True, "m")
        metres = reader.frames("depth", 0, depth_output_unit="m")
        step_m = quantization_step_mm(depth_m[..., 0], DepthQuantization()) / 1000
        assert np.all(np.abs(metres - depth_m[..., 0]) <= step_m)
        columns = reader.episode_columns(0)
        np.testing.assert_array_equal(columns["flag"], [True, False] * 3)
        np.testing.assert_array_equal(columns["task_index"], [0, 0, 0, 0, 1, 1])
        assert not (tmp_path / "d" / "images").exists()  # staging removed by finalize


class TestCrashSafety:
    def test_abandoned_writer_keeps_saved_episodes(
        self, tmp_path: Path, fed: dict[str, Any]
    ) -> None:
        writer = _record(tmp_path / "d", fed, [4, 3])
        for i in range(5):  # a third episode that is never saved
            writer.add_frame(_frame(fed, i))
        del writer  # no finalize: the process "dies" here
        reader = open_dataset(tmp_path / "d")
        assert (reader.num_episodes, reader.num_frames) == (2, 7)
        assert reader.frames(CAM, 1).shape == (3, 48, 64, 3)
        assert len(reader.episode_columns(1)["index"]) == 3
        assert pq.ParquetFile(tmp_path / "d/data/chunk-000/file-000.parquet").num_row_groups == 2

    def test_failed_save_is_invisible_and_retry_does_not_duplicate(
        self, tmp_path: Path, fed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        writer = _record(tmp_path / "d", fed, [4, 3])
        for i in range(5):
            writer.add_frame(_frame(fed, i))
        real_write_json = dataset_meta.write_json

        def fail_at_commit(path: Path, data: Any) -> None:
            if path.name == "info.json":
                raise OSError("disk full")
            real_write_json(path, data)

        monkeypatch.setattr("lerobot_video.dataset.writer.write_json", fail_at_commit)
        with pytest.raises(OSError, match="disk full"):
            writer.save_episode()
        # Videos, data and episodes files already hold episode 2; info.json does not.
        assert open_dataset(tmp_path / "d").num_episodes == 2
        monkeypatch.setattr("lerobot_video.dataset.writer.write_json", real_write_json)
        writer.save_episode()
        reader = open_dataset(tmp_path / "d")
        assert (reader.num_episodes, reader.num_frames) == (3, 12)
        assert len(reader.episode_columns(2)["index"]) == 5
        assert pq.ParquetFile(tmp_path / "d/data/chunk-000/file-000.parquet").num_row_groups == 3
        np.testing.assert_array_equal(
            reader.depth_codes(DEPTH, 2), quantize_depth(fed["depth"][:5])
        )


def test_dataset_without_episodes_opens(tmp_path: Path, fed: dict[str, Any]) -> None:
    writer = create_dataset(tmp_path / "d", fps=30, features=FEATURES)
    writer.add_frame(_frame(fed, 0))
    del writer
    reader = open_dataset(tmp_path / "d")
    assert (reader.num_episodes, reader.num_frames, reader.tasks) == (0, 0, ())
    assert reader.stats is None


class TestStatsSampling:
    """Which frames feed image stats, and how big frames are shrunk (LeRobot's rules)."""

    def test_sample_indices(self) -> None:
        assert sample_frame_indices(50) == list(range(50))
        many = sample_frame_indices(1000)
        assert (len(many), many[0], many[-1]) == (177, 0, 999)  # int(1000 ** 0.75) = 177

    def test_uint8_image_stats_are_exact(self) -> None:
        rng = np.random.default_rng(7)
        frames = rng.integers(0, 256, (40, 120, 160, 3), dtype=np.uint8)
        frames[..., 2] //= 3  # channels with different ranges
        stats = image_stats(frames, is_depth=False)
        pixels = frames.reshape(-1, 3).astype(np.float64)
        np.testing.assert_allclose(stats["mean"].reshape(3), pixels.mean(0) / 255, rtol=1e-6)
        np.testing.assert_allclose(stats["std"].reshape(3), pixels.std(0) / 255, rtol=1e-5)
        np.testing.assert_array_equal(stats["min"].reshape(3) * 255, pixels.min(0))
        np.testing.assert_array_equal(stats["max"].reshape(3) * 255, pixels.max(0))
        median = np.quantile(pixels, 0.5, axis=0) / 255
        np.testing.assert_allclose(stats["q50"].reshape(3), median, atol=1.5 / 255)

    def test_large_frames_are_strided_once(self) -> None:
        frames = np.zeros((3, 480, 640, 1), np.uint16)
        sample = sample_frames(frames)
        assert sample.shape == (3, 120, 160, 1)  # stride int(640 / 150) = 4
        assert sample_frames(sample).shape == sample.shape


def test_files_rotate_across_files_and_chunks(tmp_path: Path, fed: dict[str, Any]) -> None:
    tiny = ChunkingConfig(chunks_size=2, data_files_size_in_mb=1e-4, video_files_size_in_mb=1e-4)
    _record(tmp_path / "d", fed, [3, 3, 4], chunking=tiny).finalize()
    reader = open_dataset(tmp_path / "d")
    expected = [(0, 0), (0, 1), (1, 0)]
    assert [(e.data_chunk_index, e.data_file_index) for e in reader.episodes] == expected
    for key in (CAM, DEPTH):
        segments = [e.videos[key] for e in reader.episodes]
        assert [(s.chunk_index, s.file_index) for s in segments] == expected
        assert all(s.from_seconds == 0.0 for s in segments)
    assert (tmp_path / "d/meta/episodes/chunk-001/file-000.parquet").is_file()
    np.testing.assert_array_equal(reader.depth_codes(DEPTH, 2), quantize_depth(fed["depth"][6:10]))
    np.testing.assert_array_equal(reader.episode_columns(2)["index"], np.arange(6, 10))


@pytest.mark.parametrize("legacy", ["video.is_depth_map in info", "video_info dict"])
def test_reader_accepts_legacy_depth_markers(tmp_path: Path, legacy: str) -> None:
    root = tmp_path / "legacy"
    shutil.copytree(LEROBOT_ROOT, root)
    info = _json(root / "meta/info.json")
    feature = info["features"][DEPTH]
    block = feature.pop("info")
    block.pop("is_depth_map")
    if legacy == "video_info dict":
        feature["video_info"] = {**block, "video.is_depth_map": True}
    else:
        feature["info"] = {**block, "video.is_depth_map": True}
    (root / "meta/info.json").write_text(json.dumps(info, indent=4))
    reader = open_dataset(root)
    assert reader.depth_keys == [DEPTH]
    reference = open_dataset(LEROBOT_ROOT)
    np.testing.assert_array_equal(reader.frames(DEPTH, 1), reference.frames(DEPTH, 1))


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[DatasetWriter]:
    with create_dataset(tmp_path / "d", fps=30, features=FEATURES) as dataset_writer:
        yield dataset_writer


class TestErrors:
    def test_root_must_not_exist(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="already exists"):
            create_dataset(tmp_path, fps=30, features=FEATURES)

    @pytest.mark.parametrize(
        ("features", "message"),
        [
            ({"a/b": {"dtype": "float32", "shape": (1,), "names": None}}, "without '/'"),
            ({"index": {"dtype": "int64", "shape": (1,), "names": None}}, "added by the dataset"),
            ({"cam": {"dtype": "video", "shape": (48, 64, 2), "names": None}}, "shape"),
            ({"cam": {"dtype": "image", "shape": (48, 64, 3), "names": None}}, "dtype 'image'"),
            ({"x": {"dtype": "float32", "shape": (2, 2), "names": None}}, "multi-dimensional"),
            ({}, "non-empty"),
        ],
    )
    def test_bad_features(self, tmp_path: Path, features: Any, message: str) -> None:
        with pytest.raises(ConfigError, match=message):
            create_dataset(tmp_path / "d", fps=30, features=features)
        assert not (tmp_path / "d").exists()

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"task": None}, "task"),
            ({"extra": 1}, "unexpected \\['extra'\\]"),
            ({"action": np.zeros(2, np.float64)}, "dtype float32"),
            ({"action": np.zeros(3, np.float32)}, "shape \\(2,\\)"),
            ({CAM: np.zeros((48, 64), np.uint8)}, "shape"),
            ({CAM: np.full((48, 64, 3), 2.0, np.float32)}, "float in \\[0, 1\\]"),
            ({DEPTH: np.zeros((48, 64, 1), np.int32)}, "uint16 \\(mm\\) or float32"),
        ],
    )
    def test_bad_frames(
        self, writer: DatasetWriter, fed: dict[str, Any], change: dict[str, Any], message: str
    ) -> None:
        frame = {**_frame(fed, 0), **change}
        if change == {"task": None}:
            del frame["task"]
        with pytest.raises(ConfigError, match=message):
            writer.add_frame(frame)
        assert writer.num_pending_frames == 0

    def test_depth_unit_is_fixed_by_first_frame(
        self, writer: DatasetWriter, fed: dict[str, Any]
    ) -> None:
        writer.add_frame(_frame(fed, 0))
        frame = {**_frame(fed, 1), DEPTH: np.ones((48, 64, 1), np.float32)}
        with pytest.raises(ConfigError, match="records 'mm'"):
            writer.add_frame(frame)

    @pytest.mark.parametrize("streaming", [True, False])
    def test_one_and_two_frame_x265_episodes(
        self, tmp_path: Path, fed: dict[str, Any], streaming: bool
    ) -> None:
        # libx265 hands out garbage decode timestamps for 1-2 frame clips; they are repaired.
        _record(tmp_path / "d", fed, [1, 2, 1], streaming_encoding=streaming).finalize()
        reader = open_dataset(tmp_path / "d")
        assert [e.length for e in reader.episodes] == [1, 2, 1]
        for episode, frames in ((0, [0]), (1, [1, 2]), (2, [3])):
            np.testing.assert_array_equal(
                reader.depth_codes(DEPTH, episode).reshape(len(frames), 48, 64),
                quantize_depth(fed["depth"][frames]).reshape(len(frames), 48, 64),
            )

    def test_save_without_frames_and_after_finalize(
        self, writer: DatasetWriter, fed: dict[str, Any]
    ) -> None:
        with pytest.raises(ConfigError, match="add_frame first"):
            writer.save_episode()
        writer.finalize()
        writer.finalize()  # idempotent
        with pytest.raises(ConfigError, match="finalized"):
            writer.add_frame(_frame(fed, 0))

    def test_reader_bounds(self) -> None:
        reader = open_dataset(LEROBOT_ROOT)
        with pytest.raises(FrameIndexError, match=r"valid indices are \[0, 5\)"):
            reader.frames(CAM, 1, [5])
        with pytest.raises(FrameIndexError, match=r"episodes 0\.\.1"):
            reader.frames(CAM, 2)
        with pytest.raises(ConfigError, match="not a video feature"):
            reader.frames("action", 0)
        with pytest.raises(ConfigError, match="not a depth feature"):
            reader.depth_codes(CAM, 0)

    def test_reader_refuses_other_versions(self, tmp_path: Path) -> None:
        with pytest.raises(MetadataError, match="Cannot read"):
            open_dataset(tmp_path)
        (tmp_path / "meta").mkdir()
        (tmp_path / "meta/info.json").write_text(json.dumps({"codebase_version": "v2.1"}))
        with pytest.raises(MetadataError, match="convert_dataset_v21_to_v30"):
            open_dataset(tmp_path)
