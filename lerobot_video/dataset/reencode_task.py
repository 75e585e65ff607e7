"""One task of a re-encode: one camera's MP4 (or its images in one data file), encoded anew.

A task reads its source front to back, encodes the frames of the episodes it lists, checks
the new file (frame count and time grid from its index, each episode's middle frame against
what was encoded) and writes a small JSON marker last. It touches nothing else, so it can run
on any worker that sees the files, and running it twice is harmless: a task whose marker and
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

from lerobot_video.codec.decode import clear_decoder_cache, decode_depth_codes, decode_frames
from lerobot_video.codec.encode import encode_depth_video, encode_video
from lerobot_video.codec.file_modes import write_atomically
from lerobot_video.codec.mp4_index import read_sample_index
from lerobot_video.codec.probe import feature_info, probe_video
from lerobot_video.codec.sequential import GRID_TOLERANCE_S, frames_on_grid, transcode_frames
from lerobot_video.codec.support import EncoderPlan
from lerobot_video.config import DepthEncoderConfig
from lerobot_video.depth import DepthQuantization, dequantize_depth
from lerobot_video.errors import MediaError, MetadataError

MARKER_VERSION = 3


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
        depth: For a depth camera, the source's quantizer and the ``depth_unit``
            (``"mm"``/``"m"``) its ``info`` records; None for RGB.
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
    fidelity: Mapping[int, float]
    copied: bool = False
    reused: bool = False


def run_reencode_task(task: ReencodeTask) -> FileResult:
    """Write ``task.output`` (unless its marker says it is complete) and check it.

    RGB videos are transcoded picture by picture (no RGB round trip); images and depth go
    through arrays (depth is requantized through metres).

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
    watch = _Watch(task)
    started = time.perf_counter()
    if task.copy:
        write_atomically(task.output, lambda temp: shutil.copyfile(task.source, temp))
        info = feature_info(probe_video(task.output), task.plan.config)
    elif not task.from_images and task.depth is None:
        numbers = [s.start + o for s in task.episodes for o in range(s.length)]
        info = transcode_frames(
            task.source, task.output, fps=task.fps, plan=task.plan, numbers=numbers,
            shown=watch.positions, show=watch.see,
        )  # fmt: skip
    elif task.depth is None:
        info = encode_video(watch.passing(_image_frames(task)), task.output, fps=task.fps,
                            config=task.plan)  # fmt: skip
    else:
        info = encode_depth_video(watch.passing(_depth_metres(task)), task.output,
                                  fps=task.fps, config=task.plan)  # fmt: skip
    if task.depth is not None:
        info["depth_unit"] = task.depth[1]
    result = _check_output(task, info, watch, time.perf_counter() - started)
    write_atomically(task.marker, lambda p: p.write_text(json.dumps(_marker_json(result))))
    return result


class _Watch:
    """Each episode's middle frame as it goes to the encoder, to score the new file against."""

    def __init__(self, task: ReencodeTask) -> None:
        self.positions: dict[int, int] = {}  # output position to its episode
        start = 0
        for span in task.episodes:
            self.positions[start + span.length // 2] = span.episode_index
            start += span.length
        self.middles: dict[int, npt.NDArray[Any]] = {}

    def see(self, position: int, frame: npt.NDArray[Any]) -> None:
        """Take frame ``position`` of the new file (RGB uint8, or depth in metres)."""
        if position in self.positions:
            self.middles[self.positions[position]] = frame

    def passing(self, frames: Iterator[npt.NDArray[Any]]) -> Iterator[npt.NDArray[Any]]:
        """The frames, unchanged, each seen on its way to the encoder."""
        for position, frame in enumerate(frames):
            self.see(position, frame)
            yield frame


def _depth_metres(task: ReencodeTask) -> Iterator[npt.NDArray[np.float32]]:
    """The depth camera's frames as metres, through the source's quantizer."""
    assert task.depth is not None
    numbers = [s.start + o for s in task.episodes for o in range(s.length)]
    for codes in frames_on_grid(task.source, task.fps, numbers, depth_codes=True):
        yield dequantize_depth(codes, task.depth[0], output_unit="m")


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


def _check_output(
    task: ReencodeTask, info: Mapping[str, Any], watch: _Watch, seconds: float
) -> FileResult:
    """The new file's index (frame count, time grid, no decoding) and each episode's score."""
    index = read_sample_index(task.output)
    expected = sum(s.length for s in task.episodes)
    times = np.sort(index.pts) / index.timescale
    grid = np.arange(len(times)) / task.fps
    if len(times) != expected or np.any(np.abs(times - grid) > GRID_TOLERANCE_S):
        raise MediaError(
            f"{str(task.output)!r} holds {len(times)} frames, not {expected} on the "
            f"1/{task.fps} s grid."
        )
    return FileResult(
        key=task.key,
        chunk_index=task.chunk_index,
        file_index=task.file_index,
        frames=expected,
        source_bytes=_source_bytes(task),
        bytes=task.output.stat().st_size,
        encode_seconds=seconds,
        video_info=dict(info),
        segments=_segments(task),
        fidelity=_fidelity(task, watch.middles),
        copied=task.copy,
    )


def _segments(task: ReencodeTask) -> dict[int, tuple[float, float]]:
    segments, start = {}, 0
    for span in task.episodes:
        segments[span.episode_index] = (start / task.fps, (start + span.length) / task.fps)
        start += span.length
    return segments


def _new_quantization(task: ReencodeTask) -> DepthQuantization:
    config = task.plan.config
    assert isinstance(config, DepthEncoderConfig)
    return config.quantization


def _fidelity(task: ReencodeTask, middles: Mapping[int, npt.NDArray[Any]]) -> dict[int, float]:
    """Each episode's middle frame, decoded from the new file, against what was encoded.

    Returns:
        Episode to PSNR (dB) for RGB, largest error (mm) for depth; a copied file is the
        source itself (``inf`` dB, 0 mm).
    """
    if task.copy:
        return {s.episode_index: math.inf if task.depth is None else 0.0 for s in task.episodes}
    positions, start = {}, 0
    for span in task.episodes:
        positions[span.episode_index] = start + span.length // 2
        start += span.length
    times = [positions[e] / task.fps for e in middles]
    try:
        decoded: npt.NDArray[Any]
        if task.depth is None:
            decoded = decode_frames(task.output, times)
        else:
            codes = decode_depth_codes(task.output, times)
            decoded = dequantize_depth(codes, _new_quantization(task), output_unit="m")
    finally:
        clear_decoder_cache(task.output.parent)  # the file moves when the job is done
    scores = {}
    for n, (episode, source) in enumerate(middles.items()):
        error = source.astype(np.float64) - decoded[n]
        if task.depth is not None:
            scores[episode] = float(np.max(np.abs(error))) * 1000.0
        else:
            mse = float(np.mean(error**2))
            scores[episode] = math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)
    return scores


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
        fidelity={
            int(e): (math.inf if v is None else float(v)) for e, v in data["fidelity"].items()
        },
        copied=bool(data["copied"]),
        reused=True,
    )
