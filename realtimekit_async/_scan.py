"""The scan of a listing as data: a frozen state and a pure step from one page to the next.

The rules (DESIGN §2): pages are numbered from 1; the scan ends when ``end_offset >=
total_count`` or a page is empty, so N records take exactly ⌈N / page size⌉ requests. A short page
alone does not end it, because the server may cap ``per_page`` without saying so; only a page
without usable paging falls back to "short page means last page". Offsets shift when recordings
are added or removed during a scan, so ids recently yielded are remembered and not yielded again;
a server that answers every ``page_no`` with the same page is detected instead of looped on.

Nothing here awaits: :func:`step` takes a state and the page just read and returns the next state
and the records to hand out, so every rule is tested with plain values. The pager
(:mod:`._pagination`) only fetches pages and feeds them through :func:`step`; a
:class:`ResumeToken` is a state written down.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterable, Sequence
from typing import Any, Final, TypeGuard, cast

import attrs

from . import _json
from ._errors import ResponseParseError
from ._models import Paging, Recording, RecordingPage

__all__ = [
    "DEDUPE_WINDOW",
    "ResumeToken",
    "ScanState",
    "SeenIds",
    "next_page_no",
    "pages_ahead",
    "paging_is_usable",
    "step",
]

#: How many recent ids a scan remembers to drop duplicates caused by shifting offsets. An id
#: comes back when recordings are inserted ahead of the scan's position after it was yielded; it
#: is recognised as long as fewer than about this many recordings were yielded in between, i.e.
#: up to ~10,000 insertions during one scan. The memory costs about 1 MB at this size.
DEDUPE_WINDOW: Final = 10_000
#: Most ids a resume token carries: the current page's yielded part plus the page before, which
#: is what a scan resumed soon after needs; beyond that the token would grow without much gain.
TOKEN_IDS: Final = 2_000
#: Longest token text :meth:`ResumeToken.loads` reads (and :meth:`ResumeToken.dumps` writes).
MAX_TOKEN_CHARS: Final = 256 * 1024
# Ids per lookup set of SeenIds; see there.
_CHUNK: Final = 1_024
_UNREADABLE: Final = "not a resume token written by RecordingPager.resume_token.dumps()"


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
class _Chunk:
    ids: tuple[str, ...]
    index: frozenset[str]


@attrs.frozen
class SeenIds:
    """An immutable memory of the last *limit* ids a scan yielded, oldest first.

    The ids sit in chunks, each with a frozenset for lookups, so that adding a page copies only
    the newest chunk (under ``_CHUNK`` ids plus the page) and a lookup asks at most
    ``limit / _CHUNK + 2`` sets: the cost per record stays flat however long the scan runs. The
    oldest chunk is dropped once the rest still holds *limit* ids, so the memory keeps at least
    the last *limit* ids and at most *limit* plus one chunk.
    """

    limit: int = DEDUPE_WINDOW
    chunks: tuple[_Chunk, ...] = ()
    size: int = 0

    def __contains__(self, item: object) -> bool:
        return any(item in chunk.index for chunk in self.chunks)

    def fresh(self, items: tuple[Recording, ...]) -> tuple[Recording, ...]:
        """The *items* not remembered here, each id once (a page may repeat an id itself)."""
        ids = {r.id for r in items}
        known = [c.index for c in self.chunks if not c.index.isdisjoint(ids)]
        if not known and len(ids) == len(items):
            return items  # the usual page: nothing to drop, no copy
        taken: set[str] = set()
        fresh: list[Recording] = []
        for recording in items:
            rid = recording.id
            if rid not in taken and not any(rid in index for index in known):
                taken.add(rid)
                fresh.append(recording)
        return tuple(fresh)

    def add(self, ids: Iterable[str]) -> SeenIds:
        """This memory with *ids* remembered as the newest."""
        new = tuple(ids)
        if not new:
            return self
        chunks, size = self.chunks, self.size + len(new)
        # Small limits get small chunks, so the bound "limit plus one chunk" stays meaningful.
        chunk_size = max(1, min(_CHUNK, self.limit // 8))
        if chunks and len(chunks[-1].ids) < chunk_size:
            last = chunks[-1]
            chunks = (*chunks[:-1], _Chunk(last.ids + new, last.index.union(new)))
        else:
            chunks = (*chunks, _Chunk(new, frozenset(new)))
        while size - len(chunks[0].ids) >= self.limit:
            size -= len(chunks[0].ids)
            chunks = chunks[1:]
        return SeenIds(self.limit, chunks, size)

    def last(self, count: int) -> tuple[str, ...]:
        """The newest *count* ids (fewer if fewer are remembered), oldest first.

        Costs O(*count*), not O(*limit*): a token can be taken after every record.
        """
        ids: tuple[str, ...] = ()
        for chunk in reversed(self.chunks):
            if len(ids) >= count:
                break
            ids = chunk.ids[max(0, len(chunk.ids) - (count - len(ids))) :] + ids
        return ids


@attrs.frozen
class ScanState:
    """Where a scan stands between two pages.

    Build the first one with ``ScanState(per_page=…, query=…)`` or from a token with
    :meth:`from_token`; each page read goes through :func:`step`.
    """

    per_page: int
    query: tuple[tuple[str, str], ...] = ()
    page_no: int | None = 1
    """The next page to ask for; ``None`` once the scan is over."""
    seen: SeenIds = SeenIds()
    last_start: int | None = None
    """Start offset of the last page with usable paging: a page not after it is no progress."""
    total_count: int | None = None
    """The server's count from the last page read."""
    last_page: int = 0
    """The highest page number known to exist (0: none known beyond ``page_no``)."""

    @classmethod
    def from_token(cls, token: ResumeToken, *, dedupe_window: int = DEDUPE_WINDOW) -> ScanState:
        """The state a :class:`ResumeToken` was written from (its dedupe memory shortened)."""
        return cls(
            per_page=token.per_page,
            query=token.query,
            page_no=None if token.done else token.page_no,
            seen=SeenIds(dedupe_window).add(token.seen),
        )

    def token(self, handed: Sequence[Recording] = ()) -> ResumeToken:
        """This state written down, with the newest remembered ids (at most two pages' worth).

        *handed* are records of the page to come that were already handed out: the token of a
        scan stopped in the middle of a page asks for that page again and skips them.
        """
        keep = min(2 * self.per_page, TOKEN_IDS)
        # The memory gives no more than its window; the part of the page handed out always goes
        # in, or resuming would repeat it.
        recent = self.seen.last(min(keep, self.seen.limit)) + tuple([r.id for r in handed])
        return ResumeToken(
            query=self.query,
            per_page=self.per_page,
            page_no=self.page_no or 0,
            seen=recent[max(0, len(recent) - keep) :],
            done=self.page_no is None,
        )


