"""A small local stand-in for the Hugging Face Hub HTTP API, for tests and benchmarks.

Point ``huggingface_hub`` at it with ``HF_ENDPOINT=http://127.0.0.1:<port>`` (see
``tests/hub/conftest.py`` for the module-level copies that must be patched in-process). It speaks
the endpoints that ``huggingface_hub`` 2.4.0 (our ``.venv``) and 1.33.0 (the LeRobot 0.6.1 env)
call to read and push dataset repos: repo info, refs, tree, paths-info, commits, ``resolve`` with
HTTP Range, whoami, create repo, preupload, the LFS batch API with the "basic" transfer, the
NDJSON commit endpoint and tags. Errors carry the ``X-Error-Code`` header the client maps to its
typed exceptions. It is standard library only, so it runs under any Python >= 3.10.

Run it as ``python tests/hub/local_hub.py --root DIR [--port 0] [--port-file FILE]``, or use
:class:`LocalHub` in-process. All repo state lives on disk under the root, so a second process
can publish with ``LocalHub(root).publish(...)`` without starting a server; request statistics
and fault hooks live in the serving process (statistics are also at ``GET /_local/stats`` and
``POST /_local/reset``).

Layout under the root::

    tokens.json                          {token: {"user": str, "write": bool}}
    datasets/<ns>/<name>/settings.json   {"private", "gated", "read_tokens", "write_tokens"}
    datasets/<ns>/<name>/refs.json       {"branches": {"main": sha}, "tags": {"v3.0": sha}}
    datasets/<ns>/<name>/commits/<sha>.json   parent, message, date and the file table
    datasets/<ns>/<name>/blobs/<sha256>  content-addressed file contents (regular and LFS)

(``models/`` and ``spaces/`` use the same layout.) A file-table entry is
``{"size", "sha256", "oid", "lfs"}`` where ``oid`` is the git blob sha1 the Hub reports (of the
content for regular files, of the LFS pointer for LFS files) and the blob is ``blobs/<sha256>``.
A newly created repo has one empty initial commit on ``main`` (the real Hub adds a
``.gitattributes`` file; we leave it out so a snapshot holds exactly what was pushed).

Xet: ``huggingface_hub`` 2.4.0 (and 1.33.0 alike) uploads through Xet whenever the ``hf_xet``
package is importable (``utils._runtime.is_xet_available``); the LFS batch answer cannot turn
that off, so a client pushing to this server must set ``HF_HUB_DISABLE_XET=1`` (the
``local_hub`` fixture patches ``constants.HF_HUB_DISABLE_XET``). Otherwise its first Xet call,
``xet-write-token``, gets a 501 naming that variable. With Xet disabled the client uses
preupload + LFS batch "basic" + ``/commit``. Downloads need nothing: the server never sends
``X-Xet-*`` headers, an ``xet-auth`` link or a ``xetHash`` in tree entries, so the client always
uses the plain ``resolve`` GET.

olah evaluation (0.5.4 wheel, downloaded but not installed): olah is a read-through mirror whose
"local repos" mode serves real git repositories through GitPython (LFS pointers inside git), and
it needs FastAPI, uvicorn, httpx, pydantic, peewee and ~15 more packages. It implements only read
routes (info, refs, tree, paths-info, commits, resolve) and none of create-repo, preupload, LFS
batch, commit or tag, so it could not serve the push tests, and it would force every test
fixture to build git repos; hence this small server.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import re
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO, TypedDict
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["HubError", "LocalHub"]

#: Files above this size are LFS files, as on the Hub.
LFS_SIZE_THRESHOLD = 10 * 1024 * 1024
#: Extensions the Hub's default ``.gitattributes`` routes to LFS whatever their size.
LFS_SUFFIXES = frozenset(
    {
        ".mp4",
        ".mkv",
        ".avi",
        ".webm",
        ".mov",
        ".parquet",
        ".arrow",
        ".npz",
        ".npy",
        ".pt",
        ".pth",
        ".bin",
        ".safetensors",
        ".zip",
        ".tar",
        ".gz",
        ".png",
        ".jpg",
        ".jpeg",
        ".wav",
    }
)
#: URL path segment -> repo type as the client names it.
REPO_TYPES = {"datasets": "dataset", "models": "model", "spaces": "space"}
_CHUNK = 1024 * 1024
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_COMMIT_RE = re.compile(r"[0-9a-f]{40}")
_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")


class FileRecord(TypedDict):
    """One file of a commit's file table."""

    size: int
    sha256: str
    oid: str
    lfs: bool


class HubError(Exception):
    """An HTTP error answered the way the Hub answers it.

    Args:
        status: HTTP status code.
        message: Human-readable message (JSON ``error`` field and ``X-Error-Message``).
        code: Value of ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``, ``EntryNotFound``,
            ``GatedRepo``), which ``huggingface_hub`` maps to its typed errors.
        headers: Extra response headers.
        body: Extra JSON body fields.
    """

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})
        self.body = dict(body or {})


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _lfs_pointer(sha256: str, size: int) -> bytes:
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()
    )


def _file_record(sha256: str, size: int, lfs: bool, git_sha1: str) -> FileRecord:
    oid = _git_blob_sha1(_lfs_pointer(sha256, size)) if lfs else git_sha1
    return FileRecord(size=size, sha256=sha256, oid=oid, lfs=lfs)


def wants_lfs(path: str, size: int, sample: bytes) -> bool:
    """Decide "lfs" vs "regular" roughly as the Hub does.

    Args:
        path: Path in the repo.
        size: File size in bytes.
        sample: The first bytes of the file (the client sends 512).

    Returns:
        True for files over 10 MB, known binary extensions, or content with NUL bytes.
    """
    if size == 0:
        return False  # the client commits empty files as regular ones anyway
    suffix = os.path.splitext(path)[1].lower()
    return size > LFS_SIZE_THRESHOLD or suffix in LFS_SUFFIXES or b"\0" in sample


def _split_repo_id(repo_id: str) -> tuple[str, str]:
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts) or any(p in (".", "..") for p in parts):
        raise ValueError(f"repo_id must be 'namespace/name', got {repo_id!r}")
    return parts[0], parts[1]


def _type_dir(repo_type: str) -> str:
    for segment, name in REPO_TYPES.items():
        if name == repo_type:
            return segment
    raise ValueError(f"unknown repo_type {repo_type!r}")


