"""The only aiohttp client code: send one request, read the whole body (bounded), map failures.

Whether a failure happened *before* the request left matters to retries, so the mapping is
precise: a refused or timed-out connect is :class:`ConnectError` (nothing was sent); a timeout
after that is :class:`RequestTimeoutError`; a reset or a cut-short body is a plain
:class:`TransportError`. aiohttp and asyncio exceptions never leave this module unwrapped.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Final, Protocol

import aiohttp
import yarl
from aiohttp.abc import AbstractStreamWriter

from ._errors import (
    ConnectError,
    DownloadError,
    RequestTimeoutError,
    ResponseParseError,
    ResponseTooLargeError,
    TransportError,
)
from ._protocol import Response
from ._proxies import Routes
from ._redaction import redact_url

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "ClientSession", "Transport"]

_JSON = "application/json"
#: What a request through aiohttp can raise besides our own errors. The last three come from
#: aiohttp's internals when the session is closed while a request is under way.
_FAILURES = (
    aiohttp.ClientError,
    TimeoutError,
    OSError,
    AssertionError,
    RuntimeError,
    AttributeError,
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: Redirects a download follows before giving up.
MAX_REDIRECTS = 5

#: The largest API response body read, in bytes, both as received and once decompressed. A
#: page of 100 recordings is about 150 KiB; the limit leaves room for far larger pages.
DEFAULT_MAX_RESPONSE_SIZE: Final = 32 * 1024 * 1024

# API answers are decompressed here, not by aiohttp, so that the limit applies to what a
# compressed body expands to while it expands. Brotli and zstd are not offered, so a server that
# follows Accept-Encoding (Cloudflare does) sends gzip, deflate or nothing.
_ACCEPT_ENCODING: Final = "gzip, deflate"
#: The most one decompression step produces: a bomb expands a piece at a time, not all at once.
_PIECE: Final = 64 * 1024

#: The aiohttp session type, for the session module's signature (it does not import aiohttp).
ClientSession = aiohttp.ClientSession


class _OneShotBody(aiohttp.BytesPayload):
    """A request body that aiohttp may send only once.

    aiohttp silently re-sends a PUT (an "idempotent" method) when a reused connection drops,
    and RealtimeKit's pause/stop are not idempotent in effect: the second send answers 409 and
    hides that the first one worked. Marking the body consumed once written makes aiohttp raise
    instead, so the retry policy, which can read the recording back, decides what happens.
    """

    async def write_with_length(
        self, writer: AbstractStreamWriter, content_length: int | None
    ) -> None:
        self._consumed = True
        await super().write_with_length(writer, content_length)


class Transport:
    """Sends requests through a caller's aiohttp session, or one of its own made on first use."""

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        *,
        connect_timeout: float | None,
        read_timeout: float | None,
        connection_limit: int = 100,
        trust_env: bool = True,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        self._session = session
        self.owns_session = session is None
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._connection_limit = connection_limit
        # Proxies from the environment for the session we make (a caller's keeps its own).
        self._routes = Routes(enabled=trust_env and self.owns_session)
        self.max_response_size = max_response_size

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session in use, created (inside the running loop) on first use."""
        if self._session is not None and self._session.closed:
            # aiohttp would raise a bare RuntimeError; a closed caller's session is a setup fault.
            msg = "the aiohttp ClientSession passed as session= is closed"
            raise TransportError(msg)
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connection_limit),
                # Redirects could carry the Authorization header elsewhere; the API never sends one.
                timeout=aiohttp.ClientTimeout(total=None),
                # Proxies come from the environment all the same, read once (see _proxies).
                trust_env=False,
            )
        return self._session

    @property
    def needs_close(self) -> bool:
        """Whether we made an aiohttp session that is still open."""
        return self.owns_session and self._session is not None and not self._session.closed

    @property
    def idle(self) -> bool:
        """Whether no connection is currently checked out of our pool (for tests and shutdown)."""
        if self._session is None or self._session.closed:
            return True
        connector = self._session.connector
        return not (connector and connector._acquired)  # pyright: ignore[reportPrivateUsage]

    def _timeout(self, total: float | None, read_timeout: float | None) -> aiohttp.ClientTimeout:
        return aiohttp.ClientTimeout(
            total=total,
            sock_connect=self._connect_timeout,
            sock_read=read_timeout if read_timeout is not None else self._read_timeout,
        )

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        timeout: float | None = None,
        read_timeout: float | None = None,
    ) -> Response:
        """Send one request and read its whole body; *url* must be fully encoded.

        The body is read up to :attr:`max_response_size` bytes, received and decompressed;
        past that, reading stops, the connection is closed and :class:`ResponseTooLargeError`
        is raised.
        """
        target = yarl.URL(url, encoded=True)
        route = self._routes.route(target)
        try:
            async with self.session.request(
                method,
                target,
                headers={**headers, "Accept-Encoding": _ACCEPT_ENCODING, **route.headers},
                data=None if body is None else _OneShotBody(body, content_type=_JSON),
                timeout=self._timeout(timeout, read_timeout),
                allow_redirects=False,
                auto_decompress=False,
                proxy=route.proxy,
                proxy_headers=route.proxy_headers,
            ) as response:
                try:
                    data = await _read_bounded(response, self.max_response_size)
                except (ResponseParseError, TransportError) as exc:
                    # The rest of the body is unread: close rather than return the connection.
                    response.close()
                    if isinstance(exc, ResponseParseError):
                        exc.status = response.status
                    raise
                return Response(response.status, _lower_headers(response.headers), data)
        except _FAILURES as exc:
            raise map_exception(exc, method, url) from exc

    async def stream(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        sink: Callable[[int, Mapping[str, str]], Awaitable[Callable[[bytes], None] | None]],
        chunk_size: int,
        timeout: float | None = None,
    ) -> int:
        """GET *url* (a presigned link: no credentials of ours) and feed its body to *sink*.

        *sink* receives the status and headers and returns a writer for the body chunks, or
        ``None`` to skip the body. Returns the status. Memory stays at one chunk; the writer
        stops the read by raising. Redirects are followed (at most :data:`MAX_REDIRECTS`, to
        http(s) only) by this method, so that no error can carry a signed URL: every error names
        the storage host and path, never the query string.

        Raises:
            TransportError: the connection failed, timed out or was cut short.
            DownloadError: storage redirected in a loop or to a non-HTTP location.
        """
        current = yarl.URL(url, encoded=True)
        for _ in range(MAX_REDIRECTS + 1):
            route = self._routes.route(current)
            try:
                async with self.session.get(
                    current,
                    headers={**headers, **route.headers},
                    timeout=self._timeout(timeout, None),
                    allow_redirects=False,
                    proxy=route.proxy,
                    proxy_headers=route.proxy_headers,
                ) as response:
                    location = response.headers.get("Location")
                    if response.status in _REDIRECTS and location is not None:
                        current = _redirect_target(current, location)
                        continue
                    write = await sink(response.status, _storage_headers(response.headers))
                    if write is not None:
                        async for chunk in response.content.iter_chunked(chunk_size):
                            write(chunk)
                    return response.status
            except (*_FAILURES, ValueError) as exc:
                error = _storage_error(exc, current)
            # Raised outside the except block: the aiohttp exception (whose text may hold the
            # signed URL) is neither the cause nor the context of what the caller sees.
            raise error
        msg = f"storage redirected more than {MAX_REDIRECTS} times ({where(current)})"
        raise DownloadError(msg)

    async def close(self) -> None:
        """Close the aiohttp session if (and only if) this transport created it."""
        if self.owns_session and self._session is not None and not self._session.closed:
            await self._session.close()


async def _read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body, decompressed, or ResponseTooLargeError once it passes *limit* bytes."""
    length = response.content_length
    if length is not None and length > limit:
        raise _too_large(f"states a Content-Length of {length} bytes", limit)
    inflater = _Inflater.for_encoding(response.headers.get("Content-Encoding"))
    chunks: list[bytes] = []
    received = produced = 0
    while chunk := await response.content.readany():
        received += len(chunk)
        if received > limit:
            chunks.clear()  # the traceback keeps this frame: it must not keep the body too
            raise _too_large(f"is larger than {limit} bytes", limit)
        for piece in (chunk,) if inflater is None else inflater.feed(chunk):
            produced += len(piece)
            if produced > limit:
                chunks.clear()
                raise _too_large(f"decompresses to more than {limit} bytes", limit)
            chunks.append(piece)
    if inflater is not None and received:
        inflater.finish()
    return b"".join(chunks)


