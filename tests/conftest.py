"""Shared test setup: quiet encoders, synthetic frames, PyAV-made videos, encoder markers.

- Environment defaults set at import: ``SVT_LOG=1`` (no SVT-AV1 banner) and
  ``GRADIO_ANALYTICS_ENABLED=False``.
- ``make_frames``: deterministic (N, H, W, 3) uint8 clips with texture and motion.
- ``make_video``: writes an MP4 with PyAV directly, so decode and probe tests do not depend on
  :func:`lerobot_video.encode_video`.
- ``@pytest.mark.requires_encoder("libx265")`` (or ``requires_encoder("libx265")``): skips a
  test when the encoder cannot open here; with ``LEROBOT_VIDEO_REQUIRE_ENCODERS=1`` (CI) the
  skip becomes a failure.
- ``local_hub`` and ``no_backoff_sleep`` (``tests/hub/fixtures.py``): a local Hub endpoint that
  the real ``huggingface_hub`` talks to, and retries without their waits.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("SVT_LOG", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import av
import numpy as np
import numpy.typing as npt
import pytest
from hub.fixtures import local_hub, no_backoff_sleep  # noqa: F401  (fixtures for every test)

REQUIRE_ENCODERS_ENV = "LEROBOT_VIDEO_REQUIRE_ENCODERS"
_X265_QUIET = "log-level=error"


@functools.cache
def encoder_unavailable_reason(name: str) -> str | None:
    """Open encoder ``name`` on a tiny frame with PyAV; return why it failed, or None."""
    try:
        av.codec.Codec(name, "w")
    except av.codec.codec.UnknownCodecError:
        return f"encoder {name!r} is not in this FFmpeg build"
    try:
        context = av.CodecContext.create(name, "w")
        assert isinstance(context, av.VideoCodecContext)
        context.width, context.height, context.pix_fmt = 256, 256, "yuv420p"
        context.time_base = Fraction(1, 30)
        if name in ("hevc", "libx265"):
            context.options = {"x265-params": _X265_QUIET}
        context.open()
        frame = av.VideoFrame(256, 256, "yuv420p")
        frame.pts = 0
        context.encode(frame)
        context.encode(None)
    except (av.FFmpegError, OSError, ValueError, RuntimeError) as err:
        return f"encoder {name!r} cannot be opened here ({err})"
    return None


def requires_encoder(*names: str) -> pytest.MarkDecorator:
    """Mark a test (or a ``pytest.param``) as needing these encoders to open here.

    Same as ``@pytest.mark.requires_encoder(*names)``. Missing encoders skip the test, or fail
    it when ``LEROBOT_VIDEO_REQUIRE_ENCODERS=1``.
    """
    return pytest.mark.requires_encoder(*names)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requires_encoder(*names): skip unless these encoders open here "
        f"(fail instead when {REQUIRE_ENCODERS_ENV}=1)",
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in item.iter_markers(name="requires_encoder"):
        for name in marker.args:
            reason = encoder_unavailable_reason(name)
            if reason is None:
                continue
            if os.environ.get(REQUIRE_ENCODERS_ENV) == "1":
                pytest.fail(f"{reason}, and {REQUIRE_ENCODERS_ENV}=1 requires it")
            pytest.skip(reason)


def _triangle(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """A 0..255..0 triangle wave of period 512: ramps without the hard edge of a wrap."""
    return np.abs((values % 512.0) - 256.0).clip(0, 255)


def frames_for(
    n: int = 8, height: int = 48, width: int = 64, pattern: str = "ramp"
) -> npt.NDArray[np.uint8]:
    """Build a deterministic (n, height, width, 3) uint8 clip; see :func:`make_frames`."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    rng = np.random.default_rng(20261122)
    if pattern == "noise":
        return rng.integers(0, 256, size=(n, height, width, 3), dtype=np.uint8)
    out = np.empty((n, height, width, 3), dtype=np.uint8)
    if pattern == "ramp":
        for i in range(n):
            red = _triangle(xx * 4 + 8 * i)
            green = _triangle(yy * 4 + 4 * i)
            blue = _triangle((xx + yy) * 2 + 12 * i)
            out[i] = np.stack([red, green, blue], axis=-1)
        return out
    if pattern == "moving":
        grain = rng.normal(0.0, 4.0, size=(height, width, 3))
        side = max(4, min(height, width) // 4)
        for i in range(n):
            red = 128 + 80 * np.sin((xx + 3 * i) / 6.0) * np.cos(yy / 8.0)
            green = 128 + 80 * np.sin((yy + 2 * i) / 5.0 + xx / 17.0)
            blue = _triangle((xx + yy) * 3 + 10 * i) * 0.8 + 20
            image = np.stack([red, green, blue], axis=-1) + grain
            top, left = (2 * i) % (height - side), (3 * i) % (width - side)
            image[top : top + side, left : left + side] = (240.0, 230.0, 40.0)
            out[i] = image.clip(0, 255).round().astype(np.uint8)
        return out
    raise ValueError(f"unknown pattern {pattern!r}; use 'ramp', 'noise' or 'moving'")


# The scheduling policy the test process started with (normal time-sharing).
_START_SCHEDULING = (os.sched_getscheduler(0), os.sched_getparam(0))


def _reset_thread_scheduling() -> None:
    if (os.sched_getscheduler(0), os.sched_getparam(0)) != _START_SCHEDULING:
        os.sched_setscheduler(0, *_START_SCHEDULING)


@pytest.fixture(autouse=True)
def _restore_thread_scheduling() -> Iterator[None]:
    """Keep the test process on its starting scheduling policy around every test.

    Tests and session fixtures that write videos with PyAV directly open SVT-AV1 outside the
    library's guard; as root that switches the test process to SCHED_FIFO 99, and the
    Chromium started for the browser tests would inherit it and could starve the machine.
    """
    _reset_thread_scheduling()
    yield
    _reset_thread_scheduling()


@pytest.fixture(scope="session")
def make_frames() -> Callable[..., npt.NDArray[np.uint8]]:
    """Factory: ``make_frames(n=8, height=48, width=64, pattern="ramp")``.

    Patterns (all deterministic):
    - ``ramp``: smooth colour gradients sliding a few pixels per frame;
    - ``noise``: uniform random pixels (incompressible);
    - ``moving``: smooth sinusoidal texture with fixed film grain and a yellow square moving
      diagonally, so lossy codecs have motion and detail to code.

    Each call returns a fresh array the caller may modify.
    """
    return frames_for


_video_counter = itertools.count()


def write_video_with_pyav(
    folder: Path,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    frames: npt.NDArray[np.generic] | None = None,
    fps: int = 30,
    options: Mapping[str, str] | None = None,
    *,
    faststart: bool = False,
    name: str | None = None,
) -> Path:
    """Write ``frames`` to an MP4 with PyAV only; see :func:`make_video`."""
    if frames is None:
        frames = frames_for()
    folder = Path(folder)
    path = folder / (name or f"pyav-{codec}-{pix_fmt}-{next(_video_counter)}.mp4")
    stream_options = dict(options or {})
    if codec in ("hevc", "libx265"):
        params = stream_options.get("x265-params", "")
        if "log-level" not in params:
            stream_options["x265-params"] = f"{params}:{_X265_QUIET}" if params else _X265_QUIET
    container_options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", format="mp4", options=container_options) as container:
        stream = container.add_stream(codec, rate=fps, options=stream_options)
        assert isinstance(stream, av.VideoStream)
        stream.height, stream.width = int(frames.shape[1]), int(frames.shape[2])
        stream.pix_fmt = pix_fmt
        stream.time_base = Fraction(1, fps)
        for index, array in enumerate(frames):
            if array.ndim == 2:
                # Grey frames: uint16 samples with 12 significant bits, stored as gray12le.
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="gray12le")
            else:
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


