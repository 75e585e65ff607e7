"""Hundreds of malformed inputs through every public API endpoint of the live app.

Every case must end in a clear user error: a ``gradio_client`` ``AppError`` whose message is
not Gradio's generic fault text, names the problem, shows no server path, no raw HTML and no
huge number. The few valid values in the corpus must not raise. Cases are generated from
per-parameter lists of bad values, each against a session in the state it needs (nothing
loaded, a clip loaded, a comparison done, a preview running...).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from components.compare.handlers import BUNDLED, UPLOAD
from components.depth.handlers import BUNDLED as DEPTH_BUNDLED
from components.depth.handlers import REALSENSE
from components.depth.handlers import UPLOAD as DEPTH_UPLOAD
from components.depth_form import depth_form_values
from components.record.sources import source_choices
from components.state import AppSettings
from components.widgets import KNOBS_PER_FORM, form_values
from lerobot_video import DepthEncoderConfig, RGBEncoderConfig

from .api_helpers import make_media, message_problems
from .merge_media import make_merge_zips, write_toy_dataset

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"


@dataclass(frozen=True)
class Up:
    """Stands for an upload parameter: these media files (by name), uploaded by the client."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """One call: ``args`` to ``endpoint`` from a session in state ``setup``.

    ``keywords`` are the words one of which the error must contain; None means the values
    are valid and the call must succeed.
    """

    endpoint: str
    name: str
    args: tuple[Any, ...]
    keywords: tuple[str, ...] | None
    setup: str

    @property
    def id(self) -> str:
        return f"{self.endpoint.strip('/')}-{self.name}"


RAN: list[str] = []
"""Endpoint of every case run, for the count checks."""

WRONG_TYPES: list[tuple[str, Any]] = [
    ("none", None),
    ("str_abc", "abc"),
    ("empty_str", ""),
    ("list", [1, 2]),
    ("empty_list", []),
    ("dict", {"a": 1}),
    ("bool_true", True),
    ("huge", 1e308),
    ("neg_huge", -1e308),
    ("negative", -1),
    ("nan_str", "NaN"),
    ("inf_str", "inf"),
    ("html", "<b>x</b>"),
]
"""Values of the wrong type or range for any parameter."""


def _pick(*names: str) -> list[tuple[str, Any]]:
    return [(n, v) for n, v in WRONG_TYPES if n in names]


NUMBERS_BAD = _pick(
    "none", "str_abc", "empty_str", "list", "dict", "bool_true", "huge", "nan_str", "inf_str"
)
COUNT_BAD = [
    *NUMBERS_BAD,
    ("zero", 0),
    ("minus_one", -1),
    ("fraction", 12.5),
    ("billion", 1e9),
    ("neg_huge", -1e308),
]
CHOICE_BAD = [
    *_pick("none", "str_abc", "empty_str", "list", "dict", "bool_true", "html"),
    ("number", 1),
    ("nope", "nope"),
]

# --- Compare -------------------------------------------------------------------------------

RGB_FORM = form_values(RGBEncoderConfig(vcodec="h264", preset="ultrafast", crf=30))
FORMS = [[label, *RGB_FORM] for label in ("A", "B", "C", "D")]
KNOB_NAMES = ["name", "vcodec", "pix_fmt", "g", "crf", "preset", "fast_decode", "extra_options"]
assert len(KNOB_NAMES) == KNOBS_PER_FORM

RGB_KNOB_BAD: dict[str, tuple[tuple[str, ...], list[tuple[str, Any]]]] = {
    "vcodec": (
        ("vcodec", "encoder"),
        [
            *CHOICE_BAD,
            ("zzz", "zzz"),
            ("upper", "H264"),
            ("padded", " h264"),
            ("av2", "av2"),
        ],
    ),
    "pix_fmt": (
        ("pix_fmt", "pixel format"),
        [
            ("yuv999", "yuv999"),
            ("empty_str", ""),
            ("none", None),
            ("number", 1),
            ("list", ["yuv420p"]),
            ("dict", {"a": 1}),
            ("html", "<b>x</b>"),
            ("rgb48", "rgb48be"),
        ],
    ),
    "g": (
        ("g", "GOP", "keyframe"),
        [
            ("minus_one", -1),
            ("zero", 0),
            ("half", 0.5),
            ("x", "x"),
            ("empty_str", ""),
            ("huge", 1e308),
            ("neg_huge", -1e308),
            ("bool_true", True),
            ("list", [1]),
            ("dict", {"a": 1}),
            ("nan_str", "NaN"),
        ],
    ),
    "crf": (
        ("crf",),
        [
            ("huge", 1e308),
            ("minus_five", -5),
            ("abc", "abc"),
            ("nan_str", "NaN"),
            ("inf_str", "inf"),
            ("hundred", 100),
            ("bool_true", True),
            ("list", [30]),
            ("dict", {"a": 1}),
            ("neg_huge", -1e308),
            ("html", "<b>x</b>"),
        ],
    ),
    "preset": (
        ("preset",),
        [
            ("zzz", "zzz"),
            ("ninety_nine", "99"),
            ("minus_five", "-5"),
            ("int", 5),
            ("list", ["fast"]),
            ("dict", {"a": 1}),
            ("bool_true", True),
            ("html", "<b>x</b>"),
            ("long_digits", "1" * 40),
        ],
    ),
    "fast_decode": (
        ("fast_decode", "fast decode"),
        [
            ("minus_one", -1),
            ("x", "x"),
            ("empty_str", ""),
            ("huge", 1e308),
            ("half", 0.5),
            ("list", [1]),
            ("dict", {"a": 1}),
            ("nan_str", "NaN"),
        ],
    ),
    "extra_options": (
        ("option", "options"),
        [
            ("garbage", "garbage"),
            ("no_key", "=1"),
            ("second_line_no_key", "bf=0\n=2"),
            ("number", 5),
            ("list", ["bf=0"]),
            ("dict", {"bf": 0}),
            ("html_key", "<b>x</b>=1"),
        ],
    ),
}
EXTRA_SPECIFIC: list[tuple[str, str, tuple[str, ...]]] = [
    ("threads_abc", "threads=abc", ("threads",)),
    ("x264_params_garbage", "x264-params=garbage", ("x264-params",)),
    ("unknown_option", "zzz_option=1", ("zzz_option",)),
    ("bf_abc", "bf=abc", ("bf",)),
]
VALID_RGB: list[tuple[str, str, Any]] = [
    ("name", "none_becomes_config_1", None),
    ("fast_decode", "ninety_nine_any_nonzero", 99),
]
"""Values the forms accept: a blank name; h264 takes any non-zero fast_decode as 'on'."""


def _comparison(n: Any, form: int, knob: int, value: Any) -> tuple[Any, ...]:
    forms = [list(f) for f in FORMS]
    forms[form][knob] = value
    return (n, *[v for f in forms for v in f])


def _compare_cases() -> Iterator[Case]:
    for name, value in [*CHOICE_BAD, ("case", BUNDLED.lower())]:
        yield Case("/load_compare_clip", f"src-{name}", (value, None, None, 10), ("source",), "any")
    for name, value in [*COUNT_BAD, ("nine_below_min", 9), ("over_max", 301)]:
        args: tuple[Any, ...] = (BUNDLED, None, None, value)
        yield Case("/load_compare_clip", f"limit-{name}", args, ("Frames to use",), "any")
    uploads: list[tuple[str, Any, tuple[str, ...]]] = [
        ("none", None, ("Upload",)),
        ("empty_list", [], ("Upload",)),
        ("str_path", "abc", ("file", "upload")),
        ("number", 1, ("file", "upload")),
        ("dict", {"a": 1}, ("file", "upload")),
        ("list_of_none", [None], ("file", "upload")),
        ("list_of_str", ["abc"], ("file", "upload")),
        ("text_as_mp4", Up(("text_mp4",)), ("video", "read", "decode", "file")),
        ("truncated_mp4", Up(("truncated_mp4",)), ("truncated", "corrupt", "read", "decode")),
        ("header_only_mp4", Up(("header_only_mp4",)), ("video", "read", "decode", "file")),
        ("empty_mp4", Up(("empty_mp4",)), ("video", "read", "decode", "file", "empty")),
        ("fake_png", Up(("fake_png",)), ("image", "read", "decode", "file")),
        ("text_file", Up(("notes_txt",)), ("file type", "file", "type")),
        ("broken_npz", Up(("frames_npz",)), ("npz", "read", "file")),
        ("npy_not_allowed", Up(("good_npy",)), ("file type", "file", "type")),
        ("two_videos", Up(("good_mp4", "good_mp4")), ("one", "several", "files")),
        ("video_and_image", Up(("good_mp4", "rgb8_png")), ("mix", "mixed", "files")),
        ("images_of_two_sizes", Up(("rgb8_png", "depth16_big_png")), ("size", "shape")),
    ]
    for name, value, words in uploads:
        yield Case("/load_compare_clip", f"fls-{name}", (UPLOAD, value, None, 10), words, "any")
    fps_bad = [c for c in COUNT_BAD if c[0] != "none"] + [("over_max", 1001)]
    for name, value in fps_bad:
        args = (UPLOAD, Up(("good_mp4",)), value, 10)
        yield Case("/load_compare_clip", f"fps-{name}", args, ("Frames per second", "fps"), "any")
    yield Case(
        "/load_compare_clip",
        "fps-none_keeps_own",
        (UPLOAD, Up(("good_mp4",)), None, 10),
        None,
        "any",
    )

    count_bad = [c for c in COUNT_BAD if c[0] != "fraction"] + [
        ("one_below_min", 1),
        ("five", 5),
        ("fraction", 2.5),
    ]
    for name, value in count_bad:
        yield Case(
            "/run_comparison",
            f"n-{name}",
            _comparison(value, 0, 1, "h264"),
            ("Configurations",),
            "clip",
        )
    for knob, (words, values) in RGB_KNOB_BAD.items():
        index = KNOB_NAMES.index(knob)
        for name, value in values:
            args = _comparison(2, 0, index, value)
            yield Case("/run_comparison", f"form1-{knob}-{name}", args, words, "clip")
    extra = KNOB_NAMES.index("extra_options")
    for name, value, words in EXTRA_SPECIFIC:
        args = _comparison(2, 0, extra, value)
        yield Case("/run_comparison", f"form1-extra_options-{name}", args, words, "clip")
    for name, value in [("duplicate", "B"), ("duplicate_padded", " B ")]:
        args = _comparison(2, 0, 0, value)
        yield Case(
            "/run_comparison", f"form1-name-{name}", args, ("label", "name", "unique"), "clip"
        )
    for form in (1, 2, 3):
        for knob, value in [
            ("vcodec", "zzz"),
            ("pix_fmt", "yuv999"),
            ("g", -1),
            ("crf", "abc"),
            ("preset", "zzz"),
            ("fast_decode", "x"),
            ("extra_options", "garbage"),
        ]:
            args = _comparison(form + 1, form, KNOB_NAMES.index(knob), value)
            words = RGB_KNOB_BAD[knob][0]
            yield Case("/run_comparison", f"form{form + 1}-{knob}-bad", args, words, "clip")
    for knob, name, value in VALID_RGB:
        args = _comparison(2, 0, KNOB_NAMES.index(knob), value)
        yield Case("/run_comparison", f"form1-{knob}-{name}", args, None, "clip")
    yield Case(
        "/run_comparison", "order-run_before_load", _comparison(2, 0, 1, "h264"), ("Load",), "fresh"
    )

    frame_bad = [
        *NUMBERS_BAD,
        ("minus_one", -1),
        ("past_end", 10),
        ("slider_max", 99),
        ("over_slider", 100),
        ("billion", 1e9),
        ("fraction", 2.5),
    ]
    for name, value in frame_bad:
        yield Case("/show_frame", f"index-{name}", (value,), ("Frame",), "compared")
    for value in (0, 9):
        yield Case("/show_frame", f"index-valid_{value}", (value,), None, "compared")
    yield Case("/show_frame", "order-before_run", (0,), None, "fresh")


# --- Depth ---------------------------------------------------------------------------------

DEPTH_FORM = depth_form_values(DepthEncoderConfig(preset="ultrafast"))
DEPTH_KNOBS = [
    "depth_min",
    "depth_max",
    "shift",
    "use_log",
    "vcodec",
    "pix_fmt",
    "g",
    "crf",
    "preset",
    "lossless",
]
BOOL_BAD: list[tuple[str, Any]] = [
    ("yes", "yes"),
    ("none", None),
    ("one", 1),
    ("list", []),
    ("dict", {"a": 1}),
]
DEPTH_KNOB_BAD: dict[str, tuple[tuple[str, ...], list[tuple[str, Any]]]] = {
    "depth_min": (
        ("depth_min",),
        [
            *_pick("none", "str_abc", "empty_str", "list", "dict", "huge", "nan_str", "inf_str"),
            ("equal_max", 10.0),
            ("above_max", 20.0),
            ("minus_five", -5),
        ],
    ),
    "depth_max": (
        ("depth_max",),
        [
            *_pick("none", "str_abc", "empty_str", "list", "nan_str", "neg_huge"),
            ("zero", 0),
            ("below_min", 0.001),
        ],
    ),
    "shift": (
        ("shift",),
        [
            *_pick("none", "str_abc", "list", "nan_str", "neg_huge"),
            ("minus_one", -1),
        ],
    ),
    "use_log": (("use_log", "log"), BOOL_BAD),
    "vcodec": (
        ("vcodec", "encoder"),
        [("zzz", "zzz"), ("h264", "h264"), ("none", None), ("number", 1), ("list", ["hevc"])],
    ),
    "pix_fmt": (
        ("pix_fmt", "pixel format"),
        [("gray16le", "gray16le"), ("yuv999", "yuv999"), ("none", None), ("number", 1)],
    ),
    "g": (
        ("g", "GOP", "keyframe"),
        [("minus_one", -1), ("zero", 0), ("half", 0.5), ("x", "x"), ("huge", 1e308)],
    ),
    "crf": (
        ("crf",),
        [("minus_five", -5), ("abc", "abc"), ("huge", 1e308), ("nan_str", "NaN"), ("list", [1])],
    ),
    "preset": (
        ("preset",),
        [("zzz", "zzz"), ("ninety_nine", "99"), ("list", ["fast"]), ("html", "<b>x</b>")],
    ),
    "lossless": (("lossless",), BOOL_BAD),
}


def _round_trip(
    invalid: Any = True, alts: Any = (), knob: int = -1, value: Any = None
) -> tuple[Any, ...]:
    form = list(DEPTH_FORM)
    if knob >= 0:
        form[knob] = value
    return (invalid, list(alts) if isinstance(alts, tuple) else alts, *form)


def _depth_cases() -> Iterator[Case]:
    for name, value in [*CHOICE_BAD, ("case", DEPTH_BUNDLED.lower())]:
        yield Case("/load_depth", f"src-{name}", (value, None, 30, 3), ("source",), "any")
    yield Case(
        "/load_depth", "src-realsense_absent", (REALSENSE, None, 30, 3), ("RealSense",), "any"
    )
    for name, value in [*COUNT_BAD, ("over_max", 301)]:
        yield Case(
            "/load_depth",
            f"limit-{name}",
            (DEPTH_BUNDLED, None, 30, value),
            ("Frames to use",),
            "any",
        )
    uploads: list[tuple[str, Any, tuple[str, ...]]] = [
        ("none", None, ("Upload",)),
        ("empty_list", [], ("Upload",)),
        ("str_path", "abc", ("file", "upload")),
        ("list_of_str", ["abc"], ("file", "upload")),
        ("wrong_shape_npy", Up(("wrong_shape_npy",)), ("shape",)),
        ("complex_npy", Up(("wrong_dtype_npy",)), ("dtype", "type")),
        ("strings_npy", Up(("strings_npy",)), ("dtype", "type")),
        ("bool_npy", Up(("bool_npy",)), ("dtype", "type")),
        ("object_npy", Up(("objects_npy",)), ("dtype", "type", "pickle", "object")),
        ("no_frames_npy", Up(("empty_array_npy",)), ("frame", "frames", "empty")),
        ("rgb_npy", Up(("rgb_npy",)), ("shape", "channel", "channels")),
        ("scalar_npy", Up(("scalar_npy",)), ("shape",)),
        ("text_as_npy", Up(("text_npy",)), ("npy", "read", "file")),
        ("truncated_npy", Up(("truncated_npy",)), ("npy", "read", "file")),
        ("broken_npz", Up(("frames_npz",)), ("npz", "read", "file")),
        ("png_8bit", Up(("depth8_png",)), ("16-bit", "bit", "dtype")),
        ("png_fake", Up(("fake_png",)), ("png", "image", "read", "file")),
        ("png_sizes_differ", Up(("depth16_a_png", "depth16_big_png")), ("size", "shape")),
        ("video_not_allowed", Up(("good_mp4",)), ("file type", "file", "type", "files")),
        ("two_npy", Up(("good_npy", "good_npy")), ("one", "several", "files")),
        ("npy_and_png", Up(("good_npy", "depth16_a_png")), ("mix", "mixed", "files")),
    ]
    for name, value, words in uploads:
        args = (DEPTH_UPLOAD, value, 30, 3)
        yield Case("/load_depth", f"fls-{name}", args, words, "any")
    yield Case(
        "/load_depth",
        "fls-two_pngs_same_size",
        (DEPTH_UPLOAD, Up(("depth16_a_png", "depth16_b_png")), 30, 3),
        None,
        "any",
    )
    rate_bad = [c for c in COUNT_BAD if c[0] != "none"] + [("over_max", 1001)]
    for name, value in rate_bad:
        args = (DEPTH_UPLOAD, Up(("good_npy",)), value, 3)
        yield Case("/load_depth", f"rate-{name}", args, ("Frames per second", "fps"), "any")

    for name, value in [*BOOL_BAD, ("str_abc", "abc")]:
        words = ("invalid", "mark_invalid", "no reading")
        yield Case(
            "/run_depth_round_trip", f"invalid-{name}", _round_trip(invalid=value), words, "depth"
        )
    alts_bad: list[tuple[str, Any]] = [
        ("unknown", ["nope"]),
        ("string", "nope"),
        ("known_as_string", "Lossy HEVC (crf 20)"),
        ("none", None),
        ("numbers", [1]),
        ("nested", [[]]),
        ("dict", {"a": 1}),
        ("html", ["<b>x</b>"]),
    ]
    for name, value in alts_bad:
        words = ("alternatives", "alternative")
        yield Case("/run_depth_round_trip", f"alts-{name}", _round_trip(alts=value), words, "depth")
    for knob, (words, values) in DEPTH_KNOB_BAD.items():
        index = DEPTH_KNOBS.index(knob)
        for name, value in values:
            args = _round_trip(knob=index, value=value)
            yield Case("/run_depth_round_trip", f"{knob}-{name}", args, words, "depth")
    yield Case("/run_depth_round_trip", "order-run_before_load", _round_trip(), ("Load",), "fresh")

    for name, value in CHOICE_BAD:
        yield Case("/show_depth_results", f"unit-{name}", (value,), ("unit",), "depth_done")
    yield Case("/show_depth_results", "unit-valid_m", ("m",), None, "depth_done")
    yield Case("/show_depth_results", "order-before_run", ("mm",), None, "fresh")
    frame_bad = [
        *NUMBERS_BAD,
        ("minus_one", -1),
        ("past_end", 3),
        ("slider_max", 29),
        ("over_slider", 30),
        ("billion", 1e9),
        ("fraction", 1.5),
    ]
    for name, value in frame_bad:
        yield Case("/show_depth_frame", f"index-{name}", (value,), ("Frame",), "depth_done")
    for value in (0, 2):
        yield Case("/show_depth_frame", f"index-valid_{value}", (value,), None, "depth_done")
    yield Case("/show_depth_frame", "order-before_run", (0,), None, "fresh")
    yield Case("/make_depth_preview", "order-before_run", (), None, "fresh")
    yield Case("/make_depth_preview", "after_run", (), None, "depth_done")


# --- Record --------------------------------------------------------------------------------

SOURCES = source_choices()
REPLAY = next(label for label in SOURCES if label.startswith("Bundled"))
DATASET_FORM = ["ds", 30, "pick up the cube", "", "front", True]
RECORD_KNOBS = [*form_values(RGBEncoderConfig(vcodec="h264", preset="ultrafast")), *DEPTH_FORM]


def _episode(index: int, value: Any, name: str) -> tuple[Any, ...]:
    values = [*DATASET_FORM, *RECORD_KNOBS]
    values[0] = f"ds_{name}"
    if index >= 0:
        values[index] = value
    return tuple(values)


def _record_cases() -> Iterator[Case]:
    for name, value in CHOICE_BAD:
        yield Case("/start_preview", f"label-{name}", (value,), ("source",), "nopreview")
    for label in SOURCES:
        if "not available" in label:
            slug = label.split()[0].lower()
            words: tuple[str, ...] = ("cannot", "available")
            yield Case("/start_preview", f"label-unavailable_{slug}", (label,), words, "nopreview")
    yield Case("/start_preview", "order-twice", (REPLAY,), ("already running",), "preview")
    yield Case("/stop_preview", "order-before_start", (), None, "fresh")

    yield Case(
        "/start_episode", "order-before_preview", _episode(-1, None, "x"), ("preview",), "fresh"
    )
    form_bad: dict[int, tuple[tuple[str, ...], list[tuple[str, Any]]]] = {
        0: (
            ("name",),
            [
                ("empty_str", ""),
                ("none", None),
                ("blank", "   "),
                ("slash", "a/b"),
                ("dotdot", ".."),
                ("parent", "../x"),
                ("html", "<b>x</b>"),
                ("too_long", "x" * 65),
                ("leading_dash", "-x"),
                ("list", ["a"]),
            ],
        ),
        1: (
            ("Frames per second",),
            [*NUMBERS_BAD, ("zero", 0), ("minus_one", -1), ("fraction", 12.5)],
        ),
        2: (("task",), [("empty_str", ""), ("none", None), ("blank", "  ")]),
        4: (("camera",), [("slash", "a/b"), ("parent", "../x"), ("html", "<b>x</b>")]),
        5: (("real-time", "realtime", "real time"), BOOL_BAD[:4]),
    }
    for index, (words, values) in form_bad.items():
        field = ["name", "fps", "task", "robot_type", "camera", "realtime"][index]
        for name, value in values:
            args = _episode(index, value, f"{field}_{name}")
            yield Case("/start_episode", f"{field}-{name}", args, words, "preview")
    rgb_bad = [
        ("vcodec", "zzz"),
        ("pix_fmt", "yuv999"),
        ("g", -1),
        ("crf", "abc"),
        ("preset", "zzz"),
        ("fast_decode", "x"),
        ("extra_options", "garbage"),
    ]
    for knob, value in rgb_bad:
        index = len(DATASET_FORM) + KNOB_NAMES.index(knob) - 1
        args = _episode(index, value, f"rgb_{knob}")
        yield Case("/start_episode", f"rgb-{knob}-bad", args, RGB_KNOB_BAD[knob][0], "preview")
    depth_bad = [
        ("depth_min", "abc"),
        ("depth_max", 0),
        ("shift", -1),
        ("use_log", "yes"),
        ("vcodec", "zzz"),
        ("pix_fmt", "gray16le"),
        ("g", -1),
        ("crf", "abc"),
        ("preset", "zzz"),
        ("lossless", "yes"),
    ]
    for knob, value in depth_bad:
        index = len(DATASET_FORM) + KNOBS_PER_FORM - 1 + DEPTH_KNOBS.index(knob)
        args = _episode(index, value, f"depth_{knob}")
        yield Case("/start_episode", f"depth-{knob}-bad", args, DEPTH_KNOB_BAD[knob][0], "preview")

    for setup in ("fresh", "preview"):
        yield Case("/stop_episode", f"order-no_episode_{setup}", (), ("episode",), setup)
        words = ("discard", "episode")
        yield Case("/discard_episode", f"order-no_episode_{setup}", (), words, setup)
        yield Case("/zip_dataset", f"order-no_episode_{setup}", (), ("episode",), setup)


# --- Inspect -------------------------------------------------------------------------------

SAMPLE_DATASET = "datasets/aloha_sim_sample"
TEXT_BAD: list[tuple[str, Any]] = [
    ("list", [1, 2]),
    ("dict", {"a": 1}),
    ("number", 1),
    ("bool_true", True),
]
"""Values that are not text at all, for any text box."""
REPO_BAD: list[tuple[str, Any]] = [
    *TEXT_BAD,
    ("none", None),
    ("empty_str", ""),
    ("blank", "   "),
    ("no_slash", "abc"),
    ("three_parts", "a/b/c"),
    ("parent", "../x"),
    ("space", "a b/c"),
    ("html", "<b>x</b>/y"),
    ("url", "https://huggingface.co/datasets/a/b"),
]


def _inspect_cases() -> Iterator[Case]:
    words: tuple[str, ...] = ("Repo id", "namespace/name")
    for name, value in REPO_BAD:
        yield Case("/open_hub_dataset", f"repo-{name}", (value, "", ""), words, "any")
    for name, value in TEXT_BAD:
        args: tuple[Any, ...] = ("a/b", value, "")
        yield Case("/open_hub_dataset", f"revision-{name}", args, ("Revision",), "any")
        yield Case("/open_hub_dataset", f"token-{name}", ("a/b", "", value), ("Token",), "any")
    local_bad: list[tuple[str, Any]] = [
        *CHOICE_BAD,
        ("absolute", "/etc"),
        ("parent", "datasets/../../etc"),
        ("sessions", "sessions"),
        ("other_session", "session/theirs"),
        ("unlisted", "datasets/nope"),
        ("data_folder_path", "cache"),
    ]
    for name, value in local_bad:
        yield Case(
            "/open_local_dataset", f"chosen-{name}", (value,), ("dataset", "datasets"), "any"
        )
    yield Case("/open_local_dataset", "chosen-valid_sample", (SAMPLE_DATASET,), None, "fresh")
    yield Case("/show_inspect_dataset", "order-before_open", (), None, "fresh")
    yield Case("/show_inspect_dataset", "after_open", (), None, "inspect")

    episode_bad = [*NUMBERS_BAD, ("minus_one", -1), ("past_end", 3), ("fraction", 1.5)]
    for name, value in episode_bad:
        yield Case("/show_inspect_episode", f"index-{name}", (value,), ("Episode",), "inspect")
    yield Case("/show_inspect_episode", "index-valid_2", (2,), None, "inspect")
    yield Case("/show_inspect_episode", "order-before_open", (0,), ("Open",), "fresh")
    frame_bad = [*NUMBERS_BAD, ("minus_one", -1), ("past_end", 30), ("fraction", 2.5)]
    for name, value in frame_bad:
        yield Case("/show_inspect_frame", f"index-{name}", (value, "mm"), ("Frame",), "inspect")
    for name, value in CHOICE_BAD:
        yield Case("/show_inspect_frame", f"unit-{name}", (0, value), ("unit",), "inspect")
    for frame, unit in ((0, "m"), (29, "mm")):
        args = (frame, unit)
        yield Case("/show_inspect_frame", f"valid-{frame}_{unit}", args, None, "inspect")
    yield Case("/show_inspect_frame", "order-before_episode", (0, "mm"), ("episode",), "fresh")

    yield Case(
        "/push_inspect_dataset", "order-before_open", ("a/b", "", False), ("local",), "fresh"
    )
    # Every case below is refused before anything is sent: no push reaches a Hub.
    for name, value in REPO_BAD:
        args = (value, "", False)
        yield Case("/push_inspect_dataset", f"repo-{name}", args, words, "inspect")
    for name, value in TEXT_BAD:
        yield Case(
            "/push_inspect_dataset", f"token-{name}", ("a/b", value, False), ("Token",), "inspect"
        )
    for name, value in BOOL_BAD:
        args = ("a/b", "", value)
        yield Case("/push_inspect_dataset", f"private-{name}", args, ("Private",), "inspect")


# --- Merge ---------------------------------------------------------------------------------

MERGE_FRONT = "zz_corpus_front"
"""A shared dataset whose camera is named otherwise than the sample's (made for these cases)."""
MERGED = ("zz_corpus_merged", "zz_corpus_zipped")
"""The datasets the valid runs write into the shared folder (removed afterwards)."""


