"""A list endpoint over a mutable list of recordings, shared by the scan and pager tests."""

from __future__ import annotations

import datetime as dt

from realtimekit_async import Paging, Recording, RecordingPage

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def rec(n: int | str) -> Recording:
    """A recording with id *n* and nothing else of interest."""
    return Recording(id=str(n), status="UPLOADED", invoked_time=T0, output_file_name="f")


class Listing:
    """A list endpoint over a mutable list: 1-based inclusive offsets and a per_page cap."""

    def __init__(self, count: int, cap: int = 100, *, paging: bool = True) -> None:
        self.records = [rec(n) for n in range(count)]
        self.cap = cap
        self.paging = paging
        self.requests: list[int] = []

    def page(self, page_no: int, per_page: int) -> RecordingPage:
        """The answer to one request (without usable paging when *paging* is off)."""
        self.requests.append(page_no)
        size = min(per_page, self.cap)
        start = (page_no - 1) * size
        items = tuple(self.records[start : start + size])
        if not self.paging:
            return RecordingPage(items, Paging(0, 0, 0))
        return RecordingPage(items, Paging(len(self.records), start + 1, start + len(items)))
