"""Hub datasets through the real ``huggingface_hub`` against a local endpoint (``local_hub``).

Covers ``lerobot_video/dataset/hub.py``, ``hub_access.py`` and ``hub_push.py``: opening public
and private repos (token), revision and tag resolution (highest v3.x tag, explicit revision,
no tag), offline re-open from the cache, refusals with their own messages (v2.1 dataset,
missing repo, missing revision, not a LeRobot dataset, gated repo, server down), the encoding
report read by ranges equal to the local one while fetching a small part of the repo, episode
copies and data columns equal to the local dataset's, one frame or one episode fetching its
GOPs only, a video truncated on the server, the LeRobot-written fixture read the same through
the Hub, push (then re-open; an interrupted push resumes without re-sending what arrived), and
a cache folder of one's own kept to a size by ``trim_hub_cache``.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lerobot_video import (
    ConfigError,
    HubAccessError,
    HubNotFoundError,
    HubUnreachableError,
    MediaError,
    MetadataError,
    RGBEncoderConfig,
    create_dataset,
    encoding_report,
    episode_frames,
    episode_videos,
    execute_merge,
    open_dataset,
    open_hub_dataset,
    plan_merge,
    push_dataset,
    read_frame,
    trim_hub_cache,
    verify_merge,
)

from .local_hub import LocalHub

FPS = 30
LENGTHS = (20, 14, 17, 11)
REPO = "robots/pick-place"


def make_dataset(root: Path, *, g: int = 2, height: int = 96) -> Path:
    """Four episodes of a moving ramp (RGB + depth camera) and a 3-value state."""
    shape = {"names": ["height", "width", "channels"], "dtype": "video"}
    features: dict[str, dict[str, Any]] = {
        "observation.images.cam": {**shape, "shape": (height, 128, 3)},
        "observation.images.depth": {
            **shape,
            "shape": (height, 128, 1),
            "info": {"is_depth_map": True},
        },
        "observation.state": {"dtype": "float32", "shape": (3,), "names": ["x", "y", "z"]},
    }
    writer = create_dataset(
        root, fps=FPS, features=features, rgb_encoder=RGBEncoderConfig(g=g), robot_type="arm"
    )
    y, x = np.mgrid[0:height, 0:128]
    i = 0
    for length in LENGTHS:
        for _ in range(length):
            rgb = np.stack([(x * 2 + i * 3) % 256, (y * 3 + i) % 256, x * 0 + i % 256], -1)
            writer.add_frame(
                {
                    "observation.images.cam": rgb.astype(np.uint8),
                    "observation.images.depth": (600 + 5 * x + i).astype(np.uint16)[..., None],
                    "observation.state": np.array([i, i / 2, -i], dtype=np.float32),
                    "task": "pick the cube",
                }
            )
            i += 1
        writer.save_episode()
    writer.finalize()
    return root


@pytest.fixture(scope="module")
def local_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("hubdata") / "pick-place")


@pytest.fixture
def published(local_hub: LocalHub, local_dataset: Path) -> str:
    return local_hub.publish(REPO, local_dataset)


class TestOpen:
    def test_public_repo_opens_at_its_v3_tag_with_metadata_only(
        self, local_hub: LocalHub, local_dataset: Path, published: str
    ) -> None:
        hub = open_hub_dataset(REPO)
        assert (hub.repo_id, hub.revision, hub.commit) == (REPO, "v3.0", published)
        assert hub.reader.num_episodes == len(LENGTHS)
        assert hub.reader.num_frames == sum(LENGTHS)
        assert hub.reader.info["robot_type"] == "arm"
        local_size = sum(p.stat().st_size for p in local_dataset.rglob("*") if p.is_file())
        assert hub.size_bytes == local_size
        meta_size = sum(
            p.stat().st_size for p in (local_dataset / "meta").rglob("*") if p.is_file()
        )
        assert hub.bytes_fetched == meta_size
        served = [path for method, path, _ in local_hub.requests if "/resolve/" in path]
        assert served
        assert all("/meta/" in path for path in served)

    def test_highest_v3_tag_wins_and_an_explicit_revision_is_kept(
        self, local_hub: LocalHub, published: str
    ) -> None:
        info = json.loads(local_hub.file_bytes(REPO, "meta/info.json"))
        info["robot_type"] = "newer"
        newer = local_hub.commit_files(REPO, {"meta/info.json": json.dumps(info).encode()})
        local_hub.set_tag(REPO, "v2.1", newer)  # older major: never picked for v3.0
        local_hub.set_tag(REPO, "v3.1", newer)  # newer minor than this reader: never picked
        assert open_hub_dataset(REPO).commit == published
        local_hub.set_tag(REPO, "v3.0", newer)
        assert open_hub_dataset(REPO).reader.info["robot_type"] == "newer"
        old = open_hub_dataset(REPO, revision=published)
        assert (old.revision, old.commit, old.reader.info["robot_type"]) == (
            published,
            published,
            "arm",
        )
        assert open_hub_dataset(REPO, revision="main").commit == newer

    def test_repo_without_version_tags_is_read_at_main_with_a_note(
        self, local_hub: LocalHub, local_dataset: Path
    ) -> None:
        commit = local_hub.publish(REPO, local_dataset, tags=())
        hub = open_hub_dataset(REPO)
        assert (hub.revision, hub.commit) == ("main", commit)
        assert any("no version tag" in note for note in hub.notes)

    def test_private_repo_needs_its_token(self, local_hub: LocalHub, local_dataset: Path) -> None:
        local_hub.publish(REPO, local_dataset, private=True)
        local_hub.add_token("hf_reader_secret_1234")
        with pytest.raises(HubNotFoundError, match="or it is private") as caught:
            open_hub_dataset(REPO)
        assert "hf_reader_secret_1234" not in str(caught.value)
        hub = open_hub_dataset(REPO, token="hf_reader_secret_1234")
        assert hub.reader.num_episodes == len(LENGTHS)
        assert "hf_reader_secret_1234" not in repr(hub)
        # Ranged reads carry the token too.
        assert encoding_report(hub.reader).features

    def test_offline_reopen_from_the_cache(
        self, local_hub: LocalHub, published: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        first = open_hub_dataset(REPO)
        local_hub.stop()
        from huggingface_hub import constants

        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
        again = open_hub_dataset(REPO)
        assert (again.revision, again.commit) == ("v3.0", first.commit)
        assert again.reader.episodes == first.reader.episodes
        assert again.bytes_fetched == 0
        assert again.size_bytes is None

    def test_never_opened_offline_says_so(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from huggingface_hub import constants

        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
        with pytest.raises(HubUnreachableError, match="not in the local Hugging Face cache"):
            open_hub_dataset(REPO, revision="v3.0")


class TestRefusals:
    def test_v21_dataset_names_the_converter(self, local_hub: LocalHub, tmp_path: Path) -> None:
        folder = tmp_path / "old"
        (folder / "meta").mkdir(parents=True)
        (folder / "meta" / "info.json").write_text(json.dumps({"codebase_version": "v2.1"}))
        local_hub.publish(REPO, folder, tags=("v2.0", "v2.1"))
        with pytest.raises(MetadataError, match=r"v2\.1 dataset") as caught:
            open_hub_dataset(REPO)
        assert "convert_dataset_v21_to_v30" in str(caught.value)
        # Read at an explicit revision, the info.json says the same.
        with pytest.raises(MetadataError, match="convert_dataset_v21_to_v30"):
            open_hub_dataset(REPO, revision="main")

    def test_missing_repo_and_revision(self, local_hub: LocalHub, published: str) -> None:
        with pytest.raises(HubNotFoundError, match="No dataset repo 'robots/nothing'"):
            open_hub_dataset("robots/nothing")
        with pytest.raises(HubNotFoundError, match=r"has no revision .v9\.9."):
            open_hub_dataset(REPO, revision="v9.9")

    def test_repo_that_is_not_a_lerobot_dataset(self, local_hub: LocalHub, tmp_path: Path) -> None:
        (tmp_path / "plain").mkdir()
        (tmp_path / "plain" / "README.md").write_text("just text")
        local_hub.publish(REPO, tmp_path / "plain", tags=())
        with pytest.raises(HubNotFoundError, match="not a LeRobot dataset: it has no meta/info"):
            open_hub_dataset(REPO)

    def test_gated_repo(self, local_hub: LocalHub, local_dataset: Path) -> None:
        local_hub.publish(REPO, local_dataset, gated=True)
        with pytest.raises(HubAccessError, match="is gated: accept its access conditions"):
            open_hub_dataset(REPO)

    @pytest.mark.parametrize("repo_id", ["", "noslash", "a/b/c", "../x", None, "a/../b"])
    def test_bad_repo_ids(self, repo_id: Any) -> None:
        with pytest.raises(ConfigError, match="namespace/name"):
            open_hub_dataset(repo_id)

    def test_server_down(self, local_hub: LocalHub) -> None:
        local_hub.stop()
        with pytest.raises(HubUnreachableError, match="Cannot reach the Hub"):
            open_hub_dataset(REPO)


class TestRangedReads:
    def test_report_equals_the_local_one_and_fetches_little(
        self, local_hub: LocalHub, local_dataset: Path, published: str
    ) -> None:
        hub = open_hub_dataset(REPO)
        remote, local = encoding_report(hub.reader), encoding_report(local_dataset)
        for far, near in zip(remote.features, local.features, strict=True):
            # Same facts; only the paths differ (cache snapshot vs local folder).
            far_video = dataclasses.replace(far.video, path=near.video.path)
            assert far_video == near.video
            same_paths = dataclasses.replace(
                far, files=near.files, video=near.video, findings=near.findings
            )
            assert same_paths == near
            assert [(f.severity, f.field) for f in far.findings] == [
                (f.severity, f.field) for f in near.findings
            ]
        # Each video is opened once, and read by ranged requests of at most one block here
        # (these files are a block or less; benchmarks/bench_hub_report.py measures real sizes).
        videos = [f for f in hub.files if f.path.startswith("videos/")]
        video_gets = [r for m, p, r in local_hub.requests if m == "GET" and "/videos/" in p]
        assert len(video_gets) == len(videos)
        assert all(r and r.startswith("bytes=") for r in video_gets)
        meta = sum(f.size_bytes for f in hub.files if f.path.startswith("meta/"))
        assert hub.bytes_fetched - meta <= sum(f.size_bytes for f in videos)
        assert local_hub.bytes_served == hub.bytes_fetched  # counted as the server sent them

    def test_episode_copies_and_columns_equal_the_local_dataset(
        self, local_hub: LocalHub, local_dataset: Path, published: str, tmp_path: Path
    ) -> None:
        hub = open_hub_dataset(REPO)
        local = open_dataset(local_dataset)
        copies = episode_videos(hub.reader, 2, tmp_path)
        for key, video in copies.items():
            assert video.num_frames == LENGTHS[2]
            np.testing.assert_array_equal(episode_frames(video), local.frames(key, 2))
        for name, values in hub.reader.episode_columns(2).items():
            np.testing.assert_array_equal(values, local.episode_columns(2)[name])

    def test_video_truncated_on_the_server(
        self, local_hub: LocalHub, local_dataset: Path, published: str
    ) -> None:
        path = "videos/observation.images.cam/chunk-000/file-000.mp4"
        size = len(local_hub.file_bytes(REPO, path))
        local_hub.truncate_file(REPO, path, size - 2000)  # the last frames' bytes go
        shutil.rmtree(Path(local_hub_cache()), ignore_errors=True)
        report = encoding_report(open_hub_dataset(REPO).reader)
        cam = next(f for f in report.features if f.key == "observation.images.cam")
        assert cam.num_frames_from_content < cam.num_frames_from_header == sum(LENGTHS)
        [finding] = [f for f in cam.findings if f.field == "num_frames"]
        assert finding.severity == "error"
        assert path in finding.message

    def test_video_cut_before_its_index_is_a_media_error(
        self, local_hub: LocalHub, published: str
    ) -> None:
        path = "videos/observation.images.depth/chunk-000/file-000.mp4"
        local_hub.truncate_file(REPO, path, 300)
        with pytest.raises(MediaError, match="cannot be indexed"):
            encoding_report(open_hub_dataset(REPO).reader)


@pytest.fixture(scope="module")
def noisy_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One 240x320 camera of noise (large frames, so a file spans many range blocks)."""
    root = tmp_path_factory.mktemp("noisy") / "noisy"
    features = {"cam": {"dtype": "video", "shape": (240, 320, 3), "names": None}}
    writer = create_dataset(root, fps=FPS, features=features)
    rng = np.random.default_rng(5)
    for length in LENGTHS:
        for _ in range(length):
            writer.add_frame(
                {"cam": rng.integers(0, 256, (240, 320, 3), dtype=np.uint8), "task": "t"}
            )
        writer.save_episode()
    writer.finalize()
    return root


