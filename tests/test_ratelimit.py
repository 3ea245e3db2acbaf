import asyncio

import pytest

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


async def test_bucket_allows_a_burst_then_paces() -> None:
    """A full bucket lets `requests` through at once, then one per period/requests."""
    clock = FakeClock()
    limiter = RateLimiter(10, 5.0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        await limiter.acquire()
    assert clock.slept == []
    await limiter.acquire()
    assert clock.slept == [pytest.approx(0.5)]


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
