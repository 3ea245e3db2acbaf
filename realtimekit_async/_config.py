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
from collections.abc import Mapping
from typing import Final, Literal, cast

import yarl

__all__ = [
    "USE_DEFAULT",
    "UseDefault",
    "check_api_token",
    "check_base_url",
    "check_count",
    "check_headers",
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


# RFC 9110 field names are tokens; values may not break the header line.
_FIELD_NAME: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE: Final = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
#: Headers the SDK owns: the credential, and what the body and the answer are.
_RESERVED: Final = frozenset({"authorization", "content-type", "content-length", "host"})


def check_headers(name: str, headers: object) -> dict[str, str]:
    """Return extra request *headers* as a dict if each is a valid header the SDK does not own.

    ``Authorization`` can never be replaced this way, so a tenant or tracing header cannot send
    the wrong credential by accident.
    """
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        msg = f"{name} must be a mapping of header names to values, got {type(headers).__name__}"
        raise TypeError(msg)
    checked: dict[str, str] = {}
    for key, value in cast("Mapping[object, object]", headers).items():
        if not isinstance(key, str) or not _FIELD_NAME.fullmatch(key):
            msg = f"{name}: {key!r:.80} is not a valid header name"
            raise ValueError(msg)
        if key.lower() in _RESERVED:
            msg = f"{name} may not set {key}: the session sets it (pass api_token= for the token)"
            raise ValueError(msg)
        if not isinstance(value, str) or not _FIELD_VALUE.fullmatch(value):
            msg = f"{name}: the value of {key} must be a string without line breaks"
            raise ValueError(msg)
        checked[key] = value
    return checked


def check_count(name: str, value: object) -> int:
    """Return *value* if it is a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be a whole number, got {value!r:.80}"
        raise TypeError(msg)
    if value < 1:
        msg = f"{name} must be at least 1, got {value}"
        raise ValueError(msg)
    return value
