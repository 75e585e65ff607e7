"""Fixtures of the dataset tests: the fed arrays, our dataset made from them, a writer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy.typing as npt
import pytest

from lerobot_video import DatasetWriter, create_dataset

from .dataset_fakes import FEATURES, load_fed, record


@pytest.fixture(scope="session")
def fed() -> dict[str, npt.NDArray[Any]]:
    """The arrays make_fixture.py fed to LeRobot's add_frame."""
    return load_fed()


@pytest.fixture(scope="session", params=[True, False], ids=["streaming", "staged"])
def ours(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, fed: dict[str, Any]
) -> Path:
    """Our writer's dataset from the same arrays and episodes as the LeRobot fixture.

    Made both ways (encoded while recording, and staged then encoded at save): everything
    LeRobot's reference fixes must come out the same.
    """
    root = tmp_path_factory.mktemp("ours") / "dataset"
    lengths = [int(n) for n in fed["episode_lengths"]]
    record(root, fed, lengths, streaming_encoding=request.param).finalize()
    return root


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[DatasetWriter]:
    with create_dataset(tmp_path / "d", fps=30, features=FEATURES) as dataset_writer:
        yield dataset_writer
