"""LeRobot Video Studio: choose, measure and record robot camera streams for LeRobot datasets."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from components.compare import tab as compare_tab
from components.depth import tab as depth_tab
from components.inspect import tab as inspect_tab
from components.learn import tab as learn_tab
from components.learn.carry import CarryTargets
from components.merge import tab as merge_tab
from components.merge.inspect_link import wire_open_in_inspect
from components.record import tab as record_tab
from components.sample_dataset import ensure_sample_dataset
from components.serving import launch_options
from components.settings_bar import Pages, settings_bar, wire_settings
from components.state import AppSettings, Sessions

HERE = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = Path(os.environ.get("LEROBOT_VIDEO_STUDIO_DATA", HERE / "data"))
CACHE_SWEEP = (300, 1800)
"""Every 300 s, Gradio deletes cached uploads and downloads older than 1800 s."""
FIRST_SCREEN = """# LeRobot Video Studio
Choose, measure and record how robot camera streams are stored in LeRobot datasets (v3.0).
**Compare**: try encoder settings on a clip and see size, speed and fidelity ·
**Record**: record episodes from a camera into a dataset ·
**Depth**: see what 12-bit depth keeps, in mm or m ·
**Inspect**: open a dataset on the Hub or on disk and see how its videos are really encoded ·
**Merge**: join datasets into one, with a plan of what must match and a check of the result ·
**Learn**: why LeRobot stores cameras as AV1, yuv420p, g=2, crf=30, shown by real encodings.
Settings carry from page to page, and *Link to these settings* shares them."""


def build_app(settings: AppSettings) -> gr.Blocks:
    """Build the app's Blocks: the first screen, one tab per page, and settings that travel.

    Gradio's cache (uploads and the copies of files shown to users) is put in the data folder
    through ``GRADIO_TEMP_DIR``, which Gradio reads when components are made: it is set here,
    for the whole process, before any is.
    """
    os.environ["GRADIO_TEMP_DIR"] = str(settings.cache_dir)
    ensure_sample_dataset(settings)  # so Inspect and Merge always have a dataset to show
    sessions = Sessions(settings)
    demo = gr.Blocks(title="LeRobot Video Studio", delete_cache=CACHE_SWEEP)
    with demo:
        gr.Markdown(FIRST_SCREEN, elem_id="first-screen")
        with gr.Tabs() as tabs:
            with gr.Tab("Compare", id="compare", elem_id="compare-page"):
                compare = compare_tab.render(sessions, settings)
                compare_bar = settings_bar("Record with these settings", forms=len(compare.forms))
            with gr.Tab("Record", id="record", elem_id="record-page"):
                record = record_tab.render(sessions, settings)
                record_bar = settings_bar("Compare these settings")
            with gr.Tab("Depth", id="depth", elem_id="depth-page"):
                depth = depth_tab.render(sessions, settings)
                depth_bar = settings_bar("Record with these depth settings")
            with gr.Tab("Inspect", id="inspect", elem_id="inspect-page") as inspect_tab_block:
                inspect = inspect_tab.render(sessions, settings)
            with gr.Tab("Merge", id="merge", elem_id="merge-page") as merge_tab_block:
                merge = merge_tab.render(sessions, settings)
            with gr.Tab("Learn", id="learn", elem_id="learn-page"):
                learn = learn_tab.render(sessions, settings)
        pages = Pages(
            compare_forms=list(compare.forms),
            record_rgb=record.rgb_form,
            record_depth=record.depth_form,
            record_rgb_box=record.rgb_accordion,
            record_depth_box=record.depth_accordion,
            depth_form=depth.form,
            compare_run=compare.compare,
            record_start=record.start_episode,
            depth_run=depth.run,
        )
        bars = {"compare": compare_bar, "record": record_bar, "depth": depth_bar}
        wire_settings(demo, tabs, pages, bars)
        inspect_tab.wire_default(inspect, inspect_tab_block, sessions, settings)
        inspect_tab.wire_carry(inspect, sessions, tabs, compare.forms[0], depth.form)
        merge_tab.wire_listing(merge, merge_tab_block, sessions, settings)
        wire_open_in_inspect(merge, sessions, settings, tabs, inspect)
        learn_tab.wire_carry(
            learn,
            CarryTargets(
                tabs=tabs,
                record_rgb_box=record.rgb_accordion,
                record_rgb=record.rgb_form,
                record_depth_box=record.depth_accordion,
                record_depth=record.depth_form,
                compare_first=compare.forms[0],
            ),
        )
        # A closed tab's camera, recorder, results and folder go at once.
        demo.unload(sessions.close)
    return demo


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; ``GRADIO_SERVER_NAME`` and ``GRADIO_SERVER_PORT`` give the defaults."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--host",
        default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        help="interface to listen on (Spaces set GRADIO_SERVER_NAME=0.0.0.0)",
    )
    parser.add_argument(
        "--port",
        type=int,
        # argparse applies type= to a string default too: a bad variable is a usage error.
        default=os.environ.get("GRADIO_SERVER_PORT", "7860"),
        help="port to listen on (default: GRADIO_SERVER_PORT, else 7860)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="the only folder the app writes to (default: LEROBOT_VIDEO_STUDIO_DATA, else ./data)",
    )
    parser.add_argument("--max-upload-mb", type=int, default=200, help="largest upload, in MB")
    parser.add_argument(
        "--media-slots",
        type=int,
        default=os.cpu_count() or 1,
        help="encodes served at once; more wait in the queue (default: the CPU count)",
    )
    parser.add_argument(
        "--max-datasets-mb",
        type=int,
        default=5000,
        help="most MB the shared datasets folder may hold; merges beyond it are refused",
    )
    parser.add_argument(
        "--idle-minutes",
        type=float,
        default=30.0,
        help="close a session (and remove its files) after this long without a request",
    )
    args = parser.parse_args(argv)
    for name, value in (
        ("--max-upload-mb", args.max_upload_mb),
        ("--media-slots", args.media_slots),
        ("--max-datasets-mb", args.max_datasets_mb),
    ):
        if value < 1:
            parser.error(f"{name} must be at least 1, got {value}")
    if not args.idle_minutes > 0:
        parser.error(f"--idle-minutes must be more than 0, got {args.idle_minutes}")
    return args


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the app."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    settings = make_settings(
        args.data_dir,
        args.max_upload_mb,
        media_slots=args.media_slots,
        idle_session_s=60 * args.idle_minutes,
        max_datasets_mb=args.max_datasets_mb,
    )
    build_app(settings).launch(
        server_name=args.host,
        server_port=args.port,
        **launch_options(settings),
    )


def make_settings(
    data_dir: Path,
    max_upload_mb: int = 200,
    *,
    media_slots: int = 2,
    idle_session_s: float = 1800.0,
    max_datasets_mb: int = 5000,
) -> AppSettings:
    """Settings for a data folder (created if missing) and the bundled sample clip."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return AppSettings(
        data_dir=data_dir,
        bundled_clip=HERE / "assets" / "aloha_sim_rgb_ep0.npz",
        bundled_depth=HERE / "assets" / "aloha_sim_depth_ep0.npz",
        max_upload_mb=max_upload_mb,
        media_slots=max(1, media_slots),
        idle_session_s=idle_session_s,
        max_datasets_mb=max_datasets_mb,
    )


if __name__ == "__main__":
    main()
