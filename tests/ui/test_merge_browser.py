"""Merge page in headless Chromium: two sources, the plan, a merge and its verification, the
merged dataset opened on the Inspect page; and a plan with conflicts (another frame rate, a
camera named otherwise) that key mapping and removing a source resolve. Screenshots of both."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from components.state import AppSettings

from .merge_media import make_merge_zips, write_toy_dataset

pytestmark = pytest.mark.browser

WIDTH = 1280
TOP = "observation.images.top"
FRONT = "observation.images.front"
TOYS = {"toy_a": (30, TOP), "toy_slow": (15, TOP), "toy_front": (30, FRONT)}
MERGED = ("merged_browser", "merged_toys")


@pytest.fixture(scope="module")
def toys(settings: AppSettings) -> Iterator[None]:
    """The toy datasets in the live app's shared folder; they and the merges go afterwards."""
    for name, (fps, camera) in TOYS.items():
        write_toy_dataset(settings.datasets_dir / name, camera, fps=fps)
    yield
    for name in (*TOYS, *MERGED):
        shutil.rmtree(settings.datasets_dir / name, ignore_errors=True)


def _open_merge(page: Page, url: str) -> Locator:
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Merge").click()
    return page.locator("#merge-page")


def _name_box(page: Page) -> Locator:
    return page.locator("#merge-name textarea, #merge-name input").first


def _add_local(page: Page, label: str, budget: float) -> None:
    page.locator("#merge-local input").click()
    page.get_by_role("option", name=label, exact=True).click()
    page.locator("#merge-add-local").click()
    expect(page.locator("#merge-status")).to_contain_text(f"Added {label}", timeout=budget)


def test_two_sources_merged_and_verified(
    page: Page,
    live_app: str,
    toys: None,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
) -> None:
    panel = _open_merge(page, live_app)
    budget = budget_ms(5)
    panel.get_by_role("button", name="Example: sample + sample").click()
    expect(page.locator("#merge-status")).to_contain_text("2 sources", timeout=budget)
    must = page.locator("#merge-must-match")
    expect(must.locator("td.merge-ok").first).to_be_visible()
    assert must.locator("td.merge-bad").count() == 0
    expect(must).to_contain_text("observation.images.top_depth")
    expect(page.locator("#merge-problems")).to_contain_text("Ready to merge: 6 episodes")
    expect(page.locator("#merge-summary")).to_contain_text("Merged output")

    _name_box(page).fill("merged_browser")
    _name_box(page).press("Tab")
    expect(page.locator("#merge-output-verdict")).to_contain_text("Ready")
    page.locator("#merge-run").click()
    status = page.locator("#merge-run-status")
    expect(status).to_contain_text("Merged 6 episodes, 180 frames", timeout=budget_ms(20))
    verification = page.locator("#merge-verification")
    expect(verification.locator("tr").filter(has_text="episodes").first).to_be_visible()
    assert not page.locator(".toast-body").filter(visible=True).count()
    page.screenshot(path=str(screenshot_dir / "merge-finished.png"), full_page=True)
    expect(verification).to_contain_text("Verified: every check passed")
    assert verification.locator("tr.merge-bad").count() == 0

    page.locator("#merge-zip").click()
    expect(panel.get_by_role("cell", name="merged_browser.zip")).to_be_visible(timeout=budget)
    page.locator("#merge-inspect").click()
    expect(page.get_by_role("tab", name="Inspect")).to_have_attribute("aria-selected", "true")
    summary = page.locator("#inspect-summary")
    expect(summary).to_contain_text("merged_browser", timeout=budget)
    expect(summary).to_contain_text("6 episodes")


def test_conflicts_resolved_by_mapping_and_removing(
    page: Page,
    live_app: str,
    toys: None,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
) -> None:
    _open_merge(page, live_app)
    budget = budget_ms(5)
    for name in TOYS:
        _add_local(page, name, budget)
    must = page.locator("#merge-must-match")
    expect(must.locator("td.merge-bad").first).to_be_visible()
    expect(must.locator("td.merge-bad").filter(has_text="15").first).to_be_visible()
    problems = page.locator("#merge-problems")
    expect(problems).to_contain_text("conflicts block the merge")
    expect(problems).to_contain_text("resample")
    expect(problems).to_contain_text(FRONT)
    expect(page.locator("#merge-run")).to_be_disabled()
    mapping = page.locator("#merge-plan .merge-key").filter(visible=True)
    expect(mapping).to_have_count(1)
    expect(mapping).to_contain_text(FRONT)
    # A refusal is said on the status line, without an error toast.
    _name_box(page).fill("../x")
    _name_box(page).press("Tab")
    expect(page.locator("#merge-output-verdict")).to_contain_text("Refused")
    assert not page.locator(".toast-body").filter(visible=True).count()
    page.screenshot(path=str(screenshot_dir / "merge-conflict.png"), full_page=True)

    mapping.locator("input").click()
    page.get_by_role("option", name=TOP, exact=True).click()
    expect(page.locator("#merge-status")).to_contain_text("Planned again", timeout=budget)
    expect(problems).not_to_contain_text(FRONT)
    expect(problems).to_contain_text("resample")
    page.locator("#merge-remove-1").click()
    expect(problems).to_contain_text("Ready to merge: 4 episodes", timeout=budget)
    expect(page.locator("#merge-run")).to_be_enabled()
    _name_box(page).fill("merged_toys")
    page.locator("#merge-run").click()
    expect(page.locator("#merge-run-status")).to_contain_text(
        "Merged 4 episodes", timeout=budget_ms(10)
    )
    expect(page.locator("#merge-verification")).to_contain_text("Verified: every check passed")


def test_uploaded_zip_becomes_a_source(
    page: Page,
    live_app: str,
    settings: AppSettings,
    tmp_path: Path,
    budget_ms: Callable[[float], float],
) -> None:
    zips = make_merge_zips(tmp_path, settings.datasets_dir / "aloha_sim_sample")
    _open_merge(page, live_app)
    budget = budget_ms(5)
    upload = page.locator("#merge-upload input[type=file]")
    upload.set_input_files(str(zips["dotdot_zip"]))
    status = page.locator("#merge-status")
    expect(status).to_contain_text("Refused:", timeout=budget)
    expect(status).to_contain_text("outside its folder")
    assert not page.locator(".toast-body").filter(visible=True).count()
    expect(page.locator("#merge-upload")).to_contain_text("Drop File Here")  # emptied again
    upload.set_input_files(str(zips["sample_zip"]))
    expect(status).to_contain_text("Added aloha_sim_sample (uploaded)", timeout=budget)
    expect(page.locator("#merge-source-rows")).to_contain_text("aloha_sim_sample (uploaded)")
