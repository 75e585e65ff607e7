"""Whether an HTML ``<video>`` element can play a stream: a table of codec and format facts.

Pure Python: no PyAV call. The verdicts are what current Chrome, Edge, Firefox and Safari do.
"""

from __future__ import annotations

import dataclasses

from lerobot_video.errors import ConfigError


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class BrowserSupport:
    """Whether an HTML ``<video>`` element can play a stream, with the reasons.

    Attributes:
        plays_in_browsers: True when current Chrome, Edge and Firefox all play it.
        notes: Plain-language warnings, one sentence each; empty when nothing to say.
    """

    plays_in_browsers: bool
    notes: tuple[str, ...]


def browser_support(codec: str, pix_fmt: str) -> BrowserSupport:
    """Tell whether browsers can play a stream of this codec and pixel format.

    Args:
        codec: Stream codec name as probed (``av1``, ``h264``, ``hevc``…); encoder names
            (``libsvtav1``) are accepted too.
        pix_fmt: Stream pixel format, for example ``yuv420p``.

    Returns:
        The verdict and the reasons behind it.

    Raises:
        ConfigError: ``codec`` or ``pix_fmt`` is not a non-empty string.
    """
    for name, value in (("codec", codec), ("pix_fmt", pix_fmt)):
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f"{name} must be a non-empty string such as 'av1', got {value!r:.60}."
            )
    family = {"libsvtav1": "av1", "libaom-av1": "av1"}.get(codec, codec.split("_")[0])
    notes: list[str] = []
    plays = family in ("av1", "h264", "vp9")
    if family == "hevc":
        notes.append("HEVC plays only in Safari and in Chrome/Edge with hardware HEVC decoding.")
    elif family == "av1":
        notes.append("AV1 plays in Chrome, Edge and Firefox; Safari needs hardware AV1.")
    elif not plays:
        notes.append(f"Browsers do not play {codec!r} streams.")
    if pix_fmt.startswith("gray"):
        plays = False
        notes.append("Grey-only streams do not play in browsers; use a preview clip.")
    if "444" in pix_fmt or "422" in pix_fmt:
        plays = False
        notes.append("4:4:4 and 4:2:2 chroma do not play in browsers; use yuv420p to view.")
    bit_depth = next(
        (b for b in ("16", "12", "10") if f"p{b}" in pix_fmt or f"y{b}" in pix_fmt), ""
    )
    if bit_depth == "12" or bit_depth == "16" or (bit_depth == "10" and family == "h264"):
        plays = False
        notes.append(f"{bit_depth}-bit {family.upper()} does not play in browsers.")
    elif bit_depth == "10":
        notes.append("10-bit plays only where the browser has a 10-bit decoder for this codec.")
    return BrowserSupport(plays_in_browsers=plays, notes=tuple(notes))
