"""Malformed inputs to the pure core and its helpers: each is refused by name.

Covers the config constructors and ``from_info`` (types, NaN, inf, huge numbers),
``DepthQuantization``, ``quantize_depth``, ``dequantize_depth``, ``quantization_step_mm``
(hypothesis strategies for arrays of the wrong kind), ``compute_quality``,
``difference_heatmap``, ``colorize_depth``, ``colorize_error``, ``browser_preview_clip``,
the clip loaders (``load_clip``, ``load_clip_files``, ``load_image_sequence``,
``load_depth_clip``) and the studies (``compare_encodings``, ``compare_frame``,
``compare_depth_encodings``). Every case checks the exception class, the message, that the
inputs are unchanged and that nothing was written (``corpus_codec_helpers.refused``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from corpus_codec_helpers import FPS, refused, rgb_frames, write_with_pyav
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from lerobot_video import (
    ConfigError,
    DepthClip,
    DepthEncoderConfig,
    DepthQuantization,
    FrameIndexError,
    MediaError,
    RGBEncoderConfig,
    browser_preview_clip,
    colorize_depth,
    colorize_error,
    compare_depth_encodings,
    compare_encodings,
    compare_frame,
    compute_quality,
    dequantize_depth,
    difference_heatmap,
    load_clip,
    load_clip_files,
    load_depth_clip,
    load_image_sequence,
    quantization_step_mm,
    quantize_depth,
)

NAN, INF = float("nan"), float("inf")

# --- config constructors -----------------------------------------------------------------

COMMON_FIELDS: list[tuple[str, Any, str]] = [
    ("vcodec", None, "Invalid vcodec None"),
    ("vcodec", "", "Invalid vcodec ''"),
    ("vcodec", "libx264", "Invalid vcodec 'libx264'"),
    ("vcodec", "H264", "Invalid vcodec 'H264'"),
    ("vcodec", 5, "Invalid vcodec 5"),
    ("pix_fmt", None, "pix_fmt must be a non-empty"),
    ("pix_fmt", "", "pix_fmt must be a non-empty"),
    ("pix_fmt", 5, "pix_fmt must be a non-empty"),
    ("g", 0, r"g \(keyframe interval"),
    ("g", -1, r"g \(keyframe interval"),
    ("g", 1.5, r"g \(keyframe interval"),
    ("g", True, r"g \(keyframe interval"),
    ("g", "2", r"g \(keyframe interval"),
    ("g", 2**31, r"g \(keyframe interval.*got 2147483648"),
    ("g", 10**400, r"g \(keyframe interval"),
    ("crf", NAN, "crf must be a finite number >= 0 or None, got nan"),
    ("crf", INF, "crf must be a finite number >= 0 or None, got inf"),
    ("crf", -INF, "crf must be a finite number"),
    ("crf", -1, "crf must be a finite number >= 0 or None, got -1"),
    ("crf", "30", "crf must be a finite number"),
    ("crf", True, "crf must be a finite number"),
    ("crf", [30], "crf must be a finite number"),
    ("crf", 10**400, "crf must be a finite number"),
    ("preset", True, "preset must be an integer, a non-empty string or None"),
    ("preset", "", "preset must be an integer, a non-empty string or None"),
    ("preset", 1.5, "preset must be an integer"),
    ("preset", [], "preset must be an integer"),
    ("fast_decode", 1.5, "fast_decode must be an integer"),
    ("fast_decode", True, "fast_decode must be an integer"),
    ("fast_decode", None, "fast_decode must be an integer"),
    ("fast_decode", 2**40, "fast_decode must be an integer in"),
    ("video_backend", "torchcodec", "video_backend 'torchcodec' is not supported"),
    ("video_backend", None, "video_backend None is not supported"),
    ("extra_options", None, "extra_options must be a mapping"),
    ("extra_options", [("a", 1)], "extra_options must be a mapping"),
    ("extra_options", {1: "a"}, "extra_options keys must be non-empty strings, got 1"),
    ("extra_options", {"": "a"}, "extra_options keys must be non-empty strings"),
    ("extra_options", {"bf": None}, r"extra_options\['bf'\] must be a string or a number"),
    ("extra_options", {"bf": NAN}, r"extra_options\['bf'\] .*finite.*nan"),
    ("extra_options", {"bf": INF}, r"extra_options\['bf'\] .*finite.*inf"),
    ("extra_options", {"bf": [1]}, r"extra_options\['bf'\] must be a string or a number"),
]


@pytest.mark.parametrize(
    ("name", "value", "match"), COMMON_FIELDS, ids=[f"{n}={v!r}"[:40] for n, v, _ in COMMON_FIELDS]
)
@pytest.mark.parametrize("cls", [RGBEncoderConfig, DepthEncoderConfig], ids=lambda c: c.__name__)
def test_config_fields(cls: type, name: str, value: Any, match: str, tmp_path: Path) -> None:
    refused(lambda: cls(**{name: value}), ConfigError, match, work=tmp_path)


QUANTIZER_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"depth_min": NAN}, "depth_min must be a finite number of metres"),
    ({"depth_min": INF}, "depth_min must be a finite number of metres"),
    ({"depth_min": "0.1"}, "depth_min must be a finite number of metres.* got '0.1'"),
    ({"depth_min": None}, "depth_min must be a finite number of metres.* got None"),
    ({"depth_min": True}, "depth_min must be a finite number"),
    ({"depth_max": -INF}, "depth_max must be a finite number"),
    ({"depth_max": 1e31}, "depth_max must be a finite number of metres within"),
    ({"depth_max": 10**400}, "depth_max must be a finite number"),
    ({"shift": NAN}, "shift must be a finite number"),
    ({"shift": [1.0]}, "shift must be a finite number"),
    ({"depth_min": 5.0, "depth_max": 5.0}, "depth_max must be greater than depth_min"),
    ({"depth_min": 5.0, "depth_max": 1.0}, "depth_max must be greater than depth_min"),
    ({"depth_min": 0.01, "shift": -0.01}, "depth_min \\+ shift must be positive"),
    ({"depth_min": -4.0, "shift": 3.5}, "depth_min \\+ shift must be positive"),
    ({"use_log": 1}, "use_log must be True or False, got 1"),
    ({"use_log": "True"}, "use_log must be True or False"),
    ({"use_log": None}, "use_log must be True or False"),
]


@pytest.mark.parametrize(("kwargs", "match"), QUANTIZER_FIELDS, ids=lambda v: repr(v)[:40])
@pytest.mark.parametrize("cls", [DepthQuantization, DepthEncoderConfig], ids=lambda c: c.__name__)
def test_quantizer_fields(cls: type, kwargs: dict[str, Any], match: str, tmp_path: Path) -> None:
    refused(lambda: cls(**kwargs), ConfigError, match, work=tmp_path)


@pytest.mark.parametrize(
    ("info", "match"),
    [
        (None, "info must be a mapping, got None"),
        ([], "info must be a mapping"),
        ("video.codec", "info must be a mapping"),
        ({"video.codec": 5}, "Invalid vcodec 5"),
        ({"video.g": "2"}, r"g \(keyframe interval"),
        ({"video.crf": NAN}, "crf must be a finite number"),
        ({"video.extra_options": "lossless"}, "extra_options must be a mapping"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("cls", [RGBEncoderConfig, DepthEncoderConfig], ids=lambda c: c.__name__)
def test_from_info(cls: Any, info: Any, match: str, tmp_path: Path) -> None:
    refused(lambda: cls.from_info(info), ConfigError, match, work=tmp_path)


@pytest.mark.parametrize(
    ("info", "match"),
    [
        (None, "info must be a mapping"),
        ([1], "info must be a mapping"),
        ({"video.depth_min": "a"}, "depth_min must be a finite number"),
        ({"video.use_log": "yes"}, "use_log must be True or False"),
    ],
    ids=repr,
)
def test_quantization_from_info(info: Any, match: str, tmp_path: Path) -> None:
    refused(lambda: DepthQuantization.from_info(info), ConfigError, match, work=tmp_path)


# --- depth quantization ------------------------------------------------------------------

_D = np.linspace(0.1, 5.0, 2 * 6 * 8, dtype=np.float32).reshape(2, 6, 8)
BAD_DEPTH: list[tuple[str, Any, str]] = [
    ("complex", _D.astype(complex), "depth must hold integers or floats, got dtype complex"),
    ("object-None", np.array([[1.0, None]], dtype=object), "got dtype object"),
    ("bool", _D > 1, "got dtype bool"),
    ("strings", np.array([["1", "2"]]), "got dtype <U1"),
    ("None", None, "got dtype object"),
    ("str", "1.0", "got dtype <U3"),
    ("rgb-N-H-W-3", np.zeros((2, 6, 8, 3), np.float32), r"got shape \(2, 6, 8, 3\)"),
    ("1-D", np.zeros(8, np.float32), r"got shape \(8,\)"),
    ("0-D", np.float32(1.0), r"got shape \(\)"),
    ("5-D", np.zeros((1, 2, 6, 8, 1), np.float32), r"got shape \(1, 2, 6, 8, 1\)"),
    ("N-2-H-W", np.zeros((2, 2, 6, 8), np.float32), r"got shape \(2, 2, 6, 8\)"),
    ("ragged", [[1.0, 2.0], [3.0]], "depth must be a numeric array"),
]


@pytest.mark.parametrize(
    ("depth", "match"), [c[1:] for c in BAD_DEPTH], ids=[c[0] for c in BAD_DEPTH]
)
def test_quantize_depth_arrays(depth: Any, match: str, tmp_path: Path) -> None:
    refused(lambda: quantize_depth(depth), ConfigError, match, work=tmp_path)


BAD_QUANTIZATIONS: list[Any] = [
    {},
    {"depth_min": 0.1},
    None,
    "default",
    DepthEncoderConfig(),
    (0.01, 10.0, 3.5, True),
]


@pytest.mark.parametrize("quantization", BAD_QUANTIZATIONS, ids=lambda v: type(v).__name__)
@pytest.mark.parametrize("function", ["quantize", "dequantize", "step"])
def test_quantization_argument(function: str, quantization: Any, tmp_path: Path) -> None:
    call = {
        "quantize": lambda: quantize_depth(_D, quantization),
        "dequantize": lambda: dequantize_depth(np.zeros((2, 2), np.uint16), quantization),
        "step": lambda: quantization_step_mm(1.0, quantization),
    }[function]
    refused(call, ConfigError, "quantization must be a DepthQuantization, got", work=tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"input_unit": "cm"}, "input_unit must be 'auto', 'm' or 'mm', got 'cm'"),
        ({"input_unit": None}, "input_unit must be .* got None"),
        ({"input_unit": "M"}, "input_unit must be .* got 'M'"),
        ({"input_unit": 1}, "input_unit must be .* got 1"),
        ({"mark_invalid": "yes"}, "mark_invalid must be True or False, got 'yes'"),
        ({"mark_invalid": None}, "mark_invalid must be True or False"),
        ({"mark_invalid": 1}, "mark_invalid must be True or False"),
    ],
    ids=repr,
)
def test_quantize_depth_options(kwargs: dict[str, Any], match: str, tmp_path: Path) -> None:
    refused(lambda: quantize_depth(_D, **kwargs), ConfigError, match, work=tmp_path)


_C = np.arange(2 * 6 * 8, dtype=np.uint16).reshape(2, 6, 8)
BAD_CODES: list[tuple[str, Any, dict[str, Any], str]] = [
    ("code-4096", np.full((2, 2), 4096, np.uint16), {}, r"codes must be 12-bit .* to 4096"),
    ("negative", np.full((2, 2), -1, np.int32), {}, "codes must be 12-bit depth codes"),
    ("nan", np.full((2, 2), NAN), {}, "codes must be 12-bit depth codes"),
    ("inf", np.full((2, 2), INF), {}, "codes must be 12-bit depth codes"),
    ("complex", _C.astype(complex), {}, "codes must hold integers or floats"),
    ("object", _C.astype(object), {}, "codes must hold integers or floats"),
    ("bool", _C > 3, {}, "codes must hold integers or floats"),
    ("rgb", np.zeros((2, 6, 8, 3), np.uint16), {}, r"codes must be \(H, W\)"),
    ("1-D", np.zeros(8, np.uint16), {}, r"codes must be \(H, W\)"),
    ("unit-cm", _C, {"output_unit": "cm"}, "output_unit must be 'm' or 'mm', got 'cm'"),
    ("unit-None", _C, {"output_unit": None}, "output_unit must be 'm' or 'mm', got None"),
    ("nan-flag", _C, {"invalid_as_nan": "no"}, "invalid_as_nan must be True or False"),
]


@pytest.mark.parametrize(
    ("codes", "kwargs", "match"), [c[1:] for c in BAD_CODES], ids=[c[0] for c in BAD_CODES]
)
def test_dequantize_depth(codes: Any, kwargs: dict[str, Any], match: str, tmp_path: Path) -> None:
    refused(lambda: dequantize_depth(codes, **kwargs), ConfigError, match, work=tmp_path)


@pytest.mark.parametrize(
    "depth_m", ["abc", None, np.array([1.0, None], dtype=object), 1j], ids=repr
)
def test_quantization_step_mm(depth_m: Any, tmp_path: Path) -> None:
    refused(lambda: quantization_step_mm(depth_m), ConfigError, "depth_m must be", work=tmp_path)


def test_one_frame_keeps_its_axis() -> None:
    codes = quantize_depth(_D[:1])
    assert codes.shape == (1, 6, 8)
    assert dequantize_depth(codes).shape == (1, 6, 8)
    assert dequantize_depth(codes[..., None]).shape == (1, 6, 8)
    assert quantize_depth(_D[0][..., None]).shape == (6, 8)


_WRONG_KINDS = st.sampled_from([np.complex64, np.complex128, np.bool_, np.object_, np.str_])


@settings(max_examples=40, deadline=None)
@given(
    dtype=_WRONG_KINDS,
    shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=5),
)
def test_quantize_refuses_every_non_numeric_dtype(dtype: Any, shape: tuple[int, ...]) -> None:
    array = np.zeros(shape, dtype=dtype)
    with pytest.raises(ConfigError, match="depth must hold integers or floats"):
        quantize_depth(array)
    with pytest.raises(ConfigError, match="codes must hold integers or floats"):
        dequantize_depth(array)


@settings(max_examples=40, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=6, min_side=2, max_side=4))
def test_layouts_other_than_the_four_are_refused(shape: tuple[int, ...]) -> None:
    if len(shape) in (2, 3) or (len(shape) == 4 and shape[-1] == 1):
        return  # a valid layout
    with pytest.raises(ConfigError, match=r"depth must be \(H, W\), \(N, H, W\)"):
        quantize_depth(np.ones(shape, np.float32))


@settings(max_examples=30, deadline=None)
@given(
    codes=hnp.arrays(
        np.int32,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=4),
        elements=st.integers(-100000, 100000),
    )
)
def test_codes_outside_12_bits_are_refused(codes: np.ndarray) -> None:
    if codes.min() >= 0 and codes.max() <= 4095:
        assert dequantize_depth(codes).shape == codes.shape
        return
    with pytest.raises(ConfigError, match=r"codes must be 12-bit depth codes in \[0, 4095\]"):
        dequantize_depth(codes)


# --- metrics and pictures ----------------------------------------------------------------

_F = rgb_frames(2, 16, 16)
QUALITY_CASES: list[tuple[str, Any, Any, str]] = [
    ("None", None, _F, "reference must be a numpy array"),
    ("list", _F, list(_F), "decoded must be a numpy array"),
    ("shapes", _F, _F[:1], r"must both be \(N, H, W, 3\)"),
    ("float", _F.astype(float), _F.astype(float), "Frames must be uint8"),
    ("3-D", _F[0], _F[0], r"must both be \(N, H, W, 3\)"),
    ("grey", _F[..., 0], _F[..., 0], r"must both be \(N, H, W, 3\)"),
    ("tiny", _F[:, :4, :4], _F[:, :4, :4], "4x4 are too small for SSIM"),
    ("empty", _F[:0], _F[:0], "are empty"),
]


@pytest.mark.parametrize(
    ("reference", "decoded", "match"),
    [c[1:] for c in QUALITY_CASES],
    ids=[c[0] for c in QUALITY_CASES],
)
def test_compute_quality(reference: Any, decoded: Any, match: str, tmp_path: Path) -> None:
    refused(lambda: compute_quality(reference, decoded), ConfigError, match, work=tmp_path)


HEATMAP_CASES: list[tuple[str, Any, Any, dict[str, Any], str]] = [
    ("None", None, _F[0], {}, "reference and decoded must be numpy frames"),
    ("shapes", _F[0], _F[0, :8], {}, r"must both be \(H, W, 3\)"),
    ("float", _F[0].astype(float), _F[0].astype(float), {}, "Frames must be uint8"),
    ("grey", _F[0, ..., 0], _F[0, ..., 0], {}, r"must both be \(H, W, 3\)"),
    (
        "4-channels",
        np.zeros((4, 4, 4), np.uint8),
        np.zeros((4, 4, 4), np.uint8),
        {},
        r"\(H, W, 3\)",
    ),
    ("scale-0", _F[0], _F[0], {"full_scale_levels": 0}, r"full_scale_levels must be in \[1, 255\]"),
    ("scale-256", _F[0], _F[0], {"full_scale_levels": 256}, "full_scale_levels .* got 256"),
    ("scale-str", _F[0], _F[0], {"full_scale_levels": "32"}, "full_scale_levels .* got '32'"),
    ("scale-bool", _F[0], _F[0], {"full_scale_levels": True}, "full_scale_levels .* got True"),
    ("scale-float", _F[0], _F[0], {"full_scale_levels": 1.5}, "full_scale_levels .* got 1.5"),
]


@pytest.mark.parametrize(
    ("reference", "decoded", "kwargs", "match"),
    [c[1:] for c in HEATMAP_CASES],
    ids=[c[0] for c in HEATMAP_CASES],
)
def test_difference_heatmap(
    reference: Any, decoded: Any, kwargs: dict[str, Any], match: str, tmp_path: Path
) -> None:
    refused(
        lambda: difference_heatmap(reference, decoded, **kwargs), ConfigError, match, work=tmp_path
    )


_DEPTH_MM = np.full((6, 8), 1500, np.uint16)
COLORIZE_CASES: list[tuple[str, Any, dict[str, Any], str]] = [
    ("complex", _DEPTH_MM.astype(complex), {}, "Depth must be integer millimetres or float"),
    ("object", _DEPTH_MM.astype(object), {}, "Depth must be integer millimetres or float"),
    ("strings", np.array([["a", "b"]]), {}, "Depth must be integer millimetres or float"),
    ("1-D", np.ones(8, np.uint16), {}, r"depth must be \(H, W\).* got shape \(8,\)"),
    ("rgb", np.ones((2, 6, 8, 3), np.uint16), {}, r"got shape \(2, 6, 8, 3\)"),
    ("ragged", [[1.0, 2.0], [3.0]], {}, "depth must be a numeric array"),
    ("colormap", _DEPTH_MM, {"colormap": "bogus"}, "Unknown colormap 'bogus'"),
    ("colormap-None", _DEPTH_MM, {"colormap": None}, "Unknown colormap None"),
    ("range-1", _DEPTH_MM, {"value_range": (1.0,)}, r"value_range must be \(near, far\)"),
    ("range-str", _DEPTH_MM, {"value_range": ("a", "b")}, r"value_range must be \(near, far\)"),
    ("range-nan", _DEPTH_MM, {"value_range": (NAN, 1.0)}, r"value_range must be .* finite"),
    ("range-inf", _DEPTH_MM, {"value_range": (0.0, INF)}, r"value_range must be .* finite"),
    ("range-reversed", _DEPTH_MM, {"value_range": (2.0, 1.0)}, "value_range must have far > near"),
    ("range-scalar", _DEPTH_MM, {"value_range": 5}, r"value_range must be \(near, far\)"),
    ("no-valid-pixels", np.zeros((6, 8), np.uint16), {}, "no valid pixels"),
]


@pytest.mark.parametrize(
    ("depth", "kwargs", "match"),
    [c[1:] for c in COLORIZE_CASES],
    ids=[c[0] for c in COLORIZE_CASES],
)
def test_colorize_depth(depth: Any, kwargs: dict[str, Any], match: str, tmp_path: Path) -> None:
    refused(lambda: colorize_depth(depth, **kwargs), ConfigError, match, work=tmp_path)


@pytest.mark.parametrize("full_scale", [0.0, -1.0, NAN, INF, "1", None, True], ids=repr)
def test_colorize_error(full_scale: Any, tmp_path: Path) -> None:
    refused(
        lambda: colorize_error(np.zeros((4, 4)), full_scale=full_scale),
        ConfigError,
        "full_scale must be > 0 and finite",
        work=tmp_path,
    )


def test_browser_preview_clip_paths_and_frames(tmp_path: Path) -> None:
    (tmp_path / "a-folder").mkdir()
    frames = rgb_frames(2)
    cases: list[tuple[Any, type[Exception], str]] = [
        ("", ConfigError, "path must be a non-empty file path"),
        (None, ConfigError, "path must be a non-empty file path"),
        (tmp_path / "a-folder", MediaError, "is a folder"),
        (tmp_path / "no" / "p.mp4", MediaError, "does not exist"),
    ]
    for path, kind, match in cases:
        refused(
            functools.partial(browser_preview_clip, frames, path, fps=FPS),
            kind,
            match,
            work=tmp_path,
            inputs=tmp_path,
        )
    for bad, match in [
        (frames.astype(float), "Frame 0 must be a uint8"),
        (frames[..., 0], "shape"),
    ]:
        refused(
            functools.partial(browser_preview_clip, bad, tmp_path / "p.mp4", fps=FPS),
            ConfigError,
            match,
            work=tmp_path,
            inputs=tmp_path,
        )
    refused(
        lambda: browser_preview_clip(frames, tmp_path / "p.mp4", fps=0),
        ConfigError,
        "fps must be an integer >= 1",
        work=tmp_path,
        inputs=tmp_path,
    )


# --- clip loaders --------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "inputs"
    folder.mkdir()
    np.savez(folder / "float.npz", frames=rgb_frames(2).astype(np.float32), fps=10)
    np.savez(folder / "noframes.npz", other=np.zeros(3))
    np.save(folder / "complex.npy", np.zeros((2, 4, 4), complex))
    np.save(folder / "line.npy", np.zeros(8, np.uint16))
    Image.fromarray(rgb_frames(1)[0]).save(folder / "a.png")
    Image.fromarray(rgb_frames(1, 32, 32)[0]).save(folder / "b.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (folder / "garbage.mp4").write_bytes(b"garbage" * 100)
    (folder / "notes.txt").write_text("hello")
    (folder / "broken.npz").write_bytes(b"PK\x03\x04 not a zip at all")
    np.save(folder / "noframe.npy", np.zeros((0, 4, 4), np.float32))
    Image.fromarray(np.zeros((4, 6), np.uint16)).save(folder / "d0.png")
    Image.fromarray(np.zeros((5, 6), np.uint16)).save(folder / "d1.png")
    (folder / "sub").mkdir()
    write_with_pyav(folder / "clip.mp4")
    return {p.name: p for p in folder.iterdir()}


LOAD_CLIP_CASES: list[tuple[str, Any, dict[str, Any], type[Exception], str]] = [
    ("None", None, {}, ConfigError, "path must be a non-empty file path"),
    ("empty", "", {}, ConfigError, "path must be a non-empty file path"),
    ("missing", "missing.mp4", {}, MediaError, "missing.mp4"),
    ("folder", "sub", {}, ConfigError, "Unsupported clip file 'sub'"),
    ("garbage", "garbage.mp4", {}, MediaError, "garbage.mp4"),
    ("txt", "notes.txt", {}, ConfigError, "Unsupported clip file 'notes.txt'"),
    ("npz-no-frames", "noframes.npz", {}, MediaError, "noframes.npz"),
    ("npz-broken", "broken.npz", {}, MediaError, "Cannot read 'broken.npz' as a clip"),
    ("npz-float", "float.npz", {}, ConfigError, r"'frames' must be \(N, H, W, 3\) uint8"),
    ("max-frames-0", "clip.mp4", {"max_frames": 0}, ConfigError, "max_frames must be an integer"),
    ("max-frames-str", "clip.mp4", {"max_frames": "1"}, ConfigError, "max_frames must be .*'1'"),
    ("fps-0", "clip.mp4", {"fps": 0}, ConfigError, "fps must be an integer >= 1 or None, got 0"),
    ("fps-float", "clip.mp4", {"fps": 29.97}, ConfigError, "fps must be .* got 29.97"),
]


def _resolve(name: Any, files: dict[str, Path]) -> Any:
    if isinstance(name, str) and name:
        return files.get(name, next(iter(files.values())).parent / name)
    return name


@pytest.mark.parametrize(
    ("name", "kwargs", "kind", "match"),
    [c[1:] for c in LOAD_CLIP_CASES],
    ids=[c[0] for c in LOAD_CLIP_CASES],
)
def test_load_clip(
    name: Any,
    kwargs: dict[str, Any],
    kind: type,
    match: str,
    files: dict[str, Path],
    tmp_path: Path,
) -> None:
    path = _resolve(name, files)
    refused(
        lambda: load_clip(path, **kwargs), kind, match, work=tmp_path, inputs=tmp_path / "inputs"
    )


LOAD_FILES_CASES: list[tuple[str, Any, dict[str, Any], str]] = [
    ("str", "clip.mp4", {}, "paths must be a list of clip file paths, got .*clip.mp4"),
    ("None", None, {}, "paths must be a list of clip file paths"),
    ("empty", [], {}, "No clip files given"),
    ("None-item", [None], {}, r"paths\[0\] must be a non-empty file path"),
    ("mixed", ["a.png", "clip.mp4"], {}, r"\['clip.mp4'\] are not images"),
    ("two-videos", ["clip.mp4", "garbage.mp4"], {}, "Cannot load 2 files as one clip"),
    ("fps-0", ["clip.mp4"], {"fps": 0}, "fps must be an integer >= 1 or None"),
    ("max-frames-neg", ["clip.mp4"], {"max_frames": -1}, "max_frames must be .* got -1"),
]


@pytest.mark.parametrize(
    ("names", "kwargs", "match"),
    [c[1:] for c in LOAD_FILES_CASES],
    ids=[c[0] for c in LOAD_FILES_CASES],
)
def test_load_clip_files(
    names: Any, kwargs: dict[str, Any], match: str, files: dict[str, Path], tmp_path: Path
) -> None:
    paths = (
        [_resolve(n, files) for n in names] if isinstance(names, list) else _resolve(names, files)
    )
    refused(
        lambda: load_clip_files(paths, **kwargs),
        ConfigError,
        match,
        work=tmp_path,
        inputs=tmp_path / "inputs",
    )


IMAGE_CASES: list[tuple[str, Any, dict[str, Any], str]] = [
    ("str", "a.png", {"fps": 10}, "paths must be a list of image file paths"),
    ("empty", [], {"fps": 10}, "No image files given"),
    ("not-image", ["notes.txt"], {"fps": 10}, "'notes.txt' is not an image"),
    ("broken", ["broken.png"], {"fps": 10}, "'broken.png' cannot be read as an image"),
    ("sizes", ["a.png", "b.png"], {"fps": 10}, "'b.png' is 32x32 but the first image is 64x48"),
    ("fps-None", ["a.png"], {"fps": None}, "fps must be an integer >= 1, got None"),
    ("fps-0", ["a.png"], {"fps": 0}, "fps must be an integer >= 1, got 0"),
    ("max-frames-0", ["a.png"], {"fps": 10, "max_frames": 0}, "max_frames must be .* got 0"),
]


@pytest.mark.parametrize(
    ("names", "kwargs", "match"), [c[1:] for c in IMAGE_CASES], ids=[c[0] for c in IMAGE_CASES]
)
def test_load_image_sequence(
    names: Any, kwargs: dict[str, Any], match: str, files: dict[str, Path], tmp_path: Path
) -> None:
    paths = (
        [_resolve(n, files) for n in names] if isinstance(names, list) else _resolve(names, files)
    )
    refused(
        lambda: load_image_sequence(paths, **kwargs),
        ConfigError,
        match,
        work=tmp_path,
        inputs=tmp_path / "inputs",
    )


DEPTH_CLIP_CASES: list[tuple[str, Any, dict[str, Any], type[Exception], str]] = [
    ("str", "complex.npy", {}, ConfigError, "paths must be a list of depth file paths"),
    ("empty", [], {}, ConfigError, "No depth files given"),
    ("txt", ["notes.txt"], {}, ConfigError, "Unsupported depth files"),
    ("complex", ["complex.npy"], {}, ConfigError, "Depth must be numeric, got dtype complex128"),
    ("1-D", ["line.npy"], {}, ConfigError, r"Depth must be \(N, H, W\) or \(H, W\) with"),
    ("no-frame", ["noframe.npy"], {}, ConfigError, r"at least one frame .* got shape \(0, 4, 4\)"),
    ("broken-npz", ["broken.npz"], {}, ConfigError, "Cannot read 'broken.npz' as depth"),
    ("png-sizes", ["d0.png", "d1.png"], {}, ConfigError, "'d1.png' is 6x5 but 'd0.png' is 6x4"),
    ("npz-float-rgb", ["float.npz"], {}, ConfigError, r"got shape \(2, 48, 64, 3\)"),
    ("two-npy", ["complex.npy", "line.npy"], {}, ConfigError, "one .npy or .npz file at a time"),
    ("broken-png", ["broken.png"], {}, MediaError, "broken.png.* cannot be read as a PNG"),
    ("8-bit-png", ["a.png"], {}, ConfigError, "'a.png' is an 8-bit image"),
    ("unit-cm", ["line.npy"], {"unit": "cm"}, ConfigError, "unit must be 'auto', 'm' or 'mm'"),
    ("fps-0", ["line.npy"], {"fps": 0}, ConfigError, "fps must be an integer >= 1, got 0"),
    ("max-frames-0", ["line.npy"], {"max_frames": 0}, ConfigError, "max_frames must be .* 0"),
]


@pytest.mark.parametrize(
    ("names", "kwargs", "kind", "match"),
    [c[1:] for c in DEPTH_CLIP_CASES],
    ids=[c[0] for c in DEPTH_CLIP_CASES],
)
def test_load_depth_clip(
    names: Any,
    kwargs: dict[str, Any],
    kind: type,
    match: str,
    files: dict[str, Path],
    tmp_path: Path,
) -> None:
    paths = (
        [_resolve(n, files) for n in names] if isinstance(names, list) else _resolve(names, files)
    )
    refused(
        lambda: load_depth_clip(paths, **kwargs),
        kind,
        match,
        work=tmp_path,
        inputs=tmp_path / "inputs",
    )


# --- studies -------------------------------------------------------------------------------

_H264 = RGBEncoderConfig(vcodec="h264")
COMPARE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("frames-None", {"frames": None}, r"frames must be \(N, H, W, 3\) uint8"),
    ("frames-float", {"frames": rgb_frames(2).astype(float)}, r"frames must be \(N, H, W, 3\)"),
    ("frames-empty", {"frames": rgb_frames(2)[:0]}, r"frames must be .* N >= 1"),
    ("configs-bare", {"configs": [_H264]}, r"Each of configs must be a \(label, config\) pair"),
    ("configs-str", {"configs": "h264"}, r"configs must be a list of \(label, RGBEncoderConfig\)"),
    ("configs-dict", {"configs": {"a": _H264}}, "configs must be a list"),
    ("configs-empty", {"configs": []}, "Compare 1 to 4 configurations, got 0"),
    ("configs-7", {"configs": [(str(i), _H264) for i in range(7)]}, "Compare 1 to 4 .* got 7"),
    ("labels-dup", {"configs": [("a", _H264), ("a", _H264)]}, "labels must be unique"),
    ("label-None", {"configs": [(None, _H264)]}, "labels must be non-empty strings, got None"),
    ("depth-config", {"configs": [("d", DepthEncoderConfig())]}, "'d' must be an RGBEncoderConfig"),
    ("config-str", {"configs": [("s", "h264")]}, "'s' must be an RGBEncoderConfig, got str"),
    ("fps-0", {"fps": 0}, "fps must be an integer >= 1, got 0"),
    ("samples-0", {"samples": 0}, "samples must be an integer >= 1, got 0"),
    ("output-empty", {"output_dir": ""}, "output_dir must be a non-empty file path"),
    ("output-None", {"output_dir": None}, "output_dir must be a non-empty file path"),
]


@pytest.mark.parametrize(
    ("override", "match"), [c[1:] for c in COMPARE_CASES], ids=[c[0] for c in COMPARE_CASES]
)
def test_compare_encodings(override: dict[str, Any], match: str, tmp_path: Path) -> None:
    kwargs = {
        "frames": rgb_frames(2),
        "configs": [("a", _H264)],
        "fps": FPS,
        "output_dir": tmp_path / "out",
        **override,
    }
    refused(lambda: compare_encodings(**kwargs), ConfigError, match, work=tmp_path, inputs=tmp_path)
    assert not (tmp_path / "out").exists()


def test_compare_encodings_output_dir_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"x")
    refused(
        lambda: compare_encodings(
            rgb_frames(2), [("a", _H264)], fps=FPS, output_dir=tmp_path / "a-file"
        ),
        MediaError,
        "output_dir .*a-file.* cannot be used as a folder",
        work=tmp_path,
        inputs=tmp_path,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("comparison")
    return compare_encodings(rgb_frames(3), [("a", _H264)], fps=FPS, output_dir=out, samples=2)


@pytest.mark.parametrize(
    ("report_arg", "reference", "index", "kind", "match"),
    [
        (None, "frame", 0, ConfigError, "report must be a ComparisonReport, got NoneType"),
        ("report", "frame", -1, FrameIndexError, r"frame_index must be in \[0, 2\], got -1"),
        ("report", "frame", 3, FrameIndexError, r"frame_index must be in \[0, 2\], got 3"),
        ("report", "frame", "0", ConfigError, "frame_index must be an integer, got '0'"),
        ("report", "frame", 1.5, ConfigError, "frame_index must be an integer, got 1.5"),
        ("report", None, 0, ConfigError, "reference and decoded must be numpy frames"),
        ("report", "small", 0, ConfigError, r"must both be \(H, W, 3\)"),
    ],
    ids=[
        "report-None",
        "index-neg",
        "index-high",
        "index-str",
        "index-float",
        "ref-None",
        "ref-small",
    ],
)
def test_compare_frame(
    report: Any, report_arg: Any, reference: Any, index: Any, kind: type, match: str, tmp_path: Path
) -> None:
    given_report = report if report_arg == "report" else report_arg
    frame = {"frame": rgb_frames(3)[0], "small": rgb_frames(1, 16, 16)[0], None: None}[reference]
    refused(lambda: compare_frame(given_report, frame, index), kind, match, work=tmp_path)


_CLIP = DepthClip(name="c", depth=np.full((2, 48, 64), 1500, np.uint16), unit="mm", fps=FPS)
DEPTH_COMPARE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("clip-None", {"clip": None}, "clip must be a DepthClip .* got NoneType"),
    ("clip-array", {"clip": np.zeros((2, 4, 4))}, "clip must be a DepthClip .* got ndarray"),
    ("configs-rgb", {"configs": [("r", _H264)]}, "'r' must be a DepthEncoderConfig"),
    ("configs-bare", {"configs": [DepthEncoderConfig()]}, r"must be a \(label, config\) pair"),
    (
        "configs-7",
        {"configs": [(str(i), DepthEncoderConfig()) for i in range(7)]},
        "depth configurations, got 7",
    ),
    ("labels-dup", {"configs": [("a", DepthEncoderConfig())] * 2}, "labels must be unique"),
    (
        "yuv-depth",
        {"configs": [("y", DepthEncoderConfig(pix_fmt="yuv420p"))]},
        "does not store 12-bit",
    ),
    ("mark-invalid", {"mark_invalid": "yes"}, "mark_invalid must be True or False"),
    ("output-None", {"output_dir": None}, "output_dir must be a non-empty file path"),
]


@pytest.mark.parametrize(
    ("override", "match"),
    [c[1:] for c in DEPTH_COMPARE_CASES],
    ids=[c[0] for c in DEPTH_COMPARE_CASES],
)
def test_compare_depth_encodings(override: dict[str, Any], match: str, tmp_path: Path) -> None:
    kwargs = {
        "clip": _CLIP,
        "configs": [("a", DepthEncoderConfig())],
        "output_dir": tmp_path / "out",
        **override,
    }
    refused(
        lambda: compare_depth_encodings(**kwargs),
        ConfigError,
        match,
        work=tmp_path,
        inputs=tmp_path,
    )
    assert not (tmp_path / "out").exists()
