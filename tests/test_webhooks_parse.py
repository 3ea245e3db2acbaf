import base64
import contextlib
import datetime as dt
import json
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import RealtimeKitError, Recording, RecordingStatus, WebhookEventName
from realtimekit_async.webhooks import (
    MAX_BODY_SIZE,
    LivestreamStatusUpdate,
    MeetingChatSynced,
    MeetingEnded,
    MeetingStarted,
    MeetingSummary,
    MeetingTranscript,
    ParticipantJoined,
    ParticipantLeft,
    RecordingStatusUpdate,
    UnknownEvent,
    WebhookEvent,
    WebhookPayloadError,
    WebhookVerificationError,
    parse_event,
)

from .webhook_signing import (
    WEBHOOK_SAMPLES,
    body_of,
    private_key,
    public_pem,
    sign,
    signed_headers,
    webhook_sample,
)

UPLOADED = "recording.statusUpdate.uploaded.json"

EXPECTED_CLASSES = {
    "livestreaming.statusUpdate.json": LivestreamStatusUpdate,
    "meeting.chatSynced.json": MeetingChatSynced,
    "meeting.ended.json": MeetingEnded,
    "meeting.participantJoined.json": ParticipantJoined,
    "meeting.participantLeft.json": ParticipantLeft,
    "meeting.started.json": MeetingStarted,
    "meeting.summary.json": MeetingSummary,
    "meeting.transcript.json": MeetingTranscript,
    "recording.statusUpdate.recording.json": RecordingStatusUpdate,
    UPLOADED: RecordingStatusUpdate,
}


def deliver(data: dict[str, Any] | bytes, n: int = 0) -> WebhookEvent:
    """Sign *data* with key *n* and parse it with key 0."""
    body = data if isinstance(data, bytes) else body_of(data)
    return parse_event(body, signed_headers(body, n), public_key=public_pem())


def payload_error(data: dict[str, Any] | bytes) -> WebhookPayloadError:
    """The error a signed *data* raises."""
    with pytest.raises(WebhookPayloadError) as info:
        deliver(data)
    return info.value


def with_recording(**changes: Any) -> dict[str, Any]:
    """The UPLOADED sample with its recording object changed (``None`` removes a key)."""
    data = webhook_sample(UPLOADED)
    for key, value in changes.items():
        if value is None:
            data["recording"].pop(key, None)
        else:
            data["recording"][key] = value
    return data


# --- documented examples ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_CLASSES))
def test_every_documented_example_parses(name: str) -> None:
    """Each example body, signed, parses into its own event class with the headers' ids."""
    data = webhook_sample(name)
    event = deliver(data)
    assert type(event) is EXPECTED_CLASSES[name]
    assert event.event == data["event"]
    assert isinstance(event.event, WebhookEventName)
    assert (event.delivery_id, event.webhook_id) == ("d-1", "wh-1")
    assert event.data == data


def test_every_sample_file_is_covered() -> None:
    """The parametrised test above names every example event shipped in the samples."""
    names = {p.name for p in WEBHOOK_SAMPLES.glob("*.json")} - {"well-known-webhooks.json"}
    assert names == set(EXPECTED_CLASSES)


def test_uploaded_recording_is_the_rest_recording() -> None:
    """The camelCase recording becomes the REST Recording: ints, aware UTC times, same names."""
    event = deliver(webhook_sample(UPLOADED))
    assert isinstance(event, RecordingStatusUpdate)
    rec = event.recording
    assert type(rec) is Recording
    assert rec.id == "6a2b9c8d-1e0f-4a3b-8c7d-5e4f3a2b1c0d"
    assert rec.status is RecordingStatus.UPLOADED
    assert rec.file_size == 73_400_320
    assert rec.recording_duration == 2695
    assert rec.output_file_name == "design-review.mp4"
    assert rec.download_url == (
        "https://storage.example.com/recordings/design-review.mp4?X-Amz-Signature=abc123"
    )
    assert rec.audio_download_url is not None
    assert rec.download_url_expiry == dt.datetime(2026, 12, 7, 14, 45, tzinfo=dt.UTC)
    assert (
        rec.started_time == rec.invoked_time == dt.datetime(2026, 11, 30, 14, 0, 5, tzinfo=dt.UTC)
    )
    assert rec.stopped_time is not None
    assert rec.stopped_time.tzinfo is dt.UTC
    assert rec.meeting_id == "3f1c2a9e-5b7d-4c61-8e2f-9a0b1c2d3e4f"
    assert rec.session_id == "b8e4d2c1-7a6f-4e3d-9c2b-1a0f9e8d7c6b"
    assert event.meeting is not None
    assert event.meeting.organized_by is not None
    assert event.meeting.organized_by.name == "Acme video"
    assert event.meeting.ended_at == dt.datetime(2026, 11, 30, 14, 45, tzinfo=dt.UTC)


