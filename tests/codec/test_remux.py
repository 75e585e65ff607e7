"""Stream-copy remux (``lerobot_video.codec.remux``): concatenate, measure, truncate.

Inputs are written with PyAV directly (``make_video``) and read back with PyAV directly
(``decode_all``), so these tests do not lean on our own encoder or decoder.

Covers:
- ``concatenate_videos``: every frame of every input, in order, bit-identical to decoding the
  inputs (stream copy), on one continuous frame grid; the start time of each input; the
  output may be one of the inputs; HEVC with B-frames keeps the grid;
- ``content_duration_seconds``: frames / fps, from the packets, for H.264 and HEVC;
- ``truncate_video``: keeps exactly the frames that start before the cut;
- the output is replaced only when complete: a failing concatenation leaves an existing
  output byte-identical and no partial file behind; refusals (no inputs, mismatched
  streams, unreadable files) with their messages.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import MediaError
from lerobot_video.codec.remux import (
    concatenate_videos,
    content_duration_seconds,
    truncate_video,
)

FPS = 30
MakeFrames = Callable[..., npt.NDArray[np.uint8]]
MakeVideo = Callable[..., Path]
DecodeAll = Callable[[Path], tuple[list[int], list[npt.NDArray[np.uint8]], Fraction]]


@pytest.fixture
def clips(tmp_path: Path, make_frames: MakeFrames, make_video: MakeVideo) -> tuple[Path, Path]:
    """Two H.264 clips of 8 and 5 frames, 64x48 at 30 fps, with different content."""
    first = make_video(tmp_path, "libx264", frames=make_frames(8, 48, 64, "ramp"), name="a.mp4")
    second_frames = make_frames(5, 48, 64, "moving")
    second = make_video(tmp_path, "libx264", frames=second_frames, name="b.mp4")
    return first, second


def _partials(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.partial.mp4"))


class TestConcatenate:
    def test_every_frame_in_order(
        self, tmp_path: Path, clips: tuple[Path, Path], decode_all: DecodeAll
    ) -> None:
        output = tmp_path / "joined.mp4"
        starts = concatenate_videos(list(clips), output)
        assert starts == pytest.approx([0.0, 8 / FPS])
        pts, frames, time_base = decode_all(output)
        expected = decode_all(clips[0])[1] + decode_all(clips[1])[1]
        assert len(frames) == 13
        for got, want in zip(frames, expected, strict=True):
            np.testing.assert_array_equal(got, want)  # stream copy: same bitstream
        times = [float(p * time_base) for p in pts]
        np.testing.assert_allclose(times, np.arange(13) / FPS, atol=1e-6)
        assert content_duration_seconds(output) == pytest.approx(13 / FPS)
        assert _partials(tmp_path) == []

    def test_output_may_be_an_input(
        self, tmp_path: Path, clips: tuple[Path, Path], decode_all: DecodeAll
    ) -> None:
        first, second = clips
        starts = concatenate_videos([first, second], first)
        assert starts == pytest.approx([0.0, 8 / FPS])
        assert len(decode_all(first)[1]) == 13

    @pytest.mark.requires_encoder("libx265")
    def test_hevc_with_b_frames_keeps_the_grid(
        self, tmp_path: Path, make_frames: MakeFrames, make_video: MakeVideo
    ) -> None:
        # FFmpeg 8 stores an HEVC edit list in ms: the header would say 4086/15360 s.
        paths = [
            make_video(tmp_path, "libx265", frames=make_frames(8, 48, 64), name=f"h{i}.mp4")
            for i in range(3)
        ]
        assert content_duration_seconds(paths[0]) == pytest.approx(8 / FPS)
        starts = concatenate_videos(paths, tmp_path / "joined.mp4")
        assert starts == pytest.approx([0.0, 8 / FPS, 16 / FPS])

    def test_single_input(self, tmp_path: Path, clips: tuple[Path, Path]) -> None:
        assert concatenate_videos([clips[1]], tmp_path / "one.mp4") == [0.0]
        assert content_duration_seconds(tmp_path / "one.mp4") == pytest.approx(5 / FPS)


class TestReplacedOnlyWhenComplete:
    def test_mismatched_input_leaves_output(
        self,
        tmp_path: Path,
        clips: tuple[Path, Path],
        make_frames: MakeFrames,
        make_video: MakeVideo,
    ) -> None:
        other = make_video(tmp_path, "libx264", frames=make_frames(3, 32, 64), name="small.mp4")
        output = tmp_path / "joined.mp4"
        concatenate_videos(list(clips), output)
        before = output.read_bytes()
        with pytest.raises(MediaError, match=r"Cannot concatenate .*small\.mp4.* first file's is"):
            concatenate_videos([clips[0], other], output)
        assert output.read_bytes() == before
        assert _partials(tmp_path) == []

    def test_failure_creates_nothing(self, tmp_path: Path, clips: tuple[Path, Path]) -> None:
        output = tmp_path / "new.mp4"
        with pytest.raises(MediaError, match="does not exist"):
            concatenate_videos([clips[0], tmp_path / "missing.mp4"], output)
        assert not output.exists()
        assert _partials(tmp_path) == []

    def test_no_inputs(self, tmp_path: Path) -> None:
        with pytest.raises(MediaError, match="No input videos to concatenate"):
            concatenate_videos([], tmp_path / "x.mp4")


class TestTruncate:
    @pytest.mark.parametrize("keep", [1, 5, 8])
    def test_keeps_frames_before_the_cut(
        self, tmp_path: Path, clips: tuple[Path, Path], decode_all: DecodeAll, keep: int
    ) -> None:
        first = clips[0]
        original = decode_all(first)[1]
        truncate_video(first, keep / FPS)
        frames = decode_all(first)[1]
        assert len(frames) == keep
        for got, want in zip(frames, original[:keep], strict=True):
            np.testing.assert_array_equal(got, want)
        assert content_duration_seconds(first) == pytest.approx(keep / FPS)
        assert _partials(tmp_path) == []

    def test_cut_after_a_concatenation(
        self, tmp_path: Path, clips: tuple[Path, Path], decode_all: DecodeAll
    ) -> None:
        output = tmp_path / "joined.mp4"
        starts = concatenate_videos(list(clips), output)
        truncate_video(output, starts[1])  # drop the second episode
        assert len(decode_all(output)[1]) == 8

    def test_unreadable(self, tmp_path: Path) -> None:
        (tmp_path / "bad.mp4").write_bytes(b"nope")
        with pytest.raises(MediaError, match="Cannot read"):
            truncate_video(tmp_path / "bad.mp4", 1.0)


class TestContentDuration:
    def test_h264(self, clips: tuple[Path, Path]) -> None:
        assert content_duration_seconds(clips[0]) == pytest.approx(8 / FPS)
        assert content_duration_seconds(clips[1]) == pytest.approx(5 / FPS)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(MediaError, match="does not exist"):
            content_duration_seconds(tmp_path / "missing.mp4")
