"""One task of a re-encode: one camera's MP4 (or its images in one data file), encoded anew.

A task reads its source front to back, encodes the frames of the episodes it lists, reads
the new file back (frame count, time grid, stats of LeRobot's sampled frames, fidelity to
the source) and writes a small JSON marker last. It touches nothing else, so it can run on
any worker that sees the files, and running it twice is harmless: a task whose marker and
file are already there returns what the marker says (resuming and retries cost nothing).
"""

from __future__ import annotations

import io
import json
import math
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow.compute as pc
import pyarrow.parquet as pq
from PIL import Image

from lerobot_video.codec.encode import encode_depth_video, encode_video
from lerobot_video.codec.file_modes import write_atomically
from lerobot_video.codec.probe import feature_info, probe_video
from lerobot_video.codec.sequential import iter_video_frames
from lerobot_video.codec.support import EncoderPlan
from lerobot_video.config import DepthEncoderConfig
from lerobot_video.dataset.stats import Stats, downsample_frames, image_stats, sample_frame_indices
from lerobot_video.depth import DepthQuantization, dequantize_depth
from lerobot_video.errors import MediaError, MetadataError

MARKER_VERSION = 2
_GRID_TOLERANCE_S = 1e-4  # LeRobot's timestamp tolerance: a frame off the 1/fps grid is refused


@dataclass(frozen=True, kw_only=True, slots=True)
class EpisodeSpan:
    """Where one episode's frames lie in a task's source.

    Attributes:
        episode_index: The episode.
        start: Its first frame's position in the source (video: ``from_timestamp * fps``;
            images: its first row among the data file's rows of the episode, i.e. 0).
        length: Its frames.
    """

    episode_index: int
    start: int
    length: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ReencodeTask:
    """One output MP4 to write; everything a worker needs, picklable.

    Attributes:
        key: The camera.
        chunk_index: The output file's chunk.
        file_index: The output file's index in its chunk.
        source: The source MP4, or the data parquet holding the camera's images.
        from_images: The source is an image column of ``source`` (a parquet).
        episodes: The episodes to encode, in output order.
        fps: Frames per second.
        plan: The checked encoder plan (RGB or depth).
        depth: For a depth camera, the source's quantizer and the unit (``"mm"``/``"m"``)
            the dataset's depth stats are in; None for RGB.
        output: The MP4 to write.
        marker: The JSON written when the file is complete.
        copy: The source MP4 is already encoded with ``plan``'s settings: copy it (checked
            and measured like an encoded file) instead of encoding it again.
    """

    key: str
    chunk_index: int
    file_index: int
    source: Path
    from_images: bool
    episodes: tuple[EpisodeSpan, ...]
    fps: int
    plan: EncoderPlan
    depth: tuple[DepthQuantization, str] | None
    output: Path
    marker: Path
    copy: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class FileResult:
    """What a task wrote.

    Attributes:
        key: The camera.
        chunk_index: The file's chunk.
        file_index: The file's index.
        frames: Frames in the new file.
        source_bytes: Size of the source (the MP4, or the images' encoded bytes).
        bytes: Size of the new file.
        encode_seconds: Wall time of decoding the source and encoding (not the checks).
        video_info: The feature's ``info`` block described by the new file.
        segments: Episode to its ``(from_timestamp, to_timestamp)`` in the new file (s).
        stats: Episode to the camera's stats over the new file's sampled frames.
        fidelity: Episode to its worst sampled frame's fidelity to the source: PSNR (dB,
            ``inf`` when identical) for RGB, largest depth error (mm) for depth.
        copied: The source already had the target settings and was copied, not encoded.
        reused: The file was already complete (a resumed or retried task).
    """

    key: str
    chunk_index: int
    file_index: int
    frames: int
    source_bytes: int
    bytes: int
    encode_seconds: float
    video_info: Mapping[str, Any]
    segments: Mapping[int, tuple[float, float]]
    stats: Mapping[int, Stats]
    fidelity: Mapping[int, float]
    copied: bool = False
    reused: bool = False


def run_reencode_task(task: ReencodeTask) -> FileResult:
    """Write ``task.output`` (unless its marker says it is complete) and check it.

    Returns:
        What the file holds.

    Raises:
        MediaError: A source frame cannot be decoded, lies off the 1/fps grid, or is missing;
            the new file does not hold the frames written.
        MetadataError: An image source lacks the episode's rows.
    """
    done = _finished(task)
    if done is not None:
        return done
    task.output.parent.mkdir(parents=True, exist_ok=True)
    kept: dict[int, npt.NDArray[Any]] = {}  # each episode's middle source frame
    started = time.perf_counter()
    if task.copy:
        write_atomically(task.output, lambda temp: shutil.copyfile(task.source, temp))
        info = feature_info(probe_video(task.output), task.plan.config)
    elif task.depth is None:
        frames = _kept_middles(_source_frames(task), task, kept)
        info = encode_video(frames, task.output, fps=task.fps, config=task.plan)
    else:
        frames = _kept_middles(_source_frames(task), task, kept)
        info = encode_depth_video(frames, task.output, fps=task.fps, config=task.plan)
    if task.depth is not None:
        info["depth_unit"] = task.depth[1]
    seconds = time.perf_counter() - started
    result = _check_output(task, info, kept, seconds)
    write_atomically(task.marker, lambda p: p.write_text(json.dumps(_marker_json(result))))
    return result


