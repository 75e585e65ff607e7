"""Depth page in headless Chromium: round-trip the bundled clip, probe a pixel, switch mm/m and
see every displayed value change unit without re-encoding (a screenshot is kept); the depth
form is checked as it is filled in, with the library's message."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FRAMES, CONFIGS = 10, 4  # your config and the 3 alternatives ticked by default
ROUND_TRIP_S_PER_FRAME = 0.2
"""Time per 640x480 depth frame and configuration (x265 lossless at the medium preset encodes
about 6 fps), with decoding, metrics and the preview; 10 frames of these 4 took 2.2 s."""


def test_depth_round_trip_probe_and_unit_toggle(
    page: Page,
    live_app: str,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
    wait_for_images: Callable[[Page], None],
) -> None:
    page.set_viewport_size({"width": 1500, "height": 1100})
    page.goto(live_app, wait_until="load")
    page.get_by_role("tab", name="Depth").click()
    frames_box = page.get_by_role("spinbutton", name="Frames to use").last
    frames_box.fill(str(FRAMES))
    frames_box.press("Enter")
    expect(frames_box).to_have_value(str(FRAMES))
    page.get_by_role("button", name="Round trip").click()
    done = budget_ms(FRAMES * CONFIGS * ROUND_TRIP_S_PER_FRAME)
    expect(page.get_by_text(f"Round-tripped {CONFIGS} configurations")).to_be_visible(timeout=done)
    # The last step makes the colour-mapped preview clip: its player means the work is done.
    expect(page.get_by_text("Original depth, colour-mapped H.264 preview")).to_be_visible(
        timeout=done
    )
    table = page.get_by_label("Depth round trips")
    expect(
        table.get_by_text("HEVC Range Extensions (Rext)", exact=True).filter(visible=True).first
    ).to_be_visible()
    expect(
        table.get_by_text(re.compile(r"^\d+\.\d\d mm$")).filter(visible=True).first
    ).to_be_visible()

    original = page.locator("#depth-original img").first
    expect(original).to_be_visible()
    box = original.bounding_box()
    assert box is not None
    original.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.6})
    probe = page.get_by_text(re.compile(r"Pixel \(x=\d+, y=\d+\), frame 0"))
    expect(probe).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^\d+\.\d\d mm$")).first).to_be_visible()

    page.get_by_label("m", exact=True).check()
    # Every length now shows in metres: the table, the probe and the step chart's axis.
    expect(
        table.get_by_text(re.compile(r"^\d+\.\d{5} m$")).filter(visible=True).first
    ).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r"^\d+\.\d{5} m$")).first).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r" mm$"))).to_have_count(0)
    expect(page.locator(".js-plotly-plot .xtitle", has_text="Depth (m)")).to_have_count(1)
    wait_for_images(page)
    page.screenshot(path=str(screenshot_dir / "depth_page_metres.png"), full_page=True)
    assert not page.locator(".toast-body").count()


def test_depth_form_is_checked_as_it_is_filled_in(page: Page, live_app: str) -> None:
    page.goto(live_app, wait_until="load")
    page.get_by_role("tab", name="Depth").click()
    panel = page.get_by_role("tabpanel").filter(visible=True)
    panel.get_by_label("Encoder (vcodec)").click()
    page.get_by_role("option", name="ffv1").click()
    panel.get_by_label("Lossless (x265-params lossless=1)").uncheck()
    expect(panel.get_by_text("vcodec 'ffv1' has no lossy mode")).to_be_visible()
    panel.get_by_label("Lossless (x265-params lossless=1)").check()
    expect(panel.get_by_text(re.compile(r"FFmpeg options: g=2"))).to_be_visible()
    assert not page.locator(".toast-body").count()
