"""Malformed inputs to the dataset and capture rooms: each is refused, clearly, untouched.

Covers ``open_dataset`` and the reader's methods, ``resume_dataset`` and ``archive_dataset``
on damaged copies of a small valid dataset (``info.json``, ``stats.json``, tasks, episodes
and data parquet files, MP4s); ``create_dataset`` and ``DatasetWriter.add_frame`` with bad
arguments and frames; the capture sources and ``Recorder``. Every case checks the error
class, that the message names the file/field/value, that every file under ``tmp_path`` (the
damaged copy and a decoy folder beside it) is byte-for-byte unchanged, and that the valid
source dataset is unchanged.
"""

from __future__ import annotations

import math
import pickle
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from corpus_dataset_helpers import (
    CAM,
    CAM_MP4,
    DATA,
    DEPTH,
    DEPTH_MP4,
    EPISODES,
    FEATURES,
    INFO,
    STATE,
    STATS,
    TASKS,
    Mutation,
    delete,
    drop_column,
    frame,
    hashes,
    make_dataset,
    random_bytes,
    set_column,
    set_json,
    truncate,
    write_bytes,
)

from lerobot_video import (
    BrowserSource,
    ConfigError,
    DatasetWriter,
    DepthEncoderConfig,
    FrameIndexError,
    LeRobotVideoError,
    MediaError,
    MetadataError,
    OpenCVSource,
    RealSenseSource,
    Recorder,
    ReplaySource,
    RGBEncoderConfig,
    archive_dataset,
    create_dataset,
    open_dataset,
    resume_dataset,
)


def m(*parts: object) -> str:
    """A regex finding each part, in order, in the message."""
    return ".*".join(re.escape(part if isinstance(part, str) else repr(part)) for part in parts)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The valid dataset every damaged copy starts from; checked unchanged at the end."""
    root = tmp_path_factory.mktemp("corpus") / "source"
    make_dataset(root)
    before = hashes(root)
    yield root
    assert hashes(root) == before


@pytest.fixture
def copy(source: Path, tmp_path: Path) -> Path:
    """A copy of the source in ``tmp_path/ds``, with a decoy folder beside it."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "decoy.mp4").write_bytes(b"decoy")
    root = tmp_path / "ds"
    shutil.copytree(source, root)
    return root


# ----- damaged datasets ---------------------------------------------------------------

ENTRIES: dict[str, Callable[[Path], object]] = {
    "open": open_dataset,
    "resume": lambda root: resume_dataset(root).finalize(),
    "stats": lambda root: open_dataset(root).stats,
    "columns": lambda root: open_dataset(root).episode_columns(0),
    "cam": lambda root: open_dataset(root).frames(CAM, 0),
    "depth": lambda root: open_dataset(root).frames(DEPTH, 1),
}
Case = tuple[str, Mutation, tuple[str, ...], type[Exception], str]


def _info_field_cases() -> list[Case]:
    bad: dict[str, list[Any]] = {
        "fps": ["abc", None, 0, -1, 12.5, True, [30], {}, "30", 1e9],
        "total_episodes": [-1, "2", None, 2.0, True],
        "total_frames": [-1, "x", 1.5],
        "total_tasks": [-3, None],
        "features": [[], None, "x", 3],
        "data_path": [None, 5, "", "{bogus}.parquet", "{chunk_index", "{0}.parquet"],
        "video_path": [None, 7, "{bogus}.mp4", "videos/{video_key:03d}.mp4"],
        "codebase_version": ["v2.1", 3, None],
        "chunks_size": [0, "x", -1],
        "data_files_size_in_mb": [0, "big"],
        "video_files_size_in_mb": [-5],
    }
    cases: list[Case] = []
    for name, values in bad.items():
        for value in values:
            match = m(INFO, name, value if name != "features" else "")
            cases.append(
                (
                    f"info-{name}-{value!r}",
                    set_json(INFO, name, value=value),
                    (),
                    MetadataError,
                    match,
                )
            )
    escapes = {
        "data_path": ["../../outside/{chunk_index}.parquet", "/tmp/{chunk_index}.parquet"],
        "video_path": [
            "../outside/decoy.mp4",
            "videos/{video_key}/../../../outside/{file_index}.mp4",
            "/etc/{video_key}.mp4",
            "~/{video_key}.mp4",
        ],
    }
    for name, values in escapes.items():
        for value in values:
            match = m(INFO, name, value, "inside the dataset")
            cases.append(
                (
                    f"info-{name}-{value!r}",
                    set_json(INFO, name, value=value),
                    (),
                    MetadataError,
                    match,
                )
            )
    for name in (
        "fps",
        "features",
        "total_episodes",
        "data_path",
        "video_path",
        "codebase_version",
    ):
        cases.append(
            (f"info-no-{name}", set_json(INFO, name, delete=True), (), MetadataError, m(INFO, name))
        )
    return cases


_CAMERA = {"dtype": "video", "shape": [48, 64, 3], "names": None}


