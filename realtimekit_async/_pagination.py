"""Walking every page of a listing: pure next-page arithmetic and the pager that drives it.

The rules (DESIGN §2): pages are numbered from 1; the scan ends when ``end_offset >=
total_count`` or a page is empty, so N records take exactly ⌈N / page size⌉ requests. A short page
alone does not end it, because the server may cap ``per_page`` without saying so; only a page
without usable paging falls back to "short page means last page". Offsets shift when recordings
are added or removed during a scan, so ids recently yielded are remembered and not yielded again;
a server that answers every ``page_no`` with the same page is detected instead of looped on.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import math
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, Final, Self, TypeVar

import attrs

from . import _json
from ._errors import RealtimeKitError, ResponseParseError
from ._models import Paging, Recording, RecordingPage

__all__ = ["RecordingPager", "ResumeToken", "next_page_no", "paging_is_usable"]

#: How many recent ids a scan remembers to drop duplicates caused by shifting offsets.
DEDUPE_WINDOW: Final = 10_000

FetchPage = Callable[[int, int], Awaitable[RecordingPage]]
T = TypeVar("T")


def paging_is_usable(paging: Paging, item_count: int) -> bool:
    """Whether the page's offsets describe its items and can be trusted to find the end."""
    return (
        paging.total_count >= 0
        and paging.start_offset >= 1
        and paging.end_offset - paging.start_offset + 1 == item_count
    )


def next_page_no(page_no: int, per_page: int, page: RecordingPage) -> int | None:
    """The page to ask for after *page* (number *page_no*), or ``None`` when the scan is over."""
    if not page.items:
        return None
    if paging_is_usable(page.paging, len(page.items)):
        return None if page.paging.end_offset >= page.paging.total_count else page_no + 1
    return None if len(page.items) < per_page else page_no + 1


