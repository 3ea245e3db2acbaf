"""Type-checked by mypy and pyright, never run: receiving webhooks as a user writes it."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from realtimekit_async import Recording, RecordingStatus, Webhook, WebhookEventName
from realtimekit_async.webhooks import (
    MemoryDeliveryStore,
    RecordingStatusUpdate,
    Subscription,
    UnknownEvent,
    WebhookEvent,
    WebhookKeyCache,
    WebhookReceiver,
    WebhookVerificationError,
    WebhookWatcher,
    parse_event,
)


def verify(body: bytes, headers: Mapping[str, str], pem: str) -> Recording | None:
    try:
        event: WebhookEvent = parse_event(body, headers, public_key=pem)
    except WebhookVerificationError as exc:
        reason: str = exc.reason
        print(reason)
        return None
    if isinstance(event, UnknownEvent):
        print(event.event, dict(event.data))
    if isinstance(event, RecordingStatusUpdate):
        size: int | None = event.recording.file_size
        print(size, event.delivery_id, event.webhook_id)
        return event.recording
    return None


async def on_event(event: WebhookEvent) -> None:
    print(event.event == WebhookEventName.RECORDING_STATUS_UPDATE)


async def app() -> web.Application:
    watcher = WebhookWatcher(queue_size=8)
    keys = WebhookKeyCache(refetch_interval=120)
    receiver = WebhookReceiver(
        on_event, public_key=keys, store=MemoryDeliveryStore(), watcher=watcher
    )
    application = web.Application()
    application.router.add_post("/webhooks", receiver.handle)
    recording: Recording | None = await watcher.wait("r", [RecordingStatus.UPLOADED], timeout=60)
    print(recording)
    subscription: Subscription[RecordingStatusUpdate] = watcher.subscribe("r")
    async with subscription as events:
        async for update in events:
            print(update.recording.status)
    return application


def registration(webhook: Webhook) -> tuple[str, bool]:
    names: tuple[WebhookEventName | str, ...] = webhook.events
    print(names)
    return webhook.url, webhook.enabled
