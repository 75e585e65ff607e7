"""The app's public endpoints through gradio_client against the live server."""

from __future__ import annotations

import pytest
from gradio_client import Client

from components.widgets import form_values
from lerobot_video import RGBEncoderConfig


@pytest.fixture(scope="module")
def client(live_app: str) -> Client:
    return Client(live_app, verbose=False)


def test_public_endpoints_are_named(client: Client) -> None:
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert {"/load_compare_clip", "/run_comparison", "/show_frame"} <= set(endpoints)


def test_comparison_through_the_api(client: Client) -> None:
    status = client.predict("Bundled ALOHA clip", None, 30, 12, api_name="/load_compare_clip")
    assert "12 frames" in status
    knobs = [
        "A",
        *form_values(RGBEncoderConfig()),
        "B",
        *form_values(RGBEncoderConfig(vcodec="h264")),
    ]
    # Hidden forms still send values; they must be valid choices but are not used.
    knobs += ["C", *form_values(RGBEncoderConfig()), "D", *form_values(RGBEncoderConfig())]
    result = client.predict(2, *knobs, api_name="/run_comparison")
    status, table = result[0], result[1]
    assert "Compared 2 configurations on 12 frames" in status
    rows = table["value"]["data"] if "value" in table else table["data"]
    assert [row[0] for row in rows] == ["PNG frames (baseline)", "A", "B"]
