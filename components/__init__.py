"""The Gradio UI: one package (or module) per tab, rendered in order by ``app.build_app``."""

from __future__ import annotations

from collections.abc import Callable

from components.compare import tab as compare_tab
from components.depth import tab as depth_tab
from components.record import tab as record_tab
from components.state import AppSettings, Sessions

TabRenderer = Callable[[Sessions, AppSettings], None]

TABS: list[tuple[str, TabRenderer]] = [
    ("Compare", compare_tab.render),
    ("Record", record_tab.render),
    ("Depth", depth_tab.render),
]
"""Tabs in display order: (title, render function)."""
