"""GOP structure read back by decoding (``lerobot_video.codec.gop.read_gop``).

Covers: files written with PyAV directly (not our encoder) at a known keyframe interval:
SVT-AV1 with ``g=5`` has I-frames and keyframes exactly at multiples of 5 and no B-frames;
libx264 with ``g=5`` and B-frames allowed has keyframes at multiples of 5, I-frames there, and
B-frames between; a single-keyframe file has one I; a missing file, a non-video file and a
non-path are refused with our errors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import ConfigError, MediaError, read_gop

N = 20
G = 5


@pytest.fixture(scope="module")
def frames(make_frames: Callable[..., npt.NDArray[np.uint8]]) -> npt.NDArray[np.uint8]:
    return make_frames(n=N, height=64, width=64, pattern="moving")


def test_svtav1_keyframes_every_g_frames_and_no_b_frames(
    tmp_path: Path, make_video: Callable[..., Path], frames: npt.NDArray[np.uint8]
) -> None:
    path = make_video(tmp_path, "libsvtav1", "yuv420p", frames, 30, {"g": str(G)})
    gop = read_gop(path)
    assert gop.num_frames == N
    assert gop.keyframes == tuple(range(0, N, G))
    assert [i for i, kind in enumerate(gop.frame_types) if kind == "I"] == list(range(0, N, G))
    assert "B" not in gop.frame_types
    assert set(gop.frame_types) == {"I", "P"}


def test_h264_with_b_frames_reports_them(
    tmp_path: Path, make_video: Callable[..., Path], frames: npt.NDArray[np.uint8]
) -> None:
    # sc_threshold=0: no extra keyframes at "scene cuts", so the interval is exactly g.
    options = {"g": str(G), "bf": "2", "sc_threshold": "0"}
    path = make_video(tmp_path, "libx264", "yuv420p", frames, 30, options)
    gop = read_gop(path)
    assert gop.num_frames == N
    assert gop.keyframes == tuple(range(0, N, G))
    assert all(gop.frame_types[k] == "I" for k in gop.keyframes)
    assert "B" in gop.frame_types
    assert set(gop.frame_types) <= {"I", "P", "B"}


def test_one_keyframe_when_g_exceeds_the_clip(
    tmp_path: Path, make_video: Callable[..., Path], frames: npt.NDArray[np.uint8]
) -> None:
    path = make_video(tmp_path, "libx264", "yuv420p", frames, 30, {"g": "100", "bf": "0"})
    gop = read_gop(path)
    assert gop.keyframes == (0,)
    assert gop.frame_types == ("I",) + ("P",) * (N - 1)


def test_refusals(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="does not exist"):
        read_gop(tmp_path / "missing.mp4")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(MediaError, match="Cannot read"):
        read_gop(text)
    with pytest.raises(ConfigError, match="path must be a non-empty file path"):
        read_gop("")