@pytest.fixture(scope="session")
def make_video() -> Callable[..., Path]:
    """Factory: ``make_video(tmp_path, codec, pix_fmt, frames, fps, options)`` -> Path.

    Writes an MP4 with PyAV directly (never through ``lerobot_video``): frame ``i`` gets pts
    ``i`` in a ``1/fps`` time base. ``codec`` is an FFmpeg encoder name (``libsvtav1``,
    ``libx264``, ``libx265``…), ``options`` go to the encoder unchanged (x265 is only told to
    log errors). ``frames`` is (N, H, W, 3) uint8 RGB, or (N, H, W) uint16 grey codes for
    ``gray12le``. Keyword-only ``faststart=True`` puts the index first; ``name`` sets the
    file name.
    """
    return write_video_with_pyav


def decode_all_with_pyav(path: Path) -> tuple[list[int], list[npt.NDArray[np.uint8]], Fraction]:
    """Decode every frame of ``path`` sequentially with PyAV: (pts list, RGB frames, time base)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded: list[tuple[int, npt.NDArray[np.uint8]]] = []
        for frame in container.decode(stream):
            assert frame.pts is not None
            rgb: npt.NDArray[np.uint8] = frame.to_ndarray(format="rgb24")  # type: ignore[assignment]
            decoded.append((frame.pts, rgb))
        time_base = stream.time_base
    assert time_base is not None
    decoded.sort(key=lambda item: item[0])
    return [p for p, _ in decoded], [a for _, a in decoded], time_base


@pytest.fixture(scope="session")
def decode_all() -> Callable[[Path], tuple[list[int], list[npt.NDArray[np.uint8]], Fraction]]:
    """Factory: ``decode_all(path)`` -> (sorted pts, RGB frames in pts order, time base).

    A full sequential decode with PyAV directly: the reference for random-access tests and
    for reading back what the encoder wrote.
    """
    return decode_all_with_pyav


@pytest.fixture(scope="session")
def encoder_unavailable() -> Callable[[str], str | None]:
    """Factory: ``encoder_unavailable(name)`` -> None when the encoder opens here, else why."""
    return encoder_unavailable_reason


def psnr(reference: npt.NDArray[np.uint8], decoded: npt.NDArray[np.uint8]) -> float:
    """Peak signal-to-noise ratio in dB of ``decoded`` against ``reference`` (8-bit)."""
    error = np.mean((reference.astype(np.float64) - decoded.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else float(10 * np.log10(255.0**2 / error))


@pytest.fixture(scope="session")
def compute_psnr() -> Callable[[npt.NDArray[np.uint8], npt.NDArray[np.uint8]], float]:
    """Factory: ``compute_psnr(reference, decoded)`` -> PSNR in dB over the whole clip."""
    return psnr
