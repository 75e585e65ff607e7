"""Writing a file atomically, with the mode ``open()`` would give it (not ``mkstemp``'s 0o600).

Every file the library writes goes through a temporary file (``tempfile.mkstemp``, private to
its owner) renamed into place when complete. Renamed as it is, a dataset shared on a machine
would be unreadable to everyone else; each writer sets :func:`new_file_mode` before the rename.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

_PROC_STATUS = Path("/proc/self/status")  # Linux 4.7+ lists the process's umask here
_FALLBACK_UMASK = 0o022  # the usual default, where the umask cannot be read


def current_umask() -> int:
    """The process's umask, read without changing it.

    ``os.umask`` can only read the mask by setting a new one, and the mask is shared by every
    thread: another thread creating a file between the two calls would get the wrong mode.
    Linux reports the mask in ``/proc/self/status``; elsewhere this assumes the usual 0o022.
    """
    # No /proc (macOS, Windows, a sandbox), or a line this does not know: the fallback.
    with (
        contextlib.suppress(OSError, ValueError, IndexError),
        _PROC_STATUS.open(encoding="ascii") as status,
    ):
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return _FALLBACK_UMASK


def new_file_mode() -> int:
    """The permission bits ``open()`` gives a new file here: 0o666 less the umask.

    Typically 0o644, so other users of a shared machine can read a dataset.
    """
    return 0o666 & ~current_umask()


def write_atomically(path: Path, write: Callable[[Path], object], *, durable: bool = True) -> None:
    """Call ``write(temp_path)`` on a temporary file beside ``path``, then move it into place.

    Readers see either the old file or the complete new one, never a partial file; with
    ``durable`` the data is flushed to disk before the rename so a power cut cannot leave an
    empty file behind (without it, for files inside a folder that is itself renamed into place
    later, which is the commit point). The parent folders are created when missing. The file
    gets the mode a new file gets here (:func:`new_file_mode`), not ``mkstemp``'s 0o600.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".partial", dir=path.parent
    )
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        write(temp_path)
        if durable:
            with temp_path.open("rb+") as stream:
                os.fsync(stream.fileno())
        # Set after ``write``, which may have replaced the temporary file with its own.
        os.chmod(temp_path, new_file_mode())
        os.replace(temp_path, path)
    finally:
        temp_path.unlink(missing_ok=True)
