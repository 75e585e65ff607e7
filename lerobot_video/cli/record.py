"""``lerobot-video record``: record episodes headless from a camera or the bundled replay.

The camera is started before the dataset folder is made, so a missing camera leaves nothing
behind. Each episode stops once it holds ``--frames-per-episode`` frames (the capture loop
may already have handed over the frame that was due). Ctrl-C closes the recorder: the
episodes already saved stay in the dataset, the one being recorded is dropped.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from lerobot_video import (
    ConfigError,
    DatasetWriter,
    EpisodeInfo,
    FrameSource,
    OpenCVSource,
    RealSenseSource,
    Recorder,
    bundled_replay_source,
    camera_features,
    create_dataset,
    list_sources,
)
from lerobot_video.cli.encoder_flags import add_encoder_flags, depth_config, rgb_config
from lerobot_video.cli.output import ProgressBar, print_json

_POLL_SECONDS = 0.002
"""How often the episode's frame count is looked at: well under one tick at 60 fps."""


def open_source(args: argparse.Namespace) -> FrameSource:
    """The source ``--source`` names, not started.

    Raises:
        ConfigError: An unknown source (the message lists the ones usable here).
    """
    kind, _, index = args.source.partition(":")
    if args.source == "replay":
        return bundled_replay_source(not args.no_depth, fps=args.fps)
    if kind == "opencv" and index.isdigit():
        return OpenCVSource(int(index), width=args.width, height=args.height, fps=args.fps or 30)
    if args.source == "realsense":
        return RealSenseSource(
            width=args.width, height=args.height, fps=args.fps or 30, depth=not args.no_depth
        )
    usable = [s.kind for s in list_sources() if s.available and s.kind != "browser"]
    raise ConfigError(
        f"Unknown source {args.source!r}; give replay, opencv:<index> or realsense "
        f"(usable here: {', '.join(usable) or 'none'})."
    )


def _writer(
    args: argparse.Namespace, source: FrameSource, encoders: tuple[Any, Any]
) -> DatasetWriter:
    return create_dataset(
        args.output,
        fps=args.fps or round(source.fps),
        features=camera_features(source, camera=args.camera),
        robot_type=args.robot_type,
        rgb_encoder=encoders[0],
        depth_encoder=encoders[1],
    )


def _episode(recorder: Recorder, frames: int, bar: ProgressBar | None) -> EpisodeInfo:
    recorder.start_episode()
    while (stats := recorder.stats()).episode_frames < frames:
        if stats.state == "failed":
            raise OSError(f"Recording stopped: {stats.error}")
        if bar is not None:
            bar(stats.episode_frames, frames)
        time.sleep(_POLL_SECONDS)
    episode = recorder.stop_episode()
    if bar is not None:
        bar(frames, frames, f"episode {episode.episode_index} saved ({episode.length} frames)")
    return episode


def _record(args: argparse.Namespace, recorder: Recorder) -> list[EpisodeInfo]:
    episodes = []
    for number in range(1, args.episodes + 1):
        bar = None if args.json else ProgressBar("frames", prefix=f"{number}/{args.episodes} ")
        episodes.append(_episode(recorder, args.frames_per_episode, bar))
    return episodes


def run(args: argparse.Namespace) -> int:
    """Record the episodes and print what the dataset holds."""
    if args.episodes < 1 or args.frames_per_episode < 1:
        raise ConfigError(
            f"--episodes and --frames-per-episode must be >= 1, got {args.episodes} and "
            f"{args.frames_per_episode}."
        )
    encoders = (rgb_config(args), depth_config(args))  # refused before the camera starts
    source = open_source(args)
    source.start()  # a missing camera fails here, before the dataset folder exists
    try:
        writer = _writer(args, source, encoders)
        recorder = Recorder(source, writer, task=args.task, camera=args.camera)
    except BaseException:
        source.stop()
        raise
    with recorder:
        episodes = _record(args, recorder)
        reports = recorder.capture_reports
    summary = {
        "root": writer.root,
        "fps": writer.fps,
        "features": list(writer.features),
        "episodes": [
            {"episode_index": e.episode_index, "length": e.length, **_ticks(reports, e)}
            for e in episodes
        ],
        "num_frames": sum(e.length for e in episodes),
    }
    if args.json:
        print_json(summary)
    else:
        print(f"{writer.root}: {len(episodes)} episodes, {summary['num_frames']} frames at "
              f"{writer.fps} fps ({', '.join(writer.features)})")  # fmt: skip
    return 0


def _ticks(reports: dict[int, Any], episode: EpisodeInfo) -> dict[str, int]:
    report = reports.get(episode.episode_index)
    if report is None:
        return {}
    return {"late_ticks": report.late_ticks, "skipped_ticks": report.skipped_ticks}


def add_parser(commands: Any) -> None:
    """The ``record`` subcommand."""
    record = commands.add_parser(
        "record",
        help="record episodes headless from a camera or the bundled replay",
        description="Sources: replay (the bundled ALOHA sample with depth), opencv:<index> "
        "(/dev/video<index>), realsense (the first RealSense camera). A camera that is not "
        "there exits 3 before anything is written; one that fails while recording exits 4. "
        "Ctrl-C keeps the saved episodes (exit 130).",
    )
    record.add_argument("output", type=Path, help="the new dataset folder (must not exist)")
    record.add_argument("--episodes", type=int, required=True, help="episodes to record")
    record.add_argument("--frames-per-episode", type=int, required=True, help="frames each")
    record.add_argument("--source", default="replay", help="replay, opencv:<index> or realsense")
    record.add_argument("--fps", type=int, help="frames per second (default: the source's)")
    record.add_argument("--width", type=int, default=640, help="camera width in pixels")
    record.add_argument("--height", type=int, default=480, help="camera height in pixels")
    record.add_argument("--no-depth", action="store_true", help="record colour only")
    record.add_argument("--task", default="demonstration", help="task text of every frame")
    record.add_argument("--camera", default="camera", help="name in the feature keys")
    record.add_argument("--robot-type", help="robot type stored in info.json")
    record.add_argument("--json", action="store_true", help="what was recorded, as JSON")
    add_encoder_flags(record, "rgb")
    add_encoder_flags(record, "depth")
    record.set_defaults(run=run)