class TestGOPReads:
    """Reading a frame or an episode fetches its GOPs (and the index), not the file."""

    def test_one_frame_fetches_its_gop(self, local_hub: LocalHub, noisy_dataset: Path) -> None:
        local_hub.publish(REPO, noisy_dataset)
        hub = open_hub_dataset(REPO)
        [video] = [f for f in hub.files if f.path.endswith(".mp4")]
        local_hub.reset_stats()
        frame = read_frame(hub.reader, "cam", 2, 9)
        np.testing.assert_array_equal(frame, open_dataset(noisy_dataset).frames("cam", 2, [9])[0])
        # g=2: the frame's GOP is two frames of about 1/62 of the file each.
        assert local_hub.bytes_served < video.size_bytes / 6
        assert all(r for m, _, r in local_hub.requests if m == "GET")  # ranged, every one

    def test_an_episode_fetches_its_share_of_the_file(
        self, local_hub: LocalHub, noisy_dataset: Path, tmp_path: Path
    ) -> None:
        local_hub.publish(REPO, noisy_dataset)
        hub = open_hub_dataset(REPO)
        [video] = [f for f in hub.files if f.path.endswith(".mp4")]
        local_hub.reset_stats()
        [copy] = episode_videos(hub.reader, 3, tmp_path).values()
        np.testing.assert_array_equal(
            episode_frames(copy), open_dataset(noisy_dataset).frames("cam", 3)
        )
        share = LENGTHS[3] / sum(LENGTHS)
        assert local_hub.bytes_served < video.size_bytes * (share + 0.1)


