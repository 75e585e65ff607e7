"""Malformed inputs to the codec room's public functions: each is refused by name.

Covers ``check_supported``, ``plan_encoder``, ``codec_options``, ``resolve_auto_codec``,
``is_lossless``, ``with_lossless`` (wrong types), ``encode_video`` and
``encode_depth_video`` (configs, frames, fps, paths, frame sizes beyond each encoder's
limits), ``decode_frames``, ``decode_depth_codes``, ``decode_all_frames`` and
``probe_video`` (timestamps, tolerances, paths, and valid MP4s truncated, flipped or zeroed).
Every case checks the exception class, the message, that the inputs are unchanged and that
nothing was written (see ``corpus_codec_helpers.refused``).
"""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from corpus_codec_helpers import (
    FPS,
    MUTATIONS,
    depth_codes,
    refused,
    rgb_frames,
    write_with_pyav,
)

from lerobot_video import (
    CodecUnavailableError,
    ConfigError,
    DepthEncoderConfig,
    MediaError,
    RGBEncoderConfig,
    check_supported,
    clear_decoder_cache,
    codec_options,
    decode_all_frames,
    decode_depth_codes,
    decode_frames,
    encode_depth_video,
    encode_video,
    is_lossless,
    plan_encoder,
    probe_video,
    resolve_auto_codec,
    with_lossless,
)

