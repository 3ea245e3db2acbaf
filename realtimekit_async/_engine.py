"""One call, start to end: rate limiter → send → read → retry, reconcile or raise.

The engine knows nothing of aiohttp. It sends through a :class:`Send` function (the transport's
``send`` is one; tests script answers as plain values), reads each answer with a pure reader from
:mod:`._protocol`, and asks the retry policy (pure, :mod:`._retry`) what a failure allows. Time,
randomness and sleeping are injected, so every retry, reconcile and deadline rule can be tested
exactly, without sockets.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Protocol, TypeVar

from ._errors import (
    APIError,
    OutcomeUnknownError,
    RateLimitedError,
    RealtimeKitError,
    RequestTimeoutError,
    ResponseParseError,
    SessionClosedError,
    TransportError,
    request_context,
)
from ._events import (
    CallEvent,
    Hook,
    RateLimitWait,
    Reconciling,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
    emit,
    log_event,
)
from ._pacing import RateLimitState, observed_state
from ._protocol import Request, Response
from ._ratelimit import Forecasting, Limiter
from ._retry import Failure, RetryPolicy, Safety, Verdict, classify
from ._tracing import NO_TRACING, Tracing

__all__ = ["Engine", "Reader", "Reconcile", "Send"]

T = TypeVar("T")

#: Reads one answer into a result, or raises the matching error (see :mod:`._protocol`).
Reader = Callable[[Request, Response, dt.datetime], T]
#: After an ambiguous write: the server's state if the write happened, else ``None``.
Reconcile = Callable[[float | None], Awaitable[T | None]]


class Send(Protocol):
    """Sends one request and reads its whole answer; raises only :class:`TransportError`."""

    def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        timeout: float | None = None,
    ) -> Awaitable[Response]:
        """Send *method* *url* within *timeout* seconds and return the answer."""
        ...


class Engine:
    """Runs calls for one session: its sender, headers, policy, limiter and clock.

    Args:
        send: how one request goes out (the transport's ``send``).
        base_url: the API root the requests' paths are appended to.
        headers: headers of every request (built by the protocol).
        retry: when and how to try again.
        limiter: the request budget to wait for before each attempt, if any.
        secrets: strings scrubbed from every error message (the token).
        hooks: subscribers to the events of every call (logging is always one of them).
        tracing: opens a span per call (see :mod:`realtimekit_async.otel`).
        closed: tells whether the session was closed, to end calls in flight clearly.
        sleep: waits between attempts.
        clock: a monotonic clock in seconds.
        rand: uniform random numbers in [0, 1) for jitter.
    """

    def __init__(
        self,
        send: Send,
        *,
        base_url: str,
        headers: Mapping[str, str],
        retry: RetryPolicy,
        limiter: Limiter | None = None,
        secrets: tuple[str, ...] = (),
        hooks: Iterable[Hook] = (),
        tracing: Tracing = NO_TRACING,
        closed: Callable[[], bool] = lambda: False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._send = send
        self._base_url = base_url
        self._headers = headers
        self.retry = retry
        self.limiter = limiter
        self._secrets = secrets
        self._hooks: tuple[Hook, ...] = (log_event, *hooks)
        self._tracing = tracing
        #: The request budget as the server last announced it, if it did.
        self.rate_limit: RateLimitState | None = None
        self._closed = closed
        self._sleep = sleep
        self._clock = clock
        self._rand = rand

    def emit(self, event: CallEvent) -> None:
        """Give *event* to the hooks (for steps outside one call, such as a page of a scan)."""
        emit(self._hooks, event)

    def _check_open(self) -> None:
        if self._closed():
            msg = "this RealtimeKitSession is closed; make a new one"
            raise SessionClosedError(msg)

    async def call(
        self,
        request: Request,
        read: Reader[T],
        safety: Safety,
        deadline: float | None,
        *,
        reconcile: Reconcile[T] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Run *request* until it succeeds, or the policy says to stop; return what *read* made.

        Args:
            request: the request to send.
            read: turns the answer into the result, or raises.
            safety: how safe *request* is to send again.
            deadline: seconds the whole call may take, every wait included (``None``: no limit).
            reconcile: for ``Safety.RECONCILE``, reads the server's state after an ambiguous
                failure.
            headers: extra headers of this call (checked by the caller), over the defaults.
        """
        sent = {**self._headers, **(headers or {})}
        with (
            request_context(method=request.method, path=request.path, secrets=self._secrets),
            self._tracing.call(request.operation.value, request.method, request.path) as trace,
        ):
            # The trace context (traceparent) goes out with every attempt of the call.
            trace.inject(sent)
            hooks = (*self._hooks, trace.event)
            return await self._call(request, read, safety, deadline, reconcile, sent, hooks)

    async def _call(
        self,
        request: Request,
        read: Reader[T],
        safety: Safety,
        deadline: float | None,
        reconcile: Reconcile[T] | None,
        headers: Mapping[str, str],
        hooks: tuple[Hook, ...],
    ) -> T:
        started = self._clock()

        def remaining() -> float | None:
            return None if deadline is None else deadline - (self._clock() - started)

        attempt = 0
        while True:
            attempt += 1
            self._check_open()  # aclose() may have come while we slept before a retry
            left = remaining()
            if left is not None and left <= 0:
                msg = (
                    f"the call ran out of its {deadline:g} s deadline after {attempt - 1} attempts"
                )
                raise RequestTimeoutError(msg)
            if self.limiter is not None:
                await self._wait_for_limiter(self.limiter, request, left, hooks)
            try:
                return await self._attempt(request, read, attempt, remaining(), headers, hooks)
            except (TransportError, APIError, ResponseParseError) as exc:
                if self._closed():
                    msg = "this RealtimeKitSession was closed while the call was in flight"
                    raise SessionClosedError(msg) from exc
                error: TransportError | APIError | ResponseParseError = exc
            failure, status, retry_after = classify(error)
            if retry_after is not None and self.limiter is not None:
                self.limiter.hold_off(retry_after)
            decision = self.retry.decide(
                failure=failure,
                safety=safety,
                attempt=attempt,
                remaining=remaining(),
                status=status,
                retry_after=retry_after,
                rand=self._rand(),
            )
            if decision.verdict is Verdict.RECONCILE:
                assert reconcile is not None, "RECONCILE operations pass a reconcile function"
                settled = await self._reconcile(request, error, reconcile, remaining(), hooks)
                if settled is not None:
                    return settled
                # The write did not happen: sending it again is as safe as a first attempt.
                decision = self.retry.decide(
                    failure=Failure.NOT_SENT,
                    safety=safety,
                    attempt=attempt,
                    remaining=remaining(),
                    rand=self._rand(),
                )
            if decision.verdict is Verdict.UNKNOWN_OUTCOME:
                msg = (
                    f"{request.operation.value} may or may not have taken effect ({error}); "
                    "sending it again could do it twice, so check the server's state first"
                )
                raise OutcomeUnknownError(msg) from error
            if decision.verdict is Verdict.RAISE:
                raise error
            retry = RetryScheduled(
                request.operation.value,
                request.method,
                request.path,
                attempt,
                str(error),
                decision.delay,
            )
            emit(hooks, retry)
            await self._sleep(decision.delay)

    async def _wait_for_limiter(
        self,
        limiter: Limiter,
        request: Request,
        timeout: float | None,
        hooks: tuple[Hook, ...],
    ) -> None:
        """Take a token from the rate limiter, within what is left of the call's deadline."""
        # Nothing is sent while waiting, so a pause that cannot fit is refused at once rather
        # than slept out: the caller learns how long the budget is spent for.
        pause = limiter.delay() if isinstance(limiter, Forecasting) else 0.0
        if timeout is not None and timeout < self.retry.max_pause:
            cap, room = timeout, f"the {timeout:.3g} s left of the call's deadline"
        else:
            cap = self.retry.max_pause
            room = f"the retry policy's max_pause ({cap:g} s)"
        if pause > cap:
            msg = f"the rate limiter holds requests for {pause:.3g} s, longer than {room}"
            raise RateLimitedError(msg, retry_after=pause, status=429)
        if pause > 0:
            wait = RateLimitWait(request.operation.value, request.method, request.path, pause)
            emit(hooks, wait)
        try:
            async with asyncio.timeout(timeout):
                await limiter.acquire()
        except TimeoutError:
            # Nothing was sent, so this is not a failure to retry: the budget is spent.
            msg = "the call's deadline ran out while waiting for the rate limiter"
            raise RequestTimeoutError(msg) from None

    async def _attempt(
        self,
        request: Request,
        read: Reader[T],
        attempt: int,
        timeout: float | None,
        headers: Mapping[str, str],
        hooks: tuple[Hook, ...],
    ) -> T:
        """Send *request* once and read the answer; every attempt is an event (and a log line)."""
        operation = request.operation.value
        emit(hooks, RequestSent(operation, request.method, request.path, attempt))
        sent_at = self._clock()
        status: int | None = None
        answer_headers: Mapping[str, str] = {}
        error: str | None = None
        try:
            # Scrubbed here already, so that the retry log line below never shows the token.
            with request_context(method=request.method, path=request.path, secrets=self._secrets):
                response = await self._send(
                    request.method,
                    request.url(self._base_url),
                    headers=headers,
                    body=request.body,
                    timeout=timeout,
                )
                status, answer_headers = response.status, response.headers
                return read(request, response, dt.datetime.now(dt.UTC))
        except RealtimeKitError as exc:
            error = type(exc).__name__
            raise
        finally:
            # Every attempt that took from the budget gives its answer back, even a failure
            # without headers: a pacer counts it as no longer in flight.
            if self.limiter is not None:
                self.limiter.observe(answer_headers)
            self.rate_limit = observed_state(answer_headers, self.rate_limit)
            answer = ResponseReceived(
                operation,
                request.method,
                request.path,
                attempt,
                status,
                self._clock() - sent_at,
                answer_headers.get("cf-ray"),
                answer_headers,
                error,
            )
            emit(hooks, answer)

    async def _reconcile(
        self,
        request: Request,
        error: RealtimeKitError,
        reconcile: Reconcile[T],
        remaining: float | None,
        hooks: tuple[Hook, ...],
    ) -> T | None:
        """Read the server's state after an ambiguous write; ``None`` if the write did not land."""
        operation = request.operation.value
        emit(hooks, Reconciling(operation, request.method, request.path, str(error)))
        try:
            return await reconcile(remaining)
        except RealtimeKitError as exc:
            msg = (
                f"{request.operation.value} may or may not have taken effect: it failed "
                f"({error}) and reading the server's state failed too ({exc})"
            )
            raise OutcomeUnknownError(msg) from error
