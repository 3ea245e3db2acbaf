"""Dropping repeated deliveries: RealtimeKit delivers at least once, keyed by ``rtk-uuid``.

A retried delivery (after a 5xx, a timeout, a reset) carries the same ``rtk-uuid``. The
in-memory store remembers the most recent ids for a while; several receiver processes behind
one URL share a store of their own (Redis ``SET key NX EX``, a database unique key) through the
one-method :class:`DeliveryStore` protocol.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["DeliveryStore", "MemoryDeliveryStore"]


@runtime_checkable
class DeliveryStore(Protocol):
    """Remembers delivery ids; any object with this one coroutine method is a store."""

    async def seen(self, delivery_id: str) -> bool:
        """Record *delivery_id*; return whether it had been recorded before.

        Must be atomic across the processes that share the store ("set if absent").
        """
        ...


class MemoryDeliveryStore:
    """The delivery ids of the last *ttl* seconds, at most *max_size* of them (oldest go first).

    Args:
        max_size: ids remembered at most; memory stays bounded whatever arrives.
        ttl: seconds an id is remembered (a day by default: retries come within minutes).
        clock: monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        *,
        max_size: int = 10_000,
        ttl: float = 24 * 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_size < 1 or not 0 < ttl < float("inf"):
            msg = "max_size must be at least 1 and ttl positive and finite"
            raise ValueError(msg)
        self.max_size = max_size
        self.ttl = ttl
        self._clock = clock
        self._ids: OrderedDict[str, float] = OrderedDict()

    def __len__(self) -> int:
        return len(self._ids)

    async def seen(self, delivery_id: str) -> bool:
        """Record *delivery_id*; return whether it was recorded (and not expired) before."""
        now = self._clock()
        # Entries are in insertion order, so the expired ones are at the front.
        while self._ids:
            oldest, stamp = next(iter(self._ids.items()))
            if now - stamp < self.ttl:
                break
            del self._ids[oldest]
        if delivery_id in self._ids:
            return True
        self._ids[delivery_id] = now
        if len(self._ids) > self.max_size:
            self._ids.popitem(last=False)
        return False