def test_recording_in_progress_has_nulls() -> None:
    """The RECORDING example keeps its nulls as None."""
    event = deliver(webhook_sample("recording.statusUpdate.recording.json"))
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.status is RecordingStatus.RECORDING
    assert event.recording.file_size is None
    assert event.recording.download_url is None


def test_presigned_urls_are_masked_in_repr() -> None:
    """Neither the recording's nor the event's repr shows a URL signature or the raw data."""
    text = repr(deliver(webhook_sample(UPLOADED)))
    assert "abc123" not in text
    assert "def456" not in text
    summary = repr(deliver(webhook_sample("meeting.summary.json")))
    assert "data=" not in summary
    stream = repr(deliver(webhook_sample("livestreaming.statusUpdate.json")))
    assert "stream-key" not in stream


def test_other_event_fields() -> None:
    """Meeting events carry their documented extras."""
    ended = deliver(webhook_sample("meeting.ended.json"))
    assert isinstance(ended, MeetingEnded)
    assert ended.reason == "ALL_PARTICIPANTS_LEFT"
    left = deliver(webhook_sample("meeting.participantLeft.json"))
    assert isinstance(left, ParticipantLeft)
    assert left.participant.user_display_name == "Ada"
    assert left.participant.left_at == dt.datetime(2026, 11, 30, 14, 40, tzinfo=dt.UTC)
    chat = deliver(webhook_sample("meeting.chatSynced.json"))
    assert isinstance(chat, MeetingChatSynced)
    assert chat.meeting.id == "3f1c2a9e-5b7d-4c61-8e2f-9a0b1c2d3e4f"
    assert chat.meeting.session_id == "b8e4d2c1-7a6f-4e3d-9c2b-1a0f9e8d7c6b"
    assert chat.download_url == "https://storage.example.com/chat.json"
    transcript = deliver(webhook_sample("meeting.transcript.json"))
    assert isinstance(transcript, MeetingTranscript)
    assert transcript.download_url_expiry == dt.datetime(2026, 12, 7, 14, 45, tzinfo=dt.UTC)
    stream = deliver(webhook_sample("livestreaming.statusUpdate.json"))
    assert isinstance(stream, LivestreamStatusUpdate)
    assert stream.manual_ingest is False
    assert stream.stream_key == "stream-key"
    assert stream.meeting is not None


def test_chat_synced_with_a_meeting_object() -> None:
    """Should chatSynced ever carry a meeting object, that object is used."""
    data = webhook_sample("meeting.chatSynced.json")
    data["meeting"] = {"id": "m-2", "title": "other"}
    event = deliver(data)
    assert isinstance(event, MeetingChatSynced)
    assert event.meeting.id == "m-2"


def test_livestream_without_meeting() -> None:
    """A livestream event without a meeting object parses with meeting None."""
    event = deliver({"event": "livestreaming.statusUpdate", "status": "OFFLINE"})
    assert isinstance(event, LivestreamStatusUpdate)
    assert event.meeting is None


def test_unknown_event_keeps_its_data() -> None:
    """An event name this version does not know parses to UnknownEvent with the whole body."""
    data = {"event": "meeting.pollCreated", "poll": {"question": "?"}}
    event = deliver(data)
    assert type(event) is UnknownEvent
    assert event.event == "meeting.pollCreated"
    assert event.data == data


# --- lenient where the docs are ---------------------------------------------------------------


