"""The option table (``lerobot_video.codec.options``): configs to FFmpeg options, and lossless.

Covers:
- ``codec_options`` equals LeRobot 0.6.1's ``get_codec_options(as_strings=True)`` for every
  row of ``tests/fixtures/lerobot_reference/codec_options.json`` (keys, values and order),
  one test per codec family;
- hand-written rows of SPEC §2.3 (defaults, threads, fast_decode clamping/tune, aom row-mt,
  VideoToolbox q:v, NVENC rc/qp, VAAPI qp, QSV global_quality, None fields omitted,
  structured fields win over ``extra_options``) and ``encoder_threads`` validation;
- ``is_lossless`` and ``with_lossless``: which configs are lossless, switching keeps the
  other settings and x265 parameters, encoders without the mode are refused, and a lossless
  depth config really decodes bit-exactly.
"""

from __future__ import annotations

import json
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lerobot_video import decode_depth_codes, encode_depth_video, quantize_depth
from lerobot_video.codec.options import codec_options, is_lossless, with_lossless
from lerobot_video.config import VALID_VIDEO_CODECS, DepthEncoderConfig, RGBEncoderConfig
from lerobot_video.errors import ConfigError

FIXTURES = Path(__file__).parents[1] / "fixtures/lerobot_reference"
CODEC_OPTIONS = json.loads((FIXTURES / "codec_options.json").read_text())
CONFIG_CLASSES: dict[str, Any] = {
    "RGBEncoderConfig": RGBEncoderConfig,
    "DepthEncoderConfig": DepthEncoderConfig,
}

_ROWS_BY_CODEC: dict[str, list[dict[str, Any]]] = defaultdict(list)
for _row in CODEC_OPTIONS["rows"]:
    _ROWS_BY_CODEC[_row["vcodec"]].append(_row)

# Our constructor is stricter than LeRobot's in a few places; at most this many fixture rows
# may be refused (today: none).
MAX_REFUSED_ROWS = 5


def _config_from_row(row: dict[str, Any]) -> Any:
    return CONFIG_CLASSES[row["class"]](
        vcodec=row["vcodec"],
        pix_fmt=row["pix_fmt"],
        g=row["g"],
        crf=row["crf"],
        preset=row["preset_in"],
        fast_decode=row["fast_decode"],
        extra_options=row["extra_options"],
    )


class TestCodecOptionsMatchLeRobot:
    def test_fixture_covers_every_concrete_codec(self) -> None:
        assert set(_ROWS_BY_CODEC) == set(VALID_VIDEO_CODECS) - {"auto"}
        assert len(CODEC_OPTIONS["rows"]) > 2000

    @pytest.mark.parametrize("vcodec", sorted(_ROWS_BY_CODEC))
    def test_rows(self, vcodec: str) -> None:
        mismatches: list[str] = []
        refused: list[str] = []
        for row in _ROWS_BY_CODEC[vcodec]:
            try:
                config = _config_from_row(row)
            except ConfigError as err:
                refused.append(f"{row}: {err}")
                continue
            got = codec_options(config, encoder_threads=row["encoder_threads"])
            # Same keys, values and order as LeRobot (FFmpeg ignores order; logs don't).
            if list(got.items()) != list(row["options"].items()):
                mismatches.append(f"{row} -> {got}")
        if refused:
            warnings.warn(
                f"{len(refused)} {vcodec} rows refused by our constructor:\n" + "\n".join(refused),
                stacklevel=1,
            )
        assert not mismatches, "\n".join(mismatches[:10])
        assert len(refused) <= MAX_REFUSED_ROWS, "\n".join(refused)

    @pytest.mark.parametrize(
        ("config", "threads", "key"),
        [
            (RGBEncoderConfig(), None, "RGBEncoderConfig_codec_options"),
            (RGBEncoderConfig(), 4, "RGBEncoderConfig_codec_options_threads4"),
            (DepthEncoderConfig(), None, "DepthEncoderConfig_codec_options"),
            (DepthEncoderConfig(), 4, "DepthEncoderConfig_codec_options_threads4"),
        ],
        ids=["rgb", "rgb-threads4", "depth", "depth-threads4"],
    )
    def test_default_configs(self, config: Any, threads: int | None, key: str) -> None:
        assert codec_options(config, encoder_threads=threads) == CODEC_OPTIONS["defaults"][key]


def _options(threads: int | None = None, **fields: Any) -> dict[str, str]:
    return codec_options(RGBEncoderConfig(**fields), encoder_threads=threads)


