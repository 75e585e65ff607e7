"""The ``local_hub`` fixture: a :class:`LocalHub` with ``huggingface_hub`` pointed at it.

Imported by ``tests/conftest.py``, so every test can use it (the README's Hub example too).

Setting ``HF_ENDPOINT`` is not enough in-process, because ``huggingface_hub`` (2.4.0, also true
of 1.33.0) reads its environment once, at import. The fixture sets the environment variables (for
subprocesses and for code that reads them later) and patches these import-time copies:

- ``constants.ENDPOINT``: default endpoint of ``HfApi``, ``HfFileSystem``, the upload helpers.
- ``constants.HUGGINGFACE_CO_URL_TEMPLATE``: ``hf_hub_url`` (hence ``hf_hub_download``) formats
  resolve URLs from this template, built from ``ENDPOINT`` at import.
- ``constants.HF_URL_HOSTS``: hosts trusted for redirects and web-URL parsing, built from
  ``ENDPOINT`` at import; 127.0.0.1 is added.
- ``hf_api.api.endpoint``: the module-level ``HfApi()`` behind ``huggingface_hub.repo_info``,
  ``list_repo_refs``, ``upload_folder`` etc. captured ``constants.ENDPOINT`` when it was created.
- ``constants.HF_HOME``, ``HF_HUB_CACHE``, ``HUGGINGFACE_HUB_CACHE``, ``HF_ASSETS_CACHE``,
  ``HF_XET_CACHE``, ``utils._cache_manager.HF_HUB_CACHE`` (a ``from ... import`` copy used by
  ``scan_cache_dir``) and ``utils._cache_assets.HF_ASSETS_CACHE``: downloads go to tmp.
- ``constants.HF_TOKEN_PATH`` / ``HF_STORED_TOKENS_PATH`` (and ``HF_TOKEN`` unset): a token saved
  by ``hf auth login`` on this machine must not be sent, so requests are anonymous unless a test
  passes a token.
- ``constants.HF_HUB_OFFLINE`` = False (tests that need offline mode patch it to True).
- ``constants.HF_HUB_DISABLE_XET`` = True: with ``hf_xet`` installed, 2.4.0 uploads through Xet
  unconditionally (``is_xet_available()`` only looks at this flag and the package), which a local
  server cannot serve; with it the client uses preupload + LFS "basic" + ``/commit``.
- ``constants.HF_HUB_DISABLE_TELEMETRY`` = True: no stray telemetry requests in the request log.
- ``utils.tqdm.HF_HUB_DISABLE_PROGRESS_BARS`` = True (a ``from ... import`` copy): upload and
  download progress bars would otherwise print from worker threads into the test output.

``HfFileSystem`` instances are cached per endpoint and thread, with their listings; the cache is
cleared before and after each test.

``no_backoff_sleep`` makes the client's retry loop (``utils._http.http_backoff``: 5 retries,
sleeping 1, 2, 4, 8, 8 s) skip its sleeps. Tests of a dead server (``hf_hub_download`` retries
its HEAD) or of ``fail_lfs_uploads_after`` (the PUT is retried on 500) take ~23 s without it.
"""

from __future__ import annotations

import importlib
import time
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from .local_hub import LocalHub


@pytest.fixture
def local_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalHub]:
    """A running :class:`LocalHub` on ``tmp_path/hub`` that ``huggingface_hub`` talks to."""
    import huggingface_hub
    import huggingface_hub.hf_api
    import huggingface_hub.utils._cache_assets
    import huggingface_hub.utils._cache_manager
    from huggingface_hub import HfFileSystem, constants
    from huggingface_hub.utils._http import close_session

    hub = LocalHub(tmp_path / "hub")
    endpoint = hub.start()
    home = tmp_path / "hf_home"
    cache = home / "hub"
    cache.mkdir(parents=True)

    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setenv("HF_LEROBOT_HOME", str(home / "lerobot"))

    monkeypatch.setattr(constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(
        constants,
        "HUGGINGFACE_CO_URL_TEMPLATE",
        endpoint + "/{repo_id}/resolve/{revision}/{filename}",
    )
    monkeypatch.setattr(constants, "HF_URL_HOSTS", constants.HF_URL_HOSTS | {"127.0.0.1"})
    monkeypatch.setattr(huggingface_hub.hf_api.api, "endpoint", endpoint)
    monkeypatch.setattr(constants, "HF_HOME", str(home))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HUGGINGFACE_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_ASSETS_CACHE", str(home / "assets"))
    monkeypatch.setattr(constants, "HF_XET_CACHE", str(home / "xet"))
    monkeypatch.setattr(huggingface_hub.utils._cache_manager, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(
        huggingface_hub.utils._cache_assets, "HF_ASSETS_CACHE", str(home / "assets")
    )
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(home / "token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(home / "stored_tokens"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    # `huggingface_hub.utils.tqdm` is shadowed by the tqdm class the package re-exports.
    tqdm_module = importlib.import_module("huggingface_hub.utils.tqdm")
    monkeypatch.setattr(tqdm_module, "HF_HUB_DISABLE_PROGRESS_BARS", True)

    HfFileSystem.clear_instance_cache()
    try:
        yield hub
    finally:
        HfFileSystem.clear_instance_cache()
        hub.stop()
        # Pooled keep-alive connections point at this server's port; drop them.
        close_session()


@pytest.fixture
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip the sleeps of ``huggingface_hub``'s retry-with-backoff loop."""
    import huggingface_hub.utils._http as hf_http

    # Only the client module's view of `time` changes; the server and other code keep real sleeps.
    fast = types.SimpleNamespace(**{k: getattr(time, k) for k in dir(time) if k[0] != "_"})
    fast.sleep = lambda _seconds: None
    monkeypatch.setattr(hf_http, "time", fast)
