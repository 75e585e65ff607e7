"""Helpers of the codec and core corpora: valid media made with PyAV, mutations, guards.

``refused`` runs one malformed call and checks the whole contract: the exception is a
:class:`~lerobot_video.LeRobotVideoError` of the expected kind whose message matches, the
input files are byte-identical afterwards, and nothing was written to the working folder
(every call runs inside an empty one).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import LeRobotVideoError

WIDTH, HEIGHT, FRAMES, FPS = 64, 48, 6, 10


def rgb_frames(n: int = FRAMES, height: int = HEIGHT, width: int = WIDTH) -> npt.NDArray[np.uint8]:
    """Deterministic (n, H, W, 3) uint8 frames."""
    ramp = np.arange(n * height * width * 3, dtype=np.uint32) % 251
    return ramp.reshape(n, height, width, 3).astype(np.uint8)


def depth_codes(n: int = FRAMES) -> npt.NDArray[np.uint16]:
    """Deterministic (n, H, W) 12-bit codes."""
    return (
        (np.arange(n * HEIGHT * WIDTH, dtype=np.uint32) % 4096)
        .reshape(n, HEIGHT, WIDTH)
        .astype(np.uint16)
    )


def write_with_pyav(
    path: Path, *, depth: bool = False, codec: str = "libx264", faststart: bool = False
) -> Path:
    """An MP4 written with PyAV directly (RGB h264, or gray12le lossless HEVC for depth).

    ``faststart`` puts the index first, as LeRobot and this library write; without it the
    index is at the end, so a truncated file loses it.
    """
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=options) as container:
        stream = cast(
            "av.VideoStream",
            container.add_stream(
                "libx265" if depth else codec,
                rate=FPS,
                options={"x265-params": "lossless=1:log-level=none"} if depth else {"g": "2"},
            ),
        )
        stream.width, stream.height = WIDTH, HEIGHT
        stream.pix_fmt = "gray12le" if depth else "yuv420p"
        stream.time_base = Fraction(1, FPS)
        source = depth_codes() if depth else rgb_frames()
        for index, array in enumerate(source):
            frame = av.VideoFrame.from_ndarray(array, format="gray12le" if depth else "rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def truncated(fraction: float) -> Callable[[bytes], bytes]:
    return lambda data: data[: int(len(data) * fraction)]


def flipped(offset: int) -> Callable[[bytes], bytes]:
    def mutate(data: bytes) -> bytes:
        changed = bytearray(data)
        changed[offset] ^= 0xFF
        return bytes(changed)

    return mutate


def zeroed_header(data: bytes) -> bytes:
    return bytes(64) + data[64:]


MUTATIONS: dict[str, Callable[[bytes], bytes]] = {
    **{f"truncated-{int(f * 100)}%": truncated(f) for f in (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.97)},
    "header-byte-8-flipped": flipped(8),
    "zeroed-header": zeroed_header,
}
"""Damage every decoder must refuse by name (payload bit flips may decode, as in any codec)."""


def hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@contextmanager
def _in_empty_folder(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def refused(
    call: Callable[[], Any],
    kind: type[Exception],
    match: str,
    *,
    work: Path,
    inputs: Path | None = None,
) -> LeRobotVideoError:
    """Run ``call`` in an empty folder under ``work``; check the refusal and that nothing moved.

    Args:
        call: The malformed call.
        kind: The expected :class:`LeRobotVideoError` subclass (checked).
        match: Regex the message must contain (the argument name or the value).
        work: A test's tmp_path.
        inputs: A folder of input files that must be byte-identical afterwards.
    """
    assert issubclass(kind, LeRobotVideoError)
    cwd = work / "cwd"
    before = hashes(inputs) if inputs is not None else {}
    with _in_empty_folder(cwd), pytest.raises(kind, match=match) as info:
        call()
    assert list(cwd.iterdir()) == [], f"files left in the working folder: {list(cwd.iterdir())}"
    if inputs is not None:
        assert hashes(inputs) == before, "an input file was changed"
    assert isinstance(info.value, LeRobotVideoError)
    return info.value
