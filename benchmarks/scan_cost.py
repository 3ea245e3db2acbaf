"""What the pager itself costs per record, with pages already in memory: no I/O, no decoding.

``python benchmarks/scan_cost.py [--records 20000,100000] [--repeat 5]`` drives a
``RecordingPager`` over pre-built pages and prints the best-of-*repeat* process CPU per record
for: records only; records with a ``resume_token`` taken after each one; pages with a token
(and its ``dumps()``) after each page, as ``realtimekit list --output`` checkpoints. The figures
should not grow with the listing's length: the dedupe memory and the token are bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from collections.abc import Callable, Coroutine
from typing import Any

from realtimekit_async import Paging, Recording, RecordingPage, RecordingPager

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _pages(count: int, per_page: int) -> list[RecordingPage]:
    records = [
        Recording(
            id=f"{n:08x}-0000-4000-a000-{n:012x}",
            status="UPLOADED",
            invoked_time=T0,
            output_file_name="f",
        )
        for n in range(count)
    ]
    return [
        RecordingPage(
            tuple(records[start : start + per_page]),
            Paging(count, start + 1, min(start + per_page, count)),
        )
        for start in range(0, count, per_page)
    ]


async def _records(pager: RecordingPager) -> None:
    async for _ in pager:
        pass


async def _record_tokens(pager: RecordingPager) -> None:
    async for _ in pager:
        _ = pager.resume_token


async def _page_tokens(pager: RecordingPager) -> None:
    async for _ in pager.pages():
        pager.resume_token.dumps()


MODES: dict[str, Callable[[RecordingPager], Coroutine[Any, Any, None]]] = {
    "records": _records,
    "token per record": _record_tokens,
    "token per page": _page_tokens,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--records", default="20000,100000")
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(part.replace("_", "")) for part in args.records.split(",") if part]
    print(f"{'mode':<18}" + "".join(f"{size:>12,}" for size in sizes) + "   (CPU us/record)")
    loaded = {size: _pages(size, args.per_page) for size in sizes}
    for name, mode in MODES.items():
        row = f"{name:<18}"
        for size in sizes:
            pages = loaded[size]

            async def fetch(page_no: int, per_page: int) -> RecordingPage:
                return pages[page_no - 1]  # noqa: B023 - used before the loop moves on

            best = float("inf")
            for _ in range(args.repeat):
                started = time.process_time()
                asyncio.run(mode(RecordingPager(fetch, per_page=args.per_page)))
                best = min(best, time.process_time() - started)
            row += f"{best / size * 1e6:12.2f}"
        print(row)


if __name__ == "__main__":
    main()