@dataclass(frozen=True)
class One:
    """Stands for a single-file upload parameter: this media file, uploaded by the client."""

    name: str


def _merge_source_cases() -> Iterator[Case]:
    local_bad: list[tuple[str, Any]] = [
        *CHOICE_BAD,
        ("absolute", "/etc"),
        ("parent", "datasets/../../etc"),
        ("sessions", "sessions"),
        ("other_session", "session/theirs"),
        ("unlisted", "datasets/nope"),
        ("hidden_partial", "datasets/.partial"),
    ]
    for name, value in local_bad:
        yield Case("/add_merge_source", f"chosen-{name}", (value,), ("dataset", "datasets"), "any")
    yield Case("/add_merge_source", "chosen-valid_sample", (SAMPLE_DATASET,), None, "fresh")
    words: tuple[str, ...] = ("Repo id", "namespace/name")
    for name, value in REPO_BAD:
        yield Case("/add_merge_hub_source", f"repo-{name}", (value,), words, "any")
    uploads: list[tuple[str, Any, tuple[str, ...]]] = [
        ("none", None, ("Upload",)),
        ("text_file", One("notes_txt"), ("zip",)),
        ("fake_zip", One("frames_npz"), ("zip",)),
        ("video", One("good_mp4"), ("zip",)),
        ("dotdot_entry", One("dotdot_zip"), ("outside", "..")),
        ("absolute_entry", One("absolute_zip"), ("absolute",)),
        ("symlink_entry", One("symlink_zip"), ("symbolic", "link")),
        ("no_dataset", One("no_dataset_zip"), ("dataset",)),
        ("two_datasets", One("two_datasets_zip"), ("datasets",)),
        ("bad_info_json", One("bad_info_zip"), ("info.json", "JSON")),
        ("huge_declared", One("huge_zip"), ("MB",)),
    ]
    for name, value, words in uploads:
        yield Case("/add_merge_upload", f"files-{name}", (value,), words, "any")
    yield Case("/add_merge_upload", "files-valid_dataset_zip", (One("sample_zip"),), None, "fresh")
    for endpoint in ("/add_merge_example", "/clear_merge_sources", "/show_merge_plan"):
        yield Case(endpoint, "valid", (), None, "fresh")
    yield Case("/show_merge_plan", "after_sources", (), None, "merge_two")
    yield Case("/show_merge_result", "order-before_run", (), None, "fresh")


