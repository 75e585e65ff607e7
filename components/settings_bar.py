"""Each page's settings bar, and the events that move settings between pages and visits.

The bar carries a page's settings to another page or links to them; when the app opens, the
settings come back from the link or the browser.

What a link holds and how it is read is :mod:`components.settings_link`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import gradio as gr

from components.depth_form import depth_config_from_form
from components.feedback import shows_library_errors
from components.settings_link import (
    Settings,
    depth_form_updates,
    rgb_form_updates,
    settings_from_query,
    settings_query,
)
from components.widgets import config_from_form
from lerobot_video import LeRobotVideoError, RGBEncoderConfig


@dataclass(frozen=True)
class SettingsBar:
    """A page's row of settings actions: carry them to another page, or link to them.

    Attributes:
        carry: Button that opens another page with these settings (None on pages without).
        which: On Compare, which configuration's settings to carry or link.
        link: Button that shows a link to the settings.
        shown: Where the link appears.
    """

    carry: gr.Button | None
    which: gr.Dropdown | None
    link: gr.Button
    shown: gr.Markdown


def settings_bar(carry_label: str | None, *, forms: int = 0) -> SettingsBar:
    """Build a page's settings row; ``forms`` > 0 adds a choice of configuration (Compare)."""
    with gr.Row(equal_height=True, elem_classes=["settings-bar"]):
        which = (
            gr.Dropdown(
                [(f"Configuration {i + 1}", i) for i in range(forms)],
                value=0,
                label="Settings of",
                scale=1,
                min_width=160,
            )
            if forms
            else None
        )
        carry = gr.Button(carry_label, size="sm", scale=1) if carry_label else None
        link = gr.Button("Link to these settings", size="sm", scale=1)
        shown = gr.Markdown(elem_classes=["settings-link"])
    return SettingsBar(carry=carry, which=which, link=link, shown=shown)


def link_markdown(query: str) -> str:
    """The link shown to a person: relative to the page they are on, so it works anywhere."""
    return (
        f"[Open these settings](?{query}) — copy this link to share them: `?{query}`"
        if query
        else ""
    )


@dataclass(frozen=True)
class Pages:
    """The forms of each page that settings travel between (from the tabs' ``render``)."""

    compare_forms: list[Any]
    record_rgb: Any
    record_depth: Any
    record_rgb_box: gr.Accordion
    record_depth_box: gr.Accordion
    depth_form: Any
    compare_run: gr.Button
    record_start: gr.Button
    depth_run: gr.Button


def _rgb(values: list[Any] | tuple[Any, ...]) -> RGBEncoderConfig:
    """An RGB form's config from its knob values (label first)."""
    return config_from_form(*values[1:])


def _compare_config(which: Any, knobs: tuple[Any, ...], forms: int) -> RGBEncoderConfig:
    index = which if isinstance(which, int) and 0 <= which < forms else 0
    per_form = len(knobs) // forms
    return _rgb(knobs[index * per_form : (index + 1) * per_form])


def _outputs(pages: Pages) -> list[Any]:
    """Every form component the settings fill, in :func:`_fill` order."""
    outputs: list[Any] = []
    for form in pages.compare_forms:
        outputs += [*form.knobs, form.verdict]
    outputs += [pages.record_rgb_box, *pages.record_rgb.knobs, pages.record_rgb.verdict]
    outputs += [pages.record_depth_box, *pages.record_depth.knobs, pages.record_depth.verdict]
    return [*outputs, *pages.depth_form.knobs, pages.depth_form.verdict]


def _unfolded(part: str, source: str, filled: bool) -> Any:
    """The Record page's folded encoder box, opened and named for settings that arrived.

    Without this, settings carried or linked in would sit in a closed box still titled
    "LeRobot default".
    """
    return (
        gr.update(open=True, label=f"{part} encoder (settings {source})") if filled else gr.update()
    )


