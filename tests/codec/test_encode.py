"""Encoding RGB frames to MP4 (``lerobot_video.encode_video``), read back with PyAV directly.

Covers:
- round trips through libsvtav1, h264 and hevc on a moving, textured clip: frame count,
  frame times ``i / fps``, codec, pixel format, ``movflags=faststart`` (``moov`` before
  ``mdat``), a PSNR floor per codec, quality that follows ``crf``, 10-bit and 4:4:4 output;
- the returned ``info`` block equals LeRobot 0.6.1's for the same config and clip geometry
  (``tests/fixtures/lerobot_reference/video_info.json``): keys, order, values and types;
- atomic writes: a failure mid-encode leaves no target and no ``*.partial.mp4``, and never
  destroys an existing file; a successful encode replaces it;
- input errors (empty, dtype, shape, odd size with 4:2:0, fps, missing folder, depth config,
  a config the encoder refuses); iterator input; the progress callback; ``vcodec="auto"``.
"""

from __future__ import annotations

import json
import os
import struct
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
    DepthEncoderConfig,
    MediaError,
    RGBEncoderConfig,
    encode_video,
    probe_video,
)

VIDEO_INFO = json.loads(
    (Path(__file__).parents[1] / "fixtures/lerobot_reference/video_info.json").read_text()
)
N, HEIGHT, WIDTH, FPS = 16, 64, 96, 30
MakeFrames = Callable[..., npt.NDArray[np.uint8]]
DecodeAll = Callable[[Path], tuple[list[int], list[npt.NDArray[np.uint8]], Fraction]]
Psnr = Callable[[npt.NDArray[np.uint8], npt.NDArray[np.uint8]], float]

# vcodec -> (fixture clip made by LeRobot with the default config of that codec, PSNR floor).
# The floors are for crf 30 on make_frames(16, 64, 96, "moving"), whose fixed film grain
# (sigma 4) caps PSNR: measured 30.0 dB (libsvtav1), 27.7 dB (h264), 28.3 dB (hevc) with
# PyAV 18.1 / FFmpeg 8.1; each floor sits about 2.5 dB lower to absorb encoder updates.
ROUND_TRIPS = {
    "libsvtav1": ("rgb_default", 27.5),
    "h264": ("rgb_h264", 25.0),
    "hevc": ("rgb_hevc", 26.0),
}
_ENCODER_NAMES = {"libsvtav1": "libsvtav1", "h264": "libx264", "hevc": "libx265"}
_CODEC_NAMES = {"libsvtav1": "av1", "h264": "h264", "hevc": "hevc"}


def _top_level_atoms(path: Path) -> list[str]:
    """Names of the top-level MP4 boxes, in file order."""
    data = path.read_bytes()
    names, offset = [], 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8 : offset + 16])[0]
        names.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return names


@pytest.fixture(scope="module")
def clip(make_frames: MakeFrames) -> npt.NDArray[np.uint8]:
    frames = make_frames(N, HEIGHT, WIDTH, "moving")
    frames.flags.writeable = False  # shared by the module's tests
    return frames


