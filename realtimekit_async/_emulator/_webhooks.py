"""The Webhooks management API: registrations, their validation and the seven routes (no I/O).

Bodies follow ``openapi-webhooks.json``: create answers 201, PATCH is a partial update that
leaves unsent fields alone (the spec's ``default: true`` on PATCH's ``enabled`` is taken as a
documentation slip, since applying it would re-enable a webhook on every rename), PUT replaces
the registration like a create, and DELETE answers the deleted webhook.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from realtimekit_async._emulator._validate import as_object
from realtimekit_async._emulator._wire import ApiError, Reply, format_time, json_reply, success

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

#: Every event the service documents, in the order ``GET …/webhooks/all`` lists them.
EVENTS = (
    "meeting.started",
    "meeting.ended",
    "meeting.participantJoined",
    "meeting.participantLeft",
    "meeting.chatSynced",
    "recording.statusUpdate",
    "livestreaming.statusUpdate",
    "meeting.transcript",
    "meeting.summary",
)
MAX_NAME = 256
MAX_URL = 2048


@dataclass
class Webhook:
    """One registration: where to POST which events, and whether to."""

    id: str
    name: str
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The ``Webhook`` object of the API (snake_case, unlike deliveries)."""
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "events": list(self.events),
            "enabled": self.enabled,
            "created_at": format_time(self.created_at),
            "updated_at": format_time(self.updated_at),
        }


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def check_name(value: Any) -> str:
    """A non-blank name of at most :data:`MAX_NAME` characters (ApiError 400 otherwise)."""
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME:
        raise _bad(f'"name" must be a non-empty string of at most {MAX_NAME} characters')
    return value


def check_url(value: Any) -> str:
    """An absolute ``http``/``https`` URL with a host (ApiError 400 otherwise)."""
    if isinstance(value, str) and len(value) <= MAX_URL and not any(c.isspace() for c in value):
        try:
            parts = urlsplit(value)
            usable = parts.scheme in {"http", "https"} and bool(parts.hostname)
        except ValueError:
            usable = False
        if usable:
            return value
    raise _bad('"url" must be an absolute http or https URI')


def check_events(value: Any) -> list[str]:
    """Documented event names, duplicates dropped, order kept (ApiError 400 otherwise)."""
    if not isinstance(value, list):
        raise _bad('"events" must be a list of event names')
    events: list[str] = []
    for event in cast("list[object]", value):
        if event not in EVENTS:
            raise _bad('"events" items must be one of ' + ", ".join(EVENTS))
        if event not in events:
            events.append(str(event))
    return events


def check_enabled(value: Any) -> bool:
    """A boolean (ApiError 400 otherwise)."""
    if not isinstance(value, bool):
        raise _bad('"enabled" must be a boolean')
    return value


def _body(raw: Any) -> dict[str, Any]:
    body = as_object(raw)
    if body is None:
        raise _bad("Request body must be a JSON object")
    return body


def _whole(raw: Any) -> tuple[str, str, list[str], bool]:
    """A create or replace body: name, url and events required, enabled defaults to true."""
    body = _body(raw)
    for key in ("name", "url", "events"):
        if key not in body:
            raise _bad(f'"{key}" is required')
    return (
        check_name(body["name"]),
        check_url(body["url"]),
        check_events(body["events"]),
        check_enabled(body.get("enabled", True)),
    )


class WebhookRegistry:
    """The registered webhooks of the emulated app, in creation order.

    Args:
        clock: The emulator clock (for ``created_at``/``updated_at``).
        new_id: Makes a webhook id (a seeded UUID).
        check_ready: Called before a webhook is registered; raises when deliveries could
            not be signed (``cryptography`` missing), so no registration is silently useless.
    """

    def __init__(
        self,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
        check_ready: Callable[[], object],
    ) -> None:
        self._clock = clock
        self._new_id = new_id
        self._check_ready = check_ready
        self.webhooks: dict[str, Webhook] = {}

    def add(self, name: str, url: str, events: Iterable[str], *, enabled: bool = True) -> Webhook:
        """Register a webhook (values already checked)."""
        self._check_ready()
        now = self._clock()
        hook = Webhook(self._new_id(), name, url, list(events), enabled, now, now)
        self.webhooks[hook.id] = hook
        return hook

    def get(self, webhook_id: str) -> Webhook:
        """Look up a webhook (ApiError 400 for an id that is not a UUID, 404 when unknown)."""
        # The spec documents 400 (and no 404) for these calls: a path id that is not a UUID is
        # the likeliest cause; an unknown UUID answers 404 like an unknown recording.
        try:
            uuid.UUID(webhook_id)
        except ValueError:
            raise _bad('"webhook_id" must be a valid UUID') from None
        try:
            return self.webhooks[webhook_id]
        except KeyError:
            raise ApiError(404, f"Webhook {webhook_id} not found") from None

    def subscribers(self, event: str) -> list[Webhook]:
        """The enabled webhooks subscribed to ``event``, in creation order."""
        return [h for h in self.webhooks.values() if h.enabled and event in h.events]

    def handle(self, method: str, rest: list[str], body: Callable[[], Any]) -> Reply:
        """Answer one request under ``…/webhooks`` (``rest`` is the path after it).

        Raises:
            ApiError: 400 for a bad body, 404 for an unknown webhook or route.
        """
        match method, rest:
            case "GET", []:
                return success([hook.to_json() for hook in self.webhooks.values()])
            case "POST", []:
                name, url, events, enabled = _whole(body())
                hook = self.add(name, url, events, enabled=enabled)
                return json_reply(201, {"success": True, "data": hook.to_json()})
            case "GET", ["all"]:
                return success(list(EVENTS))
            case "GET", [webhook_id]:
                return success(self.get(webhook_id).to_json())
            case "PATCH", [webhook_id]:
                hook = self.get(webhook_id)
                self._patch(hook, _body(body()))
                return success(hook.to_json())
            case "PUT", [webhook_id]:
                hook = self.get(webhook_id)
                hook.name, hook.url, hook.events, hook.enabled = _whole(body())
                hook.updated_at = self._clock()
                return success(hook.to_json())
            case "DELETE", [webhook_id]:
                hook = self.get(webhook_id)
                del self.webhooks[webhook_id]
                return success(hook.to_json())
            case _:
                raise ApiError(404, "No route for the URI.", cloudflare_code=7003)

    def _patch(self, hook: Webhook, body: dict[str, Any]) -> None:
        # Check everything before changing anything: a refused PATCH leaves no trace.
        name = check_name(body["name"]) if "name" in body else hook.name
        url = check_url(body["url"]) if "url" in body else hook.url
        events = check_events(body["events"]) if "events" in body else hook.events
        enabled = check_enabled(body["enabled"]) if "enabled" in body else hook.enabled
        hook.name, hook.url, hook.events, hook.enabled = name, url, events, enabled
        hook.updated_at = self._clock()
