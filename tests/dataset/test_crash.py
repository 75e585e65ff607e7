"""A recording process SIGKILLed at random moments keeps every finished episode; resume tidies.

Each case runs ``crash_child.py`` (a real recording process) and kills it either after a
random delay or at a chosen ``os.replace`` inside a save (every file the writer publishes
is renamed into place, so this lands inside each step: video append, data, episodes,
tasks, stats, recording log, the ``info.json`` commit). Then:

- the dataset opens and every saved episode reads back exactly (frames, depth codes, values);
- ``resume_dataset`` removes what the dead process left (temporary folders and files, rows
  and video tails of the uncommitted episode) and the next episodes continue the numbering.
"""

from __future__ import annotations

import itertools
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from lerobot_video import (
    ConfigError,
    DepthEncoderConfig,
    RGBEncoderConfig,
    open_dataset,
    probe_video,
    quantize_depth,
    resume_dataset,
)

sys.path.insert(0, str(Path(__file__).parent))
import crash_child

pytestmark = pytest.mark.requires_encoder("libsvtav1", "libx265")

CHILD = Path(__file__).parent / "crash_child.py"


def _start(root: Path, mode: str, *extra: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(root), mode, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    line = process.stdout.readline()
    assert line.strip() == "ready", f"child did not start: {line!r} {process.stderr.read()!r}"
    return process


def _saved_count(process: subprocess.Popen[str]) -> int:
    assert process.stdout is not None
    lines = process.stdout.read().split()
    return max((int(n) for word, n in itertools.pairwise(lines) if word == "saved"), default=0)


def _check_episodes(root: Path) -> int:
    """Assert every episode of the dataset holds exactly what the child recorded."""
    reader = open_dataset(root)
    for episode in range(reader.num_episodes):
        length = crash_child.episode_length(episode)
        assert reader.episodes[episode].length == length
        columns = reader.episode_columns(episode)
        np.testing.assert_array_equal(columns["state"][:, 0], episode)
        np.testing.assert_array_equal(columns["state"][:, 1], np.arange(length))
        np.testing.assert_array_equal(
            columns["index"], reader.episodes[episode].dataset_from_index + np.arange(length)
        )
        frames = reader.frames(crash_child.CAM, episode)
        expected = [crash_child.brightness(episode, i) for i in range(length)]
        np.testing.assert_allclose(frames.mean(axis=(1, 2, 3)), expected, atol=4)
        codes = reader.depth_codes(crash_child.DEPTH, episode).reshape(length, -1)
        mm = np.array([crash_child.depth_mm(episode, i) for i in range(length)], np.uint16)
        np.testing.assert_array_equal(codes[:, 0], quantize_depth(mm.reshape(length, 1))[:, 0])
    return reader.num_episodes


def _leftovers(root: Path) -> list[str]:
    patterns = (".episode-*", "images", "**/.*.partial", "**/.*.partial.mp4", "**/*.samples")
    return sorted(str(p.relative_to(root)) for pattern in patterns for p in root.glob(pattern))


def _resume_and_check(root: Path, mode: str, before: int) -> None:
    process = _start(root, mode, "--resume", "--episodes", "2")
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    assert _leftovers(root) == []
    assert _check_episodes(root) == before + 2
    reader = open_dataset(root)
    data = pq.ParquetFile(next((root / "data").glob("*/*.parquet")))
    assert data.metadata.num_rows == reader.num_frames  # no rows of the dead episode
    for key in reader.video_keys:
        files = sorted((root / "videos" / key).glob("*/*.mp4"))
        assert sum(probe_video(f).num_frames for f in files) == reader.num_frames  # no tails


KILL_DELAYS = [(mode, seed) for mode in ("streaming", "staged") for seed in range(2)]


@pytest.mark.parametrize(("mode", "seed"), KILL_DELAYS)
def test_sigkill_after_random_delay(tmp_path: Path, mode: str, seed: int) -> None:
    root = tmp_path / "d"
    process = _start(root, mode)
    time.sleep(random.Random(seed).uniform(0.3, 2.5))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    saved = _saved_count(process)
    found = _check_episodes(root)
    # The last save may have committed just before the kill, without printing.
    assert found in (saved, saved + 1)
    _resume_and_check(root, mode, found)


KILL_POINTS = sorted(random.Random(4).sample(range(1, 33), 6))


@pytest.mark.parametrize("kill_at", KILL_POINTS)
@pytest.mark.parametrize("mode", ["streaming", "staged"])
def test_sigkill_inside_a_save(tmp_path: Path, mode: str, kill_at: int) -> None:
    root = tmp_path / "d"
    process = _start(root, mode, "--kill-at-replace", str(kill_at))
    assert process.wait(timeout=120) == -signal.SIGKILL
    saved = _saved_count(process)
    found = _check_episodes(root)
    assert found in (saved, saved + 1)
    _resume_and_check(root, mode, found)


def test_resume_refuses_other_encoder_settings(tmp_path: Path) -> None:
    root = tmp_path / "d"
    process = _start(root, "streaming", "--episodes", "1")
    assert process.wait(timeout=120) == 0
    with pytest.raises(ConfigError, match=r"video.codec: recorded 'av1', asked 'h264'"):
        resume_dataset(root, rgb_encoder=RGBEncoderConfig(vcodec="h264"))
    with pytest.raises(ConfigError, match=r"video.depth_max: recorded 10.0, asked 5.0"):
        resume_dataset(root, depth_encoder=DepthEncoderConfig(depth_max=5.0))
    assert _check_episodes(root) == 1  # refusing touched nothing
    assert _leftovers(root) == []
