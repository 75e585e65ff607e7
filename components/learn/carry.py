"""The Learn page's "Use these settings" buttons: a lesson's settings into another page's form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from components.feedback import shows_library_errors
from components.settings_link import depth_form_updates, rgb_form_updates
from lerobot_video import DepthEncoderConfig, RGBEncoderConfig

SOURCE = "settings from the Learn page"


@dataclass(frozen=True)
class CarryTargets:
    """The other pages' forms a lesson's settings can fill (from their ``render``)."""

    tabs: gr.Tabs
    record_rgb_box: gr.Accordion
    record_rgb: Any
    record_depth_box: gr.Accordion
    record_depth: Any
    compare_first: Any

    @property
    def record_rgb_outputs(self) -> list[Any]:
        """The page switch, the Record page's colour box and its form."""
        return [self.tabs, self.record_rgb_box, *self.record_rgb.knobs, self.record_rgb.verdict]

    @property
    def compare_outputs(self) -> list[Any]:
        """The page switch and the Compare page's first form."""
        return [self.tabs, *self.compare_first.knobs, self.compare_first.verdict]

    @property
    def record_depth_outputs(self) -> list[Any]:
        """The page switch, the Record page's depth box and its form."""
        box = [self.record_depth_box, *self.record_depth.knobs, self.record_depth.verdict]
        return [self.tabs, *box]


def rgb_to_record(config: RGBEncoderConfig) -> list[Any]:
    """Open the Record page with ``config`` in its colour form (its box unfolded and named)."""
    box = gr.update(open=True, label=f"Colour encoder ({SOURCE})")
    return [gr.Tabs(selected="record"), box, *rgb_form_updates(config)]


def rgb_to_compare(config: RGBEncoderConfig, label: str) -> list[Any]:
    """Open the Compare page with ``config`` in its first form, named ``label``."""
    return [gr.Tabs(selected="compare"), *rgb_form_updates(config, label=label[:60])]


def depth_to_record(config: DepthEncoderConfig) -> list[Any]:
    """Open the Record page with ``config`` in its depth form (its box unfolded and named)."""
    box = gr.update(open=True, label=f"Depth encoder ({SOURCE})")
    return [gr.Tabs(selected="record"), box, *depth_form_updates(config)]


def wire_rgb_carry(
    buttons: tuple[gr.Button, gr.Button],
    inputs: Sequence[Any],
    build: Callable[..., RGBEncoderConfig],
    label: str,
    targets: CarryTargets,
) -> None:
    """Wire a lesson's "Record with these" and "Compare these" buttons.

    ``build`` turns the lesson's input values into the config to carry (the library checks
    it; a refusal is a toast and nothing changes).
    """
    record, compare = buttons

    @shows_library_errors
    def carry_to_record(*values: Any) -> list[Any]:
        return rgb_to_record(build(*values))

    @shows_library_errors
    def carry_to_compare(*values: Any) -> list[Any]:
        return rgb_to_compare(build(*values), label)

    record.click(
        carry_to_record, list(inputs), targets.record_rgb_outputs, api_visibility="private"
    )
    compare.click(carry_to_compare, list(inputs), targets.compare_outputs, api_visibility="private")
