"""Webhook registration calls of :class:`~._session.RealtimeKitSession` (the management API).

Same engine as the recording calls: retries, deadline, limiter and errors. A create is not sent
twice after an ambiguous failure (two registrations would deliver every event twice); the other
calls set absolute values and are safe to repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

from . import _webhooks_api as api
from ._calls import CallsBase
from ._config import USE_DEFAULT, UseDefault
from ._engine import Reader
from ._models import Webhook, WebhookEventName
from ._protocol import Request

__all__ = ["WebhookCalls"]

T = TypeVar("T")
Timeout = float | UseDefault | None
Headers = Mapping[str, str] | None


class WebhookCalls(CallsBase):
    """The seven webhook calls (see :class:`~._session.RealtimeKitSession`)."""

    async def create_webhook(
        self,
        *,
        name: str,
        url: str,
        events: Iterable[WebhookEventName | str],
        enabled: bool = True,
        timeout: Timeout = USE_DEFAULT,
        headers: Headers = None,
    ) -> Webhook:
        """Register *url* to receive *events* (e.g. ``["recording.statusUpdate"]``).

        Never re-sent after an ambiguous failure: :class:`OutcomeUnknownError` is raised
        instead, since a second registration would deliver every event twice.
        """
        request = api.create_request(
            self._webhooks_prefix, name=name, url=url, events=events, enabled=enabled
        )
        return await self._run(request, api.read_webhook, timeout, headers)

    async def list_webhooks(
        self, *, timeout: Timeout = USE_DEFAULT, headers: Headers = None
    ) -> tuple[Webhook, ...]:
        """Every webhook registered for the app."""
        request = api.list_request(self._webhooks_prefix)
        return await self._run(request, api.read_webhooks, timeout, headers)

    async def get_webhook(
        self, webhook_id: str, *, timeout: Timeout = USE_DEFAULT, headers: Headers = None
    ) -> Webhook:
        """One webhook registration."""
        request = api.get_request(self._webhooks_prefix, webhook_id)
        return await self._run(request, api.read_webhook, timeout, headers)

    async def update_webhook(
        self,
        webhook_id: str,
        *,
        name: str | None = None,
        url: str | None = None,
        events: Iterable[WebhookEventName | str] | None = None,
        enabled: bool | None = None,
        timeout: Timeout = USE_DEFAULT,
        headers: Headers = None,
    ) -> Webhook:
        """Change the given fields of a webhook (``PATCH``); the others stay as they are."""
        request = api.update_request(
            self._webhooks_prefix, webhook_id, name=name, url=url, events=events, enabled=enabled
        )
        return await self._run(request, api.read_webhook, timeout, headers)

    async def replace_webhook(
        self,
        webhook_id: str,
        *,
        name: str,
        url: str,
        events: Iterable[WebhookEventName | str],
        enabled: bool = True,
        timeout: Timeout = USE_DEFAULT,
        headers: Headers = None,
    ) -> Webhook:
        """Replace a webhook's whole registration (``PUT``)."""
        request = api.replace_request(
            self._webhooks_prefix, webhook_id, name=name, url=url, events=events, enabled=enabled
        )
        return await self._run(request, api.read_webhook, timeout, headers)

    async def delete_webhook(
        self, webhook_id: str, *, timeout: Timeout = USE_DEFAULT, headers: Headers = None
    ) -> Webhook:
        """Remove a webhook; returns the registration that was deleted."""
        request = api.delete_request(self._webhooks_prefix, webhook_id)
        return await self._run(request, api.read_webhook, timeout, headers)

    async def list_webhook_events(
        self, *, timeout: Timeout = USE_DEFAULT, headers: Headers = None
    ) -> tuple[WebhookEventName | str, ...]:
        """The event names the server can deliver (new ones as plain strings)."""
        request = api.events_request(self._webhooks_prefix)
        return await self._run(request, api.read_event_names, timeout, headers)

    async def _run(
        self, request: Request, read: Reader[T], timeout: Timeout, headers: Headers
    ) -> T:
        safety = api.SAFETY[request.operation]
        return await self._call(request, read, safety, timeout, headers=headers)
