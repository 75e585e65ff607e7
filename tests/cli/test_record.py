"""``lerobot-video record``: headless recording, encoder flags, missing cameras, Ctrl-C."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
from pathlib import Path

from cli.console import (
    FAST_ENCODERS,
    assert_one_line_error,
    env_for,
    record_replay,
    run,
    run_json,
    script,
)
from lerobot_video import DepthEncoderConfig, RGBEncoderConfig

CAM = "observation.images.camera"


def test_record_from_the_replay_with_rgb_and_depth_flags(tmp_path: Path) -> None:
    recorded = record_replay(tmp_path / "ds", "--dataset.depth_encoder.depth_max", "3.5",
                             "--depth_encoder.use_log", "false", "--camera", "top")  # fmt: skip
    top = "observation.images.top"
    assert recorded["features"] == [top, f"{top}_depth"]
    assert [e["episode_index"] for e in recorded["episodes"]] == [0, 1]
    # The capture loop may hand over a frame or two already due when the 10th arrives (it
    # catches up on late ticks at once); never fewer than asked.
    assert all(10 <= e["length"] <= 12 for e in recorded["episodes"]), recorded
    report = run_json("info", str(tmp_path / "ds"))
    assert report["num_episodes"] == 2
    codecs = {f["key"]: f["video"]["codec"] for f in report["features"]}
    assert codecs == {top: "h264", f"{top}_depth": "hevc"}
    info = json.loads((tmp_path / "ds" / "meta" / "info.json").read_text())
    depth = info["features"][f"{top}_depth"]["info"]
    assert (depth["video.depth_max"], depth["video.use_log"]) == (3.5, False)
    assert depth["video.preset"] == "ultrafast"


def test_every_encoder_field_has_a_flag_and_its_lerobot_alias() -> None:
    text = run("record", "--help").stdout
    for field in dataclasses.fields(RGBEncoderConfig):
        assert f"--rgb_encoder.{field.name}" in text
        assert f"--dataset.rgb_encoder.{field.name}" in text
    for field in dataclasses.fields(DepthEncoderConfig):
        assert f"--depth_encoder.{field.name}" in text
        assert f"--dataset.depth_encoder.{field.name}" in text


def test_an_unknown_source_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    done = run("record", "ds", "--episodes", "1", "--frames-per-episode", "2",
               "--source", "webcam", cwd=tmp_path)  # fmt: skip
    assert_one_line_error(done, 3, "Unknown source 'webcam'; give replay, opencv:<index>")
    assert "usable here: replay" in done.stderr
    assert not (tmp_path / "ds").exists()


def test_a_missing_camera_exits_3_and_leaves_no_folder(tmp_path: Path) -> None:
    done = run("record", "ds", "--episodes", "1", "--frames-per-episode", "2",
               "--source", "opencv:9", cwd=tmp_path)  # fmt: skip
    assert_one_line_error(done, 3, "OpenCV index 9")
    assert not (tmp_path / "ds").exists()


def test_bad_depth_settings_are_refused(tmp_path: Path) -> None:
    done = run("record", "ds", "--episodes", "1", "--frames-per-episode", "2",
               "--depth_encoder.depth_min", "2", "--depth_encoder.depth_max", "1",
               cwd=tmp_path)  # fmt: skip
    assert_one_line_error(done, 3, "depth_max")
    assert not (tmp_path / "ds").exists()
    not_a_bool = run("record", "ds", "--episodes", "1", "--frames-per-episode", "2",
                     "--depth_encoder.use_log", "maybe", cwd=tmp_path)  # fmt: skip
    assert not_a_bool.returncode == 2
    assert "give true or false" in not_a_bool.stderr


def test_ctrl_c_keeps_the_saved_episodes_and_exits_130(tmp_path: Path) -> None:
    args = [script(), "record", "ds", "--episodes", "500", "--frames-per-episode", "5",
            *FAST_ENCODERS]  # fmt: skip
    with subprocess.Popen(
        args, cwd=tmp_path, env=env_for(tmp_path), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        assert process.stderr is not None
        for line in process.stderr:  # a bar per frame; "saved" once an episode is in
            if "episode 1 saved" in line:
                break
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=60)
    assert process.returncode == 130, rest
    assert rest.strip().splitlines()[-1] == "lerobot-video record: interrupted."
    report = run_json("info", str(tmp_path / "ds"))
    assert 2 <= report["num_episodes"] < 500
    assert not [f for f in report["findings"] if f["severity"] == "error"]
