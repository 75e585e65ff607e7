"""Import an optional heavy library on first use, or say which extra installs it.

The library's hard dependencies stay small (numpy, PyAV, pyarrow, Pillow, scikit-image).
Cameras, the Hub and distributed execution need libraries that most users never load; each
is imported by exactly one module, through :func:`import_optional`, when a feature that
needs it is first used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from lerobot_video.errors import MissingDependencyError


@dataclass(frozen=True, kw_only=True, slots=True)
class OptionalLibrary:
    """How to get one optional library.

    Attributes:
        feature: What it gives, in words ("OpenCV cameras").
        package: The PyPI package that provides the module.
        extra: The ``lerobot-video`` extra that installs it.
        system_note: What the operating system must provide too, or empty.
    """

    feature: str
    package: str
    extra: str
    system_note: str = ""


OPTIONAL_LIBRARIES: dict[str, OptionalLibrary] = {
    "cv2": OptionalLibrary(
        feature="OpenCV cameras", package="opencv-python-headless", extra="opencv"
    ),
    "pyrealsense2": OptionalLibrary(
        feature="RealSense cameras",
        package="pyrealsense2",
        extra="realsense",
        system_note="Debian also needs `apt-get install libusb-1.0-0`",
    ),
    "huggingface_hub": OptionalLibrary(
        feature="Hugging Face Hub access", package="huggingface_hub", extra="hub"
    ),
    "ray": OptionalLibrary(feature="distributed execution", package="ray", extra="distributed"),
}
"""Import name of each optional library to how it is installed."""


def import_optional(module: str) -> ModuleType:
    """Import an optional library, or raise an error that names the package and the extra.

    Args:
        module: An import name listed in :data:`OPTIONAL_LIBRARIES` (``cv2``, ``pyrealsense2``,
            ``huggingface_hub``, ``ray``).

    Returns:
        The imported module.

    Raises:
        MissingDependencyError: The library is not installed or fails to load (a missing
            system library); the message says what to install.
        KeyError: ``module`` is not a known optional library (a programming error).
    """
    library = OPTIONAL_LIBRARIES[module]
    try:
        return importlib.import_module(module)
    except ImportError as err:
        note = f"; {library.system_note}" if library.system_note else ""
        raise MissingDependencyError(
            f"{library.feature} need {module!r}, which is not installed or cannot load ({err}); "
            f"install it with `pip install {library.package}` or "
            f"`pip install 'lerobot-video[{library.extra}]'`{note}.",
            module=module,
            extra=library.extra,
        ) from err
