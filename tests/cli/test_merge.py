"""``lerobot-video merge``: plan, confirmation, conflicts, the merge and its verification."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cli.console import (
    FIXTURE,
    assert_one_line_error,
    env_for,
    record_replay,
    run,
    run_json,
    script,
)


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset whose fps and features differ from the fixture's: every merge conflicts."""
    root = tmp_path_factory.mktemp("merge") / "replay"
    record_replay(root, "--no-depth", frames=3)
    return root


def test_merge_with_yes_writes_and_verifies(tmp_path: Path) -> None:
    found = run_json("merge", str(FIXTURE), str(FIXTURE), "--output", "out", "--yes",
                     cwd=tmp_path)  # fmt: skip
    plan = found["plan"]
    assert plan["ok"] is True
    assert [s["num_episodes"] for s in plan["sources"]] == [2, 2]
    assert (plan["total_episodes"], plan["conflicts"]) == (4, [])
    assert found["merged"]["num_episodes"] == 4
    assert found["merged"]["num_frames"] == plan["total_frames"] == 26
    assert found["verification"]["ok"] is True
    assert {c["name"] for c in found["verification"]["checks"]} >= {"frames", "stats"}
    assert run_json("info", str(tmp_path / "out"))["num_episodes"] == 4


def test_merge_for_people_shows_the_plan_then_the_verification(tmp_path: Path) -> None:
    done = run("merge", str(FIXTURE), str(FIXTURE), "--output", "out", "--yes", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "Merge 2 datasets into out: 4 episodes, 26 frames, 2 tasks"
    assert lines[1].startswith("  0. data: 2 episodes, 13 frames at 30 fps")
    assert lines[-1] == "Verified out: 6 checks hold."
    assert "7/7 steps" in done.stderr  # the progress bar


def test_without_yes_and_without_a_terminal_nothing_is_written(tmp_path: Path) -> None:
    done = run("merge", str(FIXTURE), str(FIXTURE), "--output", "out", cwd=tmp_path)
    assert_one_line_error(done, 3, "pass --yes to merge without asking")
    assert done.stdout.startswith("Merge 2 datasets into out")  # the plan was shown
    assert not (tmp_path / "out").exists()


def _merge_on_a_terminal(tmp_path: Path, answer: bytes) -> tuple[int, str]:
    """Run the merge with a pseudo-terminal as stdin and type ``answer`` at the prompt."""
    main, other = pty.openpty()
    args = [script(), "merge", str(FIXTURE), str(FIXTURE), "--output", "out"]
    with subprocess.Popen(
        args, cwd=tmp_path, env=env_for(tmp_path), stdin=other,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) as process:  # fmt: skip
        os.close(other)
        os.write(main, answer)
        _, err = process.communicate(timeout=120)
    os.close(main)
    return process.returncode, err


@pytest.mark.parametrize(("answer", "code"), [(b"y\n", 0), (b"n\n", 3), (b"\n", 3)])
def test_on_a_terminal_it_asks_first(tmp_path: Path, answer: bytes, code: int) -> None:
    returncode, err = _merge_on_a_terminal(tmp_path, answer)
    assert returncode == code, err
    assert "Write 4 episodes into out? [y/N]" in err
    assert (tmp_path / "out").exists() == (code == 0)
    if code == 3:
        assert "not confirmed; nothing was written" in err


def test_dry_run_prints_the_plan_only(tmp_path: Path) -> None:
    found = run_json("merge", str(FIXTURE), str(FIXTURE), "--output", "out", "--dry-run",
                     cwd=tmp_path)  # fmt: skip
    assert set(found) == {"plan"}
    assert found["plan"]["tasks"] == ["pick up the red cube", "put the cube in the bowl"]
    assert not (tmp_path / "out").exists()


def test_conflicts_exit_3_naming_the_first_ones(tmp_path: Path, recorded: Path) -> None:
    done = run("merge", str(FIXTURE), str(recorded), "--output", "out", "--yes", "--json",
               cwd=tmp_path)  # fmt: skip
    assert_one_line_error(done, 3, "conflicts block the merge. Source 1 ('replay') has fps")
    plan: dict[str, Any] = json.loads(done.stdout)["plan"]
    assert plan["ok"] is False
    assert {c["field"] for c in plan["conflicts"]} >= {"fps", "observation.images.camera"}
    assert f"{len(plan['conflicts'])} conflicts" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: (tmp / "folder").mkdir(), "Cannot read"),
        (lambda tmp: None, "No dataset folder 'folder'"),
        (lambda tmp: (tmp / "out").mkdir(), "'out' already exists"),
    ],
    ids=["not-a-dataset", "missing", "output-exists"],
)
def test_refused_inputs(tmp_path: Path, make: Any, message: str) -> None:
    make(tmp_path)
    source = "folder" if message != "'out' already exists" else str(FIXTURE)
    done = run("merge", str(FIXTURE), source, "--output", "out", "--yes", cwd=tmp_path)
    assert_one_line_error(done, 3, message)
