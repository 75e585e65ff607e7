"""Record page in headless Chromium: preview the bundled replay, record two episodes (one with
the buttons, one with the R and S keys), see both listed with thumbnails and zip them; a camera
name Start would refuse is refused as it is typed; record from Chromium's synthetic webcam; a
closed tab's recorder stops; a finished dataset's name is refused for the next one.

Screenshots kept for people: ``record_empty.png`` (just loaded), ``record_running.png`` (an
episode recording, live stats shown), ``record_finished.png`` (episodes, thumbnails, the zip)
and ``record_error.png`` (a refused camera name).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SAVE_FRAMES = 30 + 30
"""Most frames an episode's save still encodes: the writer's queue (30 by default, and capture
waits when it is full) plus what the encoder holds back (x265's lookahead, about 25)."""
SAVE_S_PER_FRAME = 1 / 6
"""A quiet machine's time per 640x480 frame of the slowest default encoder, lossless x265 depth
at the medium preset (about 6 fps); the colour encoder runs beside it."""
SAVE_S = SAVE_FRAMES * SAVE_S_PER_FRAME
CLOSE_NOTICED_S = 30.0
"""How long after a tab closes Gradio may take to notice and call ``unload`` (a timer, not
work: the busy-machine factor applies only to the round trip after it)."""


def _wait_for_frames(page: Page) -> None:
    """Until the live stats show the episode holds some frames (the capture loop is running)."""
    expect(
        page.locator(".record-stats").get_by_text(re.compile(r"^[1-9]\d* frames$"))
    ).to_be_visible()


def test_record_two_episodes_with_buttons_and_keys(
    page: Page,
    live_app: str,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
    wait_for_images: Callable[[Page], None],
) -> None:
    page.set_viewport_size({"width": 1500, "height": 1100})
    page.goto(live_app, wait_until="load")
    page.get_by_role("tab", name="Record").click()
    page.get_by_label("Bundled ALOHA replay (RGB + depth)").check()
    expect(page.get_by_text("Ready: Bundled ALOHA replay (RGB + depth).")).to_be_visible()
    expect(page.get_by_text("Refused: Describe the task")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "record_empty.png"), full_page=True)
    page.get_by_role("button", name="Start preview").click()
    expect(page.get_by_text("Preview started.")).to_be_visible()
    expect(page.locator(".record-stats").get_by_text("Previewing")).to_be_visible()

    page.get_by_label("Dataset name").fill("browser_run")
    page.get_by_label("Task").fill("pick up the red cube")
    expect(
        page.get_by_text("Ready: records camera front into browser_run at 30 fps.")
    ).to_be_visible()

    page.get_by_role("button", name="Start episode (R)").click()
    expect(page.get_by_text("Recording episode 0")).to_be_visible()
    _wait_for_frames(page)
    expect(page.locator(".record-stats").get_by_text("Encode front_depth")).to_be_visible()
    wait_for_images(page)
    page.screenshot(path=str(screenshot_dir / "record_running.png"), full_page=True)
    page.get_by_role("button", name="Stop and save (S)").click()
    expect(page.get_by_text(re.compile(r"Saved episode 0: \d+ frames"))).to_be_visible(
        timeout=budget_ms(SAVE_S)
    )

    # Keyboard shortcuts act only outside text fields: move the focus off the task box first.
    page.get_by_text("Keyboard:").click()
    page.keyboard.press("r")
    expect(page.get_by_text("Recording episode 1")).to_be_visible()
    _wait_for_frames(page)
    page.keyboard.press("s")
    expect(page.get_by_text(re.compile(r"Saved episode 1: \d+ frames"))).to_be_visible(
        timeout=budget_ms(SAVE_S)
    )

    # Episode, frames, duration, video size, dropped, skipped ticks.
    rows = page.get_by_role("grid", name="Episodes").get_by_role(
        "row", name=re.compile(r"^\d+ [1-9]\d* \d+\.\d\d \d+(\.\d)? (KB|MB) 0 \d+$")
    )
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("0 ")
    for episode in ("Episode 0", "Episode 1"):  # the thumbnails, named by their captions
        expect(page.get_by_role("img", name=episode, exact=True)).to_be_visible()
    expect(page.get_by_text("Dataset browser_run · camera front")).to_be_visible()
    page.get_by_role("button", name="Zip the dataset for download").click()
    # The download's row: the file's name, then its size as the link.
    expect(page.get_by_role("cell", name="browser_run.zip")).to_be_visible(timeout=budget_ms(1))
    wait_for_images(page)
    page.screenshot(path=str(screenshot_dir / "record_finished.png"), full_page=True)
    assert not page.locator(".toast-body").count()
    page.get_by_role("button", name="Stop preview").click()
    expect(
        page.get_by_text("Finished dataset browser_run with 2 episode(s).").first
    ).to_be_visible()
    # The form is back with the finished dataset's name, which Start would now refuse.
    expect(
        page.get_by_text("Refused: A dataset named 'browser_run' already exists")
    ).to_be_visible()


