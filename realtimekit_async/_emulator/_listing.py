"""The list endpoint's query parsing, filtering, ordering and paging (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from realtimekit_async._emulator._records import STATUSES
from realtimekit_async._emulator._state import default_order_key
from realtimekit_async._emulator._wire import ApiError, parse_time

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from realtimekit_async._emulator._records import Meeting, Recording


#: A JSON number with at most three exponent digits (a larger one is no sensible page).
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]{1,3})?")


@dataclass(frozen=True)
class ListQuery:
    """A validated list request."""

    page_no: int = 1
    per_page: int = 25
    meeting_id: str | None = None
    statuses: frozenset[str] | None = None
    search: str | None = None
    expired: bool | None = None
    descending: bool = True
    start_time: datetime | None = None
    end_time: datetime | None = None


@dataclass(frozen=True)
class Page:
    """One page of results and its paging block."""

    items: list[Recording]
    total_count: int
    start_offset: int
    end_offset: int

    def paging(self) -> dict[str, int]:
        """The ``paging`` object of the response."""
        return {
            "total_count": self.total_count,
            "start_offset": self.start_offset,
            "end_offset": self.end_offset,
        }


def _bad(name: str, detail: str) -> ApiError:
    return ApiError(400, f'"{name}" {detail}')


def _count(name: str, raw: str | None, default: int) -> int:
    # allowEmptyValue: an empty value means "not given".
    if raw is None or raw == "":
        return default
    # The schema types both as `number`, and the official SDK sends floats ("2.0"): any JSON
    # number with an integral value counts. What the real server does with "2.5" is unknown;
    # the emulator refuses it like any other value that is not a whole page.
    number = _NUMBER.fullmatch(raw)
    if number is None:
        raise _bad(name, "must be an integer")
    value = Decimal(raw)
    if value != value.to_integral_value():
        raise _bad(name, "must be an integer")
    if value < 0:
        raise _bad(name, "must be greater than or equal to 0")
    # Q3: page_no=0 and per_page=0 are allowed by the schema (minimum 0); the likeliest
    # meaning is "the default", i.e. the first page and the default page size.
    return int(value) or default


def _time(name: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return parse_time(raw)
    except ValueError:
        raise _bad(name, "must be an ISO 8601 date-time") from None


def parse_list_query(
    items: Sequence[tuple[str, str]], *, default_per_page: int, max_per_page: int
) -> ListQuery:
    """Validate the list endpoint's query string.

    Args:
        items: Decoded query pairs, repeated keys kept.
        default_per_page: Page size when ``per_page`` is absent or 0.
        max_per_page: Silent cap on ``per_page``.

    Raises:
        ApiError: 400 naming the first bad parameter.
    """
    first = dict(reversed(items))
    statuses: set[str] = set()
    # Q4: accept both encodings, comma-joined (explode: false) and repeated keys (the SDK).
    for key, value in items:
        if key == "status":
            statuses.update(part for part in value.split(",") if part)
    unknown = sorted(statuses - set(STATUSES))
    if unknown:
        raise _bad("status", "must be one of " + ", ".join(STATUSES))
    expired = first.get("expired")
    if expired not in {None, "true", "false"}:
        raise _bad("expired", "must be true or false")
    if first.get("sort_by", "invokedTime") != "invokedTime":
        raise _bad("sort_by", "must be invokedTime")
    order = first.get("sort_order", "DESC")
    if order not in {"ASC", "DESC"}:
        raise _bad("sort_order", "must be ASC or DESC")
    return ListQuery(
        page_no=_count("page_no", first.get("page_no"), 1),
        per_page=min(_count("per_page", first.get("per_page"), default_per_page), max_per_page),
        meeting_id=first.get("meeting_id"),
        statuses=frozenset(statuses) or None,
        search=first.get("search") or None,
        expired=None if expired is None else expired == "true",
        descending=order == "DESC",
        start_time=_time("start_time", first.get("start_time")),
        end_time=_time("end_time", first.get("end_time")),
    )


def _matches(rec: Recording, meeting: Meeting | None, query: ListQuery, now: datetime) -> bool:
    if query.meeting_id is not None and rec.meeting_id != query.meeting_id:
        return False
    if query.statuses is not None and rec.status not in query.statuses:
        return False
    if query.search is not None:
        needle = query.search.lower()
        title = (meeting.title if meeting else None) or ""
        if needle not in rec.meeting_id.lower() and needle not in title.lower():
            return False
    if query.expired is not None:
        # Q16: a recording without a link expiry (not uploaded, or bucket disabled) counts as
        # not expired.
        expiry = rec.download_url_expiry
        if (expiry is not None and expiry < now) != query.expired:
            return False
    # Q15: start_time/end_time are taken as inclusive bounds on invoked_time.
    if query.start_time is not None and rec.invoked_time < query.start_time:
        return False
    return query.end_time is None or rec.invoked_time <= query.end_time


def list_page(
    recordings: Iterable[Recording],
    meetings: Mapping[str, Meeting],
    query: ListQuery,
    now: datetime,
) -> Page:
    """Filter, order (``invoked_time`` then id) and slice one page.

    Offsets are 1-based and inclusive. An empty page reports ``start_offset`` and
    ``end_offset`` equal to ``total_count`` (Q3: undocumented; this keeps the rule
    ``end_offset >= total_count`` means "last page" true for pages past the end).
    """
    selected = sorted(
        (r for r in recordings if _matches(r, meetings.get(r.meeting_id), query, now)),
        key=default_order_key,
        reverse=query.descending,
    )
    start = (query.page_no - 1) * query.per_page
    items = selected[start : start + query.per_page]
    total = len(selected)
    if not items:
        return Page(items, total, total, total)
    return Page(items, total, start + 1, start + len(items))
