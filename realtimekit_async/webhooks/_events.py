"""Typed webhook events: frozen attrs classes, one per documented event, and the open rest.

Webhook bodies are camelCase. Their recording is mapped onto the REST names and structured by
the SDK's one converter into the same :class:`~realtimekit_async.Recording` the REST calls
return, so ``download_recording(event.recording, ...)`` works on it directly. Meetings,
participants and the other events have no REST twin: they get their own small classes here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from realtimekit_async._models import Recording, WebhookEventName
from realtimekit_async._redaction import mask_secret, redact_url_repr

__all__ = [
    "LivestreamStatusUpdate",
    "MeetingChatSynced",
    "MeetingEnded",
    "MeetingStarted",
    "MeetingSummary",
    "MeetingTranscript",
    "Organizer",
    "Participant",
    "ParticipantJoined",
    "ParticipantLeft",
    "RecordingStatusUpdate",
    "UnknownEvent",
    "WebhookEvent",
    "WebhookMeeting",
]


@attrs.frozen(kw_only=True)
class Organizer:
    """Who organised a meeting (the app's organisation)."""

    id: str | None = None
    name: str | None = None


@attrs.frozen(kw_only=True)
class WebhookMeeting:
    """The meeting a webhook event is about, as the webhook describes it.

    Not the REST :class:`~realtimekit_async.Meeting`: webhooks send another set of fields
    (a session id and room name, start and end times) and no ``updated_at``.
    """

    id: str
    session_id: str | None = None
    title: str | None = None
    room_name: str | None = None
    status: str | None = None
    created_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    organized_by: Organizer | None = None


@attrs.frozen(kw_only=True)
class Participant:
    """A participant who joined or left a meeting."""

    peer_id: str | None = None
    user_display_name: str | None = None
    custom_participant_id: str | None = None
    client_specific_id: str | None = None
    joined_at: dt.datetime | None = None
    left_at: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class WebhookEvent:
    """A verified delivery; the base class of every event.

    Attributes:
        event: the event's name: a :class:`~realtimekit_async.WebhookEventName`, or the plain
            string of an event this version does not know.
        delivery_id: the ``rtk-uuid`` header: the same for every retry of one delivery, so
            de-duplicate by it (delivery is at-least-once). ``None`` if the header was absent.
        webhook_id: the ``rtk-webhook-id`` header: the registration that sent it.
        data: the whole JSON body as received (not in ``repr``: it can hold presigned URLs).
    """

    name: ClassVar[WebhookEventName | None] = None

    event: WebhookEventName | str
    delivery_id: str | None
    webhook_id: str | None
    data: Mapping[str, Any] = attrs.field(repr=False, eq=False)


@attrs.frozen(kw_only=True)
class RecordingStatusUpdate(WebhookEvent):
    """``recording.statusUpdate``: a recording changed status.

    Attributes:
        recording: the recording, as the same class the REST calls return. The webhook does
            not send an invoked time: ``invoked_time`` is the webhook's ``invokedTime`` if it
            ever sends one, else its ``startedTime``. ``session_id`` is the webhook's
            ``roomUUID``, ``meeting_id`` falls back to the meeting's id.
        meeting: the meeting, when the body has one.
    """

    name = WebhookEventName.RECORDING_STATUS_UPDATE

    recording: Recording
    meeting: WebhookMeeting | None = None


@attrs.frozen(kw_only=True)
class MeetingStarted(WebhookEvent):
    """``meeting.started``: the first participant joined."""

    name = WebhookEventName.MEETING_STARTED

    meeting: WebhookMeeting


@attrs.frozen(kw_only=True)
class MeetingEnded(WebhookEvent):
    """``meeting.ended``, with why (``HOST_ENDED_MEETING``, ``ALL_PARTICIPANTS_LEFT``, ...)."""

    name = WebhookEventName.MEETING_ENDED

    meeting: WebhookMeeting
    reason: str | None = None


@attrs.frozen(kw_only=True)
class ParticipantJoined(WebhookEvent):
    """``meeting.participantJoined``."""

    name = WebhookEventName.MEETING_PARTICIPANT_JOINED

    meeting: WebhookMeeting
    participant: Participant


@attrs.frozen(kw_only=True)
class ParticipantLeft(WebhookEvent):
    """``meeting.participantLeft``."""

    name = WebhookEventName.MEETING_PARTICIPANT_LEFT

    meeting: WebhookMeeting
    participant: Participant


@attrs.frozen(kw_only=True)
class MeetingChatSynced(WebhookEvent):
    """``meeting.chatSynced``: the meeting's chat is ready to download.

    The body is flat (no ``meeting`` object); its meeting fields are gathered in ``meeting``.
    """

    name = WebhookEventName.MEETING_CHAT_SYNCED

    meeting: WebhookMeeting
    download_url: str | None = attrs.field(default=None, repr=redact_url_repr)
    download_url_expiry: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class MeetingTranscript(WebhookEvent):
    """``meeting.transcript``: the meeting's transcript is ready to download."""

    name = WebhookEventName.MEETING_TRANSCRIPT

    meeting: WebhookMeeting
    download_url: str | None = attrs.field(default=None, repr=redact_url_repr)
    download_url_expiry: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class MeetingSummary(WebhookEvent):
    """``meeting.summary``: the meeting's summary is ready to download."""

    name = WebhookEventName.MEETING_SUMMARY

    meeting: WebhookMeeting
    download_url: str | None = attrs.field(default=None, repr=redact_url_repr)
    download_url_expiry: dt.datetime | None = None


@attrs.frozen(kw_only=True)
class LivestreamStatusUpdate(WebhookEvent):
    """``livestreaming.statusUpdate``: a livestream changed status (``stream_key`` is masked)."""

    name = WebhookEventName.LIVESTREAMING_STATUS_UPDATE

    stream_id: str | None = None
    status: str | None = None
    manual_ingest: bool | None = None
    playback_url: str | None = None
    ingest_server: str | None = None
    stream_key: str | None = attrs.field(default=None, repr=mask_secret)
    meeting: WebhookMeeting | None = None


@attrs.frozen(kw_only=True)
class UnknownEvent(WebhookEvent):
    """An event this version does not model: ``event`` is its name, ``data`` the whole body.

    Like the open enums, a new event the server starts sending never raises.
    """


def _resolve_annotations() -> None:
    # The package re-homes these classes (see __init__), where ``dt`` is not defined.
    for value in list(globals().values()):
        if isinstance(value, type) and attrs.has(value):
            attrs.resolve_types(value)


_resolve_annotations()