@attrs.frozen
class ResumeToken:
    """Where an interrupted scan stands: enough to continue without gaps or duplicates.

    Get one from :attr:`RecordingPager.resume_token`, store :meth:`dumps`, and continue later with
    ``session.list_recordings(resume=ResumeToken.loads(text))``. The filters are part of the
    token, so the scan goes on over the same selection.
    """

    query: tuple[tuple[str, str], ...]
    per_page: int
    page_no: int
    seen: tuple[str, ...] = ()
    done: bool = False

    def dumps(self) -> str:
        """The token as a compact, URL-safe string."""
        raw = _json.dumps(
            {
                "v": 1,
                "q": [list(pair) for pair in self.query],
                "n": self.per_page,
                "p": self.page_no,
                "s": list(self.seen),
                "d": self.done,
            }
        )
        return base64.urlsafe_b64encode(raw).decode("ascii")

    @classmethod
    def loads(cls, text: str) -> ResumeToken:
        """Read a token written by :meth:`dumps`; ``ValueError`` if it is not one."""
        try:
            data: Any = _json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
            if data["v"] != 1:
                raise ValueError
            return cls(
                query=tuple((str(k), str(v)) for k, v in data["q"]),
                per_page=int(data["n"]),
                page_no=int(data["p"]),
                seen=tuple(str(s) for s in data["s"]),
                done=bool(data["d"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError) as exc:
            msg = "not a resume token written by RecordingPager.resume_token.dumps()"
            raise ValueError(msg) from exc


class _RecentIds:
    """A bounded set: remembers the last *size* ids added."""

    def __init__(self, size: int, initial: Iterable[str] = ()) -> None:
        self._order: deque[str] = deque(maxlen=size)
        self._ids: set[str] = set()
        for item in initial:
            self.add(item)

    def __contains__(self, item: str) -> bool:
        return item in self._ids

    def add(self, item: str) -> None:
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(item)
        self._ids.add(item)

    def extend(self, items: Iterable[str]) -> None:
        for item in items:
            self.add(item)

    def last(self, count: int) -> tuple[str, ...]:
        return tuple(self._order)[-count:] if count else ()


class RecordingPager:
    """All recordings matching a listing's filters, fetched page by page as you iterate.

    ``async for recording in pager`` yields each :class:`Recording`; ``async for page in
    pager.pages()`` yields each :class:`RecordingPage` (minus any recording already yielded).
    A pager is a one-shot iterator: iterating again continues where the last loop stopped.
    Get it from :meth:`RealtimeKitSession.list_recordings`; nothing is sent until you iterate.

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
        self._iterator: AsyncGenerator[Any] | None = None
        self._current: tuple[Recording, ...] = ()
        self._yielded = 0
        self._per_page = per_page
        self._query = query
        self._page_no: int | None = 1
        self._recent = _RecentIds(dedupe_window)
        self._last_start: int | None = None
        self._following: int | None = None
        self.total_count: int | None = None
        """The server's count of matching recordings, once the first page has arrived."""
        self.pages_fetched = 0
        """How many list requests this pager has completed."""
        if resume is not None:
            self._page_no = None if resume.done else resume.page_no
            self._recent = _RecentIds(dedupe_window, resume.seen)

    @property
    def resume_token(self) -> ResumeToken:
        """A token to continue this scan later from the first recording not yet yielded."""
        return ResumeToken(
            query=self._query,
            per_page=self._per_page,
            page_no=self._page_no or 0,
            # The ids that shifting offsets could bring back: about two pages' worth.
            seen=(
                self._recent.last(2 * self._per_page)
                + tuple(r.id for r in self._current[: self._yielded])
            )[-2 * self._per_page :],
            done=self._page_no is None,
        )

    def __aiter__(self) -> AsyncIterator[Recording]:
        return self._track(self._records())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the current iteration of this pager and cancel requests it has in flight."""
        if self._iterator is not None:
            await self._iterator.aclose()

    def _track(self, iterator: AsyncGenerator[T]) -> AsyncGenerator[T]:
        self._iterator = iterator
        return iterator

    async def _records(self) -> AsyncGenerator[Recording]:
        async for page in self._pages(mark_seen=False):
            # Ids are remembered a page at a time; resume_token adds the part already yielded.
            self._current = page.items
            for self._yielded, recording in enumerate(page.items, 1):
                yield recording
            self._recent.extend(r.id for r in page.items)
            self._current, self._yielded = (), 0
            self._advance(page)

    def pages(self) -> AsyncIterator[RecordingPage]:
        """Iterate page by page instead of recording by recording."""
        return self._track(self._page_iter())

    async def _page_iter(self) -> AsyncGenerator[RecordingPage]:
        async for page in self._pages(mark_seen=True):
            # A page handed out is a page consumed: a token taken while working on it
            # continues with the next one.
            self._advance(page)
            yield page

    def _advance(self, page: RecordingPage) -> None:
        self._page_no = self._following

    async def _pages(self, *, mark_seen: bool) -> AsyncIterator[RecordingPage]:
        ahead: dict[int, asyncio.Task[RecordingPage]] = {}
        try:
            while self._page_no is not None:
                page_no = self._page_no
                pending = ahead.pop(page_no, None)
                try:
                    page = await (pending or self._fetch(page_no, self._per_page))
                    self.pages_fetched += 1
                    self._check_progress(page_no, page)
                except RealtimeKitError as exc:
                    exc.page_no = page_no
                    raise
                self._take(page_no, page, ahead)
                yield self._fresh(page, mark_seen=mark_seen)
        finally:
            for task in ahead.values():
                task.cancel()
            # Wait for the cancellations, so no connection outlives the iterator.
            await asyncio.gather(*ahead.values(), return_exceptions=True)

    def _take(
        self, page_no: int, page: RecordingPage, ahead: dict[int, asyncio.Task[RecordingPage]]
    ) -> None:
        """Note what *page* says about the scan and request the pages that surely follow it."""
        self.total_count = page.paging.total_count
        self._following = next_page_no(page_no, self._per_page, page)
        if self._following is None or not self._prefetch:
            return
        # A full page that is not the last one tells the size the server really uses.
        last = math.ceil(page.paging.total_count / len(page.items))
        for number in range(self._following, min(self._following + self._prefetch, last + 1)):
            if number not in ahead:
                ahead[number] = asyncio.ensure_future(self._fetch(number, self._per_page))

    def _fresh(self, page: RecordingPage, *, mark_seen: bool) -> RecordingPage:
        fresh = tuple(r for r in page.items if r.id not in self._recent)
        if mark_seen:
            for recording in fresh:
                self._recent.add(recording.id)
        if (
            not fresh
            and self._following is not None
            and not paging_is_usable(page.paging, len(page.items))
        ):
            # Without offsets to go by, a page of nothing new means the server repeats itself.
            self._following = None
        return RecordingPage(fresh, page.paging)

    def _check_progress(self, page_no: int, page: RecordingPage) -> None:
        if not page.items or not paging_is_usable(page.paging, len(page.items)):
            return
        start = page.paging.start_offset
        if self._last_start is not None and start <= self._last_start:
            msg = (
                f"the server answered page {page_no} with offsets {start}-"
                f"{page.paging.end_offset} again; it does not seem to honour page_no"
            )
            raise ResponseParseError(msg)
        self._last_start = start
