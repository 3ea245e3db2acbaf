import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import Limiter, RateLimiter


class FakeClock:
    """A monotonic clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_window_allows_a_burst_then_waits_for_the_first_place() -> None:
    """`requests` go at once; the next waits until the first one's place is free again."""
    clock = FakeClock()
    limiter = RateLimiter(10, 5.0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        await limiter.acquire()
    assert clock.slept == []
    assert limiter.delay() == pytest.approx(5.0)
    await limiter.acquire()
    assert clock.slept == [pytest.approx(5.0)]


async def test_an_answer_holds_the_place_for_a_period_after_it() -> None:
    """A request answered 3 s after it was sent keeps its place until 3 s + period."""
    clock = FakeClock()
    limiter = RateLimiter(1, 4.0, clock=clock, sleep=clock.sleep)
    await limiter.acquire()
    clock.now += 3.0
    limiter.observe({})
    assert limiter.delay() == pytest.approx(4.0)
    await limiter.acquire()
    assert clock.now == pytest.approx(107.0)


async def test_a_late_answer_takes_its_place_again() -> None:
    """An answer after the place lapsed takes it again; answers of no request change nothing."""
    clock = FakeClock()
    limiter = RateLimiter(1, 4.0, clock=clock, sleep=clock.sleep)
    limiter.observe({})  # an answer nobody acquired for
    assert limiter.delay() == 0
    await limiter.acquire()
    clock.now += 10.0  # unanswered for longer than the period: the place lapsed
    assert limiter.delay() == 0
    limiter.observe({})
    assert limiter.delay() == pytest.approx(4.0)
    limiter.observe({})
    assert limiter.delay() == pytest.approx(4.0)


async def test_in_flight_requests_hold_places_across_a_window_edge() -> None:
    """Prefetched requests in flight at a window's edge keep the next window's budget."""
    clock = FakeClock()
    limiter = RateLimiter(3, 4.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        await limiter.acquire()
    clock.now += 3.9
    for _ in range(3):
        limiter.observe({"ratelimit": '"default";r=1;t=1'})
    assert limiter.delay() == pytest.approx(4.0)


@given(
    requests=st.integers(1, 5),
    steps=st.lists(
        st.one_of(
            st.just(("send", 0.0)),
            st.just(("answer", 0.0)),
            st.tuples(st.just("wait"), st.floats(0.0, 3.0, allow_nan=False)),
        ),
        max_size=60,
    ),
)
def test_no_window_of_a_period_sees_more_than_requests(
    requests: int, steps: list[tuple[str, float]]
) -> None:
    """Whatever the sends, answers and waits, any `period` of time sees at most `requests`."""
    period = 2.0
    clock = FakeClock()
    limiter = RateLimiter(requests, period, clock=clock, sleep=clock.sleep)
    sent: list[float] = []
    in_flight: list[float] = []
    arrivals: list[float] = []  # when the server counts a request: some time up to its answer

    async def run() -> None:
        for kind, seconds in steps:
            if kind == "send":
                await limiter.acquire()
                sent.append(clock.now)
                in_flight.append(clock.now)
            elif kind == "answer" and in_flight:
                started = in_flight.pop(0)
                # The server counted it just now, unless the place lapsed unanswered before.
                arrivals.append(clock.now if clock.now - started < period else started)
                limiter.observe({})
            else:
                clock.now += seconds

    asyncio.run(run())
    for times in (sent, arrivals):
        times.sort()
        for i, start in enumerate(times):
            inside = [t for t in times[i:] if t < start + period - 1e-6]
            assert len(inside) <= requests


async def test_hold_off_pauses_everyone() -> None:
    """A Retry-After pause delays the next acquire for every user of the limiter."""
    clock = FakeClock()
    limiter = RateLimiter(1000, 50.0, clock=clock, sleep=clock.sleep)
    limiter.hold_off(7.0)
    limiter.hold_off(2.0)  # a shorter pause never shortens a longer one
    await limiter.acquire()
    assert clock.slept == [pytest.approx(7.0)]


async def test_observe_ratelimit_header() -> None:
    """An exhausted `Ratelimit` header pauses until its reset; a remaining budget does not."""
    clock = FakeClock()
    limiter = RateLimiter(1000, 50.0, clock=clock, sleep=clock.sleep)
    limiter.observe({"ratelimit": '"default";r=50;t=30'})
    limiter.observe({})
    await limiter.acquire()
    assert clock.slept == []
    limiter.observe({"ratelimit": '"default";r=0;t=12'})
    await limiter.acquire()
    assert clock.slept == [pytest.approx(12.0)]


async def test_shared_by_concurrent_tasks() -> None:
    """Many tasks share one budget: 30 acquires on 10/s take about 2 s of fake time."""
    clock = FakeClock()
    limiter = RateLimiter(10, 1.0, clock=clock, sleep=clock.sleep)
    await asyncio.gather(*(limiter.acquire() for _ in range(30)))
    assert clock.now - 100.0 == pytest.approx(2.0)


def test_presets_validation_and_protocol() -> None:
    """Presets match the documented limits; nonsense limits are refused."""
    assert repr(RateLimiter.recordings()) == "RateLimiter(1000, 50.0)"
    assert repr(RateLimiter.realtimekit()) == "RateLimiter(3500, 300.0)"
    assert isinstance(RateLimiter.recordings(), Limiter)
    with pytest.raises(ValueError, match="requests >= 1"):
        RateLimiter(0, 1.0)


@pytest.mark.parametrize(
    "value",
    [
        '"default";r=0;t=' + "9" * 5000,
        '"default";r=' + "0" * 5000 + ";t=5",
        '"default";r=0;t=\u0665',  # an Arabic-Indic five: a digit to Python, not to HTTP
        '"default";r=0;t=1234567890',
        "r=0;t=-5",
        "\x00\udcff",
    ],
)
async def test_absurd_ratelimit_values_are_ignored(value: str) -> None:
    """A Ratelimit header with huge, non-ASCII or odd numbers is ignored, never raised."""
    clock = FakeClock()
    limiter = RateLimiter(1000, 50.0, clock=clock, sleep=clock.sleep)
    limiter.observe({"ratelimit": value})
    await limiter.acquire()
    assert clock.slept == []
