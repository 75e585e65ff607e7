"""Settings that travel, in the browser: a link opens the right page with its settings, the
Compare page's settings carry to the Record page and back, and a page makes its link."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.settings_link import settings_query
from lerobot_video import DepthEncoderConfig, RGBEncoderConfig

pytestmark = pytest.mark.browser


def _expect_unfolded(page: Page, source: str) -> None:
    """The Record page's folded colour-encoder box opens, named for where its settings came from."""
    title = f"Colour encoder (settings {source})"
    expect(page.locator("#record-page").get_by_text(title)).to_be_visible()


def test_a_link_opens_its_page_with_its_settings(
    page: Page, live_app: str, screenshot_dir: Path
) -> None:
    rgb = RGBEncoderConfig(vcodec="h264", crf=23, preset="slow")
    depth = DepthEncoderConfig(depth_max=6.0)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{live_app}?{settings_query(rgb, depth, 'record')}", wait_until="load")
    expect(page.get_by_role("tab", name="Record")).to_have_attribute(
        "aria-selected", "true", timeout=20_000
    )
    _expect_unfolded(page, "from the link")
    record = page.locator("#record-page")
    expect(record.get_by_text("Ready: FFmpeg options: g=2 crf=23 preset=slow")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "settings_from_link.png"), full_page=True)


def test_compare_settings_carry_to_record_and_back(page: Page, live_app: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(live_app, wait_until="load")
    compare = page.locator("#compare-page")
    expect(compare.get_by_role("button", name="Record with these settings")).to_be_visible()
    compare.get_by_label("Settings of").click()
    page.get_by_role("option", name="Configuration 2").click()
    compare.get_by_role("button", name="Record with these settings").click()
    expect(page.get_by_role("tab", name="Record")).to_have_attribute("aria-selected", "true")
    _expect_unfolded(page, "from the Compare page")
    record = page.locator("#record-page")
    # The default second form is H.264 at crf 30: the Record form now says so.
    expect(record.get_by_text("Ready: FFmpeg options: g=2 crf=30")).to_be_visible()
    record.get_by_role("button", name="Compare these settings").click()
    expect(page.get_by_role("tab", name="Compare")).to_have_attribute("aria-selected", "true")
    expect(compare.get_by_label("Name").first).to_have_value("From the Record page")


def test_a_page_makes_a_link_to_its_settings(page: Page, live_app: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(live_app, wait_until="load")
    compare = page.locator("#compare-page")
    compare.get_by_role("button", name="Link to these settings").click()
    link = compare.get_by_role("link", name="Open these settings")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert href.startswith("?tab=compare&rgb.vcodec=libsvtav1")
    page.goto(f"{live_app}{href}", wait_until="load")
    expect(page.get_by_role("tab", name="Compare")).to_have_attribute("aria-selected", "true")


def test_the_browser_remembers_the_settings_a_page_ran(page: Page, live_app: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(live_app, wait_until="load")
    compare = page.locator("#compare-page")
    crf = compare.get_by_role("spinbutton", name="Constant rate factor (CRF)").first
    crf.fill("25")
    crf.press("Tab")
    expect(compare.get_by_text("Ready: FFmpeg options: g=2 crf=25", exact=False)).to_be_visible()
    key = "lerobot-video-studio-settings"
    before = page.evaluate(f"() => localStorage.getItem('{key}')")
    compare.get_by_role("button", name="Compare", exact=True).click()
    # Kept (encrypted) in the browser's local storage as soon as the run starts.
    page.wait_for_function(f"(old) => localStorage.getItem('{key}') !== old", arg=before)
    page.reload(wait_until="load")
    crf = page.locator("#compare-page").get_by_role("spinbutton", name="Constant rate factor (CRF)")
    expect(crf.first).to_have_value("25")
