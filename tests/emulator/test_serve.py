"""The standalone emulator: `python -m realtimekit_async.testing` and `realtimekit emulator`."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.client import HTTPConnection
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest

from realtimekit_async import testing
from realtimekit_async._cli import main as cli_main
from realtimekit_async._emulator._serve import prepare
from realtimekit_async.testing import FakeRealtimeKit

from .conftest import NOW, call, eventually

if TYPE_CHECKING:
    from collections.abc import Callable

from collections.abc import Sequence


def cli_emulator(argv: Sequence[str]) -> int:
    """`realtimekit emulator ARGV`."""
    return cli_main(["emulator", *argv])


#: Both entry points, and the program name that starts their error lines.
ENTRY_POINTS = [
    pytest.param(testing.main, "python -m realtimekit_async.testing", id="testing"),
    pytest.param(cli_emulator, "realtimekit", id="cli"),
]


def free_port() -> int:
    """A port nothing listens on (as far as anyone can tell)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def interrupt_once_listening(port: int) -> threading.Thread:
    """Press Ctrl-C (SIGINT to the main thread) once the emulator on *port* answers."""

    def wait_then_interrupt() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            # A whole exchange with `Connection: close`, so the server itself closes its end
            # and no half-open connection is left behind when Ctrl-C arrives.
            probe = HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                probe.request("GET", "/", headers={"Connection": "close"})
                probe.getresponse().read()
                break
            except OSError:
                time.sleep(0.05)
            finally:
                probe.close()
        main_thread = threading.main_thread().ident
        assert main_thread is not None
        signal.pthread_kill(main_thread, signal.SIGINT)

    thread = threading.Thread(target=wait_then_interrupt)
    thread.start()
    return thread


def exports(text: str) -> dict[str, str]:
    """The `export NAME=value` lines of the serve output."""
    pairs = (
        line.removeprefix("export ").split("=", 1)
        for line in text.splitlines()
        if line.startswith("export ")
    )
    return dict(pairs)


async def test_serve_prints_environment(http: aiohttp.ClientSession) -> None:
    """serve() prints export lines that reach a seeded, auto-advancing emulator."""
    out, stop = io.StringIO(), asyncio.Event()
    task = asyncio.create_task(testing.serve(0, 4, out, stop, seed_meetings=2))
    await eventually(lambda: "REALTIMEKIT_BASE_URL" in out.getvalue())
    env = exports(out.getvalue())
    assert out.getvalue().startswith("RealtimeKit emulator listening on http://127.0.0.1:")
    url = (
        f"{env['REALTIMEKIT_BASE_URL']}/accounts/{env['CLOUDFLARE_ACCOUNT_ID']}"
        f"/realtime/kit/{env['REALTIMEKIT_APP_ID']}/recordings"
    )
    headers = {"Authorization": f"Bearer {env['CLOUDFLARE_API_TOKEN']}"}
    async with http.get(url, headers=headers) as response:
        body = await response.json()
    assert body["paging"]["total_count"] == 4
    assert len({item["meeting_id"] for item in body["data"]}) == 2
    stop.set()
    await task


async def test_serve_defaults_hold_fresh_links(http: aiohttp.ClientSession) -> None:
    """By default 300 recordings in 8 meetings, and every seeded link can be downloaded."""
    out, stop = io.StringIO(), asyncio.Event()
    task = asyncio.create_task(testing.serve(out=out, stop=stop))
    await eventually(lambda: "REALTIMEKIT_BASE_URL" in out.getvalue())
    env = exports(out.getvalue())
    url = (
        f"{env['REALTIMEKIT_BASE_URL']}/accounts/{env['CLOUDFLARE_ACCOUNT_ID']}"
        f"/realtime/kit/{env['REALTIMEKIT_APP_ID']}/recordings"
    )
    headers = {"Authorization": f"Bearer {env['CLOUDFLARE_API_TOKEN']}"}
    params = {"per_page": "100", "expired": "true"}
    async with http.get(url, headers=headers, params=params) as response:
        expired = await response.json()
    assert expired["paging"]["total_count"] == 0
    params = {"per_page": "100", "status": "UPLOADED"}
    async with http.get(url, headers=headers, params=params) as response:
        uploaded = await response.json()
    links = [item["download_url"] for item in uploaded["data"]]
    async with http.get(next(link for link in links if isinstance(link, str))) as response:
        assert response.status == 200
    async with http.get(url, headers=headers) as response:
        assert (await response.json())["paging"]["total_count"] == 300
    stop.set()
    await task


