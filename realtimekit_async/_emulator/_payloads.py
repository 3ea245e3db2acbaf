"""Delivery bodies, shaped like the documented examples (camelCase, ``fileSize`` a string).

The emulator makes these from its own state, never through the client's codec. Bodies are
serialised compactly, so a receiver that re-serialises the parsed JSON (``json.dumps`` puts a
space after ``:`` and ``,``) gets different bytes and a signature that does not match, as
with the real service.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from realtimekit_async._emulator._wire import format_time

if TYPE_CHECKING:
    from realtimekit_async._emulator._records import Meeting, Recording

RECORDING_EVENT = "recording.statusUpdate"
#: ``organizedBy.name`` of every meeting: the emulated app.
ORGANIZER = "RealtimeKit emulator"


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The exact bytes a delivery carries (and the signature covers)."""
    return json.dumps(payload, separators=(",", ":")).encode()


def meeting_object(
    meeting: Meeting | None, meeting_id: str, app_id: str, rec: Recording
) -> dict[str, Any]:
    """The camelCase ``meeting`` object of a delivery about ``rec``."""
    # The emulator has no meeting sessions: the recording's session id and invoke time
    # stand in for the session's, and the meeting counts as LIVE, as in every example.
    data: dict[str, Any] = {
        "id": meeting_id,
        "sessionId": rec.session_id,
        "title": None if meeting is None else meeting.title,
        "roomName": meeting_id,
        "status": "LIVE",
        "createdAt": format_time(None if meeting is None else meeting.created_at),
        "startedAt": format_time(rec.invoked_time),
        "organizedBy": {"id": app_id, "name": ORGANIZER},
    }
    if rec.status in {"UPLOADED", "ERRORED"} and rec.stopped_time is not None:
        data["endedAt"] = format_time(rec.stopped_time)
    return data


def recording_status_update(
    rec: Recording, rest: dict[str, Any], meeting: Meeting | None, app_id: str
) -> dict[str, Any]:
    """The ``recording.statusUpdate`` body for ``rec`` as it is now.

    Args:
        rec: The recording.
        rest: Its REST rendering (get-one), for the links the storage signs.
        meeting: Its meeting, when it still exists.
        app_id: The app id (``organizationId``).
    """
    size = rec.file_size
    recording = {
        "id": rec.id,
        "recordingId": rec.id,
        "status": rec.status,
        "downloadUrl": rest["download_url"],
        "audioDownloadUrl": rest["audio_download_url"],
        "downloadUrlExpiry": rest["download_url_expiry"],
        # Not in the documented examples, which show recordings already started; without it
        # an INVOKED recording (no startedTime yet) would carry no time at all.
        "invokedTime": format_time(rec.invoked_time),
        "startedTime": format_time(rec.started_time),
        "stoppedTime": format_time(rec.stopped_time),
        # A string, as in the documented UPLOADED example.
        "fileSize": None if size is None else str(size),
        "outputFileName": rec.output_file_name,
        "meetingId": rec.meeting_id,
        "recordingDuration": rec.recording_duration,
        "organizationId": app_id,
        "roomUUID": rec.session_id,
    }
    return {
        "event": RECORDING_EVENT,
        "recording": recording,
        "meeting": meeting_object(meeting, rec.meeting_id, app_id, rec),
    }
