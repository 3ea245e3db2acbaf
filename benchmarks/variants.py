"""The clients being compared: each streams every recording of the listing to a consumer.

A variant is a coroutine ``run(target, consume) -> requests made``. It hands ``consume`` the
async iterable a user of that client would write ``async for`` over (the SDK's pager itself,
not a wrapper), so each pays exactly its own per-record iteration cost. Libraries are imported
inside the variants: a child process imports only what its variant needs, and the runner imports
them (see :data:`IMPORTS`) before the clock starts.

* ``floor``: raw aiohttp + stdlib ``json``, one page after another, records left as dicts;
* ``limit``: raw aiohttp + orjson with a few pages in flight, yielded in order: the most a
  client could get out of this server;
* ``sdk-default`` / ``sdk-speedups``: ``RealtimeKitSession.list_recordings`` without orjson
  importable / with it (the runner blocks the import for the former);
* ``cloudflare``: the official ``cloudflare`` SDK, paged by hand as its docs show.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

#: How many pages ``limit`` keeps in flight.
LOOKAHEAD: Final = 4


@dataclass(frozen=True)
class Target:
    """Where the server is and how to page it."""

    base_url: str  # the API root, ``http://127.0.0.1:PORT/client/v4``
    account_id: str
    app_id: str
    api_token: str
    per_page: int

    @property
    def list_url(self) -> str:
        return f"{self.base_url}/accounts/{self.account_id}/realtime/kit/{self.app_id}/recordings"

    def page_url(self, page_no: int) -> str:
        return f"{self.list_url}?page_no={page_no}&per_page={self.per_page}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_token}", "Accept": "application/json"}


Consume = Callable[[AsyncIterable[Any]], Awaitable[None]]
Variant = Callable[[Target, Consume], Awaitable[int]]


def _is_last(paging: dict[str, int], item_count: int) -> bool:
    return item_count == 0 or paging["end_offset"] >= paging["total_count"]


async def floor(target: Target, consume: Consume) -> int:
    import json

    import aiohttp

    requests = 0
    async with aiohttp.ClientSession(headers=target.headers) as http:

        async def records() -> AsyncIterator[Any]:
            nonlocal requests
            page_no = 1
            while True:
                async with http.get(target.page_url(page_no)) as response:
                    response.raise_for_status()
                    page = json.loads(await response.read())
                requests += 1
                data = page["data"]
                for record in data:
                    yield record
                if _is_last(page["paging"], len(data)):
                    return
                page_no += 1

        await consume(records())
    return requests


async def limit(target: Target, consume: Consume) -> int:
    import aiohttp
    import orjson

    requests = 0
    async with aiohttp.ClientSession(headers=target.headers) as http:

        async def fetch(page_no: int) -> Any:
            async with http.get(target.page_url(page_no)) as response:
                response.raise_for_status()
                return orjson.loads(await response.read())

        async def records() -> AsyncIterator[Any]:
            nonlocal requests
            page = await fetch(1)
            requests += 1
            paging, size = page["paging"], len(page["data"])
            # The first page tells how many follow; fetch them LOOKAHEAD at a time, in order.
            last_page = 1 if _is_last(paging, size) else -(-paging["total_count"] // size)
            pending: deque[asyncio.Task[Any]] = deque()
            next_no = 2
            try:
                while True:
                    while len(pending) < LOOKAHEAD and next_no <= last_page:
                        pending.append(asyncio.create_task(fetch(next_no)))
                        next_no += 1
                    for record in page["data"]:
                        yield record
                    if not pending:
                        return
                    page = await pending.popleft()
                    requests += 1
            finally:
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)

        await consume(records())
    return requests


async def sdk(target: Target, consume: Consume) -> int:
    from realtimekit_async import RealtimeKitSession

    async with RealtimeKitSession(
        account_id=target.account_id,
        app_id=target.app_id,
        api_token=target.api_token,
        base_url=target.base_url,
    ) as rtk:
        pager = rtk.list_recordings(per_page=target.per_page)
        await consume(pager)
        return pager.pages_fetched


async def cloudflare(target: Target, consume: Consume) -> int:
    from cloudflare import AsyncCloudflare  # type: ignore[import-not-found,unused-ignore]

    requests = 0
    async with AsyncCloudflare(api_token=target.api_token, base_url=target.base_url) as client:
        recordings = client.realtime_kit.recordings

        async def records() -> AsyncIterator[Any]:
            nonlocal requests
            page_no = 1
            while True:
                page = await recordings.get_recordings(
                    target.app_id,
                    account_id=target.account_id,
                    page_no=page_no,
                    per_page=target.per_page,
                )
                requests += 1
                for record in page.data:
                    yield record
                paging = page.paging
                if not page.data or paging.end_offset >= paging.total_count:
                    return
                page_no += 1

        await consume(records())
    return requests


VARIANTS: Final[dict[str, Variant]] = {
    "floor": floor,
    "limit": limit,
    "sdk-default": sdk,
    "sdk-speedups": sdk,
    "cloudflare": cloudflare,
}
#: What each variant imports, loaded before the clock starts.
IMPORTS: Final[dict[str, tuple[str, ...]]] = {
    "floor": ("aiohttp", "json"),
    "limit": ("aiohttp", "orjson"),
    "sdk-default": ("realtimekit_async",),
    "sdk-speedups": ("realtimekit_async",),
    "cloudflare": ("cloudflare",),
}
#: Variants that must run with ``import orjson`` failing, as on a default install.
WITHOUT_ORJSON: Final = frozenset({"sdk-default"})