H264 = RGBEncoderConfig(vcodec="h264", g=2)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One valid RGB and one valid depth MP4, written with PyAV, never modified."""
    folder = tmp_path_factory.mktemp("valid-media")
    return {
        "rgb": write_with_pyav(folder / "rgb.mp4"),
        "depth": write_with_pyav(folder / "depth.mp4", depth=True),
        "rgb-faststart": write_with_pyav(folder / "rgb-fs.mp4", faststart=True),
        "depth-faststart": write_with_pyav(folder / "depth-fs.mp4", depth=True, faststart=True),
    }


def _inputs(tmp_path: Path, media: dict[str, Path], *names: str) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    for name in names:
        shutil.copy(media[name], folder / f"{name}.mp4")
    return folder


# --- wrong-typed configs ---------------------------------------------------------------

BAD_CONFIGS: list[Any] = [
    None,
    "h264",
    {},
    {"vcodec": "h264"},
    1,
    [],
    RGBEncoderConfig,
    object(),
]
CONFIG_TAKERS: dict[str, Callable[..., Any]] = {
    "check_supported": check_supported,
    "plan_encoder": plan_encoder,
    "codec_options": codec_options,
    "resolve_auto_codec": resolve_auto_codec,
    "is_lossless": is_lossless,
}


@pytest.mark.parametrize("config", BAD_CONFIGS, ids=repr)
@pytest.mark.parametrize("function", CONFIG_TAKERS)
def test_config_takers_refuse_non_configs(function: str, config: Any, tmp_path: Path) -> None:
    refused(
        lambda: CONFIG_TAKERS[function](config),
        ConfigError,
        f"{function} needs an RGBEncoderConfig or a DepthEncoderConfig as config",
        work=tmp_path,
    )


@pytest.mark.parametrize("threads", [0, -1, True, 1.5, "2", [2]], ids=repr)
@pytest.mark.parametrize("function", ["codec_options", "check_supported", "plan_encoder"])
def test_encoder_threads(function: str, threads: Any, tmp_path: Path) -> None:
    call = CONFIG_TAKERS[function]
    refused(
        lambda: call(H264, encoder_threads=threads),
        ConfigError,
        "encoder_threads must be an integer >= 1",
        work=tmp_path,
    )


@pytest.mark.parametrize("lossless", ["yes", None, 1, 0.0], ids=repr)
def test_with_lossless_flag(lossless: Any, tmp_path: Path) -> None:
    refused(
        lambda: with_lossless(DepthEncoderConfig(), lossless),
        ConfigError,
        "lossless must be True or False",
        work=tmp_path,
    )


# --- configs this FFmpeg build refuses once planned -------------------------------------


@pytest.mark.parametrize(
    ("config", "match"),
    [
        (RGBEncoderConfig(vcodec="h264", crf=1e308), r"crf must be in \[.*for 'h264'"),
        (RGBEncoderConfig(vcodec="libsvtav1", preset=10**30), r"preset must be in \[-2, 13\]"),
        (RGBEncoderConfig(vcodec="libsvtav1", crf=64), r"crf must be in"),
        (RGBEncoderConfig(vcodec="h264", preset="bogus"), "preset='bogus' is not accepted"),
        (RGBEncoderConfig(vcodec="h264", pix_fmt="bogus"), "pix_fmt 'bogus'"),
        (RGBEncoderConfig(vcodec="hevc", pix_fmt="gray12le"), "pix_fmt 'gray12le' carries 1"),
        (DepthEncoderConfig(pix_fmt="yuv420p"), "pix_fmt 'yuv420p' does not store 12-bit"),
        (DepthEncoderConfig(pix_fmt="gray10le"), "pix_fmt 'gray10le' does not store 12-bit"),
        (DepthEncoderConfig(pix_fmt="yuv420p12le"), "'yuv420p12le' does not store 12-bit"),
        (DepthEncoderConfig(pix_fmt="yuv444p12le"), "'yuv444p12le' does not store 12-bit"),
        (DepthEncoderConfig(pix_fmt="gray"), "pix_fmt 'gray' does not store 12-bit"),
        (DepthEncoderConfig(vcodec="ffv1", pix_fmt="gray16le"), "'gray16le' does not store"),
        (DepthEncoderConfig(vcodec="ffv1", pix_fmt="yuv420p"), "'yuv420p' does not store"),
        (DepthEncoderConfig(vcodec="h264"), "pix_fmt 'gray12le' is not supported by 'h264'"),
    ],
    ids=lambda v: getattr(v, "pix_fmt", None) or str(v)[:30],
)
def test_plan_refuses(config: Any, match: str, tmp_path: Path) -> None:
    refused(lambda: plan_encoder(config), ConfigError, match, work=tmp_path)


def test_unavailable_encoder_names_the_working_ones(tmp_path: Path) -> None:
    error = refused(
        lambda: check_supported(RGBEncoderConfig(vcodec="h264_vaapi")),
        CodecUnavailableError,
        "h264_vaapi",
        work=tmp_path,
    )
    assert "encoders that work here" in str(error)


# --- encode_video / encode_depth_video ---------------------------------------------------

_FRAMES = rgb_frames(3)
BAD_RGB_FRAMES: list[tuple[str, Any, str]] = [
    ("None", None, "frames must be an array or an iterable"),
    ("int", 5, "frames must be an array or an iterable"),
    ("str", "frames", "frames must be an array or an iterable"),
    ("empty-list", [], "frames is empty"),
    ("empty-array", np.zeros((0, 48, 64, 3), np.uint8), "frames is empty"),
    ("float", _FRAMES.astype(np.float32), "Frame 0 must be a uint8"),
    ("3-D", _FRAMES[..., 0], r"frames must have shape \(N, H, W, 3\)"),
    ("RGBA", np.zeros((2, 48, 64, 4), np.uint8), r"must have shape \(H, W, 3\)"),
    ("5-D", _FRAMES[None], r"frames must have shape \(N, H, W, 3\)"),
    ("list-mixed-sizes", [_FRAMES[0], _FRAMES[0, :32]], "Frame 1 has shape"),
    ("list-with-None", [_FRAMES[0], None], "Frame 1 must be a uint8"),
    ("list-of-floats", [f.astype(float) for f in _FRAMES], "Frame 0 must be a uint8"),
    ("list-of-lists", [f.tolist() for f in _FRAMES], "Frame 0 must be a uint8 numpy array"),
    ("generator-bad-2nd", (f for f in [_FRAMES[0], _FRAMES[0, :, :32]]), "Frame 1 has shape"),
]


@pytest.mark.parametrize(
    ("frames", "match"), [c[1:] for c in BAD_RGB_FRAMES], ids=[c[0] for c in BAD_RGB_FRAMES]
)
def test_encode_video_frames(frames: Any, match: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    refused(
        lambda: encode_video(frames, out / "v.mp4", fps=FPS, config=H264),
        ConfigError,
        match,
        work=tmp_path,
        inputs=tmp_path,
    )


def test_encode_video_accepts_a_list_of_frames(tmp_path: Path) -> None:
    # A list of (H, W, 3) uint8 arrays is a legitimate iterable of frames.
    info = encode_video(list(_FRAMES), tmp_path / "v.mp4", fps=FPS, config=H264)
    assert info["video.width"] == 64
    assert len(decode_all_frames(tmp_path / "v.mp4")[0]) == 3


@pytest.mark.parametrize("fps", [0, -1, 1.5, True, "30", None, 30.0], ids=repr)
@pytest.mark.parametrize("function", ["encode_video", "encode_depth_video"])
def test_encode_fps(function: str, fps: Any, tmp_path: Path) -> None:
    call = (
        (lambda: encode_video(_FRAMES, tmp_path / "v.mp4", fps=fps, config=H264))
        if function == "encode_video"
        else (
            lambda: encode_depth_video(
                depth_codes(2), tmp_path / "v.mp4", fps=fps, config=DepthEncoderConfig()
            )
        )
    )
    refused(call, ConfigError, "fps must be an integer >= 1", work=tmp_path, inputs=tmp_path)


@pytest.mark.parametrize(
    ("config", "match"),
    [
        (None, "got NoneType as config"),
        ({"vcodec": "h264"}, "got dict as config"),
        ("h264", "got str as config"),
        (DepthEncoderConfig(), "needs an RGBEncoderConfig, got DepthEncoderConfig"),
        (RGBEncoderConfig(vcodec="h264", crf=1e308), "crf must be in"),
    ],
    ids=repr,
)
def test_encode_video_config(config: Any, match: str, tmp_path: Path) -> None:
    refused(
        lambda: encode_video(_FRAMES, tmp_path / "v.mp4", fps=FPS, config=config),
        ConfigError,
        match,
        work=tmp_path,
        inputs=tmp_path,
    )


@pytest.mark.parametrize(
    ("config", "match"),
    [
        (None, "got NoneType as config"),
        ({}, "got dict as config"),
        (H264, "needs a DepthEncoderConfig, got RGBEncoderConfig"),
        (DepthEncoderConfig(pix_fmt="yuv420p"), "'yuv420p' does not store 12-bit"),
    ],
    ids=repr,
)
def test_encode_depth_config(config: Any, match: str, tmp_path: Path) -> None:
    refused(
        lambda: encode_depth_video(depth_codes(2), tmp_path / "v.mp4", fps=FPS, config=config),
        ConfigError,
        match,
        work=tmp_path,
        inputs=tmp_path,
    )


def _path_cases(tmp_path: Path) -> dict[str, tuple[Any, type[Exception], str]]:
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "a-file").write_bytes(b"x")
    return {
        "empty": ("", ConfigError, "path must be a non-empty file path"),
        "None": (None, ConfigError, "path must be a non-empty file path"),
        "int": (5, ConfigError, "path must be a non-empty file path"),
        "bytes": (b"v.mp4", ConfigError, "path must be a non-empty file path"),
        "nul": ("v\0.mp4", ConfigError, "path must be a non-empty file path"),
        "folder": (tmp_path / "a-folder", MediaError, "is a folder"),
        "parent-is-file": (tmp_path / "a-file" / "v.mp4", MediaError, "is a file, not a folder"),
        "parent-missing": (tmp_path / "missing" / "v.mp4", MediaError, "does not exist"),
    }


PATH_CASES = ["empty", "None", "int", "bytes", "nul", "folder", "parent-is-file", "parent-missing"]


@pytest.mark.parametrize("case", PATH_CASES)
@pytest.mark.parametrize("function", ["encode_video", "encode_depth_video"])
def test_encode_output_path(function: str, case: str, tmp_path: Path) -> None:
    path, kind, match = _path_cases(tmp_path)[case]
    call = (
        (lambda: encode_video(_FRAMES, path, fps=FPS, config=H264))
        if function == "encode_video"
        else (
            lambda: encode_depth_video(depth_codes(2), path, fps=FPS, config=DepthEncoderConfig())
        )
    )
    refused(call, kind, match, work=tmp_path, inputs=tmp_path)


SIZE_CASES = [
    ("h264", 1, 1, r"Frame size 1x1 is odd"),
    ("h264", 3, 3, r"Frame size 3x3 is odd"),
    ("h264", 1, 20000, r"Frame size 20000x1 .*\[1, 16384\]"),
    ("h264", 20000, 2, r"Frame size 2x20000 .*\[1, 16384\]"),
    ("h264", 48, 65, r"Frame size 65x48 is odd"),
    ("libsvtav1", 2, 2, r"Frame size 2x2 .*'libsvtav1'.*\[4, 16384\]"),
    ("libsvtav1", 2, 64, r"Frame size 64x2 .*\[4, 16384\]"),
    ("libsvtav1", 16, 256, r"Frame size 256x16 .*stalls 'libsvtav1'"),
    ("libsvtav1", 256, 16, r"Frame size 16x256 .*stalls 'libsvtav1'"),
    ("libsvtav1", 8, 128, r"Frame size 128x8 .*stalls 'libsvtav1'"),
    ("libsvtav1", 24, 96, r"Frame size 96x24 .*stalls 'libsvtav1'"),
    ("hevc", 8, 8, r"Frame size 8x8 .*'hevc'.*\[16, 4096\]"),
    ("hevc", 16, 8, r"Frame size 8x16 .*\[16, 4096\]"),
    ("hevc", 16, 4098, r"Frame size 4098x16 .*\[16, 4096\]"),
]


@pytest.mark.parametrize(("vcodec", "height", "width", "match"), SIZE_CASES)
def test_frame_size_limits(
    vcodec: str, height: int, width: int, match: str, tmp_path: Path
) -> None:
    frames = np.zeros((2, height, width, 3), np.uint8)
    config = RGBEncoderConfig(vcodec=vcodec)
    refused(
        lambda: encode_video(frames, tmp_path / "v.mp4", fps=FPS, config=config),
        ConfigError,
        match,
        work=tmp_path,
        inputs=tmp_path,
    )


@pytest.mark.parametrize(
    ("height", "width", "vcodec"), [(8, 8, "hevc"), (1, 1, "hevc"), (16, 5000, "hevc")]
)
def test_depth_frame_size_limits(height: int, width: int, vcodec: str, tmp_path: Path) -> None:
    depth = np.ones((2, height, width), np.uint16)
    refused(
        lambda: encode_depth_video(depth, tmp_path / "d.mp4", fps=FPS, config=DepthEncoderConfig()),
        ConfigError,
        rf"Frame size {width}x{height} .*'hevc'",
        work=tmp_path,
        inputs=tmp_path,
    )


_DEPTH = depth_codes(2)
BAD_DEPTH: list[tuple[str, Any, dict[str, Any], str]] = [
    ("complex", _DEPTH.astype(complex), {}, "dtype complex128"),
    ("bool", _DEPTH > 5, {}, "dtype bool"),
    ("object", _DEPTH.astype(object), {}, "dtype object"),
    ("rgb", np.zeros((2, 48, 64, 3), np.uint16), {}, r"must be \(H, W\) or \(H, W, 1\)"),
    ("1-D-frames", np.zeros((2, 48), np.uint16), {}, r"must be \(H, W\) or \(H, W, 1\)"),
    ("list-mixed", [_DEPTH[0], _DEPTH[0, :16]], {}, "Depth frame 1 has shape"),
    ("list-mixed-dtype", [_DEPTH[0], _DEPTH[0].astype(float)], {}, "Depth frame 1"),
    ("None", None, {}, "frames must be an array or an iterable"),
    ("empty", [], {}, "frames is empty"),
    ("unit-cm", _DEPTH, {"input_unit": "cm"}, "input_unit must be 'auto', 'm' or 'mm'"),
    ("unit-None", _DEPTH, {"input_unit": None}, "input_unit must be"),
    ("mark-invalid-str", _DEPTH, {"mark_invalid": "yes"}, "mark_invalid must be True or False"),
]


@pytest.mark.parametrize(
    ("depth", "kwargs", "match"), [c[1:] for c in BAD_DEPTH], ids=[c[0] for c in BAD_DEPTH]
)
def test_encode_depth_frames(
    depth: Any, kwargs: dict[str, Any], match: str, tmp_path: Path
) -> None:
    refused(
        lambda: encode_depth_video(
            depth, tmp_path / "d.mp4", fps=FPS, config=DepthEncoderConfig(), **kwargs
        ),
        ConfigError,
        match,
        work=tmp_path,
        inputs=tmp_path,
    )


# --- decoding and probing ----------------------------------------------------------------

BAD_TIMESTAMPS: list[Any] = [
    None,
    "0.0",
    b"\x00",
    [],
    [[0.0]],
    [float("nan")],
    [float("inf")],
    {0.0},
    ["a"],
    0.0,
    [None],
    np.zeros((1, 1)),
]
DECODERS: dict[str, Callable[..., Any]] = {
    "decode_frames": decode_frames,
    "decode_depth_codes": decode_depth_codes,
}


@pytest.mark.parametrize("timestamps", BAD_TIMESTAMPS, ids=repr)
@pytest.mark.parametrize("function", DECODERS)
def test_timestamps(function: str, timestamps: Any, tmp_path: Path, media: dict[str, Path]) -> None:
    inputs = _inputs(tmp_path, media, "rgb", "depth")
    path = inputs / ("rgb.mp4" if function == "decode_frames" else "depth.mp4")
    refused(
        lambda: DECODERS[function](path, timestamps),
        ConfigError,
        "timestamps must be a non-empty 1-D sequence",
        work=tmp_path,
        inputs=inputs,
    )


@pytest.mark.parametrize("function", DECODERS)
def test_timestamps_generator(function: str, tmp_path: Path, media: dict[str, Path]) -> None:
    inputs = _inputs(tmp_path, media, "rgb", "depth")
    refused(
        lambda: DECODERS[function](inputs / "rgb.mp4", (t for t in [0.0])),
        ConfigError,
        "timestamps must be .* got <generator",
        work=tmp_path,
        inputs=inputs,
    )


@pytest.mark.parametrize(
    "tolerance", ["abc", -1, -1e-9, float("nan"), float("inf"), None, True, [0.1]], ids=repr
)
@pytest.mark.parametrize("function", DECODERS)
def test_tolerance(function: str, tolerance: Any, tmp_path: Path, media: dict[str, Path]) -> None:
    inputs = _inputs(tmp_path, media, "rgb", "depth")
    path = inputs / ("rgb.mp4" if function == "decode_frames" else "depth.mp4")
    refused(
        lambda: DECODERS[function](path, [0.0], tolerance_seconds=tolerance),
        ConfigError,
        "tolerance_seconds must be a finite number of seconds >= 0",
        work=tmp_path,
        inputs=inputs,
    )


READERS: dict[str, Callable[[Any], Any]] = {
    "decode_frames": lambda p: decode_frames(p, [0.0]),
    "decode_depth_codes": lambda p: decode_depth_codes(p, [0.0]),
    "decode_all_frames": decode_all_frames,
    "probe_video": probe_video,
}


def _bad_inputs(folder: Path) -> dict[str, tuple[Any, type[Exception], str]]:
    (folder / "a-folder").mkdir()
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "text.mp4").write_text("not a video\n" * 50)
    return {
        "None": (None, ConfigError, "path must be a non-empty file path"),
        "empty-string": ("", ConfigError, "path must be a non-empty file path"),
        "int": (3, ConfigError, "path must be a non-empty file path"),
        "missing": (
            folder / "missing.mp4",
            MediaError,
            "missing.mp4.*(does not exist|No such file)",
        ),
        "folder": (folder / "a-folder", MediaError, "a-folder.*(not a file|Is a directory)"),
        "empty-file": (folder / "empty.mp4", MediaError, r"empty.mp4.* is empty \(0 bytes\)"),
        "text-file": (folder / "text.mp4", MediaError, "text.mp4"),
    }


BAD_INPUTS = ["None", "empty-string", "int", "missing", "folder", "empty-file", "text-file"]


@pytest.mark.parametrize("case", BAD_INPUTS)
@pytest.mark.parametrize("function", READERS)
def test_reader_paths(function: str, case: str, tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    path, kind, match = _bad_inputs(inputs)[case]
    refused(lambda: READERS[function](path), kind, match, work=tmp_path, inputs=inputs)


@pytest.mark.parametrize("mutation", MUTATIONS)
@pytest.mark.parametrize("layout", ["index-last", "faststart"])
@pytest.mark.parametrize("function", ["decode_frames", "decode_all_frames", "decode_depth_codes"])
def test_damaged_files_are_refused(
    function: str, layout: str, mutation: str, tmp_path: Path, media: dict[str, Path]
) -> None:
    clear_decoder_cache()
    kind = "depth" if function == "decode_depth_codes" else "rgb"
    source = media[kind if layout == "index-last" else f"{kind}-faststart"]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    path = inputs / f"damaged-{mutation}.mp4"
    path.write_bytes(MUTATIONS[mutation](source.read_bytes()))
    call = (
        READERS[function]
        if function != "decode_frames"
        else (lambda p: decode_frames(p, [0.0, 0.5]))
    )
    error = refused(
        lambda: call(path),
        MediaError,
        re.escape(f"damaged-{mutation}.mp4"),
        work=tmp_path,
        inputs=inputs,
    )
    assert re.search("truncated|corrupt|Cannot read|could not decode", str(error)), error
    assert isinstance(error, MediaError)
    assert error.path == path


@pytest.mark.parametrize("mutation", MUTATIONS)
@pytest.mark.parametrize("layout", ["rgb", "rgb-faststart", "depth-faststart"])
def test_probe_of_damaged_file_refuses_or_reports(
    layout: str, mutation: str, tmp_path: Path, media: dict[str, Path]
) -> None:
    path = tmp_path / "damaged.mp4"
    path.write_bytes(MUTATIONS[mutation](media[layout].read_bytes()))
    try:
        info = probe_video(path)
    except MediaError as err:
        error: MediaError | None = err
    else:
        error = None
    if error is not None:
        assert "damaged.mp4" in str(error)
        return
    if info.num_frames_from_header != info.num_frames_from_content:
        return  # the header lists frames the scan cannot find: reported, not hidden
    # Only the last packet is short: the packet scan cannot see it, decoding refuses.
    read: Callable[[], Any] = (
        functools.partial(decode_depth_codes, path, [0.5])
        if layout.startswith("depth")
        else functools.partial(decode_all_frames, path)
    )
    with pytest.raises(MediaError, match=r"damaged\.mp4"):
        read()


def test_depth_codes_of_a_colour_video(tmp_path: Path, media: dict[str, Path]) -> None:
    inputs = _inputs(tmp_path, media, "rgb")
    refused(
        lambda: decode_depth_codes(inputs / "rgb.mp4", [0.0]),
        MediaError,
        r"rgb.mp4' is not a depth video: its pixel format is 'yuv420p'",
        work=tmp_path,
        inputs=inputs,
    )


@pytest.mark.parametrize("max_frames", [0, -1, 1.5, "2", True], ids=repr)
def test_decode_all_frames_max_frames(
    max_frames: Any, tmp_path: Path, media: dict[str, Path]
) -> None:
    inputs = _inputs(tmp_path, media, "rgb")
    refused(
        lambda: decode_all_frames(inputs / "rgb.mp4", max_frames=max_frames),
        ConfigError,
        "max_frames must be an integer >= 1 or None",
        work=tmp_path,
        inputs=inputs,
    )


def test_valid_media_still_decode(media: dict[str, Path]) -> None:
    """The fixtures themselves are valid: the refusals above are about the damage."""
    assert decode_frames(media["rgb"], [0.0, 0.5]).shape == (2, 48, 64, 3)
    np.testing.assert_array_equal(decode_depth_codes(media["depth"], [0.0])[0], depth_codes()[0])
    assert len(decode_all_frames(media["rgb"])[0]) == 6
