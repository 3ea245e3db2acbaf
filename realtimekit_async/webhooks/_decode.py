"""A verified body's JSON to a typed event; every shape problem is a WebhookPayloadError.

Lenient where the documentation is: ``fileSize`` as a string or a number, timestamps with a
space instead of ``T``, optional fields absent or ``null``, unknown keys ignored, unknown
events kept. Strict where a wrong type would mislead: a number where a string belongs raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, cast

import cattrs

from realtimekit_async import _json
from realtimekit_async._converter import converter
from realtimekit_async._models import Recording, WebhookEventName
from realtimekit_async._timestamps import parse_datetime

from ._errors import WebhookPayloadError
from ._events import (
    LivestreamStatusUpdate,
    MeetingChatSynced,
    MeetingEnded,
    MeetingStarted,
    MeetingSummary,
    MeetingTranscript,
    Organizer,
    Participant,
    ParticipantJoined,
    ParticipantLeft,
    RecordingStatusUpdate,
    UnknownEvent,
    WebhookEvent,
    WebhookMeeting,
)

__all__ = ["decode_body", "decode_event"]

T = TypeVar("T")

#: What structuring or parsing can raise on a malformed value (dates out of range overflow).
_VALUE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, OverflowError, RecursionError)

_DECODE_ERRORS: tuple[type[Exception], ...] = (*_json.DecodeError, RecursionError)

#: A file size written as a string has at most this many digits (int() of longer is slow).
_MAX_DIGITS: Final = 30


def _fail(path: str, what: str) -> WebhookPayloadError:
    return WebhookPayloadError(f"unexpected webhook body at {path}: {what}", field_path=path)


def decode_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a verified body."""
    try:
        value: Any = _json.loads(body)
    except _DECODE_ERRORS:
        msg = "the webhook body is not JSON"
        raise WebhookPayloadError(msg, field_path="$") from None
    if not isinstance(value, dict):
        raise _fail("$", f"expected a JSON object, got {type(value).__name__}")
    return cast("dict[str, Any]", value)


class _Object:
    """One JSON object of the body and its path, with typed getters that explain failures."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise _fail(path, f"expected a JSON object, got {type(value).__name__}")
        self.value = cast("dict[str, Any]", value)
        self.path = path

    def _get(self, key: str, check: Callable[[Any], T], what: str) -> T | None:
        value = self.value.get(key)
        if value is None:
            return None
        try:
            return check(value)
        except _VALUE_ERRORS:
            raise _fail(f"{self.path}.{key}", f"expected {what}, got {value!r:.80}") from None

    def text(self, key: str) -> str | None:
        return self._get(key, _exact(str), "a string")

    def flag(self, key: str) -> bool | None:
        return self._get(key, _exact(bool), "a boolean")

    def time(self, key: str) -> dt.datetime | None:
        return self._get(key, parse_datetime, "an ISO 8601 timestamp")

    def child(self, key: str) -> _Object | None:
        value = self.value.get(key)
        return None if value is None else _Object(value, f"{self.path}.{key}")

    def required(self, key: str) -> _Object:
        value = self.child(key)
        if value is None:
            raise _fail(f"{self.path}.{key}", "required object missing")
        return value


def _exact(kind: type[T]) -> Callable[[Any], T]:
    def check(value: Any) -> T:
        if type(value) is not kind:
            raise TypeError(kind)
        return value

    return check


def _meeting(obj: _Object) -> WebhookMeeting:
    meeting_id = obj.text("id")
    if meeting_id is None:
        raise _fail(f"{obj.path}.id", "required string missing")
    organizer = obj.child("organizedBy")
    return WebhookMeeting(
        id=meeting_id,
        session_id=obj.text("sessionId"),
        title=obj.text("title"),
        room_name=obj.text("roomName"),
        status=obj.text("status"),
        created_at=obj.time("createdAt"),
        started_at=obj.time("startedAt"),
        ended_at=obj.time("endedAt"),
        organized_by=None
        if organizer is None
        else Organizer(id=organizer.text("id"), name=organizer.text("name")),
    )


def _participant(obj: _Object) -> Participant:
    return Participant(
        peer_id=obj.text("peerId"),
        user_display_name=obj.text("userDisplayName"),
        custom_participant_id=obj.text("customParticipantId"),
        client_specific_id=obj.text("clientSpecificId"),
        joined_at=obj.time("joinedAt"),
        left_at=obj.time("leftAt"),
    )


# Webhook key -> REST field of Recording. ``organizationId`` (the app) has no REST twin.
_RECORDING_FIELDS: Final = {
    "id": "id",
    "recordingId": "id",
    "status": "status",
    "downloadUrl": "download_url",
    "audioDownloadUrl": "audio_download_url",
    "downloadUrlExpiry": "download_url_expiry",
    "invokedTime": "invoked_time",
    "startedTime": "started_time",
    "stoppedTime": "stopped_time",
    "fileSize": "file_size",
    "outputFileName": "output_file_name",
    "meetingId": "meeting_id",
    "recordingDuration": "recording_duration",
    "roomUUID": "session_id",
    "type": "type",
}
# A body that already uses the REST names (should the service ever switch) maps onto itself.
_RECORDING_FIELDS.update({name: name for name in set(_RECORDING_FIELDS.values())})


def _file_size(value: Any) -> Any:
    """The docs send ``fileSize`` as a string of digits, Dyte sent a number: both are ints."""
    if type(value) is str and 0 < len(value) <= _MAX_DIGITS and value.isascii() and value.isdigit():
        return int(value)
    return value


def _recording(obj: _Object, meeting: WebhookMeeting | None) -> Recording:
    mapped: dict[str, Any] = {}
    for key, value in obj.value.items():
        field = _RECORDING_FIELDS.get(key)
        # The first of ``id``/``recordingId`` present wins; both carry the same id.
        if field is not None and mapped.get(field) is None:
            mapped[field] = value
    if "file_size" in mapped:
        mapped["file_size"] = _file_size(mapped["file_size"])
    if mapped.get("invoked_time") is None:
        mapped["invoked_time"] = mapped.get("started_time")
    if mapped.get("meeting_id") is None and meeting is not None:
        mapped["meeting_id"] = meeting.id
    for required, what in (
        ("id", "id"),
        ("invoked_time", "startedTime"),
        ("output_file_name", "outputFileName"),
        ("status", "status"),
    ):
        if mapped.get(required) is None:
            raise _fail(f"{obj.path}.{what}", "required field missing")
    try:
        return converter().structure(mapped, Recording)
    except (*_VALUE_ERRORS, cattrs.BaseValidationError) as exc:
        raise _fail(obj.path, f"not a recording: {exc}") from None


def _downloads(obj: _Object, prefix: str) -> dict[str, Any]:
    return {
        "download_url": obj.text(f"{prefix}DownloadUrl"),
        "download_url_expiry": obj.time(f"{prefix}DownloadUrlExpiry"),
    }


def _flat_meeting(obj: _Object) -> WebhookMeeting:
    """``meeting.chatSynced`` puts the meeting's fields at the top level."""
    meeting = obj.child("meeting")
    if meeting is not None:
        return _meeting(meeting)
    flat = dict(obj.value)
    flat["id"] = flat.get("meetingId")
    return _meeting(_Object(flat, "$"))


