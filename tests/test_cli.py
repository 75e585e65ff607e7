"""The ``lerobot-video`` command, run through the installed console script.

Covers the command as a whole (help, exit codes, ``--debug``, ``python -m``) and the ``info``,
``encode``, ``study`` and ``recommend`` subcommands; ``tests/cli/`` covers the others.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli.console import FIXTURE, hub_env, run

from lerobot_video import PUBLISHED_COLUMNS, probe_video


def test_help_lists_the_subcommands_and_exit_codes() -> None:
    done = run("--help")
    assert done.returncode == 0
    words = ("info", "encode", "compare", "study", "recommend", "record", "merge", "push")
    for word in (*words, "exit codes:", "  3  the input was refused"):
        assert word in done.stdout


def test_python_dash_m_is_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lerobot_video", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout == run("--help").stdout


def test_info_reports_a_dataset_for_people_and_as_json() -> None:
    text = run("info", str(FIXTURE))
    assert text.returncode == 0, text.stderr
    assert "observation.images.cam: av1 yuv420p 64x48" in text.stdout
    assert "warning: Feature 'observation.images.depth'" in text.stdout
    as_json = run("info", str(FIXTURE), "--json")
    report = json.loads(as_json.stdout)
    assert [f["key"] for f in report["features"]] == [
        "observation.images.cam",
        "observation.images.depth",
    ]
    assert report["num_episodes"] == 2
    assert {f["severity"] for f in report["findings"]} == {"warning", "info"}


def test_info_exits_1_when_the_dataset_has_errors(tmp_path: Path) -> None:
    copy = tmp_path / "data"
    shutil.copytree(FIXTURE, copy)
    video = next((copy / "videos" / "observation.images.cam").rglob("*.mp4"))
    data = video.read_bytes()
    video.write_bytes(data[: len(data) * 2 // 3])  # cut short, as a failed upload leaves it
    done = run("info", str(copy))
    assert done.returncode == 1
    assert "error:" in done.stdout
    assert FIXTURE.exists()  # the original is untouched (copied before cutting)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("info", "nowhere"), 3, "No dataset folder 'nowhere'"),
        (("study", "--clips", "pusht", "--g", "0", "--executor", "inline"), 3, "No combination"),
        (("study", "--clips", "missing.npz", "--executor", "inline"), 3, "missing.npz"),
        (("recommend", "pusht", "--max-load-ratio", "-1", "--executor", "inline"), 3, "positive"),
    ],
)
def test_refused_input_is_one_line_on_stderr_with_exit_3(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    done = run(*args, cwd=tmp_path)
    assert done.returncode == code
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    done = run("--debug", "info", "nowhere", cwd=tmp_path)
    assert done.returncode != 0
    assert "Traceback" in done.stderr


def test_a_wrong_command_line_exits_2() -> None:
    assert run("bogus").returncode == 2
    assert run("study", "--g", "two").returncode == 2


def test_study_writes_the_table_and_resumes(tmp_path: Path) -> None:
    args = ("study", "--clips", "pusht", "--vcodec", "h264", "libsvtav1", "--g", "2", "none",
            "--crf", "30", "--num-samples", "3", "--executor", "inline", "--json",
            "--output-dir", str(tmp_path / "out"))  # fmt: skip
    first = run(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["cells"] == 4
    assert summary["cached_cells"] == 0
    header = Path(summary["csv"]).read_text().splitlines()[0].split(",")
    assert header[: len(PUBLISHED_COLUMNS)] == list(PUBLISHED_COLUMNS)
    again = json.loads(run(*args, cwd=tmp_path).stdout)
    assert again["cached_cells"] == 4


def test_recommend_prints_a_proposal_as_json(tmp_path: Path) -> None:
    done = run("recommend", "pusht", "--vcodec", "h264", "--max-load-ratio", "0",
               "--num-samples", "3", "--executor", "inline", "--json",
               "--output-dir", str(tmp_path / "out"), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["proposal"]["vcodec"] == "h264"
    assert found["proposal_row"]["avg_psnr"] >= found["min_psnr_db"]
    assert 0 < found["size_saving"] < 1
    assert found["default"]["vcodec"] == "libsvtav1"


def test_encode_takes_lerobots_flag_spellings(tmp_path: Path) -> None:
    done = run("encode", "pusht", str(tmp_path / "cam.mp4"), "--dataset.rgb_encoder.vcodec",
               "h264", "--rgb_encoder.crf", "23", "--dataset.camera_encoder.g", "4", "--json",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)["info"]
    assert (info["video.codec"], info["video.g"], info["video.crf"]) == ("h264", 4, 23)
    facts = probe_video(tmp_path / "cam.mp4")
    assert (facts.codec, facts.num_frames, facts.width) == ("h264", 72, 96)


def test_encode_defaults_to_lerobots_encoding(tmp_path: Path) -> None:
    done = run("encode", "pusht", str(tmp_path / "cam.mp4"), "--json", cwd=tmp_path)
    info = json.loads(done.stdout)["info"]
    assert (info["video.codec"], info["video.pix_fmt"], info["video.g"], info["video.crf"]) == (
        "av1", "yuv420p", 2, 30,
    )  # fmt: skip


def test_encode_refuses_bad_settings(tmp_path: Path) -> None:
    bad = run("encode", "pusht", str(tmp_path / "a.mp4"), "--rgb_encoder.crf", "-3", cwd=tmp_path)
    assert bad.returncode == 3
    assert "crf must be a finite number >= 0" in bad.stderr
    assert not (tmp_path / "a.mp4").exists()
    wrong = run("encode", "pusht", str(tmp_path / "a.mp4"), "--rgb_encoder.extra_options", "[1]")
    assert wrong.returncode == 2
    assert "JSON object" in wrong.stderr


def test_info_reads_a_hub_dataset_by_repo_id(local_hub: Any, tmp_path: Path) -> None:
    local_hub.publish("alice/pick", FIXTURE)
    done = run("info", "alice/pick", "--json", cwd=tmp_path, env=hub_env())
    assert done.returncode == 0, done.stderr
    on_hub = json.loads(done.stdout)
    local = json.loads(run("info", str(FIXTURE), "--json").stdout)
    assert [f["key"] for f in on_hub["features"]] == [f["key"] for f in local["features"]]
    assert [f["bitrate_bits_per_second"] for f in on_hub["features"]] == [
        f["bitrate_bits_per_second"] for f in local["features"]
    ]


def test_a_private_hub_dataset_needs_hf_token(local_hub: Any, tmp_path: Path) -> None:
    local_hub.publish("alice/private", FIXTURE, private=True)
    local_hub.add_token("hf_reader_secret_1234", write=False)
    refused = run("info", "alice/private", cwd=tmp_path, env=hub_env())
    assert refused.returncode == 3
    assert "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    env = {**hub_env(), "HF_TOKEN": "hf_reader_secret_1234"}
    allowed = run("info", "alice/private", cwd=tmp_path, env=env)
    assert allowed.returncode == 0, allowed.stderr
    assert "hf_reader_secret_1234" not in allowed.stdout + allowed.stderr


def test_an_unreachable_hub_exits_4(local_hub: Any, tmp_path: Path) -> None:
    local_hub.stop()
    done = run("info", "alice/gone", cwd=tmp_path, env=hub_env())
    assert done.returncode == 4
    assert "Traceback" not in done.stderr
