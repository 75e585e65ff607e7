"""UI fixtures: app settings on a temporary data folder, a live server, Chromium launch args."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

import app
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
        allowed_paths=[str(settings.data_dir)],
        max_file_size="200mb",
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