def step(
    state: ScanState, page_no: int, page: RecordingPage
) -> tuple[ScanState, tuple[Recording, ...]]:
    """Read *page* (asked for as *page_no*): the next state and the records not yielded before.

    Raises :class:`ResponseParseError` when the page's offsets do not move past the previous
    page's, i.e. the server ignores ``page_no``.
    """
    if page_no != state.page_no:
        msg = f"the scan expects page {state.page_no}, not page {page_no}"
        raise ValueError(msg)
    items, paging = page.items, page.paging
    usable = bool(items) and paging_is_usable(paging, len(items))
    last_start = state.last_start
    if usable:
        if last_start is not None and paging.start_offset <= last_start:
            msg = (
                f"the server answered page {page_no} with offsets {paging.start_offset}-"
                f"{paging.end_offset} again; it does not seem to honour page_no"
            )
            raise ResponseParseError(msg)
        last_start = paging.start_offset
    following = next_page_no(page_no, state.per_page, page)
    fresh = state.seen.fresh(items)
    if not fresh and not usable:
        # Without offsets to go by, a page of nothing new means the server repeats itself.
        following = None
    # Pages known to exist: the page just read tells the size the server really uses (its cap,
    # maybe below per_page), and only offsets that describe the page are trusted for the count.
    last_page = math.ceil(paging.total_count / len(items)) if usable and following else 0
    next_state = ScanState(
        per_page=state.per_page,
        query=state.query,
        page_no=following,
        seen=state.seen.add(r.id for r in fresh),
        last_start=last_start,
        total_count=paging.total_count,
        last_page=last_page,
    )
    return next_state, fresh


