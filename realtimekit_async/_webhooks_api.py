"""The Webhooks management API as pure functions: build the seven requests, read the answers.

No I/O here, like :mod:`._protocol` (whose :class:`~._protocol.Request`, id checks, envelope and
error mapping this module reuses). Every argument is checked before a request exists: names,
``http``/``https`` URLs with a host, and event names (known names in the right case; a name the
server added later passes when it has the ``namespace.event`` shape, since the enum is open).
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any, Final, cast

from . import _json
from ._models import Webhook, WebhookEventName
from ._protocol import (
    Operation,
    Request,
    Response,
    _structure,  # pyright: ignore[reportPrivateUsage]
    check_id,
    encode_segment,
    raise_for_error,
)
from ._retry import Safety

__all__ = [
    "SAFETY",
    "create_request",
    "delete_request",
    "events_request",
    "get_request",
    "list_request",
    "read_event_names",
    "read_webhook",
    "read_webhooks",
    "replace_request",
    "update_request",
    "webhooks_prefix",
]


#: How safe each call is to send again after an ambiguous failure. A create sent twice makes
#: two registrations (and two deliveries per event); PATCH and PUT set absolute values, and a
#: repeated DELETE can only answer 404 for what the first one removed.
SAFETY: Final[dict[Operation, Safety]] = {
    Operation.CREATE_WEBHOOK: Safety.UNSAFE,
    Operation.LIST_WEBHOOKS: Safety.IDEMPOTENT,
    Operation.GET_WEBHOOK: Safety.IDEMPOTENT,
    Operation.UPDATE_WEBHOOK: Safety.IDEMPOTENT,
    Operation.REPLACE_WEBHOOK: Safety.IDEMPOTENT,
    Operation.DELETE_WEBHOOK: Safety.IDEMPOTENT,
    Operation.LIST_WEBHOOK_EVENTS: Safety.IDEMPOTENT,
}

MAX_NAME_LENGTH: Final = 256
MAX_URL_LENGTH: Final = 2048
_EVENT_SHAPE = re.compile(r"[a-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)+")
_KNOWN_BY_FOLDED = {member.value.casefold(): member for member in WebhookEventName}


def _request(operation: Operation, method: str, path: str, body: Any = None) -> Request:
    encoded = None if body is None else _json.dumps(body)
    return Request(operation, method, path, body=encoded)


def webhooks_prefix(account_id: str, app_id: str) -> str:
    """The path of the webhooks collection, after the API root."""
    account = encode_segment(check_id("account_id", account_id))
    app = encode_segment(check_id("app_id", app_id))
    return f"/accounts/{account}/realtime/kit/{app}/webhooks"


# --- arguments --------------------------------------------------------------------------------


def check_name(name: object) -> str:
    """Return *name* if it is a usable webhook name."""
    if not isinstance(name, str):
        msg = f"name must be a string, got {type(name).__name__}"
        raise TypeError(msg)
    if not name.strip() or len(name) > MAX_NAME_LENGTH:
        msg = f"name must be a non-blank string of at most {MAX_NAME_LENGTH} characters"
        raise ValueError(msg)
    return name


def check_url(url: object) -> str:
    """Return *url* if it is an absolute ``http``/``https`` URL with a host."""
    if not isinstance(url, str):
        msg = f"url must be a string, got {type(url).__name__}"
        raise TypeError(msg)
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
    except ValueError:
        host, parts = None, None
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not host
        or len(url) > MAX_URL_LENGTH
        or any(c.isspace() or ord(c) < 0x20 for c in url)
    ):
        # Only the scheme is quoted: the URL itself may carry a secret in its query string.
        scheme = parts.scheme if parts is not None else "?"
        msg = (
            "url must be an absolute http:// or https:// URL with a host, without spaces, "
            f"of at most {MAX_URL_LENGTH} characters (got a {scheme or 'relative'!r} URL)"
        )
        raise ValueError(msg)
    return url


def check_events(events: object) -> list[str]:
    """Return the event names of *events* as strings, checked, in order, without duplicates."""
    if isinstance(events, str):
        # A bare string is an iterable of letters: take it as the one event it names.
        events = [events]
    if not isinstance(events, Iterable):
        msg = f"events must be a list of event names, got {type(events).__name__}"
        raise TypeError(msg)
    names: list[str] = []
    for event in cast("Iterable[object]", events):
        if not isinstance(event, str):
            msg = f"events must hold strings, got {type(event).__name__}"
            raise TypeError(msg)
        value = str(event)
        known = _KNOWN_BY_FOLDED.get(value.casefold())
        if known is not None and known.value != value:
            msg = f"unknown event {value!r}: did you mean {known.value!r}?"
            raise ValueError(msg)
        if known is None and not _EVENT_SHAPE.fullmatch(value):
            allowed = ", ".join(m.value for m in WebhookEventName)
            msg = f"unknown event {value[:80]!r}; the documented events are {allowed}"
            raise ValueError(msg)
        if value not in names:
            names.append(value)
    if not names:
        msg = "events must name at least one event"
        raise ValueError(msg)
    return names


def _enabled(enabled: object) -> bool:
    if not isinstance(enabled, bool):
        msg = f"enabled must be a bool, got {type(enabled).__name__}"
        raise TypeError(msg)
    return enabled


def _item_path(prefix: str, webhook_id: str) -> str:
    return f"{prefix}/{encode_segment(check_id('webhook_id', webhook_id))}"


# --- requests ---------------------------------------------------------------------------------


def create_request(
    prefix: str, *, name: str, url: str, events: Iterable[WebhookEventName | str], enabled: bool
) -> Request:
    """``POST …/webhooks`` (answers 201)."""
    body = {
        "name": check_name(name),
        "url": check_url(url),
        "events": check_events(events),
        "enabled": _enabled(enabled),
    }
    return _request(Operation.CREATE_WEBHOOK, "POST", prefix, body)


def list_request(prefix: str) -> Request:
    """``GET …/webhooks``."""
    return _request(Operation.LIST_WEBHOOKS, "GET", prefix)


def get_request(prefix: str, webhook_id: str) -> Request:
    """``GET …/webhooks/{webhook_id}``."""
    return _request(Operation.GET_WEBHOOK, "GET", _item_path(prefix, webhook_id))


def update_request(
    prefix: str,
    webhook_id: str,
    *,
    name: str | None = None,
    url: str | None = None,
    events: Iterable[WebhookEventName | str] | None = None,
    enabled: bool | None = None,
) -> Request:
    """``PATCH …/webhooks/{webhook_id}`` with only the given fields (``{}`` when none)."""
    path = _item_path(prefix, webhook_id)
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = check_name(name)
    if url is not None:
        body["url"] = check_url(url)
    if events is not None:
        body["events"] = check_events(events)
    if enabled is not None:
        body["enabled"] = _enabled(enabled)
    return _request(Operation.UPDATE_WEBHOOK, "PATCH", path, body)


def replace_request(
    prefix: str,
    webhook_id: str,
    *,
    name: str,
    url: str,
    events: Iterable[WebhookEventName | str],
    enabled: bool,
) -> Request:
    """``PUT …/webhooks/{webhook_id}`` with the whole registration."""
    path = _item_path(prefix, webhook_id)
    body = {
        "name": check_name(name),
        "url": check_url(url),
        "events": check_events(events),
        "enabled": _enabled(enabled),
    }
    return _request(Operation.REPLACE_WEBHOOK, "PUT", path, body)


def delete_request(prefix: str, webhook_id: str) -> Request:
    """``DELETE …/webhooks/{webhook_id}`` (answers the deleted webhook)."""
    return _request(Operation.DELETE_WEBHOOK, "DELETE", _item_path(prefix, webhook_id))


def events_request(prefix: str) -> Request:
    """``GET …/webhooks/all``: the event names the server knows."""
    return _request(Operation.LIST_WEBHOOK_EVENTS, "GET", f"{prefix}/all")


# --- responses --------------------------------------------------------------------------------


def read_webhook(request: Request, response: Response, now: dt.datetime) -> Webhook:
    """Read the answer of create, get, update, replace or delete into a :class:`Webhook`."""
    data = raise_for_error(request, response, now).get("data")
    return _structure(request, response, data, Webhook, "$.data")


def read_webhooks(request: Request, response: Response, now: dt.datetime) -> tuple[Webhook, ...]:
    """Read the answer of list into webhooks."""
    data = raise_for_error(request, response, now).get("data")
    return _structure(request, response, data, tuple[Webhook, ...], "$.data")


def read_event_names(
    request: Request, response: Response, now: dt.datetime
) -> tuple[WebhookEventName | str, ...]:
    """Read the answer of ``GET …/webhooks/all``: known names as members, new ones as strings."""
    data = raise_for_error(request, response, now).get("data")
    return _structure(request, response, data, tuple[WebhookEventName | str, ...], "$.data")