def _info_cases() -> list[Case]:
    whole: list[tuple[str, Mutation]] = [
        ("list", set_json(INFO, value=[1, 2])),
        ("null", set_json(INFO, value=None)),
        ("string", set_json(INFO, value="info")),
        ("number", set_json(INFO, value=42)),
        ("bad-json", write_bytes(INFO, b"{")),
        ("empty", write_bytes(INFO, b"")),
        ("random", random_bytes(INFO)),
        ("missing", delete(INFO)),
    ]
    cases: list[Case] = [(f"info-{n}", f, (), MetadataError, m(INFO)) for n, f in whole]
    features = [
        ("camera-list", set_json(INFO, "features", CAM, value=[]), CAM),
        ("camera-no-dtype", set_json(INFO, "features", CAM, "dtype", delete=True), CAM),
        ("camera-dtype-5", set_json(INFO, "features", CAM, "dtype", value=5), CAM),
        ("camera-no-shape", set_json(INFO, "features", DEPTH, "shape", delete=True), "shape"),
        ("camera-shape-str", set_json(INFO, "features", CAM, "shape", value="abc"), "shape"),
        ("state-null", set_json(INFO, "features", STATE, value=None), STATE),
        ("camera-dotdot", set_json(INFO, "features", "../outside", value=_CAMERA), "../outside"),
        ("camera-slash", set_json(INFO, "features", "a/b", value=_CAMERA), "a/b"),
        ("camera-info-int", set_json(INFO, "features", CAM, "info", value=5), "'info'"),
        (
            "camera-video-info-list",
            set_json(INFO, "features", CAM, "video_info", value=[1]),
            "'video_info'",
        ),
        (
            "depth-min-str",
            set_json(INFO, "features", DEPTH, "info", "video.depth_min", value="x"),
            "depth_min",
        ),
        (
            "depth-max-neg",
            set_json(INFO, "features", DEPTH, "info", "video.depth_max", value=-1),
            "depth_max",
        ),
        (
            "depth-log-str",
            set_json(INFO, "features", DEPTH, "info", "video.use_log", value="yes"),
            "use_log",
        ),
        ("camera-2d", set_json(INFO, "features", CAM, "shape", value=[48, 64]), "[48, 64]"),
        ("camera-0", set_json(INFO, "features", CAM, "shape", value=[0, 64, 3]), "[0, 64, 3]"),
        (
            "camera-4ch",
            set_json(INFO, "features", DEPTH, "shape", value=[48, 64, 4]),
            "[48, 64, 4]",
        ),
        ("camera-dot", set_json(INFO, "features", "..", value=_CAMERA), "'..'"),
    ]
    cases += [(f"info-{n}", f, (), MetadataError, m(INFO, "features", w)) for n, f, w in features]
    cases.append(
        (
            "info-too-many-episodes",
            set_json(INFO, "total_episodes", value=5),
            (),
            MetadataError,
            m(INFO, "total_episodes", "5"),
        )
    )
    return cases + _info_field_cases()


DROP_LOG = "meta/recording.json"


def _meta_file_cases() -> list[Case]:
    cases: list[Case] = []
    for name, value in [
        ("list", [1, 2]),
        ("null", None),
        ("string", "x"),
        ("feature-list", {"a": [1]}),
        ("text-stat", {STATE: {"min": "x"}}),
        ("ragged", {STATE: {"min": [[1], [1, 2]]}}),
        ("null-stat", {STATE: {"max": None}}),
    ]:
        cases.append(
            (f"stats-{name}", set_json(STATS, value=value), ("stats",), MetadataError, m(STATS))
        )
    cases.append(
        ("stats-bad-json", write_bytes(STATS, b"[1,"), ("stats",), MetadataError, m(STATS))
    )
    for name, content in [
        ("list", b"[1]"),
        ("episodes-int", b'{"episodes": 5}'),
        ("bad-json", b"{"),
        ("index-str", b'{"episodes": [{"episode_index": "x", "dropped_frames": []}]}'),
        ("no-frames", b'{"episodes": [{"episode_index": 0}]}'),
    ]:
        cases.append(
            (
                f"drop-log-{name}",
                write_bytes(DROP_LOG, content),
                ("open", "resume"),
                MetadataError,
                m(DROP_LOG),
            )
        )
    for name, mutation in [
        ("random", random_bytes(TASKS)),
        ("truncated", truncate(TASKS)),
        ("no-task_index", drop_column(TASKS, "task_index")),
        ("empty", write_bytes(TASKS, b"")),
    ]:
        cases.append((f"tasks-{name}", mutation, ("open", "resume"), MetadataError, m(TASKS)))
    return cases


def _episodes_cases() -> list[Case]:
    both = ("open", "resume")
    cases: list[Case] = []
    for column in [
        "episode_index",
        "length",
        "tasks",
        "dataset_from_index",
        "dataset_to_index",
        "data/chunk_index",
        "data/file_index",
        f"videos/{CAM}/chunk_index",
        f"videos/{CAM}/file_index",
        f"videos/{CAM}/from_timestamp",
        f"videos/{DEPTH}/to_timestamp",
        f"videos/{DEPTH}/chunk_index",
    ]:
        cases.append(
            (
                f"episodes-no-{column}",
                drop_column(EPISODES, column),
                both,
                MetadataError,
                m(EPISODES, column),
            )
        )
    value_cases: list[tuple[str, list[Any], str]] = [
        ("length", ["3", "3"], "'3'"),
        ("length", [-1, 3], "-1"),
        ("episode_index", [0.0, 1.0], "0.0"),
        ("data/chunk_index", [-1, 0], "-1"),
        ("dataset_from_index", [None, 3], "None"),
        (f"videos/{CAM}/from_timestamp", ["a", "b"], "'a'"),
        (f"videos/{DEPTH}/to_timestamp", [float("nan"), 0.6], "nan"),
        (f"videos/{CAM}/file_index", [0.5, 0.5], "0.5"),
        ("tasks", ["pick", "pick"], "'pick'"),
    ]
    for column, values, shown in value_cases:
        cases.append(
            (
                f"episodes-{column}-{shown}",
                set_column(EPISODES, column, values),
                both,
                MetadataError,
                m(EPISODES, column, shown),
            )
        )
    for name, mutation in [
        ("random", random_bytes(EPISODES)),
        ("truncated", truncate(EPISODES)),
        ("empty", write_bytes(EPISODES, b"")),
    ]:
        cases.append((f"episodes-{name}", mutation, both, MetadataError, m(EPISODES)))
    cases.append(
        (
            "episodes-no-meta-columns",
            drop_column(EPISODES, "meta/episodes/chunk_index"),
            ("resume",),
            MetadataError,
            m(EPISODES, "meta/episodes/chunk_index"),
        )
    )
    cases.append(
        (
            "episodes-data-file-5",
            set_column(EPISODES, "data/chunk_index", [5, 5]),
            ("columns", "resume"),
            MetadataError,
            m("data/chunk-005/file-000.parquet"),
        )
    )
    return cases


