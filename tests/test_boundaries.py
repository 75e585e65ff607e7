"""The library and the UI stay in their rooms: no gradio in ``lerobot_video``; no ``av`` and no
private ``lerobot_video`` names in ``app.py`` and ``components/``; the UI uses only ``__all__``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lerobot_video

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = sorted((ROOT / "lerobot_video").rglob("*.py"))
UI = [ROOT / "app.py", *sorted((ROOT / "components").rglob("*.py"))]


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def test_files_are_scanned() -> None:
    assert len(LIBRARY) >= 10
    assert len(UI) >= 5


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
def test_library_never_imports_gradio(path: Path) -> None:
    modules = [module for module, _ in _imports(path)]
    assert not [m for m in modules if m.split(".")[0] in ("gradio", "plotly", "components")]


@pytest.mark.parametrize("path", UI, ids=lambda p: p.name)
def test_ui_never_imports_av_or_private_library_names(path: Path) -> None:
    for module, names in _imports(path):
        assert module.split(".")[0] != "av", f"{path.name} imports {module}"
        if module.startswith("lerobot_video"):
            assert module == "lerobot_video", f"{path.name} imports {module}; use the package"
            unknown = set(names) - set(lerobot_video.__all__)
            assert not unknown, f"{path.name} imports non-public names {unknown}"
