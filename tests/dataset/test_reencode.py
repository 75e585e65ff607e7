"""``reencode_dataset`` on a recorded 20-episode dataset and on LeRobot's image fixture.

AV1 -> H.264 -> AV1 and images -> video: every episode's frames equal a direct encode of the
source frames, timestamps resolve, data and tasks are kept, camera stats come from the new
frames, the source is untouched; a run SIGKILLed midway resumes without redoing finished
files; bad input is refused before anything is written. (LeRobot 0.6.1 loading the results:
``tests/fixtures/lerobot_dataset/check_reencoded.py``; Ray: ``tests/test_executor_ray.py``.)
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pyarrow.parquet as pq
import pytest
from av.video.frame import PictureType
from file_digest import digest

from lerobot_video import (
    ConfigError,
    DatasetReader,
    DepthEncoderConfig,
    InlineExecutor,
    LocalExecutor,
    MetadataError,
    ReencodeResult,
    RGBEncoderConfig,
    codec_options,
    decode_all_frames,
    encode_video,
    open_dataset,
    reencode_dataset,
)

sys.path.insert(0, str(Path(__file__).parent))
from reencode_source import DEPTH_KEY, EPISODES, RGB_KEY, record_dataset

HERE = Path(__file__).parent
IMAGES = HERE.parent / "fixtures" / "lerobot_dataset" / "images"
IMAGES_FED = HERE.parent / "fixtures" / "lerobot_dataset" / "images_fed.npz"
H264 = RGBEncoderConfig(vcodec="h264")
AV1 = RGBEncoderConfig(vcodec="libsvtav1", g=4, crf=35)
THREADS = 2  # fixed, so a direct encode in this process gives the same bytes as a worker's


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = record_dataset(tmp_path_factory.mktemp("reencode") / "recorded")
    return root, digest(root)


@pytest.fixture(scope="module")
def to_h264(source: tuple[Path, dict[str, str]]) -> ReencodeResult:
    calls: list[tuple[int, int]] = []
    result = reencode_dataset(
        source[0], source[0].parent / "h264", rgb_encoder=H264, executor=LocalExecutor(2),
        encoder_threads=THREADS, progress=lambda done, total: calls.append((done, total)),
    )  # fmt: skip
    total = len(result.files)
    assert calls == [(n, total) for n in range(total + 1)]
    return result


@pytest.fixture(scope="module")
def back_to_av1(to_h264: ReencodeResult) -> ReencodeResult:
    return reencode_dataset(
        to_h264.root, to_h264.root.parent / "av1", rgb_encoder=AV1, encoder_threads=THREADS
    )


def _psnr(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> float:
    return float(10 * np.log10(255.0**2 / np.mean((a.astype(float) - b.astype(float)) ** 2)))


def _direct(frames: npt.NDArray[np.uint8], fps: int, config: RGBEncoderConfig, path: Path) -> Any:
    encode_video(frames, path, fps=fps, config=config, encoder_threads=THREADS)
    return decode_all_frames(path)[0]


def _direct_transcode(source: Path, config: RGBEncoderConfig, path: Path) -> Any:
    """Every picture of ``source`` encoded straight with PyAV and ``config``'s FFmpeg options
    (an encoder of the test's own, not the library's), then decoded."""
    with av.open(str(source)) as given, av.open(str(path), "w") as made:
        rate = given.streams.video[0].average_rate
        assert rate is not None
        stream: Any = made.add_stream(
            "libx264" if config.vcodec == "h264" else config.vcodec, rate=rate,
            options=codec_options(config, encoder_threads=THREADS),
        )  # fmt: skip
        for n, frame in enumerate(given.decode(video=0)):
            if n == 0:
                stream.width, stream.height, stream.pix_fmt = frame.width, frame.height, "yuv420p"
                stream.time_base = 1 / rate
            frame.pts, frame.time_base, frame.pict_type = n, 1 / rate, PictureType.NONE
            made.mux(stream.encode(frame))
        made.mux(stream.encode(None))
    return decode_all_frames(path)[0]


def _assert_like_direct_encodes(
    before: DatasetReader, after: DatasetReader, config: RGBEncoderConfig, scratch: Path
) -> None:
    """Per new file: the source file's pictures encoded directly decode to the same frames,
    and each episode's frames read from the new dataset are its slice of them."""
    files: dict[tuple[int, int], list[int]] = {}
    for episode in after.episodes:
        segment = episode.videos[RGB_KEY]
        files.setdefault((segment.chunk_index, segment.file_index), []).append(
            episode.episode_index
        )
    for (chunk, file), episodes in files.items():
        source = before.video_path(RGB_KEY, episodes[0])
        assert all(before.video_path(RGB_KEY, e) == source for e in episodes)
        direct = _direct_transcode(source, config, scratch / f"direct-{chunk}-{file}.mp4")
        start = 0
        for e in episodes:
            length = after.episodes[e].length
            assert np.array_equal(after.frames(RGB_KEY, e), direct[start : start + length])
            start += length
        assert start == len(direct)