def _fields(name: WebhookEventName, obj: _Object) -> tuple[type[WebhookEvent], dict[str, Any]]:
    """The class and the event-specific fields of a known event."""
    if name is WebhookEventName.RECORDING_STATUS_UPDATE:
        meeting_obj = obj.child("meeting")
        meeting = None if meeting_obj is None else _meeting(meeting_obj)
        recording = _recording(obj.required("recording"), meeting)
        return RecordingStatusUpdate, {"recording": recording, "meeting": meeting}
    if name is WebhookEventName.LIVESTREAMING_STATUS_UPDATE:
        meeting_obj = obj.child("meeting")
        return LivestreamStatusUpdate, {
            "stream_id": obj.text("streamId"),
            "status": obj.text("status"),
            "manual_ingest": obj.flag("manualIngest"),
            "playback_url": obj.text("playbackUrl"),
            "ingest_server": obj.text("ingestServer"),
            "stream_key": obj.text("streamKey"),
            "meeting": None if meeting_obj is None else _meeting(meeting_obj),
        }
    if name is WebhookEventName.MEETING_CHAT_SYNCED:
        return MeetingChatSynced, {"meeting": _flat_meeting(obj), **_downloads(obj, "chat")}
    meeting = _meeting(obj.required("meeting"))
    if name is WebhookEventName.MEETING_ENDED:
        return MeetingEnded, {"meeting": meeting, "reason": obj.text("reason")}
    if name is WebhookEventName.MEETING_PARTICIPANT_JOINED:
        return ParticipantJoined, {
            "meeting": meeting,
            "participant": _participant(obj.required("participant")),
        }
    if name is WebhookEventName.MEETING_PARTICIPANT_LEFT:
        return ParticipantLeft, {
            "meeting": meeting,
            "participant": _participant(obj.required("participant")),
        }
    if name is WebhookEventName.MEETING_TRANSCRIPT:
        return MeetingTranscript, {"meeting": meeting, **_downloads(obj, "transcript")}
    if name is WebhookEventName.MEETING_SUMMARY:
        return MeetingSummary, {"meeting": meeting, **_downloads(obj, "summary")}
    return MeetingStarted, {"meeting": meeting}


_KNOWN: Final[Mapping[str, WebhookEventName]] = WebhookEventName._value2member_map_  # type: ignore[assignment]


def decode_event(
    data: dict[str, Any], *, delivery_id: str | None, webhook_id: str | None
) -> WebhookEvent:
    """The typed event of a decoded body (an :class:`UnknownEvent` for an unknown name)."""
    obj = _Object(data, "$")
    event = obj.text("event")
    if event is None:
        raise _fail("$.event", "required string missing")
    common: dict[str, Any] = {"delivery_id": delivery_id, "webhook_id": webhook_id, "data": data}
    name = _KNOWN.get(event)
    if name is None:
        return UnknownEvent(event=event, **common)
    cls, fields = _fields(name, obj)
    return cls(event=name, **common, **fields)