def _data_and_video_cases() -> list[Case]:
    cases: list[Case] = []
    for name, mutation in [
        ("random", random_bytes(DATA)),
        ("truncated", truncate(DATA)),
        ("missing", delete(DATA)),
        ("empty", write_bytes(DATA, b"")),
    ]:
        cases.append((f"data-{name}", mutation, ("columns", "resume"), MetadataError, m(DATA)))
    for column in ("frame_index", "episode_index"):
        cases.append(
            (
                f"data-no-{column}",
                drop_column(DATA, column),
                ("columns", "resume"),
                MetadataError,
                m(DATA, column if column == "frame_index" else ""),
            )
        )
    for name, relative, entry in [("cam", CAM_MP4, "cam"), ("depth", DEPTH_MP4, "depth")]:
        for damage, mutation in [
            ("missing", delete(relative)),
            ("random", random_bytes(relative)),
            ("empty", write_bytes(relative, b"")),
            ("truncated", truncate(relative, 0.3)),
        ]:
            cases.append(
                (f"{name}-mp4-{damage}", mutation, (entry, "resume"), MediaError, m(relative))
            )
    cases.append(
        (
            "cam-segment-7",
            set_column(EPISODES, f"videos/{CAM}/chunk_index", [7, 7]),
            ("cam", "resume"),
            MediaError,
            m(f"videos/{CAM}/chunk-007"),
        )
    )
    return cases


DAMAGED = [
    pytest.param(mutation, entry, error, match, id=f"{name}-{entry}")
    for name, mutation, entries, error, match in (
        _info_cases() + _meta_file_cases() + _episodes_cases() + _data_and_video_cases()
    )
    for entry in (entries or ("open", "resume"))
]


@pytest.mark.parametrize(("mutation", "entry", "error", "match"), DAMAGED)
def test_damaged_dataset_is_refused_untouched(
    copy: Path,
    tmp_path: Path,
    mutation: Mutation,
    entry: str,
    error: type[Exception],
    match: str,
) -> None:
    mutation(copy)
    before = hashes(tmp_path)
    with pytest.raises(error, match=match):
        ENTRIES[entry](copy)
    assert hashes(tmp_path) == before


# ----- bad roots --------------------------------------------------------------------------

ROOT_ENTRIES: dict[str, Callable[[Any, Path], object]] = {
    "open": lambda root, _: open_dataset(root),
    "resume": lambda root, _: resume_dataset(root),
    "archive": lambda root, tmp: archive_dataset(root, tmp / "out.zip"),
}


def _roots(tmp_path: Path) -> dict[str, tuple[Any, type[Exception], str]]:
    (tmp_path / "file").write_text("x")
    (tmp_path / "empty").mkdir()
    return {
        "missing": (tmp_path / "nope", MetadataError, m("nope")),
        "a-file": (tmp_path / "file", MetadataError, m("file")),
        "under-a-file": (tmp_path / "file" / "ds", MetadataError, m("file/ds")),
        "empty-folder": (tmp_path / "empty", MetadataError, m("empty")),
        "none": (None, ConfigError, m("root", "None")),
        "int": (42, ConfigError, m("root", "42")),
    }


@pytest.mark.parametrize("entry", list(ROOT_ENTRIES))
@pytest.mark.parametrize(
    "case", ["missing", "a-file", "under-a-file", "empty-folder", "none", "int"]
)
def test_bad_root_is_refused(tmp_path: Path, entry: str, case: str) -> None:
    root, error, match = _roots(tmp_path)[case]
    before = hashes(tmp_path)
    with pytest.raises(error, match=match):
        ROOT_ENTRIES[entry](root, tmp_path)
    assert hashes(tmp_path) == before


@pytest.mark.parametrize(
    ("destination", "match"),
    [
        ("ds/inside.zip", "inside the dataset"),
        ("ds/meta/inside.zip", "inside the dataset"),
        ("outside", "is a folder"),
        ("outside/decoy.mp4/x.zip", "is a file"),
        (None, "destination"),
    ],
)
def test_archive_destination_is_refused(
    copy: Path, tmp_path: Path, destination: str | None, match: str
) -> None:
    before = hashes(tmp_path)
    with pytest.raises(ConfigError, match=match):
        archive_dataset(copy, None if destination is None else tmp_path / destination)  # type: ignore[arg-type]
    assert hashes(tmp_path) == before


