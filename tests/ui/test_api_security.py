"""What the API lets one client read: only uploads it made and files the app returned to it.

Server paths injected as upload parameters (files outside the data folder, ``..`` paths into
it, another session's files) must be refused without touching the session; the file route
must refuse everything in the data folder outside Gradio's cache; sessions must go when
their client closes; and the app must write nowhere but its data folder.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio.utils
import httpx
import pytest
from gradio_client import Client, handle_file

from components.compare.handlers import UPLOAD
from components.depth.handlers import BUNDLED as DEPTH_BUNDLED
from components.depth.handlers import UPLOAD as DEPTH_UPLOAD
from components.depth_form import depth_form_values
from components.state import AppSettings
from components.widgets import form_values
from lerobot_video import DepthEncoderConfig, RGBEncoderConfig

from .api_helpers import (
    file_data,
    file_url_path,
    get_exact,
    make_media,
    raw_call,
    sse_error_text,
)
from .merge_media import make_merge_zips

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DATASET = "datasets/aloha_sim_sample"
RGB_FORM = form_values(RGBEncoderConfig(vcodec="h264", preset="ultrafast"))
DEPTH_FORM = depth_form_values(DepthEncoderConfig(preset="ultrafast"))
CLOSE_WAIT_S = 45.0

FILE_PARAMETERS = {
    ("/load_compare_clip", "fls"),
    ("/load_depth", "fls"),
    ("/add_merge_upload", "files"),
}
"""Every upload parameter of the public API; the injection tests cover each."""


def _comparison(*labels: str) -> list[Any]:
    forms = [[label, *RGB_FORM] for label in labels]
    forms += [[f"spare{i}", *RGB_FORM] for i in range(4 - len(forms))]
    return [len(labels), *[value for form in forms for value in form]]


@dataclass(frozen=True)
class Endpoint:
    """An endpoint with an upload parameter, and how to check its session has nothing loaded.

    ``follow_up`` is called after the refused upload; its ``follow_up_event`` data must hold
    ``not_loaded``.
    """

    name: str
    upload_source: str
    rate: int | None
    follow_up: str
    follow_up_args: list[Any]
    not_loaded: str
    follow_up_event: str = "error"

    def args(self, payload: Any) -> list[Any]:
        """The endpoint's arguments with ``payload`` as its upload."""
        if self.name == "/add_merge_upload":
            return [payload]  # one file, not a list
        return [self.upload_source, [payload], self.rate, 12]


ENDPOINTS = {
    "/load_compare_clip": Endpoint(
        "/load_compare_clip",
        UPLOAD,
        None,
        "/run_comparison",
        _comparison("x", "y"),
        "Load a clip first",
    ),
    "/load_depth": Endpoint(
        "/load_depth",
        DEPTH_UPLOAD,
        30,
        "/run_depth_round_trip",
        [True, [], *DEPTH_FORM],
        "Load depth first",
    ),
    "/add_merge_upload": Endpoint(
        "/add_merge_upload",
        "",
        None,
        "/add_merge_source",
        [SAMPLE_DATASET],
        "1 source.",  # the sample alone: the refused upload added nothing before it
        "complete",
    ),
}


@dataclass(frozen=True)
class SessionA:
    """A session that compared a clip and loaded depth: its files and what it was served."""

    client: Client
    folder: Path
    mp4: Path
    served: dict[str, Any]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_media(tmp_path_factory.mktemp("api-security-media"))


def _served_files(value: Any) -> list[dict[str, Any]]:
    """Every file (a dict with a ``url``) in an endpoint's result."""
    if isinstance(value, dict):
        found = [value] if isinstance(value.get("url"), str) else []
        return found + [f for v in value.values() for f in _served_files(v)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in _served_files(v)]
    return []


@pytest.fixture(scope="module")
def session_a(live_app: str, settings: AppSettings, media: dict[str, Path]) -> Iterator[SessionA]:
    client = Client(live_app, verbose=False, download_files=False)
    small = [handle_file(str(media["good_mp4"]))]
    client.predict(UPLOAD, small, None, 12, api_name="/load_compare_clip")
    result = client.predict(*_comparison("secretA", "secretB"), api_name="/run_comparison")
    client.predict(DEPTH_BUNDLED, None, 30, 3, api_name="/load_depth")
    mp4s = sorted(settings.sessions_dir.glob("*/compare/*secretA*.mp4"))
    assert mp4s, "session A's comparison wrote no MP4 in its session folder"
    folder = mp4s[0].parents[1]
    assert (folder / "depth.npy").is_file()
    served = [f for f in _served_files(result) if str(f.get("path", "")).endswith(".mp4")]
    assert served, f"no video in the comparison's result: {result!r:.300}"
    try:
        yield SessionA(client, folder, mp4s[0], served[0])
    finally:
        client.close()


