"""The encoding report (``lerobot_video/dataset/report.py``), checked on datasets of known settings.

Covers: the pure-Python MP4 index against PyAV's demuxer (pts, sizes, keyframe flags) for
AV1, H.264 with B-frames, lossless 12-bit HEVC and the LeRobot-written fixture; the keyframe
interval measured for g=2 and g=5; B-frames flagged as reordering; ``info.json`` lying about
``video.g``, ``video.fps`` and ``video.codec``; an episode whose ``to_timestamp`` is past its
video and one starting off a keyframe; the depth quantizer and its step sizes; bitrate and
bytes per frame against PyAV's packet sizes; frame counts; a truncated file; no episodes.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lerobot_video import (
    DepthEncoderConfig,
    DepthQuantization,
    FeatureReport,
    MediaError,
    RGBEncoderConfig,
    create_dataset,
    encoding_report,
)
from lerobot_video.codec.mp4_index import read_sample_index

from .dataset_fakes import LEROBOT_ROOT

FPS = 30
LENGTHS = [12, 9]  # episode 1 starts at frame 12 of each file
CAM, DEPTH = "cam", "depth"


def make_dataset(
    root: Path,
    *,
    rgb: RGBEncoderConfig | None = None,
    depth: DepthEncoderConfig | None = None,
    with_depth: bool = False,
) -> Path:
    """Two episodes (12 and 9 frames) of a moving 48x64 ramp, plus a depth camera if asked."""
    shape = {"names": ["height", "width", "channels"], "dtype": "video"}
    features: dict[str, dict[str, Any]] = {CAM: {**shape, "shape": (48, 64, 3)}}
    if with_depth:
        features[DEPTH] = {**shape, "shape": (48, 64, 1), "info": {"is_depth_map": True}}
    writer = create_dataset(root, fps=FPS, features=features, rgb_encoder=rgb, depth_encoder=depth)
    y, x = np.mgrid[0:48, 0:64]
    i = 0
    for length in LENGTHS:
        for _ in range(length):
            red, green = (x * 4 + i * 3) % 256, (y * 5 + i) % 256
            rgb_frame = np.stack([red, green, np.full_like(x, i * 7 % 256)], -1).astype(np.uint8)
            frame: dict[str, Any] = {CAM: rgb_frame, "task": "reach"}
            if with_depth:
                frame[DEPTH] = (500 + 10 * x + i).astype(np.uint16)[..., None]  # millimetres
            writer.add_frame(frame)
            i += 1
        writer.save_episode()
    writer.finalize()
    return root


@pytest.fixture(scope="session")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Datasets of known settings, made once: g=2 AV1 (+ depth), g=5 AV1, H.264 with B-frames."""
    base = tmp_path_factory.mktemp("report")
    bframes = RGBEncoderConfig(vcodec="h264", g=8, extra_options={"bf": 2})
    return {
        "g2": make_dataset(base / "g2", with_depth=True),
        "g5": make_dataset(base / "g5", rgb=RGBEncoderConfig(g=5)),
        "bframes": make_dataset(base / "bframes", rgb=bframes),
        "linear_depth": make_dataset(
            base / "linear", depth=DepthEncoderConfig(depth_max=5.0, use_log=False), with_depth=True
        ),
    }


def feature(root: Path, key: str = CAM) -> FeatureReport:
    return next(f for f in encoding_report(root).features if f.key == key)


def copy_of(root: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(root, tmp_path / root.name))


def edit_info(root: Path, key: str, field: str, value: object) -> None:
    path = root / "meta" / "info.json"
    info = json.loads(path.read_text())
    info["features"][key]["info"][field] = value
    path.write_text(json.dumps(info, indent=4))


def edit_episode(root: Path, column: str, episode: int, change: Callable[[float], float]) -> None:
    path = root / "meta" / "episodes" / "chunk-000" / "file-000.parquet"
    table = pq.read_table(path)
    values = table[column].to_pylist()
    values[episode] = change(values[episode])
    index = table.schema.get_field_index(column)
    column_type = table.schema.field(column).type
    pq.write_table(table.set_column(index, column, pa.array(values, type=column_type)), path)


