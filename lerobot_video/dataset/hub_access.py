"""The one door to ``huggingface_hub``: importing it, checking repo ids, and its errors.

``huggingface_hub`` is imported here only, lazily (through
:func:`~lerobot_video.optional.import_optional`), so the library works without it until a Hub
feature is used. Its errors, and the network's, become this library's: one class per cause,
each message saying what to do. Messages never hold a token.
"""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Iterator
from types import ModuleType

from lerobot_video.errors import (
    ConfigError,
    HubAccessError,
    HubNotFoundError,
    HubUnreachableError,
    MediaError,
)
from lerobot_video.optional import import_optional

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")


def hub_library() -> ModuleType:
    """``huggingface_hub``, imported on first use.

    Raises:
        MissingDependencyError: It is not installed; the message names the extra.
    """
    return import_optional("huggingface_hub")


def hub_module(name: str) -> ModuleType:
    """A submodule of ``huggingface_hub`` (``errors``, ``constants``), imported on first use.

    The package's lazy top level does not expose these as attributes until imported.

    Raises:
        MissingDependencyError: ``huggingface_hub`` is not installed.
    """
    hub_library()
    return importlib.import_module(f"huggingface_hub.{name}")


def check_repo_id(repo_id: object) -> str:
    """``repo_id`` if it is ``namespace/name``.

    Raises:
        ConfigError: Anything else, with what is allowed.
    """
    if not isinstance(repo_id, str) or not _REPO_ID.match(repo_id) or ".." in repo_id:
        raise ConfigError(
            f"A Hub dataset id is 'namespace/name' (letters, digits, '-', '_', '.'), got "
            f"{repo_id!r}."
        )
    return repo_id


def is_network_error(err: BaseException) -> bool:
    """Connection refused, timeouts, DNS: httpx's transport errors and the built-in ones."""
    names = {kind.__name__ for kind in type(err).__mro__}
    return bool(names & {"TransportError", "ConnectionError", "TimeoutError"})


def first_line(err: BaseException) -> str:
    """The first line of an error, without the request details huggingface_hub appends."""
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


@contextlib.contextmanager
def as_media_error(name: str) -> Iterator[None]:
    """Network failures while reading a remote file become :class:`MediaError` naming it."""
    try:
        yield
    except Exception as err:
        if not is_network_error(err) and not isinstance(err, OSError):
            raise
        raise MediaError(f"Reading {name!r} from the Hub failed: {first_line(err)}.") from err


@contextlib.contextmanager
def hub_errors(repo_id: str, revision: str | None, *, what: str = "") -> Iterator[None]:
    """Turn huggingface_hub's and the network's errors into this library's, one per cause.

    Raises:
        HubNotFoundError: No such repo (or private without a token), revision or file.
        HubAccessError: A gated repo, or a token refused.
        HubUnreachableError: The Hub cannot be reached (or offline without a cached copy).
    """
    errors = hub_module("errors")
    at = f" at revision {revision!r}" if revision else ""
    try:
        yield
    except (errors.RepositoryNotFoundError, errors.RevisionNotFoundError) as err:
        raise _missing_or_gated(err, repo_id, revision) from err
    except errors.LocalEntryNotFoundError as err:
        raise HubUnreachableError(
            f"Dataset {repo_id!r}{at} is not in the local Hugging Face cache and the Hub is "
            f"offline or unreachable ({first_line(err)}). Connect once to cache it."
        ) from err
    except errors.EntryNotFoundError as err:
        raise HubNotFoundError(f"Dataset {repo_id!r}{at} has no file {what!r}.") from err
    except errors.HfHubHTTPError as err:
        status = getattr(getattr(err, "response", None), "status_code", None)
        if status in (401, 403):
            raise HubAccessError(
                f"The Hub refused access to {repo_id!r} (HTTP {status}): the token is invalid "
                f"or cannot do this."
            ) from err
        raise HubUnreachableError(f"The Hub failed on {repo_id!r}: {first_line(err)}.") from err
    except Exception as err:
        if not is_network_error(err):
            raise
        raise HubUnreachableError(
            f"Cannot reach the Hub for {repo_id!r} ({first_line(err)}). Check the network, or set "
            f"HF_HUB_OFFLINE=1 to open datasets already cached."
        ) from err


def _missing_or_gated(err: Exception, repo_id: str, revision: str | None) -> Exception:
    """The error for a gated repo, a missing (or hidden private) repo, or a missing revision."""
    if isinstance(err, hub_module("errors").GatedRepoError):  # a RepositoryNotFoundError
        return HubAccessError(
            f"Dataset {repo_id!r} is gated: accept its access conditions on its Hub page while "
            f"logged in, then use a token of that account (HF_TOKEN, `hf auth login`, or the "
            f"token field)."
        )
    if isinstance(err, hub_module("errors").RepositoryNotFoundError):
        return HubNotFoundError(
            f"No dataset repo {repo_id!r} on the Hub, or it is private and no token with access "
            f"was given. Check the id (namespace/name) or give a token that can read it."
        )
    return HubNotFoundError(
        f"Dataset {repo_id!r} has no revision {revision!r}; give a branch, tag (such as "
        f"'v3.0') or commit that exists."
    )
