"""``realtimekit demo``: every call of the SDK against a freshly seeded in-process emulator."""

from __future__ import annotations

import collections
import time
from typing import TextIO

from realtimekit_async._emulator._serve import SEED_RECORDINGS, prepare
from realtimekit_async._models import RecordingStatus
from realtimekit_async._session import RealtimeKitSession
from realtimekit_async.testing import FakeRealtimeKit


async def run_demo(out: TextIO) -> None:
    """Start the emulator, drive all six calls, stream every recording, and report."""
    async with FakeRealtimeKit() as fake:
        prepare(fake)  # the data `realtimekit emulator` serves
        meeting = fake.add_meeting(title="Demo all-hands")
        other = fake.add_meeting(title="Demo interviews")
        out.write(f"emulator at {fake.base_url} with {SEED_RECORDINGS} seeded recordings\n\n")
        async with RealtimeKitSession(**fake.credentials) as rtk:
            started = await rtk.start_recording(meeting, max_seconds=3600, file_name_prefix="demo")
            out.write(f"start_recording        -> {started.id} {started.status}\n")
            fake.advance(5)  # the emulator's clock: the recording worker picks the job up
            active = await rtk.get_active_recording(meeting)
            out.write(f"get_active_recording   -> {active.id} {active.status}\n")
            fake.advance(90)
            for step in (rtk.pause_recording, rtk.resume_recording, rtk.stop_recording):
                changed = await step(started.id)
                out.write(f"{step.__name__:<22} -> {changed.status}\n")
            fake.advance(5)
            done = await rtk.get_recording(started.id)
            out.write(
                f"get_recording          -> {done.status}, {done.file_size} bytes, "
                f"{done.recording_duration} s\n"
            )
            track = await rtk.start_track_recording(other, user_ids=["host", "guest"])
            out.write(f"start_track_recording  -> {track.id} {track.status}\n\n")

            began = time.perf_counter()
            pager = rtk.list_recordings(per_page=100)
            statuses: collections.Counter[str] = collections.Counter()
            async for recording in pager:
                statuses[str(recording.status)] += 1
            elapsed = time.perf_counter() - began
        total = sum(statuses.values())
        out.write(
            f"list_recordings streamed {total} recordings in {pager.pages_fetched} pages "
            f"({elapsed * 1000:.0f} ms):\n"
        )
        for status in RecordingStatus:
            out.write(f"  {status.value:<10} {statuses.get(status.value, 0):>5}\n")
        out.write(f"\n{len(fake.journal)} requests reached the emulator; all calls succeeded.\n")
