"""The recording state machine and its clock."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import aiohttp
import pytest

from realtimekit_async._emulator._state import EmulatorState
from realtimekit_async._emulator._wire import format_time
from realtimekit_async.testing import FakeRealtimeKit

from .conftest import (
    NOW,
    call,
)


def test_stop_paused_and_invoked() -> None:
    """Stopping a PAUSED or INVOKED recording keeps only the time actually recorded."""
    state = EmulatorState(NOW, seed=0)
    meeting = state.add_meeting(title=None, meeting_id=None, status="ACTIVE", extra={}).id
    add = partial(state.add_recording, meeting, invoked_time=None, track=False, overrides={})
    paused, invoked = add(status="PAUSED"), add(status="INVOKED")
    for rec in (paused, invoked):
        assert state.act(rec.id, "stop").status == "UPLOADING"
    state.advance(30)
    assert (paused.recording_duration, invoked.recording_duration) == (60, 0)
    assert invoked.started_time is None
    assert paused.stopped_time == state.now - timedelta(seconds=30)


async def test_upload_fills_links(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """UPLOADED sets links (audio only when exported), a 7-day expiry, size and duration."""
    meeting = fake.add_meeting()
    start = {
        "meeting_id": meeting,
        "audio_config": {"codec": "AAC", "export_file": True},
        "allow_multiple_recordings": True,
    }
    _, body = await call(http, fake, "POST", body=start)
    rec = body["data"]["id"]
    no_audio = {**start, "audio_config": {"export_file": False}}
    _, body = await call(http, fake, "POST", body=no_audio)
    quiet = body["data"]["id"]
    fake.advance(3)
    fake.advance(90.4)
    for rid in (rec, quiet):
        await call(http, fake, "PUT", f"/{rid}", body={"action": "stop"})
    fake.advance(2)
    data = fake.recording(rec)
    assert data["status"] == "UPLOADED"
    assert data["recording_duration"] == 90
    assert data["download_url_expiry"] == format_time(fake.now + timedelta(days=7))
    assert data["audio_download_url"].split("?")[0].endswith(".m4a")
    assert 2048 <= data["file_size"] <= 65536
    assert len(fake.storage_bytes(rec)) == data["file_size"]
    assert fake.recording(quiet)["audio_download_url"] is None


async def test_bucket_disabled_never_links(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """With the RealtimeKit bucket disabled, no link, expiry or size ever appears."""
    meeting = fake.add_meeting()
    body = {"meeting_id": meeting, "realtimekit_bucket_config": {"enabled": False}}
    _, reply = await call(http, fake, "POST", body=body)
    rec = reply["data"]["id"]
    fake.advance(10)
    await call(http, fake, "PUT", f"/{rec}", body={"action": "stop"})
    fake.advance(10)
    data = fake.recording(rec)
    assert data["status"] == "UPLOADED"
    assert data["recording_duration"] == 0
    assert [data[k] for k in ("download_url", "download_url_expiry", "file_size")] == [None] * 3
    with pytest.raises(KeyError, match="no stored file None"):
        fake.storage_bytes(rec)
    with pytest.raises(KeyError, match="no stored file 'x'"):
        fake.storage_bytes(fake.add_recording(meeting), "x")


def test_max_seconds_auto_stop() -> None:
    """Recorded time (pauses excluded) reaching max_seconds stops the recording at that moment."""
    fake = FakeRealtimeKit(now=NOW)
    meeting = fake.add_meeting()
    rec = fake.add_recording(meeting, status="INVOKED", max_seconds=60)
    fake.advance(0)
    assert fake.recording(rec)["status"] == "RECORDING"
    fake.advance(59.5)
    assert fake.recording(rec)["status"] == "RECORDING"
    fake.advance(3600)
    data = fake.recording(rec)
    assert data["status"] == "UPLOADING"
    assert data["stopped_time"] == "2026-08-14T09:01:00.000Z"
    assert "stop_reason" not in data  # no documented reason fits a max_seconds stop
    fake.advance()
    assert fake.recording(rec)["recording_duration"] == 60
    with pytest.raises(ValueError, match="backwards"):
        fake.advance(-1)


def test_track_upload_fills_the_name_prefix() -> None:
    """Only an uploaded track recording's name carries its first layer's prefix."""
    state = EmulatorState(NOW, seed=0)
    meeting = state.add_meeting(title=None, meeting_id=None, status="ACTIVE", extra={}).id
    layers = {"mic": {"file_name_prefix": "voice"}, "other": {"file_name_prefix": "x"}}
    add = partial(state.add_recording, meeting, invoked_time=None, track=True)
    uploaded = add(status="UPLOADED", overrides={"layers": layers})
    running = add(status="RECORDING", overrides={"layers": layers})
    renamed = add(status="UPLOADING", overrides={"output_file_name": "mine.webm"})
    template = "{{file_name_prefix}}_{{user_id}}_{{peer_id}}_{{stream_kind}}_{{media_kind}}"
    assert uploaded.output_file_name == template.replace("{{file_name_prefix}}", "voice") + (
        "_{{date_time}}.webm"
    )
    assert running.output_file_name == f"{template}_{{{{date_time}}}}.webm"
    state.advance(1)
    assert renamed.status == "UPLOADED"
    assert renamed.output_file_name == "mine.webm"  # an explicit name is kept
