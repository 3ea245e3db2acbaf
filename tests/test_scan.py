"""The scan state machine with plain values: no asyncio, no HTTP, every rule of DESIGN §2."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import Paging, RecordingPage, ResponseParseError, ResumeToken
from realtimekit_async._scan import (
    MAX_TOKEN_CHARS,
    TOKEN_IDS,
    ScanState,
    SeenIds,
    pages_ahead,
    step,
)

from .listing import Listing, rec
from .strategies import json_values, listing_sizes


def scan(
    listing: Listing,
    state: ScanState,
    *,
    between: Callable[[], None] = lambda: None,
    prefetch: int = 0,
) -> tuple[list[str], ScanState, set[int]]:
    """Drive *state* to the end over *listing*: ids handed out, last state, pages prefetched."""
    ids: list[str] = []
    ahead: set[int] = set()
    while state.page_no is not None:
        state, fresh = step(state, state.page_no, listing.page(state.page_no, state.per_page))
        ahead.update(pages_ahead(state, prefetch))
        ids.extend(r.id for r in fresh)
        between()
    return ids, state, ahead


@given(size=listing_sizes, prefetch=st.integers(0, 5))
def test_exact_requests_no_trailing_empty_page(size: tuple[int, int, int], prefetch: int) -> None:
    """N records take ceil(N / page size) requests (one for none); prefetch never overshoots."""
    count, per_page, cap = size
    listing = Listing(count, cap)
    ids, state, ahead = scan(listing, ScanState(per_page=per_page), prefetch=prefetch)
    assert ids == [str(n) for n in range(count)]
    pages = max(1, math.ceil(count / min(per_page, cap)))
    assert listing.requests == list(range(1, pages + 1))
    assert ahead <= set(range(2, pages + 1))
    assert state.page_no is None
    assert state.total_count == count


@given(count=st.integers(1, 400), per_page=st.integers(1, 60), extra=st.integers(0, 40))
def test_short_page_rule_without_paging(count: int, per_page: int, extra: int) -> None:
    """Without usable paging, a short page ends the scan, and nothing is prefetched."""
    listing = Listing(count, cap=per_page + extra, paging=False)
    ids, _, ahead = scan(listing, ScanState(per_page=per_page), prefetch=3)
    assert ids == [str(n) for n in range(count)]
    assert len(listing.requests) == count // per_page + 1
    assert ahead == set()


@given(per_page=st.integers(2, 250))
def test_capped_page_goes_on(per_page: int) -> None:
    """A page shorter than asked for, with end_offset < total_count, means the server caps."""
    state, fresh = step(ScanState(per_page=per_page), 1, RecordingPage((rec(1),), Paging(5, 1, 1)))
    assert state.page_no == 2
    assert state.last_page == 5
    assert [r.id for r in fresh] == ["1"]


@given(inserts=st.lists(st.integers(0, 30), max_size=40), per_page=st.integers(1, 40))
def test_insertions_at_the_head_lose_nothing_and_repeat_nothing(
    inserts: list[int], per_page: int
) -> None:
    """Recordings added ahead of the scan shift offsets: every id once, none of the first lost."""
    listing = Listing(150, cap=per_page)
    new = iter(range(1000, 5000))

    def insert() -> None:
        for _ in range(inserts.pop() if inserts else 0):
            listing.records.insert(0, rec(next(new)))

    ids, _, _ = scan(listing, ScanState(per_page=per_page), between=insert)
    assert len(ids) == len(set(ids))
    assert {str(n) for n in range(150)} <= set(ids)


@given(
    inserts=st.lists(st.integers(0, 9), max_size=30),
    deletes=st.lists(st.integers(0, 200), max_size=30),
)
def test_insertions_and_deletions_never_duplicate(inserts: list[int], deletes: list[int]) -> None:
    """Recordings added or removed between pages: each id at most once, and the scan ends."""
    listing = Listing(120, cap=20)
    new = iter(range(1000, 2000))

    def shift() -> None:
        for _ in range(inserts.pop() if inserts else 0):
            listing.records.insert(0, rec(next(new)))
        if deletes and listing.records:
            del listing.records[deletes.pop() % len(listing.records)]

    ids, _, _ = scan(listing, ScanState(per_page=20), between=shift)
    assert len(ids) == len(set(ids))


def test_repeated_page_with_offsets_is_an_error() -> None:
    """A server that answers page 2 with page 1's offsets is reported, not looped on."""
    page = RecordingPage((rec(1), rec(2)), Paging(10, 1, 2))
    state, _ = step(ScanState(per_page=2), 1, page)
    with pytest.raises(ResponseParseError, match="answered page 2 with offsets 1-2 again"):
        step(state, 2, page)