def test_bad_camera_name_is_refused_as_it_is_typed(
    page: Page, live_app: str, screenshot_dir: Path
) -> None:
    page.set_viewport_size({"width": 1500, "height": 1100})
    page.goto(live_app, wait_until="load")
    page.get_by_role("tab", name="Record").click()
    page.get_by_label("Task").fill("pick up the red cube")
    expect(page.get_by_text("Ready: records camera front into my_dataset")).to_be_visible()
    page.get_by_label("Camera name").fill("../../x")
    # The library's own words (what Start would say): the name, then what is allowed.
    expect(
        page.get_by_text(
            "Refused: Camera name '../../x' must be letters, digits and underscores (e.g. 'front')."
        )
    ).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "record_error.png"), full_page=True)
    page.get_by_label("Camera name").fill("wrist_cam")
    expect(page.get_by_text("Ready: records camera wrist_cam into my_dataset")).to_be_visible()


def _capture_threads() -> int:
    return sum(thread.name == "capture" and thread.is_alive() for thread in threading.enumerate())


def test_closing_the_tab_stops_its_recorder(
    page: Page, live_app: str, budget_ms: Callable[[float], float]
) -> None:
    before = _capture_threads()
    page.goto(live_app, wait_until="load")
    page.get_by_role("tab", name="Record").click()
    page.get_by_role("button", name="Start preview").click()
    expect(page.get_by_text("Preview started.")).to_be_visible()
    page.get_by_label("Dataset name").fill("closed_tab")
    page.get_by_label("Task").fill("wave")
    page.get_by_role("button", name="Start episode (R)").click()
    expect(page.get_by_text("Recording episode 0")).to_be_visible()
    assert _capture_threads() == before + 1
    page.close()
    deadline = time.monotonic() + CLOSE_NOTICED_S + budget_ms(0) / 1000
    while _capture_threads() > before:  # the server notices the closed tab, then unloads
        assert time.monotonic() < deadline, "the closed tab's recorder is still capturing"
        time.sleep(0.1)


def test_browser_camera_streams_into_an_episode(
    page: Page, live_app: str, budget_ms: Callable[[float], float]
) -> None:
    page.goto(live_app, wait_until="load")
    page.get_by_role("tab", name="Record").click()
    page.get_by_label("Browser camera (this page)").check()
    page.get_by_role("button", name="Start preview").click()
    expect(page.get_by_text("Preview started.")).to_be_visible()
    page.get_by_text("Click to Access Webcam").click()
    webcam_button = page.get_by_role("button", name="capture photo")  # Gradio's streaming toggle
    expect(webcam_button).to_contain_text("Record")
    expect(page.locator("video").filter(visible=True).first).to_be_visible()
    webcam_button.click()
    expect(webcam_button).to_contain_text("Stop")
    # This note appears only once the preview has read a frame the page sent.
    expect(page.locator(".record-stats")).to_contain_text("Fill in the dataset form")
    page.get_by_label("Dataset name").fill("webcam_run")
    page.get_by_label("Task").fill("wave at the camera")
    page.get_by_role("button", name="Start episode (R)").click()
    expect(page.get_by_text("Recording episode 0")).to_be_visible()
    _wait_for_frames(page)
    page.get_by_role("button", name="Stop and save (S)").click()
    expect(page.get_by_text(re.compile(r"Saved episode 0: \d+ frames"))).to_be_visible(
        timeout=budget_ms(SAVE_S)
    )
    # A webcam has no depth: no depth preview, and the dataset has one colour camera only.
    expect(page.get_by_text("Depth (near = blue, far = red)")).to_be_hidden()
    summary = page.get_by_text(re.compile(r"· colour libsvtav1 yuv420p$"))
    expect(summary).to_be_visible()
    expect(summary).not_to_contain_text("depth")
    assert not page.locator(".toast-body").count()
    page.get_by_role("button", name="Stop preview").click()
