"""Inspect page in headless Chromium: the local sample it opens with, and a dataset on a local
Hub (the app in a subprocess pointed at it): summary, report, a finding, an episode whose
players play in sync, the frame scrubber, and screenshots of both."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hub.local_hub import LocalHub
from playwright.sync_api import Locator, Page, expect

import app
from components.sample_dataset import write_sample_dataset

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
WIDTH = 1280
SYNC_TOLERANCE_S = 0.2
HUB_REPO = "studio/aloha-sample"

TIMES_JS = "() => [...document.querySelectorAll('#inspect-players video')].map(v => v.currentTime)"
PAUSED_JS = "() => [...document.querySelectorAll('#inspect-players video')].map(v => v.paused)"


def _open_inspect(page: Page, url: str) -> Locator:
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    page.goto(url, wait_until="load")
    page.get_by_role("tab", name="Inspect").click()
    return page.locator("#inspect-page")


def _wait_for_episode(page: Page, budget: float) -> None:
    expect(page.locator("#inspect-players video")).to_have_count(2, timeout=budget)
    expect(page.locator("#inspect-plot .js-plotly-plot")).to_be_visible(timeout=budget)
    expect(page.locator("#inspect-readout")).to_contain_text("median", timeout=budget)


def _play_in_sync(page: Page) -> list[float]:
    page.locator("#inspect-play").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#inspect-players video')]"
        ".every(v => !v.paused && v.currentTime > 0.3)",
        timeout=30_000,
    )
    times: list[float] = page.evaluate(TIMES_JS)
    assert max(times) - min(times) <= SYNC_TOLERANCE_S, times
    time.sleep(0.4)
    later: list[float] = page.evaluate(TIMES_JS)
    assert min(later) > min(times), (times, later)  # still playing, all of them
    assert max(later) - min(later) <= SYNC_TOLERANCE_S, later
    page.locator("#inspect-pause").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#inspect-players video')].every(v => v.paused)"
    )
    return later


def _scrub_to(page: Page, frame: int) -> None:
    box = page.locator("#inspect-frame input[type=number]")
    box.fill(str(frame))
    box.press("Tab")
    expect(page.locator("#inspect-page .inspect-frame").first).to_contain_text(f"frame {frame}")


def test_local_sample_opens_with_the_page(
    page: Page,
    live_app: str,
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
    wait_for_images: Callable[[Page], None],
) -> None:
    panel = _open_inspect(page, live_app)
    budget = budget_ms(3)
    expect(page.locator("#inspect-summary")).to_contain_text("aloha_sim_sample", timeout=budget)
    expect(page.locator("#inspect-summary")).to_contain_text("3 episodes")
    expect(page.locator("#inspect-report")).to_contain_text("gray12le")
    expect(page.locator("#inspect-findings .inspect-warning")).to_contain_text("B-frames")
    _wait_for_episode(page, budget)
    _scrub_to(page, 12)
    expect(page.locator("#inspect-plot")).to_contain_text("frame 12")
    wait_for_images(page)
    assert not page.locator(".toast-body").filter(visible=True).count()
    panel.screenshot(path=str(screenshot_dir / "inspect-local.png"))
    page.screenshot(path=str(screenshot_dir / "inspect-local-page.png"), full_page=True)

    # The colour camera's encoder settings open the Compare page, named for where they came from.
    panel.get_by_role("button", name="Compare these settings").click()
    expect(page.get_by_role("tab", name="Compare")).to_have_attribute("aria-selected", "true")
    compare = page.locator("#compare-page")
    expect(compare.get_by_label("Name").first).to_have_value("top (aloha_sim_sample)")
    expect(compare.get_by_text("Ready: FFmpeg options").first).to_be_visible()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _hub_environment(endpoint: str, home: Path) -> dict[str, str]:
    """The app's environment: huggingface_hub reads these once, at import, in the app process."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "GRADIO_TEMP_DIR")
    }
    return env | {
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
    }


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app exited ({process.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"the app did not start: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def hub_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LocalHub]]:
    """The app in a subprocess whose Hub is a LocalHub holding the sample dataset."""
    tmp = tmp_path_factory.mktemp("inspect-hub")
    settings = app.make_settings(tmp / "sample-data")
    hub = LocalHub(tmp / "hub")
    endpoint = hub.start()
    hub.publish(HUB_REPO, write_sample_dataset(settings, tmp / "published" / "aloha-sample"))
    port, log = _free_port(), tmp / "app.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "app.py"),
                "--port",
                str(port),
                "--data-dir",
                str(tmp / "data"),
            ],
            cwd=REPO,
            env=_hub_environment(endpoint, tmp / "hf_home"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_serving(url, process, log)
        yield url, hub
    finally:
        process.terminate()
        process.wait(timeout=30)
        hub.stop()


def test_hub_dataset_in_the_browser(
    page: Page,
    hub_app: tuple[str, LocalHub],
    screenshot_dir: Path,
    budget_ms: Callable[[float], float],
    wait_for_images: Callable[[Page], None],
) -> None:
    url, hub = hub_app
    _open_inspect(page, url)
    budget = budget_ms(5)
    expect(page.locator("#inspect-summary")).to_contain_text("aloha_sim_sample", timeout=budget)
    repo_box = page.locator("#inspect-repo textarea, #inspect-repo input").first
    # A refusal is said on the status line, in the library's words, without an error toast.
    repo_box.fill("not a repo id")
    page.get_by_role("button", name="Open from the Hub").click()
    status = page.locator("#inspect-status")
    expect(status).to_contain_text("Refused:", timeout=budget)
    expect(status).to_contain_text("namespace/name")
    assert not page.locator(".toast-body").filter(visible=True).count()
    repo_box.fill(HUB_REPO)
    served_before = hub.bytes_served
    page.get_by_role("button", name="Open from the Hub").click()
    summary = page.locator("#inspect-summary")
    expect(summary).to_contain_text(HUB_REPO, timeout=budget)
    expect(summary).to_contain_text("revision v3.0")
    expect(summary).to_contain_text("bytes fetched so far")
    expect(page.locator("#inspect-report")).to_contain_text("hevc")
    expect(page.locator("#inspect-findings .inspect-warning")).to_contain_text("B-frames")
    _wait_for_episode(page, budget)
    assert hub.bytes_served > served_before

    page.locator("#inspect-episode input").click()
    page.get_by_role("option", name="Episode 1: 30 frames").click()
    expect(page.locator("#inspect-episode-status")).to_contain_text("Episode 1", timeout=budget)
    _wait_for_episode(page, budget)
    _play_in_sync(page)
    _scrub_to(page, 20)
    expect(page.locator("#inspect-plot")).to_contain_text("frame 20")
    fetched = re.search(r"bytes fetched so far: ([\d.]+ \w+)", summary.inner_text())
    assert fetched, summary.inner_text()
    wait_for_images(page)
    assert not page.locator(".toast-body").filter(visible=True).count()
    page.screenshot(path=str(screenshot_dir / "inspect-hub.png"), full_page=True)