def test_repeated_page_without_offsets_stops() -> None:
    """Without offsets, a full page of ids already handed out ends the scan."""
    page = RecordingPage((rec(1), rec(2)), Paging(0, 0, 0))
    state, fresh = step(ScanState(per_page=2), 1, page)
    assert (state.page_no, len(fresh)) == (2, 2)
    state, fresh = step(state, 2, page)
    assert (state.page_no, fresh) == (None, ())


def test_page_of_old_ids_with_offsets_goes_on() -> None:
    """With offsets that move on, a page of only old ids (many insertions) is not the end."""
    state, _ = step(ScanState(per_page=2), 1, RecordingPage((rec(1), rec(2)), Paging(6, 1, 2)))
    state, fresh = step(state, 2, RecordingPage((rec(2), rec(1)), Paging(8, 3, 4)))
    assert (state.page_no, fresh) == (3, ())


def test_empty_page_ends_and_duplicates_within_a_page_go() -> None:
    """An empty page ends the scan; an id twice on one page is handed out once."""
    state, fresh = step(ScanState(per_page=5), 1, RecordingPage((), Paging(7, 0, 0)))
    assert (state.page_no, fresh, state.total_count) == (None, (), 7)
    twice = RecordingPage((rec(1), rec(2), rec(1)), Paging(0, 0, 0))
    assert [r.id for r in step(ScanState(per_page=3), 1, twice)[1]] == ["1", "2"]


def test_step_refuses_a_page_out_of_turn() -> None:
    """A page that is not the one the state waits for is a programming error."""
    with pytest.raises(ValueError, match="expects page 1, not page 2"):
        step(ScanState(per_page=1), 2, RecordingPage((), Paging(0, 0, 0)))
    assert pages_ahead(ScanState(per_page=1, page_no=None), 3) == range(0)


@given(limit=st.integers(1, 3000), pages=st.lists(st.integers(0, 700), max_size=30))
def test_seen_ids_are_bounded(limit: int, pages: list[int]) -> None:
    """The memory holds at least the last `limit` ids and at most one chunk more."""
    seen = SeenIds(limit)
    added: list[str] = []
    for length in pages:
        batch = [f"{len(added) + i}" for i in range(length)]
        seen = seen.add(batch)
        added += batch
    kept = min(limit, len(added))
    assert all(i in seen for i in added[len(added) - kept :])
    assert kept <= seen.size <= limit + max(pages, default=0) + 1024
    assert seen.size == sum(len(c.ids) for c in seen.chunks)
    assert seen.last(kept) == tuple(added[len(added) - kept :])
    assert seen.last(0) == ()
    assert 12 not in seen


@given(size=listing_sizes, stop=st.integers(0, 700))
def test_token_resumes_anywhere_without_gaps(size: tuple[int, int, int], stop: int) -> None:
    """A scan stopped after any record, written down and read back, yields the rest once each."""
    count, per_page, cap = size
    listing = Listing(count, cap)
    state = ScanState(per_page=per_page, query=(("status", "UPLOADED"),))
    got: list[str] = []
    token = None
    while (page_no := state.page_no) is not None and token is None:
        before = state
        state, fresh = step(before, page_no, listing.page(page_no, per_page))
        if len(got) + len(fresh) > stop:
            # Stopped inside this page: the token is the state before it plus what was handed out.
            part = fresh[: stop - len(got)]
            got += [r.id for r in part]
            token = before.token(part)
        else:
            got += [r.id for r in fresh]
    text = (token or state.token()).dumps()
    resumed = ScanState.from_token(ResumeToken.loads(text))
    assert resumed.query == (("status", "UPLOADED"),)
    rest, _, _ = scan(listing, resumed)
    assert got + rest == [str(n) for n in range(count)]


