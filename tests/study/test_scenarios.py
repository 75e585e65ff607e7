"""Timestamp scenarios and the published study's sampling (``lerobot_video.study.scenarios``)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from lerobot_video import SCENARIOS, ConfigError, sample_scenario_frames

PUBLISHED_MODES = ["1_frame", "2_frames", "2_frames_4_space", "6_frames"]


def published_draws(
    num_frames: int, modes: list[str], backends: list[str], samples: int
) -> dict[tuple[str, str], list[list[int]]]:
    """The deleted script's sampling, written out as it ran (global ``random``, seed 1337).

    ``benchmark_encoding_decoding`` seeded once per encoding, then looped modes, then
    backends, and each of ``samples`` samples called ``sample_timestamps``, which drew
    ``idx = random.randint(5, ep_num_images - 1)`` and built the mode's frame list.
    """
    random.seed(1337)
    table = {}
    for mode in modes:
        for backend in backends:
            requests = []
            for _ in range(samples):
                idx = random.randint(5, num_frames - 1)
                frames = {
                    "1_frame": [idx],
                    "2_frames": [idx - 1, idx],
                    "2_frames_4_space": [idx - 5, idx],
                    "6_frames": [idx - i for i in range(6)][::-1],
                }[mode]
                requests.append(frames)
            table[(mode, backend)] = requests
    return table


@pytest.mark.parametrize("num_frames", [6, 72, 100, 1000])
def test_sampling_reproduces_the_published_script_with_one_backend(num_frames: int) -> None:
    expected = published_draws(num_frames, PUBLISHED_MODES, ["pyav"], 50)
    ours = sample_scenario_frames(num_frames, PUBLISHED_MODES, 50, seed=1337)
    for mode in PUBLISHED_MODES:
        assert ours[mode] == expected[(mode, "pyav")]


def test_sampling_reproduces_the_pyav_column_of_a_two_backend_run() -> None:
    # The h264/hevc runs looped backends [pyav, video_reader]; the default had
    # [torchcodec, pyav]: the last backend's draws are the ones returned.
    expected = published_draws(100, ["1_frame", "2_frames", "6_frames"], ["torchcodec", "pyav"], 50)
    ours = sample_scenario_frames(100, ["1_frame", "2_frames", "6_frames"], 50, backends=2)
    for mode in ("1_frame", "2_frames", "6_frames"):
        assert ours[mode] == expected[(mode, "pyav")]
        assert ours[mode] != expected[(mode, "torchcodec")]


def test_mode_order_changes_the_draws_as_it_did_in_the_published_script() -> None:
    alone = sample_scenario_frames(100, ["6_frames"], 50)
    after = sample_scenario_frames(100, ["1_frame", "6_frames"], 50)
    assert alone["6_frames"] != after["6_frames"]
    published = published_draws(100, ["1_frame", "6_frames"], ["pyav"], 50)
    assert after["6_frames"] == published[("6_frames", "pyav")]


def test_requests_have_the_scenario_shapes_and_stay_in_the_clip() -> None:
    requests = sample_scenario_frames(40, PUBLISHED_MODES, 200, seed=7)
    for mode, offsets in SCENARIOS.items():
        for request in requests[mode]:
            idx = request[-1]
            assert 5 <= idx <= 39
            assert request == [idx + offset for offset in offsets]
    assert len({r[-1] for r in requests["1_frame"]}) > 20  # random, not one index repeated


def test_other_seeds_draw_other_frames() -> None:
    assert sample_scenario_frames(100, ["1_frame"], 50, seed=1) != sample_scenario_frames(
        100, ["1_frame"], 50, seed=1337
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_frames": 5}, "num_frames must be an integer >= 6"),
        ({"scenarios": ["3_frames"]}, "Unknown timestamp mode"),
        ({"scenarios": ["1_frame", "1_frame"]}, "must not repeat"),
        ({"scenarios": "1_frame"}, "non-empty list of timestamp modes"),
        ({"num_samples": 0}, "num_samples must be an integer >= 1"),
        ({"backends": True}, "backends must be an integer"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs: dict[str, Any], message: str) -> None:
    arguments = {"num_frames": 100, "scenarios": ["1_frame"], "num_samples": 5, **kwargs}
    with pytest.raises(ConfigError, match=message):
        sample_scenario_frames(**arguments)