def test_file_size_as_a_number() -> None:
    """Dyte sent fileSize as a number: accepted as well."""
    event = deliver(with_recording(fileSize=2044680))
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.file_size == 2_044_680


def test_file_size_absent() -> None:
    """A recording without fileSize has file_size None."""
    event = deliver(with_recording(fileSize=None))
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.file_size is None


def test_dyte_timestamps_with_a_space() -> None:
    """`2023-04-14 04:46:08.306221Z` parses to an aware UTC datetime."""
    event = deliver(with_recording(startedTime="2023-04-14 04:46:08.306221Z"))
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.started_time == dt.datetime(2023, 4, 14, 4, 46, 8, 306221, tzinfo=dt.UTC)


def test_meeting_id_falls_back_to_the_meeting() -> None:
    """Without meetingId (an old UPLOADING example), the meeting's id is used."""
    event = deliver(with_recording(meetingId=None))
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.meeting_id == "3f1c2a9e-5b7d-4c61-8e2f-9a0b1c2d3e4f"


def test_recording_without_meeting() -> None:
    """No meeting object and no meetingId: meeting and meeting_id are None."""
    data = with_recording(meetingId=None)
    del data["meeting"]
    event = deliver(data)
    assert isinstance(event, RecordingStatusUpdate)
    assert event.meeting is None
    assert event.recording.meeting_id is None


def test_invoked_time_is_used_when_sent() -> None:
    """An invokedTime, should the service send one, wins over startedTime."""
    event = deliver(with_recording(invokedTime="2026-11-30T13:59:59.000Z"))
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.invoked_time == dt.datetime(2026, 11, 30, 13, 59, 59, tzinfo=dt.UTC)


def test_recording_id_alone_is_enough() -> None:
    """Only recordingId (no id) still gives the recording its id."""
    event = deliver(with_recording(id=None))
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.id == "6a2b9c8d-1e0f-4a3b-8c7d-5e4f3a2b1c0d"


def test_rest_names_pass_through() -> None:
    """A recording object already in REST names parses the same."""
    data = webhook_sample(UPLOADED)
    data["recording"] = {
        "id": "r-1",
        "status": "UPLOADED",
        "started_time": "2026-11-30T14:00:05.000Z",
        "output_file_name": "f.mp4",
        "file_size": "12",
    }
    event = deliver(data)
    assert isinstance(event, RecordingStatusUpdate)
    assert (event.recording.id, event.recording.file_size) == ("r-1", 12)


def test_a_new_status_is_kept() -> None:
    """A status the enum does not know stays the plain string."""
    event = deliver(with_recording(status="ARCHIVED"))
    assert isinstance(event, RecordingStatusUpdate)
    assert event.recording.status == "ARCHIVED"


# --- signatures -------------------------------------------------------------------------------


def test_tampered_body_is_refused() -> None:
    """One changed byte after signing fails verification as a mismatch."""
    body = body_of(webhook_sample(UPLOADED))
    headers = signed_headers(body)
    with pytest.raises(WebhookVerificationError) as info:
        parse_event(body.replace(b"UPLOADED", b"UPLOADEE"), headers, public_key=public_pem())
    assert info.value.reason == "mismatch"


def test_reserialised_json_is_refused() -> None:
    """The same JSON serialised again (the classic mistake) is not what was signed."""
    body = body_of(webhook_sample(UPLOADED))
    headers = signed_headers(body)
    again = json.dumps(json.loads(body)).encode()
    assert again != body
    with pytest.raises(WebhookVerificationError):
        parse_event(again, headers, public_key=public_pem())


def test_wrong_key_is_refused() -> None:
    """A body signed with another key fails."""
    with pytest.raises(WebhookVerificationError, match="does not match"):
        deliver(webhook_sample(UPLOADED), n=1)


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        ("!!!not base64!!!", "malformed"),
        ("", "malformed"),
        ("   ", "malformed"),
        ("A" * 5000, "malformed"),
        ("é" * 8, "malformed"),
        ("QUJD", "mismatch"),
        (base64.b64encode(b"\x00" * 256).decode(), "mismatch"),
    ],
)
def test_garbage_signatures_are_refused(signature: str, reason: str) -> None:
    """Bad base64, empty, oversized, non-ASCII and wrong-length signatures raise our error."""
    body = body_of(webhook_sample(UPLOADED))
    with pytest.raises(WebhookVerificationError) as info:
        parse_event(body, {"rtk-signature": signature}, public_key=public_pem())
    assert info.value.reason == reason
    assert isinstance(info.value, RealtimeKitError)


