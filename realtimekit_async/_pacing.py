"""Pacing by the server's own word: the budget announced in ``Ratelimit`` headers.

Cloudflare keeps a request budget per token in fixed windows and says how much is left on every
answer: ``Ratelimit: "default";r=50;t=30`` (50 requests left, the window resets in 30 s) and
``Ratelimit-Policy: "default";q=1000;w=50`` (1,000 requests per 50 s). Going over it blocks
*every* call of the token for minutes, so a batch job that trips it takes down the live service
that shares the token. :class:`Pacer` spends the budget and never more:

* each send takes one request from what is left; requests in flight count as spent, since the
  server may not have counted them yet when it answered another one;
* each answer's ``r`` (minus what is still in flight) replaces the estimate, but within one
  window only ever lowers it: a late answer must not give back budget already spent;
* when nothing is left, sends wait for the reset (``t``), then go on with the policy's quota (or,
  not knowing it, one request at a time until an answer says how much is left);
* a ``Retry-After`` pauses everyone; a 429 that arrives although the budget was known is logged at
  WARNING with the header values that misled us;
* a server that sends no such header is not slowed down at all.

The pure part, :class:`Budget`, is a frozen value with transition functions, tested without a
loop; :class:`Pacer` adds waiting and is shared by all sessions of a process that use the same
token and API root (:func:`shared_pacer`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Final

import attrs

__all__ = [
    "Budget",
    "Pacer",
    "RateLimitState",
    "observed_state",
    "parse_policy",
    "parse_ratelimit",
    "shared_pacer",
]

logger = logging.getLogger("realtimekit_async")

# Few ASCII digits: no budget or reset needs more than 9, and int() of thousands raises.
_NUMBER = r"([0-9]{1,9})(?![0-9])"
_REMAINING: Final = re.compile(rf"(?:^|[;,\s])r\s*=\s*{_NUMBER}", re.ASCII)
_RESET: Final = re.compile(rf"(?:^|[;,\s])t\s*=\s*{_NUMBER}", re.ASCII)
_QUOTA: Final = re.compile(rf"(?:^|[;,\s])q\s*=\s*{_NUMBER}", re.ASCII)
_WINDOW: Final = re.compile(rf"(?:^|[;,\s])w\s*=\s*{_NUMBER}", re.ASCII)
#: Longer headers are not budget headers: they are not parsed at all.
_MAX_HEADER: Final = 256
#: A reset that moves later by more than this starts a new window (``t`` is whole seconds).
_NEW_WINDOW_SLACK: Final = 1.5
#: Sent a moment after the announced reset rather than exactly on it.
_RESET_MARGIN: Final = 0.05


def _field(pattern: re.Pattern[str], value: str) -> int | None:
    match = pattern.search(value)
    return int(match.group(1)) if match else None


def parse_ratelimit(value: str | None) -> tuple[int, int] | None:
    """``(remaining, seconds_to_reset)`` from a ``Ratelimit`` header, if it has both."""
    if not value or len(value) > _MAX_HEADER:
        return None
    remaining, reset = _field(_REMAINING, value), _field(_RESET, value)
    return None if remaining is None or reset is None else (remaining, reset)


def parse_policy(value: str | None) -> tuple[int, int] | None:
    """``(quota, window_seconds)`` from a ``Ratelimit-Policy`` header, if it has both."""
    if not value or len(value) > _MAX_HEADER:
        return None
    quota, window = _field(_QUOTA, value), _field(_WINDOW, value)
    if quota is None or not window:
        return None
    return quota, window


@attrs.frozen
class RateLimitState:
    """The request budget as the server last announced it (``RealtimeKitSession.rate_limit``).

    Attributes:
        remaining: requests left in the current window, as last seen.
        reset_in: seconds from *observed_at* until the window resets.
        quota: requests per window, from ``Ratelimit-Policy`` (``None`` if not sent).
        window: the window's length in seconds (``None`` if not sent).
        observed_at: when the answer that said so arrived (``time.time()`` seconds).
    """

    remaining: int
    reset_in: float
    quota: int | None = None
    window: float | None = None
    observed_at: float = 0.0


def observed_state(
    headers: Mapping[str, str], previous: RateLimitState | None
) -> RateLimitState | None:
    """The announced budget after an answer with *headers* (the previous one if it says none)."""
    ratelimit = parse_ratelimit(headers.get("ratelimit"))
    if ratelimit is None:
        return previous
    policy = parse_policy(headers.get("ratelimit-policy"))
    if policy is None and previous is not None and previous.quota is not None:
        policy = (previous.quota, int(previous.window or 0))
    return RateLimitState(
        remaining=ratelimit[0],
        reset_in=float(ratelimit[1]),
        quota=None if policy is None else policy[0],
        window=None if policy is None else float(policy[1]),
        observed_at=time.time(),
    )


@attrs.frozen
class Budget:
    """What a client may still send: a pure value, changed only by the methods below.

    Attributes:
        left: requests that may still be sent in this window (``None``: no budget known).
        reset_at: when the window resets, on the pacer's clock.
        in_flight: requests sent and not answered yet.
        quota: requests per window, when the policy said.
        paused_until: nothing is sent before this moment (``Retry-After``).
        announced: whether the server announces a budget (``None``: no answer yet, so one
            request at a time until the first answer tells).
        renewed: *reset_at* passed and sends went on in the new window, whose end no answer
            has told yet.
    """

    left: int | None = None
    reset_at: float = 0.0
    in_flight: int = 0
    quota: int | None = None
    paused_until: float = 0.0
    announced: bool | None = None
    renewed: bool = False

    def _renews(self, now: float) -> bool:
        return not self.renewed and now >= self.reset_at

    def wait(self, now: float) -> float | None:
        """Seconds to wait before one more request may go (0: now; ``None``: until an answer).

        ``None`` happens before the first answer (which tells whether there is a budget at
        all), and when the budget is spent in a window whose end no answer has told yet.
        """
        pause = max(self.paused_until - now, 0.0)
        if self.announced is None:
            # Before the first answer nobody knows the budget: a burst could already exceed it.
            return pause if self.in_flight == 0 else None
        if self.left is None:
            return pause
        if self._renews(now):
            # A new window: the quota is back, or one probe at a time when it is unknown.
            room = (self.quota if self.quota is not None else 1) - self.in_flight
            return pause if room >= 1 else None
        if self.left >= 1:
            return pause
        if self.renewed:
            return None
        return max(pause, self.reset_at - now)

    def take(self, now: float) -> Budget:
        """The budget after one request was sent at *now* (call only when :meth:`wait` is 0)."""
        if self.left is not None and self._renews(now):
            room = (self.quota if self.quota is not None else 1) - self.in_flight
            return attrs.evolve(self, left=room - 1, in_flight=self.in_flight + 1, renewed=True)
        left = None if self.left is None else self.left - 1
        return attrs.evolve(self, left=left, in_flight=self.in_flight + 1)

    def answered(
        self,
        now: float,
        ratelimit: tuple[int, int] | None,
        policy: tuple[int, int] | None,
        *,
        reached: bool = True,
    ) -> Budget:
        """The budget after the answer to one request in flight.

        *reached* is ``False`` for a failure without any answer, which says nothing about
        whether the server announces a budget.
        """
        in_flight = max(0, self.in_flight - 1)
        quota = policy[0] if policy is not None else self.quota
        if ratelimit is None:
            # An answer without the header: a server that announces nothing is not paced.
            announced = bool(self.announced) if reached else self.announced
            return attrs.evolve(self, in_flight=in_flight, quota=quota, announced=announced)
        remaining, reset = ratelimit
        # Requests still in flight may not be counted in r yet: count them as spent.
        estimate = max(0, remaining - in_flight)
        # t is taken as rounded up, like Cloudflare's Retry-After: every now + t is a moment at
        # or after the reset, and the earliest of them within a window is the closest.
        reset_at = now + reset + _RESET_MARGIN
        left = estimate
        renewed = False
        if self.left is not None and reset_at <= self.reset_at + _NEW_WINDOW_SLACK:
            if self.renewed:
                # A late answer from the window that ended: it says nothing of the new one.
                left, reset_at, renewed = self.left, self.reset_at, True
            else:
                # The same window: answers only ever lower what is left (a late one must not
                # give back what later sends already spent).
                left, reset_at = min(self.left, estimate), min(self.reset_at, reset_at)
        return attrs.evolve(
            self,
            left=left,
            reset_at=reset_at,
            in_flight=in_flight,
            quota=quota,
            announced=True,
            renewed=renewed,
        )

    def pause(self, now: float, seconds: float) -> Budget:
        """Send nothing for *seconds* from *now* (the longest pause asked for wins)."""
        return attrs.evolve(self, paused_until=max(self.paused_until, now + seconds))


class Pacer:
    """A :class:`~realtimekit_async.Limiter` that spends the budget the server announces.

    Made for every session by default (shared per token and API root, see
    :func:`shared_pacer`); pass ``rate_limiter=None`` to a session to switch pacing off, or a
    limiter of your own to replace it.

    Args:
        clock: a monotonic clock in seconds (tests pass a fake one).
        sleep: how to wait (tests pass a fake one).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._budget = Budget()
        self._answered: asyncio.Event | None = None
        #: The budget as the server last announced it.
        self.state: RateLimitState | None = None

    def __repr__(self) -> str:
        return f"Pacer({self._budget!r})"

    @property
    def budget(self) -> Budget:
        """The budget as this pacer currently sees it."""
        return self._budget

    def delay(self) -> float:
        """Seconds until :meth:`acquire` would let one more request through (a forecast)."""
        wait = self._budget.wait(self._clock())
        return 0.0 if wait is None else wait

    async def acquire(self) -> None:
        """Wait until the budget allows one more request, then count it as in flight."""
        while True:
            now = self._clock()
            wait = self._budget.wait(now)
            if wait == 0:
                self._budget = self._budget.take(now)
                return
            if wait is None:
                # Created lazily: a pacer made outside a running loop works inside any loop.
                if self._answered is None:
                    self._answered = asyncio.Event()
                self._answered.clear()
                await self._answered.wait()
            else:
                await self._sleep(wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from one answer (or failure: empty headers) of a request in flight."""
        ratelimit = parse_ratelimit(headers.get("ratelimit"))
        policy = parse_policy(headers.get("ratelimit-policy"))
        now = self._clock()
        self._budget = self._budget.answered(now, ratelimit, policy, reached=bool(headers))
        self.state = observed_state(headers, self.state)
        if self._answered is not None:
            self._answered.set()

    def hold_off(self, seconds: float) -> None:
        """Send nothing for *seconds*: the server answered 429 with ``Retry-After``."""
        if self.state is not None:
            # Under pacing a 429 is a bug: say which announced budget it followed.
            logger.warning(
                "HTTP 429 although pacing by the announced budget (last seen: r=%d, t=%g s, "
                "q=%s, w=%s); pausing %g s",
                self.state.remaining,
                self.state.reset_in,
                self.state.quota,
                self.state.window,
                seconds,
            )
        self._budget = self._budget.pause(self._clock(), seconds)


_shared: weakref.WeakValueDictionary[str, Pacer] = weakref.WeakValueDictionary()


def shared_pacer(api_token: str, base_url: str) -> Pacer:
    """The pacer of every session in this process that uses *api_token* against *base_url*.

    The budget is per token, so sessions that share one must share what they learn. Keyed by a
    hash, so the token is not kept in a table; dropped when the last session goes.
    """
    key = hashlib.sha256(f"{base_url}\0{api_token}".encode()).hexdigest()
    pacer = _shared.get(key)
    if pacer is None:
        pacer = _shared[key] = Pacer()
    return pacer
