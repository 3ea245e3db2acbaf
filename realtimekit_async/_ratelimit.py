"""A request budget shared by every task (and optionally every session) that uses it.

:class:`RateLimiter` is a token bucket that is not bound to an event loop when it is made, so a
bot can build one at import time and share it between sessions. It also slows down when the
server says so: a ``Retry-After`` or an exhausted ``Ratelimit`` header pauses every user of the
limiter until that moment, not only the task that got the answer.

Anything with the two methods of :class:`Limiter` can take its place, for instance a limiter
backed by Redis that several worker processes share.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol, runtime_checkable

__all__ = ["Forecasting", "Limiter", "RateLimiter"]

_TOLERANCE = 1e-9
# ASCII digits only, and few of them: int() of a 5,000-digit value raises ValueError, and no
# budget or reset time needs more than 9 digits (t=999999999 is 31 years). Longer values do not
# match and are ignored like any other malformed header.
_RATELIMIT_HEADER = re.compile(
    r"\br\s*=\s*([0-9]{1,9})\s*;\s*t\s*=\s*([0-9]{1,9})(?![0-9])", re.ASCII
)


@runtime_checkable
class Forecasting(Protocol):
    """A limiter that can tell how long a caller would wait (:class:`RateLimiter` can)."""

    def delay(self) -> float:
        """Seconds until one more request could go."""
        ...


@runtime_checkable
class Limiter(Protocol):
    """What a session needs of a rate limiter."""

    async def acquire(self) -> None:
        """Wait until one more request may be sent, and count it."""
        ...

    def hold_off(self, seconds: float) -> None:
        """Let no request through for *seconds* from now (the server asked us to wait)."""
        ...

    def observe(self, headers: Mapping[str, str]) -> None:
        """Look at a response's headers (``Ratelimit``) to adjust the pace."""
        ...


class RateLimiter:
    """A token bucket of *requests* per *period* seconds, refilled continuously.

    Args:
        requests: how many requests the budget allows per period (also the burst size).
        period: the period in seconds.
        clock: a monotonic clock in seconds (tests pass a fake one).
        sleep: how to wait (tests pass a fake one).

    Use one of the presets for the documented limits::

        limiter = RateLimiter.recordings()        # 1,000 requests / 50 s
        async with RealtimeKitSession(..., rate_limiter=limiter) as rtk: ...
    """

    def __init__(
        self,
        requests: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if requests < 1 or period <= 0:
            msg = f"a rate limit needs requests >= 1 and period > 0, got {requests}/{period}"
            raise ValueError(msg)
        self.requests = requests
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(requests)
        self._updated = clock()
        self._paused_until = 0.0
        self._lock: asyncio.Lock | None = None

    @classmethod
    def recordings(cls) -> RateLimiter:
        """The documented limit of the recording APIs: 1,000 requests per 50 seconds."""
        return cls(1_000, 50.0)

    @classmethod
    def realtimekit(cls) -> RateLimiter:
        """The documented limit of all RealtimeKit APIs: 3,500 requests per 5 minutes."""
        return cls(3_500, 300.0)

    def __repr__(self) -> str:
        return f"RateLimiter({self.requests}, {self.period})"

    def _refill(self, now: float) -> None:
        rate = self.requests / self.period
        self._tokens = min(float(self.requests), self._tokens + (now - self._updated) * rate)
        self._updated = now

    async def acquire(self) -> None:
        """Wait until a request may be sent, then take one token."""
        # Created lazily: a limiter made outside a running loop must work inside any loop.
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                pause = self._paused_until - now
                # The tolerance absorbs float rounding: a bucket refilled to 0.9999999999 is full.
                if pause <= 0 and self._tokens >= 1 - _TOLERANCE:
                    self._tokens -= 1
                    return
                await self._sleep(max(pause, (1 - self._tokens) * self.period / self.requests))

    def delay(self) -> float:
        """Seconds until :meth:`acquire` would let one more request through (0: at once).

        A forecast for a caller with a deadline: tasks already queued on the limiter can make
        the real wait longer, never shorter.
        """
        now = self._clock()
        self._refill(now)
        shortfall = max(0.0, 1 - _TOLERANCE - self._tokens)
        return max(self._paused_until - now, shortfall * self.period / self.requests, 0.0)

    def hold_off(self, seconds: float) -> None:
        """Send nothing for *seconds*; the longest pause asked for wins."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Pause when a ``Ratelimit: …;r=0;t=N`` header says the server-side budget is spent."""
        value = headers.get("ratelimit")
        match = _RATELIMIT_HEADER.search(value) if value else None
        if match and int(match.group(1)) == 0:
            self.hold_off(float(match.group(2)))
