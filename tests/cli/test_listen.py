import asyncio
import io
import json
import socket
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from realtimekit_async._cli import main
from tests.webhook_signing import body_of, public_pem, signed_headers, webhook_sample

from .support import interrupt_once_listening

UPLOADED = "recording.statusUpdate.uploaded.json"


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def pem(tmp_path: Path) -> Path:
    """The test key's public half in a PEM file."""
    path = tmp_path / "rtk.pem"
    path.write_text(public_pem())
    return path


@asynccontextmanager
async def listening(argv: list[str]) -> AsyncGenerator[tuple[aiohttp.ClientSession, str]]:
    """Run `realtimekit webhooks listen` (in a thread); yield a client and its URL."""
    port = free_port()
    command = asyncio.create_task(
        asyncio.to_thread(main, ["webhooks", "listen", "--port", str(port), *argv])
    )
    url = f"http://127.0.0.1:{port}/webhooks"
    async with aiohttp.ClientSession() as http:
        for _ in range(500):
            try:
                async with http.get(url):
                    break  # 405: the route is there
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.01)
        try:
            yield http, url
        except BaseException:
            command.cancel()  # the thread runs on until --count; the test has failed anyway
            raise
    assert await command == 0


async def post(
    http: aiohttp.ClientSession,
    url: str,
    body: bytes | io.BytesIO | AsyncIterator[bytes],
    headers: dict[str, str],
) -> int:
    """POST a delivery; its status."""
    async with http.post(url, data=body, headers=headers) as response:
        return response.status


