"""Pacing by the announced budget: the pure Budget, and sessions against a server that enforces it."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator

import aiohttp
import attrs
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import RateLimitedError, RealtimeKitSession, RetryPolicy
from realtimekit_async._pacing import (
    Budget,
    Pacer,
    observed_state,
    parse_policy,
    parse_ratelimit,
    shared_pacer,
)
from realtimekit_async.testing import FakeRealtimeKit

# --- headers ------------------------------------------------------------------------------------


def test_ratelimit_headers_are_parsed() -> None:
    """Cloudflare's structured headers give (remaining, reset) and (quota, window)."""
    assert parse_ratelimit('"default";r=50;t=30') == (50, 30)
    assert parse_ratelimit("r=0; t=7") == (0, 7)
    assert parse_policy('"burst";q=100;w=60') == (100, 60)


@pytest.mark.parametrize(
    "value", [None, "", "r=5", "t=5", "r=x;t=1", "r=1" + "0" * 5000 + ";t=1", "r=1;t=1" + " " * 300]
)
def test_malformed_ratelimit_headers_are_ignored(value: str | None) -> None:
    """Anything but two small numbers is not a budget: no exception, no pacing."""
    assert parse_ratelimit(value) is None
    assert parse_policy(value) is None


def test_policy_needs_a_window() -> None:
    """A policy of zero seconds says nothing usable."""
    assert parse_policy("q=10;w=0") is None


def test_observed_state_keeps_the_policy() -> None:
    """A later answer without Ratelimit-Policy keeps the quota seen before."""
    first = observed_state({"ratelimit": "r=9;t=4", "ratelimit-policy": "q=10;w=4"}, None)
    assert first is not None
    assert (first.remaining, first.quota, first.window) == (9, 10, 4.0)
    later = observed_state({"ratelimit": "r=8;t=3"}, first)
    assert later is not None
    assert (later.remaining, later.reset_in, later.quota) == (8, 3.0, 10)
    assert observed_state({}, later) is later


# --- the budget as a value -----------------------------------------------------------------------


def test_no_announced_budget_never_waits() -> None:
    """A server without Ratelimit headers is not slowed down once its first answer says so."""
    budget = Budget().take(0.0)
    assert budget.wait(0.0) is None  # the first answer tells whether there is a budget
    budget = budget.answered(0.0, None, None, reached=False)
    assert budget.announced is None
    budget = budget.take(0.0).answered(0.0, None, None)
    assert budget.announced is False
    for _ in range(1000):
        assert budget.wait(0.0) == 0
        budget = budget.answered(0.0, None, None).take(0.0)
    assert budget.left is None


def test_spent_budget_waits_for_the_reset_then_goes_on() -> None:
    """r=0 with t=4: wait until the reset, then the quota is back."""
    budget = Budget().take(0.0).answered(0.1, (0, 4), (15, 4))
    assert budget.wait(0.2) == pytest.approx(4.1 + 0.05 - 0.2)
    assert budget.wait(4.2) == 0
    after = budget.take(4.2)
    assert (after.left, after.in_flight) == (14, 1)


def test_requests_in_flight_count_as_spent() -> None:
    """Three sent, the first answer says r=3: only one more may go."""
    budget = Budget(left=10, reset_at=100.0, announced=True)
    for _ in range(3):
        budget = budget.take(0.0)
    budget = budget.answered(0.1, (3, 50), None)
    assert (budget.left, budget.in_flight) == (1, 2)


def test_a_late_answer_gives_nothing_back() -> None:
    """Within one window an answer with a larger r (sent earlier) does not raise the estimate."""
    budget = Budget(left=2, reset_at=10.0, announced=True).answered(1.0, (8, 9), None)
    assert budget.left == 2


def test_unknown_quota_probes_one_at_a_time() -> None:
    """After a reset with no policy known, one request goes and the next waits for its answer."""
    budget = Budget(left=0, reset_at=5.0, announced=True)
    probe = budget.take(6.0)
    assert probe.wait(6.0) is None
    assert probe.answered(6.1, (14, 4), None).wait(6.2) == 0


