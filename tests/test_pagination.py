"""The pager against an in-memory server function: plain values, no HTTP."""

from __future__ import annotations

import asyncio
import gc
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import (
    Paging,
    RealtimeKitError,
    RecordingPage,
    RecordingPager,
    ResponseParseError,
    ResumeToken,
    ServerError,
)
from realtimekit_async._pagination import next_page_no, paging_is_usable

from .listing import Listing, rec


class Server(Listing):
    """The listing as the pager's fetch function, remembering each (page_no, per_page)."""

    def __init__(self, count: int, cap: int = 100, *, paging: bool = True) -> None:
        super().__init__(count, cap, paging=paging)
        self.calls: list[tuple[int, int]] = []

    async def fetch(self, page_no: int, per_page: int) -> RecordingPage:
        self.calls.append((page_no, per_page))
        return self.page(page_no, per_page)


async def collect(pager: RecordingPager) -> list[str]:
    return [r.id async for r in pager]


@given(
    count=st.integers(0, 700),
    per_page=st.integers(1, 300),
    cap=st.integers(1, 150),
    prefetch=st.integers(0, 5),
)
async def test_exact_requests_and_records(
    count: int, per_page: int, cap: int, prefetch: int
) -> None:
    """N records take ceil(N / effective page size) requests (one for none), each id once."""
    server = Server(count, cap)
    ids = await collect(RecordingPager(server.fetch, per_page=per_page, prefetch=prefetch))
    assert ids == [str(n) for n in range(count)]
    assert len(server.calls) == max(1, math.ceil(count / min(per_page, cap)))


@given(count=st.integers(1, 400), per_page=st.integers(1, 60))
async def test_short_page_rule_without_paging(count: int, per_page: int) -> None:
    """Without usable paging, a short page ends the scan (one trailing request when it divides)."""
    server = Server(count, paging=False)
    assert await collect(RecordingPager(server.fetch, per_page=per_page)) == [
        str(n) for n in range(count)
    ]
    assert len(server.calls) == count // per_page + 1


@given(
    inserts=st.lists(st.integers(0, 9), max_size=30),
    deletes=st.lists(st.integers(0, 9), max_size=30),
)
async def test_shifting_offsets_never_duplicate(inserts: list[int], deletes: list[int]) -> None:
    """Recordings added at the head or removed during the scan: each id at most once, and it ends."""
    server = Server(120, cap=20)
    pager = RecordingPager(server.fetch, per_page=20)
    seen: list[str] = []
    new = iter(range(1000, 2000))
    async for recording in pager:
        seen.append(recording.id)
        if inserts:
            for _ in range(inserts.pop()):
                server.records.insert(0, rec(next(new)))
        if deletes and server.records:
            del server.records[deletes.pop() % len(server.records)]
    assert len(seen) == len(set(seen))


async def test_repeated_page_is_detected() -> None:
    """A server that ignores page_no is reported, not looped on forever."""

    async def same_page(page_no: int, per_page: int) -> RecordingPage:
        return RecordingPage((rec(1), rec(2)), Paging(10, 1, 2))

    pager = RecordingPager(same_page, per_page=2)
    with pytest.raises(
        ResponseParseError, match="answered page 2 with offsets 1-2 again"
    ) as caught:
        await collect(pager)
    assert caught.value.page_no == 2


async def test_repeated_page_without_paging_stops() -> None:
    """Without offsets, a full page of already-seen ids ends the scan."""
    calls = 0

    async def same_page(page_no: int, per_page: int) -> RecordingPage:
        nonlocal calls
        calls += 1
        return RecordingPage((rec(1), rec(2)), Paging(0, 0, 0))

    assert await collect(RecordingPager(same_page, per_page=2)) == ["1", "2"]
    assert calls == 2


async def test_failed_page_keeps_what_was_yielded() -> None:
    """A failure names its page; records yielded before stay valid; the token resumes there."""
    server = Server(50, cap=10)
    failing = {3}

    async def flaky(page_no: int, per_page: int) -> RecordingPage:
        if page_no in failing:
            failing.clear()
            raise ServerError("boom", status=503)
        return await server.fetch(page_no, per_page)

    pager = RecordingPager(flaky, per_page=10)
    got: list[str] = []
    with pytest.raises(RealtimeKitError) as caught:
        async for recording in pager:
            got.append(recording.id)
    assert caught.value.page_no == 3
    assert "page 3" in str(caught.value)
    assert got == [str(n) for n in range(20)]
    rest = await collect(RecordingPager(flaky, per_page=10, resume=pager.resume_token))
    assert got + rest == [str(n) for n in range(50)]


async def test_pages_skip_already_yielded_and_token_round_trips() -> None:
    """pages() drops ids seen on earlier pages; a finished scan's token resumes to nothing."""
    server = Server(30, cap=10)
    pager = RecordingPager(server.fetch, per_page=10, query=(("status", "UPLOADED"),))
    pages = [page async for page in pager.pages()]
    assert [len(p.items) for p in pages] == [10, 10, 10]
    assert pager.total_count == 30
    token = pager.resume_token
    assert token.done
    assert ResumeToken.loads(token.dumps()) == token
    assert await collect(RecordingPager(server.fetch, per_page=10, resume=token)) == []


@pytest.mark.parametrize("text", ["", "!!!", "eyJ2IjogMn0=", "eyJ2IjoxfQ=="])
def test_bad_resume_tokens(text: str) -> None:
    """Anything but a token written by dumps() is refused clearly."""
    with pytest.raises(ValueError, match="not a resume token"):
        ResumeToken.loads(text)