def _source_frames(task: ReencodeTask) -> Iterator[npt.NDArray[Any]]:
    """The episodes' frames in output order (depth as metres), one at a time."""
    if task.from_images:
        yield from _image_frames(task)
        return
    # Episodes are in file order, so at most one decoded frame waits here at a time.
    order = [(s.start + o) for s in task.episodes for o in range(s.length)]
    wanted = set(order)
    found: dict[int, npt.NDArray[Any]] = {}
    position = 0
    for seconds, frame in iter_video_frames(task.source, depth_codes=task.depth is not None):
        number = round(seconds * task.fps)
        if abs(seconds - number / task.fps) > _GRID_TOLERANCE_S:
            raise MediaError(
                f"{str(task.source)!r} has a frame at {seconds:.6f} s, off the 1/{task.fps} s "
                "grid; only constant-frame-rate videos can be re-encoded.",
                path=task.source,
            )
        if number in wanted:
            found[number] = frame
        while position < len(order) and order[position] in found:
            yield _as_input(task, found.pop(order[position]))
            position += 1
    if position < len(order):
        raise MediaError(
            f"{str(task.source)!r} has no frame at {order[position] / task.fps:.4f} s "
            f"(frame {order[position]}), which its episodes' metadata needs.",
            path=task.source,
        )


