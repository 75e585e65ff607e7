"""Inspect page: one episode, every camera as a player, frame by frame, with its columns.

The cameras' segments are copied into the session folder (on the Hub only the episode's
GOPs are fetched); frames are decoded from these copies when the scrubber moves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import numpy.typing as npt

from components.checks import choice, whole_number
from components.feedback import shows_library_errors
from components.inspect.charts import episode_plot, size_text, summary_markdown
from components.inspect.session import InspectSession
from components.lane import run_media_work
from components.state import SessionState
from lerobot_video import (
    EpisodeVideo,
    auto_depth_range,
    colorize_depth,
    episode_browser_clip,
    episode_frames,
    episode_videos,
)

MAX_CAMERAS = 4
"""Camera slots on the page (players and frames); a dataset with more shows the first four."""
UNITS = ("mm", "m")
PROBE_HINT = "Click a depth frame to read the depth under a pixel."


def _copy_episode(inspect: InspectSession, index: int, folder: Path) -> None:
    """Copy every camera's segment, make browser clips and read the numeric columns."""
    reader = inspect.reader
    assert reader is not None
    keys = reader.video_keys[:MAX_CAMERAS]
    videos = episode_videos(reader, index, folder, keys=keys)
    clips = {
        k: episode_browser_clip(v, folder / f"{k}-preview.mp4", value_range=_depth_range(v))
        for k, v in videos.items()
    }
    inspect.videos, inspect.clips = videos, clips
    inspect.columns = reader.episode_columns(index)
    inspect.episode = index


@shows_library_errors
def show_episode(state: SessionState, episode: object, progress: gr.Progress) -> list[Any]:
    """Copy the episode's cameras and show them as players; reset the frame scrubber.

    Returns:
        The episode line, one update per camera slot (:data:`MAX_CAMERAS`), the frame slider
        and the summary (bytes fetched).
    """
    inspect = state.inspect
    if inspect.reader is None:
        raise gr.Error("Open a dataset first.")
    count = inspect.reader.num_episodes
    if not count:
        raise gr.Error(f"{inspect.name} has no complete episode to show.")
    index = whole_number(episode, "Episode", 0, count - 1)
    progress(None, desc=f"Copying episode {index}")
    with inspect.lock:
        inspect.forget_episode()
        folder = state.fresh_folder("inspect")
        run_media_work(_copy_episode, inspect, index, folder)
        return _episode_updates(inspect)


def _episode_updates(inspect: InspectSession) -> list[Any]:
    players = [
        gr.update(value=str(inspect.clips[k]), label=_camera_label(inspect.videos[k]), visible=True)
        for k in inspect.clips
    ]
    players += [gr.update(value=None, visible=False)] * (MAX_CAMERAS - len(players))
    length = inspect.videos[next(iter(inspect.videos))].num_frames if inspect.videos else 1
    slider = gr.update(value=0, maximum=max(length - 1, 1), visible=True)
    return [_episode_status(inspect), *players, slider, summary_markdown(inspect)]


def _camera_label(video: EpisodeVideo) -> str:
    how = "as stored" if video.plays_in_browser else "browser preview"
    kind = "depth, colour-mapped" if video.is_depth else video.codec
    return f"{video.key} ({kind}, {how})"


def _episode_status(inspect: InspectSession) -> str:
    fetched = (
        "" if inspect.hub is None else f" · {size_text(inspect.hub.bytes_fetched)} fetched so far"
    )
    copied = sum(v.path.stat().st_size for v in inspect.videos.values())
    return (
        f"Episode **{inspect.episode}**: {len(inspect.videos)} cameras, "
        f"{size_text(copied)} of video copied{fetched}. **Play all** plays them in sync."
    )