def _too_large(what: str, limit: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"the response body {what}; the session's max_response_size is {limit} bytes",
        limit=limit,
    )


class _Decompressor(Protocol):
    """What :func:`zlib.decompressobj` returns (its class is private to zlib)."""

    @property
    def eof(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...
    @property
    def unconsumed_tail(self) -> bytes: ...
    def decompress(self, data: bytes, max_length: int = 0, /) -> bytes: ...


class _Inflater:
    """Undoes a gzip or deflate Content-Encoding chunk by chunk, in pieces of bounded size."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._wbits: int | None = 31 if encoding == "gzip" else None  # deflate: see feed()
        self._state: _Decompressor | None = None

    @classmethod
    def for_encoding(cls, header: str | None) -> _Inflater | None:
        """An inflater for the ``Content-Encoding`` *header*, or ``None`` for an identity body."""
        encoding = (header or "identity").strip().lower()
        if encoding in {"identity", ""}:
            return None
        if encoding in {"gzip", "x-gzip"}:
            return cls("gzip")
        if encoding == "deflate":
            return cls("deflate")
        # We offered only gzip and deflate: anything else is a body we cannot read.
        msg = f"the response body has a Content-Encoding we did not ask for: {encoding[:40]!r}"
        raise ResponseParseError(msg)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Decompress *data* in pieces of at most 64 KiB, so that a reader can stop early."""
        while data:
            if self._state is None or self._state.eof:
                if self._wbits is None:
                    # "deflate" should be zlib-wrapped (RFC 9110), but some servers send raw
                    # deflate: a zlib stream's first byte names method 8 in its low bits.
                    self._wbits = 15 if data[0] & 0x0F == 8 else -15
                self._state = zlib.decompressobj(self._wbits)
            try:
                piece = self._state.decompress(data, _PIECE)
            except zlib.error as exc:
                raise self._corrupt() from exc
            if piece:
                yield piece
            # Input left over is either more of this stream (the piece was full) or, after the
            # end of a gzip member, the next member (gzip allows several).
            data = self._state.unconsumed_tail or (
                self._state.unused_data if self._state.eof else b""
            )

    def finish(self) -> None:
        """Check that the compressed stream ended, rather than the body stopping inside it."""
        if self._state is None or not self._state.eof:
            raise self._corrupt()

    def _corrupt(self) -> TransportError:
        # Like a body cut short by the connection: the answer did not arrive whole.
        return TransportError(f"the response body is not complete {self._encoding} data")


def _lower_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # Only the headers the protocol reads, under lower-case names: cheaper than a full copy.
    return {
        name: value
        for name in (
            "cf-ray",
            "retry-after",
            "ratelimit",
            "ratelimit-policy",
            "content-type",
            "content-length",
            "content-range",
            "location",
        )
        if (value := headers.get(name)) is not None
    }


def where(url: yarl.URL) -> str:
    """``host[:port]/path`` of a storage URL: enough to tell which file, never the signature."""
    host = url.raw_host or ""
    port = f":{url.explicit_port}" if url.explicit_port is not None else ""
    return f"{host}{port}{url.raw_path}"


def _redirect_target(current: yarl.URL, location: str) -> yarl.URL:
    try:
        target = current.join(yarl.URL(location, encoded=True))
    except ValueError:
        target = None
    if target is None or target.scheme not in {"http", "https"} or not target.raw_host:
        msg = f"storage redirected to a non-HTTP location ({where(current)})"
        raise DownloadError(msg)
    return target


def _storage_headers(headers: Mapping[str, str]) -> dict[str, str]:
    # The headers a download reads, under lower-case names.
    return {
        name: value
        for name in (
            "content-type",
            "content-length",
            "content-range",
            "etag",
            "last-modified",
        )
        if (value := headers.get(name)) is not None
    }


def _storage_error(exc: Exception, url: yarl.URL) -> TransportError:
    """:func:`map_exception` for a storage URL, with any URL in aiohttp's text redacted."""
    mapped = map_exception(exc, "GET", str(url))
    message = f"{redact_url(mapped.message)} (storage {where(url)})"
    return type(mapped)(message, method="GET", path=url.raw_path)


def map_exception(exc: Exception, method: str, url: str) -> TransportError:
    """Our exception for an aiohttp, asyncio or socket failure."""
    path = yarl.URL(url, encoded=True).raw_path
    where = {"method": method, "path": path}
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ConnectError(f"timed out connecting to {yarl.URL(url).host}", **where)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectError(f"could not connect to {exc.host}:{exc.port}: {exc.strerror}", **where)
    if isinstance(exc, TimeoutError):
        return RequestTimeoutError("timed out waiting for the response", **where)
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return TransportError("the server closed the connection without a response", **where)
    if isinstance(exc, aiohttp.ClientPayloadError):
        return TransportError(f"the response body was cut short: {exc}", **where)
    if isinstance(exc, AssertionError | RuntimeError | AttributeError):
        # aiohttp trips over its own state when its session is closed under a request.
        msg = (
            f"the request failed inside aiohttp, as when its session is closed meanwhile ({exc!r})"
        )
        return TransportError(msg, **where)
    return TransportError(f"{type(exc).__name__}: {exc}", **where)
