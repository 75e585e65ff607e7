"""Encoder comparison (``lerobot_video.study.compare``) on a tiny synthetic clip.

Covers:
- ``compare_encodings`` with two configs (H.264 and ``auto``) on 8 frames of 64x48: one
  report per config in order, ``auto`` resolved in the report, sizes equal to the files on
  disk and to the PNG baseline ratio, quality equal to scoring the decoded file, the info
  block equal to probing the file, browser verdicts and previews, progress steps;
- ``compare_frame``: decoded frames equal random-access decoding, PSNR taken from the report,
  heatmaps of the frame size; a frame outside the clip refused;
- bad inputs refused before anything is written: counts, duplicate labels, frames that are
  not (N, H, W, 3) uint8, ``samples``, a depth config, a config this build refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import (
    ConfigError,
    DepthEncoderConfig,
    FrameIndexError,
    RGBEncoderConfig,
    compare_encodings,
    compare_frame,
    compute_quality,
    decode_all_frames,
    decode_frames,
    feature_info,
    probe_video,
    resolve_auto_codec,
)
from lerobot_video.study.compare import ComparisonReport

FPS = 10
MakeFrames = Callable[..., npt.NDArray[np.uint8]]
CONFIGS = [
    ("H.264 crf 23", RGBEncoderConfig(vcodec="h264", crf=23)),
    ("auto", RGBEncoderConfig(vcodec="auto", crf=35)),
]


@pytest.fixture(scope="module")
def frames(make_frames: MakeFrames) -> npt.NDArray[np.uint8]:
    return make_frames(8, 48, 64, "moving")


@pytest.fixture(scope="module")
def compared(
    frames: npt.NDArray[np.uint8], tmp_path_factory: pytest.TempPathFactory
) -> tuple[ComparisonReport, list[tuple[int, int]]]:
    steps: list[tuple[int, int]] = []
    report = compare_encodings(
        frames,
        CONFIGS,
        fps=FPS,
        output_dir=tmp_path_factory.mktemp("compare"),
        samples=2,
        progress=lambda done, total: steps.append((done, total)),
    )
    return report, steps


@pytest.mark.requires_encoder("libx264", "libsvtav1")
class TestCompareEncodings:
    def test_one_report_per_config(
        self, compared: tuple[ComparisonReport, Any], frames: npt.NDArray[np.uint8]
    ) -> None:
        report, steps = compared
        assert (report.fps, report.num_frames) == (FPS, 8)
        assert [e.label for e in report.encodings] == ["H.264 crf 23", "auto"]
        assert report.encodings[0].config == CONFIGS[0][1]
        assert report.encodings[1].config == resolve_auto_codec(CONFIGS[1][1])
        assert report.encodings[1].config.vcodec != "auto"
        assert steps == [(i, 7) for i in range(1, 8)]  # PNG baseline + 3 steps per config

    def test_sizes_match_files(self, compared: tuple[ComparisonReport, Any]) -> None:
        report, _ = compared
        png_folder = report.encodings[0].path.parent / "png"
        assert report.png_size_bytes == sum(p.stat().st_size for p in png_folder.glob("*.png"))
        assert len(list(png_folder.glob("*.png"))) == 8
        for encoding in report.encodings:
            assert encoding.size_bytes == encoding.path.stat().st_size
            assert encoding.size_ratio_vs_png == pytest.approx(
                encoding.size_bytes / report.png_size_bytes
            )

    def test_metrics_match_decoding(
        self, compared: tuple[ComparisonReport, Any], frames: npt.NDArray[np.uint8]
    ) -> None:
        report, _ = compared
        for encoding in report.encodings:
            decoded, fps = decode_all_frames(encoding.path)
            assert fps == FPS
            expected = compute_quality(frames, decoded)
            np.testing.assert_allclose(encoding.quality.mse, expected.mse)
            np.testing.assert_allclose(encoding.quality.psnr_db, expected.psnr_db)
            # Lossy at 64x48: well below identical, well above noise (> 20 dB).
            assert 20 < encoding.quality.mean_psnr_db < np.inf
            assert encoding.info == feature_info(probe_video(encoding.path), encoding.config)

    def test_timings_and_browser(self, compared: tuple[ComparisonReport, Any]) -> None:
        report, _ = compared
        assert set(report.png_access_ms) == {"1_frame", "6_frames"}
        for encoding in report.encodings:
            assert encoding.encode_fps > 0
            assert set(encoding.access_ms) == set(report.png_access_ms)
            assert all(ms > 0 for ms in encoding.access_ms.values())
            ratio = encoding.load_time_ratio_vs_png["1_frame"]
            assert ratio == pytest.approx(
                encoding.access_ms["1_frame"] / report.png_access_ms["1_frame"]
            )
        h264 = report.encodings[0]
        assert h264.browser.plays_in_browsers
        assert h264.preview_path == h264.path


@pytest.mark.requires_encoder("libx264", "libsvtav1")
class TestCompareFrame:
    def test_views(
        self, compared: tuple[ComparisonReport, Any], frames: npt.NDArray[np.uint8]
    ) -> None:
        report, _ = compared
        views = compare_frame(report, frames[3], 3)
        assert [v.label for v in views] == ["H.264 crf 23", "auto"]
        for view, encoding in zip(views, report.encodings, strict=True):
            np.testing.assert_array_equal(view.decoded, decode_frames(encoding.path, [3 / FPS])[0])
            assert view.psnr_db == encoding.quality.psnr_db[3]
            assert view.heatmap.shape == (48, 64, 3)

    @pytest.mark.parametrize("index", [-1, 8])
    def test_outside_the_clip(
        self, compared: tuple[ComparisonReport, Any], frames: npt.NDArray[np.uint8], index: int
    ) -> None:
        with pytest.raises(FrameIndexError, match=r"frame_index must be in \[0, 7\]"):
            compare_frame(compared[0], frames[0], index)


class TestBadInputs:
    @pytest.mark.parametrize(
        ("configs", "message"),
        [
            ([], "Compare 1 to 4 configurations, got 0"),
            ([(f"c{i}", RGBEncoderConfig()) for i in range(5)], "Compare 1 to 4 config"),
            ([("a", RGBEncoderConfig()), ("a", RGBEncoderConfig())], "labels must be unique"),
            ([("depth", DepthEncoderConfig())], "'depth' must be an RGBEncoderConfig"),
            ([("bad", RGBEncoderConfig(crf=70))], r"crf must be in \[0, 63\]"),
        ],
        ids=["none", "five", "duplicate", "depth", "refused-by-build"],
    )
    def test_configs(
        self,
        tmp_path: Path,
        frames: npt.NDArray[np.uint8],
        configs: list[Any],
        message: str,
    ) -> None:
        with pytest.raises(ConfigError, match=message):
            compare_encodings(frames, configs, fps=FPS, output_dir=tmp_path / "out")
        assert not (tmp_path / "out").exists()  # refused before anything is written

    @pytest.mark.parametrize(
        "bad",
        [
            np.zeros((0, 48, 64, 3), np.uint8),
            np.zeros((4, 48, 64), np.uint8),
            np.zeros((4, 48, 64, 3), np.float32),
            [np.zeros((48, 64, 3), np.uint8)],
        ],
        ids=["empty", "grey", "float", "list"],
    )
    def test_frames(self, tmp_path: Path, bad: Any) -> None:
        with pytest.raises(ConfigError, match=r"frames must be \(N, H, W, 3\) uint8 with N >= 1"):
            compare_encodings(bad, CONFIGS[:1], fps=FPS, output_dir=tmp_path)

    @pytest.mark.parametrize("samples", [0, -2, True])
    def test_samples(self, tmp_path: Path, frames: npt.NDArray[np.uint8], samples: Any) -> None:
        with pytest.raises(ConfigError, match="samples must be an integer >= 1"):
            compare_encodings(frames, CONFIGS[:1], fps=FPS, output_dir=tmp_path, samples=samples)
