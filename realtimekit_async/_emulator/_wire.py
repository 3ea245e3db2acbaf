"""Wire vocabulary shared by the emulator's modules: replies, envelopes, timestamps.

Everything here is pure: a :class:`Reply` is what a handler decided to send; the aiohttp layer
only copies it onto a real response.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

JSON_TYPE = "application/json"
#: The emulator binds this address only.
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Reply:
    """A response decided by the emulator, not yet bound to a connection."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = field(default=())


class ApiError(Exception):
    """A request the emulator refuses, carried to the router as an exception.

    Args:
        status: HTTP status to answer with.
        message: Human-readable message for the error envelope.
        cloudflare_code: When set, answer with the Cloudflare v4 envelope and this code
            instead of the RealtimeKit ``{"error": {...}}`` envelope.
    """

    def __init__(self, status: int, message: str, *, cloudflare_code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.cloudflare_code = cloudflare_code

    def reply(self) -> Reply:
        """Render the error in the envelope it belongs to."""
        if self.cloudflare_code is not None:
            return cloudflare_error(self.status, self.cloudflare_code, self.message)
        return json_reply(
            self.status,
            {"success": False, "error": {"code": self.status, "message": self.message}},
        )


def json_reply(status: int, payload: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """A JSON reply with the exact ``application/json`` content type."""
    return Reply(status, json.dumps(payload).encode(), JSON_TYPE, headers)


def success(data: Any, **extra: Any) -> Reply:
    """The RealtimeKit success envelope ``{"success": true, "data": ...}``."""
    return json_reply(200, {"success": True, "data": data, **extra})


def cloudflare_error(
    status: int, code: int, message: str, headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    """The Cloudflare v4 front-door failure envelope (auth, routing, global rate limit)."""
    payload = {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
    }
    return json_reply(status, payload, headers)


def truncate_ms(moment: datetime) -> datetime:
    """Drop sub-millisecond precision, the resolution the API reports."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def format_time(moment: datetime | None) -> str | None:
    """Render a timestamp like the API does: ``2026-08-14T13:00:04.118Z``."""
    if moment is None:
        return None
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC.

    Raises:
        ValueError: The text is not an ISO 8601 timestamp.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch, as used in generated file names."""
    # Integer arithmetic: float timestamps can be one millisecond off.
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
