"""Depth page in headless Chromium, as a newcomer meets it at 1280 px: the empty page, the round
trip running and finished (screenshots kept), the bundled clip read as a depth camera would,
rows labelled with the codec they ran (HEVC lossless, HEVC lossy and FFV1 user configs), a
table that fits with whole-word headers, a one-line Preset box, the pixel probe following the
frame slider, mm/m switching every displayed value without re-encoding, and a refused
quantizer shown in the form and as an error toast."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

pytestmark = pytest.mark.browser

FRAMES, CONFIGS = 30, 4  # your config and the 3 alternatives ticked by default
ROUND_TRIP_S_PER_FRAME = 0.2
"""Time per 640x480 depth frame and configuration (x265 lossless at the medium preset encodes
about 6 fps), with decoding, metrics and the preview; 10 frames of these 4 took 2.2 s. Thirty
frames keep the progress bar up for seconds, long enough to photograph."""
WIDTH = 1280
"""A laptop's page width: the table must fit it."""

BROKEN_WORDS_JS = """(root) => {
  const broken = [];
  for (const th of root.querySelectorAll('th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(
          [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))
        );
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""
"""Header words drawn on more than one line (broken mid-word)."""

CLIPPING_JS = """(root) => {
  const viewport = root.querySelector('.virtual-table-viewport');
  const headers = root.querySelectorAll('th');
  return {
    hidden_px: viewport.scrollWidth - viewport.clientWidth,
    last_right: headers[headers.length - 1].getBoundingClientRect().right,
    box_right: root.getBoundingClientRect().right,
  };
}"""
"""How far the table overflows its box (a scroll bar, or a clipped last column)."""

ROWS_JS = """(root) => [...root.querySelectorAll('.virtual-row')]
  .sort((a, b) => a.dataset.index - b.dataset.index)
  .map((row) => [...row.querySelectorAll('[role=gridcell]')].map((c) => c.innerText.trim()))"""
"""The table's body cells, row by row (Gradio draws them as a virtual list of divs)."""


def _open_depth_page(page: Page, live_app: str) -> Locator:
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(live_app, wait_until="load")
    page.get_by_role("tab", name="Depth").click()
    panel = page.get_by_role("tabpanel").filter(visible=True)
    expect(panel.get_by_text("Ready:")).to_be_visible()
    return panel


def _use_frames(page: Page, count: int) -> None:
    frames_box = page.get_by_role("spinbutton", name="Frames to use").last
    frames_box.fill(str(count))
    frames_box.press("Enter")
    expect(frames_box).to_have_value(str(count))


def _assert_rows_name_what_ran(page: Page, count: int) -> list[list[str]]:
    """Each row's label names the codec FFmpeg reports and the mode its codes came back in."""
    table = page.locator("#depth-table")
    expect(table.locator(".virtual-row")).to_have_count(count)
    rows: list[list[str]] = table.evaluate(ROWS_JS)
    for label, profile, *_, exact, _max, _mean, _readable in rows:
        codec = "FFV1" if profile == "ffv1" else "HEVC"
        assert profile in ("ffv1", "HEVC Range Extensions (Rext)"), profile
        mode = "lossless" if exact == "yes" else "lossy"
        assert f"{codec} {mode}" in label, (label, profile, exact)
    return rows


def test_depth_page_as_a_newcomer_meets_it(
    page: Page,
    live_app: str,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
    wait_for_images: Callable[[Page], None],
) -> None:
    panel = _open_depth_page(page, live_app)
    preset = panel.locator("label").filter(has=page.get_by_text("Preset", exact=True))
    expect(preset.locator("input[type=text]")).to_have_count(1)  # one line,
    expect(preset.locator("textarea")).to_have_count(0)  # not a multi-line box
    expect(page.locator("#depth-probe")).to_be_hidden()
    page.screenshot(path=str(screenshot_dir / "depth_empty.png"), full_page=True)

    _use_frames(page, FRAMES)
    page.get_by_role("button", name="Round trip").click()
    done = budget_ms(FRAMES * CONFIGS * ROUND_TRIP_S_PER_FRAME)
    expect(page.get_by_text("Encoding depth")).to_be_visible(timeout=done)
    page.screenshot(path=str(screenshot_dir / "depth_running.png"), full_page=True)

    status = page.locator("#depth-status")
    expect(status).to_have_text(f"Round-tripped {CONFIGS} configurations.", timeout=done)
    expect(page.locator("#depth-loaded")).to_contain_text(
        "beyond 10 m is shown as no reading, as a RealSense would"
    )
    # The last step makes the colour-mapped preview clip: its player means the work is done.
    expect(page.get_by_text("Original depth, colour-mapped H.264 preview")).to_be_visible(
        timeout=done
    )
    wait_for_images(page)
    page.screenshot(path=str(screenshot_dir / "depth_finished.png"), full_page=True)

    rows = _assert_rows_name_what_ran(page, CONFIGS)
    assert rows[0][0] == "Your config: HEVC lossless, preset medium, keyframe every 2 frames"
    table = page.locator("#depth-table")
    assert table.evaluate(BROKEN_WORDS_JS) == []
    fit = table.evaluate(CLIPPING_JS)
    assert fit["hidden_px"] <= 1, fit
    assert fit["last_right"] <= fit["box_right"] + 1, fit
    expect(
        table.get_by_text(re.compile(r"^\d+\.\d\d mm$")).filter(visible=True).first
    ).to_be_visible()
    assert not page.locator(".toast-body").count()