def pages_ahead(state: ScanState, count: int) -> range:
    """Up to *count* page numbers from the next one on that surely exist, to request early."""
    if state.page_no is None:
        return range(0)
    return range(state.page_no, min(state.page_no + count, state.last_page + 1))


@attrs.frozen
class ResumeToken:
    """Where an interrupted scan stands: enough to continue without gaps or duplicates.

    Get one from :attr:`RecordingPager.resume_token`, store :meth:`dumps`, and continue later with
    ``session.list_recordings(resume=ResumeToken.loads(text))``. The filters are part of the
    token, so the scan goes on over the same selection. It is the scan's state written down
    (:meth:`ScanState.token`), with at most two pages' worth of recent ids, so the string stays
    under ``MAX_TOKEN_CHARS`` (256 KiB).
    """

    query: tuple[tuple[str, str], ...]
    per_page: int
    page_no: int
    seen: tuple[str, ...] = ()
    done: bool = False

    def dumps(self) -> str:
        """The token as a compact, URL-safe string (at most ``MAX_TOKEN_CHARS`` long).

        Should the ids be unusually long, the oldest are left out to stay within the bound.
        """
        seen = list(self.seen)
        while True:
            raw = _json.dumps(
                {
                    "v": 1,
                    "q": [list(pair) for pair in self.query],
                    "n": self.per_page,
                    "p": self.page_no,
                    "s": seen,
                    "d": self.done,
                }
            )
            text = base64.urlsafe_b64encode(raw).decode("ascii")
            if len(text) <= MAX_TOKEN_CHARS or not seen:
                return text
            del seen[: max(1, len(seen) // 4)]

    @classmethod
    def loads(cls, text: str) -> ResumeToken:
        """Read a token written by :meth:`dumps`; ``ValueError`` if it is not one."""
        if not isinstance(cast("object", text), str):  # the session passes any non-token here
            msg = f"a resume token is a str, got {type(text).__name__}"
            raise TypeError(msg)
        if len(text) > MAX_TOKEN_CHARS:
            msg = f"{_UNREADABLE}: longer than {MAX_TOKEN_CHARS} characters"
            raise ValueError(msg)
        try:
            data: Any = _json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
        except (ValueError, binascii.Error, UnicodeError, RecursionError) as exc:
            raise ValueError(_UNREADABLE) from exc
        token = _token_from(data)
        if token is None:
            raise ValueError(_UNREADABLE)
        return token


def _is_int(value: object, low: int) -> TypeGuard[int]:
    # bool is an int to Python but not a count; 2**63 keeps page numbers sendable.
    return type(value) is int and low <= value < 2**63


def _strings(value: object) -> TypeGuard[list[str]]:
    return type(value) is list and all(type(v) is str for v in cast("list[object]", value))


def _token_from(data: object) -> ResumeToken | None:
    """The token *data* describes, or ``None`` if it is not exactly one (checked field by field)."""
    if type(data) is not dict:
        return None
    fields = cast("dict[str, object]", data)
    query, per_page, page_no, seen, done = (fields.get(k) for k in ("q", "n", "p", "s", "d"))
    if (
        fields.get("v") != 1
        or type(query) is not list
        or not _is_int(per_page, 1)
        or not _is_int(page_no, 0)
        or not _strings(seen)
        or type(done) is not bool
        or not (page_no >= 1 or done)
    ):
        return None
    pairs: list[tuple[str, str]] = []
    for pair in cast("list[object]", query):
        if not _strings(pair) or len(pair) != 2:
            return None
        pairs.append((pair[0], pair[1]))
    return ResumeToken(
        query=tuple(pairs), per_page=per_page, page_no=page_no, seen=tuple(seen), done=done
    )
