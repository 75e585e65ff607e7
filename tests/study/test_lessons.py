"""The Learn page's lessons (``lerobot_video.study.lessons`` and ``lesson_*``) on tiny clips.

Covers:
- ``random_access_costs``: known keyframe intervals (g=1, 2, 3, one keyframe, irregular) give
  known costs and means; malformed keyframes refused;
- ``gop_lesson``: an SVT-AV1 encoding at g=3 read back has keyframes every 3 frames and the
  costs that follow, and the file's size;
- ``png_size_bytes`` equals PNG files written with PIL; ``encode_lesson``: size ratio, fidelity
  equal to scoring the decoded file, the decoded frame and heatmap, lower crf -> bigger file,
  bad arguments refused;
- ``chroma_lesson``: on 1-pixel colour stripes 4:4:4 keeps far more than 4:2:0, the crop lands
  on the striped patch, browser verdicts; ``zoomed_crop`` repeats pixels;
- ``measure_encode_speeds``: one measurement per config in order, files removed, and closing
  the generator stops before the next encode; ``live_capacity``'s arithmetic and refusals;
- ``published_codec_points``; ``iter_codec_lesson`` (three codecs through the study runner;
  closing it leaves the cells not started undone);
- ``depth_step_lesson``: measured error within half a step, log finer than linear near the
  camera, invalid pixels left out, refusals.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from lerobot_video import (
    CHROMA_FORMATS,
    LESSON_CODECS,
    LIVE_HEADROOM,
    Clip,
    ConfigError,
    DepthQuantization,
    FrameIndexError,
    RGBEncoderConfig,
    StudyGrid,
    chroma_lesson,
    compute_quality,
    decode_all_frames,
    depth_step_lesson,
    encode_lesson,
    gop_lesson,
    iter_codec_lesson,
    live_capacity,
    measure_encode_speeds,
    plan_study,
    png_size_bytes,
    published_codec_points,
    quantization_step_mm,
    random_access_costs,
)
from lerobot_video.study.lesson_chroma import chroma_detail_box, zoomed_crop

Frames = npt.NDArray[np.uint8]
FPS = 10


@pytest.fixture(scope="module")
def frames(make_frames: Callable[..., Frames]) -> Frames:
    return make_frames(n=12, height=64, width=64, pattern="moving")


class TestRandomAccessCosts:
    def test_known_intervals(self) -> None:
        assert random_access_costs(range(0, 8, 2), 8) == (1, 2) * 4
        assert random_access_costs(range(8), 8) == (1,) * 8
        assert random_access_costs([0, 3, 6], 8) == (1, 2, 3, 1, 2, 3, 1, 2)
        assert random_access_costs([0], 5) == (1, 2, 3, 4, 5)
        assert random_access_costs([0, 1, 5], 7) == (1, 1, 2, 3, 4, 1, 2)
        assert np.mean(random_access_costs(range(0, 100, 2), 100)) == 1.5

    @pytest.mark.parametrize(
        ("keyframes", "count", "match"),
        [
            ([], 4, "starting at 0"),
            ([1, 2], 4, "starting at 0"),
            ([0, 2, 2], 4, "ascending"),
            ([0, 4], 4, "outside a video of 4 frames"),
            ([0], 0, "num_frames must be"),
        ],
    )
    def test_refusals(self, keyframes: list[int], count: int, match: str) -> None:
        with pytest.raises(ConfigError, match=match):
            random_access_costs(keyframes, count)


def test_gop_lesson_reads_the_file(tmp_path: Path, frames: Frames) -> None:
    lesson = gop_lesson(frames, RGBEncoderConfig(g=3), fps=FPS, output_dir=tmp_path / "gop")
    assert lesson.gop.keyframes == (0, 3, 6, 9)
    assert lesson.gop.frame_types == ("I", "P", "P") * 4
    assert lesson.access_costs == (1, 2, 3) * 4
    assert lesson.mean_access_cost == 2.0
    assert lesson.size_bytes == lesson.path.stat().st_size > 0


def test_png_size_is_the_pil_files(tmp_path: Path, frames: Frames) -> None:
    sizes = []
    for index, frame in enumerate(frames):
        path = tmp_path / f"{index}.png"
        Image.fromarray(frame).save(path)
        sizes.append(path.stat().st_size)
    assert png_size_bytes(frames) == sum(sizes)
    with pytest.raises(ConfigError, match="frames must be"):
        png_size_bytes(frames[0])


class TestEncodeLesson:
    def test_measurements_match_the_file(self, tmp_path: Path, frames: Frames) -> None:
        png = png_size_bytes(frames)
        config = RGBEncoderConfig(vcodec="h264", crf=23)
        result = encode_lesson(
            frames, config, fps=FPS, output_dir=tmp_path, png_bytes=png, frame_index=4
        )
        decoded, _ = decode_all_frames(result.path)
        quality = compute_quality(frames, decoded)
        assert result.size_bytes == result.path.stat().st_size
        assert result.size_ratio_vs_png == result.size_bytes / png
        assert result.mean_psnr_db == pytest.approx(quality.mean_psnr_db)
        assert result.mean_ssim == pytest.approx(quality.mean_ssim)
        np.testing.assert_array_equal(result.decoded, decoded[4])
        assert result.heatmap.shape == (64, 64, 3)
        assert result.browser.plays_in_browsers
        assert result.encode_fps > 0

    def test_lower_crf_is_bigger_and_closer(self, tmp_path: Path, frames: Frames) -> None:
        png = png_size_bytes(frames)
        fine, coarse = (
            encode_lesson(
                frames, RGBEncoderConfig(crf=crf), fps=FPS, output_dir=tmp_path, png_bytes=png
            )
            for crf in (10, 55)
        )
        assert fine.size_bytes > coarse.size_bytes
        assert fine.mean_psnr_db > coarse.mean_psnr_db

    def test_refusals(self, tmp_path: Path, frames: Frames) -> None:
        config = RGBEncoderConfig()
        with pytest.raises(ConfigError, match="png_bytes"):
            encode_lesson(frames, config, fps=FPS, output_dir=tmp_path, png_bytes=0)
        with pytest.raises(FrameIndexError, match=r"\[0, 11\]"):
            encode_lesson(frames, config, fps=FPS, output_dir=tmp_path, png_bytes=1, frame_index=12)


def _striped(n: int = 4) -> Frames:
    """Grey frames with a 16x16 patch of 1-pixel red/blue columns at (top 32, left 16)."""
    clip = np.full((n, 64, 64, 3), 128, dtype=np.uint8)
    clip[:, 32:48, 16:32:2] = (255, 0, 0)
    clip[:, 32:48, 17:32:2] = (0, 0, 255)
    return clip


def test_chroma_lesson_shows_what_420_loses(tmp_path: Path) -> None:
    clip = _striped()
    lesson = chroma_lesson(
        clip,
        RGBEncoderConfig(vcodec="h264", crf=10),
        fps=FPS,
        output_dir=tmp_path,
        png_bytes=png_size_bytes(clip),
        crop_size=16,
    )
    full, half = lesson.encodings
    assert (full.config.pix_fmt, half.config.pix_fmt) == CHROMA_FORMATS
    # Alternating red/blue columns average to one purple in 4:2:0: the error is tens of levels.
    assert full.mean_psnr_db > half.mean_psnr_db + 6
    assert lesson.corner == (32, 16)
    # Zoomed as far as 288 px allows, at most 16x: 16 px x 16.
    assert lesson.original_crop.shape == (256, 256, 3)
    assert [c.shape for c in lesson.crops] == [(256, 256, 3)] * 2
    assert not full.browser.plays_in_browsers
    assert half.browser.plays_in_browsers


def test_chroma_box_and_zoom() -> None:
    frame = _striped(1)[0]
    assert chroma_detail_box(frame, size=16) == (32, 16)
    zoomed = zoomed_crop(frame, (32, 16), size=4, zoom=3)
    assert zoomed.shape == (12, 12, 3)
    np.testing.assert_array_equal(zoomed[::3, ::3], frame[32:36, 16:20])
    with pytest.raises(ConfigError, match="does not fit"):
        zoomed_crop(frame, (60, 0), size=8, zoom=2)
    with pytest.raises(ConfigError, match="size must be in"):
        chroma_detail_box(frame, size=100)


class TestSpeed:
    def test_one_measurement_per_config(self, tmp_path: Path, frames: Frames) -> None:
        configs = [RGBEncoderConfig(preset=12), RGBEncoderConfig(vcodec="h264", preset="fast")]
        measured = list(measure_encode_speeds(frames, configs, fps=FPS, output_dir=tmp_path))
        assert [m.label for m in measured] == ["libsvtav1 preset 12", "h264 fast"]
        assert [m.config for m in measured] == configs
        assert all(m.encode_fps > 0 and m.size_bytes > 0 for m in measured)
        assert not list(tmp_path.glob("*.mp4"))

    def test_closing_stops_before_the_next_encode(self, tmp_path: Path, frames: Frames) -> None:
        refused = RGBEncoderConfig(pix_fmt="yuv444p")  # SVT-AV1 encodes 4:2:0 only
        steps = measure_encode_speeds(
            frames, [RGBEncoderConfig(), refused], fps=FPS, output_dir=tmp_path
        )
        next(steps)
        steps.close()  # the refused config is never encoded: no error
        with pytest.raises(ConfigError, match="yuv444p"):
            list(measure_encode_speeds(frames, [refused], fps=FPS, output_dir=tmp_path))

    def test_live_capacity(self) -> None:
        yes = live_capacity(100.0, cameras=2, fps=30)
        assert yes.can_record
        assert yes.needed_fps == 60 * LIVE_HEADROOM
        assert yes.margin == pytest.approx(100 / 60)
        no = live_capacity(100.0, cameras=2, fps=45)
        assert not no.can_record
        assert no.needed_fps == 90 * LIVE_HEADROOM
        with pytest.raises(ConfigError, match="cameras"):
            live_capacity(100.0, cameras=0, fps=30)
        with pytest.raises(ConfigError, match="encode_fps"):
            live_capacity(0.0, cameras=1, fps=30)


def test_published_points() -> None:
    points = published_codec_points()
    assert len(points) == 20
    assert {p.source for p in points} == {"published"}
    aloha = [p for p in points if p.dataset == "lerobot/aloha_mobile_shrimp_image"]
    av1 = next(p for p in aloha if p.vcodec == "libsvtav1")
    assert (av1.size_ratio, av1.psnr_db, av1.load_time_ratio) == (0.0559, 40.17, 0.48)


def test_codec_lesson_measures_each_codec(tmp_path: Path, frames: Frames) -> None:
    clip = Clip(name="tiny", frames=frames, fps=FPS)
    points = list(iter_codec_lesson(clip, output_dir=tmp_path, samples=2))
    assert sorted(p.vcodec for p in points) == sorted(LESSON_CODECS)
    assert {(p.source, p.dataset, p.pix_fmt) for p in points} == {("yours", "tiny", "yuv420p")}
    assert all(p.size_ratio > 0 for p in points)
    assert all(p.load_time_ratio > 0 for p in points)
    assert all(p.psnr_db > 20 for p in points)


def test_closing_the_codec_lesson_stops_the_study(tmp_path: Path, frames: Frames) -> None:
    clip = Clip(name="tiny", frames=frames, fps=FPS)
    points = iter_codec_lesson(clip, output_dir=tmp_path, samples=2)
    next(points)
    points.close()
    # The study's cache holds the one cell that ran; the other two were never started.
    grid = StudyGrid(vcodec=LESSON_CODECS, pix_fmt=("yuv420p",), g=(2,), crf=(30,))
    plan = plan_study([clip], grid, output_dir=tmp_path, scenarios=("6_frames",), num_samples=2)
    assert len(plan.cached_rows) == 1
    assert len(plan.tasks) == len(LESSON_CODECS) - 1


class TestDepthSteps:
    def test_errors_within_half_a_step(self) -> None:
        rng = np.random.default_rng(0)
        depth = rng.uniform(0.5, 3.0, size=(2, 40, 40)).astype(np.float32)
        depth[0, :2] = 0.0  # "no reading" pixels
        depth[1, :2] = np.nan
        quantization = DepthQuantization()
        lesson = depth_step_lesson(depth, quantization, bins=5)
        assert int(lesson.pixels_per_bin.sum()) == 2 * 38 * 40
        linear_step = float(quantization_step_mm(1.0, lesson.linear))
        assert lesson.linear_worst_error_mm <= linear_step / 2 + 0.01
        # Log steps grow with depth: the far bin's error bound is the step at its far edge.
        far_step = float(quantization_step_mm(3.0, lesson.log))
        assert np.nanmax(lesson.log_max_error_mm) <= far_step / 2 + 0.01
        assert lesson.log_max_error_mm[0] < lesson.linear_max_error_mm[0]
        assert lesson.log_step_mm[0] < lesson.linear_step_mm[0] < lesson.log_step_mm[-1]
        assert lesson.log == dataclasses.replace(quantization, use_log=True)

    def test_refusals(self) -> None:
        with pytest.raises(ConfigError, match="float array"):
            depth_step_lesson(np.ones((2, 2), dtype=np.uint16), DepthQuantization())
        with pytest.raises(ConfigError, match="No depth"):
            depth_step_lesson(np.full((2, 2), 20.0), DepthQuantization())
        with pytest.raises(ConfigError, match="bins"):
            depth_step_lesson(np.ones((2, 2)), DepthQuantization(), bins=0)
