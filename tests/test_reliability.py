"""Faults, shifting data, cancellation and concurrency, against the emulator over loopback."""

# pyright: reportPrivateUsage=false
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from realtimekit_async import RealtimeKitSession, RetryPolicy
from realtimekit_async.testing import FakeRealtimeKit, FaultKind

from . import conftest

ALL_GET_FAULTS = [
    FaultKind.RATE_LIMIT,
    FaultKind.SERVER_ERROR,
    FaultKind.RESET,
    FaultKind.TRUNCATED,
    FaultKind.SUCCESS_FALSE,
]


def session_for(fake: FakeRealtimeKit, **overrides: object) -> RealtimeKitSession:
    """A session that tries hard: these tests fault one response in ten."""
    return conftest.session_for(fake, retry=RetryPolicy(attempts=10, deadline=60.0), **overrides)


@pytest.mark.parametrize("seed", range(6))
async def test_listing_10000_through_10_percent_faults(seed: int) -> None:
    """10,000 recordings through ~10 % faulty responses: exactly the 10,000 ids, each once."""
    async with FakeRealtimeKit(seed=seed) as fake:
        ids = fake.seed(10_000, meetings=20)
        fake.inject_random(0.1, seed=seed, kinds=ALL_GET_FAULTS, method="GET")
        async with session_for(fake) as rtk:
            got = [r.id async for r in rtk.list_recordings(per_page=100)]
        faulted = sum(1 for e in fake.journal if e.fault)
    assert got == ids
    assert faulted > 0


async def test_inserts_and_deletes_during_scan() -> None:
    """Recordings added and removed while a scan runs: each id at most once, and it ends."""
    async with FakeRealtimeKit() as fake:
        meeting = fake.add_meeting()
        fake.seed(500)
        async with session_for(fake) as rtk:
            seen: list[str] = []
            async for recording in rtk.list_recordings(per_page=50):
                seen.append(recording.id)
                if len(seen) % 40 == 0:
                    fake.add_recording(meeting)  # newest first: shifts every offset down
                    fake.remove_recording(fake.recording_ids[-1])  # shifts the tail up
    assert len(seen) == len(set(seen))
    assert len(seen) >= 450


Call = Callable[[RealtimeKitSession, str, str], Awaitable[object]]
CALLS: dict[str, Call] = {
    "list": lambda rtk, m, r: rtk.list_recordings().pages().__anext__(),
    "start": lambda rtk, m, r: rtk.start_recording(m, allow_multiple_recordings=True),
    "active": lambda rtk, m, r: rtk.get_active_recording(m),
    "get": lambda rtk, m, r: rtk.get_recording(r),
    "update": lambda rtk, m, r: rtk.pause_recording(r),
    "track": lambda rtk, m, r: rtk.start_track_recording(m),
}


@pytest.mark.parametrize("name", list(CALLS))
async def test_cancelling_mid_call_releases_the_connection(
    fake: FakeRealtimeKit, name: str
) -> None:
    """Cancelling any of the six calls while the server is answering leaves the pool idle."""
    meeting = fake.add_meeting()
    recording = fake.add_recording(meeting, status="RECORDING")
    fake.inject(FaultKind.SLOW, delay=5.0)
    async with session_for(fake) as rtk:
        task = asyncio.ensure_future(CALLS[name](rtk, meeting, recording))
        while not fake.journal:
            await asyncio.sleep(0.01)
        assert not rtk._transport.idle
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert rtk._transport.idle


async def test_cancelling_mid_retry_sleep_and_mid_scan(fake: FakeRealtimeKit) -> None:
    """Cancelled while waiting out a Retry-After, or between pages: nothing stays open."""
    fake.seed(300)
    fake.inject(FaultKind.RATE_LIMIT, retry_after=30, path="/recordings", method="GET")
    async with session_for(fake, sleep=asyncio.sleep) as rtk:
        task = asyncio.ensure_future(rtk.get_recording("r"))
        while not fake.journal or fake.journal[-1].status is None:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert rtk._transport.idle
        pager = rtk.list_recordings(per_page=100)
        scan = aiter(pager)
        await anext(scan)
        await scan.aclose()  # type: ignore[attr-defined]
        assert rtk._transport.idle


async def test_one_session_many_tasks(fake: FakeRealtimeKit) -> None:
    """One session serves 100 concurrent tasks."""
    meeting = fake.add_meeting()
    ids = [fake.add_recording(meeting) for _ in range(100)]
    async with session_for(fake) as rtk:
        got = await asyncio.gather(*(rtk.get_recording(i) for i in ids))
    assert [r.id for r in got] == ids
