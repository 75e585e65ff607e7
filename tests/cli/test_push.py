"""``lerobot-video push``: to the local Hub endpoint, with the token from the environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli.console import FIXTURE, assert_one_line_error, hub_env, run, run_json

TOKEN = "hf_writer_secret_5678"


def _published_files(root: Path) -> int:
    """What a push uploads: every file but hidden ones and ``images/``."""
    files = [p.relative_to(root) for p in root.rglob("*") if p.is_file()]
    return len([p for p in files if p.parts[0] != "images" and not p.name.startswith(".")])


def test_push_then_read_it_back(local_hub: Any, tmp_path: Path) -> None:
    local_hub.add_token(TOKEN, write=True)
    env = {**hub_env(), "HF_TOKEN": TOKEN}
    done = run("push", str(FIXTURE), "alice/pushed", "--json", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert TOKEN not in done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert (result["repo_id"], result["tag"]) == ("alice/pushed", "v3.0")
    assert result["num_files"] == _published_files(FIXTURE)
    assert local_hub.resolve_revision("alice/pushed", "v3.0") == result["commit"]
    report = run_json("info", "alice/pushed", cwd=tmp_path, env=hub_env())
    assert report["num_episodes"] == 2


def test_token_flag_and_text_output(local_hub: Any, tmp_path: Path) -> None:
    local_hub.add_token(TOKEN, write=True)
    done = run("push", str(FIXTURE), "alice/flagged", "--token", TOKEN, "--private",
               cwd=tmp_path, env=hub_env())  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Pushed {_published_files(FIXTURE)} files")
    assert "to alice/flagged: commit" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    anonymous = run("info", "alice/flagged", cwd=tmp_path, env=hub_env())
    assert anonymous.returncode == 3  # private: no token, no read


def test_a_bad_repo_id_is_refused(local_hub: Any, tmp_path: Path) -> None:
    done = run("push", str(FIXTURE), "not a repo", cwd=tmp_path, env=hub_env())
    assert_one_line_error(done, 3, "A Hub dataset id is 'namespace/name'")
    assert local_hub.requests == []


def test_without_a_write_token_it_exits_3(local_hub: Any, tmp_path: Path) -> None:
    local_hub.add_token("hf_reader_secret_1234", write=False)
    env = {**hub_env(), "HF_TOKEN": "hf_reader_secret_1234"}
    done = run("push", str(FIXTURE), "alice/pushed", cwd=tmp_path, env=env)
    assert_one_line_error(done, 3, "alice/pushed")
    assert "hf_reader_secret_1234" not in done.stdout + done.stderr


def test_an_unreachable_hub_exits_4(local_hub: Any, tmp_path: Path) -> None:
    local_hub.stop()
    env = {**hub_env(), "HF_TOKEN": TOKEN}
    done = run("push", str(FIXTURE), "alice/pushed", cwd=tmp_path, env=env)
    assert done.returncode == 4, done.stderr
    assert "Traceback" not in done.stderr