def _fill(
    pages: Pages, compare: list[Settings], record: Settings, depth: Settings, source: str
) -> list[Any]:
    updates: list[Any] = []
    for settings in compare + [Settings()] * (len(pages.compare_forms) - len(compare)):
        updates += rgb_form_updates(settings.rgb)
    updates += [_unfolded("Colour", source, record.rgb is not None), *rgb_form_updates(record.rgb)]
    updates += [_unfolded("Depth", source, record.depth is not None)]
    updates += depth_form_updates(record.depth)
    return updates + depth_form_updates(depth.depth)


def _restore(pages: Pages, query: Mapping[str, str], stored: Any) -> list[Any]:
    """Fill the forms from the link, else from the browser's last settings; select the page."""
    if any(key.startswith(("rgb.", "depth.")) for key in query):
        linked = settings_from_query(query)
        for problem in linked.problems:
            gr.Warning(problem)
        tab = gr.Tabs(selected=linked.tab) if linked.tab else gr.update()
        return [tab, *_fill(pages, [linked], linked, linked, "from the link")]
    stored = stored if isinstance(stored, dict) else {}

    def kept(key: str) -> Settings:
        text = stored.get(key)
        return settings_from_query(_parse(text)) if isinstance(text, str) else Settings()

    compare = [kept(f"compare.{i}") for i in range(len(pages.compare_forms))]
    last = "you last recorded with"
    return [gr.update(), *_fill(pages, compare, kept("record"), kept("depth"), last)]


def _parse(query: str) -> dict[str, str]:
    return dict(parse_qsl(query, keep_blank_values=True))


def _remember(pages: Pages, memory: gr.BrowserState) -> None:
    """Keep each page's settings in the browser when it runs them."""
    forms = len(pages.compare_forms)
    compare_knobs = [k for form in pages.compare_forms for k in form.knobs]

    def compare(stored: Any, *knobs: Any) -> dict[str, Any]:
        kept = dict(stored) if isinstance(stored, dict) else {}
        per_form = len(knobs) // forms
        for i in range(forms):
            try:
                kept[f"compare.{i}"] = settings_query(
                    _rgb(knobs[i * per_form : (i + 1) * per_form]), None
                )
            except (LeRobotVideoError, gr.Error):
                continue  # a refused form is not worth remembering
        return kept

    def record(stored: Any, *knobs: Any) -> dict[str, Any]:
        kept = dict(stored) if isinstance(stored, dict) else {}
        split = len(pages.record_rgb.knobs)
        with contextlib.suppress(LeRobotVideoError, gr.Error):  # refused: not worth keeping
            depth = depth_config_from_form(*knobs[split:])
            kept["record"] = settings_query(_rgb(knobs[:split]), depth)
        return kept

    def depth(stored: Any, *knobs: Any) -> dict[str, Any]:
        kept = dict(stored) if isinstance(stored, dict) else {}
        with contextlib.suppress(LeRobotVideoError, gr.Error):  # refused: not worth keeping
            kept["depth"] = settings_query(None, depth_config_from_form(*knobs))
        return kept

    record_knobs = [*pages.record_rgb.knobs, *pages.record_depth.knobs]
    for trigger, fn, knobs in (
        (pages.compare_run, compare, compare_knobs),
        (pages.record_start, record, record_knobs),
        (pages.depth_run, depth, pages.depth_form.knobs),
    ):
        trigger.click(
            fn,
            [memory, *knobs],
            memory,
            queue=False,
            show_progress="hidden",
            api_visibility="private",
        )