def test_every_upload_parameter_is_covered(live_app: str) -> None:
    client = Client(live_app, verbose=False)
    try:
        api = client.view_api(print_info=False, return_format="dict")
    finally:
        client.close()
    found = {
        (name, param["parameter_name"])
        for name, endpoint in api["named_endpoints"].items()
        for param in endpoint["parameters"]
        if param.get("component") in ("File", "Files", "UploadButton", "Video", "Image")
        or "filepath" in str(param.get("python_type", {}).get("type", ""))
    }
    assert found == FILE_PARAMETERS
    assert not api["unnamed_endpoints"]


def _injected(kind: str, endpoint: str, settings: AppSettings, a: SessionA) -> str:
    asset = "aloha_sim_depth_ep0.npz" if endpoint == "/load_depth" else "aloha_sim_rgb_ep0.npz"
    other = a.folder / "depth.npy" if endpoint == "/load_depth" else a.mp4
    relative = other.relative_to(settings.data_dir)
    return {
        "etc_hostname": "/etc/hostname",
        "repo_asset": str(REPO / "assets" / asset),
        "other_session_file": str(other),
        "other_session_frames": str(a.folder / "frames.npy"),
        "dotdot_via_cache": f"{settings.cache_dir}/../{relative}",
        "relative_dotdot": "../" * 12 + "etc/hostname",
        "data_folder": str(settings.data_dir),
    }[kind]


INJECTIONS = [
    "etc_hostname",
    "repo_asset",
    "other_session_file",
    "other_session_frames",
    "dotdot_via_cache",
    "relative_dotdot",
    "data_folder",
]


@pytest.mark.parametrize("shape", ["filedata", "bare_path"])
@pytest.mark.parametrize("kind", INJECTIONS)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_server_path_as_upload_is_refused(
    endpoint: str,
    kind: str,
    shape: str,
    live_app: str,
    settings: AppSettings,
    session_a: SessionA,
) -> None:
    spec = ENDPOINTS[endpoint]
    path = _injected(kind, endpoint, settings, session_a)
    payload: Any = file_data(path, Path(path).name or "x") if shape == "filedata" else path
    session_b = uuid.uuid4().hex
    event, data = raw_call(live_app, endpoint, spec.args(payload), session_hash=session_b)
    assert event == "error", f"{path} was accepted as an upload: {event} {data:.300}"
    # The refused call left the session as it was: nothing loaded.
    event, data = raw_call(live_app, spec.follow_up, spec.follow_up_args, session_hash=session_b)
    assert event == spec.follow_up_event, data
    assert spec.not_loaded in sse_error_text(data)


def test_a_real_upload_passed_the_same_way_is_accepted(
    live_app: str, media: dict[str, Path]
) -> None:
    """The control: the injection tests' calls fail for their paths, not their form."""
    with httpx.Client(timeout=60) as http, media["good_mp4"].open("rb") as clip:
        sent = http.post(
            live_app.rstrip("/") + "/gradio_api/upload", files={"files": ("c.mp4", clip)}
        )
    sent.raise_for_status()
    path = sent.json()[0]
    session = uuid.uuid4().hex
    # Only the FileData form: a bare path string is refused even for a real upload.
    event, data = raw_call(
        live_app,
        "/load_compare_clip",
        [UPLOAD, [file_data(path, "c.mp4")], None, 10],
        session_hash=session,
    )
    assert event == "complete", sse_error_text(data)
    assert "10 frames" in data


def _upload(live_app: str, path: Path) -> str:
    """Upload ``path`` through Gradio's upload route; the server path it was stored at."""
    with httpx.Client(timeout=60) as http, path.open("rb") as file:
        sent = http.post(
            live_app.rstrip("/") + "/gradio_api/upload", files={"files": (path.name, file)}
        )
    sent.raise_for_status()
    return str(sent.json()[0])


@pytest.fixture(scope="module")
def merge_zips(tmp_path_factory: pytest.TempPathFactory, settings: AppSettings) -> dict[str, Path]:
    sample = settings.datasets_dir / SAMPLE_DATASET.removeprefix("datasets/")
    return make_merge_zips(tmp_path_factory.mktemp("api-security-zips"), sample)


def test_a_real_dataset_zip_passed_the_same_way_is_accepted(
    live_app: str, settings: AppSettings, merge_zips: dict[str, Path]
) -> None:
    """The control for the merge upload: unpacked inside the session's own folder."""
    path = _upload(live_app, merge_zips["sample_zip"])
    session = uuid.uuid4().hex
    event, data = raw_call(
        live_app, "/add_merge_upload", [file_data(path, "sample.zip")], session_hash=session
    )
    assert event == "complete", sse_error_text(data)
    assert "aloha_sim_sample (uploaded)" in data
    unpacked = list(settings.sessions_dir.glob("*/merge-uploads/*/aloha_sim_sample/meta/info.json"))
    assert unpacked, "the zip was not unpacked in a session folder"


@pytest.mark.parametrize("kind", ["dotdot_zip", "absolute_zip", "symlink_zip", "huge_zip"])
def test_unsafe_zip_entries_write_nothing(
    live_app: str, settings: AppSettings, merge_zips: dict[str, Path], kind: str
) -> None:
    path = _upload(live_app, merge_zips[kind])
    session = uuid.uuid4().hex
    event, data = raw_call(
        live_app, "/add_merge_upload", [file_data(path, f"{kind}.zip")], session_hash=session
    )
    assert event == "error", data
    assert sse_error_text(data), "a fault, not a refusal"
    written = [p for p in settings.data_dir.rglob("*") if p.name in ("evil.txt", "link", "big.bin")]
    assert written == []


