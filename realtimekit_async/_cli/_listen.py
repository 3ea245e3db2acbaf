"""``realtimekit webhooks listen``: receive deliveries on 127.0.0.1, verify, print, forward.

Like ``stripe listen``: each verified delivery becomes one line on stdout (or one JSON line);
with ``--forward URL`` the raw request (the same body bytes, ``Content-Type`` and ``rtk-*``
headers, so the signature still verifies) is POSTed on to a local app, and the sender gets that
app's answer: a 5xx there makes RealtimeKit (or the emulator) deliver again, as in production.
With ``--emulator`` it registers itself with a fresh emulator, plays one recording through its
lifecycle so events arrive, and removes the registration on the way out.

It verifies with the pieces :class:`~realtimekit_async.webhooks.WebhookReceiver` is made of
(:class:`WebhookKeyCache`, :class:`MemoryDeliveryStore`) rather than the receiver itself: the
receiver consumes the request body, and forwarding needs the exact bytes. Being an aiohttp
server and client is why this module may import aiohttp (ruff TID251 per-file ignore).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import AsyncGenerator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final

import aiohttp
from aiohttp import web
from yarl import URL

from realtimekit_async._errors import RealtimeKitError
from realtimekit_async._models import WebhookEventName
from realtimekit_async._serving import stop_serving
from realtimekit_async.webhooks import (
    MAX_BODY_SIZE,
    WELL_KNOWN_URL,
    MemoryDeliveryStore,
    RecordingStatusUpdate,
    WebhookEvent,
    WebhookKeyCache,
    WebhookPayloadError,
    WebhookVerificationError,
)
from realtimekit_async.webhooks._signature import load_public_key

from ._config import connect, emulated
from ._shared import CommandError

if TYPE_CHECKING:
    from realtimekit_async._session import RealtimeKitSession
    from realtimekit_async.testing import FakeRealtimeKit

__all__ = ["Listener", "describe", "run_listen"]

HOST: Final = "127.0.0.1"
#: After Ctrl-C, how long a delivery still being handled (or forwarded) may take to finish.
SHUTDOWN_TIMEOUT: Final = 2.0
#: Seconds a forwarded delivery may take, answer included.
FORWARD_TIMEOUT: Final = 30.0
#: Seconds between the steps of the recording ``--emulator`` plays, so events arrive one by one.
STEP: Final = 0.5
_CHUNK: Final = 1 << 16


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def describe(event: WebhookEvent) -> str:
    """What an event is about, in a few words: the recording and its status, or the meeting."""
    if isinstance(event, RecordingStatusUpdate):
        return f"recording {event.recording.id} {event.recording.status}"
    meeting = getattr(event, "meeting", None)
    meeting_id = getattr(meeting, "id", None)
    return "" if meeting_id is None else f"meeting {meeting_id}"


class Listener:
    """The request handler: verify each delivery, print it, forward it if asked.

    Args:
        keys: where the public key comes from.
        fmt: ``text`` (one line per event) or ``jsonl``.
        forward: the URL to POST each verified delivery on to, or ``None``.
        count: stop (set :attr:`done`) after this many events; ``None`` never stops.
    """

    def __init__(
        self, keys: WebhookKeyCache, *, fmt: str, forward: str | None, count: int | None
    ) -> None:
        self.keys, self.fmt, self.forward, self.count = keys, fmt, forward, count
        self.store = MemoryDeliveryStore()
        self.events = 0
        self.done = asyncio.Event()
        self.http: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one delivery (the aiohttp handler of ``POST --path``)."""
        body = await _read(request)
        if body is None:
            _note(f"refused a delivery: body over {MAX_BODY_SIZE} bytes")
            return web.Response(status=413)
        try:
            event = await self.keys.parse(body, request.headers)
        except WebhookVerificationError as exc:
            _note(f"refused a delivery: {exc}")
            return web.Response(status=401)
        except WebhookPayloadError as exc:
            _note(f"refused a signed delivery: {exc}")
            return web.Response(status=400)
        except RealtimeKitError as exc:
            _note(f"cannot verify a delivery now: {exc}")
            return web.Response(status=503)  # our problem: the sender should try again
        duplicate = event.delivery_id is not None and await self.store.seen(event.delivery_id)
        self._print(event, duplicate=duplicate)
        status = 204 if self.forward is None else await self._forward(body, request.headers)
        self.events += 1
        if self.count is not None and self.events >= self.count:
            self.done.set()
        return web.Response(status=status)

    def _print(self, event: WebhookEvent, *, duplicate: bool) -> None:
        if self.fmt == "jsonl":
            line = json.dumps(
                {
                    "event": str(event.event),
                    "delivery_id": event.delivery_id,
                    "webhook_id": event.webhook_id,
                    "duplicate": duplicate,
                    "data": event.data,
                }
            )
        else:
            parts = (str(event.event), describe(event), f"delivery {event.delivery_id}")
            line = "  ".join(part for part in parts if part)
            line += "  (duplicate)" if duplicate else ""
        print(line, flush=True)

    async def _forward(self, body: bytes, headers: Mapping[str, str]) -> int:
        """POST the delivery on unchanged; the app's status, or 502 if it cannot be reached."""
        assert self.forward is not None
        if self.http is None:
            timeout = aiohttp.ClientTimeout(total=FORWARD_TIMEOUT)
            self.http = aiohttp.ClientSession(timeout=timeout)
        sent = {
            name: value
            for name, value in headers.items()
            if name.lower() == "content-type" or name.lower().startswith("rtk-")
        }
        try:
            async with self.http.post(
                self.forward, data=body, headers=sent, allow_redirects=False
            ) as answer:
                status = answer.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            _note(f"could not forward to {self.forward}: {str(exc) or type(exc).__name__}")
            return 502
        _note(f"forwarded to {self.forward}: {status}")
        return status

    async def aclose(self) -> None:
        """Close the forwarding client and the key cache."""
        if self.http is not None:
            await self.http.close()
        await self.keys.aclose()


