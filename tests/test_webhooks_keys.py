import json
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web

from realtimekit_async import APIError, ConnectError, ResponseParseError, ServerError
from realtimekit_async.webhooks import (
    PUBLIC_KEY_ENV,
    WELL_KNOWN_URL,
    MeetingStarted,
    WebhookKeyCache,
    WebhookVerificationError,
)

from .webhook_signing import body_of, public_pem, signed_headers, webhook_sample

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeClock:
    """Monotonic seconds that move only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class KeyServer:
    """Serves the well-known document with whichever test key is current; counts requests."""

    def __init__(self) -> None:
        self.key = 0
        self.requests = 0
        self.headers: list[dict[str, str]] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        self.headers.append(dict(request.headers))
        document = {"success": True, "data": {"publicKey": public_pem(self.key)}, "message": ""}
        return web.json_response(document)


@asynccontextmanager
async def serving(handler: Handler) -> AsyncGenerator[str]:
    """Run *handler* at /.well-known/webhooks.json on loopback; yield its URL."""
    app = web.Application()
    app.router.add_get("/.well-known/webhooks.json", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/.well-known/webhooks.json"
    finally:
        await runner.cleanup()


def delivery(n: int) -> tuple[bytes, dict[str, str]]:
    """A meeting.started delivery signed with test key *n*."""
    body = body_of(webhook_sample("meeting.started.json"))
    return body, signed_headers(body, n)


async def test_fetches_once_and_caches() -> None:
    """The key is fetched on first use, without credentials, and then reused."""
    server = KeyServer()
    async with serving(server.handle) as url, WebhookKeyCache(url=url, environ={}) as keys:
        for _ in range(3):
            assert isinstance(await keys.parse(*delivery(0)), MeetingStarted)
        assert server.requests == keys.fetches == 1
        assert "Authorization" not in server.headers[0]
        assert url in repr(keys)


async def test_rotation_refetches_at_most_once_a_minute() -> None:
    """A mismatch refetches the key, but never twice within the interval; then it may again."""
    server = KeyServer()
    clock = FakeClock()
    async with serving(server.handle) as url:
        keys = WebhookKeyCache(url=url, environ={}, clock=clock)
        await keys.get()
        server.key = 1  # RealtimeKit rotates its key
        clock.now += 5
        with pytest.raises(WebhookVerificationError):
            await keys.parse(*delivery(1))  # fetched 5 s ago: no refetch yet
        assert server.requests == 1
        clock.now += 60
        assert isinstance(await keys.parse(*delivery(1)), MeetingStarted)
        assert server.requests == 2
        # Forged requests (signed with yet another key) cannot make it fetch again and again.
        for _ in range(5):
            with pytest.raises(WebhookVerificationError):
                await keys.parse(*delivery(2))
        assert server.requests == 2
        clock.now += 61
        with pytest.raises(WebhookVerificationError):
            await keys.parse(*delivery(2))  # refetched: the same key, still a mismatch
        assert server.requests == 3
        await keys.aclose()


async def test_malformed_signatures_do_not_refetch() -> None:
    """Only a mismatch can be a rotation: a missing header never triggers a fetch."""
    server = KeyServer()
    clock = FakeClock()
    async with (
        serving(server.handle) as url,
        WebhookKeyCache(url=url, environ={}, clock=clock) as keys,
    ):
        clock.now += 3600
        body, _ = delivery(0)
        with pytest.raises(WebhookVerificationError):
            await keys.parse(body, {})
        assert server.requests == 1


async def test_fixed_keys_never_fetch() -> None:
    """A key given directly or in the environment is used as is, and never refreshed."""
    given = WebhookKeyCache(public_pem(0), url="http://127.0.0.1:9/none")
    assert isinstance(await given.parse(*delivery(0)), MeetingStarted)
    assert await given.refresh() is False
    assert "fixed" in repr(given)
    from_env = WebhookKeyCache(environ={PUBLIC_KEY_ENV: public_pem(0).replace("\n", "\\n")})
    assert from_env.fixed
    with pytest.raises(WebhookVerificationError):
        await from_env.parse(*delivery(1))
    assert from_env.fetches == 0
    assert WebhookKeyCache().url == WELL_KNOWN_URL


async def test_concurrent_first_use_fetches_once() -> None:
    """Many deliveries arriving before the key is known share one fetch."""
    import asyncio

    server = KeyServer()
    async with serving(server.handle) as url, WebhookKeyCache(url=url, environ={}) as keys:
        await asyncio.gather(*(keys.get() for _ in range(10)))
        assert server.requests == 1


def test_bad_configuration_is_refused() -> None:
    """A non-http URL or a non-finite timeout raise ValueError at once."""
    with pytest.raises(ValueError, match="http"):
        WebhookKeyCache(url="file:///etc/key.pem")
    with pytest.raises(ValueError, match="finite"):
        WebhookKeyCache(timeout=float("inf"))
    with pytest.raises(ValueError, match="finite"):
        WebhookKeyCache(refetch_interval=-1)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, b"<html>down</html>", ServerError),
        (404, b"{}", APIError),
        (200, b"not json", ResponseParseError),
        (200, b"[1]", ResponseParseError),
        (200, b'{"data": {}}', ResponseParseError),
        (200, b'{"data": {"publicKey": 5}}', ResponseParseError),
        (200, b'{"data": {"publicKey": "nope"}}', ResponseParseError),
        (200, json.dumps({"data": {"publicKey": "x" * 70_000}}).encode(), ResponseParseError),
    ],
)
async def test_bad_key_servers_raise_our_errors(
    status: int, body: bytes, error: type[Exception]
) -> None:
    """Whatever the key server answers, only RealtimeKit errors come out of get()."""

    async def handle(_: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body)

    async with serving(handle) as url, WebhookKeyCache(url=url, environ={}) as keys:
        with pytest.raises(error) as info:
            await keys.get()
        assert info.value.path == "/.well-known/webhooks.json"  # type: ignore[attr-defined]


async def test_unreachable_key_server_is_a_transport_error() -> None:
    """A refused connection is a ConnectError, through the SDK's own transport."""
    async with serving(KeyServer().handle) as url:
        pass  # the port is closed again
    async with WebhookKeyCache(url=url, environ={}, timeout=2) as keys:
        with pytest.raises(ConnectError):
            await keys.get()


async def test_a_callers_session_is_used_and_left_open() -> None:
    """With session=..., fetching goes through it and aclose() leaves it open."""
    server = KeyServer()
    async with serving(server.handle) as url, aiohttp.ClientSession() as http:
        keys = WebhookKeyCache(url=url, environ={}, session=http)
        await keys.get()
        await keys.aclose()
        assert not http.closed
