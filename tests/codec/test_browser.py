"""Browser playability verdicts (``lerobot_video.codec.browser``)."""

from __future__ import annotations

import pytest

from lerobot_video.codec.browser import browser_support


class TestBrowserSupport:
    @pytest.mark.parametrize(
        ("codec", "pix_fmt", "plays"),
        [
            ("av1", "yuv420p", True),
            ("libsvtav1", "yuv420p", True),
            ("h264", "yuv420p", True),
            ("h264_nvenc", "yuv420p", True),
            ("hevc", "yuv420p", False),
            ("hevc_videotoolbox", "yuv420p", False),
            ("h264", "yuv444p", False),
            ("av1", "yuv422p", False),
            ("h264", "yuv420p10le", False),
            ("av1", "yuv420p12le", False),
            ("hevc", "gray12le", False),
            ("h264", "gray", False),
            ("mpeg4", "yuv420p", False),
        ],
    )
    def test_verdict(self, codec: str, pix_fmt: str, plays: bool) -> None:
        support = browser_support(codec, pix_fmt)
        assert support.plays_in_browsers is plays
        if not plays:
            assert support.notes, "a refusal must say why"

    def test_reasons_name_the_problem(self) -> None:
        assert any("HEVC" in n for n in browser_support("hevc", "yuv420p").notes)
        assert any("4:4:4" in n for n in browser_support("h264", "yuv444p").notes)
        assert any("10-bit" in n for n in browser_support("h264", "yuv420p10le").notes)
        assert any("Grey" in n for n in browser_support("hevc", "gray12le").notes)

    def test_av1_10_bit_plays_with_caveat(self) -> None:
        support = browser_support("av1", "yuv420p10le")
        assert support.plays_in_browsers
        assert any("10-bit" in n for n in support.notes)