# ----- create_dataset ---------------------------------------------------------------------

VIDEO = {"dtype": "video", "shape": (48, 64, 3), "names": None}
CREATE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("fps-0", {"fps": 0}, m("fps", 0)),
    ("fps-negative", {"fps": -1}, m("fps", -1)),
    ("fps-float", {"fps": 12.5}, m("fps", 12.5)),
    ("fps-str", {"fps": "30"}, m("fps", "30")),
    ("fps-none", {"fps": None}, m("fps", None)),
    ("fps-bool", {"fps": True}, m("fps", True)),
    ("fps-nan", {"fps": math.nan}, m("fps", "nan")),
    ("features-none", {"features": None}, m("features", None)),
    ("features-list", {"features": [VIDEO]}, m("features")),
    ("features-empty", {"features": {}}, m("features", {})),
    ("features-str", {"features": "cam"}, m("features", "cam")),
    ("feature-none", {"features": {"cam": None}}, m("cam", None)),
    ("feature-no-shape", {"features": {"cam": {"dtype": "video"}}}, m("cam", "shape")),
    (
        "video-2-channels",
        {"features": {"cam": {**VIDEO, "shape": (48, 64, 2)}}},
        m("cam", "(48, 64, 2)"),
    ),
    ("video-2d", {"features": {"cam": {**VIDEO, "shape": (48, 64)}}}, m("cam", "(48, 64)")),
    ("image-dtype", {"features": {"cam": {**VIDEO, "dtype": "image"}}}, m("cam", "image")),
    ("shape-0", {"features": {"x": {"dtype": "float32", "shape": (0,)}}}, m("x", "(0,)")),
    ("shape-2d", {"features": {"x": {"dtype": "float32", "shape": (2, 2)}}}, m("x", "(2, 2)")),
    ("shape-str", {"features": {"x": {"dtype": "float32", "shape": "2"}}}, m("x", "'2'")),
    ("shape-bool", {"features": {"x": {"dtype": "float32", "shape": (True,)}}}, m("x", "True")),
    ("shape-float", {"features": {"x": {"dtype": "float32", "shape": (2.0,)}}}, m("x", "2.0")),
    ("complex", {"features": {"x": {"dtype": "complex64", "shape": (1,)}}}, m("x", "complex64")),
    ("dtype-none", {"features": {"x": {"dtype": None, "shape": (1,)}}}, m("x", "None")),
    ("string-2", {"features": {"s": {"dtype": "string", "shape": (2,)}}}, m("s", "(2,)")),
    (
        "default-name",
        {"features": {"timestamp": {"dtype": "float32", "shape": (1,)}}},
        m("timestamp"),
    ),
    ("slash-name", {"features": {"a/b": {"dtype": "float32", "shape": (1,)}}}, m("a/b")),
    ("task-name", {"features": {"task": {"dtype": "string", "shape": (1,)}}}, m("task")),
    ("empty-name", {"features": {"": {"dtype": "float32", "shape": (1,)}}}, m("''")),
    ("int-name", {"features": {1: {"dtype": "float32", "shape": (1,)}}}, m("1")),
    ("video-info-int", {"features": {"d": {**VIDEO, "info": 5}}}, m("d", "info", "5")),
    (
        "depth-info-list",
        {"features": {"d": {**VIDEO, "shape": (4, 4, 1), "info": [1]}}},
        m("d", "info"),
    ),
    (
        "state-info-int",
        {"features": {"x": {"dtype": "float32", "shape": (1,), "info": 5}}},
        m("x", "info"),
    ),
    ("dtype-list", {"features": {"x": {"dtype": [], "shape": (1,)}}}, m("x", "dtype", "[]")),
    ("dtype-dict", {"features": {"x": {"dtype": {}, "shape": (1,)}}}, m("x", "dtype", "{}")),
    ("depth-marked-rgb", {"features": {"d": {**VIDEO, "info": {"is_depth_map": True}}}}, m("d")),
    (
        "rgb-encoder-str",
        {"rgb_encoder": "h264"},
        m("rgb_encoder", "RGBEncoderConfig", "got", "h264"),
    ),
    ("rgb-encoder-int", {"rgb_encoder": 5}, m("rgb_encoder", 5)),
    ("rgb-encoder-depth", {"rgb_encoder": DepthEncoderConfig()}, m("rgb_encoder")),
    ("depth-encoder-str", {"depth_encoder": "hevc"}, m("depth_encoder", "hevc")),
    ("depth-encoder-rgb", {"depth_encoder": RGBEncoderConfig()}, m("depth_encoder")),
    ("chunking-dict", {"chunking": {}}, m("chunking", {})),
    ("chunking-int", {"chunking": 5}, m("chunking", 5)),
    ("robot-type-int", {"robot_type": 5}, m("robot_type", 5)),
    ("streaming-str", {"streaming_encoding": "yes"}, m("streaming_encoding", "yes")),
    ("realtime-int", {"realtime": 1}, m("realtime", 1)),
    ("queue-0", {"encoder_queue_maxsize": 0}, m("encoder_queue_maxsize", 0)),
    ("queue-str", {"encoder_queue_maxsize": "x"}, m("encoder_queue_maxsize", "x")),
    ("queue-float", {"encoder_queue_maxsize": 2.5}, m("encoder_queue_maxsize", 2.5)),
    ("realtime-staged", {"realtime": True, "streaming_encoding": False}, m("streaming_encoding")),
]