def _wire_links(pages: Pages, bars: Mapping[str, SettingsBar]) -> None:
    """Each page's "Link to these settings" button."""
    forms = len(pages.compare_forms)
    compare_knobs = [k for form in pages.compare_forms for k in form.knobs]

    @shows_library_errors
    def compare(which: Any, *knobs: Any) -> str:
        return link_markdown(settings_query(_compare_config(which, knobs, forms), None, "compare"))

    @shows_library_errors
    def record(*knobs: Any) -> str:
        split = len(pages.record_rgb.knobs)
        rgb, depth = _rgb(knobs[:split]), depth_config_from_form(*knobs[split:])
        return link_markdown(settings_query(rgb, depth, "record"))

    @shows_library_errors
    def depth(*knobs: Any) -> str:
        return link_markdown(settings_query(None, depth_config_from_form(*knobs), "depth"))

    bar = bars["compare"]
    which: list[Any] = [bar.which] if bar.which is not None else []
    bar.link.click(compare, [*which, *compare_knobs], bar.shown, api_visibility="private")
    bar = bars["record"]
    record_knobs = [*pages.record_rgb.knobs, *pages.record_depth.knobs]
    bar.link.click(record, record_knobs, bar.shown, api_visibility="private")
    bar = bars["depth"]
    bar.link.click(depth, pages.depth_form.knobs, bar.shown, api_visibility="private")


def _wire_carry(pages: Pages, bars: Mapping[str, SettingsBar], tabs: gr.Tabs) -> None:
    """Compare → Record (colour settings), Record → Compare, Depth → Record (depth settings)."""
    forms = len(pages.compare_forms)
    compare_knobs = [k for form in pages.compare_forms for k in form.knobs]
    first = pages.compare_forms[0]

    @shows_library_errors
    def to_record(which: Any, *knobs: Any) -> list[Any]:
        config = _compare_config(which, knobs, forms)
        box = _unfolded("Colour", "from the Compare page", True)
        return [gr.Tabs(selected="record"), box, *rgb_form_updates(config)]

    @shows_library_errors
    def to_compare(*knobs: Any) -> list[Any]:
        updates = rgb_form_updates(_rgb(knobs), label="From the Record page")
        return [gr.Tabs(selected="compare"), *updates]

    @shows_library_errors
    def depth_to_record(*knobs: Any) -> list[Any]:
        box = _unfolded("Depth", "from the Depth page", True)
        return [
            gr.Tabs(selected="record"),
            box,
            *depth_form_updates(depth_config_from_form(*knobs)),
        ]

    rgb_out = [tabs, pages.record_rgb_box, *pages.record_rgb.knobs, pages.record_rgb.verdict]
    for bar, fn, inputs, outputs in (
        (bars["compare"], to_record, [bars["compare"].which, *compare_knobs], rgb_out),
        (bars["record"], to_compare, pages.record_rgb.knobs, [tabs, *first.knobs, first.verdict]),
        (
            bars["depth"],
            depth_to_record,
            pages.depth_form.knobs,
            [tabs, pages.record_depth_box, *pages.record_depth.knobs, pages.record_depth.verdict],
        ),
    ):
        if bar.carry is not None:
            bar.carry.click(fn, inputs, outputs, api_visibility="private")


def wire_settings(
    demo: gr.Blocks, tabs: gr.Tabs, pages: Pages, bars: Mapping[str, SettingsBar]
) -> None:
    """Wire how settings travel between visits, people and pages.

    They are restored from the link or the browser when the page opens, remembered when a
    page runs, and linked and carried by each page's settings bar.
    """
    # Settings are not secret; a fixed key lets the browser's copy outlive an app restart
    # (Gradio would otherwise pick a new random one each start and drop what it kept).
    memory = gr.BrowserState(
        {}, storage_key="lerobot-video-studio-settings", secret="lerobot-video-studio-settings"
    )

    def restore(stored: Any, request: gr.Request) -> list[Any]:
        query = dict(getattr(request, "query_params", None) or {})
        return _restore(pages, query, stored)

    demo.load(
        restore, memory, [tabs, *_outputs(pages)], show_progress="hidden", api_visibility="private"
    )
    _remember(pages, memory)
    _wire_links(pages, bars)
    _wire_carry(pages, bars, tabs)