def test_token_of_a_long_scan_is_bounded() -> None:
    """A token carries at most two pages' ids (and TOKEN_IDS), however long the scan."""
    listing = Listing(5000, cap=1500)
    _, state, _ = scan(listing, ScanState(per_page=1500, page_no=1))
    assert state.token().done
    assert len(state.token().seen) == TOKEN_IDS
    assert len(ScanState(per_page=10).token().seen) == 0


def test_long_ids_are_trimmed_to_the_size_bound() -> None:
    """Ids too long for the bound: the oldest are left out, the token still reads back."""
    huge = ResumeToken(
        query=(), per_page=10, page_no=2, seen=tuple("x" * 40_000 + str(n) for n in range(10))
    )
    text = huge.dumps()
    assert len(text) <= MAX_TOKEN_CHARS
    back = ResumeToken.loads(text)
    assert 0 < len(back.seen) < 10
    assert back.seen == huge.seen[-len(back.seen) :]


def test_tokens_written_by_earlier_releases_still_read() -> None:
    """A token string written by the previous release's dumps() reads back the same."""
    old = "eyJ2IjoxLCJxIjpbWyJzdGF0dXMiLCJVUExPQURFRCJdXSwibiI6MTAsInAiOjMsInMiOlsiYSIsImIiXSwiZCI6ZmFsc2V9"
    assert ResumeToken.loads(old) == ResumeToken(
        query=(("status", "UPLOADED"),), per_page=10, page_no=3, seen=("a", "b")
    )
    done = ResumeToken.loads("eyJ2IjoxLCJxIjpbXSwibiI6MTAwLCJwIjowLCJzIjpbXSwiZCI6dHJ1ZX0=")
    assert ScanState.from_token(done).page_no is None


def encoded(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


GOOD = {"v": 1, "q": [["status", "UPLOADED"]], "n": 10, "p": 3, "s": ["a"], "d": False}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "!!!",
        "é",
        encoded([]),
        encoded({**GOOD, "v": 2}),
        encoded({**GOOD, "n": 0}),
        encoded({**GOOD, "n": True}),
        encoded({**GOOD, "p": 0}),
        encoded({**GOOD, "p": 2**63}),
        encoded({**GOOD, "n": 1e999}),
        encoded({**GOOD, "q": [["status"]]}),
        encoded({**GOOD, "q": {"status": "x"}}),
        encoded({**GOOD, "s": [1]}),
        encoded({**GOOD, "d": 1}),
        base64.urlsafe_b64encode(b'{"v":1,"q":' + b"[" * 100_000).decode(),
        "A" * (MAX_TOKEN_CHARS + 4),
    ],
)
def test_bad_tokens_are_value_errors(text: str) -> None:
    """Malformed, hostile or oversized token text: ValueError with a clear message, nothing else."""
    with pytest.raises(ValueError, match="not a resume token"):
        ResumeToken.loads(text)


def test_token_must_be_text() -> None:
    """Something that is not a str is a TypeError."""
    with pytest.raises(TypeError, match="a resume token is a str, got bytes"):
        ResumeToken.loads(b"abc")  # type: ignore[arg-type]


@given(value=json_values)
def test_any_json_is_a_token_or_a_value_error(value: object) -> None:
    """Whatever JSON a token decodes to, loads() returns a token or raises ValueError."""
    try:
        ResumeToken.loads(encoded(value))
    except ValueError as exc:
        assert "not a resume token" in str(exc)


@given(text=st.text(max_size=200))
def test_any_text_is_a_token_or_a_value_error(text: str) -> None:
    """Arbitrary text never escapes as anything but ValueError."""
    try:
        ResumeToken.loads(text)
    except ValueError as exc:
        assert "not a resume token" in str(exc)