@pytest.mark.parametrize(
    ("overrides", "match"), [pytest.param(o, mt, id=n) for n, o, mt in CREATE_CASES]
)
def test_create_dataset_refuses_bad_arguments(
    tmp_path: Path, overrides: dict[str, Any], match: str
) -> None:
    arguments: dict[str, Any] = {"fps": 10, "features": FEATURES, **overrides}
    with pytest.raises(ConfigError, match=match):
        create_dataset(tmp_path / "new", **arguments)
    assert hashes(tmp_path) == {}


@pytest.mark.parametrize(
    "case", ["empty-folder", "full-folder", "file", "under-file", "none", "int"]
)
def test_create_dataset_refuses_bad_roots(tmp_path: Path, case: str) -> None:
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "full-folder").mkdir()
    (tmp_path / "full-folder" / "keep.txt").write_text("mine")
    (tmp_path / "file").write_text("x")
    root: Any = {
        "empty-folder": tmp_path / "empty-folder",
        "full-folder": tmp_path / "full-folder",
        "file": tmp_path / "file",
        "under-file": tmp_path / "file" / "ds",
        "none": None,
        "int": 42,
    }[case]
    before = hashes(tmp_path)
    match = "already exists" if case in ("empty-folder", "full-folder", "file") else "root"
    with pytest.raises(ConfigError, match=match):
        create_dataset(root, fps=10, features=FEATURES)
    assert hashes(tmp_path) == before


# ----- add_frame and save_episode ---------------------------------------------------------


def _bad_frames() -> list[tuple[str, Any, str]]:
    good = frame(0)
    cases: list[tuple[str, Any, str]] = [
        ("none", None, m("frame", "None")),
        ("list", [good], m("frame", "list")),
        ("str", "frame", m("frame", "str")),
        ("int", 42, m("frame", "42")),
        ("missing-task", {k: v for k, v in good.items() if k != "task"}, m("task")),
        ("extra-key", {**good, "extra": 1}, m("extra")),
        ("default-column", {**good, "timestamp": 0.0}, m("timestamp")),
        ("int-key", {**good, 1: 0}, m("unexpected", "1")),
        ("none-key", {**good, None: 0}, m("unexpected", "None")),
        ("empty", {}, m("missing", CAM)),
    ]
    replaced: list[tuple[str, str, Any, str]] = [
        ("task-empty", "task", "", m("task", "''")),
        ("task-int", "task", 5, m("task", "5")),
        ("task-none", "task", None, m("task", "None")),
        ("cam-shape", CAM, np.zeros((48, 64), np.uint8), m(CAM, "(48, 64)")),
        ("cam-size", CAM, np.zeros((64, 48, 3), np.uint8), m(CAM, "(64, 48, 3)")),
        ("cam-list", CAM, [[0]], m(CAM, "list")),
        ("cam-none", CAM, None, m(CAM, "NoneType")),
        ("cam-nan", CAM, np.full((48, 64, 3), np.nan, np.float32), m(CAM, "nan")),
        ("cam-one-nan", CAM, np.where(np.eye(48, 64, dtype=bool)[..., None], np.nan, 0.5), m(CAM)),
        ("cam-above-1", CAM, np.full((48, 64, 3), 1.5, np.float32), m(CAM, "[0, 1]")),
        ("cam-negative", CAM, np.full((48, 64, 3), -0.1), m(CAM, "[0, 1]")),
        ("cam-int16", CAM, np.zeros((48, 64, 3), np.int16), m(CAM, "int16")),
        ("depth-float64", DEPTH, np.zeros((48, 64, 1)), m(DEPTH, "float64")),
        ("depth-int32", DEPTH, np.zeros((48, 64, 1), np.int32), m(DEPTH, "int32")),
        ("depth-rgb-shape", DEPTH, np.zeros((48, 64, 3), np.uint16), m(DEPTH, "(48, 64, 3)")),
        ("state-huge", STATE, [1e300, 0.0], m(STATE, "float32", "1e+300")),
        ("state-huge-one", STATE, [0.0, -1e39], m(STATE, "float32")),
        ("state-float64", STATE, np.zeros(2), m(STATE, "float64")),
        ("state-shape", STATE, [1.0, 2.0, 3.0], m(STATE, "(3,)")),
        ("state-str", STATE, "ab", m(STATE)),
        ("state-none", STATE, None, m(STATE)),
        ("state-dict", STATE, {"x": 1}, m(STATE)),
        ("state-bigint", STATE, [2**70, 0], m(STATE)),
    ]
    cases += [(n, {**good, key: value}, mt) for n, key, value, mt in replaced]
    return cases


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[DatasetWriter]:
    with create_dataset(
        tmp_path / "w", fps=10, features=FEATURES, rgb_encoder=RGBEncoderConfig(vcodec="h264")
    ) as dataset_writer:
        yield dataset_writer


@pytest.mark.parametrize(
    ("bad", "match"), [pytest.param(f, mt, id=n) for n, f, mt in _bad_frames()]
)
def test_add_frame_refuses_without_changing_anything(
    writer: DatasetWriter, tmp_path: Path, bad: Any, match: str
) -> None:
    snapshot = pickle.dumps(bad)
    before = hashes(tmp_path)
    with pytest.raises(ConfigError, match=match):
        writer.add_frame(bad)
    assert writer.num_pending_frames == 0
    assert hashes(tmp_path) == before
    assert pickle.dumps(bad) == snapshot  # the frame itself is not modified