def _as_input(task: ReencodeTask, frame: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if task.depth is None:
        return frame
    return dequantize_depth(frame, task.depth[0], output_unit="m")


def _image_frames(task: ReencodeTask) -> Iterator[npt.NDArray[np.uint8]]:
    """A camera's images from a data parquet, each episode's rows in ``frame_index`` order."""
    table = pq.read_table(task.source, columns=["episode_index", "frame_index", task.key])
    episodes = table["episode_index"].to_numpy()
    frame_numbers = table["frame_index"].to_numpy()
    images = table[task.key]
    for span in task.episodes:
        rows = np.flatnonzero(episodes == span.episode_index)
        rows = rows[np.argsort(frame_numbers[rows], kind="stable")]
        if len(rows) != span.length:
            raise MetadataError(
                f"{str(task.source)!r} holds {len(rows)} rows of episode {span.episode_index}; "
                f"its metadata says {span.length}."
            )
        for row in rows:
            yield _decode_image(images[int(row)].as_py(), task.source)


def _decode_image(cell: Any, source: Path) -> npt.NDArray[np.uint8]:
    data = cell.get("bytes") if isinstance(cell, Mapping) else None
    if not data:
        raise MetadataError(
            f"{str(source)!r} has an image without embedded bytes ({cell!r:.80}); only "
            "images stored in the parquet can be converted."
        )
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _kept_middles(
    frames: Iterator[npt.NDArray[Any]], task: ReencodeTask, kept: dict[int, npt.NDArray[Any]]
) -> Iterator[npt.NDArray[Any]]:
    """Pass the frames through, keeping each episode's middle one to score the output by."""
    for span in task.episodes:
        for offset in range(span.length):
            frame = next(frames)
            if offset == span.length // 2:
                kept[span.episode_index] = frame
            yield frame


def _check_output(
    task: ReencodeTask,
    info: Mapping[str, Any],
    kept: Mapping[int, npt.NDArray[Any]],
    seconds: float,
) -> FileResult:
    """Read the new file back: frame count, time grid, stats and fidelity per episode."""
    sampled: dict[int, list[npt.NDArray[Any]]] = {s.episode_index: [] for s in task.episodes}
    fidelity: dict[int, float] = {}
    targets = _frame_targets(task)
    count = 0
    for count, (seconds_at, frame) in enumerate(
        iter_video_frames(task.output, depth_codes=task.depth is not None), start=1
    ):
        if abs(seconds_at - (count - 1) / task.fps) > _GRID_TOLERANCE_S:
            raise MediaError(f"{str(task.output)!r} frame {count - 1} is at {seconds_at:.6f} s.")
        for episode, is_sample, is_middle in targets.get(count - 1, ()):
            value = _as_stats_unit(task, frame)
            if is_sample:
                sampled[episode].append(downsample_frames(value[None])[0])
            if is_middle:
                # A copied file is the source itself: PSNR inf, no depth error.
                fidelity[episode] = (
                    _fidelity(task, kept[episode], frame)
                    if episode in kept
                    else (math.inf if task.depth is None else 0.0)
                )
    expected = sum(s.length for s in task.episodes)
    if count != expected:
        raise MediaError(f"{str(task.output)!r} holds {count} frames; {expected} were written.")
    return FileResult(
        key=task.key,
        chunk_index=task.chunk_index,
        file_index=task.file_index,
        frames=count,
        source_bytes=_source_bytes(task),
        bytes=task.output.stat().st_size,
        encode_seconds=seconds,
        video_info=dict(info),
        segments=_segments(task),
        stats={
            e: image_stats(np.stack(f), is_depth=task.depth is not None) for e, f in sampled.items()
        },
        fidelity=fidelity,
        copied=task.copy,
    )


def _frame_targets(task: ReencodeTask) -> dict[int, list[tuple[int, bool, bool]]]:
    """Output frame to ``(episode, is a stats sample, is the scored middle frame)``."""
    targets: dict[int, list[tuple[int, bool, bool]]] = {}
    start = 0
    for span in task.episodes:
        samples = set(sample_frame_indices(span.length))
        for offset in samples | {span.length // 2}:
            targets.setdefault(start + offset, []).append(
                (span.episode_index, offset in samples, offset == span.length // 2)
            )
        start += span.length
    return targets


def _segments(task: ReencodeTask) -> dict[int, tuple[float, float]]:
    segments, start = {}, 0
    for span in task.episodes:
        segments[span.episode_index] = (start / task.fps, (start + span.length) / task.fps)
        start += span.length
    return segments


def _as_stats_unit(task: ReencodeTask, frame: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """RGB as is; depth codes as depth in the dataset's unit, (H, W, 1)."""
    if task.depth is None:
        return frame
    if task.depth[1] == "mm":
        return dequantize_depth(frame, _new_quantization(task), output_unit="mm")[..., None]
    return dequantize_depth(frame, _new_quantization(task), output_unit="m")[..., None]


def _new_quantization(task: ReencodeTask) -> DepthQuantization:
    config = task.plan.config
    assert isinstance(config, DepthEncoderConfig)
    return config.quantization


def _fidelity(task: ReencodeTask, source: npt.NDArray[Any], output: npt.NDArray[Any]) -> float:
    """PSNR (dB) of an RGB frame; largest error (mm) of a depth frame (source in metres)."""
    if task.depth is None:
        error = np.mean((source.astype(np.float64) - output.astype(np.float64)) ** 2)
        return math.inf if error == 0 else float(10 * math.log10(255.0**2 / error))
    metres = dequantize_depth(output, _new_quantization(task), output_unit="m")
    return float(np.max(np.abs(source.astype(np.float64) - metres.astype(np.float64)))) * 1000


def _source_bytes(task: ReencodeTask) -> int:
    """The source MP4's size, or the encoded bytes of the camera's images in the parquet."""
    if not task.from_images:
        return task.source.stat().st_size
    images = pq.read_table(task.source, columns=[task.key])[task.key]
    lengths = pc.binary_length(pc.struct_field(images, "bytes"))
    return int(pc.sum(lengths).as_py() or 0)


def _finished(task: ReencodeTask) -> FileResult | None:
    """The marker's result when it and the file it describes are both complete."""
    try:
        data = json.loads(task.marker.read_text())
        complete = data["version"] == MARKER_VERSION and task.output.stat().st_size == data["bytes"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _from_marker(data) if complete else None


def _marker_json(result: FileResult) -> dict[str, Any]:
    return {
        "version": MARKER_VERSION,
        "key": result.key,
        "chunk_index": result.chunk_index,
        "file_index": result.file_index,
        "frames": result.frames,
        "source_bytes": result.source_bytes,
        "bytes": result.bytes,
        "encode_seconds": result.encode_seconds,
        "video_info": dict(result.video_info),
        "segments": {str(e): list(s) for e, s in result.segments.items()},
        # dtypes kept: a resumed run's stats must equal an uninterrupted run's exactly.
        "stats": {
            str(e): {n: [str(v.dtype), v.tolist()] for n, v in s.items()}
            for e, s in result.stats.items()
        },
        "fidelity": {str(e): (None if math.isinf(v) else v) for e, v in result.fidelity.items()},
        "copied": result.copied,
    }


def _from_marker(data: Mapping[str, Any]) -> FileResult:
    return FileResult(
        key=data["key"],
        chunk_index=int(data["chunk_index"]),
        file_index=int(data["file_index"]),
        frames=int(data["frames"]),
        source_bytes=int(data["source_bytes"]),
        bytes=int(data["bytes"]),
        encode_seconds=float(data["encode_seconds"]),
        video_info=data["video_info"],
        segments={int(e): (float(s[0]), float(s[1])) for e, s in data["segments"].items()},
        stats={
            int(e): {n: np.asarray(v[1], dtype=v[0]) for n, v in s.items()}
            for e, s in data["stats"].items()
        },
        fidelity={
            int(e): (math.inf if v is None else float(v)) for e, v in data["fidelity"].items()
        },
        copied=bool(data["copied"]),
        reused=True,
    )
