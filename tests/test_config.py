"""Encoder configs (``lerobot_video.config``): LeRobot's fields, defaults and pure validation.

Covers:
- field names and defaults equal LeRobot 0.6.1's (``tests/fixtures/lerobot_reference/
  codec_options.json`` → ``defaults``), with ``preset`` unset but ``effective_preset`` 12 for
  libsvtav1, which is what LeRobot stores; the module constants (codec lists, preference order);
- frozen and keyword-only dataclasses; independent default ``extra_options`` dicts;
- every construction rule, by type and message: ``vcodec`` (incl. ``libx264``), ``pix_fmt``,
  ``g``, ``crf``, ``preset``, ``fast_decode``, ``video_backend``, ``extra_options``, and the
  depth rules (range order, log offset, finite values, ``use_log`` type);
- the ``av1`` alias; construction needs no encoder (hardware names construct anywhere).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest

from lerobot_video import config as config_module
from lerobot_video import depth as depth_module
from lerobot_video.codec.options import codec_options
from lerobot_video.config import (
    HW_VIDEO_CODECS,
    LIBSVTAV1_DEFAULT_PRESET,
    VALID_VIDEO_CODECS,
    DepthEncoderConfig,
    RGBEncoderConfig,
)
from lerobot_video.errors import ConfigError

REFERENCE = json.loads(
    (Path(__file__).parent / "fixtures/lerobot_reference/codec_options.json").read_text()
)
CONFIG_CLASSES = {"RGBEncoderConfig": RGBEncoderConfig, "DepthEncoderConfig": DepthEncoderConfig}


class TestDefaultsMatchLeRobot:
    @pytest.mark.parametrize("class_name", sorted(CONFIG_CLASSES))
    def test_field_names_are_lerobots(self, class_name: str) -> None:
        ours = [f.name for f in dataclasses.fields(CONFIG_CLASSES[class_name])]
        assert ours == list(REFERENCE["defaults"][class_name])

    @pytest.mark.parametrize("class_name", sorted(CONFIG_CLASSES))
    def test_default_values_are_lerobots(self, class_name: str) -> None:
        config = CONFIG_CLASSES[class_name]()
        expected = REFERENCE["defaults"][class_name]
        for name, value in expected.items():
            # LeRobot fills preset=12 for libsvtav1 at construction; we keep None and expose
            # the persisted value as effective_preset.
            ours = config.effective_preset if name == "preset" else getattr(config, name)
            assert ours == value, name
            assert type(ours) is type(value), name

    def test_rgb_preset_unset_but_effective_preset_is_12(self) -> None:
        config = RGBEncoderConfig()
        assert config.preset is None
        assert config.effective_preset == 12 == LIBSVTAV1_DEFAULT_PRESET
        assert REFERENCE["constants"]["LIBSVTAV1_DEFAULT_PRESET"] == 12

    def test_effective_preset_only_defaults_for_libsvtav1(self) -> None:
        assert RGBEncoderConfig(vcodec="h264").effective_preset is None
        assert RGBEncoderConfig(vcodec="libsvtav1", preset=4).effective_preset == 4
        assert DepthEncoderConfig().effective_preset is None
        assert DepthEncoderConfig(vcodec="libsvtav1", pix_fmt="yuv420p").effective_preset == 12

    def test_codec_constants_match_lerobot(self) -> None:
        constants = REFERENCE["constants"]
        assert list(HW_VIDEO_CODECS) == constants["HW_VIDEO_CODECS"]  # preference order
        assert sorted(VALID_VIDEO_CODECS) == constants["VALID_VIDEO_CODECS"]
        assert len(VALID_VIDEO_CODECS) == len(set(VALID_VIDEO_CODECS)) == 11
        assert dict(config_module.VIDEO_CODEC_ALIASES) == constants["VIDEO_CODECS_ALIASES"]
        assert constants["DEPTH_QMAX"] == depth_module.DEPTH_QMAX

    def test_channels(self) -> None:
        assert RGBEncoderConfig.CHANNELS == 3
        assert DepthEncoderConfig.CHANNELS == 1


class TestDataclassShape:
    @pytest.mark.parametrize("cls", [RGBEncoderConfig, DepthEncoderConfig])
    def test_frozen(self, cls: type[Any]) -> None:
        config = cls()
        with pytest.raises(dataclasses.FrozenInstanceError):
            config.crf = 10

    @pytest.mark.parametrize("cls", [RGBEncoderConfig, DepthEncoderConfig])
    def test_keyword_only(self, cls: type[Any]) -> None:
        with pytest.raises(TypeError):
            cls("h264")

    def test_replace_revalidates(self) -> None:
        with pytest.raises(ConfigError, match="g \\(keyframe interval"):
            dataclasses.replace(RGBEncoderConfig(), g=0)

    def test_default_extra_options_are_not_shared(self) -> None:
        first, second = DepthEncoderConfig(), DepthEncoderConfig()
        assert first.extra_options == {"x265-params": "lossless=1"}
        assert first.extra_options is not second.extra_options
        assert RGBEncoderConfig().extra_options is not RGBEncoderConfig().extra_options

    def test_equality_is_field_equality(self) -> None:
        assert RGBEncoderConfig(vcodec="h264", crf=20) == RGBEncoderConfig(vcodec="h264", crf=20)
        assert RGBEncoderConfig(vcodec="h264", crf=20) != RGBEncoderConfig(vcodec="h264", crf=21)


class TestVcodec:
    @pytest.mark.parametrize("vcodec", ["libx264", "libx265", "av1_nvenc", "ffv1", "", "H264"])
    def test_invalid_vcodec(self, vcodec: str) -> None:
        with pytest.raises(ConfigError, match="Invalid vcodec") as info:
            RGBEncoderConfig(vcodec=vcodec)
        assert repr(vcodec) in str(info.value)

    def test_libx264_message_points_to_h264(self) -> None:
        with pytest.raises(ConfigError, match="Use 'h264' rather than 'libx264'"):
            RGBEncoderConfig(vcodec="libx264")

    def test_non_string_vcodec(self) -> None:
        with pytest.raises(ConfigError, match="Invalid vcodec"):
            RGBEncoderConfig(vcodec=None)  # type: ignore[arg-type]

    @pytest.mark.parametrize("vcodec", VALID_VIDEO_CODECS)
    def test_every_valid_vcodec_constructs_without_io(self, vcodec: str) -> None:
        # Construction is pure: hardware encoders absent here still construct.
        assert RGBEncoderConfig(vcodec=vcodec).vcodec == vcodec

    def test_av1_alias(self) -> None:
        config = RGBEncoderConfig(vcodec="av1")
        assert config.encoder == "libsvtav1"
        assert config.effective_preset == 12
        assert REFERENCE["defaults"]["av1_alias_resolves_to"] == "libsvtav1"

    def test_encoder_is_vcodec_without_alias(self) -> None:
        assert RGBEncoderConfig(vcodec="hevc").encoder == "hevc"


class TestFieldRules:
    @pytest.mark.parametrize("pix_fmt", ["", None, 420])
    def test_pix_fmt_must_be_non_empty_string(self, pix_fmt: Any) -> None:
        with pytest.raises(ConfigError, match="pix_fmt must be a non-empty"):
            RGBEncoderConfig(pix_fmt=pix_fmt)

    @pytest.mark.parametrize("g", [0, -1, True, False, 2.0, "2"])
    def test_invalid_g(self, g: Any) -> None:
        with pytest.raises(ConfigError, match="g \\(keyframe interval, in frames\\) must be"):
            RGBEncoderConfig(g=g)

    @pytest.mark.parametrize("g", [1, 2, 250, None])
    def test_valid_g(self, g: int | None) -> None:
        assert RGBEncoderConfig(g=g).g == g

    @pytest.mark.parametrize(
        "crf", [-1, -0.5, math.nan, math.inf, True, False, "30", [30]], ids=repr
    )
    def test_invalid_crf(self, crf: Any) -> None:
        with pytest.raises(ConfigError, match="crf must be a finite number >= 0 or None"):
            RGBEncoderConfig(crf=crf)

    @pytest.mark.parametrize("crf", [0, 23.5, 63, 100, None])
    def test_valid_crf(self, crf: float | None) -> None:
        # Codec ranges (0..63 for libsvtav1) are check_supported's job, not the constructor's.
        assert RGBEncoderConfig(crf=crf).crf == crf

    @pytest.mark.parametrize("preset", [True, False, "", 4.0, ["fast"]], ids=repr)
    def test_invalid_preset(self, preset: Any) -> None:
        with pytest.raises(ConfigError, match="preset must be an integer, a non-empty string"):
            RGBEncoderConfig(preset=preset)

    @pytest.mark.parametrize("preset", [-2, 0, 12, "fast", "veryslow", None])
    def test_valid_preset(self, preset: int | str | None) -> None:
        assert RGBEncoderConfig(vcodec="h264", preset=preset).preset == preset

    @pytest.mark.parametrize("fast_decode", [1.0, 0.5, True, "1", None], ids=repr)
    def test_invalid_fast_decode(self, fast_decode: Any) -> None:
        with pytest.raises(ConfigError, match="fast_decode must be an integer"):
            RGBEncoderConfig(fast_decode=fast_decode)

    @pytest.mark.parametrize("fast_decode", [-3, 0, 2, 5])
    def test_fast_decode_any_int_accepted(self, fast_decode: int) -> None:
        # LeRobot clamps at mapping time, so out-of-range integers construct.
        assert RGBEncoderConfig(fast_decode=fast_decode).fast_decode == fast_decode

    @pytest.mark.parametrize("backend", ["torchcodec", "video_reader", "", "PyAV"])
    def test_video_backend_only_pyav(self, backend: str) -> None:
        with pytest.raises(
            ConfigError, match=r"video_backend .* is not supported; allowed: 'pyav'"
        ):
            RGBEncoderConfig(video_backend=backend)

    @pytest.mark.parametrize("extra", [[("crf", 20)], "crf=20", None, 3], ids=repr)
    def test_extra_options_must_be_mapping(self, extra: Any) -> None:
        with pytest.raises(ConfigError, match="extra_options must be a mapping"):
            RGBEncoderConfig(extra_options=extra)

    @pytest.mark.parametrize("value", [None, [1], {"a": 1}, b"x"], ids=repr)
    def test_extra_options_value_type(self, value: Any) -> None:
        with pytest.raises(
            ConfigError, match=r"extra_options\['bf'\] must be a string or a number"
        ):
            RGBEncoderConfig(extra_options={"bf": value})

    @pytest.mark.parametrize("key", ["", 1, None], ids=repr)
    def test_extra_options_key_type(self, key: Any) -> None:
        with pytest.raises(ConfigError, match="extra_options keys must be non-empty strings"):
            RGBEncoderConfig(extra_options={key: "1"})

    def test_extra_options_valid_values(self) -> None:
        extra: dict[str, str | int | float] = {"tune": "film", "bf": 2, "aq-strength": 0.8}
        assert RGBEncoderConfig(vcodec="h264", extra_options=extra).extra_options == extra

    def test_depth_config_applies_common_rules(self) -> None:
        with pytest.raises(ConfigError, match="Invalid vcodec"):
            DepthEncoderConfig(vcodec="libx265")
        with pytest.raises(ConfigError, match="crf must be a finite number"):
            DepthEncoderConfig(crf=-1)


class TestDepthRules:
    @pytest.mark.parametrize(("depth_min", "depth_max"), [(1.0, 1.0), (2.0, 1.0), (0.0, -1.0)])
    def test_depth_max_must_exceed_depth_min(self, depth_min: float, depth_max: float) -> None:
        with pytest.raises(ConfigError, match="depth_max must be greater than depth_min"):
            DepthEncoderConfig(depth_min=depth_min, depth_max=depth_max)

    @pytest.mark.parametrize(("depth_min", "shift"), [(0.01, -0.01), (0.0, 0.0), (0.5, -2.0)])
    def test_log_needs_positive_offset(self, depth_min: float, shift: float) -> None:
        with pytest.raises(ConfigError, match=r"depth_min \+ shift must be positive"):
            DepthEncoderConfig(depth_min=depth_min, shift=shift, use_log=True)

    def test_linear_ignores_offset(self) -> None:
        config = DepthEncoderConfig(depth_min=0.0, shift=-1.0, use_log=False)
        assert config.shift == -1.0

    @pytest.mark.parametrize("name", ["depth_min", "depth_max", "shift"])
    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, "1.0", None, True])
    def test_depth_values_must_be_finite_numbers(self, name: str, value: Any) -> None:
        with pytest.raises(ConfigError, match=f"{name} must be a finite number of metres"):
            DepthEncoderConfig(**{name: value})

    @pytest.mark.parametrize("use_log", [1, 0, "yes", None])
    def test_use_log_must_be_bool(self, use_log: Any) -> None:
        with pytest.raises(ConfigError, match="use_log must be True or False"):
            DepthEncoderConfig(use_log=use_log)

    def test_integer_depth_values_accepted(self) -> None:
        config = DepthEncoderConfig(depth_min=0, depth_max=5, shift=1)
        assert (config.depth_min, config.depth_max, config.shift) == (0, 5, 1)


LEROBOT_INFO = json.loads(
    (Path(__file__).parent / "fixtures/lerobot_dataset/data/meta/info.json").read_text()
)["features"]


class TestInfoBlock:
    """``to_info``/``from_info``: the one mapping between a config and ``video.*`` keys."""

    @pytest.mark.parametrize(
        "config",
        [
            RGBEncoderConfig(),
            RGBEncoderConfig(vcodec="h264", pix_fmt="yuv444p", g=None, crf=18, preset="fast"),
            RGBEncoderConfig(vcodec="hevc", fast_decode=1, extra_options={"bf": 0}),
            DepthEncoderConfig(),
            DepthEncoderConfig(vcodec="ffv1", extra_options={}, depth_max=4.0, use_log=False),
        ],
        ids=lambda c: f"{type(c).__name__}-{c.vcodec}",
    )
    def test_round_trip_keeps_what_the_encoder_gets(self, config: Any) -> None:
        stream_codec = {"libsvtav1": "av1"}.get(config.vcodec, config.vcodec)
        rebuilt = type(config).from_info({**config.to_info(), "video.codec": stream_codec})
        # LeRobot stores the effective preset (12 for an unset libsvtav1 preset), so the
        # rebuilt config may name it; every other field comes back as it was.
        assert rebuilt == dataclasses.replace(config, preset=config.effective_preset)
        assert codec_options(rebuilt) == codec_options(config)

    def test_keys_are_lerobots(self) -> None:
        rgb = LEROBOT_INFO["observation.images.cam"]["info"]
        depth = LEROBOT_INFO["observation.images.depth"]["info"]
        assert RGBEncoderConfig().to_info() == {
            k: v for k, v in rgb.items() if k in RGBEncoderConfig().to_info()
        }
        assert set(DepthEncoderConfig().to_info()) <= set(depth)
        assert DepthEncoderConfig().to_info() == {
            k: depth[k] for k in DepthEncoderConfig().to_info()
        }

    def test_configs_from_a_lerobot_dataset(self) -> None:
        rgb = RGBEncoderConfig.from_info(LEROBOT_INFO["observation.images.cam"]["info"])
        depth = DepthEncoderConfig.from_info(LEROBOT_INFO["observation.images.depth"]["info"])
        assert rgb == RGBEncoderConfig(preset=LIBSVTAV1_DEFAULT_PRESET)  # stored as "av1"
        assert depth == DepthEncoderConfig()  # its null preset takes the default
        assert depth.quantization == depth_module.DepthQuantization()

    def test_missing_keys_take_defaults_and_encoder_nulls_stay_none(self) -> None:
        assert RGBEncoderConfig.from_info({}) == RGBEncoderConfig()
        # A stored null g/crf/preset means "the encoder's default", not LeRobot's 2/30.
        assert RGBEncoderConfig.from_info({"video.g": None, "video.crf": None}) == (
            RGBEncoderConfig(g=None, crf=None)
        )
        # The quantizer's nulls take LeRobot's defaults, as LeRobot reads them.
        assert DepthEncoderConfig.from_info(
            {"video.depth_max": 6.0, "video.shift": None}
        ) == DepthEncoderConfig(depth_max=6.0)

    def test_pixel_format_comes_back(self) -> None:
        config = RGBEncoderConfig(vcodec="h264", pix_fmt="yuv444p")
        assert (
            RGBEncoderConfig.from_info({"video.codec": "h264", "video.pix_fmt": "yuv444p"})
            == config
        )

    @pytest.mark.parametrize(
        ("info", "match"),
        [
            (None, "must be a mapping"),
            ([("video.g", 2)], "must be a mapping"),
            ({"video.codec": "mpeg4"}, "Invalid vcodec 'mpeg4'"),
            ({"video.g": 0}, "g \\(keyframe interval"),
            ({"video.codec": "ffv1"}, "Invalid vcodec 'ffv1'"),  # depth-only codec for RGB
        ],
    )
    def test_bad_blocks_are_config_errors(self, info: Any, match: str) -> None:
        with pytest.raises(ConfigError, match=match):
            RGBEncoderConfig.from_info(info)

    def test_depth_config_holds_its_quantization(self) -> None:
        config = DepthEncoderConfig(depth_min=0.2, depth_max=3.0, shift=1.0, use_log=False)
        assert config.quantization == depth_module.DepthQuantization(
            depth_min=0.2, depth_max=3.0, shift=1.0, use_log=False
        )
        with pytest.raises(ConfigError, match="depth_max must be greater"):
            DepthEncoderConfig(depth_min=2.0, depth_max=1.0)