class RepoStore:
    """On-disk repos under one root; every metadata change happens under one lock.

    Args:
        root: Folder holding ``tokens.json`` and the ``datasets/``, ``models/``, ``spaces/`` trees.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        # Re-entrant because helpers that commit call other locked helpers.
        self.lock = threading.RLock()

    # -- paths and small JSON files ---------------------------------------------------------------

    def repo_dir(self, type_dir: str, repo_id: str) -> Path:
        """Folder of a repo (it may not exist)."""
        ns, name = _split_repo_id(repo_id)
        return self.root / type_dir / ns / name

    @staticmethod
    def _read_json(path: Path) -> Any:
        with path.open(encoding="utf-8") as f:
            return json.load(f)

    @staticmethod
    def _write_json(path: Path, data: Any) -> None:
        # Write-then-rename so a reader in another thread or process never sees half a file.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)

    def exists(self, type_dir: str, repo_id: str) -> bool:
        """Whether the repo exists."""
        return (self.repo_dir(type_dir, repo_id) / "refs.json").is_file()

    def settings(self, type_dir: str, repo_id: str) -> dict[str, Any]:
        """The repo's ``settings.json``."""
        data: dict[str, Any] = self._read_json(self.repo_dir(type_dir, repo_id) / "settings.json")
        return data

    def write_settings(self, type_dir: str, repo_id: str, settings: Mapping[str, Any]) -> None:
        """Replace the repo's ``settings.json``."""
        self._write_json(self.repo_dir(type_dir, repo_id) / "settings.json", dict(settings))

    def refs(self, type_dir: str, repo_id: str) -> dict[str, dict[str, str]]:
        """The repo's branches and tags."""
        data: dict[str, dict[str, str]] = self._read_json(
            self.repo_dir(type_dir, repo_id) / "refs.json"
        )
        return data

    def write_refs(self, type_dir: str, repo_id: str, refs: Mapping[str, Any]) -> None:
        """Replace the repo's ``refs.json``."""
        self._write_json(self.repo_dir(type_dir, repo_id) / "refs.json", dict(refs))

    def commit(self, type_dir: str, repo_id: str, sha: str) -> dict[str, Any]:
        """A commit's JSON: id, parent, message, description, date and files."""
        data: dict[str, Any] = self._read_json(
            self.repo_dir(type_dir, repo_id) / "commits" / f"{sha}.json"
        )
        return data

    def tokens(self) -> dict[str, dict[str, Any]]:
        """Known tokens: ``{token: {"user": str, "write": bool}}``."""
        path = self.root / "tokens.json"
        if not path.is_file():
            return {}
        data: dict[str, dict[str, Any]] = self._read_json(path)
        return data

    def add_token(self, token: str, user: str, write: bool) -> None:
        """Register a token."""
        with self.lock:
            tokens = self.tokens()
            tokens[token] = {"user": user, "write": write}
            self._write_json(self.root / "tokens.json", tokens)

    # -- repos, revisions, commits ----------------------------------------------------------------

    def create_repo(
        self, type_dir: str, repo_id: str, *, private: bool = False, gated: bool = False
    ) -> bool:
        """Create a repo with an empty initial commit on ``main``; False when it already exists."""
        with self.lock:
            if self.exists(type_dir, repo_id):
                return False
            settings = {
                "private": private,
                "gated": gated,
                "read_tokens": None,
                "write_tokens": None,
                "created_at": _now_iso(),
            }
            self.write_settings(type_dir, repo_id, settings)
            self.write_refs(type_dir, repo_id, {"branches": {}, "tags": {}})
            self.new_commit(type_dir, repo_id, "main", {}, "initial commit")
            return True

    def resolve(self, type_dir: str, repo_id: str, revision: str) -> str | None:
        """Commit sha of a branch, tag or full commit sha; None when unknown."""
        refs = self.refs(type_dir, repo_id)
        if revision in refs["branches"]:
            return refs["branches"][revision]
        if revision in refs["tags"]:
            return refs["tags"][revision]
        if _COMMIT_RE.fullmatch(revision) and self.has_commit(type_dir, repo_id, revision):
            return revision
        return None

    def has_commit(self, type_dir: str, repo_id: str, sha: str) -> bool:
        """Whether the commit exists in the repo."""
        return (self.repo_dir(type_dir, repo_id) / "commits" / f"{sha}.json").is_file()

    def files(self, type_dir: str, repo_id: str, sha: str) -> dict[str, FileRecord]:
        """File table of a commit."""
        files: dict[str, FileRecord] = self.commit(type_dir, repo_id, sha)["files"]
        return files

    def new_commit(
        self,
        type_dir: str,
        repo_id: str,
        branch: str,
        files: Mapping[str, FileRecord] | Callable[[dict[str, FileRecord]], dict[str, FileRecord]],
        message: str,
        description: str = "",
        expected_parent: str | None = None,
    ) -> str:
        """Commit a new file table (or a function of the branch head's table) on a branch.

        Returns:
            The new commit sha.

        Raises:
            HubError: 412 when ``expected_parent`` is not the branch head.
        """
        with self.lock:
            refs = self.refs(type_dir, repo_id)
            parent = refs["branches"].get(branch)
            if (
                expected_parent is not None
                and parent is not None
                and not parent.startswith(expected_parent)
            ):
                raise HubError(412, f"Parent commit {expected_parent} is not the head of {branch}")
            if callable(files):
                base = self.files(type_dir, repo_id, parent) if parent else {}
                table = files(dict(base))
            else:
                table = dict(files)
            seed = f"{parent}\n{message}\n{time.time_ns()}\n{uuid.uuid4().hex}\n"
            digest = hashlib.sha1(seed.encode() + json.dumps(table, sort_keys=True).encode())
            sha = digest.hexdigest()
            commit: dict[str, Any] = {
                "id": sha,
                "parent": parent,
                "message": message,
                "description": description,
                "date": _now_iso(),
                "files": table,
            }
            self._write_json(self.repo_dir(type_dir, repo_id) / "commits" / f"{sha}.json", commit)
            refs["branches"][branch] = sha
            self.write_refs(type_dir, repo_id, refs)
            return sha

    def rewrite_file(
        self, type_dir: str, repo_id: str, sha: str, path: str, record: FileRecord
    ) -> None:
        """Replace one file of an existing commit in place (fault injection only)."""
        with self.lock:
            commit = self.commit(type_dir, repo_id, sha)
            commit["files"][path] = record
            self._write_json(self.repo_dir(type_dir, repo_id) / "commits" / f"{sha}.json", commit)

    # -- blobs ------------------------------------------------------------------------------------

    def blob_path(self, type_dir: str, repo_id: str, sha256: str) -> Path:
        """Where the content with this sha256 is (or would be) stored."""
        return self.repo_dir(type_dir, repo_id) / "blobs" / sha256

    def has_blob(self, type_dir: str, repo_id: str, sha256: str) -> bool:
        """Whether content with this sha256 is stored for the repo."""
        return self.blob_path(type_dir, repo_id, sha256).is_file()

    def store_stream(
        self, type_dir: str, repo_id: str, chunks: Iterable[bytes]
    ) -> tuple[str, int, str]:
        """Store streamed content; returns ``(sha256, size, git blob sha1)``.

        The git sha1 needs the size up front, so it is computed from the stored file afterwards
        only for small files (regular files are at most 10 MB); for larger ones it is left empty.
        """
        blobs = self.repo_dir(type_dir, repo_id) / "blobs"
        blobs.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=blobs, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            sha256 = digest.hexdigest()
            git_sha1 = ""
            if size <= LFS_SIZE_THRESHOLD:
                git_sha1 = _git_blob_sha1(Path(tmp_name).read_bytes())
            os.replace(tmp_name, blobs / sha256)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        return sha256, size, git_sha1

    def store_bytes(self, type_dir: str, repo_id: str, data: bytes) -> tuple[str, int, str]:
        """Store content; returns ``(sha256, size, git blob sha1)``."""
        return self.store_stream(type_dir, repo_id, [data])


