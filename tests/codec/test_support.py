"""Capability checks and encoder plans (``lerobot_video.codec.support``).

Covers:
- ``check_supported`` messages (pixel formats, ranges, integer options, channel count,
  x264/x265 tune and preset names, unavailable encoders) and agreement with LeRobot's
  ``validation.json`` cases, with the documented differences listed;
- ``plan_encoder``: ``auto`` resolved, options computed once (with x265 kept quiet), the
  same refusals as ``check_supported``; encoders trust a plan and never check again;
- ``resolve_auto_codec`` never picks an encoder that cannot open; LeRobot's preference order
  when hardware encoders open (simulated); ``encoder_availability``;
- ``supported_pixel_formats``, including the ``av1`` alias and ``auto``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import pytest

from lerobot_video.codec import support as codecs
from lerobot_video.codec.options import codec_options
from lerobot_video.codec.support import (
    check_supported,
    encoder_availability,
    plan_encoder,
    resolve_auto_codec,
    supported_pixel_formats,
)
from lerobot_video.config import (
    HW_VIDEO_CODECS,
    VALID_VIDEO_CODECS,
    DepthEncoderConfig,
    RGBEncoderConfig,
)
from lerobot_video.errors import CodecUnavailableError, ConfigError, LeRobotVideoError

FIXTURES = Path(__file__).parents[1] / "fixtures/lerobot_reference"
VALIDATION = json.loads((FIXTURES / "validation.json").read_text())
CONFIG_CLASSES: dict[str, Any] = {
    "RGBEncoderConfig": RGBEncoderConfig,
    "DepthEncoderConfig": DepthEncoderConfig,
}


def _opens_here(name: str) -> bool:
    return codecs._encoder_open_error(name) is None


@pytest.mark.requires_encoder("libsvtav1", "libx264", "libx265")
class TestCheckSupported:
    def test_default_configs_pass(self) -> None:
        check_supported(RGBEncoderConfig())
        check_supported(RGBEncoderConfig(vcodec="av1"))
        check_supported(RGBEncoderConfig(vcodec="h264"), encoder_threads=2)
        check_supported(RGBEncoderConfig(vcodec="hevc"))
        check_supported(DepthEncoderConfig())

    def test_svtav1_pixel_format_lists_allowed(self) -> None:
        allowed = ", ".join(supported_pixel_formats("libsvtav1"))
        assert "yuv420p" in allowed
        with pytest.raises(ConfigError, match="pix_fmt 'yuv444p' is not supported") as info:
            check_supported(RGBEncoderConfig(pix_fmt="yuv444p"))
        assert f"allowed: {allowed}." in str(info.value)

    @pytest.mark.parametrize("crf", [64, 100])
    def test_svtav1_crf_range(self, crf: int) -> None:
        with pytest.raises(ConfigError, match=r"crf must be in \[0, 63\] for 'libsvtav1'"):
            check_supported(RGBEncoderConfig(crf=crf))

    def test_svtav1_crf_63_and_0_pass(self) -> None:
        check_supported(RGBEncoderConfig(crf=63))
        check_supported(RGBEncoderConfig(crf=0))

    @pytest.mark.parametrize("preset", [100, 14, -3])
    def test_svtav1_preset_range(self, preset: int) -> None:
        with pytest.raises(ConfigError, match=r"preset must be in \[-2, 13\] for 'libsvtav1'"):
            check_supported(RGBEncoderConfig(preset=preset))

    def test_svtav1_preset_name_not_numeric(self) -> None:
        with pytest.raises(ConfigError, match="preset must be a number for 'libsvtav1'"):
            check_supported(RGBEncoderConfig(preset="fast"))

    def test_svtav1_float_crf(self) -> None:
        with pytest.raises(ConfigError, match=r"float values are not allowed, got 2\.5"):
            check_supported(RGBEncoderConfig(crf=2.5))
        check_supported(RGBEncoderConfig(crf=2.0))  # integral floats pass, as in LeRobot

    def test_svtav1_float_crf_through_extra_options(self) -> None:
        config = RGBEncoderConfig(crf=None, extra_options={"crf": "2.5"})
        with pytest.raises(ConfigError, match=r"float values are not allowed, got '2\.5'"):
            check_supported(config)
        # With crf set, the structured field wins and the extra value is never used.
        check_supported(RGBEncoderConfig(extra_options={"crf": "2.5"}))

    def test_extra_option_not_numeric(self) -> None:
        config = RGBEncoderConfig(crf=None, extra_options={"crf": "abc"})
        with pytest.raises(ConfigError, match="crf must be a number for 'libsvtav1'"):
            check_supported(config)

    def test_unpublished_options_pass_through(self) -> None:
        # libsvtav1 publishes neither foo nor tune: FFmpeg ignores them, so do we.
        check_supported(RGBEncoderConfig(extra_options={"foo": "bar", "tune": "film"}))

    def test_x264_unknown_tune_lists_tunes(self) -> None:
        # x264 takes tune as a free string and fails only when it opens; we refuse it first.
        config = RGBEncoderConfig(vcodec="h264", extra_options={"tune": "bogus"})
        with pytest.raises(ConfigError, match="tune='bogus' is not accepted by 'h264'") as info:
            check_supported(config)
        assert "allowed: film, animation, grain, stillimage, psnr, ssim, fastdecode, " in str(
            info.value
        )
        assert "joined by commas" in str(info.value)

    @pytest.mark.parametrize("tune", ["film", "zerolatency", "film,fastdecode"])
    def test_x264_known_tunes_pass(self, tune: str) -> None:
        check_supported(RGBEncoderConfig(vcodec="h264", extra_options={"tune": tune}))

    def test_x265_tunes(self) -> None:
        check_supported(RGBEncoderConfig(vcodec="hevc", extra_options={"tune": "grain"}))
        # x265 has no "film" tune and takes one tune only.
        for tune in ("film", "grain,fastdecode"):
            config = RGBEncoderConfig(vcodec="hevc", extra_options={"tune": tune})
            with pytest.raises(ConfigError, match=f"tune={tune!r} is not accepted by 'hevc'"):
                check_supported(config)

    def test_fast_decode_tune_is_accepted(self) -> None:
        check_supported(RGBEncoderConfig(vcodec="h264", fast_decode=1))
        check_supported(DepthEncoderConfig(fast_decode=1))

    @pytest.mark.parametrize("vcodec", ["h264", "hevc"])
    def test_x26x_preset_names(self, vcodec: str) -> None:
        check_supported(RGBEncoderConfig(vcodec=vcodec, preset="veryfast"))
        check_supported(RGBEncoderConfig(vcodec=vcodec, preset=5))
        with pytest.raises(ConfigError, match=f"preset='bogus' is not accepted by '{vcodec}'") as i:
            check_supported(RGBEncoderConfig(vcodec=vcodec, preset="bogus"))
        assert "ultrafast" in str(i.value)
        assert "or an index 0-9" in str(i.value)
        with pytest.raises(ConfigError, match="preset=12 is not accepted"):
            check_supported(RGBEncoderConfig(vcodec=vcodec, preset=12))

    def test_rgb_with_grey_format_on_hevc(self) -> None:
        with pytest.raises(ConfigError, match=r"pix_fmt 'gray12le' carries 1 component\(s\)") as i:
            check_supported(RGBEncoderConfig(vcodec="hevc", pix_fmt="gray12le"))
        assert "3-channel frames" in str(i.value)

    @pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv420p12le", "gray10le", "yuv444p12le"])
    def test_depth_refuses_formats_that_change_codes(self, pix_fmt: str) -> None:
        # These were accepted and silently changed the 12-bit codes, even with lossless=1.
        with pytest.raises(ConfigError, match=f"pix_fmt '{pix_fmt}' does not store 12-bit") as i:
            check_supported(DepthEncoderConfig(pix_fmt=pix_fmt))
        assert "gray12le" in str(i.value)

    def test_depth_gray12le_refused_by_h264(self) -> None:
        with pytest.raises(ConfigError, match="pix_fmt 'gray12le' is not supported by 'h264'"):
            check_supported(DepthEncoderConfig(vcodec="h264"))

    def test_unknown_pixel_format(self) -> None:
        with pytest.raises(ConfigError, match="pix_fmt 'bogus' is not supported by 'h264'"):
            check_supported(RGBEncoderConfig(vcodec="h264", pix_fmt="bogus"))

    def test_h264_negative_crf_is_refused_by_constructor(self) -> None:
        # x264's crf accepts -1..; LeRobot refuses -2 in check; we refuse negatives earlier.
        with pytest.raises(ConfigError, match="crf must be a finite number >= 0"):
            RGBEncoderConfig(vcodec="h264", crf=-2)

    def test_threads_checked(self) -> None:
        with pytest.raises(ConfigError, match="encoder_threads must be an integer >= 1"):
            check_supported(RGBEncoderConfig(), encoder_threads=0)

    @pytest.mark.skipif(_opens_here("h264_nvenc"), reason="NVENC opens here (GPU present)")
    def test_nvenc_compiled_in_but_cannot_open(self) -> None:
        with pytest.raises(CodecUnavailableError, match="Encoder 'h264_nvenc' is ") as info:
            check_supported(RGBEncoderConfig(vcodec="h264_nvenc"))
        message = str(info.value)
        if "h264_nvenc" in av.codecs_available:  # compiled in, as in PyPI's Linux wheels
            assert "in this FFmpeg build but cannot be opened here" in message
        assert info.value.codec == "h264_nvenc"
        assert "encoders that work here: " in message
        working = message.split("encoders that work here: ")[1].rstrip(".").split(", ")
        assert {"libsvtav1", "h264", "hevc"} <= set(working)
        assert "h264_nvenc" not in working

    @pytest.mark.skipif("libaom-av1" in av.codecs_available, reason="libaom-av1 is present")
    def test_libaom_absent(self) -> None:
        with pytest.raises(CodecUnavailableError, match="'libaom-av1' is not in this FFmpeg build"):
            check_supported(RGBEncoderConfig(vcodec="libaom-av1"))


def _validation_outcome(case: dict[str, Any]) -> LeRobotVideoError | None:
    # LeRobot's VideoEncoderConfig (no channel check) has no counterpart; RGB is the closest.
    cls = CONFIG_CLASSES.get(case["class"], RGBEncoderConfig)
    try:
        check_supported(cls(**case["kwargs"]))
    except LeRobotVideoError as err:
        return err
    return None


def _known_differences() -> dict[str, str]:
    """LeRobot accepted these; we refuse them, on purpose or because of this machine."""
    differences = {
        "svtav1_crf_str_30": "our constructor wants crf as a number; LeRobot parses '30'",
        "video_gray12le_hevc": "LeRobot's base VideoEncoderConfig skips the channel check; "
        "we have no base class, and RGB (3 channels) refuses a grey format",
        "h264_preset_bogus": "libx264 refuses an unknown preset when it opens; we refuse it "
        "up front",
        "h264_extra_tune_bogus": "libx264 refuses an unknown tune when it opens; we refuse it "
        "up front",
        "depth_yuv420p": "yuv420p changes 12-bit depth codes; a depth encoder must use gray12le",
        "depth_hevc_yuv420p12le": "yuv420p12le changes 12-bit depth codes, even lossless; a "
        "depth encoder must use gray12le",
    }
    if not _opens_here("h264_nvenc"):
        differences["vcodec_h264_nvenc"] = (
            "LeRobot only checks that NVENC is compiled in; we open it, and there is no GPU here"
        )
    if not _opens_here("libaom-av1"):
        differences["libaom_preset_4"] = "libaom-av1 is not in this PyAV build (it was in 15.1)"
    return differences


@pytest.mark.requires_encoder("libsvtav1", "libx264", "libx265")
class TestAgreesWithLeRobotValidation:
    @pytest.mark.parametrize(
        "case", [c for c in VALIDATION["cases"] if c["raised"]], ids=lambda c: c["name"]
    )
    def test_lerobot_refusals_are_refused(self, case: dict[str, Any]) -> None:
        error = _validation_outcome(case)
        assert isinstance(error, ConfigError | CodecUnavailableError), case["message"]

    @pytest.mark.parametrize(
        "case", [c for c in VALIDATION["cases"] if not c["raised"]], ids=lambda c: c["name"]
    )
    def test_lerobot_acceptances_are_accepted(self, case: dict[str, Any]) -> None:
        error = _validation_outcome(case)
        reason = _known_differences().get(case["name"])
        if reason is not None:
            assert error is not None, f"documented difference no longer holds: {reason}"
            return
        assert error is None, str(error)
        if "options" in case:
            config = CONFIG_CLASSES.get(case["class"], RGBEncoderConfig)(**case["kwargs"])
            assert codec_options(config) == case["options"]

    def test_known_differences_name_real_cases(self) -> None:
        names = {c["name"] for c in VALIDATION["cases"] if not c["raised"]}
        assert set(_known_differences()) <= names


def _fake_open_error(opening: set[str]) -> Any:
    def fake(name: str) -> str | None:
        return None if name in opening else "cannot be opened here (simulated)"

    return fake


class TestResolveAuto:
    @pytest.mark.requires_encoder("libsvtav1")
    def test_auto_resolves_to_an_encoder_that_opens(self) -> None:
        resolved = resolve_auto_codec(RGBEncoderConfig(vcodec="auto"))
        assert resolved.vcodec != "auto"
        assert _opens_here(resolved.encoder)
        check_supported(resolved)
        if not any(_opens_here(name) for name in HW_VIDEO_CODECS):
            assert resolved.vcodec == "libsvtav1"

    def test_concrete_config_returned_unchanged(self) -> None:
        config = RGBEncoderConfig(vcodec="h264", crf=20)
        assert resolve_auto_codec(config) is config

    def test_auto_keeps_other_fields(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(codecs, "_encoder_open_error", _fake_open_error(set()))
        config = RGBEncoderConfig(vcodec="auto", crf=20, g=5, extra_options={"bf": 0})
        resolved = resolve_auto_codec(config)
        assert resolved == RGBEncoderConfig(
            vcodec="libsvtav1", crf=20, g=5, extra_options={"bf": 0}
        )
        assert config.vcodec == "auto"  # a new config, the input is untouched

    @pytest.mark.parametrize("name", HW_VIDEO_CODECS)
    def test_single_hardware_encoder_is_picked(
        self, monkeypatch: pytest.MonkeyPatch, name: str
    ) -> None:
        monkeypatch.setattr(codecs, "_encoder_open_error", _fake_open_error({name, "libsvtav1"}))
        assert resolve_auto_codec(RGBEncoderConfig(vcodec="auto")).vcodec == name

    @pytest.mark.parametrize("first", range(len(HW_VIDEO_CODECS)))
    def test_preference_order(self, monkeypatch: pytest.MonkeyPatch, first: int) -> None:
        # Everything from position `first` onwards opens: the earliest in LeRobot's order wins.
        opening = set(HW_VIDEO_CODECS[first:]) | {"libsvtav1", "h264", "hevc"}
        monkeypatch.setattr(codecs, "_encoder_open_error", _fake_open_error(opening))
        resolved = resolve_auto_codec(DepthEncoderConfig(vcodec="auto"))
        assert resolved.vcodec == HW_VIDEO_CODECS[first]
        assert isinstance(resolved, DepthEncoderConfig)

    def test_compiled_in_but_not_opening_is_skipped(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Simulates this machine's NVENC: present in the build, fails to open.
        monkeypatch.setattr(codecs, "_encoder_open_error", _fake_open_error({"h264_qsv"}))
        assert resolve_auto_codec(RGBEncoderConfig(vcodec="auto")).vcodec == "h264_qsv"

    def test_encoder_availability(self) -> None:
        availability = encoder_availability()
        assert set(availability) == set(VALID_VIDEO_CODECS) - {"auto"}
        for name, reason in availability.items():
            assert (reason is None) == _opens_here(name)
        if "libaom-av1" not in av.codecs_available:
            assert availability["libaom-av1"] == "not in this FFmpeg build"


class TestSupportedPixelFormats:
    @pytest.mark.requires_encoder("libx265")
    def test_hevc_has_gray12le(self) -> None:
        assert "gray12le" in supported_pixel_formats("hevc")

    @pytest.mark.requires_encoder("libsvtav1")
    def test_svtav1_has_no_444(self) -> None:
        formats = supported_pixel_formats("libsvtav1")
        assert "yuv420p" in formats
        assert "yuv444p" not in formats

    def test_missing_encoder_has_none(self) -> None:
        assert supported_pixel_formats("no_such_encoder") == ()

    @pytest.mark.requires_encoder("libsvtav1")
    def test_av1_alias_is_libsvtav1(self) -> None:
        assert supported_pixel_formats("av1") == supported_pixel_formats("libsvtav1")
        assert supported_pixel_formats("av1")

    def test_auto_is_what_auto_resolves_to(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert supported_pixel_formats("auto") == supported_pixel_formats(
            resolve_auto_codec(RGBEncoderConfig(vcodec="auto")).vcodec
        )
        # With a (simulated) usable hardware encoder, auto offers that encoder's formats.
        monkeypatch.setattr(codecs, "_encoder_open_error", _fake_open_error({"h264_nvenc"}))
        if "h264_nvenc" in av.codecs_available:
            assert supported_pixel_formats("auto") == supported_pixel_formats("h264_nvenc")


@pytest.mark.requires_encoder("libsvtav1", "libx265")
class TestPlanEncoder:
    def test_auto_resolved_and_options_computed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(codecs, "_encoder_open_error", _fake_open_error({"libsvtav1"}))
        plan = plan_encoder(RGBEncoderConfig(vcodec="auto", crf=20), encoder_threads=2)
        assert plan.config == RGBEncoderConfig(vcodec="libsvtav1", crf=20)
        assert plan.encoder_threads == 2
        assert dict(plan.options) == codec_options(plan.config, encoder_threads=2)

    def test_x265_kept_quiet_without_changing_codec_options(self) -> None:
        plan = plan_encoder(DepthEncoderConfig())
        assert plan.options["x265-params"] == "lossless=1:log-level=error"
        assert codec_options(plan.config)["x265-params"] == "lossless=1"

    def test_refuses_what_check_supported_refuses(self) -> None:
        with pytest.raises(ConfigError, match=r"crf must be in \[0, 63\]"):
            plan_encoder(RGBEncoderConfig(crf=70))
        with pytest.raises(ConfigError, match="encoder_threads must be an integer >= 1"):
            plan_encoder(RGBEncoderConfig(), encoder_threads=0)

    def test_auto_resolved_once(self, monkeypatch: pytest.MonkeyPatch) -> None:
        calls: list[str] = []
        real = codecs.resolve_auto_codec

        def counting(config: Any) -> Any:
            calls.append(config.vcodec)
            return real(config)

        monkeypatch.setattr(codecs, "resolve_auto_codec", counting)
        plan_encoder(RGBEncoderConfig(vcodec="auto"))
        assert calls == ["auto"]
