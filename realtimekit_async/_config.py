"""Configuration checked where it is given: the token, the API root and every timeout.

A mistake here would otherwise surface late and far away: a token with a newline fails inside
aiohttp at the first call, a ``base_url`` with ``?x=1`` sends the token to a mangled path, and a
``nan`` timeout silently disables the deadline. Pure functions; ``ValueError``/``TypeError`` with
a message that names the argument.
"""

from __future__ import annotations

import enum
import math
import re
from typing import Final, Literal

import yarl

__all__ = [
    "USE_DEFAULT",
    "UseDefault",
    "check_api_token",
    "check_base_url",
    "check_seconds",
    "check_timeout",
]


class _Default(enum.Enum):
    USE_DEFAULT = "USE_DEFAULT"

    def __repr__(self) -> str:
        return self.value


#: "Not given": a per-call ``timeout`` falls back to the session's deadline, and the session's
#: to its retry policy's. ``None``, in contrast, always means "no deadline".
USE_DEFAULT: Final = _Default.USE_DEFAULT
UseDefault = Literal[_Default.USE_DEFAULT]

# RFC 6750 b64token plus the characters Cloudflare tokens never contain but users paste anyway
# are not allowed: a token is visible ASCII without spaces, so it fits one header line.
_TOKEN: Final = re.compile(r"[\x21-\x7e]+")


def check_api_token(token: object) -> str:
    """Return *token* if it can be sent as ``Authorization: Bearer <token>``."""
    if not isinstance(token, str):
        msg = f"api_token must be a string, got {type(token).__name__}"
        raise TypeError(msg)
    if not token:
        msg = "api_token must be a non-empty string (a Cloudflare API token)"
        raise ValueError(msg)
    if not _TOKEN.fullmatch(token):
        # Never echo the token: say what is wrong with it, not what it is.
        msg = (
            "api_token contains whitespace, control or non-ASCII characters; "
            "check for a trailing newline or a space copied along with it"
        )
        raise ValueError(msg)
    return token


def check_base_url(base_url: object) -> str:
    """Return *base_url* without a trailing slash if it is a plain ``http(s)`` API root."""
    if not isinstance(base_url, str | yarl.URL):
        msg = f"base_url must be a string, got {type(base_url).__name__}"
        raise TypeError(msg)
    text = str(base_url).strip()
    try:
        url = yarl.URL(text)
    except (ValueError, TypeError) as exc:
        msg = f"base_url is not a valid URL: {exc}"
        raise ValueError(msg) from None
    if url.scheme not in {"http", "https"} or not url.host:
        msg = (
            "base_url must be an http(s) URL with a host, like https://api.cloudflare.com/client/v4"
            f" (got scheme {url.scheme!r}, host {url.host!r})"
        )
        raise ValueError(msg)
    if url.user is not None or url.password is not None:
        # Never put the password in the message: it is a credential.
        msg = "base_url must not contain user info (user:password@); the API uses api_token"
        raise ValueError(msg)
    if url.raw_query_string or url.raw_fragment or "?" in text or "#" in text:
        msg = (
            "base_url must not contain a query string or fragment: request paths are appended "
            f"to it (got {url.with_query(None).with_fragment(None)!s:.200}?…)"
        )
        raise ValueError(msg)
    return text.rstrip("/")


def check_timeout(name: str, value: object) -> float | None:
    """Return *value* if it is a finite number of seconds > 0, or ``None`` (no limit)."""
    return None if value is None else _seconds(name, value, "a number of seconds or None")


def check_seconds(name: str, value: object) -> float:
    """Return *value* if it is a finite number of seconds > 0."""
    return _seconds(name, value, "a number of seconds")


def _seconds(name: str, value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{name} must be {what}, got {value!r:.80}"
        raise TypeError(msg)
    if not math.isfinite(value) or value <= 0:
        msg = f"{name} must be a finite number of seconds > 0, got {value!r}"
        raise ValueError(msg)
    return float(value)