async def _read(request: web.Request) -> bytes | None:
    """The body, or ``None`` as soon as it exceeds :data:`MAX_BODY_SIZE` (never buffered)."""
    if (request.content_length or 0) > MAX_BODY_SIZE:
        return None
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(_CHUNK):
        size += len(chunk)
        if size > MAX_BODY_SIZE:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@asynccontextmanager
async def serving(listener: Listener, port: int, path: str) -> AsyncGenerator[str, None]:
    """Serve *listener* on 127.0.0.1:*port* at *path*; yields the URL to deliver to.

    Raises:
        CommandError: the port cannot be bound (in use, or not allowed).
    """
    app = web.Application()
    app.router.add_post(path, listener.handle)
    # Ctrl-C lets a delivery being handled finish for a moment, not aiohttp's default minute
    # (an idle connection accepted just before the stop also holds it that long).
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, HOST, port).start()
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            msg = f"cannot listen on {HOST}:{port}: {reason}"
            raise CommandError(msg) from None
        yield f"http://{HOST}:{runner.addresses[0][1]}{path}"
    finally:
        await stop_serving(runner)
        await listener.aclose()


async def _play(rtk: RealtimeKitSession, fake: FakeRealtimeKit) -> None:
    """Drive one recording from start to UPLOADED, so the emulator has something to deliver."""
    recording = await rtk.start_recording(fake.add_meeting(title="realtimekit listen"))
    for step in (rtk.pause_recording, rtk.resume_recording, rtk.stop_recording):
        await asyncio.sleep(STEP)
        await step(recording.id)
    await rtk.wait_for_status(recording.id, ["UPLOADED", "ERRORED"], poll_interval=STEP)


async def _listen(args: argparse.Namespace, public_key: str | None) -> None:
    if not args.emulator:
        keys = WebhookKeyCache(public_key, url=args.public_key_url or WELL_KNOWN_URL)
        listener = Listener(keys, fmt=args.format, forward=args.forward, count=args.count)
        async with serving(listener, args.port, args.path) as url:
            _note(f"listening on {url} (Ctrl-C to stop)")
            await listener.done.wait()
        return
    async with emulated(args) as fake, connect(args, fake) as rtk:
        keys = WebhookKeyCache(public_key, url=fake.webhook_key_url, environ={})
        listener = Listener(keys, fmt=args.format, forward=args.forward, count=args.count)
        async with serving(listener, args.port, args.path) as url:
            events = [member.value for member in WebhookEventName]
            webhook = await rtk.create_webhook(name="realtimekit listen", url=url, events=events)
            _note(f"listening on {url}, registered as webhook {webhook.id} (Ctrl-C to stop)")
            play = asyncio.create_task(_play(rtk, fake))
            try:
                await listener.done.wait()
            finally:
                play.cancel()
                await asyncio.gather(play, return_exceptions=True)
                await rtk.delete_webhook(webhook.id)


def _check(args: argparse.Namespace) -> None:
    if not args.path.startswith("/"):
        msg = f"--path must start with /, got {args.path!r}"
        raise ValueError(msg)
    for option, value in (("--forward", args.forward), ("--public-key-url", args.public_key_url)):
        if value is None:
            continue
        url = URL(value)
        if url.scheme not in {"http", "https"} or not url.host:
            msg = f"{option} must be an http:// or https:// URL, got {value!r}"
            raise ValueError(msg)


def run_listen(args: argparse.Namespace) -> int:
    """Run ``realtimekit webhooks listen`` until ``--count`` events or Ctrl-C; returns 0.

    Raises:
        ValueError: a bad ``--path``, ``--forward``, ``--public-key`` or ``--public-key-url``.
        OSError: ``--public-key`` FILE cannot be read.
        CommandError: the port cannot be bound.
    """
    args.format = args.format or "text"
    _check(args)
    public_key = None if args.public_key is None else Path(args.public_key).read_text()
    if public_key is not None:
        load_public_key(public_key)  # a malformed key fails now, before anything is served
    try:
        asyncio.run(_listen(args, public_key))
    except KeyboardInterrupt:  # Ctrl-C is the way to stop it
        _note("stopped listening")
    return 0
