"""One episode of a dataset, local or on the Hub, ready to look at: every camera, frame by frame.

:func:`episode_videos` copies each camera's segment of the episode, by stream copy, into a small
local MP4 (on the Hub only the bytes of the episode's GOPs are fetched). Frames are then
decoded from these copies (:func:`episode_frames`), and :func:`episode_browser_clip` gives a
clip an HTML ``<video>`` plays: the copy itself when the browser can play it as it is, else a
preview made from the decoded frames (depth colour-mapped).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from lerobot_video.clips import Clip
from lerobot_video.codec.browser import browser_support
from lerobot_video.codec.decode import clear_decoder_cache, decode_depth_codes, decode_frames
from lerobot_video.codec.probe import probe_video
from lerobot_video.codec.remux import extract_segment
from lerobot_video.dataset.reader import DatasetReader
from lerobot_video.depth import DepthQuantization, dequantize_depth
from lerobot_video.errors import ConfigError, FrameIndexError, path_argument
from lerobot_video.preview import browser_preview_clip, depth_preview_clip


@dataclass(frozen=True, kw_only=True, slots=True)
class EpisodeVideo:
    """One camera's frames of one episode, copied (not re-encoded) into a small local MP4.

    Attributes:
        key: The video feature.
        episode_index: The episode.
        path: The local MP4. It may begin a few frames early (at the keyframe the episode's
            first frame depends on).
        first_frame_seconds: Where the episode's frame 0 is shown in ``path``, in seconds.
        num_frames: The episode's frames.
        fps: Frames per second.
        codec: The stream's codec (``av1``, ``hevc``…).
        pix_fmt: The stream's pixel format (``yuv420p``, ``gray12le``…).
        quantization: The depth quantizer (metres) for depth cameras, else None.
        frames_in_file: Frames ``path`` holds (at least ``num_frames``).
    """

    key: str
    episode_index: int
    path: Path
    first_frame_seconds: float
    num_frames: int
    fps: int
    codec: str
    pix_fmt: str
    quantization: DepthQuantization | None
    frames_in_file: int

    @property
    def is_depth(self) -> bool:
        """Whether the camera is a depth camera (12-bit codes)."""
        return self.quantization is not None

    @property
    def plays_in_browser(self) -> bool:
        """Whether a browser can play ``path`` as the episode: codec, and no extra frames."""
        exact = abs(self.first_frame_seconds) < 0.5 / self.fps
        exact = exact and self.frames_in_file == self.num_frames
        return exact and browser_support(self.codec, self.pix_fmt).plays_in_browsers

    def timestamps(self, frame_indices: Sequence[int] | None = None) -> npt.NDArray[np.float64]:
        """Presentation times in ``path`` of episode frames (all when None), in seconds.

        Raises:
            FrameIndexError: An index outside ``[0, num_frames)``.
        """
        indices = np.arange(self.num_frames) if frame_indices is None else np.asarray(frame_indices)
        if indices.size and (indices.min() < 0 or indices.max() >= self.num_frames):
            raise FrameIndexError(
                f"Frame indices must be in [0, {self.num_frames}) for episode "
                f"{self.episode_index}, got {indices.tolist()}."
            )
        return self.first_frame_seconds + indices.astype(np.float64) / self.fps


def episode_videos(
    reader: DatasetReader,
    episode_index: int,
    folder: str | os.PathLike[str],
    *,
    keys: Sequence[str] | None = None,
) -> dict[str, EpisodeVideo]:
    """Copy each camera's frames of an episode into ``folder``, by stream copy.

    For a Hub dataset (``open_hub_dataset(...).reader``) only the episode's GOPs are fetched.

    Args:
        reader: The dataset.
        episode_index: The episode.
        folder: Where the copies go (``<key>-episode-<index>.mp4``); it must exist.
        keys: The cameras; None for every video feature.

    Returns:
        Camera key to its copy, in the order asked.

    Raises:
        ConfigError: Unknown key, or ``folder`` is not a folder.
        FrameIndexError: No such episode.
        MediaError: A video is missing, unreadable or lacks the episode's frames.
    """
    folder = path_argument(folder, "folder")
    if not folder.is_dir():
        raise ConfigError(f"folder {str(folder)!r} is not an existing folder.")
    keys = list(reader.video_keys if keys is None else keys)
    for key in keys:
        reader.video_path(key, episode_index)  # unknown keys and episodes fail here, by name
    with ThreadPoolExecutor(max_workers=max(1, len(keys))) as pool:
        copies = pool.map(lambda key: _copy(reader, key, episode_index, folder), keys)
        return dict(zip(keys, copies, strict=True))


def _copy(reader: DatasetReader, key: str, episode_index: int, folder: Path) -> EpisodeVideo:
    episode = reader.episodes[episode_index]
    segment, source = episode.videos[key], reader.video_path(key, episode_index)
    output = folder / f"{key.replace('/', '_')}-episode-{episode_index}.mp4"
    end = segment.from_seconds + episode.length / reader.fps
    with reader.open_file(source) as file:
        first, frames = extract_segment(source, segment.from_seconds, end, output, file=file)
    video = probe_video(output, count_packets=False)
    info = reader.feature_infos[key].stream_info
    depth = key in reader.depth_keys
    return EpisodeVideo(
        key=key,
        episode_index=episode_index,
        path=output,
        first_frame_seconds=first,
        num_frames=episode.length,
        fps=reader.fps,
        codec=video.codec,
        pix_fmt=video.pix_fmt,
        quantization=DepthQuantization.from_info(info) if depth else None,
        frames_in_file=frames,
    )


def episode_frames(
    video: EpisodeVideo,
    frame_indices: Sequence[int] | None = None,
    *,
    depth_unit: Literal["mm", "m"] = "mm",
) -> npt.NDArray[Any]:
    """Decode frames of an episode copy (all when ``frame_indices`` is None).

    Returns:
        RGB: (N, H, W, 3) uint8. Depth: (N, H, W) float32 in ``depth_unit``, dequantized
        with the feature's stored parameters.

    Raises:
        FrameIndexError: An index outside the episode.
        ConfigError: Bad ``depth_unit``.
        MediaError: The copy cannot be decoded.
    """
    times = video.timestamps(frame_indices)
    if video.quantization is None:
        return decode_frames(video.path, times)
    codes = decode_depth_codes(video.path, times)
    return dequantize_depth(codes, video.quantization, output_unit=depth_unit).reshape(codes.shape)


def episode_clip(video: EpisodeVideo, *, max_frames: int | None = None) -> Clip:
    """An RGB camera's episode as a :class:`~lerobot_video.Clip`, to study or compare.

    The frames are decoded from the dataset's video, so a study of them measures re-encoding
    what is already compressed: its fidelity is against the decoded frames, not the scene.

    Args:
        video: An RGB episode copy from :func:`episode_videos`.
        max_frames: Keep only the first frames, >= 1; None for all.

    Raises:
        ConfigError: ``video`` is a depth camera, or ``max_frames`` is not a positive integer.
        MediaError: The copy cannot be decoded.
    """
    if video.quantization is not None:
        raise ConfigError(
            f"{video.key} is a depth camera; a codec study takes RGB frames. Pick a colour camera."
        )
    if max_frames is not None and (
        isinstance(max_frames, bool) or not isinstance(max_frames, int) or max_frames < 1
    ):
        raise ConfigError(f"max_frames must be a positive integer or None, got {max_frames!r}.")
    count = video.num_frames if max_frames is None else min(max_frames, video.num_frames)
    frames = episode_frames(video, list(range(count)))
    return Clip(name=f"{video.key} episode {video.episode_index}", frames=frames, fps=video.fps)


def episode_browser_clip(
    video: EpisodeVideo,
    output: str | os.PathLike[str],
    *,
    value_range: tuple[float, float] | None = None,
) -> Path:
    """A clip of exactly the episode's frames that an HTML ``<video>`` plays.

    The copy itself when the browser can play it as the episode; otherwise a preview of the
    decoded frames (H.264, crf 18; depth colour-mapped), cropped to even sizes.

    Args:
        video: The episode copy.
        output: Where a preview is written when one is needed.
        value_range: Depth colour range in metres; None fits the episode's depth.

    Returns:
        The clip to play: ``video.path`` or ``output``.

    Raises:
        MediaError: Decoding or encoding failed.
    """
    if video.plays_in_browser:
        return video.path
    frames = episode_frames(video, depth_unit="m")
    height, width = frames.shape[1] // 2 * 2, frames.shape[2] // 2 * 2
    frames = frames[:, :height, :width]
    if video.is_depth:
        return depth_preview_clip(frames, output, fps=video.fps, value_range=value_range)
    return browser_preview_clip(frames, output, fps=video.fps)


def read_frame(
    reader: DatasetReader,
    key: str,
    episode_index: int,
    frame_index: int,
    *,
    depth_unit: Literal["mm", "m"] = "mm",
) -> npt.NDArray[Any]:
    """Decode one frame of one camera, reading only its GOP (a thumbnail, a scrubber stop).

    On the Hub this fetches the video's index and the bytes from the keyframe before the
    frame to the frame, not the episode or the file.

    Returns:
        RGB: (H, W, 3) uint8. Depth: (H, W) float32 in ``depth_unit``.

    Raises:
        ConfigError: Unknown key or bad ``depth_unit``.
        FrameIndexError: No such episode or frame.
        MediaError: The video is missing, unreachable or corrupt.
    """
    episode = reader.episodes[episode_index] if 0 <= episode_index < reader.num_episodes else None
    if episode is None or not 0 <= frame_index < episode.length:
        raise FrameIndexError(
            f"No frame {frame_index} of episode {episode_index}: the dataset has "
            f"{reader.num_episodes} episodes"
            + (f" and this one {episode.length} frames." if episode else ".")
        )
    source = reader.video_path(key, episode_index)
    shown = episode.videos[key].from_seconds + frame_index / reader.fps
    with tempfile.TemporaryDirectory(prefix="lerobot-video-frame-") as folder:
        copy = Path(folder) / "frame.mp4"
        with reader.open_file(source) as file:
            first, _ = extract_segment(source, shown, shown + 1 / reader.fps, copy, file=file)
        try:
            if key not in reader.depth_keys:
                return np.asarray(decode_frames(copy, [first])[0])
            codes = decode_depth_codes(copy, [first])[0]
            quantization = DepthQuantization.from_info(reader.feature_infos[key].stream_info)
            return dequantize_depth(codes, quantization, output_unit=depth_unit)
        finally:
            clear_decoder_cache(under=folder)  # the copy goes with the folder