def test_missing_signature_is_refused() -> None:
    """No rtk-signature header: refused without looking at the body."""
    with pytest.raises(WebhookVerificationError) as info:
        parse_event(b"not even json", {"rtk-uuid": "x"}, public_key=public_pem())
    assert info.value.reason == "missing"


def test_header_names_in_any_case() -> None:
    """RTK-Signature / Rtk-Uuid are found whatever their case."""
    body = body_of(webhook_sample("meeting.started.json"))
    headers = {"RTK-Signature": sign(body), "Rtk-Uuid": "u-9", "RTK-WEBHOOK-ID": "w-9"}
    event = parse_event(body, headers, public_key=public_pem())
    assert (event.delivery_id, event.webhook_id) == ("u-9", "w-9")


def test_missing_delivery_headers_are_none() -> None:
    """Without rtk-uuid and rtk-webhook-id, the ids are None."""
    body = body_of(webhook_sample("meeting.started.json"))
    event = parse_event(body, {"rtk-signature": sign(body)}, public_key=public_pem())
    assert (event.delivery_id, event.webhook_id) == (None, None)


def test_body_is_verified_before_parsing() -> None:
    """A body that is not JSON but carries a bad signature is a verification error."""
    with pytest.raises(WebhookVerificationError):
        parse_event(b"{", {"rtk-signature": "QUJD"}, public_key=public_pem())


# --- keys -------------------------------------------------------------------------------------


def test_public_key_forms() -> None:
    """PEM text, PEM bytes, a loaded key and a PEM with escaped line breaks all work."""
    body = body_of(webhook_sample("meeting.started.json"))
    headers = signed_headers(body)
    pem = public_pem()
    escaped = pem.strip().replace("\n", "\\n")
    for key in (pem, pem.encode(), private_key().public_key(), escaped):
        assert isinstance(parse_event(body, headers, public_key=key), MeetingStarted)


def test_bad_public_keys_raise_value_errors() -> None:
    """A key that is not an RSA PEM is a configuration error, raised as ValueError/TypeError."""
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="RSA"):
        parse_event(b"{}", {}, public_key=ec_pem)
    with pytest.raises(ValueError, match="PEM"):
        parse_event(b"{}", {}, public_key="not a key")
    with pytest.raises(TypeError, match="PEM text or bytes"):
        parse_event(b"{}", {}, public_key=42)  # type: ignore[arg-type]


def test_body_must_be_bytes() -> None:
    """A str body (already decoded, maybe re-serialised) is refused with a TypeError."""
    with pytest.raises(TypeError, match="raw request bytes"):
        parse_event("{}", {}, public_key=public_pem())  # type: ignore[arg-type]
    body = body_of(webhook_sample("meeting.started.json"))
    raw: Any = bytearray(body)
    event = parse_event(raw, signed_headers(body), public_key=public_pem())
    assert isinstance(event, MeetingStarted)


def test_body_size_is_bounded() -> None:
    """A body over the limit is refused before verification."""
    with pytest.raises(WebhookPayloadError, match="more than"):
        parse_event(b" " * (MAX_BODY_SIZE + 1), {}, public_key=public_pem())
    body = body_of(webhook_sample("meeting.started.json"))
    with pytest.raises(WebhookPayloadError):
        parse_event(body, signed_headers(body), public_key=public_pem(), max_body_size=10)


