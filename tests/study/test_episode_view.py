"""One episode ready to look at (``lerobot_video.study.episode_view``), on local datasets.

Covers: ``episode_videos`` copies every camera's segment by stream copy (bitstream kept:
packets equal to the source's), the copy's frames equal the reader's for RGB and depth (mm
and m), on our datasets and on the LeRobot-written fixture; ``plays_in_browser`` true for
an AV1 episode starting on a keyframe (copied from exactly there) and false for HEVC depth;
``episode_browser_clip`` returns the copy itself or an H.264 preview of exactly the episode's
frames; ``read_frame``
equals the reader's frame; refusals (no such episode, frame or key, a missing folder).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from lerobot_video import (
    ConfigError,
    FrameIndexError,
    create_dataset,
    episode_browser_clip,
    episode_clip,
    episode_frames,
    episode_videos,
    open_dataset,
    probe_video,
    read_frame,
)

FIXTURE = Path(__file__).parents[1] / "fixtures" / "lerobot_dataset" / "data"
LENGTHS = (10, 7, 12)
FPS = 30


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three episodes: a 48x64 RGB camera (AV1, g=2) and a depth camera (HEVC gray12le)."""
    root = tmp_path_factory.mktemp("episodes") / "ds"
    shape = {"dtype": "video", "names": ["height", "width", "channels"]}
    features: dict[str, dict[str, Any]] = {
        "cam": {**shape, "shape": (48, 64, 3)},
        "depth": {**shape, "shape": (48, 64, 1), "info": {"is_depth_map": True}},
    }
    writer = create_dataset(root, fps=FPS, features=features)
    y, x = np.mgrid[0:48, 0:64]
    i = 0
    for length in LENGTHS:
        for _ in range(length):
            rgb = np.stack([(x * 4 + i * 5) % 256, (y * 5) % 256, x * 0 + i * 9 % 256], -1)
            depth = (400 + 20 * x + 3 * i).astype(np.uint16)[..., None]
            writer.add_frame({"cam": rgb.astype(np.uint8), "depth": depth, "task": "t"})
            i += 1
        writer.save_episode()
    writer.finalize()
    return root


def packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


@pytest.mark.parametrize("episode", [0, 1, 2])
def test_copies_hold_the_episodes_frames(dataset: Path, episode: int, tmp_path: Path) -> None:
    reader = open_dataset(dataset)
    copies = episode_videos(reader, episode, tmp_path)
    assert list(copies) == ["cam", "depth"]
    for key, video in copies.items():
        assert video.num_frames == LENGTHS[episode]
        assert video.frames_in_file >= video.num_frames
        np.testing.assert_array_equal(episode_frames(video), reader.frames(key, episode))
    depth = copies["depth"]
    np.testing.assert_allclose(
        episode_frames(depth, depth_unit="m"),
        reader.frames("depth", episode, depth_output_unit="m"),
    )
    # Each episode was encoded on its own, so it starts on a keyframe: the copy is exact.
    assert copies["cam"].first_frame_seconds == 0.0
    assert copies["cam"].frames_in_file == LENGTHS[episode]
    # Stream copy: the copy's packets are packets of the source file.
    source = set(packets(reader.video_path("cam", episode)))
    assert set(packets(copies["cam"].path)) <= source


def test_what_plays_in_a_browser(dataset: Path, tmp_path: Path) -> None:
    copies = episode_videos(open_dataset(dataset), 0, tmp_path)
    cam, depth = copies["cam"], copies["depth"]
    assert cam.plays_in_browser  # AV1 yuv420p, starting on the episode's first frame
    assert episode_browser_clip(cam, tmp_path / "cam-preview.mp4") == cam.path
    assert not depth.plays_in_browser  # 12-bit grey HEVC
    preview = episode_browser_clip(depth, tmp_path / "depth-preview.mp4")
    assert preview == tmp_path / "depth-preview.mp4"
    facts = probe_video(preview)
    assert (facts.codec, facts.pix_fmt, facts.num_frames) == ("h264", "yuv420p", LENGTHS[0])


def test_lerobot_fixture_episode(tmp_path: Path) -> None:
    reader = open_dataset(FIXTURE)
    copies = episode_videos(reader, 1, tmp_path)
    for key, video in copies.items():
        np.testing.assert_array_equal(episode_frames(video), reader.frames(key, 1))
    cam, depth = copies["observation.images.cam"], copies["observation.images.depth"]
    assert cam.first_frame_seconds == 0.0  # the episode starts on a keyframe: copied from there
    assert cam.plays_in_browser
    # HEVC with B-frames: the copy's first frame is shown after its decode delay.
    assert depth.first_frame_seconds > 0
    assert not depth.plays_in_browser
    preview = episode_browser_clip(depth, tmp_path / "preview.mp4")
    assert probe_video(preview).num_frames == depth.num_frames


@pytest.mark.parametrize(("key", "frame"), [("cam", 0), ("cam", 6), ("depth", 11)])
def test_read_frame_equals_the_readers(dataset: Path, key: str, frame: int) -> None:
    reader = open_dataset(dataset)
    np.testing.assert_array_equal(
        read_frame(reader, key, 2, frame), reader.frames(key, 2, [frame])[0]
    )


def test_refusals(dataset: Path, tmp_path: Path) -> None:
    reader = open_dataset(dataset)
    with pytest.raises(FrameIndexError):
        episode_videos(reader, 3, tmp_path)
    with pytest.raises(ConfigError, match="not a video feature"):
        episode_videos(reader, 0, tmp_path, keys=["nope"])
    with pytest.raises(ConfigError, match="is not an existing folder"):
        episode_videos(reader, 0, tmp_path / "missing")
    with pytest.raises(FrameIndexError, match="No frame 7 of episode 1"):
        read_frame(reader, "cam", 1, 7)
    video = episode_videos(reader, 1, tmp_path)["cam"]
    with pytest.raises(FrameIndexError, match=r"must be in \[0, 7\)"):
        episode_frames(video, [7])


def test_an_rgb_episode_becomes_a_clip_to_study(dataset: Path, tmp_path: Path) -> None:
    reader = open_dataset(dataset)
    copies = episode_videos(reader, 1, tmp_path)
    clip = episode_clip(copies["cam"])
    assert clip.fps == copies["cam"].fps
    assert clip.name == "cam episode 1"
    np.testing.assert_array_equal(clip.frames, reader.frames("cam", 1))
    short = episode_clip(copies["cam"], max_frames=3)
    np.testing.assert_array_equal(short.frames, clip.frames[:3])
    with pytest.raises(ConfigError, match="depth camera"):
        episode_clip(copies["depth"])
    with pytest.raises(ConfigError, match="max_frames must be a positive integer"):
        episode_clip(copies["cam"], max_frames=0)
