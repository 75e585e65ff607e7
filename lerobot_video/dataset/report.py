"""The encoding report of a local dataset: what its MP4s hold, checked against ``info.json``.

Packet facts (keyframes, presentation times, sizes) come from each MP4's sample tables
(:func:`~lerobot_video.codec.mp4_index.read_sample_index`, no frame decoded); stream facts
from :func:`probe_video`.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from lerobot_video.codec.browser import BrowserSupport, browser_support
from lerobot_video.codec.mp4_index import Int64s, read_sample_index
from lerobot_video.codec.probe import VideoInfo, probe_video
from lerobot_video.dataset.reader import DatasetReader, open_dataset
from lerobot_video.depth import DepthQuantization, quantization_step_mm

Severity = Literal["error", "warning", "info"]
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, kw_only=True, slots=True)
class Finding:
    """One disagreement between a feature's files and ``info.json``, or a risk for readers.

    Attributes:
        severity: ``"error"`` (frames wrong or unreadable), ``"warning"`` (metadata wrong,
            or readers at risk) or ``"info"``.
        feature: The video feature concerned, or "" for the dataset as a whole.
        field: The ``info.json`` field (``video.g``), episode column or measured fact.
        path: The MP4 concerned.
        message: One or two plain-English sentences naming the feature, file and field.
    """

    severity: Severity
    feature: str
    field: str
    path: Path
    message: str


@dataclass(frozen=True, kw_only=True, slots=True)
class FeatureReport:
    """What one video feature's MP4 files hold, measured without decoding a frame.

    Attributes:
        key: The feature, e.g. ``observation.images.cam``.
        files: The feature's MP4 files, sorted.
        video: The first file's stream facts: codec, profile, pix_fmt, width, height…
        bit_depth: Bits per sample of the pixel format (8, 10, 12…).
        fps_measured: Frames per second, from the median frame duration.
        fps_declared: ``video.fps`` of ``info.json``, else the dataset's ``fps``.
        g_declared: ``video.g`` of ``info.json`` in frames, or None when unset.
        keyframe_interval_frames: (min, median, max) frames between keyframes of a file.
        has_reordering: Some packet's pts is below the largest pts before it (B-frames).
        random_access_safe: Seeking to the keyframe before a timestamp and decoding forward
            (LeRobot's PyAV path) works: no reordering, every file starts on a keyframe.
        bitrate_bits_per_second: Frame payload bits over the files' content duration.
        mean_frame_bytes: Mean frame payload, in bytes.
        num_frames_from_header: Frames the files' indexes list, summed.
        num_frames_from_content: Frames whose bytes the files hold, summed (fewer than the
            header's when a file is truncated).
        browser: Whether an HTML ``<video>`` plays the stream, and why not.
        episodes_off_keyframe: Episodes whose ``from_timestamp`` is half a frame off keyframes.
        episodes_outside_video: Episodes whose ``[from, to_timestamp)`` leaves their file.
        quantization: The depth quantizer of ``info.json`` (metres); None for RGB features.
        depth_step_mm: Millimetres between neighbouring depth codes at (depth_min, 1 m,
            depth_max), 1 m clipped into the range; None for RGB features.
        findings: Disagreements with ``info.json`` and risks, errors first.
    """

    key: str
    files: tuple[Path, ...]
    video: VideoInfo
    bit_depth: int
    fps_measured: float
    fps_declared: float
    g_declared: int | None
    keyframe_interval_frames: tuple[int, float, int] | None
    has_reordering: bool
    random_access_safe: bool
    bitrate_bits_per_second: float
    mean_frame_bytes: float
    num_frames_from_header: int
    num_frames_from_content: int
    browser: BrowserSupport
    episodes_off_keyframe: tuple[int, ...]
    episodes_outside_video: tuple[int, ...]
    quantization: DepthQuantization | None = None
    depth_step_mm: tuple[float, float, float] | None = None
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, kw_only=True, slots=True)
class DatasetReport:
    """The encoding report of a dataset: one :class:`FeatureReport` per video feature.

    Attributes:
        root: The dataset folder.
        fps: The dataset's frames per second (``info.json``).
        num_episodes: Complete episodes.
        features: One report per video feature, in ``info.json`` order.
        dataset_findings: Disagreements of ``info.json``'s totals with ``meta/episodes``.
    """

    root: Path
    fps: int
    num_episodes: int
    features: tuple[FeatureReport, ...]
    dataset_findings: tuple[Finding, ...] = ()

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding (the dataset's, then each feature's), errors first, then warnings."""
        every = [*self.dataset_findings, *(f for ft in self.features for f in ft.findings)]
        return tuple(sorted(every, key=lambda f: _SEVERITY_ORDER[f.severity]))


def _read_file(reader: DatasetReader, path: Path, *, probe: bool) -> tuple[_File, VideoInfo | None]:
    """An MP4's video samples (its index) and, if asked, its stream facts, in one opening.

    The stream facts come from the headers and first frames only; the frame count from the
    index (frames whose bytes the file holds), as the packet scan would read the whole file.
    """
    with reader.open_file(path) as file:
        index = read_sample_index(file)
        video = probe_video(path, file=file, count_packets=False) if probe else None
    frames = (index.timescale, index.pts, index.sizes, index.keyframes, index.frames_in_file)
    if video is not None:
        video = dataclasses.replace(video, num_frames_from_content=index.frames_in_file)
    return _File(path, *frames), video


def encoding_report(dataset: str | os.PathLike[str] | DatasetReader) -> DatasetReport:
    """Measure how a dataset's videos are encoded and check them against ``info.json``.

    Reads each MP4's index (and the first file's headers and first frames for the stream
    facts), decoding no frame. A :class:`DatasetReader` made by ``open_hub_dataset`` reads
    them by byte ranges, so a Hub dataset's report downloads only these. No episodes means
    no features.

    Args:
        dataset: The dataset folder (holding ``meta/info.json``), or an open reader.

    Returns:
        The report, one :class:`FeatureReport` per video feature with its findings.

    Raises:
        ConfigError: ``root`` is not a path.
        MetadataError: Missing or malformed metadata (see :func:`open_dataset`).
        MediaError: A video file is missing, not an MP4, or its index is corrupt.
    """
    reader = dataset if isinstance(dataset, DatasetReader) else open_dataset(dataset)
    keys = reader.video_keys if reader.num_episodes else []
    # Threads: features are independent, and on the Hub each costs round trips.
    with ThreadPoolExecutor(max_workers=max(1, len(keys))) as pool:
        features = tuple(pool.map(lambda key: _feature_report(reader, key), keys))
    return DatasetReport(
        root=reader.root,
        fps=reader.fps,
        num_episodes=reader.num_episodes,
        features=features,
        dataset_findings=_dataset_findings(reader),
    )


@dataclass(frozen=True, slots=True)
class _File:
    """One MP4 of a feature: its frames, in decode order."""

    path: Path
    timescale: int  # ticks per second
    pts: Int64s  # ticks, as FFmpeg presents them (edit list applied)
    sizes: Int64s  # bytes
    keyframes: Int64s  # positions in decode order
    frames_in_file: int  # frames whose bytes the file holds (fewer when truncated)

    @property
    def frame_ticks(self) -> int:
        """Median distance between consecutive presentation times (ticks); 0 for one frame."""
        gaps = np.diff(np.sort(self.pts))
        return int(np.median(gaps)) if gaps.size else 0

    @property
    def keyframe_gaps(self) -> list[int]:
        """Frames between consecutive keyframes, counted in display order."""
        shown = np.sort(np.searchsorted(np.sort(self.pts), self.pts[self.keyframes]))
        return [int(d) for d in np.diff(shown)]

    @property
    def span_seconds(self) -> tuple[float, float]:
        """Content span [first frame shown, end of the last frame) in seconds."""
        end = int(self.pts.max()) + (self.frame_ticks or 1)
        return int(self.pts.min()) / self.timescale, end / self.timescale


def _feature_report(reader: DatasetReader, key: str) -> FeatureReport:
    paths = sorted({reader.video_path(key, e.episode_index) for e in reader.episodes})
    # Threads: on the Hub each index is a round trip or two, and they are independent.
    with ThreadPoolExecutor(max_workers=min(8, len(paths))) as pool:
        read = list(pool.map(lambda p: _read_file(reader, p, probe=p == paths[0]), paths))
    files, first = [file for file, _ in read], read[0][1]
    assert first is not None  # the first file was probed
    info = reader.feature_infos[key].stream_info
    gaps = [gap for f in files for gap in f.keyframe_gaps]
    frame_seconds = [f.frame_ticks / f.timescale for f in files if f.frame_ticks]
    duration = sum(f.span_seconds[1] - f.span_seconds[0] for f in files)
    payload_bytes = sum(int(f.sizes.sum()) for f in files)
    num_frames = sum(f.sizes.size for f in files)
    # A packet shown before one decoded earlier: B-frames or leading pictures.
    reordered = [bool(np.any(f.pts[1:] < np.maximum.accumulate(f.pts)[:-1])) for f in files]
    # Bits per sample from the name: yuv420p10le -> 10, gray12le -> 12, yuv420p -> 8.
    digits = first.pix_fmt.removesuffix("le").removesuffix("be").split("p")[-1].lstrip("gray")
    off_keyframe, outside, episode_findings = _episode_checks(reader, key, files)
    report = FeatureReport(
        key=key,
        files=tuple(paths),
        video=first,
        bit_depth=int(digits) if digits.isdigit() and int(digits) <= 16 else 8,
        fps_measured=1 / statistics.median(frame_seconds) if frame_seconds else first.fps,
        fps_declared=float(info.get("video.fps") or reader.fps),
        g_declared=info.get("video.g"),
        keyframe_interval_frames=(min(gaps), statistics.median(gaps), max(gaps)) if gaps else None,
        has_reordering=any(reordered),
        random_access_safe=not any(reordered) and all(0 in f.keyframes for f in files),
        bitrate_bits_per_second=8 * payload_bytes / duration if duration > 0 else 0.0,
        mean_frame_bytes=payload_bytes / num_frames if num_frames else 0.0,
        num_frames_from_header=num_frames,
        num_frames_from_content=sum(f.frames_in_file for f in files),
        browser=browser_support(first.codec, first.pix_fmt or "unknown"),
        episodes_off_keyframe=off_keyframe,
        episodes_outside_video=outside,
        **_depth_fields(reader, key),
    )
    findings = [*_findings(report, info, files), *episode_findings]
    findings.sort(key=lambda f: _SEVERITY_ORDER[f.severity])
    return dataclasses.replace(report, findings=tuple(findings))


def _depth_fields(reader: DatasetReader, key: str) -> dict[str, Any]:
    """The depth quantizer of a feature and its steps (mm) at depth_min, 1 m and depth_max."""
    if key not in reader.depth_keys:
        return {}
    # The reader refused the dataset already if these values were invalid.
    q = DepthQuantization.from_info(reader.feature_infos[key].stream_info)
    steps_mm = quantization_step_mm(np.array([q.depth_min, 1.0, q.depth_max]), q)
    return {"quantization": q, "depth_step_mm": tuple(float(s) for s in steps_mm)}


def _episode_checks(
    reader: DatasetReader, key: str, files: list[_File]
) -> tuple[tuple[int, ...], tuple[int, ...], list[Finding]]:
    """Episodes starting off a keyframe, episodes outside their file, and the findings.

    Also counts the frames shown inside each episode's ``[from, to)``: a count other than
    the episode's length means its timestamps or its length are wrong.
    """
    by_path = {f.path: f for f in files}
    # Timestamps are float seconds of frame times (i / fps); half a frame tells frames apart.
    half_frame = 0.5 / reader.fps
    off: dict[Path, list[int]] = {}
    miscounted: dict[Path, list[str]] = {}
    outside: list[int] = []
    found: list[Finding] = []
    for episode in reader.episodes:
        index, segment = episode.episode_index, episode.videos[key]
        file = by_path[reader.video_path(key, index)]
        shown = file.pts / file.timescale
        if not np.any(np.abs(shown[file.keyframes] - segment.from_seconds) <= half_frame):
            off.setdefault(file.path, []).append(index)
        inside = (shown >= segment.from_seconds - half_frame) & (
            shown < segment.to_seconds - half_frame
        )
        if int(np.count_nonzero(inside)) != episode.length:
            counted = f"{index} ({int(np.count_nonzero(inside))} frames, length {episode.length})"
            miscounted.setdefault(file.path, []).append(counted)
        start, end = file.span_seconds
        if segment.from_seconds < start - half_frame or segment.to_seconds > end + half_frame:
            outside.append(index)
            span = f"[{segment.from_seconds:.4f}, {segment.to_seconds:.4f}) s"
            says = f"holds [{start:.4f}, {end:.4f}) s but episode {index} spans {span}."
            found.append(_finding("error", key, f"videos/{key}/to_timestamp", file.path, says))
    for path, episodes in off.items():
        says = f"has no keyframe where episodes {episodes} start: reads decode from the one before."
        found.append(_finding("warning", key, f"videos/{key}/from_timestamp", path, says))
    for path, counts in miscounted.items():
        says = (
            f"shows a frame count other than the episode's length for episodes {', '.join(counts)}."
        )
        found.append(_finding("error", key, "length", path, says))
    return tuple(sorted(i for v in off.values() for i in v)), tuple(outside), found


def _dataset_findings(reader: DatasetReader) -> tuple[Finding, ...]:
    """``info.json``'s totals against ``meta/episodes``."""
    declared, info_path = reader.info.get("total_frames"), reader.root / "meta" / "info.json"
    if declared == reader.num_frames:
        return ()
    says = f"says total_frames {declared!r} but its episodes hold {reader.num_frames} frames."
    return (_finding("warning", "", "total_frames", info_path, says),)


def _finding(severity: Severity, key: str, field: str, path: Path, says: str) -> Finding:
    message = f"Feature {key!r}: {str(path)!r} {says}" if key else f"{str(path)!r} {says}"
    return Finding(severity=severity, feature=key, field=field, path=path, message=message)


def _findings(report: FeatureReport, info: Mapping[str, Any], files: list[_File]) -> list[Finding]:
    """Stream facts and keyframe spacing against ``info.json``; each file's frame count."""
    key, path, video, found = report.key, report.files[0], report.video, []
    for field in ("codec", "pix_fmt", "width", "height"):
        declared, value = info.get(f"video.{field}"), getattr(video, field)
        if declared is not None and declared != value:
            severity: Severity = "error" if field in ("width", "height") else "warning"
            says = f"has {field} {value!r} but info.json 'video.{field}' says {declared!r}."
            found.append(_finding(severity, key, f"video.{field}", path, says))
    if abs(report.fps_measured - report.fps_declared) > 0.01:
        says = f"plays {report.fps_measured:.3f} fps but info.json 'video.fps' says "
        found.append(_finding("error", key, "video.fps", path, f"{says}{report.fps_declared:g}."))
    spacing, g = report.keyframe_interval_frames, report.g_declared
    if spacing is not None and g is not None and spacing[2] != g:
        says = f"has keyframes {spacing[0]} to {spacing[2]} frames apart (median {spacing[1]:g})"
        found.append(_finding("warning", key, "video.g", path, f"{says}; 'video.g' says {g}."))
    if report.has_reordering:
        says = "has B-frames (decode order is not display order): LeRobot's seek can miss frames."
        found.append(_finding("warning", key, "frame order", path, says))
    if not report.browser.plays_in_browsers:
        notes = " ".join(report.browser.notes)
        says = f"({video.codec}, {video.pix_fmt}) does not play in browsers: {notes}"
        found.append(_finding("info", key, "video.codec", path, says))
    for file in files:
        header, content = file.sizes.size, file.frames_in_file
        if header != content:
            says = f"header lists {header} frames but {content} can be read: truncated or corrupt."
            found.append(_finding("error", key, "num_frames", file.path, says))
        if 0 not in file.keyframes:
            says = "does not start on a keyframe: its first frames cannot be decoded."
            found.append(_finding("error", key, "keyframes", file.path, says))
    return found
