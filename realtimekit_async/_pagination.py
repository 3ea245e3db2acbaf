"""Walking every page of a listing: the pager that fetches pages and feeds them to the scan.

What the scan decides (which page next, which records are new, when it is over, what a resume
token holds) is pure and lives in :mod:`._scan`. The pager only does the I/O around it: it awaits
pages in order, keeps a few following pages in flight, and hands out records or pages through the
one iterator it owns.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Any, Self, TypeVar

from ._errors import request_context
from ._models import Recording, RecordingPage
from ._scan import (
    DEDUPE_WINDOW,
    ResumeToken,
    ScanState,
    SeenIds,
    next_page_no,
    pages_ahead,
    paging_is_usable,
    step,
)

__all__ = ["RecordingPager", "ResumeToken", "next_page_no", "paging_is_usable"]

FetchPage = Callable[[int, int], Awaitable[RecordingPage]]
T = TypeVar("T")


class RecordingPager:
    """All recordings matching a listing's filters, fetched page by page as you iterate.

    ``async for recording in pager`` yields each :class:`Recording`; ``async for page in
    pager.pages()`` yields each :class:`RecordingPage` (minus any recording already yielded).
    Get it from :meth:`RealtimeKitSession.list_recordings`; nothing is sent until you iterate.

    A pager is one scan with one iterator: a second ``async for`` over the same pager, or
    ``pages()`` after iterating it (or the other way round), raises ``RuntimeError``. To go on
    after leaving a loop, take :attr:`resume_token` and call ``list_recordings(resume=…)``.

    While you work through one page, up to *prefetch* following pages are already requested,
    in order, and only pages known to exist (from ``total_count``), so a scan of N records still
    makes exactly ⌈N / page size⌉ requests. Leaving a loop early cancels requests in flight as
    soon as the iterator is closed; ``async with pager:`` closes it at once.
    """

    def __init__(
        self,
        fetch: FetchPage,
        *,
        per_page: int,
        query: tuple[tuple[str, str], ...] = (),
        resume: ResumeToken | None = None,
        prefetch: int = 2,
        dedupe_window: int = DEDUPE_WINDOW,
    ) -> None:
        self._fetch = fetch
        self._prefetch = prefetch
        self._cursor = _Cursor(
            ScanState.from_token(resume, dedupe_window=dedupe_window)
            if resume is not None
            else ScanState(per_page=per_page, query=query, seen=SeenIds(dedupe_window))
        )
        self._iterator: AsyncGenerator[Any] | None = None

    @property
    def total_count(self) -> int | None:
        """The server's count of matching recordings, once the first page has arrived."""
        return self._cursor.state.total_count

    @property
    def pages_fetched(self) -> int:
        """How many list requests this pager has completed."""
        return self._cursor.pages_fetched

    @property
    def resume_token(self) -> ResumeToken:
        """A token to continue this scan later from the first recording not yet yielded."""
        return self._cursor.token()

    def __aiter__(self) -> AsyncIterator[Recording]:
        return self._own(_records(self._fetch, self._prefetch, self._cursor))

    def pages(self) -> AsyncIterator[RecordingPage]:
        """Iterate page by page instead of recording by recording."""
        return self._own(_pages(self._fetch, self._prefetch, self._cursor))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the iteration of this pager and cancel requests it has in flight."""
        if self._iterator is not None:
            await self._iterator.aclose()

    def _own(self, iterator: AsyncGenerator[T]) -> AsyncGenerator[T]:
        # The generator has not started, so dropping it runs no code and warns about nothing.
        if self._iterator is not None:
            msg = (
                "this RecordingPager is already being iterated; a pager is one scan with one "
                "iterator: to continue later, use list_recordings(resume=pager.resume_token)"
            )
            raise RuntimeError(msg)
        self._iterator = iterator
        return iterator


class _Cursor:
    """What a pager and its iterator share: the scan state and the page being handed out.

    The iterator holds this, not the pager, so a loop over a pager nobody keeps is closed (and
    its prefetches cancelled) as soon as the loop is left, by reference counting, instead of
    whenever the garbage collector gets to a pager <-> iterator cycle.
    """

    def __init__(self, state: ScanState) -> None:
        self.state = state
        self.pages_fetched = 0
        # The page being handed out record by record: the state before it, its fresh records,
        # and how many of them the caller has. A token taken meanwhile resumes inside it.
        self.before: ScanState | None = None
        self.page: tuple[Recording, ...] = ()
        self.handed = 0

    def token(self) -> ResumeToken:
        if self.before is not None and self.handed < len(self.page):
            return self.before.token(self.page[: self.handed])
        return self.state.token()


async def _records(fetch: FetchPage, prefetch: int, cursor: _Cursor) -> AsyncGenerator[Recording]:
    # aclosing: closing this iterator closes the page iterator at once, prefetches included.
    async with aclosing(_scan(fetch, prefetch, cursor)) as scan:
        async for before, page in scan:
            cursor.before, cursor.page, cursor.handed = before, page.items, 0
            for recording in page.items:
                cursor.handed += 1
                yield recording


async def _pages(fetch: FetchPage, prefetch: int, cursor: _Cursor) -> AsyncGenerator[RecordingPage]:
    # A page handed out is a page consumed: a token taken while working on it continues
    # with the next one.
    async with aclosing(_scan(fetch, prefetch, cursor)) as scan:
        async for _, page in scan:
            yield page


async def _scan(
    fetch: FetchPage, prefetch: int, cursor: _Cursor
) -> AsyncGenerator[tuple[ScanState, RecordingPage]]:
    """Each page in order with the state before it; later pages requested meanwhile."""
    ahead: dict[int, asyncio.Task[RecordingPage]] = {}
    try:
        while (page_no := cursor.state.page_no) is not None:
            pending = ahead.pop(page_no, None)
            before = cursor.state
            with request_context(page_no=page_no):
                page = await (pending or fetch(page_no, before.per_page))
                cursor.pages_fetched += 1
                cursor.state, fresh = step(before, page_no, page)
            for number in pages_ahead(cursor.state, prefetch):
                if number not in ahead:
                    ahead[number] = asyncio.ensure_future(fetch(number, before.per_page))
            yield before, RecordingPage(fresh, page.paging)
    finally:
        for task in ahead.values():
            task.cancel()
        # Wait for the cancellations, so no connection outlives the iterator.
        await asyncio.gather(*ahead.values(), return_exceptions=True)
