"""Clips loaded from files (``lerobot_video.clips``): ``.npz``, video, images, and the picker.

Covers:
- ``load_clip``: an ``.npz`` with ``frames``/``fps`` (rate kept, overridden, or 30 when
  absent; ``max_frames`` and ``truncated_from``), a video written with PyAV (frames, rate);
  bad contents, unreadable files and unsupported suffixes refused;
- ``load_image_sequence``: frames sorted by file name, grey repeated to RGB, ``max_frames``;
  mixed sizes, non-images and a bad fps refused;
- ``load_clip_files``: one ``.webp``, ``.bmp`` or ``.tif`` is a one-frame clip with its exact
  pixels; several images are a sequence; one ``.npz`` or video goes to ``load_clip``; an
  empty pick, several videos, and videos mixed with images are refused with a clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from lerobot_video import (
    Clip,
    ConfigError,
    MediaError,
    load_clip,
    load_clip_files,
    load_image_sequence,
)

MakeFrames = Callable[..., npt.NDArray[np.uint8]]
MakeVideo = Callable[..., Path]


def _write_images(folder: Path, frames: npt.NDArray[np.uint8], suffix: str = ".png") -> list[Path]:
    paths = []
    for index, frame in enumerate(frames):
        path = folder / f"frame-{index:03d}{suffix}"
        if suffix == ".webp":
            Image.fromarray(frame).save(path, lossless=True)  # the default WebP is lossy
        else:
            Image.fromarray(frame).save(path)
        paths.append(path)
    return paths


class TestLoadClipNpz:
    def test_frames_and_fps(self, tmp_path: Path, make_frames: MakeFrames) -> None:
        frames = make_frames(8, 48, 64)
        np.savez(tmp_path / "clip.npz", frames=frames, fps=12)
        clip = load_clip(tmp_path / "clip.npz")
        assert clip == Clip(name="clip", frames=clip.frames, fps=12)
        np.testing.assert_array_equal(clip.frames, frames)

    def test_fps_override_default_and_cut(self, tmp_path: Path, make_frames: MakeFrames) -> None:
        frames = make_frames(8, 48, 64)
        np.savez(tmp_path / "nofps.npz", frames=frames)
        assert load_clip(tmp_path / "nofps.npz").fps == 30
        clip = load_clip(tmp_path / "nofps.npz", fps=7, max_frames=3)
        assert (clip.fps, len(clip.frames), clip.truncated_from) == (7, 3, 8)
        np.testing.assert_array_equal(clip.frames, frames[:3])

    def test_wrong_contents(self, tmp_path: Path) -> None:
        np.savez(tmp_path / "grey.npz", frames=np.zeros((2, 8, 8), np.uint8))
        with pytest.raises(ConfigError, match=r"'frames' must be \(N, H, W, 3\) uint8"):
            load_clip(tmp_path / "grey.npz")
        np.savez(tmp_path / "other.npz", images=np.zeros((2, 8, 8, 3), np.uint8))
        with pytest.raises(MediaError, match=r"Cannot read 'other\.npz' as a clip"):
            load_clip(tmp_path / "other.npz")

    def test_unsupported_suffix(self, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("hello")
        with pytest.raises(
            ConfigError, match=r"Unsupported clip file 'notes\.txt'; allowed: \.npz"
        ):
            load_clip(tmp_path / "notes.txt")


class TestLoadClipVideo:
    def test_video(self, tmp_path: Path, make_video: MakeVideo, make_frames: MakeFrames) -> None:
        frames = make_frames(8, 48, 64)
        path = make_video(tmp_path, codec="libx264", frames=frames, fps=15, name="cam.mp4")
        clip = load_clip(path)
        assert (clip.name, clip.fps, clip.frames.shape) == ("cam", 15, (8, 48, 64, 3))
        assert load_clip(path, max_frames=3).frames.shape == (3, 48, 64, 3)

    def test_not_a_video(self, tmp_path: Path) -> None:
        (tmp_path / "fake.mp4").write_bytes(b"not a video at all")
        with pytest.raises(MediaError, match="Cannot read"):
            load_clip(tmp_path / "fake.mp4")


class TestLoadImageSequence:
    def test_sorted_by_name(self, tmp_path: Path, make_frames: MakeFrames) -> None:
        frames = make_frames(4, 48, 64)
        paths = _write_images(tmp_path, frames)
        clip = load_image_sequence(list(reversed(paths)), fps=5)
        assert (clip.name, clip.fps, clip.truncated_from) == ("frame-000", 5, None)
        np.testing.assert_array_equal(clip.frames, frames)

    def test_grey_becomes_rgb_and_cut(self, tmp_path: Path) -> None:
        grey = np.arange(48 * 64, dtype=np.uint32).reshape(48, 64).astype(np.uint8)
        for i in range(3):
            Image.fromarray(grey).save(tmp_path / f"g{i}.png")
        clip = load_image_sequence(sorted(tmp_path.glob("*.png")), fps=10, max_frames=2)
        assert clip.frames.shape == (2, 48, 64, 3)
        assert clip.truncated_from == 3
        np.testing.assert_array_equal(clip.frames[0, ..., 1], grey)

    def test_refusals(self, tmp_path: Path, make_frames: MakeFrames) -> None:
        small = _write_images(tmp_path, make_frames(1, 24, 32))[0].rename(tmp_path / "b.png")
        big = _write_images(tmp_path, make_frames(1, 48, 64))[0].rename(tmp_path / "a.png")
        with pytest.raises(ConfigError, match=r"'b\.png' is 32x24 but the first image is 64x48"):
            load_image_sequence([small, big], fps=10)
        with pytest.raises(ConfigError, match="No image files given"):
            load_image_sequence([], fps=10)
        (tmp_path / "c.txt").write_text("x")
        with pytest.raises(ConfigError, match=r"'c\.txt' is not an image"):
            load_image_sequence([tmp_path / "c.txt"], fps=10)
        with pytest.raises(ConfigError, match="fps must be an integer >= 1, got 0"):
            load_image_sequence([big], fps=0)


class TestLoadClipFiles:
    @pytest.mark.parametrize("suffix", [".webp", ".bmp", ".tif"])
    def test_one_image(self, tmp_path: Path, make_frames: MakeFrames, suffix: str) -> None:
        frame = make_frames(1, 48, 64)
        path = _write_images(tmp_path, frame, suffix)[0]
        clip = load_clip_files([path])
        assert (clip.name, clip.fps, clip.frames.shape) == ("frame-000", 30, (1, 48, 64, 3))
        np.testing.assert_array_equal(clip.frames, frame)  # lossless formats: exact pixels

    def test_image_sequence_with_fps(self, tmp_path: Path, make_frames: MakeFrames) -> None:
        frames = make_frames(3, 48, 64)
        clip = load_clip_files(_write_images(tmp_path, frames), fps=6, max_frames=2)
        assert (clip.fps, clip.truncated_from) == (6, 3)
        np.testing.assert_array_equal(clip.frames, frames[:2])

    def test_npz_and_video(
        self, tmp_path: Path, make_frames: MakeFrames, make_video: MakeVideo
    ) -> None:
        frames = make_frames(4, 48, 64)
        np.savez(tmp_path / "clip.npz", frames=frames, fps=12)
        assert load_clip_files([tmp_path / "clip.npz"]).fps == 12
        assert load_clip_files([str(tmp_path / "clip.npz")], fps=9).fps == 9
        video = make_video(tmp_path, codec="libx264", frames=frames, fps=20)
        clip = load_clip_files([video], max_frames=2)
        assert (clip.fps, clip.frames.shape) == (20, (2, 48, 64, 3))

    def test_refusals(self, tmp_path: Path, make_frames: MakeFrames, make_video: MakeVideo) -> None:
        with pytest.raises(ConfigError, match="No clip files given"):
            load_clip_files([])
        video = make_video(tmp_path, codec="libx264", frames=make_frames(2, 48, 64))
        image = _write_images(tmp_path, make_frames(1, 48, 64))[0]
        with pytest.raises(ConfigError, match=r"Cannot load 2 files as one clip: \[.*mp4'\] are"):
            load_clip_files([video, image])
        with pytest.raises(ConfigError, match=r"pick one video or \.npz file alone"):
            load_clip_files([video, video])
        (tmp_path / "notes.txt").write_text("x")
        with pytest.raises(ConfigError, match=r"Unsupported clip file 'notes\.txt'"):
            load_clip_files([tmp_path / "notes.txt"])


def test_a_cut_clip_holds_only_its_own_frames() -> None:
    """A clip cut to ``max_frames`` must not keep the whole source alive through a view."""
    from lerobot_video import load_clip, load_depth_clip
    from lerobot_video.clips import BUNDLED_DEPTH_CLIP, BUNDLED_RGB_CLIP

    rgb = load_clip(BUNDLED_RGB_CLIP, max_frames=5)
    assert rgb.truncated_from == 100
    assert rgb.frames.base is None or rgb.frames.base.nbytes == rgb.frames.nbytes
    depth = load_depth_clip([BUNDLED_DEPTH_CLIP], max_frames=5)
    assert depth.depth.shape[0] == 5
    assert depth.depth.base is None or depth.depth.base.nbytes == depth.depth.nbytes
