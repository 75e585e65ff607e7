"""Record episodes from a camera source into a dataset on a fixed-rate capture loop.

A :class:`Recorder` owns a background loop that reads its :class:`~lerobot_video.FrameSource`
once per tick (``1 / fps`` s, on a fixed grid so time does not drift) and,
while an episode is being recorded, hands the frame to the dataset writer. Between episodes
the loop keeps running so a preview stays live. The writer encodes while recording
(streaming), so stopping an episode waits only for the frames still queued.

A tick is *late* when its frame reached the writer after the next tick was due; ticks the
loop could not serve at all (it was still busy when they passed) are *skipped*: the frame
for that moment was never offered. Both are counted per episode, next to the writer's own
dropped frames (real-time mode), and kept for each saved episode as a :class:`CaptureReport`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy.typing as npt

from lerobot_video.capture.source import Frames, FrameSource, StreamSpec, check_positive
from lerobot_video.dataset.episodes import EpisodeInfo
from lerobot_video.dataset.streaming import EncoderStats
from lerobot_video.dataset.writer import DatasetWriter
from lerobot_video.errors import ConfigError, LeRobotVideoError

logger = logging.getLogger(__name__)

RecorderState = Literal["previewing", "recording", "saving", "stopped", "failed"]
_RATE_WINDOW_SECONDS = 2.0  # capture fps is measured over this much recent time
_SOURCE_TIMEOUT_SECONDS = 5.0  # a source silent for longer than this stops the loop


def camera_features(source: FrameSource, *, camera: str = "camera") -> dict[str, dict[str, Any]]:
    """LeRobot features for every stream of a source.

    Colour becomes ``observation.images.<camera>`` (H, W, 3); depth becomes
    ``observation.images.<camera>_depth`` (H, W, 1), marked ``info.is_depth_map``.

    Args:
        source: The camera source.
        camera: Name of the camera in the feature keys (letters, digits, ``_``).

    Returns:
        Feature key to its LeRobot feature description, in the source's stream order.

    Raises:
        ConfigError: ``camera`` is not a string of those characters, or ``source`` is not a
            :class:`FrameSource`.
    """
    if not isinstance(camera, str) or not camera.replace("_", "").isalnum():
        raise ConfigError(
            f"Camera name {camera!r} must be letters, digits and underscores (e.g. 'front')."
        )
    if not isinstance(source, FrameSource):
        raise ConfigError(f"source must be a FrameSource (ReplaySource...), got {source!r}.")
    return {feature_key(spec, camera): _feature(spec) for spec in source.streams()}


def feature_key(spec: StreamSpec, camera: str) -> str:
    """The dataset feature a source stream is recorded into (see :func:`camera_features`)."""
    suffix = "_depth" if spec.kind == "depth" else ""
    return f"observation.images.{camera}{suffix}"


def _feature(spec: StreamSpec) -> dict[str, Any]:
    feature: dict[str, Any] = {
        "dtype": "video",
        "shape": (spec.height, spec.width, spec.channels),
        "names": ["height", "width", "channels"],
    }
    if spec.kind == "depth":
        feature["info"] = {"is_depth_map": True}
    return feature


@dataclass(frozen=True, kw_only=True, slots=True)
class RecorderStats:
    """The recorder as of now.

    Attributes:
        state: ``previewing`` (loop running, not recording), ``recording``, ``saving``,
            ``stopped`` (closed) or ``failed`` (the loop stopped on an error, see
            :attr:`error`).
        episode_frames: Frames kept in the episode being recorded.
        dropped: Frames the writer dropped in this episode (real-time mode only).
        late: Ticks of this episode whose frame reached the writer after the next tick
            was due.
        skipped: Ticks of this episode never served (the loop was still busy when due).
        capture_fps: Frames read from the source per second, over the last 2 s.
        encoders: Camera feature to its encoder's queue depth and speed.
        error: What stopped the loop, when ``state`` is ``failed``; empty otherwise.
    """

    state: RecorderState
    episode_frames: int
    dropped: int
    late: int
    skipped: int
    capture_fps: float
    encoders: Mapping[str, EncoderStats]
    error: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class CaptureReport:
    """How the capture loop served one saved episode's ticks (see the module docstring).

    Attributes:
        episode_index: The saved episode.
        late_ticks: Ticks whose frame reached the writer after the next tick was due (>= 0).
        skipped_ticks: Ticks never served because the loop was still busy when due (>= 0).
    """

    episode_index: int
    late_ticks: int
    skipped_ticks: int


class Recorder:
    """Captures from a source at the dataset's fps and records episodes on demand.

    Args:
        source: The camera source; started by :meth:`start` and stopped by :meth:`close`.
        writer: The dataset writer; its features must be the source's streams under the
            keys :func:`camera_features` gives for ``camera``. The recorder owns it from
            now on (it finalizes it on :meth:`close`).
        task: Task text stored with every frame, non-empty.
        camera: Camera name used in the feature keys.
        fps: Capture rate; the dataset's fps when None.

    Raises:
        ConfigError: Empty task or camera, a source or writer of the wrong type, an fps
            that is not a finite number > 0, or a source stream missing from the writer's
            features.
    """

    def __init__(
        self,
        source: FrameSource,
        writer: DatasetWriter,
        *,
        task: str,
        camera: str = "camera",
        fps: float | None = None,
    ) -> None:
        _check_arguments(source, writer, task=task, camera=camera, fps=fps)
        self._keys = {spec.key: feature_key(spec, camera) for spec in source.streams()}
        if set(self._keys.values()) != set(writer.features):
            raise ConfigError(
                f"The dataset's features {sorted(writer.features)} must be exactly the "
                f"source's streams {sorted(self._keys.values())}; create it with "
                f"camera_features(source, camera={camera!r})."
            )
        self._source, self._writer, self._task = source, writer, task.strip()
        self._period_seconds = 1.0 / (fps or writer.fps)
        self._lock = threading.Lock()  # guards the writer and the counters below
        self._state: RecorderState = "previewing"
        self._latest: Frames = {}
        self._late = self._skipped = 0  # ticks of the episode being recorded
        self._reports: dict[int, CaptureReport] = {}
        self._read_times: list[float] = []
        self._error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def writer(self) -> DatasetWriter:
        """The dataset writer (use it only while no episode is being recorded)."""
        return self._writer

    @property
    def capture_reports(self) -> dict[int, CaptureReport]:
        """Episode index to its late and skipped ticks, for episodes this recorder saved."""
        return dict(self._reports)

    def start(self) -> None:
        """Start the source and the capture loop (preview only until :meth:`start_episode`).

        Raises:
            DeviceUnavailableError: The source cannot start.
        """
        if self._thread is not None:
            return
        self._source.start()
        self._thread = threading.Thread(target=self._loop, name="capture", daemon=True)
        self._thread.start()

    def start_episode(self) -> None:
        """Begin recording the next episode at the next tick.

        Raises:
            ConfigError: Already recording, not started, or the loop has failed.
            LeRobotVideoError: An encoder could not be opened.
        """
        with self._lock:
            self._check_running()
            if self._state != "previewing":
                raise ConfigError(f"Cannot start an episode while {self._state}.")
            if self._writer.num_pending_frames:
                raise ConfigError(
                    "The last episode could not be saved; stop it again to retry the save, "
                    "or discard it, before starting the next one."
                )
            self._writer.prepare_episode()  # open encoders now, not on the first tick
            self._late = self._skipped = 0
            self._state = "recording"

    def stop_episode(self) -> EpisodeInfo:
        """Stop recording and save the episode (waits for its encoders to finish).

        Returns:
            The saved episode, with each camera's ``video_bytes``; its late and skipped
            ticks are in :attr:`capture_reports` under its index.

        Raises:
            ConfigError: No episode is being recorded, or it has no frame yet.
            LeRobotVideoError: Saving failed; the frames stay buffered and recording is
                paused (call this again to retry, or :meth:`discard_episode`).
        """
        with self._lock:
            retry = self._state == "previewing" and self._writer.num_pending_frames > 0
            if self._state != "recording" and not retry:
                raise ConfigError("No episode is being recorded; start one first.")
            self._state = "saving"
            try:
                episode = self._writer.save_episode()
            finally:
                self._state = "previewing"
            self._reports[episode.episode_index] = CaptureReport(
                episode_index=episode.episode_index,
                late_ticks=self._late,
                skipped_ticks=self._skipped,
            )
            return episode

    def discard_episode(self) -> None:
        """Stop recording and drop the current episode; the dataset is unchanged."""
        with self._lock:
            self._writer.clear_episode()
            if self._state in ("recording", "saving"):
                self._state = "previewing"

    def latest_frames(self) -> Frames:
        """The newest frame of every stream (keyed by stream key), empty before the first."""
        return self._latest

    def stats(self) -> RecorderStats:
        """Live state and counters; safe to call from any thread at any time."""
        now = time.monotonic()
        times = [t for t in self._read_times if now - t <= _RATE_WINDOW_SECONDS]
        span = now - times[0] if len(times) > 1 else 0.0
        writer = self._writer.recording_stats()
        return RecorderStats(
            state=self._state,
            episode_frames=writer.frames,
            dropped=writer.dropped,
            late=self._late,
            skipped=self._skipped,
            capture_fps=(len(times) - 1) / span if span > 0 else 0.0,
            encoders=writer.encoders,
            error=self._error,
        )

    def close(self) -> None:
        """Stop the loop and the source, drop an unsaved episode, finalize the writer.

        Idempotent; never raises.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            try:
                self._writer.finalize()
            except LeRobotVideoError as err:  # close() never raises; the saved episodes stay
                logger.info("finalizing the dataset failed: %s", err)
            if self._state != "failed":
                self._state = "stopped"
        self._source.stop()

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_running(self) -> None:
        if self._thread is None:
            raise ConfigError("The recorder is not started; call start() first.")
        if self._state in ("failed", "stopped"):
            raise ConfigError(f"The recorder has {self._state}: {self._error or 'closed'}.")

    def _loop(self) -> None:
        next_tick = time.monotonic()
        while not self._stop.is_set():
            wait = next_tick - time.monotonic()
            if wait > 0 and self._stop.wait(wait):
                break
            due = next_tick
            try:
                # A camera may pause (a browser tab in the background); wait for it rather
                # than fail, and let the skipped ticks show the gap.
                frames = self._source.read(
                    timeout_seconds=max(_SOURCE_TIMEOUT_SECONDS, 4 * self._period_seconds)
                )
                self._latest = frames
                self._read_times = [*self._read_times[-200:], time.monotonic()]
                self._record(frames, due)
            except LeRobotVideoError as err:
                self._fail(str(err))
                return
            except Exception as err:  # a source or writer bug must not pass silently
                # The caller sees the error in stats(); the traceback goes to the log.
                logger.info("capture loop failed", exc_info=True)
                self._fail(f"{type(err).__name__}: {err}")
                return
            next_tick = due + self._period_seconds
            behind = int((time.monotonic() - next_tick) // self._period_seconds)
            if behind > 0:  # those moments are gone: skip them rather than burst
                next_tick += behind * self._period_seconds
                if self._state == "recording":
                    self._skipped += behind

    def _record(self, frames: Frames, due: float) -> None:
        if self._state != "recording":  # not waiting for the lock while an episode saves
            return
        with self._lock:
            if self._state != "recording":
                return
            frame: dict[str, npt.NDArray[Any] | str] = {
                self._keys[key]: image for key, image in frames.items() if key in self._keys
            }
            frame["task"] = self._task
            self._writer.add_frame(frame)
            if time.monotonic() > due + self._period_seconds:
                self._late += 1

    def _fail(self, message: str) -> None:
        with self._lock:
            self._error = message
            self._state = "failed"
            self._writer.clear_episode()


def _check_arguments(
    source: object, writer: object, *, task: object, camera: object, fps: object
) -> None:
    """The recorder's arguments, checked before anything is kept (``ConfigError``)."""
    if not isinstance(source, FrameSource):
        raise ConfigError(
            f"source must be a FrameSource (ReplaySource, OpenCVSource...), got {source!r}."
        )
    if not isinstance(writer, DatasetWriter):
        raise ConfigError(
            f"writer must be a DatasetWriter from create_dataset or resume_dataset, got {writer!r}."
        )
    if not isinstance(task, str) or not task.strip():
        raise ConfigError(
            f"The task must be a non-empty text, e.g. 'pick up the cube', got {task!r}."
        )
    if not isinstance(camera, str) or not camera:
        raise ConfigError(f"camera must be a non-empty name, got {camera!r}.")
    if fps is not None:
        check_positive("fps", fps, "frames per second")  # type: ignore[arg-type]