def test_av1_to_h264_frames_equal_a_direct_encode(
    source: tuple[Path, dict[str, str]], to_h264: ReencodeResult, tmp_path: Path
) -> None:
    before, after = open_dataset(source[0]), open_dataset(to_h264.root)
    assert (after.num_episodes, after.num_frames) == (EPISODES, before.num_frames)
    assert after.features[RGB_KEY]["info"]["video.codec"] == "h264"
    assert after.features[DEPTH_KEY]["info"]["video.codec"] == "hevc"
    assert before.features[RGB_KEY]["info"]["video.codec"] == "av1"
    _assert_like_direct_encodes(before, after, H264, tmp_path)
    # Depth already had the target settings (LeRobot's default): copied, not encoded again.
    depth_files = [f for f in to_h264.files if f.key == DEPTH_KEY]
    assert all(f.copied for f in depth_files)
    assert to_h264.copied_files == len(depth_files) > 1
    assert not any(f.copied for f in to_h264.files if f.key == RGB_KEY)
    for path in (source[0] / "videos" / DEPTH_KEY).rglob("*.mp4"):
        relative = path.relative_to(source[0])
        assert (to_h264.root / relative).read_bytes() == path.read_bytes()
    for e in range(EPISODES):
        assert np.array_equal(after.depth_codes(DEPTH_KEY, e), before.depth_codes(DEPTH_KEY, e))
    assert to_h264.fidelity[DEPTH_KEY] == pytest.approx(0.0, abs=1e-3)
    worst = min(
        _psnr(before.frames(RGB_KEY, e, [m]), after.frames(RGB_KEY, e, [m]))
        for e in range(EPISODES)
        for m in [before.episodes[e].length // 2]
    )
    assert to_h264.fidelity[RGB_KEY] == pytest.approx(worst)  # dB, worst middle frame
    assert to_h264.reused_files == 0
    assert to_h264.frames_per_second > 0
    assert len(to_h264.files) == len({(f.key, f.chunk_index, f.file_index) for f in to_h264.files})


def test_and_back_to_av1(
    to_h264: ReencodeResult, back_to_av1: ReencodeResult, tmp_path: Path
) -> None:
    h264, av1 = open_dataset(to_h264.root), open_dataset(back_to_av1.root)
    assert av1.features[RGB_KEY]["info"]["video.codec"] == "av1"
    assert av1.features[RGB_KEY]["info"]["video.g"] == 4
    _assert_like_direct_encodes(h264, av1, AV1, tmp_path)


def test_rows_tasks_layout_and_stats_are_kept(
    source: tuple[Path, dict[str, str]], to_h264: ReencodeResult
) -> None:
    before, after = open_dataset(source[0]), open_dataset(to_h264.root)
    assert after.tasks == before.tasks
    for e in range(EPISODES):
        old, new = before.episode_columns(e), after.episode_columns(e)
        assert old.keys() == new.keys()
        assert all(np.array_equal(old[k], new[k]) for k in old)
        new_segment, old_segment = (
            after.episodes[e].videos[RGB_KEY],
            before.episodes[e].videos[RGB_KEY],
        )
        assert new_segment.file_index == old_segment.file_index
        assert new_segment.chunk_index == old_segment.chunk_index
        assert new_segment.from_seconds == pytest.approx(old_segment.from_seconds, abs=1e-9)
        assert new_segment.to_seconds == pytest.approx(old_segment.to_seconds, abs=1e-9)
    old_files = {p.relative_to(source[0]) for p in source[0].rglob("*.mp4")}
    assert {p.relative_to(to_h264.root) for p in to_h264.root.rglob("*.mp4")} == old_files
    assert not list(to_h264.root.rglob(".*"))  # no work markers or partial files left
    # RGB stats stay the source's (they describe the recorded frames; LeRobot keeps them too).
    episodes_file = "meta/episodes/chunk-000/file-000.parquet"
    new_rows = pq.read_table(to_h264.root / episodes_file).to_pylist()
    old_rows = pq.read_table(source[0] / episodes_file).to_pylist()
    stat_columns = [c for c in old_rows[0] if c.startswith("stats/")]
    assert {c.split("/")[1] for c in stat_columns} >= {RGB_KEY, DEPTH_KEY}
    assert [[r[c] for c in stat_columns] for r in new_rows] == [
        [r[c] for c in stat_columns] for r in old_rows
    ]
    stats = "meta/stats.json"
    assert json.loads((to_h264.root / stats).read_text()) == json.loads(
        (source[0] / stats).read_text()
    )


def test_the_source_is_untouched(
    source: tuple[Path, dict[str, str]], to_h264: ReencodeResult, back_to_av1: ReencodeResult
) -> None:
    assert digest(source[0]) == source[1]
    assert to_h264.root.is_dir()
    assert back_to_av1.root.is_dir()


def test_an_image_dataset_becomes_video(tmp_path: Path) -> None:
    copy = tmp_path / "images"
    shutil.copytree(IMAGES, copy)
    hashes = digest(copy)
    result = reencode_dataset(copy, tmp_path / "video", rgb_encoder=H264, encoder_threads=THREADS,
                              executor=InlineExecutor())  # fmt: skip
    assert digest(copy) == hashes
    made = open_dataset(result.root)
    info = json.loads((result.root / "meta/info.json").read_text())
    assert info["video_path"]
    assert info["features"]["observation.images.cam"]["dtype"] == "video"
    assert made.video_keys == ["observation.images.cam"]
    data = pq.read_table(result.root / "data/chunk-000/file-000.parquet")
    assert "observation.images.cam" not in data.column_names
    with np.load(IMAGES_FED) as fed:
        rgb, lengths, state = fed["rgb"], fed["episode_lengths"], fed["state"]
    direct = _direct(rgb, made.fps, H264, tmp_path / "direct.mp4")
    start = 0
    for e, length in enumerate(lengths):
        assert np.array_equal(
            made.frames("observation.images.cam", e), direct[start : start + length]
        )
        assert np.array_equal(
            made.episode_columns(e)["observation.state"], state[start : start + length]
        )
        start += int(length)
    assert result.source_bytes > 0
    assert result.output_bytes > 0
    # The camera's stats stay those LeRobot computed from the images (the frames encoded).
    stats = "meta/stats.json"
    assert json.loads((result.root / stats).read_text()) == json.loads((IMAGES / stats).read_text())


def test_a_run_killed_midway_resumes_without_redoing_finished_files(
    source: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    output = tmp_path / "resumed"
    child = subprocess.Popen(
        [sys.executable, str(HERE / "reencode_child.py"), str(source[0]), str(output)],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    assert child.stdout is not None
    total = 0
    for line in child.stdout:
        done, total = map(int, line.split()[1:])
        if done >= 6:
            os.killpg(child.pid, signal.SIGKILL)
            break
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert not output.exists()
    work = tmp_path / ".resumed.reencoding"
    markers = sorted((work / ".reencode").glob("*.json"))
    finished = {
        m: (work / _video_of(m)).stat().st_mtime_ns for m in markers if m.name != "job.json"
    }
    assert 6 <= len(finished) < total
    result = reencode_dataset(source[0], output, rgb_encoder=H264, encoder_threads=THREADS)
    assert result.reused_files == len(finished)
    assert not work.exists()
    for marker, mtime in finished.items():
        assert (output / _video_of(marker)).stat().st_mtime_ns == mtime  # not encoded again
    straight = reencode_dataset(
        source[0], tmp_path / "straight", rgb_encoder=H264, encoder_threads=THREADS
    )
    assert digest(output) == digest(straight.root)
    assert digest(source[0]) == source[1]


def _video_of(marker: Path) -> str:
    key, chunk, file = marker.stem.rsplit(".", 2)
    return f"videos/{key}/chunk-{int(chunk):03d}/file-{int(file):03d}.mp4"


def test_depth_with_other_settings_is_requantized(
    source: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    linear = DepthEncoderConfig(use_log=False, depth_max=5.0)
    result = reencode_dataset(source[0], tmp_path / "linear", rgb_encoder=H264,
                              depth_encoder=linear, encoder_threads=THREADS)  # fmt: skip
    before, after = open_dataset(source[0]), open_dataset(result.root)
    assert after.features[DEPTH_KEY]["info"]["video.use_log"] is False
    assert after.features[DEPTH_KEY]["info"]["video.depth_max"] == 5.0
    assert not any(f.copied for f in result.files)
    worst = 0.0
    for e in range(EPISODES):
        old, new = (
            before.frames(DEPTH_KEY, e, depth_output_unit="m"),
            after.frames(DEPTH_KEY, e, depth_output_unit="m"),
        )
        inside = old < 5.0  # beyond depth_max the new quantizer clips
        assert np.all(new[~inside] == pytest.approx(5.0))
        step = (5.0 - linear.depth_min) / 4095  # one linear code, m
        worst = max(worst, float(np.max(np.abs(old[inside] - new[inside]))))
        assert worst <= step / 2 + 1e-6
    assert result.fidelity[DEPTH_KEY] > 0  # mm, the middle frames' largest error
    # Stats describe the recorded depth (LeRobot measures them before quantizing): kept.
    stats = "meta/stats.json"
    assert json.loads((result.root / stats).read_text()) == json.loads(
        (source[0] / stats).read_text()
    )


def test_a_stale_work_folder_of_other_settings_is_started_over(
    source: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    work = tmp_path / ".out.reencoding"
    (work / ".reencode").mkdir(parents=True)
    (work / ".reencode" / "job.json").write_text(json.dumps({"version": 1, "other": True}))
    (work / "videos").mkdir()
    (work / "videos" / "stray.mp4").write_bytes(b"not ours any more")
    result = reencode_dataset(source[0], tmp_path / "out", encoder_threads=THREADS)
    assert result.reused_files == 0
    assert not (result.root / "videos" / "stray.mp4").exists()


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ("exists", ConfigError, "already exists"),
        ("inside", ConfigError, "inside one another"),
        ("not a dataset", MetadataError, "info.json"),
        ("rgb config", ConfigError, "rgb_encoder must be an RGBEncoderConfig"),
        ("depth config", ConfigError, "depth_encoder must be a DepthEncoderConfig"),
        ("executor", ConfigError, "executor must be an Executor"),
    ],
)
def test_bad_input_is_refused_before_anything_is_written(
    source: tuple[Path, dict[str, str]], tmp_path: Path, change: str, error: type, message: str
) -> None:
    root, output = source[0], tmp_path / "out"
    kwargs: dict[str, Any] = {}
    if change == "exists":
        output.mkdir()
    elif change == "inside":
        output = root / "nested"
    elif change == "not a dataset":
        root = tmp_path / "empty"
        root.mkdir()
    elif change == "rgb config":
        kwargs["rgb_encoder"] = {"vcodec": "h264"}
    elif change == "depth config":
        kwargs["depth_encoder"] = H264
    else:
        kwargs["executor"] = "ray"
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(error, match=message):
        reencode_dataset(root, output, **kwargs)
    assert sorted(tmp_path.rglob("*")) == before
    assert digest(source[0]) == source[1]
