"""Optional libraries (``lerobot_video.optional``): loaded on first use, or a clear error.

Covers: an installed optional library is returned as the module itself; a missing one (the
import fails, as without the package or its system library) raises ``MissingDependencyError``
(also an ``ImportError`` and a ``DeviceUnavailableError``) whose message names the feature,
the ``pip install`` and the extra, with ``module``/``extra`` attributes; every listed extra
exists in ``pyproject.toml``; an unknown name is a programming error (``KeyError``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lerobot_video import DeviceUnavailableError, MissingDependencyError
from lerobot_video.optional import OPTIONAL_LIBRARIES, import_optional

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11; CI runs 3.11
PYPROJECT = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())


def _failing_import(missing: str) -> object:
    real = importlib.import_module

    def fake(name: str, package: str | None = None) -> ModuleType:
        if name == missing:
            raise ImportError(f"No module named {missing!r}")
        return real(name, package)

    return fake


def test_installed_library_is_the_module_itself() -> None:
    # The app extra, which the test suite needs anyway, installs the Hub client.
    assert import_optional("huggingface_hub") is sys.modules["huggingface_hub"]


@pytest.mark.parametrize("module", sorted(OPTIONAL_LIBRARIES))
def test_missing_library_names_the_package_and_the_extra(
    monkeypatch: pytest.MonkeyPatch, module: str
) -> None:
    library = OPTIONAL_LIBRARIES[module]
    monkeypatch.setattr(importlib, "import_module", _failing_import(module))
    with pytest.raises(MissingDependencyError) as caught:
        import_optional(module)
    message = str(caught.value)
    assert library.feature in message
    assert f"pip install {library.package}" in message
    assert f"lerobot-video[{library.extra}]" in message
    assert (caught.value.module, caught.value.extra) == (module, library.extra)
    assert isinstance(caught.value, ImportError)
    assert isinstance(caught.value, DeviceUnavailableError)


@pytest.mark.parametrize("module", sorted(OPTIONAL_LIBRARIES))
def test_every_extra_exists_and_installs_the_package(module: str) -> None:
    library = OPTIONAL_LIBRARIES[module]
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert library.extra in extras
    assert any(spec.startswith(library.package) for spec in extras[library.extra])


def test_unknown_library_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        import_optional("tensorflow")
