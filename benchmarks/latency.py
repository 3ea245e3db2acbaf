"""Single-recording latency: one ``GET …/recordings/{id}`` through each client.

:func:`round_trips` times many calls on a warm client (connection kept alive, hooks built);
:func:`first_call` times a brand-new client's first call, which a fresh process runs once.
Both call the same endpoint with the same id, and each client reads the body into what it
returns to its user: a dict (``floor``), a ``Recording`` (SDK) or a pydantic model (cloudflare).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Final

from variants import Target

GetOne = Callable[[str], Awaitable[Any]]
Client = Callable[[Target], AbstractAsyncContextManager[GetOne]]


@asynccontextmanager
async def _floor(target: Target) -> Any:
    import json

    import aiohttp

    async with aiohttp.ClientSession(headers=target.headers) as http:

        async def get(recording_id: str) -> Any:
            async with http.get(f"{target.list_url}/{recording_id}") as response:
                response.raise_for_status()
                return json.loads(await response.read())["data"]

        yield get


@asynccontextmanager
async def _sdk(target: Target) -> Any:
    from realtimekit_async import RealtimeKitSession

    async with RealtimeKitSession(
        account_id=target.account_id,
        app_id=target.app_id,
        api_token=target.api_token,
        base_url=target.base_url,
    ) as rtk:
        yield rtk.get_recording


@asynccontextmanager
async def _cloudflare(target: Target) -> Any:
    from cloudflare import AsyncCloudflare  # type: ignore[import-not-found,unused-ignore]

    async with AsyncCloudflare(api_token=target.api_token, base_url=target.base_url) as client:
        recordings = client.realtime_kit.recordings

        async def get(recording_id: str) -> Any:
            return await recordings.get_one_recording(
                recording_id, account_id=target.account_id, app_id=target.app_id
            )

        yield get


CLIENTS: Final[dict[str, Client]] = {
    "floor": _floor,
    "sdk-default": _sdk,
    "sdk-speedups": _sdk,
    "cloudflare": _cloudflare,
}


async def round_trips(variant: str, target: Target, recording_id: str, calls: int) -> list[float]:
    """Seconds per call for *calls* calls after a warm-up, on one client."""
    async with CLIENTS[variant](target) as get:
        for _ in range(max(10, calls // 10)):
            await get(recording_id)
        timings = []
        for _ in range(calls):
            started = time.perf_counter()
            await get(recording_id)
            timings.append(time.perf_counter() - started)
    return timings


async def first_call(variant: str, target: Target, recording_id: str) -> float:
    """Seconds from creating a client to its first recording (libraries already imported)."""
    started = time.perf_counter()
    async with CLIENTS[variant](target) as get:
        await get(recording_id)
        return time.perf_counter() - started
