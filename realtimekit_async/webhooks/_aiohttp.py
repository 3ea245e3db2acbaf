"""A ready webhook receiver for ``aiohttp.web``: verify, answer at once, work in the background.

Answers, chosen for how RealtimeKit retries (5xx and network errors only):

* ``204`` for a verified delivery (also for a duplicate, which is then skipped);
* ``401`` for a missing or wrong signature and ``400``/``413`` for a signed but unusable body:
  never retried, so a forged request is not sent again and again;
* ``503`` when the public key could not be fetched: our problem, so the sender should retry.

The user's callback runs in a task of its own after the answer is sent; its errors are
logged, never answered (the sender would only deliver again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

from realtimekit_async._errors import RealtimeKitError

from ._dedup import DeliveryStore, MemoryDeliveryStore
from ._errors import WebhookPayloadError, WebhookVerificationError
from ._events import WebhookEvent
from ._keys import WebhookKeyCache
from ._parse import MAX_BODY_SIZE
from ._signature import PublicKey
from ._watcher import WebhookWatcher

__all__ = ["WebhookReceiver"]

logger = logging.getLogger("realtimekit_async.webhooks")

_CHUNK: Final = 1 << 16


class WebhookReceiver:
    """An ``aiohttp.web`` handler for RealtimeKit deliveries.

    ``app.router.add_post("/webhooks", receiver.handle)``; on shutdown, ``await receiver.aclose()``
    lets running callbacks finish (``app.on_cleanup.append(lambda app: receiver.aclose())``).

    Args:
        on_event: ``async def on_event(event)``, run in the background for each new event.
        public_key: RealtimeKit's key (PEM), or a :class:`WebhookKeyCache` that fetches it;
            by default a cache that reads :data:`PUBLIC_KEY_ENV` or fetches the well-known URL.
        store: where delivery ids are remembered to skip duplicates (``None`` keeps none).
        watcher: a :class:`WebhookWatcher` every new event is also published to.
        max_body_size: larger bodies are answered 413 without being read further.
    """

    def __init__(
        self,
        on_event: Callable[[WebhookEvent], Awaitable[None]] | None = None,
        *,
        public_key: PublicKey | WebhookKeyCache | None = None,
        store: DeliveryStore | None = None,
        watcher: WebhookWatcher | None = None,
        max_body_size: int = MAX_BODY_SIZE,
    ) -> None:
        self.on_event = on_event
        self._owns_keys = not isinstance(public_key, WebhookKeyCache)
        self.keys = (
            public_key if isinstance(public_key, WebhookKeyCache) else WebhookKeyCache(public_key)
        )
        self.store = store if store is not None else MemoryDeliveryStore()
        self.watcher = watcher
        self.max_body_size = max_body_size
        # Strong references: the event loop keeps only weak ones to running tasks.
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Handle one delivery: the aiohttp handler to route ``POST`` requests to."""
        body = await self._read(request)
        if body is None:
            return web.Response(status=413, text="body too large")
        try:
            event = await self.keys.parse(body, request.headers, max_body_size=self.max_body_size)
        except WebhookVerificationError as exc:
            logger.warning("refused a webhook delivery: %s", exc)
            return web.Response(status=401, text="invalid signature")
        except WebhookPayloadError as exc:
            logger.warning("refused a signed webhook delivery: %s", exc)
            return web.Response(status=400, text="invalid payload")
        except RealtimeKitError as exc:
            logger.error("could not verify a webhook delivery: %s", exc)
            return web.Response(status=503, text="cannot verify now")
        if event.delivery_id is not None and await self.store.seen(event.delivery_id):
            logger.info("skipped duplicate delivery %s (%s)", event.delivery_id, event.event)
            return web.Response(status=204)
        if self.watcher is not None:
            self.watcher.publish(event)
        if self.on_event is not None:
            task = asyncio.create_task(self._run(self.on_event, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.Response(status=204)

    async def _read(self, request: web.Request) -> bytes | None:
        """The body, or ``None`` as soon as it exceeds the limit (a huge body is not buffered)."""
        if (request.content_length or 0) > self.max_body_size:
            return None
        chunks: list[bytes] = []
        size = 0
        while chunk := await request.content.read(_CHUNK):
            size += len(chunk)
            if size > self.max_body_size:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    async def _run(
        callback: Callable[[WebhookEvent], Awaitable[None]], event: WebhookEvent
    ) -> None:
        try:
            await callback(event)
        except Exception:
            logger.exception("the webhook callback failed on %s %s", event.event, event.delivery_id)

    @property
    def pending(self) -> int:
        """Callbacks still running."""
        return len(self._tasks)

    async def aclose(self, timeout: float | None = 10.0) -> None:
        """Wait up to *timeout* seconds for running callbacks, cancel the rest.

        Closes the key cache too, unless it was passed in (its owner closes it).
        """
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self._owns_keys:
            await self.keys.aclose()
