"""LeRobot Video Studio: the Gradio app shell. Run ``python app.py --help`` for options."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from components import TABS
from components.state import AppSettings, SessionState

HERE = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = Path(os.environ.get("LEROBOT_VIDEO_STUDIO_DATA", HERE / "data"))


def build_app(settings: AppSettings) -> gr.Blocks:
    """Build the app's Blocks: a header and one tab per entry of ``components.TABS``."""
    demo = gr.Blocks(title="LeRobot Video Studio", delete_cache=(3600, 3600))
    with demo:
        gr.Markdown(
            "# LeRobot Video Studio\nEncode, compare and inspect robot camera streams "
            "in LeRobot's dataset format."
        )
        session = gr.State(SessionState())
        for title, render in TABS:
            with gr.Tab(title):
                render(session, settings)
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
        help="the only folder the app writes to (default: ./data)",
    )
    parser.add_argument("--max-upload-mb", type=int, default=200, help="largest upload, in MB")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the app."""
    args = parse_args(argv)
    settings = make_settings(args.data_dir, args.max_upload_mb)
    build_app(settings).launch(
        server_name=args.host,
        server_port=args.port,
        max_file_size=f"{args.max_upload_mb}mb",
        allowed_paths=[str(settings.data_dir)],
        css_paths=[HERE / "assets" / "style.css"],
        theme=gr.themes.Soft(),
    )


def make_settings(data_dir: Path, max_upload_mb: int = 200) -> AppSettings:
    """Settings for a data folder (created if missing) and the bundled sample clip."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return AppSettings(
        data_dir=data_dir,
        bundled_clip=HERE / "assets" / "aloha_sim_rgb_ep0.npz",
        bundled_depth=HERE / "assets" / "aloha_sim_depth_ep0.npz",
        max_upload_mb=max_upload_mb,
    )


if __name__ == "__main__":
    main()
