"""UI fixtures: app settings on a temporary data folder, a live server, Chromium launch args;
wait bounds for browser tests derived from the work a page does, and a wait for its images."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from playwright.sync_api import Page, expect

import app
from components.serving import launch_options
from components.state import AppSettings


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> AppSettings:
    return app.make_settings(tmp_path_factory.mktemp("studio-data"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live_app(settings: AppSettings) -> Iterator[str]:
    """The real app served on a free loopback port; yields its URL."""
    demo: gr.Blocks = app.build_app(settings)
    demo.launch(
        server_name="127.0.0.1",
        server_port=_free_port(),
        prevent_thread_lock=True,
        quiet=True,
        **launch_options(settings),
    )
    try:
        yield str(demo.local_url)
    finally:
        demo.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium, headless, with no outside connections (never Playwright's download)."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            # A synthetic webcam, allowed without a prompt, for the Record page's browser camera.
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
    }


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where browser tests leave screenshots for people to look at."""
    folder = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


BUSY_SLOWDOWN = 10
"""How many times slower than on a quiet machine work may run while a test waits for it: these
machines have 2 cores, shared with other jobs and with the test's own browser and server."""

UI_ROUND_TRIP_S = 3.0
"""An event that does no media work (a form check, a source note), on a quiet machine."""


def _budget_ms(quiet_s: float) -> float:
    return 1000 * BUSY_SLOWDOWN * (UI_ROUND_TRIP_S + quiet_s)


@pytest.fixture(scope="session")
def budget_ms() -> Callable[[float], float]:
    """A browser wait's bound, in ms, for work that takes ``quiet_s`` seconds when quiet."""
    return _budget_ms


@pytest.fixture(autouse=True)
def _ui_round_trip_bound() -> None:
    """Every ``expect`` waits at least for a busy machine's event round trip (not 5 s)."""
    expect.set_options(timeout=_budget_ms(0))


def _wait_for_images(page: Page) -> None:
    images = page.locator("img[src*='/file=']").filter(visible=True)
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        expect(image).not_to_have_js_property("naturalWidth", 0)


@pytest.fixture(scope="session")
def wait_for_images() -> Callable[[Page], None]:
    """Wait until every shown image the app served has loaded.

    Galleries load their thumbnails lazily, only once scrolled near: each image is scrolled
    into view first, so a thumbnail below the fold cannot stall the wait.
    """
    return _wait_for_images
