"""``lerobot-video reencode``: a recorded dataset encoded again, checked with ``info``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.console import assert_one_line_error, record_replay, run, run_json

CAM = "observation.images.camera"


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Two episodes of ten replay frames, RGB in LeRobot's AV1, depth in fast lossless HEVC."""
    root = tmp_path_factory.mktemp("reencode") / "replay"
    return record_replay(root, "--rgb_encoder.vcodec", "libsvtav1", "--rgb_encoder.preset", "12")


@pytest.fixture(scope="module")
def recorded(recording: Any) -> Path:
    return Path(recording["root"])


def test_reencode_to_h264_keeps_the_episodes(
    tmp_path: Path, recorded: Path, recording: Any
) -> None:
    before = run_json("info", str(recorded))
    assert {f["key"]: f["video"]["codec"] for f in before["features"]}[CAM] == "av1"
    done = run_json("reencode", str(recorded), str(tmp_path / "out"), "--executor", "inline",
                    "--rgb_encoder.vcodec", "h264", "--dataset.rgb_encoder.g", "5",
                    "--depth_encoder.preset", "ultrafast", cwd=tmp_path)  # fmt: skip
    assert (done["num_episodes"], done["num_frames"]) == (2, recording["num_frames"])
    assert {f["key"] for f in done["files"]} == {CAM, f"{CAM}_depth"}
    # The depth camera already had LeRobot's default depth settings: copied, not encoded.
    assert {f["key"]: f["copied"] for f in done["files"]} == {CAM: False, f"{CAM}_depth": True}
    assert done["copied_files"] == 1
    assert sum(f["bytes"] for f in done["files"]) == done["output_bytes"]
    # Lossless 12-bit depth stays exact; h264 at crf 30 on the replay lands near 40 dB.
    assert done["fidelity"][f"{CAM}_depth"] == 0
    assert done["fidelity"][CAM] > 32
    after = run_json("info", str(tmp_path / "out"))
    assert after["num_episodes"] == 2
    video = {f["key"]: f["video"] for f in after["features"]}
    assert (video[CAM]["codec"], video[f"{CAM}_depth"]["codec"]) == ("h264", "hevc")
    info = json.loads((tmp_path / "out" / "meta" / "info.json").read_text())
    assert info["features"][CAM]["info"]["video.g"] == 5
    assert recorded.exists()  # the source is only read


def test_reencode_for_people_with_a_progress_bar(
    tmp_path: Path, recorded: Path, recording: Any
) -> None:
    done = run("reencode", str(recorded), "out", "--workers", "2",
               "--rgb_encoder.vcodec", "h264", "--depth_encoder.preset", "ultrafast",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    frames = recording["num_frames"]
    assert (
        f"/out: 2 episodes, {frames} frames in 2 files (0 from an earlier run, 1 copied: "
        "already at these settings)"
    ) in lines[0]
    assert lines[1].startswith(f"  {CAM}: PSNR ")
    assert lines[2] == f"  {CAM}_depth: largest error 0.0 mm (worst episode)"
    assert "2/2 files" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nowhere", "out"), "nowhere"),
        (("{recorded}", "out", "--rgb_encoder.vcodec", "libx264"), "Use 'h264' rather"),
        (("{recorded}", "out", "--workers", "0"), "max_workers"),
    ],
    ids=["missing-source", "encoder-name", "workers"],
)
def test_refused_input_exits_3(
    tmp_path: Path, recorded: Path, args: tuple[str, ...], message: str
) -> None:
    done = run("reencode", *(a.format(recorded=recorded) for a in args), cwd=tmp_path)
    assert_one_line_error(done, 3, message)
    assert not (tmp_path / "out").exists()