def pyav_packets(path: Path) -> list[tuple[int, int, bool, int]]:
    """(pts, size, is_keyframe, byte offset) of every packet, in decode order, as PyAV demuxes."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [
            (p.pts, p.size, p.is_keyframe, p.pos or 0)
            for p in container.demux(stream)
            if p.pts is not None
        ]


class TestIndexMatchesPyAV:
    @pytest.mark.parametrize(
        ("name", "key"),
        [("g2", CAM), ("g2", DEPTH), ("g5", CAM), ("bframes", CAM), ("lerobot", None)],
    )
    def test_pts_sizes_and_keyframes_equal_the_demuxers(
        self, datasets: dict[str, Path], name: str, key: str | None
    ) -> None:
        if key is None:
            paths = sorted((LEROBOT_ROOT / "videos").rglob("*.mp4"))
        else:
            paths = sorted((datasets[name] / "videos" / key).rglob("*.mp4"))
        assert paths
        for path in paths:
            indexed = read_sample_index(path)
            packets = pyav_packets(path)
            assert indexed.pts.tolist() == [p[0] for p in packets]
            assert indexed.sizes.tolist() == [p[1] for p in packets]
            assert indexed.keyframes.tolist() == [i for i, p in enumerate(packets) if p[2]]
            assert indexed.offsets.tolist() == [p[3] for p in packets]
            assert indexed.frames_in_file == len(packets)
            with path.open("rb") as file:  # a file object gives the same index
                assert read_sample_index(file).offsets.tolist() == indexed.offsets.tolist()


class TestKeyframeInterval:
    def test_g2_gives_two_frames_everywhere(self, datasets: dict[str, Path]) -> None:
        report = feature(datasets["g2"])
        assert report.g_declared == 2
        assert report.keyframe_interval_frames == (2, 2, 2)
        assert report.episodes_off_keyframe == ()
        assert not [f for f in report.findings if f.field == "video.g"]

    def test_g5_gives_five_and_a_short_gop_where_episode_0_ends(
        self, datasets: dict[str, Path]
    ) -> None:
        # Keyframes at frames 0, 5, 10 (episode 0, 12 frames), then 12 and 17 (episode 1).
        report = feature(datasets["g5"])
        assert report.g_declared == 5
        assert report.keyframe_interval_frames == (2, 5, 5)
        assert not [f for f in report.findings if f.field == "video.g"]

    def test_info_saying_g10_for_g2_files_is_a_warning(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        root = copy_of(datasets["g2"], tmp_path)
        edit_info(root, CAM, "video.g", 10)
        [finding] = [f for f in feature(root).findings if f.field == "video.g"]
        assert finding.severity == "warning"
        assert finding.feature == CAM
        assert "'video.g' says 10" in finding.message
        assert "2 to 2 frames apart" in finding.message
        assert str(finding.path) in finding.message
        assert finding.path.is_relative_to(root)


class TestReordering:
    def test_h264_with_bframes_is_reordered_and_unsafe_for_seeking(
        self, datasets: dict[str, Path]
    ) -> None:
        report = feature(datasets["bframes"])
        assert (report.video.codec, report.video.profile) == ("h264", "High")
        assert report.has_reordering
        assert not report.random_access_safe
        [finding] = [f for f in report.findings if f.field == "frame order"]
        assert finding.severity == "warning"
        assert "B-frames" in finding.message
        # B-frames shift presentation against decode order, not the keyframe spacing.
        assert report.keyframe_interval_frames is not None
        assert report.keyframe_interval_frames[2] == 8

    def test_av1_at_lerobot_defaults_is_in_order(self, datasets: dict[str, Path]) -> None:
        report = feature(datasets["g2"])
        assert not report.has_reordering
        assert report.random_access_safe


class TestEpisodes:
    def test_to_timestamp_past_the_video_is_an_error(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        root = copy_of(datasets["g2"], tmp_path)
        edit_episode(root, f"videos/{CAM}/to_timestamp", 1, lambda seconds: seconds + 1.0)
        dataset = encoding_report(root)
        report = next(f for f in dataset.features if f.key == CAM)
        assert report.episodes_outside_video == (1,)
        [finding] = [f for f in report.findings if f.severity == "error"]
        assert finding.field == f"videos/{CAM}/to_timestamp"
        assert "episode 1 spans [0.4000, 1.7000) s" in finding.message
        assert "holds [0.0000, 0.7000) s" in finding.message
        assert dataset.findings[0] == finding  # errors come first
        assert feature(root, DEPTH).episodes_outside_video == ()

    def test_from_timestamp_off_a_keyframe_is_a_warning(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        # g=5 keyframes are at frames 12 and 17 of episode 1; frame 13 is not one.
        root = copy_of(datasets["g5"], tmp_path)
        edit_episode(root, f"videos/{CAM}/from_timestamp", 1, lambda seconds: seconds + 1 / FPS)
        report = feature(root)
        assert report.episodes_off_keyframe == (1,)
        assert report.episodes_outside_video == ()
        [finding] = [f for f in report.findings if f.field == f"videos/{CAM}/from_timestamp"]
        assert finding.severity == "warning"
        assert "episodes [1]" in finding.message


class TestFrameCounts:
    def test_info_lying_about_total_frames_is_a_dataset_warning(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        root = copy_of(datasets["g2"], tmp_path)
        info_path = root / "meta" / "info.json"
        info = json.loads(info_path.read_text())
        info["total_frames"] = sum(LENGTHS) + 5
        info_path.write_text(json.dumps(info, indent=4))
        report = encoding_report(root)
        [finding] = report.dataset_findings
        assert (finding.severity, finding.field, finding.feature) == ("warning", "total_frames", "")
        assert f"says total_frames {sum(LENGTHS) + 5} but its episodes hold {sum(LENGTHS)}" in (
            finding.message
        )
        assert finding in report.findings
        assert encoding_report(datasets["g2"]).dataset_findings == ()

    def test_episode_length_other_than_its_video_frames_is_an_error(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        root = copy_of(datasets["g5"], tmp_path)
        # Episode 1 claims one frame fewer than its [from, to) span shows.
        edit_episode(root, "videos/cam/to_timestamp", 1, lambda t: t - 1 / FPS)
        [finding] = [f for f in feature(root).findings if f.field == "length"]
        assert finding.severity == "error"
        assert f"episodes 1 ({LENGTHS[1] - 1} frames, length {LENGTHS[1]})" in finding.message
        assert not [f for f in feature(datasets["g5"]).findings if f.field == "length"]


class TestStreamFacts:
    def test_frame_rate_counts_and_bitrate(self, datasets: dict[str, Path]) -> None:
        report = feature(datasets["g2"])
        [path] = report.files
        assert report.fps_measured == pytest.approx(FPS)
        assert report.fps_declared == FPS
        assert report.num_frames_from_header == report.num_frames_from_content == sum(LENGTHS)
        sizes = [size for _, size, _, _ in pyav_packets(path)]
        duration_seconds = sum(LENGTHS) / FPS
        assert report.bitrate_bits_per_second == pytest.approx(8 * sum(sizes) / duration_seconds)
        assert report.mean_frame_bytes == pytest.approx(sum(sizes) / len(sizes))
        # The payload is most of a file; the rest is the MP4 index and headers (about 1 KB).
        file_rate = 8 * path.stat().st_size / duration_seconds
        assert 0.5 * file_rate < report.bitrate_bits_per_second < file_rate

    def test_rgb_pixel_format_bit_depth_and_browser(self, datasets: dict[str, Path]) -> None:
        report = feature(datasets["g2"])
        assert (report.video.codec, report.video.pix_fmt, report.bit_depth) == (
            "av1",
            "yuv420p",
            8,
        )
        assert (report.video.width, report.video.height) == (64, 48)
        assert report.browser.plays_in_browsers
        assert report.quantization is None
        assert report.depth_step_mm is None

    def test_info_lying_about_fps_and_codec(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        root = copy_of(datasets["g5"], tmp_path)
        edit_info(root, CAM, "video.fps", 15)
        edit_info(root, CAM, "video.codec", "hevc")
        by_field = {f.field: f for f in feature(root).findings}
        assert by_field["video.fps"].severity == "error"
        assert (
            "plays 30.000 fps but info.json 'video.fps' says 15." in by_field["video.fps"].message
        )
        assert by_field["video.codec"].severity == "warning"
        assert "has codec 'av1'" in by_field["video.codec"].message

    def test_video_cut_inside_its_index_is_refused_naming_the_file(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        root = copy_of(datasets["g2"], tmp_path)
        [path] = (root / "videos" / CAM).rglob("*.mp4")
        path.write_bytes(path.read_bytes()[:600])  # this writer puts the index first
        with pytest.raises(MediaError, match="cannot be indexed") as caught:
            encoding_report(root)
        assert str(path) in str(caught.value)

    def test_missing_video_is_refused_naming_the_file(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        root = copy_of(datasets["g2"], tmp_path)
        [path] = (root / "videos" / DEPTH).rglob("*.mp4")
        path.unlink()
        with pytest.raises(MediaError, match=r"Cannot open .*No such file") as caught:
            encoding_report(root)
        assert str(path) in str(caught.value)

    def test_video_cut_in_its_frames_is_a_frame_count_error(
        self, datasets: dict[str, Path], tmp_path: Path
    ) -> None:
        root = copy_of(datasets["g2"], tmp_path)
        [path] = (root / "videos" / CAM).rglob("*.mp4")
        path.write_bytes(path.read_bytes()[:-700])  # the last frames' bytes
        report = feature(root)
        assert report.num_frames_from_header == sum(LENGTHS)
        assert report.num_frames_from_content < sum(LENGTHS)
        [finding] = [f for f in report.findings if f.field == "num_frames"]
        assert finding.severity == "error"
        assert f"header lists {sum(LENGTHS)} frames but" in finding.message
        assert str(path) in finding.message

    def test_dataset_without_episodes_has_no_features(self, tmp_path: Path) -> None:
        features = {CAM: {"dtype": "video", "shape": (48, 64, 3), "names": None}}
        create_dataset(tmp_path / "empty", fps=FPS, features=features).finalize()
        report = encoding_report(tmp_path / "empty")
        assert (report.num_episodes, report.features, report.findings) == (0, (), ())


class TestDepth:
    def test_log_quantizer_and_steps(self, datasets: dict[str, Path]) -> None:
        report = feature(datasets["g2"], DEPTH)
        assert report.quantization == DepthQuantization()  # LeRobot's defaults
        assert (report.video.codec, report.video.pix_fmt, report.bit_depth) == (
            "hevc",
            "gray12le",
            12,
        )
        assert not report.browser.plays_in_browsers
        # Written out from SPEC 3.1: neighbouring codes differ by exp(k) in depth + shift.
        k = math.log((10.0 + 3.5) / (0.01 + 3.5)) / 4095
        expected_mm = [(d + 3.5) * math.expm1(k) * 1000 for d in (0.01, 1.0, 10.0)]
        assert report.depth_step_mm == pytest.approx(expected_mm)
        assert report.depth_step_mm == pytest.approx((1.155, 1.481, 4.442), abs=1e-3)

    def test_linear_quantizer_has_one_step(self, datasets: dict[str, Path]) -> None:
        report = feature(datasets["linear_depth"], DEPTH)
        assert report.quantization == DepthQuantization(depth_max=5.0, use_log=False)
        assert report.depth_step_mm == pytest.approx([(5.0 - 0.01) / 4095 * 1000] * 3)


class TestLeRobotFixture:
    def test_lerobot_written_dataset(self) -> None:
        report = encoding_report(LEROBOT_ROOT)
        cam, depth = (
            next(f for f in report.features if f.key.endswith(k)) for k in ("cam", "depth")
        )
        assert (cam.video.codec, cam.video.pix_fmt, cam.g_declared) == ("av1", "yuv420p", 2)
        assert cam.keyframe_interval_frames == (2, 2, 2)
        assert cam.findings == ()
        # LeRobot's lossless HEVC depth (x265 defaults) has B-frames; the report says so.
        assert depth.has_reordering
        assert [f.field for f in depth.findings] == ["frame order", "video.codec"]
        assert depth.quantization == DepthQuantization(
            depth_min=0.01, depth_max=10.0, shift=3.5, use_log=True
        )
        for one in (cam, depth):
            assert one.num_frames_from_content == one.num_frames_from_header == 13
            assert one.episodes_off_keyframe == one.episodes_outside_video == ()