def _keys(slot: int, value: Any) -> tuple[Any, ...]:
    values: list[Any] = [None] * 12
    values[slot] = value
    return tuple(values)


def _merge_run_cases() -> Iterator[Case]:
    for name, value in [*CHOICE_BAD, ("other_source_key", "observation.images.front")]:
        yield Case(
            "/map_merge_keys", f"slot0-{name}", _keys(0, value), ("Key mapping",), "merge_keys"
        )
    for name, value in [("str_abc", "abc"), ("number", 1), ("top", "observation.images.top")]:
        yield Case(
            "/map_merge_keys",
            f"unused_slot-{name}",
            _keys(5, value),
            ("Key mapping",),
            "merge_keys",
        )
    for value in ("observation.images.top", "(drop)", "(keep as is)"):
        yield Case("/map_merge_keys", f"slot0-valid_{value}", _keys(0, value), None, "merge_keys")
    yield Case("/map_merge_keys", "order-before_sources", _keys(0, None), ("sources",), "fresh")

    names_bad: list[tuple[str, Any]] = [
        ("none", None),
        ("empty_str", ""),
        ("blank", "   "),
        ("parent", "../x"),
        ("slash", "a/b"),
        ("hidden", ".hidden"),
        ("html", "<b>x</b>"),
        ("too_long", "x" * 65),
        ("existing", "aloha_sim_sample"),
        *TEXT_BAD,
    ]
    for name, value in names_bad:
        yield Case("/run_merge", f"name-{name}", (value, 100, 200), ("name",), "merge_two")
    sizes_bad = [*NUMBERS_BAD, ("zero", 0), ("minus_one", -1), ("fraction", 2.5), ("billion", 1e9)]
    for name, value in sizes_bad:
        yield Case(
            "/run_merge",
            f"data_mb-{name}",
            ("ok_name", value, 200),
            ("Data file size",),
            "merge_two",
        )
        yield Case(
            "/run_merge",
            f"video_mb-{name}",
            ("ok_name", 100, value),
            ("Video file size",),
            "merge_two",
        )
    yield Case("/run_merge", "order-before_sources", ("ok_name", 100, 200), ("sources",), "fresh")
    yield Case("/run_merge", "order-conflicts", ("ok_name", 100, 200), ("conflict",), "merge_keys")
    yield Case("/run_merge", "valid", (MERGED[0], 1, 1), None, "merge_two")
    yield Case("/zip_merged_dataset", "order-before_run", (), ("merge",), "fresh")
    yield Case("/zip_merged_dataset", "after_run", (), None, "merged")
    yield Case("/show_merge_result", "after_run", (), None, "merged")