class TestOptionMapping:
    """One test per row of SPEC §2.3, written by hand."""

    def test_svtav1_defaults(self) -> None:
        assert _options() == {
            "g": "2",
            "crf": "30",
            "preset": "12",
            "svtav1-params": "fast-decode=0",
        }

    def test_svtav1_threads_become_lp(self) -> None:
        assert _options(threads=4)["svtav1-params"] == "fast-decode=0:lp=4"
        assert "threads" not in _options(threads=4)

    @pytest.mark.parametrize(("fast_decode", "level"), [(5, 2), (2, 2), (1, 1), (0, 0), (-3, 0)])
    def test_svtav1_fast_decode_clamped(self, fast_decode: int, level: int) -> None:
        options = _options(fast_decode=fast_decode)
        assert options["svtav1-params"] == f"fast-decode={level}"

    def test_svtav1_explicit_preset(self) -> None:
        assert _options(preset=4)["preset"] == "4"

    @pytest.mark.parametrize("vcodec", ["h264", "hevc"])
    def test_x26x_fast_decode_sets_tune(self, vcodec: str) -> None:
        assert _options(vcodec=vcodec, fast_decode=1)["tune"] == "fastdecode"
        assert _options(vcodec=vcodec, fast_decode=-3)["tune"] == "fastdecode"
        assert "tune" not in _options(vcodec=vcodec, fast_decode=0)

    @pytest.mark.parametrize("vcodec", ["h264", "hevc"])
    def test_x26x_threads_and_no_default_preset(self, vcodec: str) -> None:
        assert _options(vcodec=vcodec, threads=3) == {"g": "2", "crf": "30", "threads": "3"}
        assert _options(vcodec=vcodec, preset="fast")["preset"] == "fast"

    def test_aom_threads_add_row_mt(self) -> None:
        assert _options(vcodec="libaom-av1", threads=4, preset=6) == {
            "g": "2",
            "crf": "30",
            "preset": "6",
            "threads": "4",
            "row-mt": "1",
        }
        assert "row-mt" not in _options(vcodec="libaom-av1")

    @pytest.mark.parametrize("vcodec", ["h264_videotoolbox", "hevc_videotoolbox"])
    @pytest.mark.parametrize(("crf", "quality"), [(30, "40"), (0, "100"), (51, "1"), (10, "80")])
    def test_videotoolbox_quality(self, vcodec: str, crf: int, quality: str) -> None:
        # q:v = clamp(100 - 2 crf, 1, 100); preset and threads are not emitted.
        assert _options(vcodec=vcodec, crf=crf, preset="fast", threads=4) == {
            "g": "2",
            "q:v": quality,
        }

    @pytest.mark.parametrize("vcodec", ["h264_nvenc", "hevc_nvenc"])
    def test_nvenc_constant_qp(self, vcodec: str) -> None:
        assert _options(vcodec=vcodec, preset=4, threads=4) == {
            "g": "2",
            "rc": "0",
            "qp": "30",
            "preset": "4",
        }

    def test_nvenc_without_crf_keeps_rc(self) -> None:
        assert _options(vcodec="h264_nvenc", crf=None) == {"g": "2", "rc": "0"}

    def test_vaapi_qp(self) -> None:
        assert _options(vcodec="h264_vaapi", preset="fast", threads=2) == {"g": "2", "qp": "30"}

    def test_qsv_global_quality(self) -> None:
        assert _options(vcodec="h264_qsv", preset="fast", threads=2) == {
            "g": "2",
            "global_quality": "30",
            "preset": "fast",
        }

    @pytest.mark.parametrize("vcodec", sorted(set(VALID_VIDEO_CODECS) - {"auto"}))
    def test_g_none_omitted(self, vcodec: str) -> None:
        assert "g" not in _options(vcodec=vcodec, g=None)
        assert _options(vcodec=vcodec, g=7)["g"] == "7"

    @pytest.mark.parametrize("vcodec", sorted(set(VALID_VIDEO_CODECS) - {"auto"}))
    def test_crf_none_omitted(self, vcodec: str) -> None:
        options = _options(vcodec=vcodec, crf=None)
        assert not {"crf", "qp", "q:v", "global_quality"} & options.keys()

    def test_structured_fields_win_over_extra_options(self) -> None:
        options = _options(
            vcodec="h264",
            preset="fast",
            fast_decode=1,
            extra_options={"crf": 10, "preset": "slow", "tune": "film", "g": 99, "bf": 2},
        )
        assert options == {
            "g": "2",
            "crf": "30",
            "preset": "fast",
            "tune": "fastdecode",
            "bf": "2",
        }

    def test_extra_options_fill_unset_fields(self) -> None:
        assert _options(vcodec="h264", crf=None, extra_options={"crf": 18}) == {
            "g": "2",
            "crf": "18",
        }

    def test_svtav1_params_in_extra_options_are_discarded(self) -> None:
        # LeRobot always writes svtav1-params, so an extra one never reaches the encoder.
        options = _options(extra_options={"svtav1-params": "tune=0"})
        assert options["svtav1-params"] == "fast-decode=0"

    def test_depth_default(self) -> None:
        assert codec_options(DepthEncoderConfig()) == {
            "g": "2",
            "crf": "30",
            "x265-params": "lossless=1",
        }

    def test_values_are_strings(self) -> None:
        options = _options(vcodec="h264", crf=23.5, extra_options={"bf": 2, "aq": 0.5})
        assert options == {"g": "2", "crf": "23.5", "bf": "2", "aq": "0.5"}
        assert all(isinstance(v, str) for v in options.values())

    @pytest.mark.parametrize("threads", [0, -1, True, 2.0, "4"], ids=repr)
    def test_invalid_encoder_threads(self, threads: Any) -> None:
        with pytest.raises(ConfigError, match="encoder_threads must be an integer >= 1"):
            codec_options(RGBEncoderConfig(), encoder_threads=threads)


