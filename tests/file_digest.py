"""A folder's files and their SHA-256: how tests show an operation left its inputs untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path


def digest(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path) to the SHA-256 of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
