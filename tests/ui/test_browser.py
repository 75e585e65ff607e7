"""Browser journeys in headless Chromium against the live app: run a comparison and see the
table, chart and frames; type an invalid knob and see the library's message; choose another
encoder and see its pixel formats and options.

Waits end on what the page shows when its work is done, bounded by ``budget_ms`` of that work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

FRAMES, CONFIGS = 10, 3  # the smallest comparison the page allows, with its 3 default forms
COMPARE_S_PER_FRAME = 0.3
"""Time per frame and configuration (encode, decode, metrics, preview, and the PNG baseline's
share); 10 frames of 3 configurations took 7.8 s with a load average of 2-3 on 2 cores."""


def _open(page: Page, url: str) -> None:
    page.goto(url, wait_until="load")
    expect(page.get_by_role("button", name="Compare", exact=True)).to_be_visible()


def _start_comparison(page: Page, url: str) -> None:
    """Open the page at a size that shows results side by side; compare ``FRAMES`` frames."""
    page.set_viewport_size({"width": 1500, "height": 1100})
    _open(page, url)
    frames_box = page.get_by_role("spinbutton", name="Frames to use")
    frames_box.fill(str(FRAMES))
    frames_box.press("Enter")
    expect(frames_box).to_have_value(str(FRAMES))
    page.get_by_role("button", name="Compare", exact=True).click()


def test_comparison_shows_table_chart_and_frames(
    page: Page,
    live_app: str,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
    wait_for_images: Callable[[Page], None],
) -> None:
    _start_comparison(page, live_app)
    # The comparison's last step fills the galleries: their captions mean the work is done.
    done = budget_ms(FRAMES * CONFIGS * COMPARE_S_PER_FRAME)
    expect(page.get_by_text(f"Compared {CONFIGS} configurations on {FRAMES} frames")).to_be_visible(
        timeout=done
    )
    expect(page.get_by_text("HEVC · error", exact=False).first).to_be_visible(timeout=done)
    results = page.get_by_label("Results")
    for label in ("PNG frames (baseline)", "LeRobot default (AV1)", "H.264", "HEVC"):
        # Gradio's dataframe keeps a hidden measuring copy of each cell; check the shown one.
        expect(results.get_by_text(label, exact=True).filter(visible=True)).to_have_count(1)
    expect(page.locator(".js-plotly-plot .scatterlayer .point")).to_have_count(CONFIGS)
    expect(page.get_by_text("LeRobot default (AV1) · ", exact=False).first).to_be_visible()
    wait_for_images(page)
    page.screenshot(path=str(screenshot_dir / "compare_page.png"), full_page=True)
    assert not page.locator(".toast-body").count()


def test_invalid_knob_is_refused_with_library_message(
    page: Page, live_app: str, budget_ms: Callable[[float], float]
) -> None:
    _open(page, live_app)
    crf = page.get_by_role("spinbutton", name="Constant rate factor (CRF)").first
    crf.fill("70")
    crf.press("Tab")
    expect(page.get_by_text("crf must be in [0, 63] for 'libsvtav1', got 70.")).to_be_visible()
    page.get_by_role("button", name="Compare", exact=True).click()
    # Loading the clip comes first (no encoding: the refused config stops the comparison).
    toast = page.locator(".toast-body")
    expect(toast.first).to_contain_text("crf must be in [0, 63]", timeout=budget_ms(5))


def test_new_encoder_offers_its_formats_and_is_checked(page: Page, live_app: str) -> None:
    _open(page, live_app)
    av1_options = page.get_by_text("svtav1-params=fast-decode=0").filter(visible=True)
    expect(av1_options).to_have_count(1)  # only the first form is AV1
    page.get_by_label("Encoder (vcodec)").first.click()
    page.get_by_role("option", name="hevc", exact=True).click()
    expect(av1_options).to_have_count(0)
    page.get_by_label("Pixel format (pix_fmt)").first.click()
    expect(page.get_by_role("option", name="gray12le", exact=True)).to_be_visible()
    assert not page.locator(".toast-body").count()


def test_a_failed_comparison_clears_the_last_results(
    page: Page,
    live_app: str,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
) -> None:
    """Results of a comparison never stay on screen under the error of the next one."""
    _start_comparison(page, live_app)
    done = budget_ms(FRAMES * CONFIGS * COMPARE_S_PER_FRAME)
    expect(page.get_by_text("Compared", exact=False)).to_be_visible(timeout=done)
    results = page.get_by_label("Results")
    expect(results).to_be_visible()
    crf = page.get_by_role("spinbutton", name="Constant rate factor (CRF)").first
    crf.fill("70")
    crf.press("Tab")
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.locator(".toast-body").first).to_contain_text(
        "crf must be in [0, 63]", timeout=budget_ms(5)
    )
    expect(results).to_be_hidden()
    expect(page.locator(".js-plotly-plot")).to_have_count(0)
    expect(page.get_by_text("Compared", exact=False)).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "compare_failed_run.png"), full_page=True)
