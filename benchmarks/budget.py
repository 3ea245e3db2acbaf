"""Stream a listing from a server that enforces a request budget the way Cloudflare does.

``python benchmarks/budget.py [options]`` (``nox -s bench`` runs it after the streaming table
unless ``--no-budget``). The server answers the listing's pages from memory after ``--latency``
seconds and keeps a budget of ``--quota`` requests per fixed window of ``--window`` seconds
(windows start when the server starts taking requests, like a token's first call). Every answer
carries ``Ratelimit: "default";r=<left>;t=<seconds to reset>`` and ``Ratelimit-Policy:
"default";q=<quota>;w=<window>``. A request over the budget is refused with 429 and
``Retry-After``, and so is **every** request for ``--block`` seconds after it (the block is
extended by each refused request, as Cloudflare does).

The least time the budget allows for ``P`` pages: the first ``quota`` requests can go at once,
the next ``quota`` when the second window opens, and so on, so the last batch is sent at the
start of window ``ceil(P / quota) - 1`` and answered ``latency`` later::

    least = (ceil(P / quota) - 1) * window + latency

Each client starts on a fresh server (a fresh budget, on a new port, so also a fresh shared
pacer, which is keyed by token and base URL); the table
shows wall time / least and the number of 429s the server sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import records
from aiohttp import web

JSON = {"Content-Type": "application/json"}


@dataclass
class BudgetServer:
    """The listing behind a fixed-window budget; counts what it sent and what it refused."""

    total: int
    per_page: int
    quota: int
    window: float
    block: float
    latency: float
    started: float | None = None
    blocked_until: float = -math.inf
    sent: int = 0
    refused: int = 0
    counts: dict[int, int] = field(default_factory=dict[int, int])
    pages: dict[int, bytes] = field(default_factory=dict[int, bytes])

    def __post_init__(self) -> None:
        for page_no in range(1, records.page_count(self.total, self.per_page) + 2):
            self.pages[page_no] = records.page_body(page_no, self.per_page, self.total)

    async def handle(self, request: web.BaseRequest) -> web.Response:
        clock = asyncio.get_running_loop().time()
        if self.started is None:
            self.started = clock
        now = clock - self.started
        slot = math.floor(now / self.window)
        reset = max(1, math.ceil((slot + 1) * self.window - now))
        if now < self.blocked_until or self.counts.get(slot, 0) >= self.quota:
            self.refused += 1
            self.blocked_until = max(self.blocked_until, now + self.block)
            body = {"success": False, "errors": [{"code": 971, "message": "Please wait"}]}
            wait = str(math.ceil(self.blocked_until - now))
            return web.Response(
                status=429, body=json.dumps(body), headers={**JSON, "Retry-After": wait}
            )
        self.counts[slot] = self.counts.get(slot, 0) + 1
        self.sent += 1
        left = self.quota - self.counts[slot]
        await asyncio.sleep(self.latency)
        query = dict(parse_qsl(request.query_string))
        page_no = int(query.get("page_no", "1"))
        headers = {
            **JSON,
            "Ratelimit": f'"default";r={left};t={reset}',
            "Ratelimit-Policy": f'"default";q={self.quota};w={math.ceil(self.window)}',
        }
        page = self.pages.get(page_no) or records.page_body(page_no, self.per_page, self.total)
        return web.Response(body=page, headers=headers)

    def least_time(self) -> float:
        """The least wall time the budget allows for the listing's pages (see the module)."""
        pages = records.page_count(self.total, self.per_page)
        return (math.ceil(pages / self.quota) - 1) * self.window + self.latency


@dataclass(frozen=True)
class Params:
    """One scenario's numbers."""

    records: int = 4_000
    per_page: int = 100
    quota: int = 15
    window: float = 4.0
    block: float = 6.0
    latency: float = 0.030


@dataclass
class Tally:
    """Records received so far: kept when a client gives up half-way."""

    records: int = 0


Client = Callable[[str, Params, Tally], Awaitable[None]]


async def _sdk(base_url: str, params: Params, tally: Tally, **options: Any) -> None:
    from realtimekit_async import RealtimeKitSession

    async with RealtimeKitSession(
        account_id=records.ACCOUNT_ID,
        app_id=records.APP_ID,
        api_token=records.API_TOKEN,
        base_url=base_url,
        **options,
    ) as rtk:
        async for _ in rtk.list_recordings(per_page=params.per_page):
            tally.records += 1


async def default(base_url: str, params: Params, tally: Tally) -> None:
    """A session as a newcomer makes it: pacing by the announced budget."""
    await _sdk(base_url, params, tally)


async def hand_configured(base_url: str, params: Params, tally: Tally) -> None:
    """``rate_limiter=RateLimiter(quota, window)``: the budget written down by hand."""
    from realtimekit_async import RateLimiter

    limiter = RateLimiter(params.quota, params.window)
    await _sdk(base_url, params, tally, rate_limiter=limiter)