async def test_listen_prints_one_line_per_event(
    pem: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Verified deliveries become lines on stdout; a repeat is marked; bad ones are refused."""
    uploaded = body_of(webhook_sample(UPLOADED))
    started = body_of(webhook_sample("meeting.started.json"))
    unknown = json.dumps({"event": "meeting.somethingNew", "data": 1}).encode()
    async with listening(["--public-key", str(pem), "--count", "4"]) as (http, url):
        assert await post(http, url, uploaded, signed_headers(uploaded, 1)) == 401
        assert await post(http, url, b"not json", signed_headers(b"not json")) == 400
        assert await post(http, url, uploaded, signed_headers(uploaded)) == 204
        assert await post(http, url, uploaded, signed_headers(uploaded)) == 204
        assert await post(http, url, started, signed_headers(started, delivery_id="d-2")) == 204
        assert await post(http, url, unknown, signed_headers(unknown, delivery_id="d-3")) == 204
    captured = capsys.readouterr()
    recording = webhook_sample(UPLOADED)["recording"]["id"]
    meeting = webhook_sample("meeting.started.json")["meeting"]["id"]
    assert captured.out.splitlines() == [
        f"recording.statusUpdate  recording {recording} UPLOADED  delivery d-1",
        f"recording.statusUpdate  recording {recording} UPLOADED  delivery d-1  (duplicate)",
        f"meeting.started  meeting {meeting}  delivery d-2",
        "meeting.somethingNew  delivery d-3",
    ]
    err = captured.err.splitlines()
    assert err[0].startswith("listening on http://127.0.0.1:")
    assert err[1].startswith("refused a delivery: ")
    assert err[2].startswith("refused a signed delivery: ")
    assert len(err) == 3


async def test_listen_writes_json_lines_and_refuses_huge_bodies(
    pem: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--format jsonl` prints one object per event; bodies over the limit get 413 unread."""
    monkeypatch.setenv("REALTIMEKIT_WEBHOOK_PUBLIC_KEY", public_pem())
    body = body_of(webhook_sample(UPLOADED))

    async def endless() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    async with listening(["--format", "jsonl", "--count", "1"]) as (http, url):
        huge = io.BytesIO(b"x" * (2 << 20))  # with a Content-Length
        assert await post(http, url, huge, signed_headers(body)) == 413
        assert await post(http, url, endless(), signed_headers(body)) == 413
        assert await post(http, url, body, signed_headers(body)) == 204
    captured = capsys.readouterr()
    line = json.loads(captured.out)
    assert line["event"] == "recording.statusUpdate"
    assert line["delivery_id"] == "d-1"
    assert line["webhook_id"] == "wh-1"
    assert line["duplicate"] is False
    assert line["data"]["recording"]["id"] == webhook_sample(UPLOADED)["recording"]["id"]
    assert captured.err.count("body over 1048576 bytes") == 2


@asynccontextmanager
async def app(answers: list[int]) -> AsyncGenerator[tuple[str, list[web.Request], list[bytes]]]:
    """A local app answering each POST with the next of *answers*; yields its URL and requests."""
    seen: list[web.Request] = []
    bodies: list[bytes] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append(request)
        bodies.append(await request.read())
        return web.Response(status=answers.pop(0))

    application = web.Application()
    application.router.add_post("/hook", handle)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", seen, bodies
    finally:
        await runner.cleanup()


async def test_forward_relays_the_raw_request_and_the_answer(
    pem: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--forward` sends the same bytes and rtk-* headers on; the sender gets the app's status."""
    body = body_of(webhook_sample(UPLOADED))
    headers = signed_headers(body)
    async with app([500, 200]) as (target, seen, bodies):
        argv = ["--public-key", str(pem), "--forward", target, "--count", "2"]
        async with listening(argv) as (http, url):
            assert await post(http, url, body, headers) == 500
            assert await post(http, url, body, headers) == 200
    assert bodies == [body, body]
    for request in seen:
        for name, value in headers.items():
            assert request.headers[name] == value
    err = capsys.readouterr().err
    assert f"forwarded to {target}: 500" in err
    assert f"forwarded to {target}: 200" in err


async def test_forward_to_an_app_that_is_down_answers_502(
    pem: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """When the local app cannot be reached, the sender gets 502 (and will retry)."""
    body = body_of(webhook_sample(UPLOADED))
    target = f"http://127.0.0.1:{free_port()}/hook"
    argv = ["--public-key", str(pem), "--forward", target, "--count", "1"]
    async with listening(argv) as (http, url):
        assert await post(http, url, body, signed_headers(body)) == 502
    assert f"could not forward to {target}: " in capsys.readouterr().err


@asynccontextmanager
async def key_server(answers: list[int]) -> AsyncGenerator[str]:
    """Serve the key document, answering each GET with the next of *answers*; yield its URL."""

    async def handle(request: web.Request) -> web.Response:
        status = answers.pop(0)
        document = {"success": True, "data": {"publicKey": public_pem()}}
        return web.json_response(document, status=status)

    application = web.Application()
    application.router.add_get("/.well-known/webhooks.json", handle)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/.well-known/webhooks.json"
    finally:
        await runner.cleanup()


async def test_a_key_that_cannot_be_fetched_answers_503(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a key it is fetched; while that fails the sender gets 503 (and retries)."""
    monkeypatch.delenv("REALTIMEKIT_WEBHOOK_PUBLIC_KEY", raising=False)
    body = body_of(webhook_sample(UPLOADED))
    async with key_server([500, 200]) as key_url:
        argv = ["--public-key-url", key_url, "--count", "1", "--path", "/webhooks"]
        async with listening(argv) as (http, url):
            assert await post(http, url, body, signed_headers(body)) == 503
            assert await post(http, url, body, signed_headers(body)) == 204
    captured = capsys.readouterr()
    assert "cannot verify a delivery now: " in captured.err
    assert captured.out.startswith("recording.statusUpdate  recording ")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--path", "webhooks"], "--path must start with /, got 'webhooks'"),
        (["--forward", "localhost:8000"], "--forward must be an http:// or https:// URL"),
        (["--public-key-url", "ftp://x/key"], "--public-key-url must be an http:// or https://"),
        (["--format", "csv"], "realtimekit webhooks listen does not write --format csv"),
    ],
)
def test_listen_usage_errors(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad listen options end with one line and status 2 before anything is served."""
    assert main(["webhooks", "listen", *options]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"realtimekit: error: {message}")
    assert captured.err.count("\n") == 1


def test_a_bad_public_key_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing key file is a file error (1); a file without a key is a usage error (2)."""
    assert main(["webhooks", "listen", "--public-key", str(tmp_path / "missing.pem")]) == 1
    assert capsys.readouterr().err.startswith("realtimekit: error: [Errno 2]")
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key")
    assert main(["webhooks", "listen", "--public-key", str(junk)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("realtimekit: error: ")
    assert err.count("\n") == 1


def test_a_busy_port_is_one_line(pem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A port in use ends the command with one line and status 1, no traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        argv = ["webhooks", "listen", "--port", str(port), "--public-key", str(pem)]
        assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        f"realtimekit: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )
    assert captured.out == ""


def test_listen_stops_on_ctrl_c(pem: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C is the way to stop `listen`: status 0, a note on stderr."""
    port = free_port()
    thread = interrupt_once_listening(port)
    assert main(["webhooks", "listen", "--port", str(port), "--public-key", str(pem)]) == 0
    thread.join()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"listening on http://127.0.0.1:{port}/webhooks (Ctrl-C to stop)",
        "stopped listening",
    ]
