"""Encode a camera while it records: one thread per camera, fed through a bounded queue.

The thread encodes each frame as it arrives, so when an episode ends only the frames still
queued and the encoder's own look-ahead remain to be written. A full queue makes the caller
wait (back-pressure, nothing lost) unless the caller checks :meth:`StreamingEncoder.has_room`
first and skips the frame; the dataset writer does that in real-time mode, for all cameras
and the data row together, so video and data stay aligned.

The thread also keeps a strided copy of every frame on disk, from which the episode's image
statistics are computed exactly as in the non-streaming path (LeRobot's streaming path keeps
running statistics per frame instead, which is where much of its time goes).
"""

from __future__ import annotations

import logging
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lerobot_video.codec.frames import DepthVideoFrames, FrameAdapter, rgb_video_frame
from lerobot_video.codec.mp4_writer import Mp4Writer
from lerobot_video.codec.probe import feature_info, probe_video
from lerobot_video.codec.support import EncoderPlan
from lerobot_video.config import DepthEncoderConfig
from lerobot_video.dataset._episode_buffer import StagedFrames
from lerobot_video.dataset.stats import downsample_frames
from lerobot_video.errors import ConfigError, LeRobotVideoError, MediaError

logger = logging.getLogger(__name__)

_STOP = object()  # queue item: no more frames


@dataclass(frozen=True, kw_only=True, slots=True)
class EncoderStats:
    """What one camera's encoder thread has done in the current episode.

    Attributes:
        queued: Frames waiting in the queue now.
        queue_size: The queue's capacity, in frames.
        encoded: Frames encoded so far.
        encode_fps: Frames encoded per second of the thread's working time (how fast the
            encoder could go), 0.0 before the first frame.
    """

    queued: int
    queue_size: int
    encoded: int
    encode_fps: float


@dataclass(frozen=True, kw_only=True, slots=True)
class EncodedEpisode:
    """One camera's finished episode video, still in its temporary folder.

    Attributes:
        path: The MP4 file.
        info: The feature's ``info`` block (LeRobot's keys, plus ``depth_unit`` for depth).
        samples: Strided copies of every frame, (N, h, w, C), memory-mapped, for statistics.
    """

    path: Path
    info: dict[str, Any]
    samples: npt.NDArray[Any]


