"""The exception hierarchy of ``lerobot_video``.

Every error is a :class:`LeRobotVideoError` and also the matching built-in, so callers that
only know ``ValueError`` or ``OSError`` keep working.
"""

from __future__ import annotations

import os
from pathlib import Path


class LeRobotVideoError(Exception):
    """Anything this library refused or failed to do."""


class ConfigError(LeRobotVideoError, ValueError):
    """An invalid parameter value or combination of values."""


class CodecUnavailableError(LeRobotVideoError, LookupError):
    """A codec or pixel format that this FFmpeg build does not provide.

    Attributes:
        codec: The codec that was asked for.
    """

    def __init__(self, message: str, *, codec: str) -> None:
        super().__init__(message)
        self.codec = codec


class DeviceUnavailableError(LeRobotVideoError, LookupError):
    """A camera, or the library that drives it, is not present on this machine."""


class MissingDependencyError(DeviceUnavailableError, ImportError):
    """An optional library a feature needs (cv2, pyrealsense2, huggingface_hub, ray) is missing.

    Also a :class:`DeviceUnavailableError`: a camera whose driver library is missing is a
    camera that cannot be used here.

    Attributes:
        module: The import name that failed.
        extra: The ``lerobot-video`` extra that installs it.
    """

    def __init__(self, message: str, *, module: str, extra: str) -> None:
        super().__init__(message)
        self.module = module
        self.extra = extra


class FrameIndexError(LeRobotVideoError, IndexError):
    """A frame index or timestamp outside the stream, or farther than the tolerance."""


class MediaError(LeRobotVideoError, OSError):
    """An unreadable, corrupt or truncated file, or an FFmpeg failure.

    Attributes:
        path: The file concerned, when known.
    """

    def __init__(self, message: str, *, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        # OSError.__str__ would print the errno form; keep our message as written.
        return str(self.args[0]) if self.args else ""


class MetadataError(LeRobotVideoError, ValueError):
    """Malformed or unsupported dataset metadata."""


class MergeConflictError(MetadataError):
    """Datasets that cannot be merged (fps, features or stream kinds differ)."""


class HubNotFoundError(LeRobotVideoError, FileNotFoundError):
    """A Hub repo, revision or file that does not exist (or is private and no token was given)."""


class HubAccessError(LeRobotVideoError, PermissionError):
    """A gated Hub repo, or a token the Hub refused."""


class HubUnreachableError(LeRobotVideoError, ConnectionError):
    """The Hub cannot be reached (network down, or offline without a cached copy)."""


class WorkerLostError(LeRobotVideoError, RuntimeError):
    """A worker process running part of a job stopped before returning.

    It was killed or ran out of memory; the finished parts are kept and a rerun resumes.
    """


def path_argument(value: object, name: str = "path") -> Path:
    """``value`` as a :class:`Path`, refusing what is not a non-empty str or path.

    Used on the first line of public functions that take a file path, so that ``None``,
    numbers or ``""`` (which ``Path`` reads as the current folder) are refused by name.

    Raises:
        ConfigError: ``value`` is not a non-empty ``str`` or ``os.PathLike[str]``.
    """
    text = os.fspath(value) if isinstance(value, str | os.PathLike) else None
    if not isinstance(text, str) or not text or "\0" in text:
        raise ConfigError(f"{name} must be a non-empty file path (str or Path), got {value!r}.")
    return Path(text)
