"""The benchmark's HTTP server: the list and get endpoints, pre-encoded, in a process of its own.

``python benchmarks/server.py --records N --per-page P`` binds 127.0.0.1 on a free port, prints
the port on stdout once it is ready, and serves until SIGTERM. It answers the emulator's path
layout (``/client/v4/accounts/{account}/realtime/kit/{app}/recordings``), checks the Bearer token
and counts every API request; ``GET /_stats`` (not counted) reports the counters and the server's
own CPU time so the runner can cross-check the clients' request counts and see that the server
was never the bottleneck.

Page bodies are rendered once: up to ``--prewarm`` records' worth at start-up, the rest on first
request into an LRU cache (a million records would not fit comfortably; the server's memory is
not what is measured).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import signal
from collections import Counter
from functools import lru_cache
from urllib.parse import parse_qsl

import records
from aiohttp import web

JSON_HEADERS = {"Content-Type": "application/json", "cf-ray": "8f1e2d3c4b5a6978-FRA"}
UNAUTHORIZED = json.dumps(
    {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]}
).encode()
NOT_FOUND = json.dumps(
    {"success": False, "errors": [{"code": 7003, "message": "No route for the URI."}]}
).encode()


class BenchServer:
    """Answers requests from cached bytes; the counters are read through ``/_stats``."""

    def __init__(self, total: int, per_page: int, prewarm: int, meetings: int) -> None:
        self.total = total
        self.meetings = meetings
        self.per_page = per_page
        self.counts: Counter[str] = Counter()
        self._auth = f"Bearer {records.API_TOKEN}"
        self._page = lru_cache(maxsize=max(64, prewarm // per_page + 1))(self._render_page)
        self._recording = lru_cache(maxsize=1024)(records.recording_body)
        for page_no in range(1, min(records.page_count(total, per_page), prewarm // per_page) + 1):
            self._page(page_no, per_page)

    def _render_page(self, page_no: int, per_page: int) -> bytes:
        return records.page_body(page_no, per_page, self.total, self.meetings)

    async def handle(self, request: web.BaseRequest) -> web.Response:
        path = request.raw_path.partition("?")[0]
        if path == "/_stats":
            return web.Response(body=self._stats(), headers=JSON_HEADERS)
        self.counts["requests"] += 1
        if request.headers.get("Authorization") != self._auth:
            self.counts["unauthorized"] += 1
            return web.Response(status=401, body=UNAUTHORIZED, headers=JSON_HEADERS)
        if path == records.LIST_PATH and request.method == "GET":
            self.counts["list"] += 1
            query = dict(parse_qsl(request.query_string))
            page_no = int(query.get("page_no", "1"))
            per_page = int(query.get("per_page", str(self.per_page)))
            return web.Response(body=self._page(page_no, per_page), headers=JSON_HEADERS)
        if path.startswith(records.LIST_PATH + "/") and request.method == "GET":
            self.counts["get"] += 1
            body = self._recording(path[len(records.LIST_PATH) + 1 :])
            return web.Response(body=body, headers=JSON_HEADERS)
        self.counts["not_found"] += 1
        return web.Response(status=404, body=NOT_FOUND, headers=JSON_HEADERS)

    def _stats(self) -> bytes:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return json.dumps(
            {**self.counts, "cpu_s": usage.ru_utime + usage.ru_stime, "total": self.total}
        ).encode()


async def serve(total: int, per_page: int, prewarm: int, meetings: int) -> None:
    bench = BenchServer(total, per_page, prewarm, meetings)
    # The low-level server: no router, no middlewares; the handler does its own dispatch.
    runner = web.ServerRunner(web.Server(bench.handle), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=128)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(runner.addresses[0][1], flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument(
        "--prewarm", type=int, default=200_000, help="records' worth of pages rendered at start"
    )
    parser.add_argument(
        "--meetings", type=int, default=records.DEFAULT_MEETINGS, help="distinct meetings"
    )
    args = parser.parse_args()
    asyncio.run(serve(args.records, args.per_page, args.prewarm, args.meetings))


if __name__ == "__main__":
    main()