def test_refused_injection_keeps_the_sessions_own_clip(
    live_app: str, session_a: SessionA, media: dict[str, Path]
) -> None:
    client = Client(live_app, verbose=False, download_files=False)
    try:
        small = [handle_file(str(media["good_mp4"]))]
        client.predict(UPLOAD, small, None, 10, api_name="/load_compare_clip")
        event, _ = raw_call(
            live_app,
            "/load_compare_clip",
            [UPLOAD, [file_data(str(session_a.mp4))], None, 12],
            session_hash=client.session_hash,
        )
        assert event == "error"
        status = client.predict(*_comparison("own1", "own2"), api_name="/run_comparison")[0]
        assert "on 10 frames" in status  # its own 10-frame clip, not A's 12-frame encoding
    finally:
        client.close()


def _route_cases(settings: AppSettings, a: SessionA) -> dict[str, str]:
    relative = a.mp4.relative_to(settings.data_dir)
    return {
        "session_mp4": str(a.mp4),
        "session_frames": str(a.folder / "frames.npy"),
        "session_folder": str(a.folder),
        "sessions_root": str(settings.sessions_dir),
        "etc_hostname": "/etc/hostname",
        "dotdot_via_cache": f"{settings.cache_dir}/../{relative}",
        "double_slash": f"{settings.data_dir}//{relative}",
        "dot_segments": f"{settings.cache_dir}/./../{relative}",
        "data_folder": str(settings.data_dir),
    }


def test_file_route_refuses_the_data_folder_outside_the_cache(
    live_app: str, settings: AppSettings, session_a: SessionA
) -> None:
    probe = settings.data_dir / "root-probe.txt"
    probe.write_text("not for the web\n")
    try:
        cases = {**_route_cases(settings, session_a), "data_root_file": str(probe)}
        statuses = {name: get_exact(live_app, file_url_path(path)) for name, path in cases.items()}
        encoded = file_url_path(cases["dotdot_via_cache"]).replace("..", "%2E%2E")
        statuses["percent_encoded_dotdot"] = get_exact(live_app, encoded, quoted=True)
    finally:
        probe.unlink()
    assert statuses == dict.fromkeys(statuses, 403)


def test_file_route_serves_what_the_session_was_shown(
    settings: AppSettings, session_a: SessionA
) -> None:
    served = session_a.served
    assert Path(served["path"]).resolve().is_relative_to(settings.cache_dir.resolve())
    response = httpx.get(served["url"], timeout=30)
    assert response.status_code == 200
    assert response.content == Path(served["path"]).read_bytes()


def test_closing_a_client_removes_its_session(
    live_app: str, settings: AppSettings, media: dict[str, Path]
) -> None:
    before = set(settings.sessions_dir.iterdir())
    client = Client(live_app, verbose=False)
    small = [handle_file(str(media["good_mp4"]))]
    client.predict(UPLOAD, small, None, 10, api_name="/load_compare_clip")
    new = [p for p in settings.sessions_dir.iterdir() if p not in before]
    assert len(new) == 1
    assert (new[0] / "frames.npy").is_file()
    client.close()
    deadline = time.monotonic() + CLOSE_WAIT_S
    while new[0].exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not new[0].exists(), f"session folder still there {CLOSE_WAIT_S} s after close"


def test_nothing_is_written_outside_the_data_folder(
    settings: AppSettings, session_a: SessionA
) -> None:
    data = settings.data_dir.resolve()
    assert Path(gradio.utils.get_upload_folder()).resolve().is_relative_to(data)
    # "datasets" holds the shared datasets the Inspect page reads (the sample at first).
    assert {entry.name for entry in data.iterdir()} <= {"cache", "sessions", "datasets"}
    assert session_a.folder.resolve().is_relative_to(data / "sessions")


def test_uploads_above_the_size_limit_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--max-upload-mb`` is enforced by the upload route, before anything is stored."""
    import os
    import socket

    import app
    from components.serving import launch_options

    # build_app points GRADIO_TEMP_DIR at this app's data folder; the shared app keeps its own.
    monkeypatch.setenv("GRADIO_TEMP_DIR", os.environ.get("GRADIO_TEMP_DIR", ""))

    settings = app.make_settings(tmp_path / "data", max_upload_mb=1)
    demo = app.build_app(settings)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **launch_options(settings),
    )
    try:
        url = f"{demo.local_url}gradio_api/upload"
        small = httpx.post(url, files={"files": ("ok.npy", b"x" * 1000)}, timeout=30)
        big = httpx.post(url, files={"files": ("big.npy", b"x" * 1_500_000)}, timeout=30)
    finally:
        demo.close()
    assert small.status_code == 200
    assert big.status_code == 413
    stored = [p.name for p in settings.cache_dir.rglob("*") if p.is_file()]
    assert "big.npy" not in stored
