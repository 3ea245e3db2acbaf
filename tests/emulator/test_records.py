"""Rendering of stored recordings for each endpoint family (pure)."""

from __future__ import annotations

from realtimekit_async._emulator._records import Meeting, Recording, api_reason, render

from .conftest import NOW


def url_for(rec: Recording, name: str) -> str:
    """A stand-in link builder."""
    return f"https://storage.example.com/{rec.id}/{name}"


def test_reasons_are_left_out_rather_than_null() -> None:
    """A recording without a start or stop reason has no such key: the schema has no null."""
    rec = Recording(
        id="r",
        meeting_id="m",
        type="",
        status="INVOKED",
        invoked_time=NOW,
        output_file_name="a.mp4",
        session_id=None,
    )
    full = render(rec, "full", url_for)
    assert "start_reason" not in full
    assert "stop_reason" not in full
    assert full["storage_config"] is None  # this one is nullable
    rec.start_reason, rec.stop_reason = api_reason(), {"reason": "ALL_PEERS_LEFT"}
    full = render(rec, "full", url_for)
    assert full["start_reason"]["reason"] == "API_CALL"
    assert full["stop_reason"] == {"reason": "ALL_PEERS_LEFT"}


def test_views_differ_only_in_their_extra_keys() -> None:
    """Bare has no meeting_id/type/reasons; list embeds the meeting without null fields."""
    rec = Recording(
        id="r",
        meeting_id="m",
        type="",
        status="UPLOADED",
        invoked_time=NOW,
        output_file_name="a.mp4",
        session_id="s",
        start_reason=api_reason(),
    )
    rec.files["a.mp4"] = 10
    meeting = Meeting("m", NOW, NOW, "s", {"title": None, "status": "ACTIVE"})
    bare, listed = render(rec, "bare", url_for), render(rec, "list", url_for, meeting)
    assert "meeting_id" not in bare
    assert "start_reason" not in bare
    assert bare["download_url"] == "https://storage.example.com/r/a.mp4"
    assert "start_reason" not in listed
    assert listed["meeting"] == {
        "id": "m",
        "created_at": "2026-08-14T09:00:00.000Z",
        "updated_at": "2026-08-14T09:00:00.000Z",
        "status": "ACTIVE",
    }
