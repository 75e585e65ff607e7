"""Side-by-side comparison of encoder configs on one clip: size, speed, fidelity, playability.

This is the measurement behind the Compare page; it follows LeRobot's video benchmark: sizes
and load times are reported against the same frames stored as PNG files, measured in the
same run, and fidelity uses LeRobot's MSE/PSNR/SSIM recipe (:mod:`lerobot_video.metrics`).
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from lerobot_video.codec.browser import BrowserSupport, browser_support
from lerobot_video.codec.decode import decode_all_frames, decode_frames
from lerobot_video.codec.encode import ProgressCallback, encode_video
from lerobot_video.codec.support import EncoderPlan, plan_encoder
from lerobot_video.config import RGBEncoderConfig
from lerobot_video.errors import ConfigError, FrameIndexError, MediaError, path_argument
from lerobot_video.metrics import QualityMetrics, compute_quality
from lerobot_video.preview import browser_preview_clip, difference_heatmap

ACCESS_PATTERNS: dict[str, tuple[int, ...]] = {"1_frame": (0,), "6_frames": (-5, -4, -3, -2, -1, 0)}
"""Random-access requests timed per encoding, as frame offsets from a random index.

Two of the scenarios of LeRobot's benchmark: one frame, and six consecutive frames (what a
policy with an observation history asks for).
"""

MAX_CONFIGS = 4


@dataclass(frozen=True, kw_only=True, slots=True)
class EncodingReport:
    """What one encoder config did to the clip.

    Attributes:
        label: Name shown to the user.
        config: The config as encoded, with ``auto`` resolved.
        path: The encoded MP4.
        preview_path: A file browsers play: ``path`` itself when they can play it, else an
            H.264 preview of the decoded frames.
        info: The LeRobot ``info`` block of the encoded file.
        size_bytes: Size of the MP4 in bytes.
        size_ratio_vs_png: ``size_bytes`` divided by the bytes of the frames as PNG files.
        encode_fps: Frames encoded per second of wall time.
        access_ms: Mean time per random-access request, in milliseconds, by pattern name.
        load_time_ratio_vs_png: ``access_ms`` divided by the PNG time, by pattern name.
        quality: Per-frame MSE, PSNR and SSIM against the original frames.
        browser: Whether browsers can play the encoded stream, and why not.
    """

    label: str
    config: RGBEncoderConfig
    path: Path
    preview_path: Path
    info: dict[str, Any]
    size_bytes: int
    size_ratio_vs_png: float
    encode_fps: float
    access_ms: dict[str, float]
    load_time_ratio_vs_png: dict[str, float]
    quality: QualityMetrics
    browser: BrowserSupport


@dataclass(frozen=True, kw_only=True, slots=True)
class ComparisonReport:
    """The result of :func:`compare_encodings`.

    Attributes:
        fps: Frames per second of the clip.
        num_frames: Frames in the clip.
        png_size_bytes: Bytes of the clip's frames as PNG files (PIL defaults).
        png_access_ms: Mean time per request to load the same frames from PNG, in ms.
        encodings: One report per config, in the order given.
    """

    fps: int
    num_frames: int
    png_size_bytes: int
    png_access_ms: dict[str, float]
    encodings: tuple[EncodingReport, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class FrameView:
    """One encoding's view of one frame.

    Attributes:
        label: The encoding's label.
        decoded: The decoded frame, (H, W, 3) uint8.
        heatmap: Its error against the original (:func:`difference_heatmap`), (H, W, 3) uint8.
        psnr_db: PSNR of this frame in dB (``inf`` when identical).
    """

    label: str
    decoded: npt.NDArray[np.uint8]
    heatmap: npt.NDArray[np.uint8]
    psnr_db: float


def _sample_requests(num_frames: int, samples: int, seed: int) -> dict[str, list[list[int]]]:
    rng = random.Random(seed)
    low = min(5, num_frames - 1)
    requests: dict[str, list[list[int]]] = {}
    for name, offsets in ACCESS_PATTERNS.items():
        starts = [rng.randint(low, num_frames - 1) for _ in range(samples)]
        requests[name] = [[max(start + o, 0) for o in offsets] for start in starts]
    return requests


def _mean_ms(load: Callable[[list[int]], object], requests: list[list[int]]) -> float:
    load(requests[0])  # warm-up: first open, caches
    start = time.perf_counter()
    for request in requests:
        load(request)
    return (time.perf_counter() - start) * 1000 / len(requests)


def _write_png_frames(frames: npt.NDArray[np.uint8], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"frame-{i:06d}.png" for i in range(len(frames))]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda i: Image.fromarray(frames[i]).save(paths[i]), range(len(frames))))
    return paths


def _load_pngs(paths: list[Path], request: list[int]) -> list[npt.NDArray[np.uint8]]:
    return [np.asarray(Image.open(paths[i]).convert("RGB")) for i in request]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:40] or "encoding"


class _Steps:
    """Counts finished steps and reports them to an optional progress callback."""

    def __init__(self, total: int, progress: ProgressCallback | None) -> None:
        self.done, self.total, self._progress = 0, total, progress

    def step(self) -> None:
        self.done += 1
        if self._progress is not None:
            self._progress(self.done, self.total)


@dataclass(frozen=True, kw_only=True, slots=True)
class _PngBaseline:
    """The clip as PNG files: what every encoding is measured against."""

    size_bytes: int
    access_ms: dict[str, float]
    requests: dict[str, list[list[int]]]  # the timed requests (frame indices) by pattern


def check_config_pairs(
    configs: object, kind: type, maximum: int, what: str = ""
) -> list[tuple[str, Any]]:
    """``configs`` as ``(label, config)`` pairs: 1..maximum, unique string labels, one kind.

    Raises:
        ConfigError: Naming what is wrong (not pairs, a bad label or config, count, repeats).
    """
    if isinstance(configs, str | bytes | Mapping) or not isinstance(configs, Sequence):
        raise ConfigError(
            f"configs must be a list of (label, {kind.__name__}) pairs, got {configs!r:.80}."
        )
    if not 1 <= len(configs) <= maximum:
        raise ConfigError(f"Compare 1 to {maximum} {what}configurations, got {len(configs)}.")
    article = "an" if kind.__name__.startswith("RGB") else "a"
    pairs = []
    for item in configs:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ConfigError(f"Each of configs must be a (label, config) pair, got {item!r:.80}.")
        label, config = item
        if not isinstance(label, str) or not label.strip():
            raise ConfigError(f"Configuration labels must be non-empty strings, got {label!r}.")
        if not isinstance(config, kind):
            raise ConfigError(
                f"Configuration {label!r} must be {article} {kind.__name__}, got "
                f"{type(config).__name__}."
            )
        pairs.append((label, config))
    labels = [label for label, _ in pairs]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"Configuration labels must be unique, got {labels}.")
    return pairs


def output_folder(output_dir: object) -> Path:
    """``output_dir`` as a Path to a folder that exists or can be made; created here.

    Raises:
        ConfigError: Not a non-empty path.
        MediaError: It, or a parent, is a file, or it cannot be created.
    """
    out = path_argument(output_dir, "output_dir")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise MediaError(
            f"output_dir {str(out)!r} cannot be used as a folder: {err.strerror or err}; give "
            f"a folder path (not a file).",
            path=out,
        ) from err
    return out


def check_rgb_frames(frames: object) -> None:
    """Refuse anything but RGB frames, (N, H, W, 3) uint8 with N >= 1 (ConfigError)."""
    shape = getattr(frames, "shape", type(frames).__name__)
    if (
        not isinstance(frames, np.ndarray)
        or frames.ndim != 4
        or frames.shape[-1] != 3
        or frames.dtype != np.uint8
        or not len(frames)
    ):
        raise ConfigError(f"frames must be (N, H, W, 3) uint8 with N >= 1, got {shape}.")


def _check_inputs(frames: npt.NDArray[np.uint8], fps: object, samples: int) -> None:
    check_rgb_frames(frames)
    if isinstance(fps, bool) or not isinstance(fps, int) or fps < 1:
        raise ConfigError(f"fps must be an integer >= 1, got {fps!r}.")
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ConfigError(f"samples must be an integer >= 1, got {samples!r}.")


def _png_baseline(frames: npt.NDArray[np.uint8], folder: Path, samples: int) -> _PngBaseline:
    pngs = _write_png_frames(frames, folder)
    requests = _sample_requests(len(frames), samples, seed=1337)
    access_ms = {
        name: _mean_ms(lambda r: _load_pngs(pngs, r), reqs) for name, reqs in requests.items()
    }
    return _PngBaseline(
        size_bytes=sum(p.stat().st_size for p in pngs), access_ms=access_ms, requests=requests
    )


def _access_ms(path: Path, fps: int, requests: dict[str, list[list[int]]]) -> dict[str, float]:
    def load(request: list[int]) -> object:
        return decode_frames(path, [i / fps for i in request])

    return {name: _mean_ms(load, reqs) for name, reqs in requests.items()}


def _measure(
    frames: npt.NDArray[np.uint8],
    fps: int,
    label: str,
    plan: EncoderPlan,
    path: Path,
    baseline: _PngBaseline,
    steps: _Steps,
) -> EncodingReport:
    """Encode with one plan, then score, time and preview the result (three steps)."""
    start = time.perf_counter()
    info = encode_video(frames, path, fps=fps, config=plan)
    encode_fps = len(frames) / (time.perf_counter() - start)
    steps.step()
    decoded, _ = decode_all_frames(path)
    quality = compute_quality(frames, decoded)
    steps.step()
    access_ms = _access_ms(path, fps, baseline.requests)
    browser = browser_support(info["video.codec"], info["video.pix_fmt"])
    preview = path
    if not browser.plays_in_browsers:
        preview = browser_preview_clip(decoded, path.with_suffix(".preview.mp4"), fps=fps)
    steps.step()
    size_bytes = path.stat().st_size
    assert isinstance(plan.config, RGBEncoderConfig)  # _check_inputs let only RGB through
    return EncodingReport(
        label=label,
        config=plan.config,
        path=path,
        preview_path=preview,
        info=info,
        size_bytes=size_bytes,
        size_ratio_vs_png=size_bytes / baseline.size_bytes,
        encode_fps=encode_fps,
        access_ms=access_ms,
        load_time_ratio_vs_png={k: v / baseline.access_ms[k] for k, v in access_ms.items()},
        quality=quality,
        browser=browser,
    )


def compare_encodings(
    frames: npt.NDArray[np.uint8],
    configs: Sequence[tuple[str, RGBEncoderConfig]],
    *,
    fps: int,
    output_dir: str | os.PathLike[str],
    samples: int = 20,
    progress: ProgressCallback | None = None,
) -> ComparisonReport:
    """Encode a clip with each config and measure size, speed, fidelity and playability.

    Every config is checked against this FFmpeg build (and ``auto`` resolved) once, before
    any encoding starts, so a bad config fails fast. Load times are the mean over
    ``samples`` seeded random requests per access pattern (:data:`ACCESS_PATTERNS`), after
    one warm-up request, measured the same way for PNG files of the same frames.

    Args:
        frames: The clip, (N, H, W, 3) uint8 RGB, N >= 1.
        configs: 1 to 4 ``(label, config)`` pairs; labels must be unique.
        fps: Frames per second of the clip.
        output_dir: Folder that receives the encodings, previews and PNG frames.
        samples: Random requests timed per access pattern, >= 1.
        progress: Optional ``progress(steps_done, steps_total)`` callback.

    Returns:
        The comparison, one :class:`EncodingReport` per config in order.

    Raises:
        ConfigError: Invalid frames, labels, counts, or a config this build refuses.
        CodecUnavailableError: A config's encoder is not available here.
        MediaError: Encoding or decoding failed.
    """
    pairs = check_config_pairs(configs, RGBEncoderConfig, MAX_CONFIGS)
    _check_inputs(frames, fps, samples)
    plans = [(label, plan_encoder(config)) for label, config in pairs]
    out = output_folder(output_dir)
    steps = _Steps(1 + 3 * len(pairs), progress)
    baseline = _png_baseline(frames, out / "png", samples)
    steps.step()
    reports = tuple(
        _measure(frames, fps, label, plan, out / f"{i + 1}-{_slug(label)}.mp4", baseline, steps)
        for i, (label, plan) in enumerate(plans)
    )
    return ComparisonReport(
        fps=fps,
        num_frames=len(frames),
        png_size_bytes=baseline.size_bytes,
        png_access_ms=baseline.access_ms,
        encodings=reports,
    )


def compare_frame(
    report: ComparisonReport, reference: npt.NDArray[np.uint8], frame_index: int
) -> list[FrameView]:
    """Decode one frame from every encoding of a comparison and map its error.

    Args:
        report: A finished comparison.
        reference: The original frame at ``frame_index``, (H, W, 3) uint8.
        frame_index: Index of the frame in the clip, 0 <= index < ``report.num_frames``.

    Returns:
        One :class:`FrameView` per encoding, in the report's order.

    Raises:
        ConfigError: ``report`` is not a report, ``frame_index`` not an integer, or
            ``reference`` not an (H, W, 3) uint8 frame of the clip's size.
        FrameIndexError: ``frame_index`` is outside the clip.
        MediaError: An encoding can no longer be read.
    """
    if not isinstance(report, ComparisonReport):
        raise ConfigError(f"report must be a ComparisonReport, got {type(report).__name__}.")
    if isinstance(frame_index, bool) or not isinstance(frame_index, int | np.integer):
        raise ConfigError(f"frame_index must be an integer, got {frame_index!r}.")
    if not 0 <= frame_index < report.num_frames:
        raise FrameIndexError(
            f"frame_index must be in [0, {report.num_frames - 1}], got {frame_index!r}."
        )
    views = []
    for encoding in report.encodings:
        decoded = decode_frames(encoding.path, [frame_index / report.fps])[0]
        views.append(
            FrameView(
                label=encoding.label,
                decoded=decoded,
                heatmap=difference_heatmap(reference, decoded),
                psnr_db=float(encoding.quality.psnr_db[frame_index]),
            )
        )
    return views
