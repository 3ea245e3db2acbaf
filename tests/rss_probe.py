"""Peak memory of reading hostile bodies: run as a script, prints the peak RSS growth in bytes.

A 1 GiB endless body and a gzip bomb (about 1 MiB that expands to 1 GiB) are each read once
with the default ``max_response_size``; both must fail with ``ResponseTooLargeError`` and the
process's peak RSS may grow by little more than the limit. Run by ``test_hostile.py`` in a
subprocess, so that other tests' memory does not blur the figure; also usable by hand::

    python tests/rss_probe.py
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

from aiohttp import web

from realtimekit_async import RealtimeKitSession, ResponseTooLargeError, RetryPolicy

MiB = 1024 * 1024
SAMPLE = Path(__file__).parent / "samples" / "get-recording-with-reasons.json"


def peak_rss() -> int:
    """The process's peak resident set size so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def endless() -> Iterator[bytes]:
    """1 GiB of a JSON string that never closes."""
    yield b'{"success": true, "data": {"id": "'
    block = b"x" * (64 * 1024)
    for _ in range(16 * 1024):
        yield block


def bomb() -> Iterator[bytes]:
    """About 1 MiB of gzip that expands to 1 GiB of zeros."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    yield compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(MiB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    for _ in range(1023):
        yield again


async def handler(request: web.Request) -> web.StreamResponse:
    """/…/ok answers a recording; /…/endless and /…/bomb answer hostile bodies."""
    kind = request.path.rsplit("/", 1)[1]
    if kind == "ok":
        return web.Response(body=SAMPLE.read_bytes(), content_type="application/json")
    encoding = {"Content-Encoding": "gzip"} if kind == "bomb" else {}
    response = web.StreamResponse(headers={"Content-Type": "application/json", **encoding})
    await response.prepare(request)
    try:
        for chunk in bomb() if kind == "bomb" else endless():
            await response.write(chunk)
    except ConnectionError:
        pass
    return response


async def main() -> int:
    """Serve, read each hostile body once, print the growth of the peak RSS."""
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        async with RealtimeKitSession(
            account_id="a",
            app_id="b",
            api_token="t",
            base_url=base_url,
            retry=RetryPolicy.disabled(),
        ) as rtk:
            await rtk.get_recording("ok")  # load and warm everything a call needs first
            start = peak_rss()
            growth: dict[str, int] = {}
            for kind in ("endless", "bomb"):
                before = peak_rss()
                try:
                    await rtk.get_recording(kind)
                except ResponseTooLargeError:
                    growth[kind] = peak_rss() - before
                else:
                    print(f"{kind}: no ResponseTooLargeError", file=sys.stderr)
                    return 1
            growth["total"] = peak_rss() - start
            print(json.dumps({"growth": growth, "limit": 32 * MiB}))
    finally:
        await runner.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
