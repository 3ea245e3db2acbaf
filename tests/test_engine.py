"""The call engine with scripted answers: every retry, reconcile and deadline rule, exactly."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import attrs
import pytest

from realtimekit_async import (
    ConflictError,
    ConnectError,
    OutcomeUnknownError,
    RateLimitedError,
    RateLimiter,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
    SessionClosedError,
    TransportError,
)
from realtimekit_async._engine import Engine, Reconcile
from realtimekit_async._protocol import (
    Request,
    Response,
    api_headers,
    get_request,
    raise_for_error,
    update_request,
)
from realtimekit_async._retry import Safety

PREFIX = "/accounts/acc/realtime/kit/app/recordings"
TOKEN = "SENTINEL-token"
OK = Response(200, {"cf-ray": "ray-1"}, b'{"success": true, "data": "done"}')


def status(code: int, headers: Mapping[str, str] | None = None) -> Response:
    """An error answer with Cloudflare's envelope."""
    body = b'{"success": false, "errors": [{"code": 1, "message": "no"}]}'
    return Response(code, dict(headers or {}), body)


def read(request: Request, response: Response, now: dt.datetime) -> str:
    """Reads the ``data`` of a success, raises for anything else."""
    data: str = raise_for_error(request, response, now)["data"]
    return data


@attrs.define
class Script:
    """A sender that plays answers in order, and a clock that each send moves on."""

    answers: list[Response | Exception]
    seconds_per_send: float = 1.0
    now: float = 0.0
    sent: list[tuple[str, str, float | None]] = attrs.Factory(list[tuple[str, str, float | None]])
    slept: list[float] = attrs.Factory(list[float])

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        timeout: float | None = None,
    ) -> Response:
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        self.sent.append((method, url, timeout))
        self.now += self.seconds_per_send
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def engine(self, **options: Any) -> Engine:
        config: dict[str, Any] = {
            "base_url": "https://api.test/client/v4",
            "headers": api_headers(TOKEN),
            "retry": RetryPolicy(jitter=0.0),
            "secrets": (TOKEN,),
            "sleep": self.sleep,
            "clock": lambda: self.now,
            "rand": lambda: 0.0,
        } | options
        return Engine(self.send, **config)


GET = get_request(PREFIX, "rec-1")
STOP = update_request(PREFIX, "rec-1", "stop")


async def test_read_is_retried_with_backoff_until_it_succeeds() -> None:
    """Two 503s and a reset, then success: four sends, backoff 0.5, 1, 2 between them."""
    script = Script([status(503), status(503), TransportError("reset"), OK])
    assert await script.engine().call(GET, read, Safety.IDEMPOTENT, 120.0) == "done"
    assert len(script.sent) == 4
    assert script.slept == [0.5, 1.0, 2.0]
    assert script.sent[0][1] == f"https://api.test/client/v4{PREFIX}/rec-1"


async def test_each_attempt_gets_what_is_left_of_the_deadline() -> None:
    """The transport's timeout shrinks as the call's time is spent."""
    script = Script([status(503), OK], seconds_per_send=3.0)
    await script.engine().call(GET, read, Safety.IDEMPOTENT, 10.0)
    assert [timeout for _, _, timeout in script.sent] == [10.0, 10.0 - 3.0 - 0.5]


async def test_deadline_ends_the_call_between_attempts() -> None:
    """A call whose deadline is spent raises RequestTimeoutError naming the attempts."""
    script = Script([TransportError("reset")] * 3, seconds_per_send=2.0)
    with pytest.raises(RequestTimeoutError, match=r"2.5 s deadline after 1 attempts") as caught:
        await script.engine().call(GET, read, Safety.IDEMPOTENT, 2.5)
    assert (caught.value.method, caught.value.path) == ("GET", GET.path)
    assert len(script.sent) == 1


async def test_attempts_run_out() -> None:
    """After the policy's attempts the last error is raised as it was."""
    script = Script([status(500)] * 2)
    with pytest.raises(ServerError):
        await script.engine(retry=RetryPolicy(attempts=2)).call(GET, read, Safety.IDEMPOTENT, None)
    assert len(script.sent) == 2


async def test_a_conflict_is_an_answer_never_retried() -> None:
    """A 409 is raised after exactly one request, for reads and writes alike."""
    script = Script([status(409)])
    with pytest.raises(ConflictError):
        await script.engine().call(STOP, read, Safety.RECONCILE, None)
    assert len(script.sent) == 1


async def test_ambiguous_write_is_reconciled_not_resent() -> None:
    """After a reset the reconcile function answers, and the write is not sent again."""
    script = Script([TransportError("reset")])
    deadlines: list[float | None] = []

    async def reconcile(deadline: float | None) -> str | None:
        deadlines.append(deadline)
        return "already stopped"

    result = await script.engine().call(STOP, read, Safety.RECONCILE, 30.0, reconcile=reconcile)
    assert result == "already stopped"
    assert len(script.sent) == 1
    assert deadlines == [29.0]