def _depth_range(video: EpisodeVideo) -> tuple[float, float] | None:
    """The colour range (metres) of a depth camera's middle frame, no-reading pixels left out.

    The player then uses the frames' scale; None for colour cameras or no reading at all.
    """
    if not video.is_depth:
        return None
    metres = episode_frames(video, [video.num_frames // 2], depth_unit="m")[0]
    valid = metres[~_no_reading(video, metres, "m")]
    return auto_depth_range(valid) if valid.size else None


def _frame_index(inspect: InspectSession, frame: object) -> int:
    if not inspect.videos:
        raise gr.Error("Choose an episode first.")
    length = next(iter(inspect.videos.values())).num_frames
    return whole_number(frame, "Frame", 0, length - 1)


def _no_reading(
    video: EpisodeVideo, values: npt.NDArray[np.float32], unit: str
) -> npt.NDArray[Any]:
    """Pixels stored as code 0 (no reading): they come back as the quantizer's depth_min."""
    assert video.quantization is not None
    floor = video.quantization.depth_min * (1000.0 if unit == "mm" else 1.0)
    return ~np.isfinite(values) | (values <= floor * (1 + 1e-4))


def _depth_picture(video: EpisodeVideo, metres: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    shown = np.where(_no_reading(video, metres, "m"), np.nan, metres).astype(np.float32)
    return colorize_depth(shown) if np.isfinite(shown).any() else colorize_depth(metres)


def _value(number: float, unit: str) -> str:
    return (
        "no reading"
        if number != number
        else (f"{number:.1f} mm" if unit == "mm" else f"{number:.4f} m")
    )


def depth_readout(
    video: EpisodeVideo, values: npt.NDArray[np.float32], unit: str, point: tuple[int, int] | None
) -> str:
    """Min, median and max depth of a frame (pixels with a reading) and the clicked pixel's."""
    valid = values[~_no_reading(video, values, unit)]
    if valid.size:
        low, median, high = (float(v) for v in np.percentile(valid, [0, 50, 100]))
        line = f"min {_value(low, unit)} · median {_value(median, unit)} · max {_value(high, unit)}"
    else:
        line = "no pixel has a reading"
    text = f"**{video.key}**: {line}"
    if point is not None:
        x, y = point
        if 0 <= y < values.shape[0] and 0 <= x < values.shape[1]:
            here = (
                float(values[y, x])
                if not _no_reading(video, values[y : y + 1, x : x + 1], unit).all()
                else float("nan")
            )
            text += f" · pixel (x={x}, y={y}): **{_value(here, unit)}**"
    return text


def _frame_views(inspect: InspectSession, index: int, unit: str) -> tuple[list[Any], list[str]]:
    pictures: list[Any] = []
    readouts: list[str] = []
    for key, video in inspect.videos.items():
        if not video.is_depth:
            pictures.append(episode_frames(video, [index])[0])
            continue
        values = episode_frames(video, [index], depth_unit=unit)[0]  # type: ignore[arg-type]
        scale = 1000.0 if unit == "mm" else 1.0
        pictures.append(_depth_picture(video, values / scale))
        point = inspect.point[1:] if inspect.point and inspect.point[0] == key else None
        readouts.append(depth_readout(video, values, unit, point))
    return pictures, readouts


@shows_library_errors
def show_frame(state: SessionState, frame: object, unit: object) -> list[Any]:
    """Frame ``frame`` of every camera (depth colour-mapped), the depth readout, the plot.

    Returns:
        One image update per camera slot, the readout and the plot.
    """
    inspect = state.inspect
    shown = choice(unit, "Depth unit", UNITS)
    with inspect.lock:
        index = _frame_index(inspect, frame)  # the episode may have changed meanwhile
        pictures, readouts = run_media_work(_frame_views, inspect, index, shown)
        keys, columns = list(inspect.videos), inspect.columns
    images = [
        gr.update(value=p, label=f"{k}, frame {index}", visible=True)
        for p, k in zip(pictures, keys, strict=True)
    ]
    images += [gr.update(value=None, visible=False)] * (MAX_CAMERAS - len(images))
    readout = "\n\n".join([*readouts, PROBE_HINT]) if readouts else ""
    assert inspect.reader is not None
    figure = episode_plot(inspect.reader, columns, index)
    plot = gr.update(value=figure, visible=figure is not None)
    return [*images, readout, plot]


@shows_library_errors
def probe_pixel(state: SessionState, slot: int, point: object) -> None:
    """Remember the clicked pixel of camera slot ``slot`` for the readout (depth only)."""
    inspect = state.inspect
    keys = list(inspect.videos)
    if not (0 <= slot < len(keys)) or not isinstance(point, list | tuple) or len(point) != 2:
        return
    inspect.point = (keys[slot], int(point[0]), int(point[1]))
