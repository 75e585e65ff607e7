"""Merge page with a Hub source (a local Hub endpoint): the plan reads its metadata, the merge
reads its data and videos by ranges, and the result verifies like a local merge."""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

import gradio as gr
import pytest
from hub.local_hub import LocalHub

import app
from components.merge.handlers import add_hub, add_local, run_merge
from components.sample_dataset import EPISODES, ensure_sample_dataset
from components.state import AppSettings, SessionState, _close
from lerobot_video import open_dataset

NO_PROGRESS = cast(gr.Progress, lambda *_args, **_kwargs: None)


@pytest.fixture
def data(tmp_path_factory: pytest.TempPathFactory) -> AppSettings:
    settings = app.make_settings(tmp_path_factory.mktemp("merge-hub-data"))
    assert ensure_sample_dataset(settings) is not None
    return settings


@pytest.fixture
def state(data: AppSettings) -> Iterator[SessionState]:
    session = SessionState.new(data)
    yield session
    _close(session)


def test_hub_source_merges_with_a_local_one(
    state: SessionState, data: AppSettings, local_hub: LocalHub
) -> None:
    local_hub.publish("studio/sample", data.datasets_dir / "aloha_sim_sample")
    with pytest.raises(gr.Error, match="studio/missing"):
        add_hub(state, data, "studio/missing", NO_PROGRESS)
    assert "studio/sample (Hub)" in add_hub(state, data, "studio/sample", NO_PROGRESS)
    add_local(state, data, "datasets/aloha_sim_sample", NO_PROGRESS)
    plan = state.merge.plan
    assert plan is not None
    assert plan.ok, plan.conflicts
    served = local_hub.bytes_served
    status = run_merge(state, data, ("from_the_hub", 100, 200), NO_PROGRESS)
    assert "every check passed" in status
    assert local_hub.bytes_served > served  # data and videos came from the Hub
    assert open_dataset(data.datasets_dir / "from_the_hub").num_episodes == 2 * EPISODES
