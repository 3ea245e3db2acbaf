"""What happens inside a call, as typed events for hooks, logging and tracing.

The engine emits one event per step (request sent, response received, retry scheduled,
reconcile, rate-limit wait; the pager adds page fetched). Subscribers are plain callables given to
the session as ``hooks=[...]``; the library's own log lines are one such subscriber. A hook that
raises is logged and skipped: a bug in a metrics callback must not turn a successful stop into a
failed one.

:func:`capture_responses` collects the :class:`ResponseReceived` events of the calls made inside a
``with`` block, per task (a context variable), so 100 concurrent tasks each see their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Generator, Iterable, Mapping

import attrs

__all__ = [
    "CallEvent",
    "Hook",
    "PageFetched",
    "RateLimitWait",
    "Reconciling",
    "RequestSent",
    "ResponseReceived",
    "RetryScheduled",
    "capture_responses",
    "log_event",
]

logger = logging.getLogger("realtimekit_async")


@attrs.frozen
class RequestSent:
    """One attempt of a call is about to be sent."""

    operation: str
    method: str
    path: str
    attempt: int


@attrs.frozen
class ResponseReceived:
    """An answer arrived (any status), or the attempt failed without one (``status`` is None).

    Attributes:
        status: the HTTP status, or ``None`` when no answer came (reset, timeout).
        elapsed: seconds from sending to the end of the body.
        cf_ray: the ``cf-ray`` header, to quote to Cloudflare support.
        headers: the response headers the SDK reads (lower-case names).
        error: the name of the error class when the attempt failed.
    """

    operation: str
    method: str
    path: str
    attempt: int
    status: int | None
    elapsed: float
    cf_ray: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict[str, str], repr=False)
    error: str | None = None


@attrs.frozen
class RetryScheduled:
    """An attempt failed and the call will try again after *delay* seconds."""

    operation: str
    method: str
    path: str
    attempt: int
    reason: str
    delay: float


@attrs.frozen
class Reconciling:
    """A write failed ambiguously; the server's state is read to tell whether it happened."""

    operation: str
    method: str
    path: str
    reason: str


@attrs.frozen
class RateLimitWait:
    """The call waits for the rate limiter before sending (*seconds* as forecast)."""

    operation: str
    method: str
    path: str
    seconds: float


@attrs.frozen
class PageFetched:
    """A listing page arrived."""

    page_no: int
    items: int
    total_count: int | None


CallEvent = (
    RequestSent | ResponseReceived | RetryScheduled | Reconciling | RateLimitWait | PageFetched
)
#: A subscriber: called synchronously with each event, in order.
Hook = Callable[[CallEvent], None]

_captured: contextvars.ContextVar[list[ResponseReceived] | None] = contextvars.ContextVar(
    "realtimekit_async_captured", default=None
)


@contextlib.contextmanager
def capture_responses() -> Generator[list[ResponseReceived]]:
    """Collect the responses of the calls made inside the block, in this task only.

    Yields a list that fills as calls complete; each item carries the status, ``cf-ray`` and
    headers of one attempt (retries included). Nested blocks each get their own list.
    """
    responses: list[ResponseReceived] = []
    token = _captured.set(responses)
    try:
        yield responses
    finally:
        _captured.reset(token)


def emit(hooks: Iterable[Hook], event: CallEvent) -> None:
    """Give *event* to every hook and to the current capture; a failing hook is logged."""
    if isinstance(event, ResponseReceived) and (captured := _captured.get()) is not None:
        captured.append(event)
    for hook in hooks:
        try:
            hook(event)
        except Exception:
            logger.exception("a realtimekit_async hook failed on %s", type(event).__name__)


def log_event(event: CallEvent) -> None:
    """The library's log lines, as a subscriber: DEBUG per answer, INFO per retry or reconcile."""
    if isinstance(event, ResponseReceived):
        logger.debug(
            "%s %s -> %s attempt=%d elapsed=%.1fms cf-ray=%s",
            event.method,
            event.path,
            event.status if event.status is not None else event.error,
            event.attempt,
            event.elapsed * 1000,
            event.cf_ray or "-",
        )
    elif isinstance(event, RetryScheduled):
        logger.info(
            "retrying %s %s in %.2f s (attempt %d failed: %s)",
            event.method,
            event.path,
            event.delay,
            event.attempt,
            event.reason,
        )
    elif isinstance(event, Reconciling):
        logger.info(
            "%s failed ambiguously (%s); checking the server's state", event.path, event.reason
        )
