"""A request budget shared by every task (and optionally every session) that uses it.

:class:`RateLimiter` is a sliding log that is not bound to an event loop when it is made, so a
bot can build one at import time and share it between sessions. Each request holds a place in
the budget from the moment it is sent until *period* seconds after its answer, so whichever
way the server cuts time into windows (Cloudflare's are fixed), no window of *period* seconds
ever sees more than *requests* of them arrive, not even across a window's edge or with
prefetched requests still in flight. It also slows down when the
server says so: a ``Retry-After`` or an exhausted ``Ratelimit`` header pauses every user of the
limiter until that moment, not only the task that got the answer.

Anything with the two methods of :class:`Limiter` can take its place, for instance a limiter
backed by Redis that several worker processes share.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import re
import time
from collections import deque
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
    """At most *requests* requests in any *period* seconds, counted from send to answer.

    Args:
        requests: how many requests the budget allows per period (also the burst size).
        period: the period in seconds.
        clock: a monotonic clock in seconds (tests pass a fake one).
        sleep: how to wait (tests pass a fake one).

    A request takes its place in :meth:`acquire` and gives it back *period* seconds after
    :meth:`observe` reports its answer (the session reports every attempt, answered or not).
    A request never reported frees its place *period* seconds after it was sent, as in a plain
    sliding window, so a caller of its own that does not report answers is not stuck.

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
        # Send times of requests not answered yet, oldest first.
        self._sent: deque[float] = deque()
        # When the places of answered requests free up, earliest first (the clock only grows).
        self._held: deque[float] = deque()
        # Requests whose place lapsed unanswered; their late answer takes a place again.
        self._lapsed = 0
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

    def _expire(self, now: float) -> int:
        """Drop the places that are free by *now*; how many are still taken."""
        while self._held and self._held[0] <= now + _TOLERANCE:
            self._held.popleft()
        while self._sent and self._sent[0] + self.period <= now + _TOLERANCE:
            self._sent.popleft()
            self._lapsed += 1
        return len(self._held) + len(self._sent)

    def _free_at(self, taken: int) -> float:
        """When enough places are free for one more request, given *taken* places now."""
        frees = heapq.merge(self._held, (sent + self.period for sent in self._sent))
        return next(itertools.islice(frees, taken - self.requests, None))

    async def acquire(self) -> None:
        """Wait until a request may be sent, then take a place in the budget for it."""
        # Created lazily: a limiter made outside a running loop must work inside any loop.
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while True:
                now = self._clock()
                taken = self._expire(now)
                pause = self._paused_until - now
                if pause <= 0 and taken < self.requests:
                    self._sent.append(now)
                    return
                wait = self._free_at(taken) - now if taken >= self.requests else 0.0
                await self._sleep(max(pause, wait))

    def delay(self) -> float:
        """Seconds until :meth:`acquire` would let one more request through (0: at once).

        A forecast for a caller with a deadline: tasks already queued on the limiter can make
        the real wait longer, never shorter; a request in flight is assumed to be answered now.
        """
        now = self._clock()
        taken = self._expire(now)
        wait = self._free_at(taken) - now if taken >= self.requests else 0.0
        return max(self._paused_until - now, wait, 0.0)

    def hold_off(self, seconds: float) -> None:
        """Send nothing for *seconds*; the longest pause asked for wins."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Count an answer (``{}`` if none came); pause when ``Ratelimit: …;r=0;t=N`` says so.

        The answered request keeps its place for *period* seconds from now: the server may
        have counted it at any moment until its answer.
        """
        now = self._clock()
        self._expire(now)
        if self._sent:
            self._sent.popleft()
            self._held.append(now + self.period)
        elif self._lapsed:
            self._lapsed -= 1
            self._held.append(now + self.period)
        value = headers.get("ratelimit")
        match = _RATELIMIT_HEADER.search(value) if value else None
        if match and int(match.group(1)) == 0:
            self.hold_off(float(match.group(2)))