async def test_prepare_adds_latency(http: aiohttp.ClientSession) -> None:
    """prepare(latency=...) slows every answer down, without other faults."""
    async with FakeRealtimeKit(now=NOW) as fake:
        prepare(fake, recordings=3, meetings=1, latency=0.05)
        began = time.monotonic()
        status, body = await call(http, fake, "GET")
        assert (status, body["paging"]["total_count"]) == (200, 3)
        assert time.monotonic() - began >= 0.05
        assert fake.journal[-1].fault == "slow"


@pytest.mark.parametrize(("main", "prog"), ENTRY_POINTS)
def test_help_shows_every_default(
    main: Callable[[Sequence[str]], int], prog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both entry points take the same options, and --help shows each default."""
    with pytest.raises(SystemExit) as caught:
        main(["--help"])
    assert caught.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    for option, default in (
        ("--port", "0"),
        ("--seed-recordings", "300"),
        ("--seed-meetings", "8"),
        ("--latency", "0.0"),
    ):
        assert option in out
        assert f"(default: {default})" in out


@pytest.mark.parametrize(("main", "prog"), ENTRY_POINTS)
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "99999"], "argument --port: '99999' is not a port (0-65535)"),
        (["--port", "http"], "argument --port: 'http' is not a whole number"),
        (["--seed-recordings", "-1"], "argument --seed-recordings: '-1' is negative"),
        (["--seed-meetings", "0"], "argument --seed-meetings: need at least 1"),
        (["--latency", "-1"], "argument --latency: '-1' is not a number of seconds >= 0"),
        (["--latency", "inf"], "argument --latency: 'inf' is not a number of seconds >= 0"),
        (["--latency", "soon"], "argument --latency: 'soon' is not a number of seconds"),
    ],
)
def test_bad_option_is_one_line_and_status_2(
    main: Callable[[Sequence[str]], int],
    prog: str,
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bad option ends with argparse's usage and one error line, status 2, no traceback."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].endswith(f"error: {message}")
    assert "Traceback" not in err


@pytest.mark.parametrize(("main", "prog"), ENTRY_POINTS)
def test_busy_port_is_one_line_and_status_1(
    main: Callable[[Sequence[str]], int], prog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A port in use ends with one line naming it, status 1, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port), "--seed-recordings", "0"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"{prog}: error: cannot listen on 127.0.0.1:{port}: ")
    assert captured.err.count("\n") == 1
    assert "in use" in captured.err


@pytest.mark.parametrize(("main", "prog"), ENTRY_POINTS)
def test_serves_until_ctrl_c(
    main: Callable[[Sequence[str]], int], prog: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both entry points print the environment, serve until Ctrl-C, then exit 0."""
    port = free_port()
    thread = interrupt_once_listening(port)
    argv = [
        "--port",
        str(port),
        "--seed-recordings",
        "5",
        "--seed-meetings",
        "2",
        "--latency",
        "0.01",
    ]
    assert main(argv) == 0
    thread.join()
    captured = capsys.readouterr()
    assert f"export REALTIMEKIT_BASE_URL=http://127.0.0.1:{port}/client/v4" in captured.out
    assert captured.err == "emulator stopped\n"


def test_module_runs_standalone() -> None:
    """`python -m realtimekit_async.testing` serves until SIGINT and exits 0."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    process = subprocess.Popen(
        [sys.executable, "-m", "realtimekit_async.testing", "--seed-recordings", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("RealtimeKit emulator listening on http://127.0.0.1:")
        lines = [process.stdout.readline() for _ in range(4)]
        assert lines[0].startswith("export CLOUDFLARE_ACCOUNT_ID=")
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
