"""The frame-source interface's checks: ``StreamSpec`` and every source's knobs.

Covers: knob validation (``ConfigError`` with the allowed values) of the four sources and
``StreamSpec``'s checks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lerobot_video import BrowserSource, OpenCVSource, RealSenseSource, ReplaySource, StreamSpec
from lerobot_video.errors import ConfigError


class TestValidation:
    @pytest.mark.parametrize(
        ("make", "match"),
        [
            (lambda: OpenCVSource(-1), r"Camera index must be an integer >= 0, got -1"),
            (lambda: OpenCVSource(True), r"Camera index must be an integer >= 0, got True"),
            (lambda: OpenCVSource(width=0), r"width must be a positive whole number"),
            (lambda: OpenCVSource(fps=0), r"fps must be a finite number > 0"),
            (
                lambda: RealSenseSource(fps=29.97),  # type: ignore[arg-type]
                r"fps must be a whole number .* got 29.97",
            ),
            (lambda: RealSenseSource(""), r"serial must be a non-empty string or None"),
            (lambda: RealSenseSource(height=-4), r"height must be a positive whole number"),
            (lambda: BrowserSource(height=0, width=4), r"height must be a positive whole"),
            (lambda: BrowserSource(height=4, width=4, fps=-1), r"fps must be a finite number"),
        ],
    )
    def test_bad_knobs_raise_config_error(self, make: Callable[[], object], match: str) -> None:
        with pytest.raises(ConfigError, match=match):
            make()

    def test_replay_fps_must_be_positive(self, rgb_npz: Path) -> None:
        with pytest.raises(ConfigError, match=r"fps must be a finite number > 0 .*got 0"):
            ReplaySource(rgb_npz, fps=0)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"channels": 1}, r"A 'rgb' stream has 3 channel\(s\), got 1"),
            ({"key": ""}, r"Stream key must be a non-empty string"),
            ({"height": 0}, r"height must be a positive whole number"),
            ({"kind": "ir"}, r"Stream kind must be 'rgb' or 'depth', got 'ir'"),
        ],
    )
    def test_stream_spec_checks(self, kwargs: dict[str, Any], match: str) -> None:
        fields: dict[str, Any] = {
            "key": "color",
            "height": 4,
            "width": 4,
            "channels": 3,
            "kind": "rgb",
        }
        with pytest.raises(ConfigError, match=match):
            StreamSpec(**(fields | kwargs))
