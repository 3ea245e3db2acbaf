"""Masking of secrets before they reach a ``repr``, an exception message or a log record.

A leaf module: it imports nothing from the package, so the models can use it for their ``repr``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

# Query parameters that make a presigned URL usable by whoever reads it (S3/R2 SigV4, GCS V4,
# Azure SAS, CloudFront, generic tokens). Compared case-insensitively.
_SIGNING_PARAMS = frozenset(
    {
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "x-goog-signature",
        "x-goog-credential",
        "signature",
        "sig",
        "se",
        "token",
        "key-pair-id",
        "policy",
        "access_token",
    }
)
_QUERY_PAIR = re.compile(r"([?&])([^=&#?\s]+)=([^&#\s'\"]*)")

#: Headers whose values are credentials.
SECRET_HEADERS = frozenset({"authorization", "x-auth-key", "x-auth-user-service-key", "cookie"})

#: Keys of JSON objects whose values are credentials (storage configuration).
SECRET_KEYS = frozenset({"access_key", "secret", "password", "private_key"})


def redact_url(url: str) -> str:
    """Return *url* with the values of signing query parameters replaced by ``***``."""

    def _mask(match: re.Match[str]) -> str:
        sep, name, value = match.groups()
        return f"{sep}{name}={MASK if name.lower() in _SIGNING_PARAMS else value}"

    return _QUERY_PAIR.sub(_mask, url)


def redact_url_repr(value: object) -> str:
    """``repr`` for a field holding a presigned URL (or anything else, unchanged)."""
    if isinstance(value, str):
        return repr(redact_url(value))
    return repr(value)


def mask_secret(value: object) -> str:
    """``repr`` for a field holding a secret: shows only whether it is set."""
    return "None" if value is None else repr(MASK)


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy *headers* with credential values masked."""
    return {k: MASK if k.lower() in SECRET_HEADERS else v for k, v in headers.items()}


def redact_json(value: Any) -> Any:
    """Copy a JSON value with storage secrets masked and presigned URLs stripped of signatures."""
    if isinstance(value, Mapping):
        return {
            k: MASK if k in SECRET_KEYS and v is not None else redact_json(v)
            for k, v in value.items()  # pyright: ignore[reportUnknownVariableType]
        }
    if isinstance(value, list):
        return [redact_json(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    if isinstance(value, str) and "?" in value:
        return redact_url(value)
    return value


#: Secrets shorter than this are not searched for in text: masking every "t" of a message
#: would garble it, and no real token is that short.
MIN_SCRUBBED_LENGTH = 8


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in *text* with ``***``; mask URL signatures."""
    for secret in secrets:
        if len(secret) >= MIN_SCRUBBED_LENGTH:
            text = text.replace(secret, MASK)
    return redact_url(text) if "?" in text else text
