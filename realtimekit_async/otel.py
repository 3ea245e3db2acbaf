"""OpenTelemetry tracing for RealtimeKit calls (the ``otel`` extra: ``opentelemetry-api`` only).

Off unless you ask for it::

    from realtimekit_async.otel import OpenTelemetryTracing

    async with RealtimeKitSession.from_env(tracing=OpenTelemetryTracing()) as rtk:
        ...

Each SDK call becomes one ``CLIENT`` span named after the operation (``RealtimeKit get
recording``, never the URL, so that span names stay few), child of whatever span is current.
Attempts, retries, reconciles and rate-limit waits are span events; the span carries the method,
path, last status and ``cf-ray``; the trace context goes out with every attempt as
``traceparent`` through the globally configured propagator. The SDK only uses the API: install
and configure the OpenTelemetry SDK (exporters, sampling) in your application.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import Any, Final

import attrs

try:
    from opentelemetry import propagate, trace
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without the package
    msg = (
        "realtimekit_async.otel needs OpenTelemetry's API: "
        'pip install "realtimekit-async[otel]" (or opentelemetry-api)'
    )
    raise ImportError(msg) from exc

from ._events import (
    CallEvent,
    RateLimitWait,
    Reconciling,
    RequestSent,
    ResponseReceived,
    RetryScheduled,
)
from ._tracing import CallTrace
from ._version import __version__

__all__ = ["OpenTelemetryTracing"]


class _SpanTrace:
    """One call's span: attempts and waits become events, the last answer its attributes."""

    def __init__(self, span: trace.Span) -> None:
        self._span = span

    def inject(self, headers: dict[str, str]) -> None:
        propagate.inject(headers)

    def event(self, event: CallEvent) -> None:
        span = self._span
        if isinstance(event, ResponseReceived):
            attributes: dict[str, Any] = {"attempt": event.attempt}
            if event.status is not None:
                attributes["http.response.status_code"] = event.status
                span.set_attribute("http.response.status_code", event.status)
            if event.cf_ray:
                attributes["cloudflare.cf_ray"] = event.cf_ray
                span.set_attribute("cloudflare.cf_ray", event.cf_ray)
            if event.error:
                attributes["error.type"] = event.error
            span.add_event("response", attributes)
            return
        # The other steps become events named after what happened, with their own numbers.
        details = {
            k: v
            for k, v in attrs.asdict(event).items()
            if k not in _ON_THE_SPAN and isinstance(v, str | int | float)
        }
        span.add_event(_EVENT_NAMES.get(type(event), type(event).__name__), details)


#: Span event names by SDK event (the rest keep their class name).
_EVENT_NAMES: Final[dict[type, str]] = {
    RequestSent: "attempt",
    RetryScheduled: "retry",
    Reconciling: "reconcile",
    RateLimitWait: "rate_limit_wait",
}
#: Already attributes of the span itself.
_ON_THE_SPAN: Final = frozenset({"operation", "method", "path"})


class OpenTelemetryTracing:
    """Traces every call of a session with OpenTelemetry.

    Args:
        tracer_provider: where spans go; the global provider when not given.
    """

    def __init__(self, tracer_provider: trace.TracerProvider | None = None) -> None:
        self._tracer = trace.get_tracer("realtimekit_async", __version__, tracer_provider)

    @contextlib.contextmanager
    def call(self, operation: str, method: str, path: str) -> Generator[CallTrace]:
        """A span around one call (see the module's documentation)."""
        with self._tracer.start_as_current_span(
            f"RealtimeKit {operation}",
            kind=trace.SpanKind.CLIENT,
            attributes={
                "http.request.method": method,
                "url.path": path,
                "realtimekit.operation": operation,
            },
        ) as span:
            yield _SpanTrace(span)
