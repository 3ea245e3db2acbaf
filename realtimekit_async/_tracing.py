"""The seam for tracing: one span-like object per call, fed with the call's events.

The engine opens :meth:`Tracing.call` around each call, lets the trace add its context to the
request headers (``traceparent``) and hands it every event of the call. :data:`NO_TRACING` does
nothing and costs one context manager per call; :mod:`realtimekit_async.otel` implements it with
OpenTelemetry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import Final, Protocol

from ._events import CallEvent

__all__ = ["NO_TRACING", "CallTrace", "Tracing"]


class CallTrace(Protocol):
    """The trace of one call."""

    def inject(self, headers: dict[str, str]) -> None:
        """Add the trace context to the request *headers*."""
        ...

    def event(self, event: CallEvent) -> None:
        """Record one step of the call."""
        ...


class Tracing(Protocol):
    """Opens one trace per call."""

    def call(
        self, operation: str, method: str, path: str
    ) -> contextlib.AbstractContextManager[CallTrace]:
        """A context manager around the whole call, attempts and waits included."""
        ...


class _NoTrace:
    def inject(self, headers: dict[str, str]) -> None:
        pass

    def event(self, event: CallEvent) -> None:
        pass


class _NoTracing:
    @contextlib.contextmanager
    def call(self, operation: str, method: str, path: str) -> Generator[CallTrace]:
        yield _NO_TRACE


_NO_TRACE: Final = _NoTrace()
#: Tracing that does nothing: the default.
NO_TRACING: Final[Tracing] = _NoTracing()
