"""Depth streams: ``encode_depth_video`` then ``decode_depth_codes``, codes compared bit for bit.

Covers:
- lossless round trips of the 12-bit codes (``np.testing.assert_array_equal`` against
  ``quantize_depth`` of the input): the default config (HEVC, ``x265-params=lossless=1``) and
  FFV1 on the first 20 frames of the bundled ALOHA sim depth clip (float metres), and a
  synthetic uint16 millimetre ramp with zeros where ``mark_invalid=True`` brings the zeros
  back as NaN; frames requested out of order;
- a lossy config (``extra_options={}``, ``crf=20``) is not exact;
- the ``info`` block (``is_depth_map``, ``depth_unit``, the quantizer keys, ``gray12le``,
  ``hevc``, one channel, ``extra_options``) and the stream profile (``Rext``); custom
  quantizer parameters persist and ``DepthQuantization.from_info`` rebuilds them;
- reading needs no HEVC encoder: with the encoder lookups patched to "missing", decoding and
  dequantizing still give the same depth, while encoding raises ``CodecUnavailableError``;
- corrupt, truncated and empty depth files raise ``MediaError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest

import lerobot_video.codec.support as codecs_module
from lerobot_video import (
    CodecUnavailableError,
    DepthEncoderConfig,
    DepthQuantization,
    MediaError,
    clear_decoder_cache,
    decode_depth_codes,
    dequantize_depth,
    encode_depth_video,
    probe_video,
    quantize_depth,
)

ALOHA_PATH = Path(__file__).parents[2] / "assets/aloha_sim_depth_ep0.npz"
ALOHA_FRAMES = 20
FFV1 = DepthEncoderConfig(vcodec="ffv1", extra_options={}, crf=None)
LOSSY_HEVC = DepthEncoderConfig(extra_options={}, crf=20)
SYNTH_N, SYNTH_HEIGHT, SYNTH_WIDTH, SYNTH_FPS = 8, 48, 64, 30

Encoded = tuple[Path, dict[str, Any]]


def _all_codes(path: Path, count: int, fps: int) -> npt.NDArray[np.uint16]:
    return decode_depth_codes(path, np.arange(count) / fps)


def millimetre_ramp() -> npt.NDArray[np.uint16]:
    """(8, 48, 64) uint16 mm: a diagonal ramp 0..12 m that moves, with a block of zeros.

    Covers code 0 (zeros and the first millimetres), the whole 12-bit range, and saturation
    beyond depth_max (10 m).
    """
    yy, xx = np.mgrid[0:SYNTH_HEIGHT, 0:SYNTH_WIDTH]
    frames = np.empty((SYNTH_N, SYNTH_HEIGHT, SYNTH_WIDTH), dtype=np.uint16)
    for i in range(SYNTH_N):
        ramp = ((xx + yy + 3 * i) % (SYNTH_HEIGHT + SYNTH_WIDTH)) / (SYNTH_HEIGHT + SYNTH_WIDTH)
        frame = np.round(ramp * 12000).astype(np.uint16)
        frame[4 + i : 12 + i, 10 + 2 * i : 20 + 2 * i] = 0
        frames[i] = frame
    return frames


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    clear_decoder_cache()
    yield
    clear_decoder_cache()


@pytest.fixture(scope="module")
def aloha() -> tuple[npt.NDArray[np.float32], int]:
    """The first 20 frames of the bundled ALOHA depth clip (480x640 float32 metres), fps."""
    with np.load(ALOHA_PATH) as data:
        depth = np.ascontiguousarray(data["depth"][:ALOHA_FRAMES])
        fps = int(data["fps"])
    assert depth.dtype == np.float32
    return depth, fps


@pytest.fixture(scope="module")
def aloha_hevc(tmp_path_factory: pytest.TempPathFactory, aloha: Any) -> Encoded:
    depth, fps = aloha
    path = tmp_path_factory.mktemp("depth-hevc") / "aloha.mp4"
    return path, encode_depth_video(depth, path, fps=fps, config=DepthEncoderConfig())


@pytest.fixture(scope="module")
def ramp_hevc(tmp_path_factory: pytest.TempPathFactory) -> Encoded:
    path = tmp_path_factory.mktemp("depth-ramp") / "ramp.mp4"
    info = encode_depth_video(
        millimetre_ramp(), path, fps=SYNTH_FPS, config=DepthEncoderConfig(), mark_invalid=True
    )
    return path, info


@pytest.mark.requires_encoder("libx265")
class TestLosslessHevc:
    def test_metres_codes_exact(self, aloha: Any, aloha_hevc: Encoded) -> None:
        depth, fps = aloha
        path, _ = aloha_hevc
        codes = _all_codes(path, ALOHA_FRAMES, fps)
        assert codes.shape == depth.shape
        assert codes.dtype == np.uint16
        np.testing.assert_array_equal(codes, quantize_depth(depth))

    def test_frames_out_of_order(self, aloha: Any, aloha_hevc: Encoded) -> None:
        depth, fps = aloha
        path, _ = aloha_hevc
        indices = np.array([17, 3, 3, 11, 0, 19])
        codes = decode_depth_codes(path, indices / fps)
        np.testing.assert_array_equal(codes, quantize_depth(depth[indices]))

    def test_millimetres_with_invalid_zeros(self, ramp_hevc: Encoded) -> None:
        path, info = ramp_hevc
        depth = millimetre_ramp()
        codes = _all_codes(path, SYNTH_N, SYNTH_FPS)
        np.testing.assert_array_equal(codes, quantize_depth(depth, mark_invalid=True))
        decoded = dequantize_depth(codes, DepthQuantization.from_info(info), invalid_as_nan=True)
        np.testing.assert_array_equal(np.isnan(decoded), depth == 0)
        # Valid pixels read back as LeRobot reads them: within one step (4.4 mm at 10 m,
        # where 10..12 m saturate) plus 0.5 mm rounding.
        valid = (depth > 10) & (depth <= 10000)
        assert np.abs(decoded[valid] - depth[valid]).max() <= 4.44 / 2 + 0.5
        np.testing.assert_array_equal(decoded[depth > 10000], 10000)


class TestLosslessFfv1:
    def test_metres_codes_exact(self, tmp_path: Path, aloha: Any) -> None:
        depth, fps = aloha
        path = tmp_path / "aloha-ffv1.mp4"
        info = encode_depth_video(depth, path, fps=fps, config=FFV1)
        np.testing.assert_array_equal(_all_codes(path, ALOHA_FRAMES, fps), quantize_depth(depth))
        assert info["video.codec"] == "ffv1"
        assert info["video.pix_fmt"] == "gray12le"
        assert info["is_depth_map"] is True

    def test_millimetres_with_invalid_zeros(self, tmp_path: Path) -> None:
        depth = millimetre_ramp()
        path = tmp_path / "ramp-ffv1.mp4"
        info = encode_depth_video(depth, path, fps=SYNTH_FPS, config=FFV1, mark_invalid=True)
        codes = _all_codes(path, SYNTH_N, SYNTH_FPS)
        np.testing.assert_array_equal(codes, quantize_depth(depth, mark_invalid=True))
        decoded = dequantize_depth(codes, DepthQuantization.from_info(info), invalid_as_nan=True)
        np.testing.assert_array_equal(np.isnan(decoded), depth == 0)
        assert info["depth_unit"] == "mm"


@pytest.mark.requires_encoder("libx265")
def test_lossy_hevc_is_not_exact(tmp_path: Path, aloha: Any, aloha_hevc: Encoded) -> None:
    # Without x265-params=lossless=1, crf 20 makes x265 quantize the transform coefficients
    # of the prediction residual, so decoded samples differ from the written 12-bit codes:
    # worst at the sharp edges between the table (~1 m) and the far background saturated at
    # 4095, where one code of error is already ~1 to 4 mm of depth. Only lossless streams
    # (x265 lossless, FFV1) carry codes bit for bit.
    depth, fps = aloha
    frames = depth[:6]
    path = tmp_path / "aloha-lossy.mp4"
    info = encode_depth_video(frames, path, fps=fps, config=LOSSY_HEVC)
    codes = _all_codes(path, len(frames), fps)
    error = np.abs(codes.astype(np.int32) - quantize_depth(frames).astype(np.int32))
    assert error.max() > 0
    assert info["video.extra_options"] == {}
    assert info["video.crf"] == 20
    # What the loss buys: fewer bytes per frame than the lossless stream of the same clip.
    lossy_per_frame = path.stat().st_size / len(frames)
    assert lossy_per_frame < aloha_hevc[0].stat().st_size / ALOHA_FRAMES


@pytest.mark.requires_encoder("libx265")
class TestMetadata:
    def test_info_for_metres(self, aloha_hevc: Encoded) -> None:
        _, info = aloha_hevc
        config = DepthEncoderConfig()
        assert info["is_depth_map"] is True
        assert info["depth_unit"] == "m"
        assert info["video.codec"] == "hevc"
        assert info["video.pix_fmt"] == "gray12le"
        assert info["video.channels"] == 1
        assert info["video.extra_options"] == {"x265-params": "lossless=1"}
        assert (info["video.height"], info["video.width"]) == (480, 640)
        assert info["video.fps"] == 50
        assert info["video.g"] == 2
        assert info["video.preset"] is None
        for name in ("depth_min", "depth_max", "shift", "use_log"):
            assert info[f"video.{name}"] == getattr(config, name), name
        assert DepthQuantization.from_info(info) == DepthQuantization()

    def test_info_for_millimetres(self, ramp_hevc: Encoded) -> None:
        _, info = ramp_hevc
        assert info["depth_unit"] == "mm"
        assert info["is_depth_map"] is True
        assert info["video.channels"] == 1

    def test_profile_is_range_extensions(self, aloha_hevc: Encoded) -> None:
        # Monochrome 12-bit is an HEVC Range Extensions profile, not Main/Main 10.
        video = probe_video(aloha_hevc[0])
        assert video.profile == "Rext"
        assert video.codec == "hevc"
        assert video.pix_fmt == "gray12le"
        assert video.num_frames == ALOHA_FRAMES

    def test_custom_parameters_persist(self, tmp_path: Path) -> None:
        config = DepthEncoderConfig(depth_min=0.2, depth_max=6.0, shift=1.5, use_log=False)
        depth = millimetre_ramp()
        path = tmp_path / "custom.mp4"
        info = encode_depth_video(depth, path, fps=SYNTH_FPS, config=config)
        assert (info["video.depth_min"], info["video.depth_max"]) == (0.2, 6.0)
        assert (info["video.shift"], info["video.use_log"]) == (1.5, False)
        quantization = DepthQuantization.from_info(info)
        assert quantization == config.quantization
        codes = _all_codes(path, SYNTH_N, SYNTH_FPS)
        np.testing.assert_array_equal(codes, quantize_depth(depth, quantization))
        assert not np.array_equal(codes, quantize_depth(depth))


@pytest.mark.requires_encoder("libx265")
class TestReadWithoutHevcEncoder:
    """LeRobot rebuilds an encoder config to read depth; here only a decoder is needed."""

    @pytest.fixture
    def no_hevc_encoder(self, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """Make the library see no HEVC encoder; returns the names it asked about."""
        asked: list[str] = []
        find_encoder = codecs_module._find_encoder
        open_error = codecs_module._encoder_open_error

        def fake_find_encoder(name: str) -> av.codec.Codec | None:
            asked.append(name)
            return None if name in ("hevc", "libx265") else find_encoder(name)

        def fake_open_error(name: str) -> str | None:
            asked.append(name)
            return "not in this FFmpeg build" if name in ("hevc", "libx265") else open_error(name)

        monkeypatch.setattr(codecs_module, "_find_encoder", fake_find_encoder)
        monkeypatch.setattr(codecs_module, "_encoder_open_error", fake_open_error)
        return asked

    def test_decode_and_dequantize(
        self, aloha: Any, aloha_hevc: Encoded, no_hevc_encoder: list[str]
    ) -> None:
        depth, fps = aloha
        path, info = aloha_hevc
        codes = _all_codes(path, ALOHA_FRAMES, fps)
        quantization = DepthQuantization.from_info(info)
        decoded_mm = dequantize_depth(codes, quantization)
        decoded_m = dequantize_depth(codes, quantization, output_unit="m")
        assert no_hevc_encoder == []  # reading never looked for an encoder
        expected = quantize_depth(depth)
        np.testing.assert_array_equal(codes, expected)
        assert quantization == DepthQuantization()
        np.testing.assert_array_equal(decoded_mm, dequantize_depth(expected))
        np.testing.assert_array_equal(decoded_m, dequantize_depth(expected, output_unit="m"))

    def test_encoding_refused(self, tmp_path: Path, aloha: Any, no_hevc_encoder: list[str]) -> None:
        depth, fps = aloha
        path = tmp_path / "refused.mp4"
        with pytest.raises(
            CodecUnavailableError, match="'hevc' is not in this FFmpeg build"
        ) as err:
            encode_depth_video(depth[:2], path, fps=fps, config=DepthEncoderConfig())
        assert err.value.codec == "hevc"
        assert "hevc" in no_hevc_encoder
        assert not path.exists()


@pytest.mark.requires_encoder("libx265")
class TestCorruptDepthFile:
    def _assert_media_error(self, path: Path) -> None:
        with pytest.raises(MediaError) as err:
            decode_depth_codes(path, [0.0])
        assert err.value.path == path

    @pytest.mark.parametrize("keep", [0.5, 0.9])
    def test_truncated(self, tmp_path: Path, ramp_hevc: Encoded, keep: float) -> None:
        data = ramp_hevc[0].read_bytes()
        path = tmp_path / "truncated.mp4"
        path.write_bytes(data[: int(len(data) * keep)])
        self._assert_media_error(path)

    def test_random_bytes(self, tmp_path: Path) -> None:
        path = tmp_path / "noise.mp4"
        path.write_bytes(np.random.default_rng(1).bytes(8192))
        self._assert_media_error(path)

    def test_empty(self, tmp_path: Path) -> None:
        path = tmp_path / "empty.mp4"
        path.write_bytes(b"")
        with pytest.raises(MediaError, match=r"empty \(0 bytes\)"):
            decode_depth_codes(path, [0.0])