def test_probe_follows_the_frame_and_the_unit(
    page: Page,
    live_app: str,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
    wait_for_images: Callable[[Page], None],
) -> None:
    _open_depth_page(page, live_app)
    _use_frames(page, 10)
    page.get_by_role("button", name="Round trip").click()
    done = budget_ms(10 * CONFIGS * ROUND_TRIP_S_PER_FRAME)
    expect(page.get_by_text("Original depth, colour-mapped H.264 preview")).to_be_visible(
        timeout=done
    )
    probe = page.locator("#depth-probe")
    expect(probe).to_have_text(re.compile("Click the original frame"))

    original = page.locator("#depth-original img").first
    expect(original).to_be_visible()
    box = original.bounding_box()
    assert box is not None
    # The middle of the image is the table top, in range in every frame of the bundled clip.
    original.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    expect(probe.get_by_text(re.compile(r"Pixel \(x=\d+, y=\d+\), frame 0$"))).to_be_visible()
    expect(probe.get_by_role("cell", name=re.compile(r"^\d+\.\d\d mm$")).first).to_be_visible()

    frame_box = page.get_by_role("spinbutton", name="number input for Frame", exact=True)
    frame_box.fill("7")
    frame_box.press("Tab")  # leaving the box shows the frame typed
    expect(probe.get_by_text(re.compile(r"Pixel \(x=\d+, y=\d+\), frame 7$"))).to_be_visible()
    expect(probe.get_by_role("cell", name="Original", exact=True)).to_be_visible()
    expect(probe.get_by_role("cell", name=re.compile(r"^\d+\.\d\d mm$")).first).to_be_visible()

    page.get_by_label("m", exact=True).check()
    # Every length now shows in metres: the table, the probe and the step chart's axis.
    table = page.locator("#depth-table")
    expect(
        table.get_by_text(re.compile(r"^\d+\.\d{5} m$")).filter(visible=True).first
    ).to_be_visible()
    expect(probe.get_by_role("cell", name=re.compile(r"^\d+\.\d{5} m$")).first).to_be_visible()
    expect(probe.get_by_text(re.compile(r"frame 7$"))).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile(r" mm$"))).to_have_count(0)
    expect(page.locator(".js-plotly-plot .xtitle", has_text="Depth (m)")).to_have_count(1)
    wait_for_images(page)
    page.screenshot(path=str(screenshot_dir / "depth_page_metres.png"), full_page=True)
    assert not page.locator(".toast-body").count()


def test_depth_rows_labelled_with_the_codec_they_ran(
    page: Page, live_app: str, budget_ms: Callable[[float], float]
) -> None:
    panel = _open_depth_page(page, live_app)
    _use_frames(page, 3)
    status = page.locator("#depth-status")
    done = budget_ms(3 * CONFIGS * ROUND_TRIP_S_PER_FRAME)

    panel.get_by_label("Encoder (vcodec)").click()
    page.get_by_role("option", name="ffv1").click()
    expect(panel.get_by_text(re.compile(r"FFmpeg options: g=2$"))).to_be_visible()
    page.get_by_role("button", name="Round trip").click()
    # The FFV1 alternative is the user's config: it runs once, and the status says so.
    expect(status).to_contain_text("Round-tripped 3 configurations.", timeout=done)
    expect(status).to_contain_text("Not run again (same as a row above): Lossless FFV1")
    rows = _assert_rows_name_what_ran(page, 3)
    assert rows[0][0] == "Your config: FFV1 lossless, keyframe every 2 frames"

    panel.get_by_label("Encoder (vcodec)").click()
    page.get_by_role("option", name="hevc").click()
    panel.get_by_label("Lossless (x265-params lossless=1)").uncheck()
    expect(panel.get_by_text(re.compile(r"FFmpeg options: g=2 crf=30$"))).to_be_visible()
    page.get_by_role("button", name="Round trip").click()
    expect(status).to_have_text(f"Round-tripped {CONFIGS} configurations.", timeout=done)
    rows = _assert_rows_name_what_ran(page, CONFIGS)
    assert rows[0][0] == "Your config: HEVC lossy, crf 30, preset medium, keyframe every 2 frames"
    assert not page.locator(".toast-body").count()


def test_a_refused_quantizer_is_shown_in_the_form_and_as_an_error(
    page: Page, live_app: str, screenshot_dir: Path
) -> None:
    panel = _open_depth_page(page, live_app)
    _use_frames(page, 2)
    depth_max = panel.get_by_label("Farthest depth, code 4095 (depth_max, m)")
    depth_max.fill("0.001")
    depth_max.press("Tab")
    message = re.compile("depth_max must be greater than depth_min")
    expect(panel.get_by_text("Refused:")).to_be_visible()
    expect(panel.get_by_text(message)).to_be_visible()
    page.get_by_role("button", name="Round trip").click()
    expect(page.locator(".toast-body").filter(has_text=message)).to_be_visible()
    expect(page.locator("#depth-table")).to_be_hidden()
    # The status line says why the run stopped.
    expect(panel.get_by_text(re.compile("Refused: depth_max must be greater"))).to_have_count(2)
    page.screenshot(path=str(screenshot_dir / "depth_error.png"), full_page=True)


def test_depth_form_is_checked_as_it_is_filled_in(page: Page, live_app: str) -> None:
    panel = _open_depth_page(page, live_app)
    panel.get_by_label("Encoder (vcodec)").click()
    page.get_by_role("option", name="ffv1").click()
    panel.get_by_label("Lossless (x265-params lossless=1)").uncheck()
    expect(panel.get_by_text("vcodec 'ffv1' has no lossy mode")).to_be_visible()
    panel.get_by_label("Lossless (x265-params lossless=1)").check()
    expect(panel.get_by_text(re.compile(r"FFmpeg options: g=2"))).to_be_visible()
    assert not page.locator(".toast-body").count()
