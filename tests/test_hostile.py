"""Hostile API servers over loopback: huge and endless bodies, gzip bombs, redirects, cut JSON."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
import zlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtimekit_async import (
    APIError,
    RateLimiter,
    RealtimeKitError,
    RealtimeKitSession,
    RecordingStatus,
    ResponseParseError,
    ResponseTooLargeError,
    RetryPolicy,
    TransportError,
)
from realtimekit_async import _protocol as proto

from .conftest import no_sleep, sample

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MiB = 1024 * 1024
GiB = 1024 * MiB


@asynccontextmanager
async def serve(handler: Handler) -> AsyncGenerator[str]:
    """Serve *handler* for every path on 127.0.0.1; yields the base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/client/v4"
    finally:
        await runner.cleanup()


def session(base_url: str, **overrides: Any) -> RealtimeKitSession:
    """A session against a test server whose retries never sleep."""
    options: dict[str, Any] = {
        "account_id": "acc",
        "app_id": "app",
        "api_token": "token-hostile",
        "base_url": base_url,
        "sleep": no_sleep,
        "retry": RetryPolicy(deadline=60.0),
    } | overrides
    return RealtimeKitSession(**options)


def recording(recording_id: str, status: str = "UPLOADED") -> dict[str, Any]:
    """A recording as the list endpoint sends it."""
    item: dict[str, Any] = dict(sample("list-recordings-page.json")["data"][0])
    item["id"] = recording_id
    item["status"] = status
    return item


def success(data: object) -> bytes:
    """A success envelope around *data*."""
    return json.dumps({"success": True, "data": data}).encode()


class Streamer:
    """Answers with a body written chunk by chunk, counting what the client took."""

    def __init__(self, chunks: Callable[[], Any], headers: dict[str, str] | None = None) -> None:
        self.chunks = chunks
        self.headers = headers or {}
        self.sent = 0
        self.finished = False

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Write chunks until they run out or the client goes away."""
        response = web.StreamResponse(headers={"Content-Type": "application/json", **self.headers})
        await response.prepare(request)
        try:
            for chunk in self.chunks():
                await response.write(chunk)
                self.sent += len(chunk)
        except ConnectionError:
            pass  # the client stopped reading: what we want
        finally:
            self.finished = True
        return response


def endless_json() -> Any:
    """1 GiB of a JSON string that never closes."""
    yield b'{"success": true, "data": {"id": "'
    block = b"x" * (64 * 1024)
    for _ in range(GiB // len(block)):
        yield block


def gzip_bomb() -> Any:
    """About 1 MiB of gzip that expands to 1 GiB of zeros (no trailer: nobody gets that far)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(MiB)
    yield compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    # A full flush resets the compressor, so every further MiB of zeros compresses the same.
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    for _ in range(1023):
        yield again


