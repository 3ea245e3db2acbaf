"""API requests of a service following recordings: polling alone vs webhook events.

``python benchmarks/webhooks_vs_polling.py [--recordings 100] [--scale 0.01]`` starts the
emulator, then a service that starts *recordings* recordings (``max_seconds`` between 60 and
300, so the emulator's clock stops them) and waits for each to be UPLOADED, twice:

* ``polling``: ``wait_for_status`` with its default pacing (2 s, growing to 30 s);
* ``webhooks``: the emulator delivers signed ``recording.statusUpdate`` events to a
  ``WebhookReceiver`` that publishes to a ``WebhookWatcher``; ``wait_for_status(watcher=...)``
  polls once, then only after ``fallback_interval`` seconds without an event for that
  recording: once with the default (60 s) and once with each ``--fallback`` value.

Time is simulated: one emulator second lasts *scale* real seconds, and every pause and interval
above is scaled the same way. It prints the API requests the emulator received per mode (the
starts and the webhook registration are the same in both), the ratio of the waits' requests,
and how late each wait returned after its recording was UPLOADED (in simulated seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from typing import Any

from aiohttp import web

from realtimekit_async import RealtimeKitSession, RecordingStatus
from realtimekit_async.testing import FakeRealtimeKit
from realtimekit_async.webhooks import WebhookReceiver, WebhookWatcher


def _api_requests(fake: FakeRealtimeKit, kind: str) -> int:
    api = [e for e in fake.journal if e.path.startswith("/client/v4/")]
    if kind == "polls":
        return sum(1 for e in api if e.method == "GET" and "/recordings/" in e.path)
    return len(api)


async def _clock(fake: FakeRealtimeKit, scale: float, uploaded_at: dict[str, float]) -> None:
    """Advance the emulator one simulated second per tick; note when each recording uploads."""
    while True:
        await asyncio.sleep(scale)
        fake.advance(1)
        for rec_id in list(uploaded_at):
            if uploaded_at[rec_id] == 0 and fake.recording(rec_id)["status"] == "UPLOADED":
                uploaded_at[rec_id] = time.monotonic()


async def _run(
    mode: str, recordings: int, scale: float, seed: int, fallback: float, longest: int
) -> dict[str, Any]:
    durations = random.Random(seed)
    async with FakeRealtimeKit(seed=seed) as fake:
        meetings = [fake.add_meeting(title=f"meeting {n}") for n in range(recordings)]
        watcher = WebhookWatcher(remember=recordings * 2)
        receiver = WebhookReceiver(public_key=fake.webhook_public_key, watcher=watcher)
        app = web.Application()
        app.router.add_post("/webhooks", receiver.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhooks"
        uploaded_at: dict[str, float] = {}
        returned_at: dict[str, float] = {}
        try:
            async with RealtimeKitSession(**fake.credentials) as rtk:
                if mode == "webhooks":
                    await rtk.create_webhook(
                        name="service", url=url, events=["recording.statusUpdate"]
                    )
                ids = []
                for meeting in meetings:
                    rec = await rtk.start_recording(
                        meeting, max_seconds=durations.randint(60, longest)
                    )
                    ids.append(rec.id)
                    uploaded_at[rec.id] = 0.0
                clock = asyncio.create_task(_clock(fake, scale, uploaded_at))

                async def follow(rec_id: str) -> None:
                    await rtk.wait_for_status(
                        rec_id,
                        RecordingStatus.UPLOADED,
                        timeout=3600 * scale,
                        poll_interval=2 * scale,
                        max_poll_interval=30 * scale,
                        watcher=watcher if mode == "webhooks" else None,
                        fallback_interval=fallback * scale,
                    )
                    returned_at[rec_id] = time.monotonic()

                before = _api_requests(fake, "all")
                started = time.monotonic()
                await asyncio.gather(*(follow(rec_id) for rec_id in ids))
                elapsed = time.monotonic() - started
                clock.cancel()
                waits = _api_requests(fake, "all") - before
                polls = _api_requests(fake, "polls")
                await fake.drain_deliveries()
        finally:
            await receiver.aclose()
            await runner.cleanup()
        lags = [(returned_at[r] - uploaded_at[r]) / scale for r in ids if uploaded_at[r]]
        return {
            "mode": mode if mode == "polling" else f"{mode} {fallback:g}s",
            "total": _api_requests(fake, "all"),
            "waits": waits,
            "polls": polls,
            "deliveries": len(fake.deliveries),
            "lag_mean": statistics.fmean(lags) if lags else float("nan"),
            "lag_max": max(lags, default=float("nan")),
            "elapsed": elapsed,
        }


def main() -> None:
    """Run both modes and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--recordings", type=int, default=100)
    parser.add_argument(
        "--scale", type=float, default=0.01, help="real seconds per emulator second"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--longest", type=int, default=300, help="largest max_seconds (>= 60)")
    parser.add_argument(
        "--fallback", type=float, action="append", default=[], help="extra fallback_interval"
    )
    args = parser.parse_args()
    plan = [("polling", 60.0)] + [("webhooks", f) for f in (60.0, *args.fallback)]
    rows = [
        asyncio.run(_run(mode, args.recordings, args.scale, args.seed, fallback, args.longest))
        for mode, fallback in plan
    ]
    print(
        f"{args.recordings} recordings, max_seconds 60..{args.longest}, "
        f"1 emulator second = {args.scale} s"
    )
    print(
        f"{'mode':<14} {'API requests':>12} {'by the waits':>12} {'GET recording':>13} "
        f"{'deliveries':>10} {'lag mean/max (sim s)':>21}"
    )
    for row in rows:
        print(
            f"{row['mode']:<14} {row['total']:>12} {row['waits']:>12} {row['polls']:>13} "
            f"{row['deliveries']:>10} {row['lag_mean']:>10.1f}/{row['lag_max']:<10.1f}"
        )
    polling = rows[0]
    for hooks in rows[1:]:
        print(
            f"{hooks['mode']}: the waits make {hooks['waits'] / polling['waits']:.1%} of the "
            f"requests polling makes ({polling['waits'] / hooks['waits']:.1f}x fewer)"
        )


if __name__ == "__main__":
    main()
