"""Random access by timestamp (``lerobot_video.decode_frames``) on files written by PyAV.

Covers:
- exactness against a full sequential PyAV decode, for libsvtav1, libx264 and libx265 at
  g in {1, 2, 5, 10}, with the encoders' defaults (x265: B-frames and open GOP, so leading
  pictures follow their keyframe in decode order) and with LeRobot's option dicts: ~30 seeded
  single timestamps, and multi-frame requests that are unsorted and repeat frames;
- timestamp semantics: the tolerance (between-frame times refused, near times accepted),
  negative and beyond-the-end times, input validation;
- the decoder cache: a second request does not reopen the file, LRU bound and order, evicted
  files are closed, a file rewritten at the same path is reopened, ``clear_decoder_cache``;
- corrupt input (empty file, random bytes, text, MP4 truncated with the index last or first)
  and a missing path raise ``MediaError``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest

from lerobot_video import (
    ConfigError,
    FrameIndexError,
    MediaError,
    clear_decoder_cache,
    decode_frames,
)
from lerobot_video.codec import decode as decode_module

N, HEIGHT, WIDTH, FPS = 24, 48, 64, 30
CODECS = ("libsvtav1", "libx264", "libx265")
GOPS = (1, 2, 5, 10)
Videos = dict[tuple[str, int, str], tuple[Path, npt.NDArray[np.uint8]]]

# The option dicts LeRobot's get_codec_options(as_strings=True) gives for vcodec libsvtav1,
# h264 and hevc with crf 30 (tests/fixtures/lerobot_reference/codec_options.json).
_LEROBOT_OPTIONS = {
    "libsvtav1": {"crf": "30", "preset": "12", "svtav1-params": "fast-decode=0"},
    "libx264": {"crf": "30"},
    "libx265": {"crf": "30"},
}


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_decoder_cache()
    yield
    clear_decoder_cache()


@pytest.fixture(scope="module")
def videos(
    tmp_path_factory: pytest.TempPathFactory,
    make_frames: Callable[..., npt.NDArray[np.uint8]],
    make_video: Callable[..., Path],
    decode_all: Callable[[Path], Any],
    encoder_unavailable: Callable[[str], str | None],
) -> Videos:
    """(codec, g, "defaults"|"lerobot") -> (file, reference frames in pts order).

    Files whose encoder cannot open here are left out; the tests that need them skip.
    """
    folder = tmp_path_factory.mktemp("decode")
    frames = make_frames(N, HEIGHT, WIDTH, "moving")
    out: Videos = {}
    for codec in CODECS:
        if encoder_unavailable(codec) is not None:
            continue
        for g in GOPS:
            for variant in ("defaults", "lerobot"):
                options = {"g": str(g)}
                if variant == "lerobot":
                    options.update(_LEROBOT_OPTIONS[codec])
                path = make_video(folder, codec, "yuv420p", frames, FPS, options)
                pts, reference, time_base = decode_all(path)
                assert [p * time_base for p in pts] == [Fraction(i, FPS) for i in range(N)]
                out[codec, g, variant] = (path, np.stack(reference))
    return out


def _video(videos: Videos, codec: str, g: int, variant: str) -> tuple[Path, npt.NDArray[np.uint8]]:
    return videos[codec, g, variant]


_CASES = [
    pytest.param(codec, g, variant, marks=pytest.mark.requires_encoder(codec))
    for codec in CODECS
    for g in GOPS
    for variant in ("defaults", "lerobot")
]


@pytest.mark.parametrize(("codec", "g", "variant"), _CASES)
class TestRandomAccessIsExact:
    def test_single_timestamps(self, videos: Videos, codec: str, g: int, variant: str) -> None:
        path, reference = _video(videos, codec, g, variant)
        rng = np.random.default_rng(1000 * g + CODECS.index(codec))
        for index in rng.integers(0, N, size=30).tolist():
            got = decode_frames(path, [index / FPS])
            assert got.shape == (1, HEIGHT, WIDTH, 3)
            assert got.dtype == np.uint8
            np.testing.assert_array_equal(got[0], reference[index], err_msg=f"frame {index}")

    def test_unsorted_request_with_duplicates(
        self, videos: Videos, codec: str, g: int, variant: str
    ) -> None:
        path, reference = _video(videos, codec, g, variant)
        rng = np.random.default_rng(7 * g)
        indices = [*rng.integers(0, N, size=10).tolist(), N - 1, 0, N - 1, 3, 3]
        got = decode_frames(path, np.array(indices) / FPS)
        np.testing.assert_array_equal(got, reference[indices])

    def test_every_frame_backwards(self, videos: Videos, codec: str, g: int, variant: str) -> None:
        path, reference = _video(videos, codec, g, variant)
        indices = list(range(N - 1, -1, -1))
        np.testing.assert_array_equal(
            decode_frames(path, [i / FPS for i in indices]), reference[indices]
        )


@pytest.mark.requires_encoder("libx265")
@pytest.mark.parametrize("g", [5, 10])
def test_x265_defaults_have_leading_pictures(videos: Videos, g: int) -> None:
    """The hard case is real: a frame decoded after a keyframe is shown before it."""
    path, _ = _video(videos, "libx265", g, "defaults")
    with av.open(str(path)) as container:
        packets = [
            (p.dts, p.pts, p.is_keyframe)
            for p in container.demux(video=0)
            if p.pts is not None and p.dts is not None
        ]
    keyframes = [(dts, pts) for dts, pts, key in packets if key and pts > 0]
    assert any(
        dts > key_dts and pts < key_pts for key_dts, key_pts in keyframes for dts, pts, _ in packets
    )
    assert any(dts != pts for dts, pts, _ in packets)  # B-frames reorder


@pytest.mark.requires_encoder("libx264")
class TestTimestamps:
    @pytest.fixture
    def clip(self, videos: Videos) -> tuple[Path, npt.NDArray[np.uint8]]:
        return _video(videos, "libx264", 5, "lerobot")

    def test_between_frames_refused(self, clip: tuple[Path, Any]) -> None:
        path, _ = clip
        with pytest.raises(
            FrameIndexError, match=r"No frame within tolerance_seconds=0.0001 of 0.116667 s"
        ):
            decode_frames(path, [3.5 / FPS])

    def test_message_describes_video(self, clip: tuple[Path, Any]) -> None:
        path, _ = clip
        with pytest.raises(FrameIndexError, match=f"The video has {N} frames from 0.000000 s"):
            decode_frames(path, [0.0, 3.5 / FPS])

    def test_within_tolerance_returns_nearest(self, clip: tuple[Path, Any]) -> None:
        path, reference = clip
        got = decode_frames(path, [4 / FPS + 5e-5, 6 / FPS - 5e-5])
        np.testing.assert_array_equal(got, reference[[4, 6]])

    def test_larger_tolerance_accepts_between_frames(self, clip: tuple[Path, Any]) -> None:
        path, reference = clip
        got = decode_frames(path, [3.4 / FPS], tolerance_seconds=0.5 / FPS)
        np.testing.assert_array_equal(got[0], reference[3])

    @pytest.mark.parametrize("timestamp", [-1 / FPS, -1e-3, N / FPS, 100.0])
    def test_outside_the_video(self, clip: tuple[Path, Any], timestamp: float) -> None:
        path, _ = clip
        with pytest.raises(FrameIndexError, match="No frame within tolerance_seconds"):
            decode_frames(path, [timestamp])

    def test_last_frame(self, clip: tuple[Path, Any]) -> None:
        path, reference = clip
        np.testing.assert_array_equal(decode_frames(path, [(N - 1) / FPS])[0], reference[-1])

    @pytest.mark.parametrize(
        "timestamps", [[], np.array([]), [[0.0]], [float("nan")], [0.0, float("inf")]], ids=repr
    )
    def test_bad_timestamps(self, clip: tuple[Path, Any], timestamps: Any) -> None:
        path, _ = clip
        with pytest.raises(ConfigError, match="timestamps must be a non-empty 1-D sequence"):
            decode_frames(path, timestamps)

    def test_negative_tolerance(self, clip: tuple[Path, Any]) -> None:
        path, _ = clip
        with pytest.raises(ConfigError, match="tolerance_seconds must be a finite number of sec"):
            decode_frames(path, [0.0], tolerance_seconds=-1e-4)

    def test_accepts_str_path(self, clip: tuple[Path, Any]) -> None:
        path, reference = clip
        np.testing.assert_array_equal(decode_frames(str(path), [0.0])[0], reference[0])


@pytest.fixture
def count_opens(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every file the decoder opens (wraps ``_OpenVideo.__init__``)."""
    opened: list[Path] = []
    original = decode_module._OpenVideo.__init__

    def counting_init(self: Any, path: Path) -> None:
        opened.append(path)
        original(self, path)

    monkeypatch.setattr(decode_module._OpenVideo, "__init__", counting_init)
    return opened


