"""Helpers for the API corpus and security tests: raw calls, message checks, test media."""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from lerobot_video import RGBEncoderConfig, encode_video

GENERIC = "verbose error reporting"
"""Part of the text gradio_client shows for a fault (an exception that is not a user error)."""

MEDIA_TIMEOUT_S = 180.0


def message_problems(message: str, keywords: Sequence[str], data_dir: Path) -> list[str]:
    """What is wrong with an error message shown to a user; empty when it is fine.

    A message must not be Gradio's generic fault text, must not name a server path, must be
    HTML-escaped, must not hold a digit run longer than 20, and must contain one of
    ``keywords`` (case-insensitive, as a whole word).
    """
    problems = []
    if GENERIC in message:
        problems.append("generic fault text (a traceback on the server)")
    for part in ("/sessions/", "/cache/", str(data_dir)):
        if part in message:
            problems.append(f"server path ({part!r}) in message")
    if "<" in message:
        problems.append("raw '<' (message not HTML-escaped)")
    if re.search(r"\d{21,}", message):
        problems.append("digit run longer than 20")
    if keywords and not any(
        re.search(rf"(?<!\w){re.escape(word)}(?!\w)", message, re.IGNORECASE) for word in keywords
    ):
        problems.append(f"names none of {list(keywords)}")
    return problems


def raw_call(
    url: str,
    endpoint: str,
    data: list[Any],
    *,
    session_hash: str | None = None,
    timeout: float = MEDIA_TIMEOUT_S,
) -> tuple[str, str]:
    """Call ``endpoint`` over plain HTTP, so no client uploads or rewrites file parameters.

    Returns:
        The last ``complete`` or ``error`` event's name and its data text.
    """
    base = url.rstrip("/") + "/gradio_api/call/" + endpoint.lstrip("/")
    body: dict[str, Any] = {"data": data}
    if session_hash is not None:
        body["session_hash"] = session_hash
    with httpx.Client(timeout=timeout) as http:
        posted = http.post(base, json=body)
        if posted.status_code != 200:
            return "http", f"{posted.status_code} {posted.text}"
        event_id = posted.json()["event_id"]
        text = http.get(f"{base}/{event_id}").text
    event, payload = "none", ""
    for block in text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.strip().splitlines() if ": " in line)
        if lines.get("event") in ("complete", "error"):
            event, payload = lines["event"], lines.get("data", "")
    return event, payload


def file_data(path: str, name: str = "clip.mp4") -> dict[str, Any]:
    """A FileData payload naming a server path, as an upload parameter carries it."""
    return {"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": name}


def get_exact(url: str, path: str, *, quoted: bool = False) -> int:
    """GET ``path`` from the server exactly as written (no ``..`` removed); the status code.

    ``quoted``: ``path`` is already percent-encoded and is sent as it is.
    """
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        target = path if quoted else urllib.parse.quote(path, safe="/=:.-_~")
        connection.request("GET", target)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def file_url_path(path: str) -> str:
    """The file route's path for a server file."""
    return "/gradio_api/file=" + path


def png_bytes(array: np.ndarray) -> bytes:
    """A PNG of a 2-D uint8 or uint16 array (grey), written without extra libraries."""
    height, width = array.shape
    if array.dtype == np.uint16:
        depth, raw = 16, array.astype(">u2").tobytes()
    else:
        depth, raw = 8, array.astype(np.uint8).tobytes()
    row = width * depth // 8
    scanlines = b"".join(b"\x00" + raw[i * row : (i + 1) * row] for i in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([depth, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(scanlines))
        + chunk(b"IEND", b"")
    )


def make_media(folder: Path) -> dict[str, Path]:
    """Small valid and broken files to upload, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        files[name.replace(".", "_")] = folder / name
        (folder / name).write_bytes(data)

    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (12, 48, 64, 3), dtype=np.uint8)
    good = folder / "good.mp4"
    encode_video(frames, good, fps=30, config=RGBEncoderConfig(vcodec="h264", preset="ultrafast"))
    files["good_mp4"] = good
    data = good.read_bytes()
    put("truncated.mp4", data[: len(data) // 2])
    put("header_only.mp4", data[:64])
    put("text.mp4", b"this is not a video\n" * 20)
    put("empty.mp4", b"")
    put("fake.png", b"not a png at all")
    put("notes.txt", b"hello\n")
    put("frames.npz", b"PK\x03\x04 truncated zip")
    put("rgb8.png", png_bytes(rng.integers(0, 255, (32, 32), dtype=np.uint8)))
    # Depth files.
    metres = rng.uniform(0.3, 2.0, (6, 24, 32)).astype(np.float32)
    for name, array in {
        "good.npy": metres,
        "wrong_shape.npy": rng.uniform(0.3, 2, (2, 3, 4, 5, 6)).astype(np.float32),
        "wrong_dtype.npy": metres.astype(np.complex64),
        "strings.npy": np.array([["a", "b"], ["c", "d"]]),
        "bool.npy": metres > 1,
        "empty_array.npy": np.zeros((0, 24, 32), np.float32),
        "rgb.npy": rng.integers(0, 255, (4, 24, 32, 3), dtype=np.uint8),
        "scalar.npy": np.array(1.5, np.float32),
    }.items():
        with (folder / name).open("wb") as out:
            np.save(out, array)
        files[name.replace(".", "_")] = folder / name
    objects = folder / "objects.npy"
    with objects.open("wb") as out:
        np.save(out, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    files["objects_npy"] = objects
    put("text.npy", b"not numpy")
    put("truncated.npy", (folder / "good.npy").read_bytes()[:200])
    put("depth8.png", png_bytes(rng.integers(0, 255, (24, 32), dtype=np.uint8)))
    put("depth16_a.png", png_bytes(rng.integers(300, 2000, (24, 32)).astype(np.uint16)))
    put("depth16_b.png", png_bytes(rng.integers(300, 2000, (24, 32)).astype(np.uint16)))
    put("depth16_big.png", png_bytes(rng.integers(300, 2000, (30, 40)).astype(np.uint16)))
    return files


def sse_error_text(payload: str) -> str:
    """The message of an ``error`` event's data (``null`` for a fault)."""
    try:
        value = json.loads(payload)
    except ValueError:
        return payload
    return "" if value is None else str(value)