async def test_write_that_did_not_land_is_resent() -> None:
    """Reconcile finds nothing: the write goes again, as safely as a first attempt."""
    script = Script([status(502), OK])

    async def reconcile(_: float | None) -> str | None:
        return None

    assert await script.engine().call(STOP, read, Safety.RECONCILE, None, reconcile=reconcile)
    assert len(script.sent) == 2


async def test_failed_reconcile_is_unknown_outcome_with_the_cause() -> None:
    """Reading the state fails too: OutcomeUnknownError, caused by the write's failure."""
    reset = TransportError("reset")
    script = Script([reset])

    async def reconcile(_: float | None) -> str | None:
        raise ConnectError("down")

    with pytest.raises(OutcomeUnknownError, match="reading the server's state failed") as caught:
        await script.engine().call(STOP, read, Safety.RECONCILE, None, reconcile=reconcile)
    assert caught.value.__cause__ is reset
    assert not isinstance(caught.value, TransportError)


async def test_unsafe_write_after_a_server_error_is_unknown_outcome() -> None:
    """A 500 on a track start may have recorded: raise, never send twice."""
    script = Script([status(500)])
    with pytest.raises(OutcomeUnknownError, match="may or may not have taken effect"):
        await script.engine().call(STOP, read, Safety.UNSAFE, None)
    assert len(script.sent) == 1


async def test_unsafe_write_is_resent_when_it_never_left() -> None:
    """A refused connection or a 429 means nothing happened: the write goes again."""
    script = Script([ConnectError("refused"), status(429, {"retry-after": "1"}), OK])
    assert await script.engine().call(STOP, read, Safety.UNSAFE, None) == "done"
    assert script.slept == [0.5, 1.0]


async def test_retry_after_longer_than_the_deadline_raises_at_once() -> None:
    """A 429 asking for 60 s with 30 s left is raised without waiting, the limiter told."""
    limiter = RateLimiter(100, 1.0, clock=lambda: 0.0)
    script = Script([status(429, {"retry-after": "60"})])
    with pytest.raises(RateLimitedError) as caught:
        await script.engine(limiter=limiter).call(GET, read, Safety.IDEMPOTENT, 30.0)
    assert caught.value.retry_after == 60
    assert script.slept == []
    assert limiter.delay() == 60


async def test_limiter_pause_that_cannot_fit_sends_nothing() -> None:
    """A spent budget with a pause beyond the deadline refuses the call before sending."""
    clock = 0.0
    limiter = RateLimiter(1, 100.0, clock=lambda: clock)
    script = Script([OK])
    engine = script.engine(limiter=limiter)
    await engine.call(GET, read, Safety.IDEMPOTENT, None)
    with pytest.raises(RateLimitedError, match="holds requests for 100 s") as caught:
        await engine.call(GET, read, Safety.IDEMPOTENT, 10.0)
    assert caught.value.path == GET.path
    assert len(script.sent) == 1


async def test_token_is_scrubbed_from_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    """A server echoing the token in its message has it masked before anyone sees it."""
    echo = b'{"success": false, "errors": [{"code": 1, "message": "bad SENTINEL-token"}]}'
    script = Script([Response(503, {}, echo), Response(400, {}, echo)])
    caplog.set_level(logging.DEBUG, logger="realtimekit_async")
    with pytest.raises(Exception, match=r"bad \*\*\*") as caught:
        await script.engine().call(GET, read, Safety.IDEMPOTENT, None)
    assert TOKEN not in str(caught.value)
    assert all(TOKEN not in r.getMessage() for r in caplog.records)
    assert any("retrying GET" in r.getMessage() for r in caplog.records)


async def test_closing_the_session_ends_calls_clearly() -> None:
    """Closed before the call, or while it was in flight: SessionClosedError, not a reset."""
    closed = False
    script = Script([TransportError("connector is closed")])
    engine = script.engine(closed=lambda: closed)

    async def close_while_sending(*args: Any, **kwargs: Any) -> Response:
        nonlocal closed
        closed = True
        return await script.send(*args, **kwargs)

    config = _config_of(script)
    config["closed"] = lambda: closed
    in_flight = Engine(close_while_sending, **config)
    with pytest.raises(SessionClosedError, match="in flight"):
        await in_flight.call(GET, read, Safety.IDEMPOTENT, None)
    with pytest.raises(SessionClosedError, match="is closed"):
        await engine.call(GET, read, Safety.IDEMPOTENT, None)


def _config_of(script: Script) -> dict[str, Any]:
    return {
        "base_url": "https://api.test/client/v4",
        "headers": api_headers(TOKEN),
        "retry": RetryPolicy(),
        "sleep": script.sleep,
        "clock": lambda: script.now,
    }


def test_reconcile_type_is_a_callable_alias() -> None:
    """Reconcile functions are plain async callables of the remaining deadline."""

    async def reconcile(_: float | None) -> int | None:
        return None

    fn: Reconcile[int] = reconcile
    assert callable(fn)
