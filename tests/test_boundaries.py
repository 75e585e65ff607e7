"""The house's rooms and which may import which, read from the code's own import statements.

Rules (STYLE §B2, §B9):

- rooms and their rank: the pure core (``errors``; ``optional``, ``depth``, ``metrics``;
  ``config``), ``codec/``, then ``clips``, ``preview`` and ``dataset/``, then ``capture/`` and
  ``study/``, then ``cli``. A module may import its own room, or a room of lower rank; rooms
  of the same rank do not import each other.
- ``cli`` (a package: every ``lerobot_video.cli.*`` module is in the one room) and
  ``__main__`` sit at the edge and use the library as its users do: they may import the
  package itself (``from lerobot_video import ...``, floor 8), but only names in its
  ``__all__``;
- only ``codec/`` imports ``av``; nothing in the library imports ``gradio``, ``plotly`` or
  ``components``;
- optional heavy libraries (``cv2``, ``pyrealsense2``, ``huggingface_hub``, ``ray``) are never
  imported by name: :func:`lerobot_video.optional.import_optional` loads them, and each is asked
  for by one module only;
- no private name (``_x``) and no private module is imported from another room;
- ``app.py`` and ``components/`` import ``lerobot_video`` only as the package, only names in
  ``__all__``, and never ``av``.

The checker is a plain function over a folder, so the tests at the end run it on small
fabricated trees that break each rule and assert that it reports them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import lerobot_video

ROOT = Path(__file__).resolve().parents[1]

RANKS: dict[str, int] = {
    "errors": 0,
    "optional": 1,
    "depth": 1,
    "metrics": 1,
    "executor": 2,
    "config": 2,
    "codec": 3,
    "clips": 4,
    "preview": 4,
    "dataset": 4,
    "capture": 5,
    "study": 5,
    "cli": 6,
    "__main__": 7,
    "__init__": 8,
}
"""Room (a top-level module or a subpackage of ``lerobot_video``) to its floor in the house."""

PUBLIC_API_ROOMS = ("cli", "__main__")
"""Edge rooms that may import the package's public names (``lerobot_video.__all__``)."""

OPTIONAL_LIBRARIES = ("cv2", "pyrealsense2", "huggingface_hub", "ray")
UI_FORBIDDEN = ("av",)
LIBRARY_FORBIDDEN = ("gradio", "plotly", "components")


@dataclass(frozen=True)
class Import:
    """One imported module (absolute), the names taken from it, and where."""

    module: str
    names: tuple[str, ...]
    line: int


def imports_of(path: Path, package: str) -> list[Import]:
    """Every import statement of a file, relative ones made absolute within ``package``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, (), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, module] if module else base)
            found.append(Import(module, tuple(a.name for a in node.names), node.lineno))
    return found


def dynamic_imports(path: Path) -> list[tuple[str, int]]:
    """``importlib.import_module("x")`` and ``import_optional("x")`` calls with a literal."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name | ast.Attribute)
            and (node.func.id if isinstance(node.func, ast.Name) else node.func.attr)
            in ("import_module", "import_optional")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.args[0].value, node.lineno))
    return found


