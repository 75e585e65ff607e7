"""Which frames a study asks for: the published benchmark's timestamp scenarios and sampling.

A policy asks a dataset for one frame, or a short history of frames, at random places in an
episode. LeRobot's video benchmark timed four such requests ("timestamp modes") and drew
their positions with Python's ``random`` seeded with 1337 once per encoding, one
``randint(5, n - 1)`` per sample, modes (then decoding backends) in order. Reproducing that
sequence exactly lets a rerun ask for the very frames the published study asked for.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from lerobot_video.errors import ConfigError

SCENARIOS: dict[str, tuple[int, ...]] = {
    "1_frame": (0,),
    "2_frames": (-1, 0),
    "2_frames_4_space": (-5, 0),
    "6_frames": (-5, -4, -3, -2, -1, 0),
}
"""Timestamp mode to the frames it requests, as offsets from a random index ``idx``."""

MIN_STUDY_FRAMES = 6
"""Frames a clip needs: the published sampling draws ``idx`` from ``[5, n - 1]``."""


def check_scenarios(scenarios: object) -> tuple[str, ...]:
    """``scenarios`` as a tuple of known mode names, in the order given, without repeats.

    Raises:
        ConfigError: Not a non-empty sequence of names from :data:`SCENARIOS`, or a repeat.
    """
    if isinstance(scenarios, str) or not isinstance(scenarios, Sequence) or not scenarios:
        raise ConfigError(
            f"scenarios must be a non-empty list of timestamp modes ({', '.join(SCENARIOS)}), "
            f"got {scenarios!r:.80}."
        )
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        raise ConfigError(f"Unknown timestamp mode(s) {unknown}; allowed: {', '.join(SCENARIOS)}.")
    if len(set(scenarios)) != len(scenarios):
        raise ConfigError(f"Timestamp modes must not repeat, got {list(scenarios)}.")
    return tuple(scenarios)


def sample_scenario_frames(
    num_frames: int,
    scenarios: Sequence[str],
    num_samples: int,
    *,
    seed: int = 1337,
    backends: int = 1,
) -> dict[str, list[list[int]]]:
    """The frame indices each timestamp mode requests, drawn as the published study drew them.

    The generator is seeded once; then for each mode in order, for each of ``backends``
    decoders, ``num_samples`` draws of ``idx = randint(5, num_frames - 1)``. The requests
    returned for a mode are those of its last backend's draws (the published ``pyav``
    column came after ``torchcodec`` when both ran; with one backend they are simply the
    mode's own draws).

    Args:
        num_frames: Frames in the episode, >= 6.
        scenarios: Timestamp modes, keys of :data:`SCENARIOS`, in the order they are run.
        num_samples: Requests per mode, >= 1 (the published study used 50).
        seed: The ``random.seed`` value (the published study used 1337).
        backends: Decoding backends the published run looped over inside each mode, >= 1.

    Returns:
        Mode name to ``num_samples`` requests, each a list of frame indices in [0, n - 1]
        (divide by fps for timestamps).

    Raises:
        ConfigError: A mode is unknown, or a count is out of range.
    """
    modes = check_scenarios(scenarios)
    for name, value, low in (
        ("num_frames", num_frames, MIN_STUDY_FRAMES),
        ("num_samples", num_samples, 1),
        ("backends", backends, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}.")
    rng = random.Random(seed)
    requests: dict[str, list[list[int]]] = {}
    for mode in modes:
        for _ in range(backends):
            starts = [rng.randint(5, num_frames - 1) for _ in range(num_samples)]
        requests[mode] = [[start + offset for offset in SCENARIOS[mode]] for start in starts]
    return requests