def test_retry_after_pauses_even_without_a_budget() -> None:
    """A 429's Retry-After holds every sender, budget known or not."""
    assert Budget().pause(0.0, 3.0).wait(1.0) == 2.0
    assert Budget(announced=False).pause(0.0, 3.0).wait(1.0) == 2.0


@attrs.frozen
class Window:
    """A fixed-window server: at most *quota* arrivals per window of *length* seconds."""

    quota: int
    length: float


@given(
    st.integers(1, 20),
    st.integers(1, 6),
    st.lists(st.tuples(st.integers(0, 4), st.integers(1, 30)), min_size=1, max_size=60),
)
def test_paced_sends_never_exceed_a_fixed_window(
    quota: int, length: int, steps: list[tuple[int, int]]
) -> None:
    """Whatever the concurrency and latency, a client paced by the headers never over-sends."""
    window = Window(quota, float(length))
    now, budget = 0.0, Budget()
    in_flight: list[float] = []  # arrival times of requests not answered yet
    arrivals: dict[int, int] = {}
    for want, latency_ms in steps:
        for _ in range(want):
            wait = budget.wait(now)
            if wait is None:
                break
            now += wait
            budget = budget.take(now)
            arrival = now + latency_ms / 2000
            in_flight.append(arrival)
        # Answer the oldest request: the server counts it at its arrival.
        if in_flight:
            arrival = in_flight.pop(0)
            slot = math.floor(arrival / window.length)
            arrivals[slot] = arrivals.get(slot, 0) + 1
            assert arrivals[slot] <= window.quota
            end = (slot + 1) * window.length
            remaining = window.quota - arrivals[slot]
            now = max(now, arrival + latency_ms / 2000)
            budget = budget.answered(now, (remaining, math.ceil(end - arrival)), None)


# --- sessions against a server that enforces a budget ------------------------------------------


@attrs.define
class BudgetProxy:
    """A proxy in front of the emulator that enforces Cloudflare's fixed-window budget."""

    quota: int
    window: float
    block: float
    upstream: str
    url: str = ""
    refused: int = 0
    sent: int = 0
    started: float = 0.0
    counts: dict[int, int] = attrs.Factory(dict[int, int])
    blocked_until: float = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        now = loop.time() - self.started
        slot = math.floor(now / self.window)
        reset = math.ceil((slot + 1) * self.window - now)
        if now < self.blocked_until or self.counts.get(slot, 0) >= self.quota:
            self.refused += 1
            self.blocked_until = max(self.blocked_until, now + self.block)
            wait = math.ceil(self.blocked_until - now)
            return web.json_response(
                {"success": False, "errors": [{"code": 971, "message": "Please wait"}]},
                status=429,
                headers={"Retry-After": str(wait)},
            )
        self.counts[slot] = self.counts.get(slot, 0) + 1
        self.sent += 1
        target = self.upstream + request.path_qs
        async with (
            aiohttp.ClientSession() as http,
            http.request(
                request.method, target, headers=request.headers, data=await request.read()
            ) as answer,
        ):
            body = await answer.read()
        headers = {
            "Content-Type": "application/json",
            "Ratelimit": f'"default";r={self.quota - self.counts[slot]};t={reset}',
            "Ratelimit-Policy": f'"default";q={self.quota};w={math.ceil(self.window)}',
        }
        return web.Response(status=answer.status, body=body, headers=headers)


@pytest.fixture
async def budget(fake: FakeRealtimeKit) -> AsyncIterator[BudgetProxy]:
    """15 requests per 2 s window, every call refused for 3 s after an excess."""
    upstream = fake.base_url.split("/client/v4")[0]
    proxy = BudgetProxy(quota=15, window=2.0, block=3.0, upstream=upstream)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    proxy.url = f"http://127.0.0.1:{runner.addresses[0][1]}/client/v4"
    proxy.started = asyncio.get_running_loop().time()
    try:
        yield proxy
    finally:
        await runner.cleanup()