def local_hub_cache() -> str:
    from huggingface_hub import constants

    return str(constants.HF_HUB_CACHE)


class TestPush:
    def test_push_then_reopen(self, local_hub: LocalHub, local_dataset: Path) -> None:
        local_hub.add_token("hf_writer_secret_5678", write=True)
        before = {p: p.read_bytes() for p in local_dataset.rglob("*") if p.is_file()}
        steps: list[tuple[int, int, str]] = []
        result = push_dataset(
            local_dataset,
            "alice/pushed",
            token="hf_writer_secret_5678",
            progress=lambda done, total, text: steps.append((done, total, text)),
        )
        assert result.num_files == len(before)
        assert steps[-1][0] == steps[-1][1] == sum(len(b) for b in before.values())
        assert local_hub.resolve_revision("alice/pushed", "v3.0") == result.commit
        hub = open_hub_dataset("alice/pushed")
        assert hub.commit == result.commit
        local = open_dataset(local_dataset)
        assert [e.videos for e in hub.reader.episodes] == [e.videos for e in local.episodes]
        # The source is untouched.
        assert {p: p.read_bytes() for p in local_dataset.rglob("*") if p.is_file()} == before

    def test_push_needs_a_write_token(self, local_hub: LocalHub, local_dataset: Path) -> None:
        with pytest.raises(HubAccessError):
            push_dataset(local_dataset, "alice/pushed")

    @pytest.mark.usefixtures("no_backoff_sleep")
    def test_interrupted_push_resumes_without_resending(
        self, local_hub: LocalHub, local_dataset: Path
    ) -> None:
        local_hub.add_token("hf_writer_secret_5678", write=True)
        local_hub.fail_lfs_uploads_after(1)
        with pytest.raises(HubUnreachableError, match="Push again: what arrived is not sent twice"):
            push_dataset(local_dataset, "alice/pushed", token="hf_writer_secret_5678")
        first_puts = [p for m, p, _ in local_hub.requests if m == "PUT"]
        local_hub.fail_lfs_uploads_after(None)
        local_hub.reset_stats()
        result = push_dataset(local_dataset, "alice/pushed", token="hf_writer_secret_5678")
        second_puts = [p for m, p, _ in local_hub.requests if m == "PUT"]
        assert first_puts
        assert not set(first_puts[:1]) & set(second_puts)
        assert local_hub.resolve_revision("alice/pushed", "v3.0") == result.commit


