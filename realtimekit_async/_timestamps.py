"""The API's timestamps: ISO 8601 in, aware UTC ``datetime`` out, and back.

A leaf module, so that building a query does not have to load the converter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["format_datetime", "parse_datetime"]


def parse_datetime(value: Any, _: type = dt.datetime) -> dt.datetime:
    """Parse an ISO 8601 timestamp into an aware UTC ``datetime``."""
    if type(value) is not str:
        msg = f"expected an ISO 8601 timestamp, got {type(value).__name__}"
        raise TypeError(msg)
    parsed = dt.datetime.fromisoformat(value)
    zone = parsed.tzinfo
    if zone is dt.UTC:  # the API's own "…Z" timestamps: nothing to convert
        return parsed
    if zone is None:
        return parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:59:59-23:59 is a valid string but no UTC datetime
        msg = f"timestamp {value[:40]!r} is out of range in UTC"
        raise ValueError(msg) from None


def format_datetime(value: dt.datetime) -> str:
    """Format a ``datetime`` as the API writes it: UTC with milliseconds and ``Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
