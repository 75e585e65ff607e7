"""Browser journeys on the Compare page in headless Chromium at a 1280x900 viewport, as a
newcomer meets it: the empty page with forms whose fields line up; a comparison running
(progress shown) and finished (a table whose headers wrap between words and fit, a chart whose
labels neither overlap nor leave it, truthful player captions, galleries and players without
empty room, a typed frame number shown); a refused knob; another encoder's pixel formats.

Each state is saved as a full-page screenshot in ``screenshot_dir`` for people to look at.
Waits end on what the page shows when its work is done, bounded by ``budget_ms`` of that work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from components.compare.charts import MSE_UNIT

pytestmark = pytest.mark.browser

VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
FRAMES, CONFIGS = 10, 3  # the smallest comparison the page allows, with its 3 default forms
COMPARE_S_PER_FRAME = 0.3
"""Time per frame and configuration (encode, decode, metrics, preview, and the PNG baseline's
share); 10 frames of 3 configurations took 7.8 s with a load average of 2-3 on 2 cores."""

HEADER_PROBLEMS_JS = """
(table) => {
  const problems = [];
  for (const span of table.querySelectorAll("th .header")) {
    if (!span.offsetParent) continue;  // Gradio's hidden measuring copy
    if (span.scrollWidth > span.clientWidth) problems.push(`"${span.textContent}" is cut`);
    const walker = document.createTreeWalker(span, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        // A word broken inside itself lies on more than one line.
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) problems.push(`"${word[0]}" breaks in "${span.textContent}"`);
      }
    }
  }
  return problems;
}
"""

TABLE_FIT_JS = """
(table) => {
  const viewport = table.closest(".virtual-table-viewport");
  const headers = [...table.querySelectorAll("th")].filter((th) => th.offsetParent);
  return {
    table_px: table.scrollWidth,
    visible_px: viewport.clientWidth,
    last_right: headers[headers.length - 1].getBoundingClientRect().right,
    visible_right: viewport.getBoundingClientRect().right,
  };
}
"""

CHART_JS = """
(plot) => {
  const box = (e) => e.getBoundingClientRect();
  const texts = [...plot.querySelectorAll(".textpoint text")].map((t) => ({
    text: t.textContent, ...box(t).toJSON() }));
  const points = [...plot.querySelectorAll(".scatterlayer .point")].map((p) => box(p).toJSON());
  return { texts, points, svg: box(plot.querySelector(".main-svg")).toJSON(),
    x_title: plot.querySelector(".g-xtitle").textContent,
    y_title: plot.querySelector(".g-ytitle").textContent };
}
"""

GALLERY_BAND_JS = """
(gallery) => {
  const wrap = gallery.querySelector(".grid-wrap");
  const items = [...wrap.querySelectorAll(".thumbnail-item, .gallery-item")];
  const bottom = Math.max(...items.map((i) => i.getBoundingClientRect().bottom));
  return wrap.getBoundingClientRect().bottom - bottom;
}
"""


def _open(page: Page, url: str) -> None:
    page.set_viewport_size(VIEWPORT)
    page.goto(url, wait_until="load")
    expect(page.get_by_role("button", name="Compare", exact=True)).to_be_visible()


def _start_comparison(page: Page, url: str) -> None:
    """Open the page and compare ``FRAMES`` frames with the default forms."""
    _open(page, url)
    frames_box = page.get_by_role("spinbutton", name="Frames to use")
    frames_box.fill(str(FRAMES))
    frames_box.press("Enter")
    expect(frames_box).to_have_value(str(FRAMES))
    page.get_by_role("button", name="Compare", exact=True).click()


def _wait_for_players(page: Page, timeout_ms: float) -> None:
    """Wait until every shown player has its first frame (a screenshot otherwise shows blanks)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('#compare-players video')]"
        ".every((video) => video.readyState >= 2)",
        timeout=timeout_ms,
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """Whether two client rects share more than a pixel's sliver."""
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1
    )


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["left"] >= outer["left"]
        and inner["right"] <= outer["right"]
        and inner["top"] >= outer["top"]
        and inner["bottom"] <= outer["bottom"]
    )


def _tops(locator: Locator) -> list[float]:
    """The top edge, in px, of each shown element ``locator`` matches."""
    boxes = [locator.nth(i).bounding_box() for i in range(locator.count())]
    return [round(box["y"]) for box in boxes if box is not None]


def test_empty_page_lines_up_its_forms(page: Page, live_app: str, screenshot_dir: Path) -> None:
    _open(page, live_app)
    # Every form carries the same help, so each field starts at the same height in each form.
    for role, name in [
        ("combobox", "Pixel format (pix_fmt)"),
        ("spinbutton", "Constant rate factor (CRF)"),
        ("textbox", "Extra FFmpeg options"),
    ]:
        fields = page.get_by_role(role, name=name).filter(visible=True)  # type: ignore[arg-type]
        expect(fields).to_have_count(CONFIGS)
        assert len(set(_tops(fields))) == 1, f"{name!r} fields start at {_tops(fields)}"
    expect(page.get_by_label("Results")).to_be_hidden()
    page.screenshot(
        path=str(screenshot_dir / "compare_empty.png"), full_page=True, animations="disabled"
    )


