"""Fan verified events out to whoever waits for them: pure asyncio, no HTTP.

A receiver publishes each event; code that waits for a recording subscribes to its id (or to
everything) and reads events from a bounded queue, or simply awaits :meth:`WebhookWatcher.wait`.
Deliveries can be lost or arrive out of order, so a waiter should fall back to polling when
nothing arrives for a while; :meth:`Subscription.get` with a timeout is made for that loop.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable
from types import TracebackType
from typing import Final, Generic, TypeVar, cast

from realtimekit_async._models import Recording, RecordingStatus

from ._events import RecordingStatusUpdate, WebhookEvent

__all__ = ["Subscription", "WebhookWatcher"]

E = TypeVar("E", bound=WebhookEvent)

_ALL: Final = ""  # the subscription key of subscribe_all(); recording ids are never empty


class Subscription(Generic[E]):
    """Events for one subscriber, in arrival order, from a bounded queue.

    When the subscriber falls behind by more than the queue holds, the oldest events are
    dropped (counted in :attr:`dropped`): a newer status says more than an older one. Use it
    as a (async) context manager or call :meth:`close`, so the watcher forgets it.
    """

    def __init__(self, watcher: WebhookWatcher, key: str, size: int) -> None:
        self._watcher = watcher
        #: The recording id subscribed to ("" for everything).
        self.key = key
        self._queue: asyncio.Queue[E] = asyncio.Queue(size)
        #: Events dropped because the queue was full.
        self.dropped = 0
        self.closed = False

    def push(self, event: E) -> None:
        """Queue *event* (the watcher calls this), dropping the oldest when full."""
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait(event)

    async def get(self, timeout: float | None = None) -> E | None:
        """The next event, or ``None`` if none arrives within *timeout* seconds."""
        try:
            async with asyncio.timeout(timeout):
                return await self._queue.get()
        except TimeoutError:
            return None

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        if not self.closed:
            self.closed = True
            self._watcher.unsubscribe(self)

    def __aiter__(self) -> Subscription[E]:
        return self

    async def __anext__(self) -> E:
        event = await self.get()
        assert event is not None  # without a timeout, get() waits for one
        return event

    def __enter__(self) -> Subscription[E]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Subscription[E]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType
    ) -> None:
        self.close()


class WebhookWatcher:
    """Where a receiver publishes events and waiters subscribe to them.

    It also remembers the latest recording seen per id (the *remember* most recent ids), so a
    waiter that subscribes just after the event it needs still sees it. A final status
    (``UPLOADED``, ``ERRORED``) is not replaced by a late, out-of-order earlier one.

    Args:
        queue_size: events each subscription buffers before dropping its oldest.
        remember: recordings whose latest status is kept.
    """

    def __init__(self, *, queue_size: int = 16, remember: int = 1024) -> None:
        if queue_size < 1 or remember < 1:
            msg = "queue_size and remember must be at least 1"
            raise ValueError(msg)
        self.queue_size = queue_size
        self.remember = remember
        self._subscriptions: dict[str, set[Subscription[WebhookEvent]]] = {}
        self._latest: OrderedDict[str, Recording] = OrderedDict()

    @property
    def subscriber_count(self) -> int:
        """Open subscriptions (to check that waiters clean up)."""
        return sum(len(subs) for subs in self._subscriptions.values())

    def publish(self, event: WebhookEvent) -> None:
        """Hand *event* to every subscriber of its recording and to those of everything."""
        targets = set(self._subscriptions.get(_ALL, ()))
        if isinstance(event, RecordingStatusUpdate):
            recording = event.recording
            self._remember(recording)
            targets |= self._subscriptions.get(recording.id, set())
        for subscription in targets:
            subscription.push(event)

    def _remember(self, recording: Recording) -> None:
        known = self._latest.get(recording.id)
        if known is not None and _is_final(known.status) and not _is_final(recording.status):
            return
        self._latest[recording.id] = recording
        self._latest.move_to_end(recording.id)
        if len(self._latest) > self.remember:
            self._latest.popitem(last=False)

    def latest(self, recording_id: str) -> Recording | None:
        """The latest recording an event brought for *recording_id*, if one did."""
        return self._latest.get(recording_id)

    def subscribe(self, recording_id: str) -> Subscription[RecordingStatusUpdate]:
        """Receive the ``recording.statusUpdate`` events of one recording."""
        given = cast("object", recording_id)
        if not isinstance(given, str) or not given:
            msg = f"recording_id must be a non-empty string, got {recording_id!r}"
            raise ValueError(msg)
        return self._add(Subscription[RecordingStatusUpdate](self, recording_id, self.queue_size))

    def subscribe_all(self) -> Subscription[WebhookEvent]:
        """Receive every event published."""
        return self._add(Subscription[WebhookEvent](self, _ALL, self.queue_size))

    def _add(self, subscription: Subscription[E]) -> Subscription[E]:
        key = subscription.key
        self._subscriptions.setdefault(key, set()).add(subscription)  # type: ignore[arg-type]
        return subscription

    def unsubscribe(self, subscription: Subscription[E]) -> None:
        """Forget *subscription* (what :meth:`Subscription.close` calls)."""
        key = subscription.key
        subs = self._subscriptions.get(key, set())
        subs.discard(subscription)
        if not subs:
            self._subscriptions.pop(key, None)

    async def wait(
        self,
        recording_id: str,
        statuses: RecordingStatus | str | Iterable[RecordingStatus | str],
        *,
        timeout: float | None,
    ) -> Recording | None:
        """The recording once an event shows it in one of *statuses*; ``None`` after *timeout*.

        Returns at once if the latest event seen already matches. ``None`` means no matching
        event arrived in time, not that the recording is not there yet: poll then.
        """
        wanted = {str(s) for s in ([statuses] if isinstance(statuses, str) else statuses)}
        if not wanted:
            msg = "statuses must name at least one status"
            raise ValueError(msg)
        # Subscribe before looking at the latest, so an event between the two is not missed.
        with self.subscribe(recording_id) as subscription:
            known = self.latest(recording_id)
            if known is not None and str(known.status) in wanted:
                return known
            try:
                async with asyncio.timeout(timeout):
                    async for event in subscription:
                        if str(event.recording.status) in wanted:
                            return event.recording
            except TimeoutError:
                pass
        return None


def _is_final(status: RecordingStatus | str) -> bool:
    return status in (RecordingStatus.UPLOADED, RecordingStatus.ERRORED)