def test_rejected_frame_does_not_fix_the_depth_unit(writer: DatasetWriter) -> None:
    bad = {**frame(0, depth_dtype=np.float32), CAM: np.full((48, 64, 3), 2.0, np.float32)}
    with pytest.raises(ConfigError, match=CAM):
        writer.add_frame(bad)
    assert writer.add_frame(frame(1))  # uint16 (mm): the rejected frame fixed nothing
    with pytest.raises(ConfigError, match=m(DEPTH, "'mm'")):
        writer.add_frame(frame(2, depth_dtype=np.float32))
    assert writer.num_pending_frames == 1


def test_save_without_frames_and_after_finalize(writer: DatasetWriter) -> None:
    with pytest.raises(ConfigError, match="No frames"):
        writer.save_episode()
    writer.finalize()
    with pytest.raises(ConfigError):
        writer.add_frame(frame(0))
    with pytest.raises(ConfigError):
        writer.save_episode()


# ----- reader methods ---------------------------------------------------------------------

READER_CASES: list[tuple[str, Callable[[Any], object], type[Exception], str]] = [
    ("frames-unknown-key", lambda r: r.frames("nope", 0), ConfigError, m("nope")),
    ("frames-state-key", lambda r: r.frames(STATE, 0), ConfigError, m(STATE)),
    ("frames-episode-neg", lambda r: r.frames(CAM, -1), FrameIndexError, m("-1")),
    ("frames-episode-99", lambda r: r.frames(CAM, 99), FrameIndexError, m("99")),
    ("frames-index-3", lambda r: r.frames(CAM, 0, [3]), FrameIndexError, m("3", "[0, 3)")),
    ("frames-index-neg", lambda r: r.frames(DEPTH, 0, [-1]), FrameIndexError, m("-1")),
    ("frames-index-2d", lambda r: r.frames(CAM, 0, [[0]]), ConfigError, m("frame_indices")),
    (
        "frames-index-float",
        lambda r: r.frames(CAM, 0, [0.5]),
        ConfigError,
        m("frame_indices", "0.5"),
    ),
    ("frames-index-str", lambda r: r.frames(CAM, 0, "ab"), ConfigError, m("frame_indices")),
    ("frames-unit", lambda r: r.frames(DEPTH, 0, depth_output_unit="cm"), ConfigError, m("cm")),
    ("codes-rgb-key", lambda r: r.depth_codes(CAM, 0), ConfigError, m(CAM)),
    ("codes-episode-5", lambda r: r.depth_codes(DEPTH, 5), FrameIndexError, m("5")),
    ("columns-episode-2", lambda r: r.episode_columns(2), FrameIndexError, m("2")),
    ("video-path-key", lambda r: r.video_path(STATE, 0), ConfigError, m(STATE)),
    ("data-path-episode", lambda r: r.data_path(-3), FrameIndexError, m("-3")),
    ("frames-episode-str", lambda r: r.frames(CAM, "0"), ConfigError, m("episode_index", "'0'")),
    ("frames-episode-bool", lambda r: r.frames(CAM, True), ConfigError, m("episode_index", True)),
    ("frames-episode-float", lambda r: r.frames(CAM, 1.0), ConfigError, m("episode_index", 1.0)),
    ("columns-episode-str", lambda r: r.episode_columns("0"), ConfigError, m("episode_index")),
    ("video-path-float", lambda r: r.video_path(CAM, 0.0), ConfigError, m("episode_index")),
    ("frames-key-none", lambda r: r.frames(None, 0), ConfigError, m("key", "None")),
    ("frames-key-int", lambda r: r.frames(5, 0), ConfigError, m("key", "5")),
    ("frames-index-empty", lambda r: r.frames(CAM, 0, []), ConfigError, m("frame_indices", "[]")),
    ("depth-index-empty", lambda r: r.frames(DEPTH, 0, []), ConfigError, m("frame_indices")),
    (
        "codes-index-bool",
        lambda r: r.depth_codes(DEPTH, 0, [True]),
        ConfigError,
        m("frame_indices"),
    ),
    (
        "frames-tolerance-neg",
        lambda r: r.frames(CAM, 0, tolerance_seconds=-1),
        ConfigError,
        m("tolerance_seconds", "-1"),
    ),
    (
        "frames-tolerance-str",
        lambda r: r.frames(CAM, 0, tolerance_seconds="x"),
        ConfigError,
        m("tolerance_seconds", "x"),
    ),
    (
        "frames-tolerance-nan",
        lambda r: r.frames(DEPTH, 0, tolerance_seconds=math.nan),
        ConfigError,
        m("tolerance_seconds", "nan"),
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "match"), [pytest.param(c, e, mt, id=n) for n, c, e, mt in READER_CASES]
)
def test_reader_methods_refuse_bad_arguments(
    source: Path, call: Callable[[Any], object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        call(open_dataset(source))


@pytest.mark.parametrize("indices", [[0], [2], [2, 0]])
def test_depth_frames_keep_the_leading_axis(source: Path, indices: list[int]) -> None:
    reader = open_dataset(source)
    assert reader.frames(DEPTH, 1, indices).shape == (len(indices), 48, 64)
    assert reader.frames(DEPTH, 1, indices, depth_output_unit="m").shape == (len(indices), 48, 64)
    assert reader.depth_codes(DEPTH, 1, indices).shape == (len(indices), 48, 64)


# ----- capture ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "clip.npz"
    np.savez(path, frames=np.zeros((4, 48, 64, 3), np.uint8), fps=10)
    return path


SOURCE_CASES: list[tuple[str, Callable[[Path], object], type[Exception], str]] = [
    ("replay-none", lambda c: ReplaySource(None), ConfigError, m("rgb_path", None)),  # type: ignore[arg-type]
    ("replay-int", lambda c: ReplaySource(42), ConfigError, m("rgb_path", 42)),  # type: ignore[arg-type]
    ("replay-empty", lambda c: ReplaySource(""), ConfigError, m("rgb_path", "''")),
    ("replay-missing", lambda c: ReplaySource(c.parent / "nope.npz"), MediaError, m("nope.npz")),
    ("replay-folder", lambda c: ReplaySource(c.parent), LeRobotVideoError, m("clip")),
    ("replay-text", lambda c: ReplaySource(c.parent / "x.txt"), ConfigError, m("x.txt")),
    ("replay-fps-0", lambda c: ReplaySource(c, fps=0), ConfigError, m("fps", 0)),
    ("replay-fps-neg", lambda c: ReplaySource(c, fps=-1), ConfigError, m("fps", -1)),
    ("replay-fps-nan", lambda c: ReplaySource(c, fps=math.nan), ConfigError, m("fps", "nan")),
    ("replay-fps-inf", lambda c: ReplaySource(c, fps=math.inf), ConfigError, m("fps", "inf")),
    ("replay-fps-str", lambda c: ReplaySource(c, fps="x"), ConfigError, m("fps", "x")),  # type: ignore[arg-type]
    ("replay-fps-bool", lambda c: ReplaySource(c, fps=True), ConfigError, m("fps", True)),
    ("replay-loop", lambda c: ReplaySource(c, loop="no"), ConfigError, m("loop", "no")),  # type: ignore[arg-type]
    ("replay-paced", lambda c: ReplaySource(c, paced=1), ConfigError, m("paced", 1)),  # type: ignore[arg-type]
    ("replay-clock", lambda c: ReplaySource(c, clock=3), ConfigError, m("clock", 3)),  # type: ignore[arg-type]
    ("replay-depth-int", lambda c: ReplaySource(c, 5), ConfigError, m("depth_path", 5)),  # type: ignore[arg-type]
    (
        "replay-depth-missing",
        lambda c: ReplaySource(c, c.parent / "d.npy"),
        LeRobotVideoError,
        m("d.npy"),
    ),
    ("opencv-neg", lambda c: OpenCVSource(-1), ConfigError, m("index", -1)),
    ("opencv-str", lambda c: OpenCVSource("0"), ConfigError, m("index", "0")),  # type: ignore[arg-type]
    ("opencv-bool", lambda c: OpenCVSource(True), ConfigError, m("index", True)),
    ("opencv-float", lambda c: OpenCVSource(1.5), ConfigError, m("index", 1.5)),  # type: ignore[arg-type]
    ("opencv-width", lambda c: OpenCVSource(width=0), ConfigError, m("width", 0)),
    ("opencv-height", lambda c: OpenCVSource(height=-1), ConfigError, m("height", -1)),
    ("opencv-fps-0", lambda c: OpenCVSource(fps=0), ConfigError, m("fps", 0)),
    ("opencv-fps-nan", lambda c: OpenCVSource(fps=math.nan), ConfigError, m("fps", "nan")),
    ("realsense-serial-empty", lambda c: RealSenseSource(""), ConfigError, m("serial", "''")),
    ("realsense-serial-int", lambda c: RealSenseSource(5), ConfigError, m("serial", 5)),  # type: ignore[arg-type]
    ("realsense-width", lambda c: RealSenseSource(width=0), ConfigError, m("width", 0)),
    ("realsense-height", lambda c: RealSenseSource(height=2.5), ConfigError, m("height", 2.5)),  # type: ignore[arg-type]
    ("realsense-fps-float", lambda c: RealSenseSource(fps=30.0), ConfigError, m("fps", 30.0)),  # type: ignore[arg-type]
    ("realsense-fps-0", lambda c: RealSenseSource(fps=0), ConfigError, m("fps", 0)),
    ("realsense-depth", lambda c: RealSenseSource(depth="no"), ConfigError, m("depth", "no")),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("make", "error", "match"), [pytest.param(f, e, mt, id=n) for n, f, e, mt in SOURCE_CASES]
)
def test_sources_refuse_bad_arguments(
    clip: Path, make: Callable[[Path], object], error: type[Exception], match: str
) -> None:
    (clip.parent / "x.txt").write_text("x")
    with pytest.raises(error, match=match):
        make(clip)


BROWSER_CASES: list[tuple[str, dict[str, Any], Any, str]] = [
    ("height-0", {"height": 0}, None, m("height", 0)),
    ("width-str", {"width": "64"}, None, m("width", "64")),
    ("fps-nan", {"fps": math.nan}, None, m("fps", "nan")),
    ("clock-int", {"clock": 3}, None, m("clock", 3)),
    ("push-none", {}, None, m("uint8")),
    ("push-gray", {}, np.zeros((48, 64), np.uint8), m("(48, 64)")),
    ("push-float", {}, np.zeros((48, 64, 3)), m("float64")),
    ("push-rgba", {}, np.zeros((48, 64, 4), np.uint8), m("(48, 64, 4)")),
    ("push-empty", {}, np.zeros((0, 0, 3), np.uint8), m("(0, 0, 3)")),
    ("push-list", {}, [[[0, 0, 0]]], m("int64")),
]


@pytest.mark.parametrize(
    ("overrides", "pushed", "match"),
    [pytest.param(o, p, mt, id=n) for n, o, p, mt in BROWSER_CASES],
)
def test_browser_source_refuses_bad_input(
    overrides: dict[str, Any], pushed: Any, match: str
) -> None:
    arguments: dict[str, Any] = {"height": 48, "width": 64, **overrides}
    with pytest.raises(ConfigError, match=match):
        BrowserSource(**arguments).push(pushed)


RESUME_ARGUMENTS: list[tuple[str, dict[str, Any], str]] = [
    ("rgb-str", {"rgb_encoder": "h264"}, m("rgb_encoder", "'h264'")),
    ("rgb-depth", {"rgb_encoder": DepthEncoderConfig()}, m("rgb_encoder")),
    ("depth-str", {"depth_encoder": "hevc"}, m("depth_encoder", "'hevc'")),
    ("streaming-str", {"streaming_encoding": "no"}, m("streaming_encoding", "'no'")),
    ("realtime-int", {"realtime": 1}, m("realtime", 1)),
    ("queue-0", {"encoder_queue_maxsize": 0}, m("encoder_queue_maxsize", 0)),
    ("queue-none", {"encoder_queue_maxsize": None}, m("encoder_queue_maxsize", None)),
    ("other-codec", {"rgb_encoder": RGBEncoderConfig(vcodec="libsvtav1")}, m(CAM, "video.codec")),
]


@pytest.mark.parametrize(
    ("arguments", "match"), [pytest.param(a, mt, id=n) for n, a, mt in RESUME_ARGUMENTS]
)
def test_resume_refuses_bad_arguments_untouched(
    copy: Path, tmp_path: Path, arguments: dict[str, Any], match: str
) -> None:
    before = hashes(tmp_path)
    with pytest.raises(ConfigError, match=match):
        resume_dataset(copy, **arguments)
    assert hashes(tmp_path) == before


@pytest.mark.parametrize(
    ("source_arg", "camera", "match"),
    [
        (None, "front", m("source", None)),
        ("cam", "front", m("source", "cam")),
        ("clip", 5, m("Camera name", 5)),
        ("clip", None, m("Camera name", None)),
        ("clip", "", m("Camera name", "''")),
        ("clip", "a b", m("Camera name", "'a b'")),
        ("clip", "a/b", m("Camera name", "'a/b'")),
    ],
)
def test_camera_features_refuses_bad_arguments(
    clip: Path, source_arg: Any, camera: Any, match: str
) -> None:
    from lerobot_video import camera_features

    source = ReplaySource(clip) if source_arg == "clip" else source_arg
    with pytest.raises(ConfigError, match=match):
        camera_features(source, camera=camera)


def _recorder_cases() -> list[tuple[str, dict[str, Any], str]]:
    return [
        ("source-none", {"source": None}, m("source", None)),
        ("source-str", {"source": "camera"}, m("source", "camera")),
        ("writer-none", {"writer": None}, m("writer", None)),
        ("writer-str", {"writer": "dataset"}, m("writer", "dataset")),
        ("task-empty", {"task": ""}, m("task", "''")),
        ("task-blank", {"task": "   "}, m("task")),
        ("task-none", {"task": None}, m("task", None)),
        ("task-int", {"task": 5}, m("task", 5)),
        ("camera-empty", {"camera": ""}, m("camera", "''")),
        ("camera-int", {"camera": 5}, m("camera", 5)),
        ("camera-other", {"camera": "wrist"}, m("features")),
        ("fps-0", {"fps": 0}, m("fps", 0)),
        ("fps-str", {"fps": "x"}, m("fps", "x")),
        ("fps-nan", {"fps": math.nan}, m("fps", "nan")),
        ("fps-neg", {"fps": -10}, m("fps", -10)),
    ]


@pytest.mark.parametrize(
    ("overrides", "match"), [pytest.param(o, mt, id=n) for n, o, mt in _recorder_cases()]
)
def test_recorder_refuses_bad_arguments(
    clip: Path, tmp_path: Path, overrides: dict[str, Any], match: str
) -> None:
    from lerobot_video import camera_features

    source = ReplaySource(clip, paced=False)
    features = camera_features(source, camera="front")
    with create_dataset(tmp_path / "r", fps=10, features=features) as writer:
        arguments: dict[str, Any] = {
            "source": source,
            "writer": writer,
            "task": "t",
            "camera": "front",
            **overrides,
        }
        before = hashes(tmp_path)
        with pytest.raises(ConfigError, match=match):
            Recorder(**arguments)
        assert hashes(tmp_path) == before


def test_symlinked_files_outside_the_root_still_read(copy: Path, tmp_path: Path) -> None:
    """Only the paths built from metadata must stay inside; a Hugging Face cache links
    every file into ``blobs/``, so symlinks to elsewhere are fine."""
    blob = tmp_path / "outside" / "blob.mp4"
    shutil.move(copy / CAM_MP4, blob)
    (copy / CAM_MP4).symlink_to(blob)
    assert open_dataset(copy).frames(CAM, 1, [0]).shape == (1, 48, 64, 3)
