"""The ``lerobot-video`` command, run through the installed console script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lerobot_video import PUBLISHED_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "lerobot_dataset" / "data"
SCRIPT = shutil.which("lerobot-video", path=str(Path(sys.executable).parent))


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert SCRIPT is not None, "the console script is not installed (pip install -e .)"
    env = {"SVT_LOG": "1", "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
    return subprocess.run(
        [SCRIPT, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=240
    )


def test_help_lists_the_subcommands_and_exit_codes() -> None:
    done = run("--help")
    assert done.returncode == 0
    for word in ("info", "study", "recommend", "exit codes:", "  3  the input was refused"):
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
