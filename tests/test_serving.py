"""Stopping a server right after clients connected leaves no socket open."""

import asyncio
import gc
import socket
import warnings

import pytest
from aiohttp import web

from realtimekit_async._serving import stop_serving
from realtimekit_async.testing import FakeRealtimeKit


async def _started() -> tuple[web.AppRunner, int]:
    # As the emulator and `listen` do: an idle connection accepted as the server stops holds
    # aiohttp's shutdown for this long (it never sees the close), not for its default minute.
    runner = web.AppRunner(web.Application(), shutdown_timeout=0.25)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, runner.addresses[0][1]


def _resource_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    gc.collect()  # an accepted socket dropped by asyncio is only found by the collector
    return [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.parametrize("turns", range(5))
async def test_connections_made_just_before_the_stop_are_closed(turns: int) -> None:
    """Whichever turn of the loop the stop lands on, accepted connections are closed.

    With a bare ``runner.cleanup()``, the stop two turns after the connect drops the accepted
    socket unclosed (asyncio's attach to a closed server fails) and this test fails.
    """
    runner, port = await _started()
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
    try:
        for _ in range(turns):
            await asyncio.sleep(0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            await stop_serving(runner)
            assert _resource_warnings(caught) == []
    finally:
        for client in clients:
            client.close()
    assert runner.addresses == []


async def test_a_cancelled_stop_still_closes_the_server() -> None:
    """Cancelled while it lets accepts finish, the stop still closes the listening socket."""
    runner, port = await _started()
    stopping = asyncio.create_task(stop_serving(runner))
    await asyncio.sleep(0)
    stopping.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert runner.addresses == []
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


async def test_the_emulator_closes_a_connection_made_as_it_stops() -> None:
    """The emulator stops through the same path: a client that just connected is not leaked."""
    fake = FakeRealtimeKit()
    await fake.start()
    port = int(fake.base_url.rsplit(":", 1)[1].split("/", 1)[0])
    with (
        socket.create_connection(("127.0.0.1", port)),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        await fake.close()
        assert _resource_warnings(caught) == []
