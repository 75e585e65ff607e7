"""What the server may read and serve: Gradio's cache inside the data folder, nothing else of it.

Gradio serves ``/gradio_api/file=<path>`` for its cache and for ``allowed_paths``. Handlers
return files from session folders, which Gradio must be allowed to read to copy them into its
cache; allowing them would also let anyone fetch ``…/sessions/<id>/…`` by path. So session
folders are allowed for Gradio's copy, and :class:`FileRouteGuard` refuses the file route for
every path in the data folder outside the cache. What a session is shown is a copy in the
cache, named by a keyed hash of its content, which only that session is told.
"""

from __future__ import annotations

import os
from typing import Any

import gradio as gr
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from components.state import AppSettings

FILE_ROUTE = "/file="


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class FileRouteGuard:
    """ASGI middleware refusing (403) file-route requests for the data folder outside the cache.

    Paths are compared after resolving ``..`` and links, before Gradio sees the request.
    """

    def __init__(self, app: ASGIApp, *, data_dir: str, cache_dir: str) -> None:
        self.app = app
        self.data_dir = os.path.realpath(data_dir)
        self.cache_dir = os.path.realpath(cache_dir)

    def refuses(self, url_path: str) -> bool:
        """Whether a request for ``url_path`` (as routed, already percent-decoded) is refused."""
        if FILE_ROUTE not in url_path:
            return False
        requested = url_path.split(FILE_ROUTE, 1)[1]
        if "://" in requested:
            return False  # a URL, not a server path: Gradio's own rules apply
        resolved = os.path.realpath(requested)
        return _inside(resolved, self.data_dir) and not _inside(resolved, self.cache_dir)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a refused request with 403; pass every other one on."""
        if scope["type"] == "http" and self.refuses(scope.get("path", "")):
            response = PlainTextResponse("File not allowed.", status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def launch_options(settings: AppSettings) -> dict[str, Any]:
    """``Blocks.launch`` keyword arguments: the app's look and its limits.

    The look is the theme and one stylesheet per page from the assets folder; the limits keep
    the server inside its data folder and uploads under their size.
    """
    guard = Middleware(
        FileRouteGuard, data_dir=str(settings.data_dir), cache_dir=str(settings.cache_dir)
    )
    return {
        # The look is part of the launch in Gradio 6; tests launch with these options too.
        "css_paths": sorted(settings.bundled_clip.parent.glob("*.css")),
        "theme": gr.themes.Soft(),
        "max_file_size": f"{settings.max_upload_mb}mb",
        "allowed_paths": [str(settings.sessions_dir)],
        "app_kwargs": {"middleware": [guard]},
    }
