"""Where independent tasks run: one interface, a local process pool by default.

Studies and re-encodings split into tasks that share nothing but files (a study cell, a video
file). They are run through an :class:`Executor`: :class:`LocalExecutor` (a process pool on
this machine, nothing to install or start), :class:`InlineExecutor` (in this process, one
at a time, for small jobs and debugging) or :class:`RayExecutor` (Ray, on a cluster or on
this machine), all behind the same two members. Task functions must be importable top-level
functions and their arguments and results picklable, because a process pool (or a cluster)
runs them elsewhere.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol, TypeVar

from lerobot_video.errors import ConfigError, WorkerLostError
from lerobot_video.optional import import_optional

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs independent tasks and yields their results as each finishes.

    Attributes:
        max_workers: Tasks that may run at the same time (what shares the cores).
    """

    @property
    def max_workers(self) -> int:
        """Tasks that may run at the same time, >= 1."""
        ...

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Generator[tuple[T, R], None, None]:
        """Run ``fn`` on every task; yield ``(task, result)`` in the order they finish.

        Closing the iterator early (``break``, an exception, a cancelled generator) stops
        every task that has not started. A task's exception is raised from the iterator.
        """
        ...


class InlineExecutor:
    """Runs tasks one by one in this process (``max_workers`` is 1)."""

    @property
    def max_workers(self) -> int:
        """Always 1."""
        return 1

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Generator[tuple[T, R], None, None]:
        """Run ``fn`` on each task in turn, yielding ``(task, result)``."""
        for task in tasks:
            yield task, fn(task)

    def __repr__(self) -> str:
        return "InlineExecutor()"


class LocalExecutor:
    """A pool of worker processes on this machine.

    Workers are started with ``spawn`` (a fresh interpreter), which is safe in a threaded
    process such as the web app; each start costs about a second, paid once per pool.

    Args:
        max_workers: Worker processes, 1..256; None for the number of CPU cores.

    Raises:
        ConfigError: ``max_workers`` is not an integer in range.
    """

    def __init__(self, max_workers: int | None = None) -> None:
        if max_workers is None:
            max_workers = os.cpu_count() or 1
        if isinstance(max_workers, bool) or not isinstance(max_workers, int):
            raise ConfigError(f"max_workers must be an integer or None, got {max_workers!r}.")
        if not 1 <= max_workers <= 256:
            raise ConfigError(f"max_workers must be between 1 and 256, got {max_workers}.")
        self._max_workers = max_workers

    @property
    def max_workers(self) -> int:
        """Worker processes."""
        return self._max_workers

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Generator[tuple[T, R], None, None]:
        """Run ``fn`` on every task in the pool; yield ``(task, result)`` as each finishes.

        At most ``2 * max_workers`` tasks are queued at once, so a long task list is not
        pickled up front and a closed iterator leaves little to cancel.
        """
        pending = iter(tasks)
        running: dict[Future[R], T] = {}
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=self._max_workers, mp_context=context)
        finished = False
        try:
            while True:
                for task in itertools.islice(pending, 2 * self._max_workers - len(running)):
                    running[pool.submit(fn, task)] = task
                if not running:
                    finished = True
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    yield running.pop(future), _result(future)
        finally:
            if not finished:
                _stop_workers(pool)
            pool.shutdown(wait=True, cancel_futures=True)

    def __repr__(self) -> str:
        return f"LocalExecutor(max_workers={self._max_workers})"


def _result(future: Future[R]) -> R:
    try:
        return future.result()
    except BrokenProcessPool as err:
        raise WorkerLostError(
            "A worker process stopped before finishing its task (killed, out of memory, or "
            "started from a script without `if __name__ == '__main__':`, which worker "
            "processes started with spawn need). Finished tasks are kept; run again to "
            "resume, or pass executor=InlineExecutor() to run in this process."
        ) from err


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's workers now: a cancelled study must not keep the cores busy."""
    # The pool offers no public way to stop running tasks before Python 3.14
    # (terminate_workers); its worker table is the only handle on them.
    workers = getattr(pool, "_processes", None) or {}
    for process in list(workers.values()):
        process.terminate()


class RayExecutor:
    """Tasks as Ray tasks, on a Ray cluster or on one started here.

    Ray is imported and connected on first use: to ``address`` (or the ``RAY_ADDRESS``
    environment variable, as ``ray.init`` reads it), else to a local cluster started in this
    process. Tasks must be idempotent: a task whose worker dies (a lost node, a killed
    process) is run again, up to ``max_retries`` times, and only then is the loss an error.
    Workers must see the same files as this process (shared storage or the Hub) and import
    ``lerobot_video`` (``pip install lerobot-video[distributed]`` on every node).

    Args:
        address: A cluster to join (``"ray://host:10001"``, ``"auto"``); None for
            ``RAY_ADDRESS`` or a local cluster.
        max_workers: Tasks in flight at once, 1..4096; None for the cluster's CPUs.
        max_retries: Times a task is run again after its worker died, 0..100.

    Raises:
        ConfigError: An argument out of range (checked here, before anything connects).
    """

    def __init__(
        self, *, address: str | None = None, max_workers: int | None = None, max_retries: int = 3
    ) -> None:
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise ConfigError(f"address must be a non-empty string or None, got {address!r}.")
        if max_workers is not None:
            _check_range("max_workers", max_workers, 1, 4096)
        _check_range("max_retries", max_retries, 0, 100)
        self._address, self._workers, self._retries = address, max_workers, max_retries

    def _ray(self) -> Any:
        ray = import_optional("ray")
        if not ray.is_initialized():
            address = self._address or os.environ.get("RAY_ADDRESS") or None
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        return ray

    @property
    def max_workers(self) -> int:
        """Tasks in flight at once (connects to Ray to count the cluster's CPUs if unset)."""
        if self._workers is not None:
            return self._workers
        return max(1, int(self._ray().cluster_resources().get("CPU", 1)))

    def map_unordered(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Generator[tuple[T, R], None, None]:
        """Run ``fn`` on every task as Ray tasks; yield ``(task, result)`` as each finishes.

        Raises:
            WorkerLostError: A task's worker died more than ``max_retries`` times.
            MissingDependencyError: Ray is not installed.
        """
        ray = self._ray()
        remote = ray.remote(max_retries=self._retries)(fn)
        pending, limit = iter(tasks), 2 * self.max_workers
        running: dict[Any, T] = {}
        try:
            while True:
                for task in itertools.islice(pending, limit - len(running)):
                    running[remote.remote(task)] = task
                if not running:
                    return
                done, _ = ray.wait(list(running), num_returns=1)
                for ref in done:
                    yield running.pop(ref), _ray_result(ray, ref)
        finally:
            for ref in running:  # closed early: what was not collected is not needed
                ray.cancel(ref, force=True)

    def __repr__(self) -> str:
        return f"RayExecutor(address={self._address!r}, max_workers={self._workers})"


def _check_range(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name} must be an integer in [{low}, {high}], got {value!r}.")


def _ray_result(ray: Any, ref: Any) -> Any:
    try:
        return ray.get(ref)
    except (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError) as err:
        raise WorkerLostError(
            f"A Ray worker died running a task, more often than the retries allow ({err}). "
            "Finished tasks are kept; run again to resume."
        ) from err
    except ray.exceptions.RayTaskError as err:
        raise err.as_instanceof_cause() from None  # the task's own error, as raised there