@pytest.mark.parametrize(
    "vcodec",
    [pytest.param(v, marks=pytest.mark.requires_encoder(_ENCODER_NAMES[v])) for v in ROUND_TRIPS],
)
class TestRoundTrip:
    def test_stream_matches_request(
        self, tmp_path: Path, clip: npt.NDArray[np.uint8], vcodec: str, decode_all: DecodeAll
    ) -> None:
        path = tmp_path / "clip.mp4"
        encode_video(clip, path, fps=FPS, config=RGBEncoderConfig(vcodec=vcodec))
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.codec.canonical_name == _CODEC_NAMES[vcodec]
            assert stream.codec_context.pix_fmt == "yuv420p"
            assert (stream.width, stream.height) == (WIDTH, HEIGHT)
            assert stream.base_rate == FPS
            assert stream.frames == N
        pts, frames, time_base = decode_all(path)
        assert len(frames) == N
        # Frame i is shown at exactly i / fps (the MP4 muxer picks the tick, 1/15360 here,
        # as in LeRobot's files; the times are what matter).
        assert [p * time_base for p in pts] == [Fraction(i, FPS) for i in range(N)]
        assert str(time_base) == VIDEO_INFO["clips"][ROUND_TRIPS[vcodec][0]]["stream"]["time_base"]

    def test_faststart(self, tmp_path: Path, clip: npt.NDArray[np.uint8], vcodec: str) -> None:
        path = tmp_path / "clip.mp4"
        encode_video(clip, path, fps=FPS, config=RGBEncoderConfig(vcodec=vcodec))
        atoms = _top_level_atoms(path)
        assert "moov" in atoms
        assert "mdat" in atoms
        assert atoms.index("moov") < atoms.index("mdat")

    def test_psnr_floor(
        self,
        tmp_path: Path,
        clip: npt.NDArray[np.uint8],
        vcodec: str,
        decode_all: DecodeAll,
        compute_psnr: Psnr,
    ) -> None:
        path = tmp_path / "clip.mp4"
        encode_video(clip, path, fps=FPS, config=RGBEncoderConfig(vcodec=vcodec))
        decoded = np.stack(decode_all(path)[1])
        assert decoded.shape == clip.shape
        assert compute_psnr(clip, decoded) >= ROUND_TRIPS[vcodec][1]

    def test_info_block_equals_lerobots(
        self, tmp_path: Path, clip: npt.NDArray[np.uint8], vcodec: str
    ) -> None:
        # Same config, geometry and fps as LeRobot's reference clip, so the whole dict matches.
        reference = VIDEO_INFO["clips"][ROUND_TRIPS[vcodec][0]]
        assert (VIDEO_INFO["frames"]["height"], VIDEO_INFO["frames"]["width"]) == (HEIGHT, WIDTH)
        assert VIDEO_INFO["frames"]["fps"] == FPS
        info = encode_video(
            clip, tmp_path / "clip.mp4", fps=FPS, config=RGBEncoderConfig(vcodec=vcodec)
        )
        assert list(info) == list(reference["info_with_encoder"])
        assert info == reference["info_with_encoder"]
        assert [[k, v, type(v).__name__] for k, v in info.items()] == reference[
            "info_with_encoder_types"
        ]


