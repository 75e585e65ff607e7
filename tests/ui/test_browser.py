"""Browser journeys in headless Chromium against the live app: run a comparison and see the
table, chart and frames; type an invalid knob and see the library's message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def _open(page: Page, url: str) -> None:
    page.goto(url, wait_until="load")
    expect(page.get_by_role("button", name="Compare", exact=True)).to_be_visible(timeout=30_000)


def test_comparison_shows_table_chart_and_frames(
    page: Page, live_app: str, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 1500, "height": 1100})
    _open(page, live_app)
    frames_box = page.get_by_role("spinbutton", name="Frames to use")
    frames_box.fill("30")
    frames_box.press("Enter")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_text(re.compile(r"Compared 3 configurations on 30 frames"))).to_be_visible(
        timeout=120_000
    )
    results = page.get_by_label("Results")
    for label in ("PNG frames (baseline)", "LeRobot default (AV1)", "H.264", "HEVC"):
        # Gradio's dataframe keeps a hidden measuring copy of each cell; check the shown one.
        expect(results.get_by_text(label, exact=True).filter(visible=True)).to_have_count(1)
    expect(page.locator(".js-plotly-plot .scatterlayer .point")).to_have_count(3)
    expect(page.get_by_text("LeRobot default (AV1) · ", exact=False).first).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("HEVC · error", exact=False).first).to_be_visible(timeout=30_000)
    # Gallery thumbnails load after their captions; wait until every shown image has pixels.
    page.wait_for_function(
        "() => [...document.querySelectorAll('img')]"
        ".filter(i => i.offsetParent !== null && i.src.includes('/file='))"
        ".every(i => i.complete && i.naturalWidth > 0)",
        timeout=30_000,
    )
    page.screenshot(path=str(screenshot_dir / "compare_page.png"), full_page=True)


def test_invalid_knob_is_refused_with_library_message(page: Page, live_app: str) -> None:
    _open(page, live_app)
    crf = page.get_by_role("spinbutton", name="Constant rate factor (CRF)").first
    crf.fill("70")
    crf.press("Tab")
    expect(page.get_by_text("crf must be in [0, 63] for 'libsvtav1', got 70.")).to_be_visible(
        timeout=20_000
    )
    page.get_by_role("button", name="Compare", exact=True).click()
    toast = page.locator(".toast-body")
    expect(toast.first).to_contain_text("crf must be in [0, 63]", timeout=60_000)
