"""Depth page in headless Chromium: round-trip the bundled clip, probe a pixel, switch mm/m and
see every displayed value change unit without re-encoding; a screenshot is kept."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_depth_round_trip_probe_and_unit_toggle(
    page: Page, live_app: str, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 1500, "height": 1100})
    page.goto(live_app, wait_until="load")
    page.get_by_role("tab", name="Depth").click()
    frames_box = page.get_by_role("spinbutton", name="Frames to use").last
    frames_box.fill("10")
    frames_box.press("Enter")
    page.get_by_role("button", name="Round trip").click()
    expect(page.get_by_text(re.compile(r"Round-tripped 4 configurations"))).to_be_visible(
        timeout=120_000
    )
    table = page.get_by_label("Depth round trips")
    expect(
        table.get_by_text("HEVC Range Extensions (Rext)", exact=True).filter(visible=True).first
    ).to_be_visible()
    expect(
        table.get_by_text(re.compile(r"^\d+\.\d\d mm$")).filter(visible=True).first
    ).to_be_visible()

    original = page.locator("#depth-original img").first
    expect(original).to_be_visible(timeout=30_000)
    box = original.bounding_box()
    assert box is not None
    original.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.6})
    probe = page.get_by_text(re.compile(r"Pixel \(x=\d+, y=\d+\), frame 0"))
    expect(probe).to_be_visible(timeout=30_000)
    expect(page.get_by_role("cell", name=re.compile(r"^\d+\.\d\d mm$")).first).to_be_visible()

    page.get_by_label("m", exact=True).check()
    # Every length now shows in metres: the table, the probe and the step chart's axis.
    expect(
        table.get_by_text(re.compile(r"^\d+\.\d{5} m$")).filter(visible=True).first
    ).to_be_visible(timeout=30_000)
    expect(page.get_by_role("cell", name=re.compile(r"^\d+\.\d{5} m$")).first).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r" mm$"))).to_have_count(0)
    expect(page.locator(".js-plotly-plot .xtitle", has_text="Depth (m)")).to_have_count(1)
    page.wait_for_function(
        "() => [...document.querySelectorAll('img')]"
        ".filter(i => i.offsetParent !== null && i.src.includes('/file='))"
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=30_000,
    )
    page.screenshot(path=str(screenshot_dir / "depth_page_metres.png"), full_page=True)
    assert not page.locator(".toast-body").count()