class LocalHub:
    """A Hub-compatible HTTP server over a folder of repos, plus helpers to set it up in tests.

    Repo ids are ``"namespace/name"``; helpers default to dataset repos (``repo_type``).

    Args:
        root: Folder for repos and tokens (created if missing).
        host: Interface to bind.
        port: Port to bind; 0 picks a free one.
    """

    def __init__(self, root: Path | str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = RepoStore(Path(root))
        self.host = host
        self.port = port
        self._server: _HubServer | None = None
        self._thread: threading.Thread | None = None
        self._stats_lock = threading.Lock()
        self._bytes_served = 0
        self._requests: list[tuple[str, str, str | None]] = []
        self._lfs_put_count = 0
        self._fail_lfs_after: int | None = None
        self._refuse_status: int | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        """The folder holding the repos."""
        return self.store.root

    @property
    def endpoint(self) -> str:
        """``http://host:port`` of the running server."""
        if self._server is None:
            raise RuntimeError("LocalHub is not running")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def _bind(self) -> _HubServer:
        server = _HubServer((self.host, self.port), _Handler)
        server.hub = self
        self._server = server
        # Keep the port so a restart after stop() comes back on the same endpoint.
        self.port = int(server.server_address[1])
        return server

    def start(self) -> str:
        """Serve in a daemon thread.

        Returns:
            The endpoint URL, ``http://127.0.0.1:PORT``.
        """
        if self._server is not None:
            return self.endpoint
        server = self._bind()
        self._thread = threading.Thread(
            target=server.serve_forever, name="local-hub", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self.endpoint

    def serve_forever(self, port_file: Path | None = None) -> None:
        """Serve in the calling thread until interrupted (used by the script entry point).

        Args:
            port_file: If given, the chosen port is written there once the socket listens.
        """
        server = self._bind()
        if port_file is not None:
            tmp = Path(port_file).with_name(f".{Path(port_file).name}.tmp")
            tmp.write_text(str(self.port), encoding="utf-8")
            os.replace(tmp, port_file)
        try:
            server.serve_forever(poll_interval=0.1)
        finally:
            server.close_all()
            server.server_close()
            self._server = None

    def stop(self) -> None:
        """Stop serving and drop open keep-alive connections, so clients see a dead server."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    # -- statistics -------------------------------------------------------------------------------

    @property
    def bytes_served(self) -> int:
        """Response body bytes sent for ``resolve`` GETs since the last reset."""
        with self._stats_lock:
            return self._bytes_served

    @property
    def requests(self) -> list[tuple[str, str, str | None]]:
        """``(method, path, Range header)`` of each request since the last reset (a copy)."""
        with self._stats_lock:
            return list(self._requests)

    def reset_stats(self) -> None:
        """Zero ``bytes_served`` and clear ``requests``."""
        with self._stats_lock:
            self._bytes_served = 0
            self._requests.clear()

    def stats(self) -> dict[str, Any]:
        """Statistics as served at ``GET /_local/stats``."""
        with self._stats_lock:
            return {
                "bytes_served": self._bytes_served,
                "requests": [list(r) for r in self._requests],
            }

    def _record_request(self, method: str, path: str, range_header: str | None) -> None:
        with self._stats_lock:
            self._requests.append((method, path, range_header))

    def _add_bytes_served(self, count: int) -> None:
        with self._stats_lock:
            self._bytes_served += count

    # -- fault hooks ------------------------------------------------------------------------------

    def fail_lfs_uploads_after(self, n: int | None) -> None:
        """Let ``n`` more LFS PUTs succeed, then fail every later one until called with None.

        A failing PUT gets a 500 and the connection is closed, like an interrupted upload. The
        client retries 5xx answers, so the fault must persist for the upload to fail. Objects
        stored before the fault are kept, so a later push skips them via the LFS batch answer.

        Args:
            n: Number of PUTs that still succeed; None removes the fault.
        """
        with self._stats_lock:
            self._lfs_put_count = 0
            self._fail_lfs_after = n

    def refuse_all(self, status: int | None = 503) -> None:
        """Answer every Hub request (not ``/_local/*``) with ``status``; None serves normally."""
        self._refuse_status = status

    def _record_lfs_put(self, path: str) -> bool:
        """Log an LFS PUT and say whether the fault hook fails it.

        Logging and counting under one lock keeps them in the same order, so the first PUT in
        ``requests`` is the one that succeeded when ``fail_lfs_uploads_after(1)`` is set.
        """
        with self._stats_lock:
            self._requests.append(("PUT", path, None))
            self._lfs_put_count += 1
            return self._fail_lfs_after is not None and self._lfs_put_count > self._fail_lfs_after

    # -- repo helpers -----------------------------------------------------------------------------

    def add_token(self, token: str, user: str = "alice", write: bool = True) -> None:
        """Register a token: it may read private and gated repos, and write when ``write``."""
        self.store.add_token(token, user, write)

    def create_repo(
        self,
        repo_id: str,
        *,
        private: bool = False,
        gated: bool = False,
        repo_type: str = "dataset",
    ) -> bool:
        """Create a repo (empty initial commit on ``main``); False when it already existed."""
        return self.store.create_repo(_type_dir(repo_type), repo_id, private=private, gated=gated)

    def set_access(
        self,
        repo_id: str,
        *,
        private: bool | None = None,
        gated: bool | None = None,
        read_tokens: Iterable[str] | None = None,
        write_tokens: Iterable[str] | None = None,
        repo_type: str = "dataset",
    ) -> None:
        """Change visibility and restrict which known tokens may read / write a repo.

        ``read_tokens`` / ``write_tokens`` of None (the default on creation) mean "any known
        token" (with write permission, for writes); a list restricts to those tokens, which is
        how a gated repo denies a known token.
        """
        type_dir = _type_dir(repo_type)
        with self.store.lock:
            settings = self.store.settings(type_dir, repo_id)
            if private is not None:
                settings["private"] = private
            if gated is not None:
                settings["gated"] = gated
            if read_tokens is not None:
                settings["read_tokens"] = list(read_tokens)
            if write_tokens is not None:
                settings["write_tokens"] = list(write_tokens)
            self.store.write_settings(type_dir, repo_id, settings)

    def publish(
        self,
        repo_id: str,
        folder: Path | str,
        *,
        tags: Iterable[str] = ("v3.0",),
        private: bool = False,
        gated: bool = False,
        message: str = "Publish folder",
        repo_type: str = "dataset",
    ) -> str:
        """Commit a whole folder as the new content of ``main`` and point ``tags`` at it.

        The repo is created if needed; ``private`` and ``gated`` are applied on every call.
        Files are decided "lfs" or "regular" as :func:`wants_lfs` says. Tags that exist are moved.

        Returns:
            The new commit sha.
        """
        type_dir = _type_dir(repo_type)
        folder = Path(folder)
        if not folder.is_dir():
            raise NotADirectoryError(folder)
        self.store.create_repo(type_dir, repo_id, private=private, gated=gated)
        self.set_access(repo_id, private=private, gated=gated, repo_type=repo_type)
        table: dict[str, FileRecord] = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder).as_posix()
            with path.open("rb") as f:
                sample = f.read(512)
            sha256, size, git_sha1 = self.store.store_stream(type_dir, repo_id, _iter_file(path))
            table[rel] = _file_record(sha256, size, wants_lfs(rel, size, sample), git_sha1)
        sha = self.store.new_commit(type_dir, repo_id, "main", table, message)
        for tag in tags:
            self.set_tag(repo_id, tag, sha, repo_type=repo_type)
        return sha

    def commit_files(
        self,
        repo_id: str,
        files: Mapping[str, bytes],
        *,
        delete: Iterable[str] = (),
        message: str = "Update files",
        branch: str = "main",
        repo_type: str = "dataset",
    ) -> str:
        """Commit added/changed files (and deletions) on top of ``branch``.

        Returns:
            The new commit sha.
        """
        type_dir = _type_dir(repo_type)
        added: dict[str, FileRecord] = {}
        for path, data in files.items():
            sha256, size, git_sha1 = self.store.store_bytes(type_dir, repo_id, data)
            added[path] = _file_record(sha256, size, wants_lfs(path, size, data[:512]), git_sha1)
        removed = set(delete)

        def apply(table: dict[str, FileRecord]) -> dict[str, FileRecord]:
            for path in removed:
                table.pop(path, None)
            table.update(added)
            return table

        return self.store.new_commit(type_dir, repo_id, branch, apply, message)

    def set_tag(self, repo_id: str, tag: str, sha: str, *, repo_type: str = "dataset") -> None:
        """Point ``tag`` at commit ``sha`` (creating or moving it)."""
        type_dir = _type_dir(repo_type)
        with self.store.lock:
            if not self.store.has_commit(type_dir, repo_id, sha):
                raise KeyError(f"no commit {sha} in {repo_id}")
            refs = self.store.refs(type_dir, repo_id)
            refs["tags"][tag] = sha
            self.store.write_refs(type_dir, repo_id, refs)

    def delete_tag(self, repo_id: str, tag: str, *, repo_type: str = "dataset") -> None:
        """Remove ``tag`` (KeyError when missing)."""
        type_dir = _type_dir(repo_type)
        with self.store.lock:
            refs = self.store.refs(type_dir, repo_id)
            del refs["tags"][tag]
            self.store.write_refs(type_dir, repo_id, refs)

    def resolve_revision(
        self, repo_id: str, revision: str = "main", *, repo_type: str = "dataset"
    ) -> str:
        """Commit sha of a branch, tag or sha (KeyError when unknown)."""
        sha = self.store.resolve(_type_dir(repo_type), repo_id, revision)
        if sha is None:
            raise KeyError(f"no revision {revision!r} in {repo_id}")
        return sha

    def file_bytes(
        self, repo_id: str, path: str, revision: str = "main", *, repo_type: str = "dataset"
    ) -> bytes:
        """Content of a file as the server holds it."""
        type_dir = _type_dir(repo_type)
        sha = self.resolve_revision(repo_id, revision, repo_type=repo_type)
        record = self.store.files(type_dir, repo_id, sha)[path]
        return self.store.blob_path(type_dir, repo_id, record["sha256"]).read_bytes()

    def truncate_file(
        self, repo_id: str, path: str, size: int, *, repo_type: str = "dataset"
    ) -> None:
        """Cut a file of the current ``main`` commit to its first ``size`` bytes, in place.

        This is a video truncated on the server, as a broken upload leaves it: the commit sha
        does not change, but the file's size, sha256 and ETag do (the server stays
        self-consistent, so a download succeeds and yields the short file).
        """
        type_dir = _type_dir(repo_type)
        sha = self.resolve_revision(repo_id, "main", repo_type=repo_type)
        with self.store.lock:
            record = self.store.files(type_dir, repo_id, sha)[path]
            blob = self.store.blob_path(type_dir, repo_id, record["sha256"])
            with blob.open("rb") as f:
                data = f.read(size)
            sha256, new_size, git_sha1 = self.store.store_bytes(type_dir, repo_id, data)
            new = _file_record(sha256, new_size, record["lfs"], git_sha1)
            self.store.rewrite_file(type_dir, repo_id, sha, path, new)


def _iter_file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            yield chunk


class _HubServer(ThreadingHTTPServer):
    """Threaded server that remembers its open connections so ``stop()`` can cut them."""

    daemon_threads = True
    allow_reuse_address = True
    hub: LocalHub

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        """Shut down every open connection (handler threads then see EOF and exit)."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Repo:
    """A repo addressed by a request."""

    def __init__(self, type_dir: str, ns: str, name: str) -> None:
        # The id becomes a folder path: refuse anything that could leave the root.
        if any(not part or "/" in part or part in (".", "..") for part in (ns, name)):
            raise HubError(400, f"Invalid repo id {ns}/{name}: expected 'namespace/name'")
        self.type_dir = type_dir
        self.id = f"{ns}/{name}"

    @property
    def url_prefix(self) -> str:
        # Model repos have no type prefix in web and resolve URLs.
        return "" if self.type_dir == "models" else f"{self.type_dir}/"


class _Handler(BaseHTTPRequestHandler):
    """Routes one request; one method per endpoint family."""

    # HTTP/1.1 keeps connections alive as the client pools them.
    protocol_version = "HTTP/1.1"
    server: _HubServer

    # -- plumbing ---------------------------------------------------------------------------------

    @property
    def hub(self) -> LocalHub:
        return self.server.hub

    @property
    def store(self) -> RepoStore:
        return self.server.hub.store

    def log_message(self, format: str, *args: Any) -> None:
        # Quiet by default: tests assert on hub.requests instead of reading logs.
        if os.environ.get("LOCAL_HUB_VERBOSE"):
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        self._body_read = False
        split = urlsplit(self.path)
        self.query = parse_qs(split.query, keep_blank_values=True)
        segments = [s for s in split.path.split("/") if s != ""]
        try:
            if segments[:1] == ["_local"]:
                self._handle_local(method, segments[1:])
                return
            self.hub._record_request(method, split.path, self.headers.get("Range"))
            if self.hub._refuse_status is not None:
                raise HubError(self.hub._refuse_status, "Refused by LocalHub.refuse_all()")
            self._route(method, segments)
        except HubError as err:
            self._send_error(err)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as err:  # report server bugs to the client instead of hanging it
            self._send_error(HubError(500, f"LocalHub internal error: {err!r}"))

    def _route(self, method: str, seg: list[str]) -> None:
        if seg[:2] == ["api", "whoami-v2"] and method == "GET":
            self._handle_whoami()
        elif seg[:3] == ["api", "repos", "create"] and method == "POST":
            self._handle_create_repo()
        elif seg[:2] == ["api", "validate-yaml"] and method == "POST":
            # Commits touching README.md validate its card first; there is no YAML parser in the
            # standard library, so every card is accepted.
            self._body()
            self._send_json({"errors": [], "warnings": []})
        elif len(seg) >= 4 and seg[0] == "api" and seg[1] in REPO_TYPES:
            repo = _Repo(seg[1], unquote(seg[2]), unquote(seg[3]))
            self._handle_repo_api(method, repo, seg[4:])
        elif len(seg) >= 3 and seg[0] in ("datasets", "spaces"):
            self._route_repo_web(method, seg[0], seg[1], seg[2], seg[3:])
        elif len(seg) >= 2 and seg[0] != "api":
            self._route_repo_web(method, "models", seg[0], seg[1], seg[2:])
        else:
            raise HubError(404, f"No such endpoint: {method} {self.path}")

    def _route_repo_web(
        self, method: str, type_dir: str, ns: str, name: str, rest: list[str]
    ) -> None:
        name = unquote(name)
        if name.endswith(".git") and rest == ["info", "lfs", "objects", "batch"]:
            self._handle_lfs_batch(method, _Repo(type_dir, unquote(ns), name[: -len(".git")]))
        elif len(rest) >= 3 and rest[0] == "resolve" and method in ("GET", "HEAD"):
            path = "/".join(unquote(s) for s in rest[2:])
            self._handle_resolve(method, _Repo(type_dir, unquote(ns), name), unquote(rest[1]), path)
        else:
            raise HubError(404, f"No such endpoint: {method} {self.path}")

    def _base_url(self) -> str:
        return f"http://{self.headers.get('Host') or self.hub.endpoint.split('//', 1)[1]}"

    def _read_body_chunks(self) -> Iterator[bytes]:
        """Yield the request body, plain or chunked (the client streams file uploads chunked)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline(65537).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                yield from self._read_exact(size)
                self.rfile.readline(65537)  # CRLF after each chunk
        else:
            yield from self._read_exact(int(self.headers.get("Content-Length") or 0))
        # Only a fully read body leaves the connection reusable (see _send).
        self._body_read = True

    def _read_exact(self, size: int) -> Iterator[bytes]:
        while size > 0:
            chunk = self.rfile.read(min(size, _CHUNK))
            if not chunk:
                raise ConnectionResetError("client closed the connection mid-body")
            size -= len(chunk)
            yield chunk

    def _body(self) -> bytes:
        return b"".join(self._read_body_chunks())

    def _json_body(self) -> Any:
        body = self._body()
        try:
            return json.loads(body or b"{}")
        except ValueError as err:
            raise HubError(400, f"Invalid JSON body: {err}") from err

    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        if not self._body_read and self.command in ("POST", "PUT"):
            # An unread request body would be parsed as the next request: close instead.
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(
        self, data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(data).encode(), headers)

    def _send_error(self, err: HubError) -> None:
        # Header values must be latin-1; repo paths may not be.
        first_line = err.message.splitlines()[0][:200]
        headers = {
            "X-Error-Message": first_line.encode("ascii", "backslashreplace").decode(),
            **err.headers,
        }
        if err.code:
            headers["X-Error-Code"] = err.code
        body = {"error": err.message, **err.body}
        self._send(err.status, json.dumps(body).encode(), headers)

    # -- auth -------------------------------------------------------------------------------------

    def _token(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip() or None
        return None

    def _known_token(self) -> tuple[str, dict[str, Any]] | None:
        token = self._token()
        if token is None:
            return None
        info = self.store.tokens().get(token)
        return (token, info) if info is not None else None

    def _require_repo(self, repo: _Repo) -> dict[str, Any]:
        """Settings of a repo the caller may see (private repos hide behind RepoNotFound)."""
        if not self.store.exists(repo.type_dir, repo.id):
            raise HubError(404, f"Repository {repo.id} not found", "RepoNotFound")
        settings = self.store.settings(repo.type_dir, repo.id)
        if settings.get("private") and not self._may_read(settings):
            # Anonymous callers get 401 and authenticated ones 404, as on the Hub; the error code
            # makes both a RepositoryNotFoundError.
            status = 401 if self._token() is None else 404
            raise HubError(status, f"Repository {repo.id} not found", "RepoNotFound")
        return settings

    def _may_read(self, settings: Mapping[str, Any]) -> bool:
        known = self._known_token()
        if known is None:
            return False
        allowed = settings.get("read_tokens")
        return allowed is None or known[0] in allowed

    def _require_content_access(self, repo: _Repo, settings: Mapping[str, Any]) -> None:
        """Gated repos show metadata to anyone but serve files only to allowed tokens."""
        if settings.get("gated") and not self._may_read(settings):
            status = 401 if self._token() is None else 403
            raise HubError(status, f"Access to {repo.id} is restricted (gated repo)", "GatedRepo")

    def _require_write(self, repo: _Repo | None, settings: Mapping[str, Any] | None) -> str:
        """The user name of a token allowed to write."""
        known = self._known_token()
        if known is None:
            message = "Invalid username or password."
            if self._token() is not None:
                message = "Invalid credentials in Authorization header"
            raise HubError(401, message)
        token, info = known
        allowed = settings.get("write_tokens") if settings else None
        if not info.get("write") or (allowed is not None and token not in allowed):
            target = repo.id if repo else "this namespace"
            raise HubError(403, f"You don't have the rights to write to {target}")
        return str(info.get("user", "user"))

    def _resolve(self, repo: _Repo, revision: str) -> str:
        sha = self.store.resolve(repo.type_dir, repo.id, revision)
        if sha is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return sha

    # -- /_local ----------------------------------------------------------------------------------

    def _handle_local(self, method: str, seg: list[str]) -> None:
        if seg == ["stats"] and method == "GET":
            self._send_json(self.hub.stats())
        elif seg == ["reset"] and method == "POST":
            self._body()
            self.hub.reset_stats()
            self._send_json({"ok": True})
        elif len(seg) == 5 and seg[0] == "lfs" and method == "PUT":
            repo = _Repo(seg[1], unquote(seg[2]), unquote(seg[3]))
            self._handle_lfs_put(repo, seg[4])
        else:
            raise HubError(404, f"No such endpoint: {method} {self.path}")

    # -- account and repo creation ----------------------------------------------------------------

    def _handle_whoami(self) -> None:
        known = self._known_token()
        if known is None:
            raise HubError(401, "Invalid credentials in Authorization header")
        _, info = known
        user = str(info.get("user", "user"))
        role = "write" if info.get("write") else "read"
        self._send_json(
            {
                "type": "user",
                "id": hashlib.sha1(user.encode()).hexdigest()[:24],
                "name": user,
                "fullname": user,
                "email": None,
                "emailVerified": False,
                "isPro": False,
                "orgs": [],
                "auth": {
                    "type": "access_token",
                    "accessToken": {"displayName": "local", "role": role},
                },
            }
        )

    def _handle_create_repo(self) -> None:
        body = self._json_body()
        user = self._require_write(None, None)
        repo_type = body.get("type") or "model"
        if repo_type not in REPO_TYPES.values():
            raise HubError(400, f"Invalid repo type {repo_type!r}")
        repo = _Repo(_type_dir(repo_type), body.get("organization") or user, body["name"])
        private = bool(body.get("private")) or body.get("visibility") == "private"
        url = f"{self._base_url()}/{repo.url_prefix}{repo.id}"
        if not self.store.create_repo(repo.type_dir, repo.id, private=private):
            # The client reads "url" from the body even on 409 when exist_ok=True.
            raise HubError(409, "You already created this repo", body={"url": url})
        self._send_json(
            {"url": url, "name": repo.id, "id": hashlib.sha1(repo.id.encode()).hexdigest()[:24]}
        )

    # -- /api/{type}s/{ns}/{name}/... -------------------------------------------------------------

    def _handle_repo_api(self, method: str, repo: _Repo, rest: list[str]) -> None:
        action = rest[0] if rest else ""
        if method == "GET" and action == "":
            self._send_repo_info(repo, "main")
        elif method == "GET" and action == "revision" and len(rest) == 2:
            self._send_repo_info(repo, unquote(rest[1]))
        elif method == "GET" and action == "refs":
            self._send_refs(repo)
        elif method == "GET" and action == "tree" and len(rest) >= 2:
            self._send_tree(repo, unquote(rest[1]), "/".join(unquote(s) for s in rest[2:]))
        elif method == "POST" and action == "paths-info" and len(rest) == 2:
            self._send_paths_info(repo, unquote(rest[1]))
        elif method == "GET" and action == "commits" and len(rest) == 2:
            self._send_commits(repo, unquote(rest[1]))
        elif method == "POST" and action == "preupload" and len(rest) == 2:
            self._handle_preupload(repo, unquote(rest[1]))
        elif method == "POST" and action == "commit" and len(rest) == 2:
            self._handle_commit(repo, unquote(rest[1]))
        elif method in ("POST", "DELETE") and action == "tag" and len(rest) == 2:
            self._handle_tag(method, repo, unquote(rest[1]))
        elif action in ("xet-read-token", "xet-write-token"):
            # Reached only when the client was left to use Xet; say how to avoid it. 501 is not
            # in the client's retry list, so this fails fast.
            raise HubError(501, "LocalHub does not speak Xet: set HF_HUB_DISABLE_XET=1")
        else:
            raise HubError(404, f"No such endpoint: {method} {self.path}")

    def _flag(self, name: str) -> bool:
        values = self.query.get(name, [])
        return any(v.lower() in ("1", "true") for v in values)

    def _send_repo_info(self, repo: _Repo, revision: str) -> None:
        settings = self._require_repo(repo)
        sha = self._resolve(repo, revision)
        commit = self.store.commit(repo.type_dir, repo.id, sha)
        files: dict[str, FileRecord] = commit["files"]
        with_blobs = self._flag("blobs")
        siblings = []
        for path in sorted(files):
            record = files[path]
            sibling: dict[str, Any] = {"rfilename": path}
            if with_blobs:
                sibling["size"] = record["size"]
                sibling["blobId"] = record["oid"]
                if record["lfs"]:
                    sibling["lfs"] = {
                        "size": record["size"],
                        "sha256": record["sha256"],
                        "pointerSize": len(_lfs_pointer(record["sha256"], record["size"])),
                    }
            siblings.append(sibling)
        ns = repo.id.split("/")[0]
        self._send_json(
            {
                "_id": hashlib.sha1(repo.id.encode()).hexdigest()[:24],
                "id": repo.id,
                "author": ns,
                "sha": sha,
                "createdAt": settings.get("created_at", commit["date"]),
                "lastModified": commit["date"],
                "private": bool(settings.get("private")),
                "gated": "manual" if settings.get("gated") else False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "cardData": {},
                "siblings": siblings,
                "usedStorage": sum(r["size"] for r in files.values()),
            }
        )

    def _send_refs(self, repo: _Repo) -> None:
        self._require_repo(repo)
        refs = self.store.refs(repo.type_dir, repo.id)

        def group(kind: str, prefix: str) -> list[dict[str, str]]:
            return [
                {"name": name, "ref": f"{prefix}{name}", "targetCommit": sha}
                for name, sha in sorted(refs[kind].items())
            ]

        data: dict[str, Any] = {
            "branches": group("branches", "refs/heads/"),
            "tags": group("tags", "refs/tags/"),
            "converts": [],
        }
        if self._flag("include_prs"):
            data["pullRequests"] = []
        self._send_json(data)

    def _entries(
        self, repo: _Repo, sha: str, paths: Iterable[str], expand: bool
    ) -> list[dict[str, Any]]:
        """Tree / paths-info entries for existing paths (missing ones are skipped)."""
        files = self.store.files(repo.type_dir, repo.id, sha)
        out: list[dict[str, Any]] = []
        for path in paths:
            path = path.strip("/")
            if path in files:
                record = files[path]
                entry: dict[str, Any] = {
                    "type": "file",
                    "oid": record["oid"],
                    "size": record["size"],
                    "path": path,
                }
                if record["lfs"]:
                    entry["lfs"] = {
                        "oid": record["sha256"],
                        "size": record["size"],
                        "pointerSize": len(_lfs_pointer(record["sha256"], record["size"])),
                    }
            else:
                below = _below(files, path)
                if not path or not below:
                    continue
                tree_id = hashlib.sha1(
                    json.dumps(sorted((p, r["oid"]) for p, r in below.items())).encode()
                )
                entry = {"type": "directory", "oid": tree_id.hexdigest(), "size": 0, "path": path}
            if expand:
                entry["lastCommit"] = self._last_commit(repo, sha, path)
            out.append(entry)
        return out

    def _last_commit(self, repo: _Repo, sha: str, path: str) -> dict[str, str]:
        """The oldest commit, going back from ``sha``, since which ``path`` is unchanged."""

        def state(commit_sha: str) -> Any:
            files = self.store.files(repo.type_dir, repo.id, commit_sha)
            if path in files:
                return files[path]["oid"]
            return {p: r["oid"] for p, r in _below(files, path).items()}

        current = sha
        wanted = state(sha)
        while True:
            parent = self.store.commit(repo.type_dir, repo.id, current)["parent"]
            if not parent or state(parent) != wanted:
                break
            current = parent
        commit = self.store.commit(repo.type_dir, repo.id, current)
        return {"id": current, "title": commit["message"], "date": commit["date"]}

    def _send_tree(self, repo: _Repo, revision: str, path: str) -> None:
        self._require_repo(repo)
        sha = self._resolve(repo, revision)
        files = self.store.files(repo.type_dir, repo.id, sha)
        path = path.strip("/")
        below = _below(files, path)
        if path and not below:
            # A file path or a missing folder: the client then lists the parent.
            raise HubError(
                404, f"{path} is not a directory", "EntryNotFound", {"X-Repo-Commit": sha}
            )
        prefix = f"{path}/" if path else ""
        recursive = self._flag("recursive")
        wanted: set[str] = set()
        for file_path in below:
            parts = file_path[len(prefix) :].split("/")
            if recursive:
                wanted.update(prefix + "/".join(parts[: i + 1]) for i in range(len(parts)))
            else:
                wanted.add(prefix + parts[0])
        entries = self._entries(repo, sha, sorted(wanted), self._flag("expand"))
        # Folders first, like the Hub; the client does not depend on the order.
        entries.sort(key=lambda e: (e["type"] != "directory", e["path"]))
        self._send_json(entries)

    def _send_paths_info(self, repo: _Repo, revision: str) -> None:
        raw = self._body()
        self._require_repo(repo)
        sha = self._resolve(repo, revision)
        # Both client versions send form data (paths=a&paths=b&expand=false); accept JSON too.
        if self.headers.get("Content-Type", "").startswith("application/json"):
            body = json.loads(raw or b"{}")
            paths = body.get("paths", [])
            expand = bool(body.get("expand"))
        else:
            form = parse_qs(raw.decode(), keep_blank_values=True)
            paths = form.get("paths", [])
            expand = any(v.lower() in ("1", "true") for v in form.get("expand", []))
        self._send_json(self._entries(repo, sha, paths, expand))

    def _send_commits(self, repo: _Repo, revision: str) -> None:
        self._require_repo(repo)
        sha: str | None = self._resolve(repo, revision)
        out = []
        while sha:
            commit = self.store.commit(repo.type_dir, repo.id, sha)
            out.append(
                {
                    "id": sha,
                    "title": commit["message"],
                    "message": commit.get("description", ""),
                    "authors": [{"user": "local"}],
                    "date": commit["date"],
                }
            )
            sha = commit["parent"]
        self._send_json(out)

    # -- push -------------------------------------------------------------------------------------

    def _writable_branch(self, repo: _Repo, revision: str) -> tuple[dict[str, Any], str]:
        settings = self._require_repo(repo)
        self._require_write(repo, settings)
        head = self.store.refs(repo.type_dir, repo.id)["branches"].get(revision)
        if head is None:
            raise HubError(
                404,
                f"Invalid rev id: {revision} (only branches accept commits)",
                "RevisionNotFound",
            )
        return settings, head

    def _handle_preupload(self, repo: _Repo, revision: str) -> None:
        body = self._json_body()
        _, head = self._writable_branch(repo, revision)
        existing = self.store.files(repo.type_dir, repo.id, head)
        out = []
        for item in body.get("files", []):
            path = item["path"]
            sample = base64.b64decode(item.get("sample") or "")
            lfs = wants_lfs(path, int(item.get("size", 0)), sample)
            answer: dict[str, Any] = {
                "path": path,
                "uploadMode": "lfs" if lfs else "regular",
                "shouldIgnore": False,
            }
            if path in existing:
                # The client compares this to its local oid (sha256 for LFS, git sha1 otherwise)
                # to drop unchanged files from the commit.
                record = existing[path]
                answer["oid"] = record["sha256"] if lfs else record["oid"]
            out.append(answer)
        self._send_json({"files": out, "commitOid": head})

    def _handle_lfs_batch(self, method: str, repo: _Repo) -> None:
        if method != "POST":
            raise HubError(405, "LFS batch takes POST")
        body = self._json_body()
        settings = self._require_repo(repo)
        if body.get("operation") != "upload":
            raise HubError(400, "LocalHub serves files through resolve/, not LFS download")
        self._require_write(repo, settings)
        objects = []
        for obj in body.get("objects", []):
            oid, size = str(obj.get("oid", "")), int(obj.get("size", -1))
            entry: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            if not _SHA256_RE.fullmatch(oid) or size < 0:
                entry["error"] = {"code": 422, "message": "Invalid oid or size"}
            elif not self.store.has_blob(repo.type_dir, repo.id, oid):
                # Stored objects get no action: that is how a re-run push skips finished uploads.
                base = f"{self._base_url()}/_local/lfs/{repo.type_dir}/{quote(repo.id)}"
                href = f"{base}/{oid}?size={size}"
                entry["actions"] = {"upload": {"href": href, "expires_in": 3600}}
            objects.append(entry)
        data = json.dumps({"transfer": "basic", "objects": objects, "hash_algo": "sha256"})
        self._send(200, data.encode(), content_type="application/vnd.git-lfs+json")

    def _handle_lfs_put(self, repo: _Repo, oid: str) -> None:
        should_fail = self.hub._record_lfs_put(self.path.split("?")[0])
        if not _SHA256_RE.fullmatch(oid) or not self.store.exists(repo.type_dir, repo.id):
            raise HubError(404, "Unknown upload URL")
        if should_fail:
            for _ in self._read_body_chunks():
                pass
            self.close_connection = True
            raise HubError(500, "Injected LFS upload failure (LocalHub.fail_lfs_uploads_after)")
        expected_size = int(self.query.get("size", ["-1"])[0])
        sha256, size, _ = self.store.store_stream(repo.type_dir, repo.id, self._read_body_chunks())
        if sha256 != oid or (expected_size >= 0 and size != expected_size):
            # What was stored is still valid content-addressed data, so it is left in place.
            raise HubError(400, f"Uploaded content does not match oid {oid} / size {expected_size}")
        self._send(200, b"")

    def _handle_commit(self, repo: _Repo, revision: str) -> None:
        raw = self._body()
        self._writable_branch(repo, revision)
        if self._flag("create_pr"):
            raise HubError(400, "LocalHub does not support pull requests")
        header: dict[str, Any] = {}
        added: dict[str, FileRecord] = {}
        deleted_files: list[str] = []
        deleted_folders: list[str] = []
        for line in raw.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item.get("key"), item.get("value", {})
            if key == "header":
                header = value
            elif key == "file":
                data = (
                    base64.b64decode(value["content"])
                    if value.get("encoding") == "base64"
                    else value["content"].encode()
                )
                sha256, size, git_sha1 = self.store.store_bytes(repo.type_dir, repo.id, data)
                added[value["path"]] = _file_record(sha256, size, False, git_sha1)
            elif key == "lfsFile":
                oid = str(value.get("oid", ""))
                if not _SHA256_RE.fullmatch(oid):
                    raise HubError(400, f"Invalid LFS oid {oid!r}")
                blob = self.store.blob_path(repo.type_dir, repo.id, oid)
                if not blob.is_file():
                    raise HubError(400, f"LFS object {oid} for {value['path']} was never uploaded")
                added[value["path"]] = _file_record(oid, blob.stat().st_size, True, "")
            elif key == "deletedFile":
                deleted_files.append(value["path"])
            elif key == "deletedFolder":
                deleted_folders.append(value["path"].strip("/"))
            else:
                raise HubError(400, f"Unsupported commit operation {key!r}")

        def apply(table: dict[str, FileRecord]) -> dict[str, FileRecord]:
            for path in deleted_files:
                if path not in table:
                    raise HubError(
                        404, f"A file with this name doesn't exist: {path}", "EntryNotFound"
                    )
                del table[path]
            for folder in deleted_folders:
                for path in list(_below(table, folder)):
                    del table[path]
            table.update(added)
            return table

        sha = self.store.new_commit(
            repo.type_dir,
            repo.id,
            revision,
            apply,
            header.get("summary") or "Commit",
            header.get("description", ""),
            expected_parent=header.get("parentCommit"),
        )
        self._send_json(
            {
                "success": True,
                "commitOid": sha,
                "commitUrl": f"{self._base_url()}/{repo.url_prefix}{repo.id}/commit/{sha}",
                "commitMessage": header.get("summary", ""),
                "hookOutput": "",
                "pullRequestUrl": None,
            }
        )

    def _handle_tag(self, method: str, repo: _Repo, name: str) -> None:
        body = self._json_body() if method == "POST" else None
        settings = self._require_repo(repo)
        self._require_write(repo, settings)
        with self.store.lock:
            refs = self.store.refs(repo.type_dir, repo.id)
            if method == "POST":
                assert body is not None
                # POST .../tag/{revision} with {"tag": name}: the URL names what to tag.
                sha = self._resolve(repo, name)
                tag = str(body.get("tag", ""))
                if not tag:
                    raise HubError(400, "Missing tag name")
                if tag in refs["tags"]:
                    raise HubError(409, f"Tag {tag} already exists")
                refs["tags"][tag] = sha
            else:
                if name not in refs["tags"]:
                    raise HubError(404, f"Tag {name} not found", "RevisionNotFound")
                del refs["tags"][name]
            self.store.write_refs(repo.type_dir, repo.id, refs)
        self._send_json({"success": True})

    # -- file download ----------------------------------------------------------------------------

    def _handle_resolve(self, method: str, repo: _Repo, revision: str, path: str) -> None:
        settings = self._require_repo(repo)
        sha = self._resolve(repo, revision)
        self._require_content_access(repo, settings)
        files = self.store.files(repo.type_dir, repo.id, sha)
        record = files.get(path)
        if record is None:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound", {"X-Repo-Commit": sha})
        size = record["size"]
        etag = record["sha256"] if record["lfs"] else record["oid"]
        headers = {
            "Accept-Ranges": "bytes",
            "ETag": f'"{etag}"',
            "X-Repo-Commit": sha,
        }
        if record["lfs"]:
            headers["X-Linked-Etag"] = f'"{record["sha256"]}"'
            headers["X-Linked-Size"] = str(size)
        start, end = 0, size - 1
        status = 200
        byte_range = _parse_range(self.headers.get("Range"), size)
        if byte_range is not None:
            start, end = byte_range
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        length = max(0, end - start + 1)
        # Open before sending headers, so a missing blob is still a clean error response.
        with self.store.blob_path(repo.type_dir, repo.id, record["sha256"]).open("rb") as f:
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(length))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if method == "GET" and length > 0:
                f.seek(start)
                self._copy_body(f, length)

    def _copy_body(self, f: BinaryIO, length: int) -> None:
        remaining = length
        try:
            while remaining > 0:
                chunk = f.read(min(remaining, 256 * 1024))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)
                self.hub._add_bytes_served(len(chunk))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _below(files: Mapping[str, FileRecord], folder: str) -> dict[str, FileRecord]:
    """Files under ``folder`` ("" is the root)."""
    if not folder:
        return dict(files)
    prefix = folder + "/"
    return {p: r for p, r in files.items() if p.startswith(prefix)}


def _parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(start, end)`` inclusive for a single ``bytes=`` range; None to serve the whole file.

    Raises:
        HubError: 416 when the range starts past the end.
    """
    if not header:
        return None
    match = _RANGE_RE.fullmatch(header.strip())
    if match is None:
        return None  # multi-range or another unit: serve everything, which RFC 9110 allows
    first, last = match.groups()
    unsatisfiable = HubError(
        416, "Range Not Satisfiable", headers={"Content-Range": f"bytes */{size}"}
    )
    if first == "" and last == "":
        return None
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    if last != "" and int(last) < start:
        return None  # invalid, so ignored
    if start >= size:
        raise unsatisfiable
    end = size - 1 if last == "" else int(last)
    return start, min(end, size - 1)


def main(argv: list[str] | None = None) -> None:
    """Serve a root folder until killed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, required=True, help="folder holding the repos")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--port-file", type=Path, help="write the chosen port here")
    args = parser.parse_args(argv)
    hub = LocalHub(args.root, host=args.host, port=args.port)
    with contextlib.suppress(KeyboardInterrupt):
        hub.serve_forever(port_file=args.port_file)


if __name__ == "__main__":
    main()