def _merge_cases() -> Iterator[Case]:
    yield from _merge_source_cases()
    yield from _merge_run_cases()


VALID_BY_DESIGN = {
    "load_compare_clip-limit-nine_below_min": "the API takes 1-300 frames; the slider starts at 10",
    "run_comparison-n-one_below_min": "one configuration is a comparison (the library takes 1-4)",
    "run_comparison-form1-g-empty_str": "a blank field means the encoder's default, as on the page",
    "run_comparison-form1-fast_decode-empty_str": "a blank field means 0, as on the page",
    "run_comparison-form1-crf-hundred": "LeRobot takes it for h264; x264 uses 51 (verdict notes)",
    "run_comparison-form1-preset-int": "x264 takes preset indexes 0-9",
    "run_comparison-form1-fast_decode-minus_one": "LeRobot clamps it to 0",
    "run_depth_round_trip-alts-none": "no alternatives: only the user's config",
}
"""Values a case list calls bad that the app accepts on purpose, with the reason."""

SCHEMA_REFUSED = {
    "load_compare_clip-fls-str_path",
    "load_compare_clip-fls-number",
    "load_compare_clip-fls-dict",
    "load_compare_clip-fls-list_of_none",
    "load_compare_clip-fls-list_of_str",
    "load_depth-fls-str_path",
    "load_depth-fls-list_of_str",
}
"""File values that are not file records at all: Gradio's own schema check refuses them before
any app code runs, with its generic error text (the app cannot word it); the call must still
fail and load nothing."""