def empty_deflate_blocks() -> Any:
    """A gzip stream that sends bytes forever and decompresses to nothing."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    yield compressor.compress(b"") + compressor.flush(zlib.Z_SYNC_FLUSH)
    # An empty, non-final stored block is five bytes: 00 00 00 ff ff.
    block = b"\x00\x00\x00\xff\xff" * 13_107
    for _ in range(GiB // len(block)):
        yield block


@pytest.mark.parametrize(
    ("chunks", "headers", "what"),
    [
        (endless_json, {}, "is larger than 1048576 bytes"),
        (gzip_bomb, {"Content-Encoding": "gzip"}, "decompresses to more than 1048576 bytes"),
        (empty_deflate_blocks, {"Content-Encoding": "gzip"}, "is larger than 1048576 bytes"),
    ],
)
async def test_unbounded_bodies_stop_at_the_limit(
    chunks: Callable[[], Any], headers: dict[str, str], what: str
) -> None:
    """A 1 GiB body, a gzip bomb or endless empty deflate blocks stop at max_response_size."""
    streamer = Streamer(chunks, headers)
    async with serve(streamer.handle) as base_url, session(base_url, max_response_size=MiB) as rtk:
        with pytest.raises(ResponseTooLargeError, match=what) as caught:
            await rtk.get_recording("r1")
    assert isinstance(caught.value, ResponseParseError)
    assert caught.value.limit == MiB
    assert caught.value.status == 200
    assert caught.value.path == "/accounts/acc/realtime/kit/app/recordings/r1"
    assert streamer.finished
    # The connection was closed: the server stopped far short of the 1 GiB it had to send.
    assert streamer.sent < 128 * MiB


async def test_stated_length_over_the_limit_is_refused_unread() -> None:
    """A Content-Length above the limit fails before the body is read, and is not retried."""
    calls = 0

    async def handler(_: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(body=b" " * (MiB + 1), content_type="application/json")

    async with serve(handler) as base_url, session(base_url, max_response_size=MiB) as rtk:
        with pytest.raises(ResponseTooLargeError, match="Content-Length of 1048577 bytes"):
            await rtk.get_recording("r1")
    assert calls == 1


async def test_body_at_the_limit_is_read() -> None:
    """A body of exactly max_response_size bytes is read, compressed or not."""
    body = success(recording("r1"))
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    gzipped = compressor.compress(body) + compressor.flush()

    async def handler(request: web.Request) -> web.Response:
        if request.match_info["tail"].endswith("r1"):
            return web.Response(body=body, content_type="application/json")
        return web.Response(
            body=gzipped, content_type="application/json", headers={"Content-Encoding": "gzip"}
        )

    async with serve(handler) as base_url, session(base_url, max_response_size=len(body)) as rtk:
        assert (await rtk.get_recording("r1")).id == "r1"
        assert (await rtk.get_recording("r2")).id == "r1"
    async with (
        serve(handler) as base_url,
        session(base_url, max_response_size=len(body) - 1) as rtk,
    ):
        with pytest.raises(ResponseTooLargeError):
            await rtk.get_recording("r2")


def raw_deflate(body: bytes) -> bytes:
    """*body* as raw deflate, without the zlib header, as some servers send "deflate"."""
    return zlib.compress(body)[2:-4]


def identity(body: bytes) -> bytes:
    """*body* unchanged."""
    return body


@pytest.mark.parametrize(
    ("encoding", "encode", "members"),
    [
        ("gzip", None, 3),
        ("x-gzip", None, 1),
        ("deflate", zlib.compress, 0),
        ("Deflate", raw_deflate, 0),
        ("identity", identity, 0),
    ],
)
async def test_compressed_answers_are_read(
    encoding: str, encode: Callable[[bytes], bytes] | None, members: int
) -> None:
    """Gzip (several members too), zlib and raw deflate, and identity bodies decode."""
    plain = success(recording("r1"))
    body = gzip_members(plain, members) if encode is None else encode(plain)
    seen: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers["Accept-Encoding"])
        return web.Response(
            body=body, content_type="application/json", headers={"Content-Encoding": encoding}
        )

    async with serve(handler) as base_url, session(base_url) as rtk:
        assert (await rtk.get_recording("r1")).id == "r1"
    assert seen == ["gzip, deflate"]


def gzip_members(body: bytes, members: int) -> bytes:
    """*body* split into *members* concatenated gzip members."""
    size = -(-len(body) // members)
    out = b""
    for start in range(0, len(body), size):
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        out += compressor.compress(body[start : start + size]) + compressor.flush()
    return out


@pytest.mark.parametrize(
    ("encoding", "body", "error", "text"),
    [
        ("gzip", b"\x1f\x8b\x08\x00not gzip at all", TransportError, "not complete gzip data"),
        ("gzip", zlib.compress(b"{}", wbits=31)[:-6], TransportError, "not complete gzip"),
        ("br", b"\x0b\x02\x80{}\x03", ResponseParseError, "Content-Encoding we did not ask for"),
    ],
)
async def test_undecodable_bodies(
    encoding: str, body: bytes, error: type[Exception], text: str
) -> None:
    """Corrupt or truncated gzip is a cut-short body (retried); an unasked-for coding is not."""
    calls = 0

    async def handler(_: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(
            body=body, content_type="application/json", headers={"Content-Encoding": encoding}
        )

    async with serve(handler) as base_url, session(base_url, retry=RetryPolicy(attempts=2)) as rtk:
        with pytest.raises(error, match=text):
            await rtk.get_recording("r1")
    assert calls == (2 if error is TransportError else 1)


@pytest.mark.parametrize("size", [0, -1, True, 1.5, "5", None])
def test_max_response_size_is_validated(size: object) -> None:
    """max_response_size must be a positive int, checked at construction."""
    with pytest.raises((ValueError, TypeError), match="max_response_size must be"):
        RealtimeKitSession(account_id="a", app_id="b", api_token="t", max_response_size=size)  # type: ignore[arg-type]


# --- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "location", "shown"),
    [
        (302, "https://evil.example/steal?X-Amz-Signature=SENTINEL", "evil.example/steal"),
        (301, "/client/v4/elsewhere?token=SENTINEL", "/client/v4/elsewhere"),
        (307, "https://user:SENTINEL@evil.example/p", "evil.example/p"),
        (303, None, "no Location"),
        (308, "http://[::1/x?SENTINEL", "an unparsable Location"),
        (300, "?only=SENTINEL", "an empty Location"),
    ],
)
async def test_redirect_is_never_a_success(status: int, location: str | None, shown: str) -> None:
    """A 3xx with a success body raises APIError naming host and path, without the query."""
    calls = 0

    async def handler(_: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        headers = {"Location": location} if location else {}
        return web.Response(
            status=status,
            body=success(recording("r1")),
            content_type="application/json",
            headers=headers,
        )

    async with serve(handler) as base_url, session(base_url) as rtk:
        with pytest.raises(APIError) as caught:
            await rtk.get_recording("r1")
        with pytest.raises(APIError):
            await rtk.stop_recording("r1")
    assert caught.value.status == status
    assert f"redirect (HTTP {status}) to {shown}" in str(caught.value)
    assert "SENTINEL" not in str(caught.value)
    assert "SENTINEL" not in repr(caught.value)
    assert calls == 2


# --- JSON cut short inside a complete HTTP message ---------------------------------------------


async def test_listing_survives_cut_short_pages() -> None:
    """One answer in four is a complete message with truncated JSON: every id arrives once."""
    total, per_page = 23, 5
    answered = 0

    async def handler(request: web.Request) -> web.Response:
        nonlocal answered
        answered += 1
        page_no, size = int(request.query["page_no"]), int(request.query["per_page"])
        start = (page_no - 1) * size
        ids = [f"rec-{i:03d}" for i in range(start, min(start + size, total))]
        body = json.dumps(
            {
                "success": True,
                "data": [recording(i) for i in ids],
                "paging": {
                    "total_count": total,
                    "start_offset": start + 1,
                    "end_offset": start + len(ids),
                },
            }
        ).encode()
        if answered % 4 == 2:
            body = body[: len(body) * 2 // 3]  # Content-Length matches: framing is intact
        return web.Response(body=body, content_type="application/json")

    async with serve(handler) as base_url, session(base_url) as rtk:
        ids = [r.id async for r in rtk.list_recordings(per_page=per_page, prefetch=0)]
    assert ids == [f"rec-{i:03d}" for i in range(total)]
    assert answered == 7  # five pages, two of them twice


async def test_cut_short_read_raises_after_its_attempts() -> None:
    """A read whose JSON is always cut short is retried, then raised as incomplete."""
    calls = 0

    async def handler(_: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(body=success(recording("r1"))[:-10], content_type="application/json")

    async with serve(handler) as base_url, session(base_url, retry=RetryPolicy(attempts=3)) as rtk:
        with pytest.raises(ResponseParseError, match="ends too early") as caught:
            await rtk.get_recording("r1")
    assert caught.value.incomplete
    assert calls == 3


async def test_cut_short_write_is_reconciled() -> None:
    """A stop whose answer is cut short is not sent again: the recording is read back."""
    methods: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        methods.append(request.method)
        if request.method == "PUT":
            body = success(recording("r1", "UPLOADING"))[:-3]
        else:
            body = success(recording("r1", "UPLOADING"))
        return web.Response(body=body, content_type="application/json")

    async with serve(handler) as base_url, session(base_url) as rtk:
        stopped = await rtk.stop_recording("r1")
    assert stopped.status is RecordingStatus.UPLOADING
    assert methods == ["PUT", "GET"]


async def test_wrong_shape_is_not_retried() -> None:
    """Complete JSON of the wrong shape is a ResponseParseError after one request."""
    calls = 0

    async def handler(_: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(body=success({"id": 5}), content_type="application/json")

    async with serve(handler) as base_url, session(base_url) as rtk:
        with pytest.raises(ResponseParseError, match=r"\$\.data\.id") as caught:
            await rtk.get_recording("r1")
    assert not caught.value.incomplete
    assert calls == 1


# --- any bytes, any headers: only our errors ----------------------------------------------------

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["9999-12-31T23:59:59-23:59", "2026-01-01T00:00:00Z", "UPLOADED"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["success", "data", "paging", "id", "status", "total_count", "error"])
            | st.text(max_size=8),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@st.composite
def hostile_bodies(draw: st.DrawFn) -> bytes:
    """Arbitrary bytes, JSON of any shape, near-miss recordings, deep nesting, cut documents."""
    kind = draw(st.sampled_from(["bytes", "json", "recording", "page", "deep"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "deep":
        depth = draw(st.integers(500, 5000))
        return b'{"success":true,"data":' + b"[" * depth + b"]" * draw(st.integers(0, depth))
    if kind == "json":
        value: Any = draw(_json_values)
    else:
        value = {"success": True, "data": recording("r1")}
        if kind == "page":
            value["data"] = [value["data"]]
            value["paging"] = {"total_count": 1, "start_offset": 1, "end_offset": 1}
        target = value["data"][0] if kind == "page" else value["data"]
        target.update(draw(st.dictionaries(st.sampled_from(sorted(target)), _json_values)))
    raw = json.dumps(value).encode()
    return raw[: draw(st.integers(0, len(raw)))] if draw(st.booleans()) else raw


_header_values = st.text(max_size=60) | st.sampled_from(
    [
        "Fri, 01 Jan 99999999999 00:00:00 GMT",
        "Mon, 31 Dec 9999 23:59:59 -2359",
        '"default";r=0;t=' + "9" * 5000,
        "9" * 5000,
        "1e999",
        "nan",
    ]
)
_headers = st.dictionaries(
    st.sampled_from(["retry-after", "ratelimit", "content-type", "cf-ray", "location"]),
    _header_values,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=hostile_bodies(),
    status=st.sampled_from([200, 201, 204, 206, 301, 302, 304, 400, 404, 409, 429, 500, 503])
    | st.integers(100, 599),
    headers=_headers,
    operation=st.sampled_from(["get", "active", "track", "list"]),
)
def test_any_answer_raises_only_our_errors(
    body: bytes, status: int, headers: dict[str, str], operation: str
) -> None:
    """Whatever the status, headers and body, readers return a model or raise RealtimeKitError."""
    prefix = proto.app_prefix("acc", "app")
    now = dt.datetime(2026, 8, 14, tzinfo=dt.UTC)
    response = proto.Response(status, headers, body)
    request = {
        "get": proto.get_request(prefix, "r1"),
        "active": proto.active_recording_request(prefix, "m1"),
        "track": proto.track_request(prefix, "m1", None, None),
        "list": proto.list_request(prefix, proto.ListFilters(), 1, 10),
    }[operation]
    readers: list[Callable[[proto.Request, proto.Response, dt.datetime], object]] = [
        proto.raise_for_error,
        proto.read_page if operation == "list" else proto.read_recording,
    ]
    for read in readers:
        try:
            read(request, response, now)
        except RealtimeKitError as exc:
            assert str(exc)
            assert repr(exc)  # rendering them must not raise either
    seconds = proto.parse_retry_after(headers.get("retry-after"), now)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)
    RateLimiter(10, 1.0).observe(headers)


def test_hostile_bodies_cost_about_the_limit_in_memory() -> None:
    """In a fresh process, a 1 GiB body and a gzip bomb raise the peak RSS by about the limit."""
    probe = Path(__file__).with_name("rss_probe.py")
    done = subprocess.run(  # noqa: S603 - our own script, run by this interpreter
        [sys.executable, str(probe)], capture_output=True, text=True, check=True, timeout=300
    )
    figures = json.loads(done.stdout)
    # Coarse on purpose: the figure itself (about limit + 0.3 MiB) is what the probe reports.
    assert figures["growth"]["total"] < figures["limit"] + 32 * MiB
