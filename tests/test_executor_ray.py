"""``RayExecutor`` on a local Ray cluster started by the test: results, retries, errors, a study.

The cluster is the one ``ray.init()`` starts in this process (all local CPUs); it is shut
down after the module. Ray workers cannot import the test modules, so this module's task
functions are sent by value.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray  # the `distributed` extra; the `test` extra installs it too
from file_digest import digest

from lerobot_video import (
    Clip,
    ConfigError,
    LocalExecutor,
    RayExecutor,
    RGBEncoderConfig,
    StudyGrid,
    WorkerLostError,
    load_clip,
    open_dataset,
    reencode_dataset,
    run_study,
)
from lerobot_video.clips import BUNDLED_PUSHT_CLIP

sys.path.insert(0, str(Path(__file__).parent / "dataset"))
from reencode_source import record_dataset

ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module", autouse=True)
def local_cluster() -> Iterator[None]:
    os.environ.pop("RAY_ADDRESS", None)
    yield
    ray.shutdown()


def square(value: int) -> tuple[int, int]:
    return value * value, os.getpid()


def die_once(marker: str) -> str:
    # The first attempt's worker is killed (as a lost node would be); the retry finishes.
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os._exit(1)
    return path.read_text()


def die_always(_: int) -> int:
    os._exit(1)


def refuse(value: int) -> int:
    raise ConfigError(f"task {value} refused")


def test_tasks_run_in_ray_workers() -> None:
    results = dict(RayExecutor().map_unordered(square, range(12)))
    assert {task: value for task, (value, _) in results.items()} == {i: i * i for i in range(12)}
    assert os.getpid() not in {pid for _, pid in results.values()}


def test_a_task_whose_worker_dies_is_run_again(tmp_path: Path) -> None:
    marker = str(tmp_path / "attempt")
    results = list(RayExecutor(max_retries=2).map_unordered(die_once, [marker]))
    assert results == [(marker, "died")]


def test_a_worker_that_keeps_dying_is_a_clear_error() -> None:
    with pytest.raises(WorkerLostError, match="A Ray worker died"):
        list(RayExecutor(max_retries=0).map_unordered(die_always, [1]))


def test_a_tasks_own_error_comes_back_as_itself() -> None:
    with pytest.raises(ConfigError, match="task 3 refused"):
        list(RayExecutor().map_unordered(refuse, [3]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_workers": 0}, "max_workers must be an integer in"),
        ({"max_retries": -1}, "max_retries must be an integer in"),
        ({"address": ""}, "address must be a non-empty string"),
    ],
)
def test_bad_arguments_are_refused_before_connecting(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        RayExecutor(**kwargs)


def _kill_one_worker(stop: threading.Event, killed: list[int], task: str) -> None:
    """Kill the first Ray worker seen running ``task`` (SIGKILL, no clean-up)."""
    while not stop.is_set() and not killed:
        found = subprocess.run(
            ["pgrep", "-f", f"ray::{task}"], capture_output=True, text=True
        ).stdout.split()
        if found:
            os.kill(int(found[0]), signal.SIGKILL)
            killed.append(int(found[0]))
        time.sleep(0.02)


DETERMINISTIC = ("vcodec", "g", "crf", "timestamps_mode", "video_size_bytes", "avg_mse",
                 "avg_psnr", "avg_ssim", "images_size_bytes", "browser_playable")  # fmt: skip


def test_a_study_on_ray_survives_a_killed_worker_and_equals_the_local_run(
    tmp_path: Path,
) -> None:
    clip = load_clip(BUNDLED_PUSHT_CLIP)
    clip = Clip(name="pusht", frames=clip.frames[:16], fps=clip.fps)
    # SVT-AV1 is bit-repeatable here; x264 is not quite (a few bytes move between runs).
    grid = StudyGrid(vcodec=("libsvtav1",), g=(2, 4, 8), crf=(20, 40))
    stop, killed = threading.Event(), list[int]()
    killer = threading.Thread(target=_kill_one_worker, args=(stop, killed, "run_cell"))
    killer.start()
    try:
        on_ray = run_study(
            [clip], grid, output_dir=tmp_path / "ray", num_samples=4,
            executor=RayExecutor(max_workers=2, max_retries=3),
        )  # fmt: skip
    finally:
        stop.set()
        killer.join()
    assert killed, "no Ray worker was seen running a cell"
    local = run_study(
        [clip], grid, output_dir=tmp_path / "local", num_samples=4, executor=LocalExecutor(2)
    )
    assert len(on_ray.rows) == len(local.rows) == 12
    assert [{k: r[k] for k in DETERMINISTIC} for r in on_ray.rows] == [
        {k: r[k] for k in DETERMINISTIC} for r in local.rows
    ]
    assert {r["concurrent_cells"] for r in on_ray.rows} == {2}


def test_a_reencode_on_ray_survives_a_killed_worker_and_equals_the_local_pool(
    tmp_path: Path,
) -> None:
    source = record_dataset(tmp_path / "recorded")
    before = digest(source)
    config = RGBEncoderConfig(vcodec="h264")  # encoder threads fixed: the same bytes anywhere
    stop, killed = threading.Event(), list[int]()
    killer = threading.Thread(target=_kill_one_worker, args=(stop, killed, "run_reencode_task"))
    killer.start()
    try:
        on_ray = reencode_dataset(
            source, tmp_path / "ray", rgb_encoder=config, encoder_threads=2,
            executor=RayExecutor(max_workers=2, max_retries=3),
        )  # fmt: skip
    finally:
        stop.set()
        killer.join()
    assert killed, "no Ray worker was seen re-encoding a file"
    local = reencode_dataset(
        source, tmp_path / "local", rgb_encoder=config, encoder_threads=2,
        executor=LocalExecutor(2),
    )  # fmt: skip
    assert on_ray.num_frames == local.num_frames == open_dataset(source).num_frames
    assert len(on_ray.files) == len(local.files) > 20
    assert digest(on_ray.root) == digest(local.root)  # every video, parquet and JSON
    assert digest(source) == before
