"""The exception hierarchy (``lerobot_video.errors``).

Covers: every public error is a ``LeRobotVideoError`` and the matching built-in
(``ConfigError`` → ``ValueError``, ``CodecUnavailableError`` → ``LookupError``,
``FrameIndexError`` → ``IndexError``, ``MediaError`` → ``OSError``, ``MetadataError`` →
``ValueError``, ``MergeConflictError`` → ``MetadataError``, ``MissingDependencyError`` →
``ImportError`` and ``DeviceUnavailableError``, ``HubNotFoundError`` → ``FileNotFoundError``,
``HubAccessError`` → ``PermissionError``, ``HubUnreachableError`` → ``ConnectionError``); the
extra attributes (``codec``, ``path``) and ``MediaError``'s plain message; the package exports
them all.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lerobot_video
from lerobot_video import errors
from lerobot_video.errors import (
    CodecUnavailableError,
    ConfigError,
    DeviceUnavailableError,
    FrameIndexError,
    HubAccessError,
    HubNotFoundError,
    HubUnreachableError,
    LeRobotVideoError,
    MediaError,
    MergeConflictError,
    MetadataError,
    MissingDependencyError,
    WorkerLostError,
)

_BASES: list[tuple[type[Exception], type[BaseException]]] = [
    (ConfigError, ValueError),
    (CodecUnavailableError, LookupError),
    (DeviceUnavailableError, LookupError),
    (FrameIndexError, IndexError),
    (MediaError, OSError),
    (MetadataError, ValueError),
    (MergeConflictError, MetadataError),
    (MergeConflictError, ValueError),
    (MissingDependencyError, ImportError),
    (MissingDependencyError, DeviceUnavailableError),
    (HubNotFoundError, FileNotFoundError),
    (HubAccessError, PermissionError),
    (HubUnreachableError, ConnectionError),
    (WorkerLostError, RuntimeError),
]


def _instance(cls: type[Exception]) -> Exception:
    if cls is CodecUnavailableError:
        return cls("no such encoder", codec="h264_nvenc")
    if cls is MediaError:
        return cls("bad file", path=Path("x.mp4"))
    if cls is MissingDependencyError:
        return cls("cv2 is missing", module="cv2", extra="opencv")
    return cls("message")


class TestBases:
    @pytest.mark.parametrize(("cls", "builtin"), _BASES, ids=lambda v: v.__name__)
    def test_error_is_library_error_and_builtin(
        self, cls: type[Exception], builtin: type[BaseException]
    ) -> None:
        assert issubclass(cls, LeRobotVideoError)
        assert issubclass(cls, builtin)
        error = _instance(cls)
        with pytest.raises(builtin):
            raise error
        with pytest.raises(LeRobotVideoError):
            raise error

    def test_every_error_class_in_module_is_covered(self) -> None:
        defined = {
            obj
            for obj in vars(errors).values()
            if isinstance(obj, type)
            and issubclass(obj, Exception)
            and obj.__module__ == errors.__name__
        }
        assert defined == {LeRobotVideoError} | {cls for cls, _ in _BASES}

    def test_errors_are_exported_from_package(self) -> None:
        for cls in {LeRobotVideoError} | {cls for cls, _ in _BASES}:
            assert getattr(lerobot_video, cls.__name__) is cls
            assert cls.__name__ in lerobot_video.__all__

    def test_library_error_is_not_a_builtin_category(self) -> None:
        # Only the subclasses pick a built-in; the root must not claim to be a ValueError.
        assert not issubclass(LeRobotVideoError, ValueError | OSError | LookupError)


class TestAttributes:
    def test_codec_unavailable_keeps_codec(self) -> None:
        error = CodecUnavailableError("Encoder 'h264_nvenc' cannot open", codec="h264_nvenc")
        assert error.codec == "h264_nvenc"
        assert str(error) == "Encoder 'h264_nvenc' cannot open"

    def test_media_error_keeps_path_and_plain_message(self) -> None:
        error = MediaError("'clip.mp4' is corrupt.", path=Path("clip.mp4"))
        assert error.path == Path("clip.mp4")
        # OSError would format "[Errno ...]"; the message must stay as written.
        assert str(error) == "'clip.mp4' is corrupt."

    def test_media_error_path_defaults_to_none(self) -> None:
        assert MediaError("x").path is None
