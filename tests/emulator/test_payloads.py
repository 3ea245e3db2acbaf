"""Delivery bodies have the documented shape: the keys, order and types of the examples."""

from __future__ import annotations

import json
from datetime import timedelta

from realtimekit_async._emulator._payloads import (
    ORGANIZER,
    body_bytes,
    meeting_object,
    recording_status_update,
)
from realtimekit_async._emulator._records import Meeting, Recording

from .conftest import NOW, SAMPLES

APP = "b7e4c1d26a354f089e213c5d7a9b0f14"
REST = {
    "download_url": "http://s/x.mp4?sig=1",
    "audio_download_url": None,
    "download_url_expiry": None,
}


def example(name: str) -> dict[str, object]:
    """A documented delivery body."""
    data: dict[str, object] = json.loads((SAMPLES / "webhooks" / name).read_text())
    return data


def uploaded() -> tuple[Recording, Meeting]:
    """An uploaded recording and its meeting."""
    meeting = Meeting("m-1", NOW, NOW, "s-1", {"title": "Design review"})
    rec = Recording("r-1", "m-1", "", "UPLOADED", NOW, "design.mp4", "s-1")
    rec.started_time, rec.stopped_time = NOW, NOW + timedelta(minutes=45)
    rec.file_size, rec.recording_duration = 73400320, 2700
    return rec, meeting


def test_keys_follow_the_uploaded_example() -> None:
    """Same keys in the same order as the example (plus invokedTime); fileSize a string."""
    rec, meeting = uploaded()
    body = recording_status_update(rec, REST, meeting, APP)
    documented = example("recording.statusUpdate.uploaded.json")
    assert list(body) == list(documented)
    recording_keys = list(documented["recording"])  # type: ignore[call-overload]
    assert [k for k in body["recording"] if k != "invokedTime"] == recording_keys
    assert list(body["meeting"]) == list(documented["meeting"])  # type: ignore[call-overload]
    assert body["recording"]["fileSize"] == "73400320"
    assert body["recording"]["downloadUrl"] == REST["download_url"]
    assert body["recording"]["organizationId"] == APP
    assert body["recording"]["roomUUID"] == "s-1"
    assert body["meeting"]["organizedBy"] == {"id": APP, "name": ORGANIZER}
    assert body["meeting"]["endedAt"] == "2026-08-14T09:45:00.000Z"


def test_before_upload_and_without_meeting() -> None:
    """Unknown values are null; no endedAt while running; a gone meeting leaves nulls."""
    rec, _ = uploaded()
    rec.status, rec.file_size, rec.stopped_time = "RECORDING", None, None
    body = recording_status_update(rec, REST, None, APP)
    assert body["recording"]["fileSize"] is None
    assert list(body["meeting"]) == list(example("meeting.started.json")["meeting"])  # type: ignore[call-overload]
    assert (body["meeting"]["title"], body["meeting"]["createdAt"]) == (None, None)
    rec.status = "ERRORED"
    assert "endedAt" not in meeting_object(None, "m-1", APP, rec)


def test_body_bytes_are_compact() -> None:
    """No spaces after separators, so re-serialised JSON differs from the signed bytes."""
    payload = {"event": "x", "n": [1, 2]}
    raw = body_bytes(payload)
    assert raw == b'{"event":"x","n":[1,2]}'
    assert json.dumps(json.loads(raw)).encode() != raw