def test_lerobot_written_dataset_reads_the_same_through_the_hub(
    local_hub: LocalHub, tmp_path: Path
) -> None:
    fixture = Path(__file__).parents[1] / "fixtures" / "lerobot_dataset" / "data"
    local_hub.publish("lerobot/fixture", fixture)
    hub = open_hub_dataset("lerobot/fixture")
    local = open_dataset(fixture)
    assert [e.length for e in hub.reader.episodes] == [e.length for e in local.episodes]
    remote_report, local_report = encoding_report(hub.reader), encoding_report(fixture)
    assert [(f.severity, f.field) for f in remote_report.findings] == [
        (f.severity, f.field) for f in local_report.findings
    ]
    for key in local.video_keys:
        [copy] = episode_videos(hub.reader, 1, tmp_path, keys=[key]).values()
        np.testing.assert_array_equal(episode_frames(copy), local.frames(key, 1))


def test_a_private_cache_folder_and_its_trim(
    local_hub: LocalHub, local_dataset: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "app-cache"
    for name in ("robots/a", "robots/b", "robots/c"):
        local_hub.publish(name, local_dataset)
        open_hub_dataset(name, cache_dir=cache)
    folders = sorted(p.name for p in cache.glob("datasets--*"))
    assert folders == ["datasets--robots--a", "datasets--robots--b", "datasets--robots--c"]
    one = sum(f.stat().st_size for f in (cache / folders[0]).rglob("*") if f.is_file())
    open_hub_dataset("robots/a", cache_dir=cache)  # a is used again: b is now the oldest
    removed = trim_hub_cache(cache, max_bytes=int(2.5 * one), keep="robots/c")
    assert removed == one
    assert sorted(p.name for p in cache.glob("datasets--*")) == [folders[0], folders[2]]
    assert trim_hub_cache(cache, max_bytes=0, keep="robots/c") == one  # never the kept one
    assert [p.name for p in cache.glob("datasets--*")] == [folders[2]]


def test_a_hub_dataset_merges_with_a_local_one(
    local_hub: LocalHub, local_dataset: Path, published: str, tmp_path: Path
) -> None:
    hub = open_hub_dataset(REPO)
    plan = plan_merge([hub.reader, local_dataset])
    assert plan.ok, plan.conflicts
    result = execute_merge(plan, tmp_path / "out" / "merged")
    assert result.num_episodes == 2 * len(LENGTHS)
    report = verify_merge(plan, result.root)
    assert report.ok, report.problems
    # The Hub source's videos were fetched for the join, then removed.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["merged"]