# --- shapes after a valid signature -----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"not json", "$"),
        (b"[1, 2]", "$"),
        (b"[" * 100_000 + b"]" * 100_000, "$"),
        (b"\xff\xfe", "$"),
        (b"{}", "$.event"),
        (b'{"event": 3}', "$.event"),
        (b'{"event": "recording.statusUpdate"}', "$.recording"),
        (b'{"event": "recording.statusUpdate", "recording": []}', "$.recording"),
        (b'{"event": "meeting.started"}', "$.meeting"),
        (b'{"event": "meeting.started", "meeting": {"title": "x"}}', "$.meeting.id"),
        (b'{"event": "meeting.started", "meeting": {"id": 5}}', "$.meeting.id"),
        (
            b'{"event": "meeting.started", "meeting": {"id": "m", "createdAt": "yesterday"}}',
            "$.meeting.createdAt",
        ),
        (
            b'{"event": "meeting.started", "meeting": {"id": "m", "startedAt": "99999-01-01"}}',
            "$.meeting.startedAt",
        ),
        (
            b'{"event": "meeting.participantJoined", "meeting": {"id": "m"}}',
            "$.participant",
        ),
        (
            b'{"event": "livestreaming.statusUpdate", "manualIngest": "no"}',
            "$.manualIngest",
        ),
    ],
)
def test_bad_shapes_raise_payload_errors(body: bytes, path: str) -> None:
    """Signed bodies of the wrong shape raise WebhookPayloadError naming where."""
    error = payload_error(body)
    assert error.field_path == path
    assert isinstance(error, RealtimeKitError)


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"fileSize": "12 MB"}, "$.recording"),
        ({"fileSize": "9" * 40}, "$.recording"),
        ({"fileSize": ""}, "$.recording"),
        ({"status": 7}, "$.recording"),
        ({"downloadUrlExpiry": "0001-01-01T00:00:00+01:00"}, "$.recording"),
        ({"outputFileName": None}, "$.recording.outputFileName"),
        ({"startedTime": None}, "$.recording.startedTime"),
        ({"status": None}, "$.recording.status"),
        ({"id": None, "recordingId": None}, "$.recording.id"),
    ],
)
def test_bad_recordings_raise_payload_errors(changes: dict[str, Any], where: str) -> None:
    """A recording that cannot be a Recording raises WebhookPayloadError, never a TypeError."""
    assert payload_error(with_recording(**changes)).field_path == where


# --- whatever arrives -------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@given(body=st.binary(max_size=300), headers=st.dictionaries(st.text(), st.text(), max_size=4))
def test_any_bytes_and_headers_raise_only_our_errors(body: bytes, headers: dict[str, str]) -> None:
    """Arbitrary bytes and headers never raise anything but a RealtimeKitError."""
    with pytest.raises(RealtimeKitError):
        parse_event(body, headers, public_key=public_pem())


@given(
    body=st.binary(max_size=300),
    signature=st.binary(max_size=600).map(lambda raw: base64.b64encode(raw).decode()),
    name=st.sampled_from(["rtk-signature", "RTK-SIGNATURE", "Rtk-Signature"]),
)
def test_any_base64_signature_raises_only_our_errors(
    body: bytes, signature: str, name: str
) -> None:
    """Well-formed but arbitrary signatures of any length are refused as mismatches."""
    with pytest.raises(WebhookVerificationError) as info:
        parse_event(body, {name: signature}, public_key=public_pem())
    assert info.value.reason in {"mismatch", "malformed"}


@given(
    name=st.sampled_from(sorted(EXPECTED_CLASSES)),
    path=st.lists(st.text(max_size=3) | st.sampled_from(["recording", "meeting", "fileSize"])),
    value=json_values,
)
def test_signed_mutations_raise_only_payload_errors(name: str, path: list[str], value: Any) -> None:
    """A documented body with any value swapped in anywhere parses or raises WebhookPayloadError."""
    data = webhook_sample(name)
    node = data
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            break
        node = cast("dict[str, Any]", child)
    if path:
        node[path[-1]] = value
    body = json.dumps(data).encode()
    try:
        event = parse_event(body, signed_headers(body), public_key=public_pem())
    except WebhookPayloadError:
        return
    assert isinstance(event, WebhookEvent)


@given(value=json_values)
def test_signed_json_of_any_shape_raises_only_payload_errors(value: Any) -> None:
    """Any signed JSON value parses to an event or raises WebhookPayloadError."""
    body = json.dumps(value).encode()
    with contextlib.suppress(WebhookPayloadError):
        parse_event(body, signed_headers(body), public_key=public_pem())