@pytest.fixture
def small_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Replace the module cache with a 2-entry one for the test."""
    cache = decode_module._DecoderCache(2)
    monkeypatch.setattr(decode_module, "_CACHE", cache)
    yield cache
    cache.clear()


@pytest.mark.requires_encoder("libx264")
class TestCache:
    def _paths(self, videos: Videos) -> list[Path]:
        return [_video(videos, "libx264", g, "lerobot")[0] for g in (1, 2, 5)]

    def test_second_request_does_not_reopen(self, videos: Videos, count_opens: list[Path]) -> None:
        path, reference = _video(videos, "libx264", 2, "lerobot")
        decode_frames(path, [0.0])
        got = decode_frames(path, [5 / FPS, 1 / FPS])
        assert count_opens == [path]
        assert len(decode_module._CACHE.entries) == 1
        np.testing.assert_array_equal(got, reference[[5, 1]])

    def test_lru_is_bounded(
        self, videos: Videos, small_cache: Any, count_opens: list[Path]
    ) -> None:
        first, second, third = self._paths(videos)
        for path in (first, second, third):
            decode_frames(path, [0.0])
        assert len(small_cache.entries) == 2
        cached = {Path(key[0]) for key in small_cache.entries}
        assert cached == {second.resolve(), third.resolve()}
        decode_frames(first, [0.0])  # evicted, so opened again
        assert count_opens == [first, second, third, first]

    def test_lru_order_follows_use(self, videos: Videos, small_cache: Any) -> None:
        first, second, third = self._paths(videos)
        decode_frames(first, [0.0])
        decode_frames(second, [0.0])
        decode_frames(first, [1 / FPS])  # first is now the most recent
        decode_frames(third, [0.0])
        assert {Path(key[0]) for key in small_cache.entries} == {first.resolve(), third.resolve()}

    def test_evicted_entries_are_closed(
        self, videos: Videos, small_cache: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        closed: list[Path] = []
        original = decode_module._OpenVideo.close

        def recording_close(self: Any) -> None:
            closed.append(self.path)
            original(self)

        monkeypatch.setattr(decode_module._OpenVideo, "close", recording_close)
        first, second, third = self._paths(videos)
        for path in (first, second, third):
            decode_frames(path, [0.0])
        assert closed == [first]
        small_cache.clear()
        assert sorted(closed) == sorted([first, second, third])
        assert not small_cache.entries

    def test_rewritten_file_is_reopened(
        self,
        tmp_path: Path,
        make_frames: Callable[..., npt.NDArray[np.uint8]],
        make_video: Callable[..., Path],
        decode_all: Callable[[Path], Any],
        count_opens: list[Path],
    ) -> None:
        first = make_frames(6, HEIGHT, WIDTH, "ramp")
        path = make_video(tmp_path, "libx264", "yuv420p", first, FPS, {"g": "2"}, name="v.mp4")
        before = decode_frames(path, [2 / FPS])
        np.testing.assert_array_equal(before[0], decode_all(path)[1][2])
        # Same path, new content: different size and modification time.
        second = make_frames(9, HEIGHT, WIDTH, "moving")
        path.unlink()
        make_video(tmp_path, "libx264", "yuv420p", second, FPS, {"g": "3"}, name="v.mp4")
        after = decode_frames(path, [2 / FPS, 8 / FPS])
        np.testing.assert_array_equal(after, np.stack(decode_all(path)[1])[[2, 8]])
        assert not np.array_equal(after[0], before[0])
        assert count_opens == [path, path]

    def test_clear_decoder_cache(
        self, videos: Videos, monkeypatch: pytest.MonkeyPatch, count_opens: list[Path]
    ) -> None:
        closed: list[Path] = []
        original = decode_module._OpenVideo.close

        def recording_close(self: Any) -> None:
            closed.append(self.path)
            original(self)

        monkeypatch.setattr(decode_module._OpenVideo, "close", recording_close)
        path, _ = _video(videos, "libx264", 2, "lerobot")
        decode_frames(path, [0.0])
        clear_decoder_cache()
        assert closed == [path]
        assert not decode_module._CACHE.entries
        decode_frames(path, [0.0])
        assert count_opens == [path, path]


class TestCorruptInput:
    def _assert_media_error(self, path: Path) -> None:
        with pytest.raises(MediaError) as info:
            decode_frames(path, [0.0])
        assert str(path) in str(info.value)
        assert info.value.path == path
        assert not decode_module._CACHE.entries  # nothing half-open is cached

    def test_empty_file(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.mp4"
        path.write_bytes(b"")
        with pytest.raises(MediaError, match=r"is empty \(0 bytes\)"):
            decode_frames(path, [0.0])

    def test_random_bytes(self, tmp_path: Path) -> None:
        path = tmp_path / "random.mp4"
        path.write_bytes(np.random.default_rng(0).bytes(4096))
        self._assert_media_error(path)

    def test_text_file(self, tmp_path: Path) -> None:
        path = tmp_path / "notes.mp4"
        path.write_text("this is not a video\n" * 50)
        self._assert_media_error(path)

    @pytest.mark.requires_encoder("libx264")
    @pytest.mark.parametrize("faststart", [False, True], ids=["index-last", "index-first"])
    def test_truncated_mp4(
        self,
        tmp_path: Path,
        make_frames: Callable[..., npt.NDArray[np.uint8]],
        make_video: Callable[..., Path],
        faststart: bool,
    ) -> None:
        frames = make_frames(12, HEIGHT, WIDTH, "moving")
        path = make_video(tmp_path, "libx264", "yuv420p", frames, FPS, {}, faststart=faststart)
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
        self._assert_media_error(path)

    def test_missing_path(self, tmp_path: Path) -> None:
        path = tmp_path / "missing.mp4"
        with pytest.raises(MediaError, match=r"missing\.mp4"):
            decode_frames(path, [0.0])

    def test_directory(self, tmp_path: Path) -> None:
        with pytest.raises(MediaError):
            decode_frames(tmp_path, [0.0])
