"""The LeRobot side of the benchmarks' JSON-lines protocol: one loop every worker serves.

A worker runs under LeRobot's own interpreter (Python >= 3.12, lerobot, torch, numpy; not
this repo's package), so this file uses the standard library only and is imported as a
sibling file. Protocol: the worker writes one JSON object first (its ``hello``: versions),
then one reply line per request line ``{"op": name, ...}``; ``{"quit": true}`` or end of
input stops it. Every reply carries ``"op"``; a failed request replies ``{"op", "error":
"Type: message"}`` (traceback on stderr) and the worker keeps serving. Anything a library
prints goes to stderr, so it cannot corrupt the protocol stream.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any, TextIO

Reply = dict[str, Any]
Handler = Callable[[dict[str, Any]], Reply]


def claim_stdout() -> TextIO:
    """Return the real stdout for the protocol and point ``sys.stdout`` at stderr."""
    protocol_out = sys.stdout
    sys.stdout = sys.stderr
    return protocol_out


def send(out: TextIO, message: Mapping[str, Any]) -> None:
    """Write one JSON line and flush it."""
    out.write(json.dumps(message) + "\n")
    out.flush()


def lerobot_versions() -> dict[str, str]:
    """``{"lerobot", "av", "torch"}`` versions of this interpreter (imports them)."""
    import av
    import lerobot
    import torch

    return {
        "lerobot": getattr(lerobot, "__version__", "?"),
        "av": av.__version__,
        "torch": torch.__version__,
    }


def answer(handlers: Mapping[str, Handler], message: dict[str, Any]) -> Reply:
    """The reply to one request: ``{"op": op, **handler(message)}`` or an error reply."""
    op = message.get("op")
    try:
        handler = handlers.get(op) if isinstance(op, str) else None
        if handler is None:
            raise ValueError(f"unknown op {op!r}; expected one of {sorted(handlers)}")
        return {"op": op, **handler(message)}
    except Exception as err:
        traceback.print_exc(file=sys.stderr)
        return {"op": op, "error": f"{type(err).__name__}: {err}"}


def serve(handlers: Mapping[str, Handler], hello: Callable[[], Reply]) -> None:
    """Serve JSON-line requests on stdin until ``{"quit": true}`` or end of input.

    Args:
        handlers: one function per ``op``, called with the whole request.
        hello: builds the first line (versions); called after stdout is claimed, so the
            imports it triggers cannot write into the protocol stream.
    """
    protocol_out = claim_stdout()
    send(protocol_out, hello())
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("quit"):
            break
        send(protocol_out, answer(handlers, message))