def _session(fake: FakeRealtimeKit, proxy: BudgetProxy, **options: object) -> RealtimeKitSession:
    return RealtimeKitSession(
        account_id=fake.account_id,
        app_id=fake.app_id,
        api_token=fake.api_token,
        base_url=proxy.url,
        **options,  # type: ignore[arg-type]
    )


async def test_default_session_streams_within_the_budget(
    fake: FakeRealtimeKit, budget: BudgetProxy
) -> None:
    """A plain session with prefetch streams 40 pages through a 15-per-window budget, no 429."""
    ids = fake.seed(4000)
    async with _session(fake, budget) as rtk:
        got = [r.id async for r in rtk.list_recordings(per_page=100)]
        state = rtk.rate_limit
    assert got == ids
    assert budget.refused == 0
    assert budget.sent == 40
    assert state is not None
    assert (state.quota, state.window) == (15, 2.0)


async def test_concurrent_tasks_and_two_sessions_share_the_budget(
    fake: FakeRealtimeKit, budget: BudgetProxy
) -> None:
    """Two sessions with one token, 8 tasks each, 80 reads: no 429, the pacer is shared."""
    recording = fake.add_recording(fake.add_meeting())
    async with _session(fake, budget) as first, _session(fake, budget) as second:
        assert first.rate_limiter is second.rate_limiter

        async def reads(rtk: RealtimeKitSession) -> None:
            for _ in range(5):
                await rtk.get_recording(recording)

        await asyncio.gather(*(reads(rtk) for rtk in (first, second) for _ in range(8)))
    assert budget.sent == 80
    assert budget.refused == 0


async def test_pacing_can_be_switched_off_and_then_trips(
    fake: FakeRealtimeKit, budget: BudgetProxy
) -> None:
    """rate_limiter=None sends as fast as it can: the budget server refuses the excess."""
    recording = fake.add_recording(fake.add_meeting())
    policy = RetryPolicy(attempts=1)
    async with _session(fake, budget, rate_limiter=None, retry=policy) as rtk:
        results = await asyncio.gather(
            *(rtk.get_recording(recording) for _ in range(20)), return_exceptions=True
        )
    refused = [r for r in results if isinstance(r, RateLimitedError)]
    assert len(refused) == 5
    assert budget.refused == 5


def test_sessions_of_other_tokens_or_servers_do_not_share() -> None:
    """The budget is per token and API root."""
    one = shared_pacer("token-a", "https://api.test")
    assert shared_pacer("token-a", "https://api.test") is one
    assert shared_pacer("token-b", "https://api.test") is not one
    assert shared_pacer("token-a", "https://other.test") is not one
    assert "token-a" not in repr(one)


async def test_a_429_under_pacing_is_logged_as_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    """A 429 after an announced budget names the header values that misled the pacer."""
    pacer = Pacer()
    await pacer.acquire()
    pacer.observe({"ratelimit": "r=3;t=10"})
    pacer.hold_off(5.0)
    assert "HTTP 429 although pacing by the announced budget (last seen: r=3" in caplog.text
    assert pacer.delay() == pytest.approx(5.0, abs=0.1)
    caplog.clear()
    Pacer().hold_off(1.0)  # no budget announced: a plain Retry-After, no warning
    assert caplog.records == []


async def test_a_probe_waits_for_the_answer_that_tells_the_budget() -> None:
    """With the quota unknown after a reset, a second sender waits for the probe's answer."""
    clock = 10.0
    pacer = Pacer(clock=lambda: clock)
    pacer.observe({"ratelimit": "r=0;t=1"})  # unsolicited: learns a spent budget
    clock = 12.0
    await pacer.acquire()  # the probe
    second = asyncio.create_task(pacer.acquire())
    await asyncio.sleep(0)
    assert not second.done()
    assert pacer.delay() == 0.0
    pacer.observe({"ratelimit": "r=9;t=4"})
    await second
    assert pacer.budget.in_flight == 1