class StreamingEncoder:
    """Encodes one camera's frames on a background thread while they are being recorded.

    The thread opens the encoder at once (before the first frame arrives), then encodes
    frames in order as they are offered. Frames are trusted: the dataset's episode buffer
    has checked them, so they are only wrapped (and quantized, for depth) here.

    Args:
        path: The MP4 to write (a temporary place; the caller moves it).
        fps: Frames per second, an integer >= 1.
        plan: The checked encoder plan (:func:`~lerobot_video.plan_encoder`). A
            :class:`DepthEncoderConfig` in it makes this a depth camera: frames are uint16
            millimetres or float32 metres (by dtype).
        size: (height, width) of every frame, in pixels.
        queue_size: Frames that may wait for the encoder, >= 1.

    Raises:
        ConfigError: Invalid ``queue_size``.
        MediaError: The file cannot be created.
    """

    def __init__(
        self,
        path: Path,
        *,
        fps: int,
        plan: EncoderPlan,
        size: tuple[int, int],
        queue_size: int = 30,
    ) -> None:
        if isinstance(queue_size, bool) or not isinstance(queue_size, int) or queue_size < 1:
            raise ConfigError(f"queue_size must be an integer >= 1, got {queue_size!r}.")
        self._path, self._config, self._size = path, plan.config, size
        self._depth = (
            DepthVideoFrames(plan.config, input_unit="auto")
            if isinstance(plan.config, DepthEncoderConfig)
            else None
        )
        self._convert: FrameAdapter = self._depth or rgb_video_frame
        self._writer = Mp4Writer(path, fps=fps, plan=plan)
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=queue_size)
        self._queue_size = queue_size
        self._samples: StagedFrames | None = None
        self._encoded = 0
        self._busy_seconds = 0.0
        self._error: BaseException | None = None
        self._abort = threading.Event()
        self._ready = threading.Event()  # the encoder is open (or failed to open)
        self._drained = threading.Event()  # every offered frame is encoded and sampled
        self._stop_sent = False
        self._thread = threading.Thread(target=self._run, name=f"encoder-{path.stem}", daemon=True)
        self._thread.start()

    def wait_ready(self) -> None:
        """Wait until the encoder is open, so the first frame does not pay for opening it.

        Raises:
            LeRobotVideoError: The encoder could not be opened.
        """
        self._ready.wait()
        self._raise_failure()

    def has_room(self) -> bool:
        """Whether :meth:`offer` would return at once (only the caller adds frames)."""
        return not self._queue.full()

    def offer(self, frame: npt.NDArray[Any]) -> None:
        """Queue one frame, waiting while the queue is full (back-pressure).

        Args:
            frame: RGB (H, W, 3) uint8, or depth (H, W, 1) uint16 mm / float32 m, of the
                encoder's size; the first frame fixes the dtype. Not modified afterwards by
                the caller (it is encoded later, on the thread).

        Raises:
            LeRobotVideoError: The encoder failed on an earlier frame (its error, re-raised).
            ConfigError: Called after :meth:`request_finish` or :meth:`abort`.
        """
        if self._stop_sent:
            raise ConfigError("This encoder is finished; start a new one for the next episode.")
        self._raise_failure()
        self._queue.put(frame)

    def stats(self) -> EncoderStats:
        """Queue depth, frames encoded and encode speed, as of now (safe from any thread)."""
        busy = self._busy_seconds
        return EncoderStats(
            queued=self._queue.qsize(),
            queue_size=self._queue_size,
            encoded=self._encoded,
            encode_fps=self._encoded / busy if busy > 0 else 0.0,
        )

    def request_finish(self) -> None:
        """Tell the thread that no frame follows; returns at once. Idempotent."""
        if not self._stop_sent:
            self._stop_sent = True
            self._queue.put(_STOP)  # the thread is consuming, so this never waits long

    def samples(self) -> npt.NDArray[Any]:
        """Strided copies of every frame, (N, h, w, C), once all are encoded.

        Available before the encoder's flush ends, so statistics can be computed meanwhile.

        Raises:
            LeRobotVideoError: Encoding failed.
            ConfigError: No frame was offered.
        """
        self.request_finish()
        self._drained.wait()
        self._raise_failure()
        if self._samples is None:
            raise ConfigError("No frames were offered to this encoder.")
        return self._samples.load()

    def finish(self) -> EncodedEpisode:
        """Encode what is queued, flush the encoder and close the file.

        Returns:
            The finished video, its ``info`` block and the strided frames for statistics.

        Raises:
            LeRobotVideoError: Encoding failed (the file is unusable; call :meth:`abort`).
            ConfigError: No frame was offered.
        """
        samples = self.samples()
        self._thread.join()
        self._raise_failure()
        info = feature_info(probe_video(self._path), self._config)
        if self._depth is not None:
            info["depth_unit"] = self._depth.unit
        return EncodedEpisode(path=self._path, info=info, samples=samples)

    def abort(self) -> None:
        """Stop at once, dropping queued frames; the partial files are left for the caller.

        Idempotent; never raises.
        """
        self._abort.set()
        self.request_finish()
        self._thread.join()
        if self._samples is not None:
            self._samples.discard()

    def _raise_failure(self) -> None:
        if self._error is None:
            return
        if isinstance(self._error, LeRobotVideoError):
            raise self._error
        raise MediaError(
            f"The encoder thread for {str(self._path)!r} failed: {self._error!r}.",
            path=self._path,
        ) from self._error

    def _run(self) -> None:
        stopped = False
        try:
            height, width = self._size
            self._writer.open(width, height)
            self._ready.set()
            while not (stopped := (frame := self._queue.get()) is _STOP):
                if self._abort.is_set():
                    continue
                start = time.perf_counter()
                self._writer.write(self._convert(frame))
                self._sample(frame)
                self._encoded += 1
                self._busy_seconds += time.perf_counter() - start
            self._drained.set()
            if self._abort.is_set():
                self._writer.abort()
            else:
                self._writer.close()
        except BaseException as err:  # re-raised to the recording thread by offer/finish
            self._error = err
            self._writer.abort()
            self._ready.set()
            self._drained.set()
            # Keep taking frames so a producer waiting on a full queue is never stuck.
            while not stopped:
                stopped = self._queue.get() is _STOP

    def _sample(self, frame: npt.NDArray[Any]) -> None:
        small = downsample_frames(frame)
        if self._samples is None:
            path = self._path.with_suffix(".samples")
            self._samples = StagedFrames(
                path=path, stream=path.open("wb"), shape=small.shape, dtype=small.dtype
            )
        self._samples.append(small)


