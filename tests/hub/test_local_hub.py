"""Drive the real ``huggingface_hub`` client against :class:`LocalHub`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from huggingface_hub import (
    HfApi,
    HfFileSystem,
    constants,
    hf_hub_download,
    snapshot_download,
)
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.file_download import get_hf_file_metadata, hf_hub_url
from huggingface_hub.hf_api import RepoFolder

from .local_hub import LocalHub

REPO = "lerobot-test/tiny"
TOKEN = "hf_local_write_token"


def _make_folder(root: Path, *, video_size: int = 4096, seed: int = 0) -> dict[str, bytes]:
    """A small dataset-like folder; returns its files."""
    rng = __import__("random").Random(seed)
    files = {
        "meta/info.json": json.dumps({"codebase_version": "v3.0", "total_episodes": 2}).encode(),
        "meta/tasks.jsonl": b'{"task_index": 0, "task": "pick"}\n',
        "data/chunk-000/file-000.parquet": bytes(rng.getrandbits(8) for _ in range(2048)),
        "videos/cam/chunk-000/file-000.mp4": rng.randbytes(video_size),
        "README.md": b"# tiny\n",
    }
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and ".cache" not in p.relative_to(folder).parts
    }


def _http(
    method: str, url: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture
def published(local_hub: LocalHub, tmp_path: Path) -> tuple[str, dict[str, bytes]]:
    files = _make_folder(tmp_path / "src")
    sha = local_hub.publish(REPO, tmp_path / "src")
    return sha, files


# -- revisions ------------------------------------------------------------------------------------


def test_repo_info_at_branch_tag_and_sha(
    local_hub: LocalHub, published: tuple[str, dict[str, bytes]]
) -> None:
    sha1, files = published
    api = HfApi()
    for revision in (None, "main", "v3.0", sha1):
        info = api.repo_info(REPO, repo_type="dataset", revision=revision)
        assert info.sha == sha1
    info = api.dataset_info(REPO, files_metadata=True)
    sizes = {s.rfilename: s.size for s in info.siblings or []}
    assert sizes == {path: len(data) for path, data in files.items()}
    lfs = {s.rfilename for s in info.siblings or [] if s.lfs is not None}
    assert lfs == {"data/chunk-000/file-000.parquet", "videos/cam/chunk-000/file-000.mp4"}

    refs = api.list_repo_refs(REPO, repo_type="dataset")
    assert [(t.name, t.target_commit) for t in refs.tags] == [("v3.0", sha1)]
    assert [(b.name, b.target_commit) for b in refs.branches] == [("main", sha1)]

    sha2 = local_hub.commit_files(REPO, {"meta/info.json": b'{"v": 2}'}, message="second")
    assert sha2 != sha1
    assert api.repo_info(REPO, repo_type="dataset").sha == sha2
    assert api.repo_info(REPO, repo_type="dataset", revision="v3.0").sha == sha1
    old = hf_hub_download(REPO, "meta/info.json", repo_type="dataset", revision="v3.0")
    new = hf_hub_download(REPO, "meta/info.json", repo_type="dataset", revision="main")
    assert Path(old).read_bytes() == files["meta/info.json"]
    assert Path(new).read_bytes() == b'{"v": 2}'

    tree = api.list_repo_tree(REPO, "meta", repo_type="dataset", expand=True)
    last = {entry.path: entry.last_commit.oid for entry in tree if entry.last_commit}
    assert last == {"meta/info.json": sha2, "meta/tasks.jsonl": sha1}
    (folder,) = api.get_paths_info(REPO, ["meta", "nope"], repo_type="dataset", revision="v3.0")
    assert isinstance(folder, RepoFolder)
    assert folder.path == "meta"

    local_hub.set_tag(REPO, "v3.0", sha2)
    moved = hf_hub_download(REPO, "meta/info.json", repo_type="dataset", revision="v3.0")
    assert Path(moved).read_bytes() == b'{"v": 2}'
    commits = api.list_repo_commits(REPO, repo_type="dataset")
    assert [c.commit_id for c in commits[:2]] == [sha2, sha1]


# -- downloads ------------------------------------------------------------------------------------


def test_hf_hub_download_regular_and_lfs_then_offline(
    local_hub: LocalHub,
    published: tuple[str, dict[str, bytes]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sha, files = published
    small, large = "meta/info.json", "videos/cam/chunk-000/file-000.mp4"
    for name in (small, large):
        path = hf_hub_download(REPO, name, repo_type="dataset", revision="v3.0")
        assert Path(path).read_bytes() == files[name]

    # ETags as on the Hub: git blob sha1 for regular files, sha256 for LFS files.
    meta_small = get_hf_file_metadata(hf_hub_url(REPO, small, repo_type="dataset"))
    meta_large = get_hf_file_metadata(hf_hub_url(REPO, large, repo_type="dataset"))
    git_sha1 = hashlib.sha1(b"blob %d\0" % len(files[small]) + files[small]).hexdigest()
    assert meta_small.etag == git_sha1
    assert meta_large.etag == hashlib.sha256(files[large]).hexdigest()
    assert meta_large.size == len(files[large])
    assert meta_large.commit_hash == sha

    local_hub.reset_stats()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    for name in (small, large):
        path = hf_hub_download(REPO, name, repo_type="dataset", revision="v3.0")
        assert Path(path).read_bytes() == files[name]
    assert local_hub.requests == []


def test_snapshot_download_allow_patterns(
    local_hub: LocalHub, published: tuple[str, dict[str, bytes]]
) -> None:
    _, files = published
    folder = Path(
        snapshot_download(REPO, repo_type="dataset", revision="v3.0", allow_patterns=["meta/*"])
    )
    assert _tree(folder) == {k: v for k, v in files.items() if k.startswith("meta/")}
    resolved = [path for method, path, _ in local_hub.requests if "/resolve/" in path]
    assert resolved
    assert all("/meta/" in path for path in resolved)


def test_hf_file_system_range_reads(local_hub: LocalHub, tmp_path: Path) -> None:
    size = 5 * 1024 * 1024
    files = _make_folder(tmp_path / "src", video_size=size, seed=1)
    local_hub.publish(REPO, tmp_path / "src")
    video = "videos/cam/chunk-000/file-000.mp4"
    local_hub.reset_stats()

    fs = HfFileSystem()
    with fs.open(f"datasets/{REPO}@v3.0/{video}", "rb", block_size=64 * 1024) as f:
        f.seek(size - 100)
        tail = f.read(100)
        f.seek(0)
        head = f.read(100)
    assert tail == files[video][-100:]
    assert head == files[video][:100]
    assert 0 < local_hub.bytes_served < size // 20
    ranges = [rng for method, path, rng in local_hub.requests if "/resolve/" in path]
    assert ranges
    assert all(rng and rng.startswith("bytes=") for rng in ranges)

    listing = fs.ls(f"datasets/{REPO}@v3.0/meta", detail=False)
    assert sorted(str(name) for name in listing) == [
        f"datasets/{REPO}@v3.0/meta/info.json",
        f"datasets/{REPO}@v3.0/meta/tasks.jsonl",
    ]
    info = fs.info(f"datasets/{REPO}@v3.0/{video}")
    assert (info["type"], info["size"]) == ("file", size)
    assert fs.info(f"datasets/{REPO}/videos")["type"] == "directory"
    found = fs.find(f"datasets/{REPO}", detail=False)
    assert len(found) == len(files)


def test_range_requests_over_raw_http(
    local_hub: LocalHub, published: tuple[str, dict[str, bytes]]
) -> None:
    _, files = published
    video = "videos/cam/chunk-000/file-000.mp4"
    data = files[video]
    url = f"{local_hub.endpoint}/datasets/{REPO}/resolve/v3.0/{video}"

    status, headers, body = _http("HEAD", url)
    assert status == 200
    assert headers["Accept-Ranges"] == "bytes"
    assert headers["Content-Length"] == str(len(data))
    assert headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert headers["X-Linked-Size"] == str(len(data))
    assert not [k for k in headers if k.lower().startswith("x-xet")]
    assert body == b""

    status, headers, body = _http("GET", url, {"Range": "bytes=10-19"})
    assert (status, body) == (206, data[10:20])
    assert headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert _http("GET", url, {"Range": "bytes=-7"})[2] == data[-7:]
    assert _http("GET", url, {"Range": "bytes=4000-"})[2] == data[4000:]
    status, headers, _ = _http("GET", url, {"Range": f"bytes={len(data)}-"})
    assert status == 416
    assert headers["Content-Range"] == f"bytes */{len(data)}"

    stats = json.loads(_http("GET", f"{local_hub.endpoint}/_local/stats")[2])
    assert stats["bytes_served"] == local_hub.bytes_served == 10 + 7 + len(data) - 4000
    assert _http("POST", f"{local_hub.endpoint}/_local/reset")[0] == 200
    assert local_hub.bytes_served == 0


def test_truncated_file_is_served_short(
    local_hub: LocalHub, published: tuple[str, dict[str, bytes]]
) -> None:
    sha, files = published
    video = "videos/cam/chunk-000/file-000.mp4"
    local_hub.truncate_file(REPO, video, 1000)
    assert local_hub.resolve_revision(REPO, "v3.0") == sha
    path = hf_hub_download(REPO, video, repo_type="dataset", revision="v3.0")
    assert Path(path).read_bytes() == files[video][:1000]


# -- access and errors ----------------------------------------------------------------------------


def test_private_repo_needs_a_token(local_hub: LocalHub, tmp_path: Path) -> None:
    files = _make_folder(tmp_path / "src")
    local_hub.publish(REPO, tmp_path / "src", private=True)
    local_hub.add_token(TOKEN, user="alice", write=False)
    with pytest.raises(RepositoryNotFoundError):
        HfApi().repo_info(REPO, repo_type="dataset")
    with pytest.raises(RepositoryNotFoundError):
        HfApi(token="hf_unknown").repo_info(REPO, repo_type="dataset")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(REPO, "meta/info.json", repo_type="dataset")
    assert HfApi(token=TOKEN).repo_info(REPO, repo_type="dataset").private is True
    path = hf_hub_download(REPO, "meta/info.json", repo_type="dataset", token=TOKEN)
    assert Path(path).read_bytes() == files["meta/info.json"]
    assert HfApi(token=TOKEN).whoami()["name"] == "alice"


def test_gated_repo(local_hub: LocalHub, tmp_path: Path) -> None:
    _make_folder(tmp_path / "src")
    local_hub.publish(REPO, tmp_path / "src", gated=True)
    local_hub.add_token("hf_allowed")
    local_hub.add_token("hf_other")
    local_hub.set_access(REPO, read_tokens=["hf_allowed"])
    # Metadata stays public, as on the Hub; content does not.
    assert HfApi().repo_info(REPO, repo_type="dataset").gated == "manual"
    with pytest.raises(GatedRepoError):
        hf_hub_download(REPO, "meta/info.json", repo_type="dataset")
    with pytest.raises(GatedRepoError):
        hf_hub_download(REPO, "meta/info.json", repo_type="dataset", token="hf_other")
    assert hf_hub_download(REPO, "meta/info.json", repo_type="dataset", token="hf_allowed")


def test_missing_repo_revision_and_file(
    local_hub: LocalHub, published: tuple[str, dict[str, bytes]]
) -> None:
    api = HfApi()
    with pytest.raises(RepositoryNotFoundError):
        api.repo_info("nobody/nothing", repo_type="dataset")
    with pytest.raises(RevisionNotFoundError):
        api.repo_info(REPO, repo_type="dataset", revision="v9.9")
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(REPO, "meta/info.json", repo_type="dataset", revision="v9.9")
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO, "meta/missing.json", repo_type="dataset")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("nobody/nothing", "meta/info.json", repo_type="dataset")


@pytest.mark.usefixtures("no_backoff_sleep")
def test_server_down(local_hub: LocalHub, published: tuple[str, dict[str, bytes]]) -> None:
    import httpx2

    HfApi().repo_info(REPO, repo_type="dataset")  # leave a pooled keep-alive connection behind
    local_hub.stop()
    # API calls surface the transport error at once; hf_hub_download retries the HEAD 5 times,
    # then reports "not in the local cache" with the ConnectError as its cause.
    with pytest.raises(httpx2.ConnectError):
        HfApi().repo_info(REPO, repo_type="dataset")
    with pytest.raises(LocalEntryNotFoundError) as err:
        hf_hub_download(REPO, "meta/info.json", repo_type="dataset")
    assert isinstance(err.value.__cause__, httpx2.ConnectError)


def test_refuse_all(local_hub: LocalHub, published: tuple[str, dict[str, bytes]]) -> None:
    local_hub.refuse_all(403)
    with pytest.raises(HfHubHTTPError) as err:
        HfApi().list_repo_refs(REPO, repo_type="dataset")
    assert err.value.response.status_code == 403
    local_hub.refuse_all(None)
    assert HfApi().list_repo_refs(REPO, repo_type="dataset").tags


# -- push -----------------------------------------------------------------------------------------


def test_push_folder_and_tag(local_hub: LocalHub, tmp_path: Path) -> None:
    files = _make_folder(tmp_path / "src")
    local_hub.add_token(TOKEN)
    api = HfApi(token=TOKEN)
    url = api.create_repo(REPO, repo_type="dataset", private=False, exist_ok=True)
    assert url.repo_id == REPO
    api.create_repo(REPO, repo_type="dataset", exist_ok=True)  # 409 swallowed
    info = api.upload_folder(repo_id=REPO, repo_type="dataset", folder_path=tmp_path / "src")
    api.create_tag(REPO, repo_type="dataset", tag="v3.0")
    assert api.list_repo_refs(REPO, repo_type="dataset").tags[0].target_commit == info.oid

    puts = [path for method, path, _ in local_hub.requests if method == "PUT"]
    assert len(puts) == 2  # the .parquet and the .mp4 went through LFS, the rest inline
    folder = Path(snapshot_download(REPO, repo_type="dataset", revision="v3.0"))
    assert _tree(folder) == files

    with pytest.raises(HfHubHTTPError) as err:  # anonymous writes are refused
        HfApi().create_tag(REPO, repo_type="dataset", tag="v3.1")
    assert err.value.response.status_code == 401
    api.delete_tag(REPO, repo_type="dataset", tag="v3.0")
    assert api.list_repo_refs(REPO, repo_type="dataset").tags == []


@pytest.mark.usefixtures("no_backoff_sleep")
def test_interrupted_push_resumes(local_hub: LocalHub, tmp_path: Path) -> None:
    src = tmp_path / "src"
    for i in range(3):
        (src / "videos").mkdir(parents=True, exist_ok=True)
        (src / "videos" / f"ep{i}.mp4").write_bytes(os.urandom(3000 + i))
    local_hub.add_token(TOKEN)
    api = HfApi(token=TOKEN)
    api.create_repo(REPO, repo_type="dataset")

    local_hub.fail_lfs_uploads_after(1)
    with pytest.raises(RuntimeError, match="Error while uploading"):
        api.upload_folder(repo_id=REPO, repo_type="dataset", folder_path=src)
    first = [p.rsplit("/", 1)[1] for m, p, _ in local_hub.requests if m == "PUT"]
    assert len(first) > 3  # the failing PUTs were retried
    stored = {oid for oid in first if local_hub.store.has_blob("datasets", REPO, oid)}
    assert stored == {first[0]}  # the log lists the PUT that got through first
    assert api.list_repo_files(REPO, repo_type="dataset") == []

    local_hub.fail_lfs_uploads_after(None)
    local_hub.reset_stats()
    api.upload_folder(repo_id=REPO, repo_type="dataset", folder_path=src)
    second = {p.rsplit("/", 1)[1] for m, p, _ in local_hub.requests if m == "PUT"}
    assert len(second) == 2
    assert not (second & stored)
    assert sorted(api.list_repo_files(REPO, repo_type="dataset")) == [
        f"videos/ep{i}.mp4" for i in range(3)
    ]


# -- script mode ----------------------------------------------------------------------------------


def test_runs_as_a_script(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    script = Path(__file__).with_name("local_hub.py")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(script),
            "--root",
            str(tmp_path / "root"),
            "--port-file",
            str(port_file),
        ]
    )
    try:
        deadline = time.monotonic() + 10
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        port = int(port_file.read_text())
        status, _, body = _http("GET", f"http://127.0.0.1:{port}/_local/stats")
        assert status == 200
        assert json.loads(body) == {"bytes_served": 0, "requests": []}
        status, headers, _ = _http("GET", f"http://127.0.0.1:{port}/api/datasets/a/b")
        assert (status, headers["X-Error-Code"]) == (404, "RepoNotFound")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