def room_of(module: str) -> str | None:
    """``lerobot_video.codec.decode`` -> ``codec``; None outside the library."""
    parts = module.split(".")
    if parts[0] != "lerobot_video":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _module_name(path: Path, root: Path) -> tuple[str, str]:
    """Dotted module name of a library file, and the package relative imports start from."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]) or parts[0], ".".join(parts[:-1])
    return ".".join(parts), ".".join(parts[:-1])


def public_names(root: Path) -> set[str]:
    """``__all__`` of ``root/lerobot_video/__init__.py``; without one, the names it imports."""
    path = root / "lerobot_video" / "__init__.py"
    if not path.exists():
        return set()
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return {str(e.value) for e in node.value.elts if isinstance(e, ast.Constant)}
    return {name for imp in imports_of(path, "lerobot_video") for name in imp.names}


def library_violations(root: Path) -> list[str]:
    """Every broken rule in ``root/lerobot_video``, one line each (empty when all hold)."""
    library = root / "lerobot_video"
    public = public_names(root)
    problems: list[str] = []
    optional_users: dict[str, set[str]] = {}
    for path in sorted(library.rglob("*.py")):
        name, package = _module_name(path, root)
        own = room_of(name) or "__init__"
        where = f"{path.relative_to(root)}"
        if own not in RANKS:
            problems.append(f"{where}: room {own!r} has no place in the house (RANKS)")
            continue
        for imp in imports_of(path, package):
            top = imp.module.split(".")[0]
            if top == "av" and own != "codec":
                problems.append(f"{where}:{imp.line}: imports av outside codec/")
            if top in LIBRARY_FORBIDDEN:
                problems.append(f"{where}:{imp.line}: the library imports {top}")
            if top in OPTIONAL_LIBRARIES:
                problems.append(
                    f"{where}:{imp.line}: imports optional {top} by name; use import_optional"
                )
            problems.extend(_room_problems(where, own, imp, public))
        for module, line in dynamic_imports(path):
            top = module.split(".")[0]
            if top == "av" and own != "codec":
                problems.append(f"{where}:{line}: imports av outside codec/")
            if top in OPTIONAL_LIBRARIES:
                optional_users.setdefault(top, set()).add(where)
    for library_name, users in sorted(optional_users.items()):
        if len(users) > 1:
            problems.append(f"{library_name} is loaded by {len(users)} modules: {sorted(users)}")
    return problems


def _room_problems(where: str, own: str, imp: Import, public: set[str]) -> list[str]:
    target = room_of(imp.module)
    if target is None or target == own:
        return []
    if target == "__init__" and own in PUBLIC_API_ROOMS:
        unknown = sorted(set(imp.names) - public)
        return [f"{where}:{imp.line}: imports non-public names {unknown}"] if unknown else []
    if target not in RANKS:
        return [f"{where}:{imp.line}: imports {imp.module}, a room with no place in the house"]
    problems = []
    if RANKS[target] >= RANKS[own]:
        problems.append(
            f"{where}:{imp.line}: {own} (floor {RANKS[own]}) imports {imp.module} "
            f"(floor {RANKS[target]}); imports go downwards only"
        )
    private_parts = [p for p in imp.module.split(".")[1:] if p.startswith("_")]
    private_names = [n for n in imp.names if n.startswith("_")]
    if private_parts or private_names:
        problems.append(
            f"{where}:{imp.line}: imports private {imp.module} {private_names or ''} from "
            f"another room"
        )
    return problems


def ui_violations(paths: list[Path], public: set[str]) -> list[str]:
    """Every broken UI rule in ``paths`` (app.py and components/), one line each."""
    problems = []
    for path in paths:
        for imp in imports_of(path, "components"):
            top = imp.module.split(".")[0]
            if top in UI_FORBIDDEN:
                problems.append(f"{path.name}:{imp.line}: the UI imports {imp.module}")
            if top == "lerobot_video":
                if imp.module != "lerobot_video":
                    problems.append(
                        f"{path.name}:{imp.line}: imports {imp.module}; use the package"
                    )
                unknown = sorted(set(imp.names) - public)
                if unknown:
                    problems.append(f"{path.name}:{imp.line}: non-public names {unknown}")
        for module, line in dynamic_imports(path):
            if module.split(".")[0] in (*UI_FORBIDDEN, "lerobot_video"):
                problems.append(f"{path.name}:{line}: imports {module} dynamically")
    return problems


UI_FILES = [ROOT / "app.py", *sorted((ROOT / "components").rglob("*.py"))]


class TestTheHouse:
    def test_every_library_file_is_in_a_room(self) -> None:
        files = list((ROOT / "lerobot_video").rglob("*.py"))
        rooms = {room_of(_module_name(p, ROOT)[0]) for p in files}
        assert len(files) >= 30
        assert {"codec", "dataset", "capture", "study", "config", "depth"} <= rooms

    def test_library_keeps_the_dependency_direction(self) -> None:
        assert library_violations(ROOT) == []

    def test_ui_uses_only_public_names(self) -> None:
        assert len(UI_FILES) >= 8
        assert ui_violations(UI_FILES, set(lerobot_video.__all__)) == []

    def test_each_optional_library_has_one_loader(self) -> None:
        users = {
            module: path.relative_to(ROOT).as_posix()
            for path in (ROOT / "lerobot_video").rglob("*.py")
            for module, _ in dynamic_imports(path)
            if module in OPTIONAL_LIBRARIES
        }
        assert set(users) >= {"cv2", "pyrealsense2"}


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A fake checkout: ``lerobot_video/...`` files with the given sources."""
    for relative, source in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return tmp_path


CLEAN = {
    "lerobot_video/__init__.py": "from lerobot_video.codec.decode import decode_frames\n",
    "lerobot_video/errors.py": "",
    "lerobot_video/config.py": "from lerobot_video.errors import ConfigError\n",
    "lerobot_video/codec/__init__.py": "",
    "lerobot_video/codec/decode.py": "import av\nfrom ._pyav import open_input\n",
    "lerobot_video/codec/_pyav.py": "import av\n",
    "lerobot_video/dataset/__init__.py": "",
    "lerobot_video/dataset/reader.py": "from lerobot_video.codec.decode import decode_frames\n",
    "lerobot_video/capture/__init__.py": "",
    "lerobot_video/capture/recorder.py": "from lerobot_video.dataset.reader import open_dataset\n",
}


