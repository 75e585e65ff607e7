"""LeRobot Video Studio: the Gradio app shell. Run `python app.py --help` for options."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from components import TABS
from components.serving import launch_options
from components.state import AppSettings, Sessions

HERE = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = Path(os.environ.get("LEROBOT_VIDEO_STUDIO_DATA", HERE / "data"))
CACHE_SWEEP = (300, 1800)
"""Every 300 s, Gradio deletes cached uploads and downloads older than 1800 s."""


def build_app(settings: AppSettings) -> gr.Blocks:
    """Build the app's Blocks: a header and one tab per entry of ``components.TABS``.

    Gradio's cache (uploads and the copies of files shown to users) is put in the data folder
    through ``GRADIO_TEMP_DIR``, which Gradio reads when components are made: it is set here,
    for the whole process, before any is.
    """
    os.environ["GRADIO_TEMP_DIR"] = str(settings.cache_dir)
    sessions = Sessions(settings)
    demo = gr.Blocks(title="LeRobot Video Studio", delete_cache=CACHE_SWEEP)
    with demo:
        gr.Markdown(
            "# LeRobot Video Studio\nEncode, compare and inspect robot camera streams "
            "in LeRobot's dataset format."
        )
        for title, render in TABS:
            with gr.Tab(title):
                render(sessions, settings)
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
        "--idle-minutes",
        type=float,
        default=30.0,
        help="close a session (and remove its files) after this long without a request",
    )
    args = parser.parse_args(argv)
    for name, value in (
        ("--max-upload-mb", args.max_upload_mb),
        ("--media-slots", args.media_slots),
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
    )


if __name__ == "__main__":
    main()