@pytest.mark.requires_encoder("libx264", "libsvtav1")
class TestEncoderSettings:
    def test_lower_crf_is_better(
        self,
        tmp_path: Path,
        clip: npt.NDArray[np.uint8],
        decode_all: DecodeAll,
        compute_psnr: Psnr,
    ) -> None:
        quality = {}
        for crf in (10, 40):
            path = tmp_path / f"crf{crf}.mp4"
            encode_video(clip, path, fps=FPS, config=RGBEncoderConfig(vcodec="h264", crf=crf))
            quality[crf] = compute_psnr(clip, np.stack(decode_all(path)[1]))
        # Measured 31.4 vs 24.5 dB: crf must reach the encoder.
        assert quality[10] > quality[40] + 3

    def test_gop_reaches_encoder(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        path = tmp_path / "g4.mp4"
        encode_video(clip, path, fps=FPS, config=RGBEncoderConfig(vcodec="h264", g=4))
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            keyframes = [p.pts for p in container.demux(stream) if p.is_keyframe]
            time_base = stream.time_base
        assert time_base is not None
        assert sorted(int(p * time_base * FPS) for p in keyframes if p is not None) == [0, 4, 8, 12]

    def test_ten_bit(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        config = RGBEncoderConfig(pix_fmt="yuv420p10le")
        info = encode_video(clip, tmp_path / "ten.mp4", fps=FPS, config=config)
        assert info["video.pix_fmt"] == "yuv420p10le"
        with av.open(str(tmp_path / "ten.mp4")) as container:
            assert container.streams.video[0].codec_context.pix_fmt == "yuv420p10le"

    def test_odd_size_with_444(self, tmp_path: Path, make_frames: MakeFrames) -> None:
        frames = make_frames(4, 47, 63, "moving")
        config = RGBEncoderConfig(vcodec="h264", pix_fmt="yuv444p")
        info = encode_video(frames, tmp_path / "odd.mp4", fps=FPS, config=config)
        assert (info["video.height"], info["video.width"]) == (47, 63)
        assert info["video.pix_fmt"] == "yuv444p"

    def test_encoder_threads(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        info = encode_video(
            clip, tmp_path / "t.mp4", fps=FPS, config=RGBEncoderConfig(), encoder_threads=1
        )
        assert info["video.codec"] == "av1"

    def test_auto_resolves_to_working_encoder(
        self, tmp_path: Path, clip: npt.NDArray[np.uint8]
    ) -> None:
        info = encode_video(
            clip, tmp_path / "a.mp4", fps=FPS, config=RGBEncoderConfig(vcodec="auto")
        )
        assert info["video.codec"] in ("av1", "h264", "hevc")
        assert info["video.preset"] in (12, None)


@pytest.mark.requires_encoder("libx264")
class TestInputs:
    def test_iterator_equals_array(
        self, tmp_path: Path, clip: npt.NDArray[np.uint8], decode_all: DecodeAll
    ) -> None:
        # libx264's lossy output is not bit-reproducible here (even with one thread), so use
        # its lossless mode (crf 0, 4:4:4): the decoded frames then depend only on the input.
        config = RGBEncoderConfig(vcodec="h264", pix_fmt="yuv444p", crf=0)
        from_array = encode_video(clip, tmp_path / "array.mp4", fps=FPS, config=config)
        generator = (frame for frame in clip)
        from_iter = encode_video(generator, tmp_path / "iter.mp4", fps=FPS, config=config)
        assert from_iter == from_array
        array_pts, array_frames, _ = decode_all(tmp_path / "array.mp4")
        iter_pts, iter_frames, _ = decode_all(tmp_path / "iter.mp4")
        assert iter_pts == array_pts
        np.testing.assert_array_equal(np.stack(iter_frames), np.stack(array_frames))

    def test_frames_stay_in_order(
        self, tmp_path: Path, clip: npt.NDArray[np.uint8], decode_all: DecodeAll
    ) -> None:
        # Lossless 4:4:4 leaves only RGB<->YUV rounding (measured max error 2), so each decoded
        # frame must match its own source frame, not a neighbour.
        config = RGBEncoderConfig(vcodec="h264", pix_fmt="yuv444p", crf=0, g=5)
        encode_video(clip, tmp_path / "lossless.mp4", fps=FPS, config=config)
        decoded = np.stack(decode_all(tmp_path / "lossless.mp4")[1]).astype(np.int16)
        assert np.abs(decoded - clip).max() <= 3

    def test_list_of_frames(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        encode_video(
            list(clip[:5]), tmp_path / "l.mp4", fps=FPS, config=RGBEncoderConfig(vcodec="h264")
        )
        with av.open(str(tmp_path / "l.mp4")) as container:
            assert sum(1 for _ in container.decode(video=0)) == 5

    def test_progress_with_array(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        calls: list[tuple[int, int]] = []
        encode_video(
            clip,
            tmp_path / "p.mp4",
            fps=FPS,
            config=RGBEncoderConfig(vcodec="h264"),
            progress=lambda done, total: calls.append((done, total)),
        )
        assert calls == [(i, N) for i in range(1, N + 1)]

    def test_progress_with_iterator_has_unknown_total(
        self, tmp_path: Path, clip: npt.NDArray[np.uint8]
    ) -> None:
        calls: list[tuple[int, int]] = []
        encode_video(
            iter(clip[:6]),
            tmp_path / "p.mp4",
            fps=FPS,
            config=RGBEncoderConfig(vcodec="h264"),
            progress=lambda done, total: calls.append((done, total)),
        )
        assert calls == [(i, 0) for i in range(1, 7)]

    def test_existing_file_replaced(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        path = tmp_path / "clip.mp4"
        path.write_bytes(b"old contents")
        encode_video(clip[:4], path, fps=FPS, config=RGBEncoderConfig(vcodec="h264"))
        with av.open(str(path)) as container:
            assert container.streams.video[0].frames == 4
        assert os.listdir(tmp_path) == ["clip.mp4"]

    def test_path_may_be_a_string(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        encode_video(
            clip[:2], str(tmp_path / "s.mp4"), fps=FPS, config=RGBEncoderConfig(vcodec="h264")
        )
        assert (tmp_path / "s.mp4").stat().st_size > 0


def _frames_then_bad_shape(clip: npt.NDArray[np.uint8]) -> list[npt.NDArray[np.uint8]]:
    frames = list(clip[:8])
    frames[5] = np.zeros((HEIGHT // 2, WIDTH // 2, 3), dtype=np.uint8)
    return frames


def _frames_then_crash(clip: npt.NDArray[np.uint8]) -> Iterator[npt.NDArray[np.uint8]]:
    yield from clip[:5]
    raise RuntimeError("camera unplugged")


@pytest.mark.requires_encoder("libx264")
class TestAtomicWrite:
    def test_bad_frame_mid_encode_leaves_nothing(
        self, tmp_path: Path, clip: npt.NDArray[np.uint8]
    ) -> None:
        path = tmp_path / "clip.mp4"
        with pytest.raises(ConfigError, match=r"Frame 5 has shape .* but frame 0 had"):
            encode_video(
                _frames_then_bad_shape(clip), path, fps=FPS, config=RGBEncoderConfig(vcodec="h264")
            )
        assert not path.exists()
        assert os.listdir(tmp_path) == []  # no *.partial.mp4 (hidden or not) left behind

    def test_source_crash_leaves_nothing(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        path = tmp_path / "clip.mp4"
        with pytest.raises(RuntimeError, match="camera unplugged"):
            encode_video(
                _frames_then_crash(clip), path, fps=FPS, config=RGBEncoderConfig(vcodec="h264")
            )
        assert os.listdir(tmp_path) == []

    @pytest.mark.parametrize("failure", ["bad_shape", "crash"])
    def test_existing_file_survives_failure(
        self, tmp_path: Path, clip: npt.NDArray[np.uint8], failure: str
    ) -> None:
        path = tmp_path / "clip.mp4"
        encode_video(clip[:3], path, fps=FPS, config=RGBEncoderConfig(vcodec="h264"))
        before = path.read_bytes()
        frames: Any = (
            _frames_then_bad_shape(clip) if failure == "bad_shape" else _frames_then_crash(clip)
        )
        with pytest.raises((ConfigError, RuntimeError)):
            encode_video(frames, path, fps=FPS, config=RGBEncoderConfig(vcodec="h264"))
        assert path.read_bytes() == before
        assert os.listdir(tmp_path) == ["clip.mp4"]


@pytest.mark.requires_encoder("libsvtav1")
class TestErrors:
    @pytest.mark.parametrize(
        "frames",
        [np.empty((0, HEIGHT, WIDTH, 3), dtype=np.uint8), [], iter([])],
        ids=["empty-array", "empty-list", "empty-iterator"],
    )
    def test_empty(self, tmp_path: Path, frames: Any) -> None:
        with pytest.raises(ConfigError, match="frames is empty"):
            encode_video(frames, tmp_path / "x.mp4", fps=FPS, config=RGBEncoderConfig())
        assert os.listdir(tmp_path) == []

    @pytest.mark.parametrize("dtype", [np.float32, np.uint16, np.int64])
    def test_wrong_dtype(self, tmp_path: Path, clip: npt.NDArray[np.uint8], dtype: Any) -> None:
        with pytest.raises(ConfigError, match="Frame 0 must be a uint8 numpy array"):
            encode_video(clip.astype(dtype), tmp_path / "x.mp4", fps=FPS, config=RGBEncoderConfig())
        assert os.listdir(tmp_path) == []

    def test_array_without_channels(self, tmp_path: Path) -> None:
        frames = np.zeros((4, HEIGHT, WIDTH), dtype=np.uint8)
        with pytest.raises(ConfigError, match=r"frames must have shape \(N, H, W, 3\)"):
            encode_video(frames, tmp_path / "x.mp4", fps=FPS, config=RGBEncoderConfig())

    def test_four_channels(self, tmp_path: Path) -> None:
        frames = np.zeros((4, HEIGHT, WIDTH, 4), dtype=np.uint8)
        with pytest.raises(ConfigError, match=r"Frame 0 must have shape \(H, W, 3\)"):
            encode_video(frames, tmp_path / "x.mp4", fps=FPS, config=RGBEncoderConfig())
        assert os.listdir(tmp_path) == []

    def test_odd_size_with_420(self, tmp_path: Path, make_frames: MakeFrames) -> None:
        frames = make_frames(2, 47, 64, "ramp")
        with pytest.raises(ConfigError, match="Frame size 64x47 is odd but pix_fmt 'yuv420p'"):
            encode_video(frames, tmp_path / "x.mp4", fps=FPS, config=RGBEncoderConfig())
        assert os.listdir(tmp_path) == []

    @pytest.mark.parametrize("fps", [0, -30, 29.97, True, "30"], ids=repr)
    def test_bad_fps(self, tmp_path: Path, clip: npt.NDArray[np.uint8], fps: Any) -> None:
        with pytest.raises(ConfigError, match="fps must be an integer >= 1"):
            encode_video(clip, tmp_path / "x.mp4", fps=fps, config=RGBEncoderConfig())

    def test_missing_folder(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        path = tmp_path / "missing" / "x.mp4"
        with pytest.raises(MediaError, match=r"Output folder .* does not exist") as info:
            encode_video(clip, path, fps=FPS, config=RGBEncoderConfig())
        assert info.value.path == path
        assert not path.parent.exists()

    def test_depth_config_refused(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        with pytest.raises(ConfigError, match="needs an RGBEncoderConfig, got DepthEncoderConfig"):
            encode_video(clip, tmp_path / "x.mp4", fps=FPS, config=DepthEncoderConfig())  # type: ignore[arg-type]

    def test_config_the_encoder_refuses(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        with pytest.raises(ConfigError, match=r"crf must be in \[0, 63\]"):
            encode_video(clip, tmp_path / "x.mp4", fps=FPS, config=RGBEncoderConfig(crf=64))
        assert os.listdir(tmp_path) == []

    def test_bad_encoder_threads(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        with pytest.raises(ConfigError, match="encoder_threads must be an integer >= 1"):
            encode_video(
                clip, tmp_path / "x.mp4", fps=FPS, config=RGBEncoderConfig(), encoder_threads=0
            )
        assert os.listdir(tmp_path) == []


class TestThreadScheduling:
    """SVT-AV1 run as root switches the opening thread to SCHED_FIFO 99; a busy real-time
    process started afterwards (a browser) can then starve a small machine. Encoding and
    probing encoders must leave the caller's scheduling policy as it was."""

    @pytest.mark.parametrize("vcodec", ["libsvtav1", "h264", "hevc"])
    def test_encode_keeps_caller_policy(self, tmp_path: Path, vcodec: str) -> None:
        before = (os.sched_getscheduler(0), os.sched_getparam(0))
        frames = np.zeros((3, 64, 64, 3), np.uint8)
        encode_video(frames, tmp_path / "x.mp4", fps=30, config=RGBEncoderConfig(vcodec=vcodec))
        assert (os.sched_getscheduler(0), os.sched_getparam(0)) == before

    def test_encoder_probe_keeps_caller_policy(self) -> None:
        from lerobot_video.codec import support as codecs

        before = (os.sched_getscheduler(0), os.sched_getparam(0))
        codecs._encoder_open_error.cache_clear()
        assert codecs._encoder_open_error("libsvtav1") is None
        assert (os.sched_getscheduler(0), os.sched_getparam(0)) == before


class TestTinyClips:
    """libx265 returns garbage decode timestamps for one- and two-frame clips; the MP4 muxer
    then failed ("Not yet implemented"). Such clips must encode and decode like any other."""

    @pytest.mark.parametrize("count", [1, 2, 3])
    @pytest.mark.parametrize("vcodec", ["hevc", "h264", "libsvtav1"])
    def test_short_clips_round_trip(self, tmp_path: Path, vcodec: str, count: int) -> None:
        frames = np.random.default_rng(count).integers(0, 256, (count, 48, 64, 3), dtype=np.uint8)
        path = tmp_path / "short.mp4"
        encode_video(frames, path, fps=30, config=RGBEncoderConfig(vcodec=vcodec))
        from lerobot_video import decode_frames, probe_video

        assert probe_video(path).num_frames_from_content == count
        decoded = decode_frames(path, [i / 30 for i in range(count)])
        assert decoded.shape == (count, 48, 64, 3)


class TestEncoderPlans:
    """An entry point checks its config once; a plan is trusted and never checked again."""

    def test_plan_is_not_checked_again(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_frames: MakeFrames
    ) -> None:
        from lerobot_video.codec import encode as encode_module
        from lerobot_video.codec import support as codecs

        plan = codecs.plan_encoder(RGBEncoderConfig(vcodec="h264"))

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("a plan must not be checked again")

        monkeypatch.setattr(encode_module, "plan_encoder", refuse)
        monkeypatch.setattr(codecs, "plan_encoder", refuse)
        monkeypatch.setattr(codecs, "resolve_auto_codec", refuse)
        path = tmp_path / "planned.mp4"
        info = encode_video(make_frames(4, 48, 64), path, fps=FPS, config=plan)
        assert info["video.codec"] == "h264"
        assert probe_video(path).num_frames == 4

    def test_config_checked_once(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_frames: MakeFrames
    ) -> None:
        from lerobot_video.codec import encode as encode_module
        from lerobot_video.codec import support as codecs

        calls: list[str] = []

        def counting(config: Any, **kwargs: Any) -> Any:
            calls.append(config.vcodec)
            return codecs.plan_encoder(config, **kwargs)

        monkeypatch.setattr(encode_module, "plan_encoder", counting)
        encode_video(make_frames(3, 48, 64), tmp_path / "x.mp4", fps=FPS, config=RGBEncoderConfig())
        assert calls == ["libsvtav1"]

    def test_array_frames_checked_once_iterables_per_frame(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_frames: MakeFrames
    ) -> None:
        from lerobot_video.codec import encode as encode_module
        from lerobot_video.codec.frames import check_rgb_frame

        checked: list[int] = []

        def counting(frame: Any, index: int, first: Any) -> None:
            checked.append(index)
            check_rgb_frame(frame, index, first)

        monkeypatch.setattr(encode_module, "check_rgb_frame", counting)
        frames = make_frames(5, 48, 64)
        encode_video(frames, tmp_path / "a.mp4", fps=FPS, config=RGBEncoderConfig())
        assert checked == [0]
        checked.clear()
        encode_video(list(frames), tmp_path / "b.mp4", fps=FPS, config=RGBEncoderConfig())
        assert checked == [0, 1, 2, 3, 4]

    def test_plan_fixes_threads(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        from lerobot_video import plan_encoder

        plan = plan_encoder(RGBEncoderConfig(), encoder_threads=2)
        with pytest.raises(ConfigError, match="encoder_threads=3 cannot change a plan"):
            encode_video(clip, tmp_path / "x.mp4", fps=FPS, config=plan, encoder_threads=3)
        assert os.listdir(tmp_path) == []

    def test_depth_plan_refused_for_rgb(self, tmp_path: Path, clip: npt.NDArray[np.uint8]) -> None:
        from lerobot_video import encode_depth_video, plan_encoder

        with pytest.raises(ConfigError, match="needs an RGBEncoderConfig, got DepthEncoderConfig"):
            encode_video(
                clip, tmp_path / "x.mp4", fps=FPS, config=plan_encoder(DepthEncoderConfig())
            )
        depth = np.ones((2, 48, 64), np.uint16)
        with pytest.raises(ConfigError, match="needs a DepthEncoderConfig, got RGBEncoderConfig"):
            encode_depth_video(
                depth, tmp_path / "d.mp4", fps=FPS, config=plan_encoder(RGBEncoderConfig())
            )
