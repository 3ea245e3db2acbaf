"""When to try a call again, and after how long: policy as data, decisions as pure functions.

Nothing here sleeps or sends. The session reports what went wrong and applies the
:class:`Decision` it gets back, so every rule can be tested with plain values.

What a failure allows depends on the operation:

* reads (list, get, active) are safe to send again after anything transient;
* writes whose effect can be checked (``start_recording`` without ``allow_multiple_recordings``,
  pause/resume/stop) are *reconciled* after an ambiguous failure: the session reads the server's
  state instead of sending the write again blindly;
* writes whose effect cannot be told apart (track recordings, ``allow_multiple_recordings``)
  are only re-sent when the request provably never left; otherwise the outcome is unknown.

A 4xx other than 429 (409 included) is an answer, never retried.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Final

import attrs

from ._config import check_seconds, check_timeout
from ._errors import (
    APIError,
    ConnectError,
    RateLimitedError,
    ResponseParseError,
    TransportError,
)

__all__ = ["Decision", "Failure", "RetryPolicy", "Safety", "Verdict", "classify"]

DEFAULT_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})


class Safety(enum.Enum):
    """How safe it is to send an operation again."""

    IDEMPOTENT = "idempotent"
    RECONCILE = "reconcile"
    UNSAFE = "unsafe"


class Failure(enum.Enum):
    """What went wrong with one attempt, as far as retrying cares."""

    NOT_SENT = "not sent"
    """The connection failed before the request left: nothing happened on the server."""
    AMBIGUOUS = "ambiguous"
    """Sent, but no usable answer came back (timeout, reset, truncated body)."""
    STATUS = "status"
    """The server answered with an error status (see ``status``)."""


class Verdict(enum.Enum):
    """What to do next."""

    RETRY = "retry"
    RECONCILE = "reconcile"
    RAISE = "raise"
    UNKNOWN_OUTCOME = "unknown outcome"


@attrs.frozen
class Decision:
    """The verdict for one failure and, for a retry, how long to wait first."""

    verdict: Verdict
    delay: float = 0.0


def _seconds(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Validate a number of seconds: finite and > 0 (``None``, no limit, for the deadline)."""
    if attribute.name == "deadline":
        check_timeout(attribute.name, value)
    else:
        check_seconds(attribute.name, value)


def _status_set(statuses: Iterable[int]) -> frozenset[int]:
    return frozenset(statuses)


@attrs.frozen
class RetryPolicy:
    """How hard a session tries before giving up; frozen, so one policy can serve many sessions.

    Args:
        attempts: sends per call at most, the first included (``1`` disables retries).
        backoff_initial: wait before the first retry, in seconds.
        backoff_max: the longest wait between two attempts (Retry-After excepted).
        backoff_multiplier: growth of the wait from one retry to the next.
        jitter: up to this fraction of each wait is randomised, so that many clients that
            failed together do not come back together.
        deadline: seconds a whole call may take, every attempt and wait included
            (``None``: no limit).
        retry_statuses: statuses worth another attempt (reads) or a reconciliation (writes).
        respect_retry_after: wait as long as a 429/503 ``Retry-After`` says, whatever its size,
            as long as it fits the deadline.
        max_pause: the longest single wait a call accepts for a ``Retry-After`` or the rate
            limiter, in seconds; a longer one raises :class:`RateLimitedError` at once instead
            of sleeping (with a deadline, what is left of it caps the wait as well).
    """

    attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    backoff_initial: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    backoff_max: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    backoff_multiplier: float = attrs.field(default=2.0, validator=attrs.validators.ge(1))
    jitter: float = attrs.field(
        default=0.5, validator=[attrs.validators.ge(0), attrs.validators.le(1)]
    )
    deadline: float | None = attrs.field(default=120.0, validator=_seconds)
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=_status_set
    )
    respect_retry_after: bool = True
    max_pause: float = attrs.field(default=300.0, validator=_seconds)

    @classmethod
    def disabled(cls, *, deadline: float | None = 120.0) -> RetryPolicy:
        """A policy that sends every request once."""
        return cls(attempts=1, deadline=deadline)

    def backoff(self, retry_number: int, rand: float) -> float:
        """The wait before retry number *retry_number* (1-based); *rand* is uniform in [0, 1)."""
        base = min(
            self.backoff_max,
            self.backoff_initial * self.backoff_multiplier ** (retry_number - 1),
        )
        return base * (1 - self.jitter * rand)

    def decide(
        self,
        *,
        failure: Failure,
        safety: Safety,
        attempt: int,
        remaining: float | None,
        status: int | None = None,
        retry_after: float | None = None,
        rand: float = 0.0,
    ) -> Decision:
        """What to do after attempt number *attempt* failed.

        Args:
            failure: what went wrong.
            safety: how safe the operation is to send again.
            attempt: how many attempts were made so far (1 after the first).
            remaining: seconds left before the call's deadline (``None``: no deadline).
            status: the HTTP status, for ``Failure.STATUS``.
            retry_after: seconds from a ``Retry-After`` header, when there was one.
            rand: a uniform random number in [0, 1) for jitter.
        """
        if failure is Failure.STATUS and status not in self.retry_statuses:
            return Decision(Verdict.RAISE)
        # A 429 or a 503 refused the request: nothing happened, so even unsafe writes may retry.
        refused = failure is Failure.NOT_SENT or status in {429, 503}
        if not refused and safety is not Safety.IDEMPOTENT:
            if safety is Safety.RECONCILE:
                return Decision(Verdict.RECONCILE)
            return Decision(Verdict.UNKNOWN_OUTCOME)
        if attempt >= self.attempts:
            return Decision(Verdict.RAISE)
        delay = self.backoff(attempt, rand)
        if retry_after is not None and self.respect_retry_after:
            delay = retry_after
        if (remaining is not None and delay > remaining) or delay > self.max_pause:
            return Decision(Verdict.RAISE, delay)
        return Decision(Verdict.RETRY, delay)


def classify(
    error: TransportError | APIError | ResponseParseError,
) -> tuple[Failure, int | None, float | None]:
    """What a failed attempt means to the policy: the failure kind, status and Retry-After."""
    if isinstance(error, ConnectError):
        return Failure.NOT_SENT, None, None
    if isinstance(error, TransportError):
        return Failure.AMBIGUOUS, None, None
    if isinstance(error, ResponseParseError):
        # JSON cut short inside a well-framed message is a truncated answer, like a reset: reads
        # go again, writes are reconciled. Any other unusable body is an answer, and its status
        # decides (a 2xx is never retried).
        if error.incomplete:
            return Failure.AMBIGUOUS, None, None
        return Failure.STATUS, error.status, None
    # success:false on a 200 carries the real status in its error code.
    status = error.code if error.status < 400 and error.code else error.status
    retry_after = error.retry_after if isinstance(error, RateLimitedError) else None
    return Failure.STATUS, status, retry_after