def test_next_page_arithmetic() -> None:
    """The pure rules: end offset, empty page, unusable paging."""
    full = RecordingPage((rec(1), rec(2)), Paging(4, 1, 2))
    assert paging_is_usable(full.paging, 2)
    assert next_page_no(1, 2, full) == 2
    assert next_page_no(2, 2, RecordingPage((rec(3), rec(4)), Paging(4, 3, 4))) is None
    assert next_page_no(1, 2, RecordingPage((), Paging(4, 0, 0))) is None
    odd = RecordingPage((rec(1),), Paging(4, 1, 2))
    assert not paging_is_usable(odd.paging, 1)
    assert next_page_no(1, 2, odd) is None
    assert next_page_no(1, 1, odd) == 2


async def test_dedupe_window_is_bounded() -> None:
    """The memory of seen ids is bounded: with a window of 5, only the last 5 ids are kept."""
    server = Server(20, cap=10)
    pager = RecordingPager(server.fetch, per_page=10, dedupe_window=5)
    assert len(await collect(pager)) == 20
    assert pager.resume_token.seen == ("15", "16", "17", "18", "19")


async def test_prefetch_requests_ahead_in_order() -> None:
    """While page 1 is consumed, pages 2 and 3 are already requested; close cancels them."""
    server = Server(1000, cap=100)
    pager = RecordingPager(server.fetch, per_page=100, prefetch=2)
    await pager.aclose()  # nothing to close yet
    async with pager:
        async for recording in pager:
            if recording.id == "50":
                await asyncio.sleep(0)
                assert [n for n, _ in server.calls] == [1, 2, 3]
                break
    assert pager.resume_token.page_no == 1


async def test_prefetched_page_failure_surfaces_in_order() -> None:
    """A prefetched page that failed raises only when its turn comes, naming its number."""
    server = Server(300, cap=100)

    async def failing_third(page_no: int, per_page: int) -> RecordingPage:
        if page_no == 3:
            raise ServerError("boom", status=500)
        return await server.fetch(page_no, per_page)

    got: list[str] = []
    with pytest.raises(ServerError) as caught:
        async for recording in RecordingPager(failing_third, per_page=100, prefetch=3):
            got.append(recording.id)
    assert caught.value.page_no == 3
    assert len(got) == 200


async def test_token_taken_inside_pages_continues_with_the_next_page() -> None:
    """A resume token taken while a page from pages() is processed does not fetch it again."""
    server = Server(30, cap=10)
    pager = RecordingPager(server.fetch, per_page=10, prefetch=0)
    tokens = [pager.resume_token async for _ in pager.pages()]
    token = tokens[0]
    assert token.page_no == 2
    rest = await collect(RecordingPager(server.fetch, per_page=10, resume=token))
    assert rest == [str(n) for n in range(10, 30)]
    assert [n for n, _ in server.calls] == [1, 2, 3, 2, 3]


async def test_one_iterator_per_pager() -> None:
    """A second async for, or pages() after iterating, raises instead of sharing the scan."""
    server = Server(30, cap=10)
    pager = RecordingPager(server.fetch, per_page=10)
    await pager.aclose()  # closing before iterating does not use up the iterator
    async for _ in pager:
        break
    with pytest.raises(RuntimeError, match="already being iterated"):
        aiter(pager)
    with pytest.raises(RuntimeError, match=r"list_recordings\(resume=pager.resume_token\)"):
        pager.pages()
    await pager.aclose()
    rest = await collect(RecordingPager(server.fetch, per_page=10, resume=pager.resume_token))
    assert rest == [str(n) for n in range(1, 30)]


async def test_token_after_a_whole_page_starts_with_the_next() -> None:
    """Once every record of a page is yielded, the token points at the next page."""
    server = Server(30, cap=10)
    pager = RecordingPager(server.fetch, per_page=10, prefetch=0)
    async for recording in pager:
        if recording.id == "9":
            break
    assert pager.total_count == 30
    assert pager.resume_token.page_no == 2
    assert await collect(RecordingPager(server.fetch, per_page=10, resume=pager.resume_token)) == [
        str(n) for n in range(10, 30)
    ]
    assert [n for n, _ in server.calls] == [1, 2, 3]


async def test_abandoned_loop_cancels_prefetches_without_the_collector() -> None:
    """Leaving a loop over a pager nobody keeps cancels its prefetches by refcount, not by gc."""
    cancelled: list[int] = []
    never = asyncio.Event()

    async def fetch(page_no: int, per_page: int) -> RecordingPage:
        if page_no > 1:
            try:
                await never.wait()
            except asyncio.CancelledError:
                cancelled.append(page_no)
                raise
        return RecordingPage(tuple(rec(n) for n in range(10)), Paging(100, 1, 10))

    gc.disable()
    try:
        async for _ in RecordingPager(fetch, per_page=10):
            await asyncio.sleep(0)  # the prefetches start waiting
            break
        for _ in range(5):
            await asyncio.sleep(0)
    finally:
        gc.enable()
    assert sorted(cancelled) == [2, 3]


async def test_mid_page_token_keeps_the_handed_part_with_a_tiny_window() -> None:
    """A dedupe window smaller than a page still resumes mid-page without repeats."""
    server = Server(20, cap=10)
    pager = RecordingPager(server.fetch, per_page=10, dedupe_window=3)
    got: list[str] = []
    async for recording in pager:
        got.append(recording.id)
        if len(got) == 17:
            break
    assert pager.resume_token.seen == tuple(str(n) for n in (7, 8, 9, *range(10, 17)))
    rest = await collect(RecordingPager(server.fetch, per_page=10, resume=pager.resume_token))
    assert got + rest == [str(n) for n in range(20)]