class EpisodeEncoders:
    """The encoder threads of one episode, one per camera, writing into a temporary folder.

    Args:
        root: The dataset folder; the episode's files go to a hidden ``.episode-*`` folder
            inside it (same file system, so placing them is a rename or a local copy).
        fps: Frames per second, an integer >= 1.
        configs: Camera key to its checked encoder plan (:func:`~lerobot_video.plan_encoder`);
            a :class:`DepthEncoderConfig` in a plan marks a depth camera.
        sizes: Camera key to its frames' (height, width).
        queue_size: Frames that may wait for each encoder, >= 1.
    """

    def __init__(
        self,
        root: Path,
        *,
        fps: int,
        configs: Mapping[str, EncoderPlan],
        sizes: Mapping[str, tuple[int, int]],
        queue_size: int,
    ) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=".episode-", dir=root))
        """The episode's temporary folder (deleted by :meth:`discard`)."""
        self._encoders: dict[str, StreamingEncoder] = {}
        self._finished: dict[str, EncodedEpisode] | None = None
        try:
            for key, plan in configs.items():
                self._encoders[key] = StreamingEncoder(
                    self.folder / f"{key}.mp4",
                    fps=fps,
                    plan=plan,
                    size=sizes[key],
                    queue_size=queue_size,
                )
        except BaseException:
            self.discard()
            raise

    def wait_ready(self) -> None:
        """Wait until every encoder is open.

        Raises:
            LeRobotVideoError: An encoder could not be opened.
        """
        for encoder in self._encoders.values():
            encoder.wait_ready()

    def has_room(self) -> bool:
        """Whether every camera's queue can take a frame without waiting."""
        return all(encoder.has_room() for encoder in self._encoders.values())

    def offer(self, images: Mapping[str, npt.NDArray[Any]]) -> None:
        """Queue one frame of every camera (copied, so callers may reuse their buffers).

        Raises:
            LeRobotVideoError: An encoder failed on an earlier frame.
        """
        for key, image in images.items():
            self._encoders[key].offer(np.array(image, copy=True))

    def stats(self) -> dict[str, EncoderStats]:
        """Each camera's encoder statistics, as of now."""
        return {key: encoder.stats() for key, encoder in self._encoders.items()}

    def request_finish(self) -> None:
        """Tell every encoder that the episode ended; returns at once."""
        for encoder in self._encoders.values():
            encoder.request_finish()

    def samples(self) -> dict[str, npt.NDArray[Any]]:
        """Each camera's strided frames, once encoded (before the encoders' flush ends).

        Raises:
            LeRobotVideoError: An encoder failed.
        """
        return {key: encoder.samples() for key, encoder in self._encoders.items()}

    def finish(self) -> dict[str, EncodedEpisode]:
        """Drain and close every encoder; later calls return the same videos.

        Raises:
            LeRobotVideoError: An encoder failed.
        """
        if self._finished is None:
            self._finished = {key: encoder.finish() for key, encoder in self._encoders.items()}
        return self._finished

    def discard(self) -> None:
        """Stop every encoder and delete the temporary folder and its videos. Never raises."""
        for encoder in self._encoders.values():
            encoder.abort()
        shutil.rmtree(self.folder, ignore_errors=True)