class TestTheCheckerCatchesViolations:
    """Each deliberate violation below must be reported; the clean tree must not be."""

    def test_clean_tree_passes(self, tmp_path: Path) -> None:
        assert library_violations(_tree(tmp_path, CLEAN)) == []

    @pytest.mark.parametrize(
        ("path", "source", "expected"),
        [
            ("lerobot_video/dataset/streaming.py", "import av\n", "imports av outside codec/"),
            (
                "lerobot_video/dataset/resume.py",
                "from av.codec import Codec\n",
                "imports av outside codec/",
            ),
            (
                "lerobot_video/capture/cams.py",
                "import importlib\nimportlib.import_module('av')\n",
                "imports av outside codec/",
            ),
            (
                "lerobot_video/codec/encode.py",
                "from lerobot_video.dataset.reader import open_dataset\n",
                "imports go downwards only",
            ),
            (
                "lerobot_video/capture/sources.py",
                "from lerobot_video.study.depth_lab import DepthClip\n",
                "imports go downwards only",
            ),
            (
                "lerobot_video/depth.py",
                "from lerobot_video.config import DepthEncoderConfig\n",
                "imports go downwards only",
            ),
            (
                "lerobot_video/dataset/streaming.py",
                "from lerobot_video.codec._pyav import quiet_options\n",
                "imports private lerobot_video.codec._pyav",
            ),
            (
                "lerobot_video/capture/devices.py",
                "from lerobot_video.dataset.reader import _to_numpy\n",
                "imports private",
            ),
            ("lerobot_video/capture/cam.py", "import cv2\n", "imports optional cv2 by name"),
            ("lerobot_video/metrics.py", "import gradio as gr\n", "the library imports gradio"),
            ("lerobot_video/kitchen.py", "", "has no place in the house"),
        ],
    )
    def test_violation_is_reported(
        self, tmp_path: Path, path: str, source: str, expected: str
    ) -> None:
        root = _tree(tmp_path, {**CLEAN, path: source})
        problems = library_violations(root)
        assert any(expected in p for p in problems), problems

    def test_the_cli_may_use_the_public_api(self, tmp_path: Path) -> None:
        cli = {
            "lerobot_video/cli/__init__.py": "from lerobot_video.cli import info\n",
            "lerobot_video/cli/info.py": "from lerobot_video import decode_frames\n",
        }
        assert library_violations(_tree(tmp_path, {**CLEAN, **cli})) == []

    @pytest.mark.parametrize(
        ("path", "source", "expected"),
        [
            (
                "lerobot_video/cli/info.py",
                "from lerobot_video import decode_frames, _helper\n",
                "imports non-public names ['_helper']",
            ),
            (
                "lerobot_video/dataset/writer.py",
                "from lerobot_video import decode_frames\n",
                "imports go downwards only",
            ),
        ],
    )
    def test_only_edge_rooms_use_the_public_api_and_only_its_names(
        self, tmp_path: Path, path: str, source: str, expected: str
    ) -> None:
        root = _tree(tmp_path, {**CLEAN, "lerobot_video/cli/__init__.py": "", path: source})
        problems = library_violations(root)
        assert any(expected in p for p in problems), problems

    def test_relative_import_of_a_higher_room_is_reported(self, tmp_path: Path) -> None:
        root = _tree(
            tmp_path,
            {**CLEAN, "lerobot_video/codec/probe.py": "from ..dataset import reader\n"},
        )
        assert any("imports go downwards only" in p for p in library_violations(root))

    def test_two_loaders_of_one_optional_library_are_reported(self, tmp_path: Path) -> None:
        loader = "from lerobot_video.optional import import_optional\nimport_optional('cv2')\n"
        root = _tree(
            tmp_path,
            {
                **CLEAN,
                "lerobot_video/optional.py": "",
                "lerobot_video/capture/a.py": loader,
                "lerobot_video/capture/b.py": loader,
            },
        )
        assert any("cv2 is loaded by 2 modules" in p for p in library_violations(root))

    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("import av\n", "the UI imports av"),
            ("from lerobot_video.codec.decode import decode_frames\n", "use the package"),
            ("from lerobot_video import _private_helper\n", "non-public names"),
            ("import importlib\nimportlib.import_module('av')\n", "imports av dynamically"),
        ],
    )
    def test_ui_violation_is_reported(self, tmp_path: Path, source: str, expected: str) -> None:
        path = tmp_path / "tab.py"
        path.write_text(source)
        problems = ui_violations([path], {"decode_frames"})
        assert any(expected in p for p in problems), problems
