"""Failure mapping of the transport, with plain aiohttp exception values."""

from __future__ import annotations

import aiohttp
import pytest

from realtimekit_async import ConnectError, RequestTimeoutError, TransportError
from realtimekit_async._transport import map_exception

URL = "http://127.0.0.1:9/client/v4/accounts/a/realtime/kit/b/recordings"


@pytest.mark.parametrize(
    ("exc", "cls", "text"),
    [
        (aiohttp.ConnectionTimeoutError(), ConnectError, "timed out connecting to 127.0.0.1"),
        (TimeoutError(), RequestTimeoutError, "timed out waiting"),
        (aiohttp.ServerDisconnectedError(), TransportError, "closed the connection"),
        (aiohttp.ClientPayloadError("short"), TransportError, "cut short"),
        (aiohttp.ClientOSError(104, "reset by peer"), TransportError, "ClientOSError"),
        (ConnectionResetError(104, "reset"), TransportError, "ConnectionResetError"),
        (AssertionError(), TransportError, "inside aiohttp, as when its session is closed"),
        (RuntimeError("Session is closed"), TransportError, "Session is closed"),
    ],
)
def test_exceptions_map_to_ours(exc: Exception, cls: type[TransportError], text: str) -> None:
    """Each aiohttp/asyncio failure becomes exactly the documented class, with method and path."""
    mapped = map_exception(exc, "GET", URL)
    assert type(mapped) is cls
    assert text in str(mapped)
    assert mapped.path == "/client/v4/accounts/a/realtime/kit/b/recordings"