async def no_limiter(base_url: str, params: Params, tally: Tally) -> None:
    """``rate_limiter=None``: no pacing; only the retry policy's handling of 429."""
    await _sdk(base_url, params, tally, rate_limiter=None)


async def cloudflare(base_url: str, params: Params, tally: Tally) -> None:
    """The official ``cloudflare`` SDK, paged by hand as its docs show (its own 429 retries)."""
    from cloudflare import AsyncCloudflare  # type: ignore[import-not-found,unused-ignore]

    async with AsyncCloudflare(api_token=records.API_TOKEN, base_url=base_url) as client:
        page_no = 1
        while True:
            page = await client.realtime_kit.recordings.get_recordings(
                records.APP_ID,
                account_id=records.ACCOUNT_ID,
                page_no=page_no,
                per_page=params.per_page,
            )
            tally.records += len(page.data)
            if not page.data or page.paging.end_offset >= page.paging.total_count:
                return
            page_no += 1


CLIENTS: dict[str, Client] = {
    "default": default,
    "hand": hand_configured,
    "off": no_limiter,
    "cloudflare": cloudflare,
}
#: How the table names each client.
LABELS: dict[str, str] = {
    "default": "`RealtimeKitSession(...)` (default pacing)",
    "hand": "`rate_limiter=RateLimiter(15, 4)`",
    "off": "`rate_limiter=None`",
    "cloudflare": "`cloudflare` 5.9.0",
}


async def measure(name: str, params: Params) -> dict[str, Any]:
    """Run one client against a fresh server; wall time, 429s and whether it got every record."""
    server = BudgetServer(
        params.records, params.per_page, params.quota, params.window, params.block, params.latency
    )
    runner = web.ServerRunner(web.Server(server.handle, access_log=None))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base_url = f"http://127.0.0.1:{port}/client/v4"
    error = None
    tally = Tally()
    started = time.perf_counter()
    try:
        await CLIENTS[name](base_url, params, tally)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    wall = time.perf_counter() - started
    await runner.cleanup()
    least = server.least_time()
    return {
        "client": name,
        "wall_s": wall,
        "least_s": least,
        "ratio": wall / least,
        "status_429": server.refused,
        "requests": server.sent,
        "records": tally.records,
        "error": error,
    }


def _parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    defaults = Params()
    parser.add_argument("--records", type=int, default=defaults.records)
    parser.add_argument("--per-page", type=int, default=defaults.per_page)
    parser.add_argument("--quota", type=int, default=defaults.quota, help="requests per window")
    parser.add_argument("--window", type=float, default=defaults.window, help="seconds")
    parser.add_argument("--block", type=float, default=defaults.block, help="seconds")
    parser.add_argument("--latency", type=float, default=defaults.latency, help="seconds")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--clients", default=",".join(CLIENTS), help=f"comma-separated from {', '.join(CLIENTS)}"
    )
    parser.add_argument("--json", action="store_true", help="print the runs as JSON")
    return parser.parse_args(argv)


def table(rows: list[dict[str, Any]], params: Params, least: float) -> str:
    """The medians per client, as a Markdown table."""
    lines = [
        f"budget {params.quota} requests / {params.window:g} s fixed window, block "
        f"{params.block:g} s after an excess, latency {params.latency * 1000:g} ms, "
        f"{params.records:,} records = {records.page_count(params.records, params.per_page)} "
        f"pages; least time the budget allows: {least:.2f} s",
        "",
        "| client | wall (s) | wall / least | 429s | requests | records |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    names = list(dict.fromkeys(row["client"] for row in rows))
    for name in names:
        runs = [row for row in rows if row["client"] == name]
        wall = statistics.median(row["wall_s"] for row in runs)
        refusals = "/".join(str(row["status_429"]) for row in runs)
        sent = "/".join(str(row["requests"]) for row in runs)
        got = "/".join(str(row["records"]) for row in runs)
        failed = [row["error"] for row in runs if row["error"]]
        # The error's first words only: the rest names the URL.
        note = f" ({len(failed)} gave up: {failed[0].partition(':')[0]})" if failed else ""
        label = LABELS[name].replace("(15, 4)", f"({params.quota}, {params.window:g})")
        lines.append(
            f"| {label}{note} | {wall:.2f} | {wall / least:.2f}x | {refusals} | {sent} | {got} |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    params = Params(args.records, args.per_page, args.quota, args.window, args.block, args.latency)
    rows = []
    for _ in range(args.repeat):
        for name in [c.strip() for c in args.clients.split(",") if c.strip()]:
            if name == "cloudflare":
                try:
                    import cloudflare  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
                except ImportError:
                    print("skipping cloudflare: not installed", file=sys.stderr)
                    continue
            row = await measure(name, params)
            print(json.dumps(row), file=sys.stderr, flush=True)
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    rows = asyncio.run(main_async(args))
    params = Params(args.records, args.per_page, args.quota, args.window, args.block, args.latency)
    least = rows[0]["least_s"] if rows else 0.0
    if args.json:
        print(json.dumps(rows, indent=2))
    print(table(rows, params, least))
    return 0


if __name__ == "__main__":
    sys.exit(main())
