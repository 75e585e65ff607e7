"""The executor interface: inline, and a local process pool (``lerobot_video.executor``)."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from lerobot_video import ConfigError, InlineExecutor, LocalExecutor, WorkerLostError


def square_with_pid(value: int) -> tuple[int, int]:
    return value * value, os.getpid()


def sleep_then_return(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def die(value: int) -> int:
    if value == 3:
        os._exit(9)  # a worker killed mid-task (out of memory, kill -9)
    return value


def test_inline_runs_in_this_process_in_order() -> None:
    results = list(InlineExecutor().map_unordered(square_with_pid, [1, 2, 3]))
    assert [(task, result[0]) for task, result in results] == [(1, 1), (2, 4), (3, 9)]
    assert {result[1] for _, result in results} == {os.getpid()}


def test_local_pool_runs_every_task_in_other_processes() -> None:
    results = dict(LocalExecutor(2).map_unordered(square_with_pid, range(10)))
    assert {task: value for task, (value, _) in results.items()} == {i: i * i for i in range(10)}
    pids = {pid for _, pid in results.values()}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2


def test_results_come_as_tasks_finish_not_in_submission_order() -> None:
    results = LocalExecutor(2).map_unordered(sleep_then_return, [20.0, 0.01])
    assert next(results) == (0.01, 0.01)  # while the first task still sleeps
    results.close()


def test_closing_the_iterator_stops_the_workers() -> None:
    before = set(multiprocessing.active_children())
    results = LocalExecutor(2).map_unordered(sleep_then_return, [0.01, 30.0, 30.0, 30.0])
    assert next(results) == (0.01, 0.01)
    started = time.monotonic()
    results.close()
    assert time.monotonic() - started < 10  # the 30 s tasks were not waited for
    assert set(multiprocessing.active_children()) <= before


def test_a_killed_worker_is_a_clear_error() -> None:
    with pytest.raises(WorkerLostError, match="stopped before finishing") as caught:
        list(LocalExecutor(1).map_unordered(die, [1, 2, 3, 4]))
    assert isinstance(caught.value, RuntimeError)


@pytest.mark.parametrize("workers", [0, 257, 1.5, True, "2"])
def test_bad_worker_counts_are_refused(workers: object) -> None:
    with pytest.raises(ConfigError, match="max_workers must be"):
        LocalExecutor(workers)  # type: ignore[arg-type]


def test_default_worker_count_is_the_core_count() -> None:
    assert LocalExecutor().max_workers == (os.cpu_count() or 1)
    assert InlineExecutor().max_workers == 1