def _check_table(page: Page) -> None:
    """Headers on whole words, uncut; the last column inside the table's visible box."""
    table = page.locator("#compare-table table").filter(visible=True).first
    assert table.evaluate(HEADER_PROBLEMS_JS) == []
    fit: dict[str, float] = table.evaluate(TABLE_FIT_JS)
    assert fit["table_px"] <= fit["visible_px"], fit
    assert fit["last_right"] <= fit["visible_right"] + 0.5, fit
    expect(page.get_by_text(f"MSE ({MSE_UNIT})").filter(visible=True)).to_have_count(1)


def _check_chart(page: Page) -> None:
    """Every label inside the figure, clear of the other labels and of other bubbles."""
    expect(page.locator(".js-plotly-plot .scatterlayer .point")).to_have_count(CONFIGS)
    chart: dict[str, Any] = page.locator(".js-plotly-plot").first.evaluate(CHART_JS)
    texts, points = chart["texts"], chart["points"]
    assert [t["text"] for t in texts] == ["LeRobot default (AV1)", "H.264", "HEVC"]
    for i, text in enumerate(texts):
        assert _inside(text, chart["svg"]), text
        others = [t for j, t in enumerate(texts) if j != i]
        assert not any(_overlap(text, other) for other in others), texts
        assert not any(_overlap(text, p) for j, p in enumerate(points) if j != i), text
    assert "(%" in chart["x_title"]
    assert "(dB)" in chart["y_title"]


def _check_players_and_galleries(page: Page) -> None:
    """Truthful captions; no room kept for hidden players or below the galleries' pictures."""
    expect(
        page.get_by_text("HEVC — HEVC, shown as an H.264 4:2:0 preview.", exact=False)
    ).to_be_visible()
    expect(page.get_by_text("H.264 — H.264, played as encoded.", exact=False)).to_be_visible()
    expect(page.get_by_text("(H.264 preview)", exact=False)).to_have_count(0)
    players = page.locator("#compare-players > .compare-player")
    widths = [box["width"] for box in map(Locator.bounding_box, players.all()) if box]
    row = page.locator("#compare-players").bounding_box()
    assert row is not None
    # Three shown players share the row; the fourth, hidden, takes no column.
    assert len(widths) == CONFIGS
    assert sum(widths) > 0.9 * row["width"], (widths, row)
    for gallery in ("#compare-decoded", "#compare-heatmaps"):
        band = page.locator(gallery).evaluate(GALLERY_BAND_JS)
        assert band < 24, f"{gallery} keeps {band:.0f} px empty below its pictures"


def test_comparison_reads_clearly_at_1280_px(
    page: Page,
    live_app: str,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
    wait_for_images: Callable[[Page], None],
) -> None:
    _start_comparison(page, live_app)
    # A running comparison shows a progress bar under the Compare button, not only a word.
    progress = page.get_by_role("progressbar", name="Encoding and measuring")
    expect(progress).to_be_visible(timeout=budget_ms(5))
    bar = progress.bounding_box()
    assert bar is not None
    assert bar["width"] > 600, bar
    page.screenshot(
        path=str(screenshot_dir / "compare_running.png"), full_page=True, animations="disabled"
    )
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
    wait_for_images(page)
    _check_table(page)
    _check_chart(page)
    _check_players_and_galleries(page)
    # A frame number typed into the slider's box (then Enter) is shown, not only a drag.
    frame_box = page.get_by_role("spinbutton", name="number input for Frame", exact=True)
    frame_box.fill("7")
    frame_box.press("Enter")
    expect(page.get_by_text("Original · frame 7")).to_be_visible(timeout=budget_ms(2))
    wait_for_images(page)
    _wait_for_players(page, budget_ms(1))
    page.screenshot(
        path=str(screenshot_dir / "compare_finished.png"), full_page=True, animations="disabled"
    )
    assert not page.locator(".toast-body").count()


def test_invalid_knob_is_refused_with_library_message(
    page: Page, live_app: str, screenshot_dir: Path, budget_ms: Callable[[float], float]
) -> None:
    _open(page, live_app)
    crf = page.get_by_role("spinbutton", name="Constant rate factor (CRF)").first
    crf.fill("70")
    crf.press("Tab")
    expect(page.get_by_text("crf must be in [0, 63] for 'libsvtav1', got 70.")).to_be_visible()
    expect(page.get_by_text("Refused:").filter(visible=True)).to_have_count(1)
    page.get_by_role("button", name="Compare", exact=True).click()
    # Loading the clip comes first (no encoding: the refused config stops the comparison).
    toast = page.locator(".toast-body")
    expect(toast.first).to_contain_text("crf must be in [0, 63]", timeout=budget_ms(5))
    # The toast fades in (a script-driven transition): wait until it is fully opaque.
    toast.first.evaluate(
        """(toast) => new Promise((done) => {
          const opaque = () => {
            for (let e = toast; e; e = e.parentElement) {
              if (getComputedStyle(e).opacity !== "1") return false;
            }
            return true;
          };
          const poll = () => (opaque() ? done() : requestAnimationFrame(poll));
          poll();
        })"""
    )
    page.screenshot(
        path=str(screenshot_dir / "compare_error.png"), full_page=True, animations="disabled"
    )


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
    page: Page, live_app: str, budget_ms: Callable[[float], float]
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
    # The status line says why, instead of keeping "Loaded …" from the step before.
    status = page.locator("#compare-status")
    expect(status).to_contain_text("Refused: crf must be in [0, 63] for 'libsvtav1', got 70.")
    expect(page.locator("#compare-players > .compare-player").filter(visible=True)).to_have_count(0)