class TestLossless:
    @pytest.mark.parametrize(
        ("config", "lossless"),
        [
            (DepthEncoderConfig(), True),
            (DepthEncoderConfig(vcodec="ffv1", extra_options={}), True),
            (DepthEncoderConfig(extra_options={}), False),
            (DepthEncoderConfig(extra_options={"x265-params": "lossless=0"}), False),
            (DepthEncoderConfig(extra_options={"x265-params": "aq-mode=1:lossless=1"}), True),
            (RGBEncoderConfig(vcodec="hevc", extra_options={"x265-params": "lossless=1"}), True),
            (RGBEncoderConfig(), False),
            (RGBEncoderConfig(crf=0), False),
            (RGBEncoderConfig(vcodec="h264", extra_options={"x265-params": "lossless=1"}), False),
            (RGBEncoderConfig(vcodec="auto"), False),
        ],
        ids=repr,
    )
    def test_is_lossless(self, config: Any, lossless: bool) -> None:
        assert is_lossless(config) is lossless

    def test_switch_hevc_keeps_other_settings(self) -> None:
        config = DepthEncoderConfig(
            crf=20, depth_max=4.0, extra_options={"x265-params": "aq-mode=1:lossless=1", "bf": 0}
        )
        lossy = with_lossless(config, False)
        assert lossy == DepthEncoderConfig(
            crf=20, depth_max=4.0, extra_options={"x265-params": "aq-mode=1", "bf": 0}
        )
        assert not is_lossless(lossy)
        back = with_lossless(lossy, True)
        assert back.extra_options == {"x265-params": "lossless=1:aq-mode=1", "bf": 0}
        assert is_lossless(back)

    def test_lossy_hevc_drops_empty_x265_params(self) -> None:
        assert with_lossless(DepthEncoderConfig(), False).extra_options == {}

    def test_same_mode_returns_config(self) -> None:
        config = RGBEncoderConfig(vcodec="h264")
        assert with_lossless(config, False) is config
        ffv1 = DepthEncoderConfig(vcodec="ffv1", extra_options={})
        assert with_lossless(ffv1, True) is ffv1

    def test_rgb_hevc_lossless(self) -> None:
        config = with_lossless(RGBEncoderConfig(vcodec="hevc"), True)
        assert isinstance(config, RGBEncoderConfig)
        assert codec_options(config)["x265-params"] == "lossless=1"

    @pytest.mark.parametrize(
        ("config", "lossless", "mode"),
        [
            (RGBEncoderConfig(), True, "lossless"),
            (RGBEncoderConfig(vcodec="h264"), True, "lossless"),
            (DepthEncoderConfig(vcodec="ffv1", extra_options={}), False, "lossy"),
        ],
        ids=["svtav1", "h264", "ffv1"],
    )
    def test_encoders_without_the_mode(self, config: Any, lossless: bool, mode: str) -> None:
        with pytest.raises(ConfigError, match=f"vcodec {config.vcodec!r} has no {mode} mode") as i:
            with_lossless(config, lossless)
        assert "encoders with a lossless mode: hevc, ffv1" in str(i.value)

    @pytest.mark.requires_encoder("libx265")
    def test_lossless_depth_decodes_exactly(self, tmp_path: Path) -> None:
        rng = np.random.default_rng(7)
        depth = rng.integers(100, 9000, size=(4, 48, 64), dtype=np.uint16)
        config = with_lossless(DepthEncoderConfig(extra_options={}), True)
        path = tmp_path / "depth.mp4"
        encode_depth_video(depth, path, fps=10, config=config)
        codes = decode_depth_codes(path, np.arange(4) / 10)
        np.testing.assert_array_equal(codes, quantize_depth(depth, config.quantization))
