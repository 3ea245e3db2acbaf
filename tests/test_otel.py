"""OpenTelemetry tracing over loopback, with the SDK's in-memory exporter."""

from __future__ import annotations

import subprocess
import sys

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from realtimekit_async import ConflictError, RateLimiter
from realtimekit_async.otel import OpenTelemetryTracing
from realtimekit_async.testing import FakeRealtimeKit, FaultKind

from .conftest import session_for


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    """Finished spans, kept in memory."""
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    """A tracer provider of the test's own (the global one stays untouched)."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def _events(span: ReadableSpan) -> list[str]:
    return [e.name for e in span.events]


async def test_span_tree_of_a_listing_with_one_retried_page(
    fake: FakeRealtimeKit, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """A listing inside the user's span: one child span per page, the retry as events."""
    fake.seed(250)
    fake.inject(FaultKind.SERVER_ERROR, path="/recordings", method="GET")
    tracer = provider.get_tracer("app")
    tracing = OpenTelemetryTracing(provider)
    async with session_for(fake, tracing=tracing) as rtk:
        with tracer.start_as_current_span("export") as parent:
            ids = [r.id async for r in rtk.list_recordings(per_page=100, prefetch=0)]
    assert len(ids) == 250
    spans = exporter.get_finished_spans()
    pages = [s for s in spans if s.name == "RealtimeKit list recordings"]
    assert len(pages) == 3
    assert {s.parent.span_id for s in pages if s.parent} == {parent.get_span_context().span_id}
    assert all(s.kind is SpanKind.CLIENT for s in pages)
    retried, *rest = pages
    assert _events(retried) == ["attempt", "response", "retry", "attempt", "response"]
    assert all(_events(s) == ["attempt", "response"] for s in rest)
    assert retried.attributes is not None
    assert retried.attributes["http.response.status_code"] == 200
    assert retried.attributes["http.request.method"] == "GET"
    assert "cloudflare.cf_ray" in retried.attributes
    # The trace context went out with each attempt, naming that call's span.
    lists = [e for e in fake.journal if e.method == "GET"]
    assert len(lists) == 4
    trace_id = f"{parent.get_span_context().trace_id:032x}"
    first_span = f"{retried.context.span_id:016x}" if retried.context else ""
    assert lists[0].headers["traceparent"].startswith(f"00-{trace_id}-{first_span}-")
    assert lists[1].headers["traceparent"] == lists[0].headers["traceparent"]


async def test_failed_call_span_has_error_status(
    fake: FakeRealtimeKit, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """A 409 ends the span with an error status and the exception recorded."""
    meeting = fake.add_meeting()
    recording = fake.add_recording(meeting, status="UPLOADED")
    async with session_for(fake, tracing=OpenTelemetryTracing(provider)) as rtk:
        with pytest.raises(ConflictError):
            await rtk.stop_recording(recording)
    (span,) = exporter.get_finished_spans()
    assert span.name == "RealtimeKit update recording"
    assert span.status.status_code is StatusCode.ERROR
    assert "exception" in _events(span)


async def test_waits_and_reconciles_are_span_events(
    fake: FakeRealtimeKit, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    """A limiter wait and a reconcile after a lost answer show up on the call's span."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.LOST_RESPONSE, method="POST")
    tracing = OpenTelemetryTracing(provider)
    async with session_for(fake, tracing=tracing, rate_limiter=RateLimiter(1, 0.05)) as rtk:
        await rtk.start_recording(meeting)
    spans = {s.name: s for s in exporter.get_finished_spans()}
    start = spans["RealtimeKit start recording"]
    check = spans["RealtimeKit get active recording"]
    assert "reconcile" in _events(start)
    # The reconcile is a call of its own, inside the start's span, and it waited for the budget.
    assert check.parent is not None
    assert start.context is not None
    assert check.parent.span_id == start.context.span_id
    assert "rate_limit_wait" in _events(check)


def test_missing_opentelemetry_names_the_extra() -> None:
    """Without opentelemetry-api, importing the module says which extra to install."""
    code = (
        "import sys; sys.modules['opentelemetry'] = None\n"
        "try:\n import realtimekit_async.otel\n"
        "except ImportError as e:\n print(e)\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert 'pip install "realtimekit-async[otel]"' in out
