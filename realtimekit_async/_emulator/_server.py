"""The aiohttp side of the emulator: one catch-all handler, faults, journal, lifecycle."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from http import HTTPStatus
from typing import TYPE_CHECKING

from aiohttp import web

from realtimekit_async._emulator._faults import Fault, FaultKind
from realtimekit_async._emulator._journal import JournalEntry, freeze_headers, read_body
from realtimekit_async._emulator._storage import PREFIX
from realtimekit_async._emulator._wire import HOST, Reply, cloudflare_error, json_reply
from realtimekit_async._serving import stop_serving

if TYPE_CHECKING:
    from collections.abc import Mapping

    from realtimekit_async._emulator._faults import FaultPlan
    from realtimekit_async._emulator._routes import Api

#: close() waits this long for handlers still running (a SLOW fault) before cancelling them.
SHUTDOWN_TIMEOUT = 0.25
#: Faults that answer in place of the API, which then never sees the request.
_ANSWERED_BY_FAULT = frozenset(
    {FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.SUCCESS_FALSE}
)


def _fault_reply(fault: Fault) -> Reply:
    if fault.kind is FaultKind.RATE_LIMIT:
        headers = (("Retry-After", fault.retry_after or "1"),)
        message = "Please wait and consider throttling your request speed"
        return cloudflare_error(fault.status or 429, 971, message, headers)
    if fault.kind is FaultKind.SERVER_ERROR:
        status = fault.status or 503
        title = f"{status} {HTTPStatus(status).phrase}"
        html = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
        return Reply(status, html.encode(), "text/html")
    # SUCCESS_FALSE: a 200 that still says no, with nothing done.
    error = {"code": fault.status or 500, "message": "Internal server error (injected)"}
    return json_reply(200, {"success": False, "error": error})


class Server:
    """Serves an :class:`Api` and its storage over HTTP on 127.0.0.1.

    Args:
        api: The routes and state to serve.
        faults: Pending faults, consulted for every request.
        journal: Receives one entry per request.
        seed: Seeds the ``cf-ray`` ids.
    """

    def __init__(self, api: Api, faults: FaultPlan, journal: list[JournalEntry], seed: int) -> None:
        self._api = api
        self._faults = faults
        self._journal = journal
        self._rays = random.Random(f"cf-ray/{seed}")
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, port: int) -> None:
        """Bind and serve; a second call while serving does nothing."""
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT
        )
        await runner.setup()
        site = web.TCPSite(runner, HOST, port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._api.origin = f"http://{HOST}:{self.port}"

    async def close(self) -> None:
        """Stop serving and close open connections; safe to call twice."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await stop_serving(runner)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        method, path = request.method, request.raw_path.split("?", 1)[0]
        query = tuple((key, value) for key, value in request.query.items())
        headers = freeze_headers(request.headers.items())
        entry = JournalEntry(method, path, query, headers, read_body(raw))
        # Journaled on arrival (in order, visible while a SLOW fault waits), completed below.
        self._journal.append(entry)
        fault = self._faults.pick(method, path)
        kind = None if fault is None else fault.kind

        def record(status: int | None) -> None:
            done = replace(entry, status=status, fault=None if kind is None else kind.value)
            # Find the entry by identity: the test may have cleared the journal meanwhile.
            for position in range(len(self._journal) - 1, -1, -1):
                if self._journal[position] is entry:
                    self._journal[position] = done
                    return

        if fault is not None and kind in _ANSWERED_BY_FAULT:
            reply = _fault_reply(fault)
            record(reply.status)
            return self._response(reply)
        if kind is FaultKind.RESET or kind is FaultKind.LOST_RESPONSE:
            if kind is FaultKind.LOST_RESPONSE:
                self._handle(method, path, query, headers, raw)
            record(None)
            return _drop(request)
        if fault is not None and kind is FaultKind.SLOW:
            await asyncio.sleep(fault.delay)
        reply = self._handle(method, path, query, headers, raw)
        record(reply.status)
        if kind is FaultKind.TRUNCATED:
            return await self._truncated(request, reply)
        return self._response(reply)

    def _handle(
        self,
        method: str,
        path: str,
        query: tuple[tuple[str, str], ...],
        headers: Mapping[str, str],
        raw: bytes,
    ) -> Reply:
        api = self._api
        if path.startswith(PREFIX):
            state = api.state
            return api.storage.serve(method, path, query, headers, state.recordings, state.now)
        return api.handle(method, path, query, headers, raw)

    def _headers(self, reply: Reply) -> dict[str, str]:
        headers = dict(reply.headers)
        headers["cf-ray"] = f"{self._rays.getrandbits(64):016x}-SJC"
        headers["Content-Type"] = reply.content_type
        headers["Server"] = "cloudflare"
        return headers

    def _response(self, reply: Reply) -> web.Response:
        return web.Response(status=reply.status, body=reply.body, headers=self._headers(reply))

    async def _truncated(self, request: web.Request, reply: Reply) -> web.StreamResponse:
        response = web.StreamResponse(status=reply.status, headers=self._headers(reply))
        # Promise more than is sent, send half, then hang up: the client sees a short body.
        response.content_length = max(len(reply.body), 1)
        await response.prepare(request)
        await response.write(reply.body[: len(reply.body) // 2])
        return _drop(request, response)


def _drop(request: web.Request, response: web.StreamResponse | None = None) -> web.StreamResponse:
    """Close the connection under the handler; aiohttp then skips the response quietly.

    aiohttp treats the ConnectionResetError from writing to a closed transport as a client
    disconnect and logs nothing, so no warning or traceback is produced.
    """
    transport = request.transport
    # The transport is None only when the client has already gone; nothing to close then.
    if transport is not None:  # pragma: no branch
        transport.close()
    result = response or web.Response()
    result.force_close()
    return result