def _by_design(case: Case) -> Case:
    if case.id in VALID_BY_DESIGN:
        return Case(case.endpoint, case.name, case.args, None, case.setup)
    return case


CASES: list[Case] = [
    _by_design(case)
    for case in (
        *_compare_cases(),
        *_depth_cases(),
        *_record_cases(),
        *_inspect_cases(),
        *_merge_cases(),
    )
]
MIN_CASES = 300
STATEFUL = ("preview", "nopreview")
"""Setups a wrongly accepted value can leave unusable for the next case (a preview or an
episode started); their session is replaced after one."""


class Sessions:
    """API sessions in the states cases need, made on first use and closed at the end."""

    def __init__(self, url: str, media: dict[str, Path]) -> None:
        self.url = url
        self.media = media
        self.kept: dict[str, Client] = {}

    def new(self) -> Client:
        return Client(self.url, verbose=False)

    def get(self, setup: str) -> Client:
        """A session in state ``setup``; "fresh" is a new session each time.

        A fresh session reuses one client with a new session hash (``reset_session``): its
        heartbeat then moves to the new session, which closes the old one.
        """
        if setup == "fresh" and "fresh" in self.kept:
            self.kept["fresh"].reset_session()
        if setup not in self.kept:
            self.kept[setup] = self._prepare(setup)
        return self.kept[setup]

    def _prepare(self, setup: str) -> Client:
        client = self.new()
        if setup in ("clip", "compared"):
            # A small upload: the values the app wrongly accepts then run short comparisons.
            small = [handle_file(str(self.media["good_mp4"]))]
            client.predict(UPLOAD, small, None, 10, api_name="/load_compare_clip")
        if setup == "compared":
            client.predict(*_comparison(2, 0, 1, "h264"), api_name="/run_comparison")
        if setup in ("depth", "depth_done"):
            client.predict(DEPTH_BUNDLED, None, 30, 3, api_name="/load_depth")
        if setup == "depth_done":
            client.predict(*_round_trip(), api_name="/run_depth_round_trip")
            # As the page's chain does: the results set the frame slider's range.
            client.predict("mm", api_name="/show_depth_results")
        if setup == "inspect":
            # As the page's chain does: open, show, then the first episode.
            client.predict(SAMPLE_DATASET, api_name="/open_local_dataset")
            client.predict(api_name="/show_inspect_dataset")
            client.predict(0, api_name="/show_inspect_episode")
        if setup == "preview":
            client.predict(REPLAY, api_name="/start_preview")
        if setup in ("merge_two", "merged"):
            client.predict(api_name="/add_merge_example")
        if setup == "merged":
            client.predict(MERGED[1], 1, 1, api_name="/run_merge")
        if setup == "merge_keys":
            client.predict(SAMPLE_DATASET, api_name="/add_merge_source")
            client.predict(f"datasets/{MERGE_FRONT}", api_name="/add_merge_source")
        return client

    def forget(self, setup: str) -> None:
        """Drop a kept session whose state a wrongly accepted value may have changed."""
        client = self.kept.pop(setup, None)
        if client is not None:
            client.close()

    def close(self) -> None:
        """Close every kept session at once (each close waits up to 1 s for its heartbeat)."""
        with ThreadPoolExecutor(max_workers=len(self.kept) or 1) as pool:
            list(pool.map(Client.close, self.kept.values()))
        self.kept.clear()


