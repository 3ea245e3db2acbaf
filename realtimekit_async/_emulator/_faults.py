"""Fault plans: which request gets which failure, explicitly or at a seeded random rate."""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable


class FaultKind(StrEnum):
    """The failures :class:`~realtimekit_async.testing.FakeRealtimeKit` can inject.

    Attributes:
        RATE_LIMIT: HTTP 429 with ``Retry-After`` and the Cloudflare v4 body, code 971.
        SERVER_ERROR: HTTP 503 (or the given status) with an HTML body, like a proxy.
        RESET: Drop the connection before handling; the request has no effect.
        LOST_RESPONSE: Handle the request (state changes!), then drop the connection.
        SLOW: Sleep ``delay`` seconds, then answer normally.
        TRUNCATED: Handle normally, but close after fewer bytes than ``Content-Length``.
        SUCCESS_FALSE: HTTP 200 with ``{"success": false, "error": {...}}``; no effect.
    """

    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    RESET = "reset"
    LOST_RESPONSE = "lost_response"
    SLOW = "slow"
    TRUNCATED = "truncated"
    SUCCESS_FALSE = "success_false"


#: Random faults default to the transient kinds that leave no trace, so a client that
#: retries them must end in the same state as without faults.
DEFAULT_RANDOM_KINDS = (FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.RESET)
#: A random SLOW fault waits this long; long enough to notice, short enough for tests.
RANDOM_SLOW_DELAY = 0.1


@dataclass(frozen=True)
class Fault:
    """One fault to apply to one request."""

    kind: FaultKind
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0


def _matches(want_method: str | None, want_path: str | None, method: str, path: str) -> bool:
    return (want_method is None or want_method == method) and (
        want_path is None or want_path in path
    )


@dataclass
class _Rule:
    fault: Fault
    method: str | None
    path: str | None
    remaining: int


@dataclass
class _RandomRule:
    rate: float
    rng: random.Random
    kinds: tuple[FaultKind, ...]
    method: str | None
    path: str | None


class FaultPlan:
    """The pending faults; explicit ones take precedence over the random rule."""

    def __init__(self) -> None:
        self._rules: list[_Rule] = []
        self._random: _RandomRule | None = None

    def add(
        self,
        kind: FaultKind | str,
        *,
        method: str | None,
        path: str | None,
        times: int,
        status: int | None,
        retry_after: str | int | None,
        delay: float,
    ) -> None:
        """Queue ``kind`` for the next ``times`` matching requests.

        Raises:
            ValueError: Unknown kind, ``times`` < 1 or a negative delay.
        """
        if times < 1 or delay < 0:
            raise ValueError("times must be >= 1 and delay >= 0")
        after = None if retry_after is None else str(retry_after)
        fault = Fault(FaultKind(kind), status, after, delay)
        self._rules.append(_Rule(fault, method, path, times))

    def set_random(
        self,
        rate: float,
        *,
        seed: int,
        kinds: Iterable[FaultKind | str] | None,
        method: str | None,
        path: str | None,
    ) -> None:
        """Fault each matching request with probability ``rate``, reproducibly for ``seed``.

        Raises:
            ValueError: ``rate`` outside [0, 1], an unknown kind or an empty kind list.
        """
        chosen = tuple(FaultKind(k) for k in (DEFAULT_RANDOM_KINDS if kinds is None else kinds))
        if not 0.0 <= rate <= 1.0 or not chosen:
            raise ValueError("rate must be within [0, 1] and kinds must not be empty")
        self._random = _RandomRule(rate, random.Random(seed), chosen, method, path)

    def clear(self) -> None:
        """Drop every pending fault, explicit and random."""
        self._rules.clear()
        self._random = None

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any, consuming one use of it."""
        for rule in self._rules:
            if _matches(rule.method, rule.path, method, path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
                return rule.fault
        chance = self._random
        if chance is None or not _matches(chance.method, chance.path, method, path):
            return None
        # Always draw twice so one request's outcome never shifts the next one's draws.
        roll, kind = chance.rng.random(), chance.rng.choice(chance.kinds)
        if roll >= chance.rate:
            return None
        # Random 429s say "retry now" so chaos tests do not sleep a second per fault.
        return Fault(kind, retry_after="0", delay=RANDOM_SLOW_DELAY)
