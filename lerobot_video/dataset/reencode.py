"""Re-encoding a dataset: every camera's videos with new settings, or its images into videos.

:func:`reencode_dataset` writes a new dataset; the source is only read. The work is split by
output MP4 (one task per camera file, :mod:`~lerobot_video.dataset.reencode_task`) and run
through an :class:`~lerobot_video.Executor` (a local process pool by default, Ray for a
cluster). Everything is written into a hidden work folder beside the output that keeps the
finished files between runs: a run killed midway (or a lost worker) is resumed by calling
again with the same arguments, and finished files are not encoded again. Once every file is
done the driver writes the metadata, checks the result and renames the folder into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from lerobot_video.codec.file_modes import new_file_mode
from lerobot_video.codec.support import EncoderPlan, plan_encoder
from lerobot_video.config import DepthEncoderConfig, EncoderConfig, RGBEncoderConfig
from lerobot_video.dataset.files import write_json
from lerobot_video.dataset.layout import INFO_PATH, FileLayout
from lerobot_video.dataset.reader import DatasetReader, open_dataset
from lerobot_video.dataset.reencode_meta import image_keys, verify_reencoded, write_metadata
from lerobot_video.dataset.reencode_task import (
    EpisodeSpan,
    FileResult,
    ReencodeTask,
    run_reencode_task,
)
from lerobot_video.depth import DepthQuantization
from lerobot_video.errors import ConfigError, path_argument
from lerobot_video.executor import Executor, LocalExecutor

ReencodeProgress = Callable[[int, int], None]
"""Called as ``progress(files_done, files_total)`` while a re-encode runs."""
WORK_VERSION = 1
_MARKERS = ".reencode"


@dataclass(frozen=True, kw_only=True, slots=True)
class ReencodeResult:
    """What a re-encode wrote and how fast.

    Attributes:
        root: The new dataset's folder.
        num_episodes: Its episodes (as the source).
        num_frames: Its frames (as the source).
        files: Each MP4 written, in camera then file order.
        reused_files: Files an earlier, interrupted run had finished (not encoded again).
        copied_files: Files copied because their camera already had the target settings.
        source_bytes: The source's camera bytes (MP4s, or encoded images).
        output_bytes: The new MP4s' bytes.
        seconds: Wall time of the whole call (s).
        frames_per_second: Frames this call wrote (encoded, or copied for a camera already
            at the settings) per second of wall time of its tasks, all workers together;
            files reused from an earlier run count neither frames nor time.
        fidelity: Camera to its worst episode's fidelity to the source: PSNR (dB, ``inf``
            when identical) for RGB, largest error (mm) for depth; each episode is scored on
            its middle frame.
    """

    root: Path
    num_episodes: int
    num_frames: int
    files: tuple[FileResult, ...]
    reused_files: int
    copied_files: int
    source_bytes: int
    output_bytes: int
    seconds: float
    frames_per_second: float
    fidelity: Mapping[str, float]


def reencode_dataset(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    rgb_encoder: RGBEncoderConfig | None = None,
    depth_encoder: DepthEncoderConfig | None = None,
    executor: Executor | None = None,
    encoder_threads: int | None = None,
    progress: ReencodeProgress | None = None,
) -> ReencodeResult:
    """Write a copy of ``source`` whose cameras are encoded with new settings.

    Video cameras are decoded and encoded again (a camera already encoded with the target
    settings, by its ``info``, is copied instead, as LeRobot skips it); image cameras
    (``dtype: image``, frames as PNG in the data files) become video cameras. Episodes,
    frames, timestamps, data rows, tasks and stats are kept (stats describe the recorded
    frames, as LeRobot keeps them); ``meta/episodes`` and ``info.json`` are rewritten. Each
    file is checked by its task (frame count and time grid; each episode's middle frame
    decoded and scored against what was encoded), and the result before it appears (every
    episode's first and last frame time is a frame of its MP4).

    Args:
        source: A local LeRobot v3.0 dataset folder (it may be on shared storage).
        output: The new dataset's folder; it must not exist. Its parent holds the hidden
            work folder ``.<name>.reencoding`` while the job runs.
        rgb_encoder: Settings of RGB cameras (default: LeRobot's, libsvtav1).
        depth_encoder: Settings and quantizer of depth cameras (default: LeRobot's).
        executor: Where the files are encoded (default: a local process pool, one worker
            per core); a :class:`~lerobot_video.RayExecutor` spreads them over a cluster,
            whose workers must see ``source`` and ``output`` at the same paths.
        encoder_threads: Threads per encoder, or None for the encoder's choice; fixing it
            makes the bytes repeatable on machines with different core counts.
        progress: Optional ``progress(files_done, files_total)``.

    Returns:
        What was written, with throughput and fidelity.

    Raises:
        ConfigError: A path, config or executor of the wrong kind; ``output`` exists or lies
            inside ``source`` (or the reverse); an image camera that is not RGB.
        MetadataError: ``source`` is not a readable dataset.
        CodecUnavailableError: An encoder is missing here.
        MediaError: A source file cannot be decoded, or the result fails its check.
        WorkerLostError: A worker died on the same file more often than the executor retries.
    """
    started = time.perf_counter()
    pool = _checked_executor(executor)
    reader, out = _checked_paths(source, output)
    plans = _plans(reader, rgb_encoder or RGBEncoderConfig(), depth_encoder, encoder_threads)
    work = _work_folder(reader, out, plans)
    tasks = _tasks(reader, work, plans)
    results, encode_wall = _run(tasks, pool, progress)
    write_metadata(reader, work, results)
    verify_reencoded(reader, work)
    shutil.rmtree(work / _MARKERS)
    for partial in (work / "videos").rglob(".*.partial*"):
        partial.unlink()  # a killed worker's unfinished file (its task ran again)
    os.chmod(work, 0o777 & new_file_mode() | 0o111)
    os.rename(work, out)  # the commit point: the output appears complete, or not at all
    return _result(reader, out, results, time.perf_counter() - started, encode_wall)


def _checked_executor(executor: object) -> Executor:
    if executor is None:
        return LocalExecutor()
    if not callable(getattr(executor, "map_unordered", None)):
        raise ConfigError(
            f"executor must be an Executor (LocalExecutor, RayExecutor, InlineExecutor), got "
            f"{type(executor).__name__}."
        )
    return executor  # type: ignore[return-value]


def _checked_paths(source: object, output: object) -> tuple[DatasetReader, Path]:
    reader = open_dataset(path_argument(source, "source"))
    out = path_argument(output, "output").absolute()
    root = reader.root.absolute()
    if out.exists():
        raise ConfigError(f"{str(out)!r} already exists; re-encode into a new folder.")
    if out.is_relative_to(root) or root.is_relative_to(out):
        raise ConfigError(
            f"output {str(out)!r} and source {str(root)!r} are inside one another; choose an "
            "output folder outside the source."
        )
    return reader, out


def _plans(
    reader: DatasetReader,
    rgb: RGBEncoderConfig,
    depth: DepthEncoderConfig | None,
    encoder_threads: int | None,
) -> dict[str, EncoderPlan]:
    """Each camera's checked plan; every check runs before anything is written."""
    if not isinstance(rgb, RGBEncoderConfig):
        raise ConfigError(f"rgb_encoder must be an RGBEncoderConfig, got {type(rgb).__name__}.")
    if depth is not None and not isinstance(depth, DepthEncoderConfig):
        raise ConfigError(
            f"depth_encoder must be a DepthEncoderConfig, got {type(depth).__name__}."
        )
    cameras = [*reader.video_keys, *image_keys(reader)]
    if not cameras:
        raise ConfigError(f"{str(reader.root)!r} has no camera (no video or image feature).")
    plans: dict[str, EncoderPlan] = {}
    for key in cameras:
        if key in reader.depth_keys:
            plans.setdefault("depth", plan_encoder(depth or DepthEncoderConfig()))
        else:
            plans.setdefault("rgb", plan_encoder(rgb, encoder_threads=encoder_threads))
    return {key: plans["depth" if key in reader.depth_keys else "rgb"] for key in cameras}


def _work_folder(reader: DatasetReader, out: Path, plans: Mapping[str, EncoderPlan]) -> Path:
    """The hidden folder the job writes in; kept from an earlier run of the same job.

    A folder left by a run with other settings or another source is emptied (it only ever
    holds this function's own output, never user data).
    """
    work = out.parent / f".{out.name}.reencoding"
    job = {
        "version": WORK_VERSION,
        "source": str(reader.root.absolute()),
        "source_info_sha256": hashlib.sha256((reader.root / INFO_PATH).read_bytes()).hexdigest(),
        "plans": {key: repr(plan) for key, plan in plans.items()},
    }
    job_file = work / _MARKERS / "job.json"
    try:
        same = json.loads(job_file.read_text()) == job
    except (OSError, ValueError):
        same = False
    if not same:
        shutil.rmtree(work, ignore_errors=True)
        write_json(job_file, job)
    return work


def _tasks(
    reader: DatasetReader, work: Path, plans: Mapping[str, EncoderPlan]
) -> list[ReencodeTask]:
    """One task per output MP4: per camera, the source file (or data file) it comes from.

    Output files keep the source's chunk and file numbers (an image camera's take its data
    file's), so the layout and every other file's paths stay as they were.
    """
    layout = FileLayout.from_info(work, reader.info)
    source_layout = FileLayout.from_info(reader.root, reader.info)
    images = set(image_keys(reader))
    tasks = []
    for key, plan in plans.items():
        for (chunk, file), spans in sorted(_spans(reader, key, key in images).items()):
            tasks.append(
                ReencodeTask(
                    key=key,
                    chunk_index=chunk,
                    file_index=file,
                    source=source_layout.data_file(chunk, file)
                    if key in images
                    else source_layout.video_file(key, chunk, file),
                    from_images=key in images,
                    episodes=tuple(sorted(spans, key=lambda s: (s.start, s.episode_index))),
                    fps=reader.fps,
                    plan=plan,
                    depth=_depth(reader, key),
                    output=layout.video_file(key, chunk, file),
                    marker=work / _MARKERS / f"{key}.{chunk}.{file}.json",
                    copy=key not in images and _encoded_with(reader, key) == plan.config,
                )
            )
    return tasks


def _spans(
    reader: DatasetReader, key: str, from_images: bool
) -> dict[tuple[int, int], list[EpisodeSpan]]:
    """A camera's episodes grouped by the source file holding them."""
    files: dict[tuple[int, int], list[EpisodeSpan]] = {}
    for episode in reader.episodes:
        if from_images:
            where, start = (episode.data_chunk_index, episode.data_file_index), 0
        else:
            segment = episode.videos[key]
            where = (segment.chunk_index, segment.file_index)
            start = round(segment.from_seconds * reader.fps)
        span = EpisodeSpan(episode_index=episode.episode_index, start=start, length=episode.length)
        files.setdefault(where, []).append(span)
    return files


def _encoded_with(reader: DatasetReader, key: str) -> EncoderConfig | None:
    """The settings a video camera's ``info`` says it was encoded with (None: unknown)."""
    kind = DepthEncoderConfig if key in reader.depth_keys else RGBEncoderConfig
    try:
        return kind.from_info(reader.features[key].get("info") or {})
    except (ConfigError, TypeError, ValueError):
        return None


def _depth(reader: DatasetReader, key: str) -> tuple[DepthQuantization, str] | None:
    if key not in reader.depth_keys:
        return None
    info = reader.features[key].get("info") or {}
    return DepthQuantization.from_info(info), str(info.get("depth_unit", "mm"))


def _run(
    tasks: list[ReencodeTask], executor: Executor, progress: ReencodeProgress | None
) -> tuple[list[FileResult], float]:
    """Every task's result, in task order, and the wall time spent running them (s)."""
    started = time.perf_counter()
    done: dict[tuple[str, int, int], FileResult] = {}
    if progress is not None:
        progress(0, len(tasks))
    for _task, result in executor.map_unordered(run_reencode_task, tasks):
        # The task comes back pickled from a worker: matched by what it names, not identity.
        done[result.key, result.chunk_index, result.file_index] = result
        if progress is not None:
            progress(len(done), len(tasks))
    return [done[t.key, t.chunk_index, t.file_index] for t in tasks], time.perf_counter() - started


def _result(
    reader: DatasetReader, out: Path, results: list[FileResult], seconds: float, wall: float
) -> ReencodeResult:
    fresh = [r for r in results if not r.reused]
    fidelity: dict[str, float] = {}
    for result in results:
        # Worst = lowest PSNR for RGB, largest error for depth.
        worst = max if result.key in reader.depth_keys else min
        fidelity[result.key] = worst(
            [*result.fidelity.values(), *([fidelity[result.key]] if result.key in fidelity else [])]
        )
    return ReencodeResult(
        root=out,
        num_episodes=reader.num_episodes,
        num_frames=reader.num_frames,
        files=tuple(results),
        reused_files=len(results) - len(fresh),
        copied_files=sum(r.copied for r in results),
        source_bytes=sum(r.source_bytes for r in results),
        output_bytes=sum(r.bytes for r in results),
        seconds=seconds,
        frames_per_second=sum(r.frames for r in fresh) / wall if fresh and wall > 0 else 0.0,
        fidelity=fidelity,
    )