@pytest.fixture(scope="module")
def sessions(live_app: str, media: dict[str, Path], merge_datasets: None) -> Iterator[Sessions]:
    kept = Sessions(live_app, media)
    try:
        yield kept
    finally:
        kept.close()


@pytest.fixture(scope="module")
def merge_datasets(settings: AppSettings) -> Iterator[None]:
    """A dataset with a camera named otherwise in the shared folder; the merges go after."""
    write_toy_dataset(settings.datasets_dir / MERGE_FRONT, "observation.images.front")
    try:
        yield
    finally:
        for name in (MERGE_FRONT, *MERGED):
            shutil.rmtree(settings.datasets_dir / name, ignore_errors=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory, settings: AppSettings) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("api-corpus-media")
    files = make_media(folder)
    sample = settings.datasets_dir / SAMPLE_DATASET.removeprefix("datasets/")
    return files | make_merge_zips(folder / "zips", sample)


def _resolve(value: Any, media: dict[str, Path]) -> Any:
    if isinstance(value, One):
        return handle_file(str(media[value.name]))
    if isinstance(value, Up):
        return [handle_file(str(media[name])) for name in value.names]
    return value


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_malformed_input_gets_a_clear_error(
    case: Case, sessions: Sessions, media: dict[str, Path], settings: AppSettings
) -> None:
    RAN.append(case.endpoint)
    client = sessions.get(case.setup)
    args = [_resolve(value, media) for value in case.args]
    try:
        client.predict(*args, api_name=case.endpoint)
    except AppError as err:
        message = str(err)
        if case.keywords is None:
            pytest.fail(f"valid values refused: {message!r}")
        if case.id in SCHEMA_REFUSED:
            return
        problems = message_problems(message, case.keywords, settings.data_dir)
        assert not problems, f"{'; '.join(problems)}. Message: {message!r}"
    else:
        if case.keywords is not None:
            if case.setup in STATEFUL:
                sessions.forget(case.setup)
            pytest.fail(f"accepted: {case.args!r:.200} raised no error")


def test_corpus_size_and_counts() -> None:
    """At least MIN_CASES cases ran; their counts per endpoint go to benchmarks/results."""
    planned = Counter(case.endpoint for case in CASES)
    ran = Counter(RAN)
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {
        "total_planned": sum(planned.values()),
        "total_ran": sum(ran.values()),
        "per_endpoint": dict(sorted(planned.items())),
        "ran_per_endpoint": dict(sorted(ran.items())),
    }
    (RESULTS / "api_corpus_counts.json").write_text(json.dumps(report, indent=2) + "\n")
    assert len(CASES) >= MIN_CASES
    assert len(RAN) >= MIN_CASES, f"only {len(RAN)} cases ran: {dict(ran)}"
