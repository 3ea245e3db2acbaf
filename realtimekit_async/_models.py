"""The data the Recordings API speaks: frozen, slotted attrs classes and open enums.

This module is the bottom layer: it imports only the leaf :mod:`._redaction` (so secrets are
masked in every ``repr``) and nothing else from the package. Field names are the API's
JSON names (only ``user_Id`` becomes :attr:`Caller.user_id`), so a reader of the API reference
finds every field under the name they already know.

Enums are *open*: every field typed ``SomeEnum | str`` holds the enum member when the server sends
a value we know and the plain string when it sends one it added later, so a new status never
breaks a running batch job and round-trips unchanged.
"""

from __future__ import annotations

import datetime as dt
import enum

import attrs

from ._redaction import mask_secret, redact_url_repr

__all__ = [
    "AudioChannel",
    "AudioCodec",
    "AudioConfig",
    "Caller",
    "CallerType",
    "InteractiveConfig",
    "LivestreamingConfig",
    "Meeting",
    "MeetingStatus",
    "Paging",
    "RealtimeKitBucketConfig",
    "Recording",
    "RecordingAction",
    "RecordingConfig",
    "RecordingPage",
    "RecordingStatus",
    "SortOrder",
    "StartReason",
    "StartReasonKind",
    "StopReason",
    "StopReasonKind",
    "StorageAuthMethod",
    "StorageConfig",
    "StorageType",
    "TrackFile",
    "TrackLayer",
    "TrackLayerDownload",
    "VideoCodec",
    "VideoConfig",
    "Watermark",
    "WatermarkPosition",
    "WatermarkSize",
    "Webhook",
    "WebhookEventName",
]


class RecordingStatus(enum.StrEnum):
    """Where a recording is in its life: INVOKED → RECORDING ⇄ PAUSED → UPLOADING → UPLOADED."""

    INVOKED = "INVOKED"
    RECORDING = "RECORDING"
    PAUSED = "PAUSED"
    UPLOADING = "UPLOADING"
    UPLOADED = "UPLOADED"
    ERRORED = "ERRORED"

    @property
    def is_active(self) -> bool:
        """Whether the recording still captures the meeting (or is about to)."""
        return self in _ACTIVE

    @property
    def is_final(self) -> bool:
        """Whether the status can no longer change."""
        return self in _FINAL


_ACTIVE = frozenset({RecordingStatus.INVOKED, RecordingStatus.RECORDING, RecordingStatus.PAUSED})
_FINAL = frozenset({RecordingStatus.UPLOADED, RecordingStatus.ERRORED})


class RecordingAction(enum.StrEnum):
    """What ``PUT …/recordings/{id}`` can ask of a running recording."""

    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


class StartReasonKind(enum.StrEnum):
    """Why a recording started."""

    API_CALL = "API_CALL"
    RECORD_ON_START = "RECORD_ON_START"


class StopReasonKind(enum.StrEnum):
    """Why a recording stopped."""

    API_CALL = "API_CALL"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    ALL_PEERS_LEFT = "ALL_PEERS_LEFT"


class CallerType(enum.StrEnum):
    """Who started or stopped a recording."""

    ORGANIZATION = "ORGANIZATION"
    USER = "USER"


class StorageType(enum.StrEnum):
    """Where finished files are uploaded; ``cloudflare`` is R2 (documented, not in the enum)."""

    AWS = "aws"
    AZURE = "azure"
    DIGITALOCEAN = "digitalocean"
    GCS = "gcs"
    SFTP = "sftp"
    CLOUDFLARE = "cloudflare"


class StorageAuthMethod(enum.StrEnum):
    """How an SFTP upload authenticates."""

    KEY = "KEY"
    PASSWORD = "PASSWORD"  # noqa: S105 - a method name, not a password


class MeetingStatus(enum.StrEnum):
    """Whether a meeting can be joined."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class AudioCodec(enum.StrEnum):
    """Codec of the exported audio file."""

    MP3 = "MP3"
    AAC = "AAC"


class AudioChannel(enum.StrEnum):
    """Channel layout of the exported audio."""

    MONO = "mono"
    STEREO = "stereo"


class VideoCodec(enum.StrEnum):
    """Codec of the recorded video."""

    H264 = "H264"
    VP8 = "VP8"


class WatermarkPosition(enum.StrEnum):
    """Corner of the video that carries the watermark."""

    LEFT_TOP = "left top"
    RIGHT_TOP = "right top"
    LEFT_BOTTOM = "left bottom"
    RIGHT_BOTTOM = "right bottom"


class SortOrder(enum.StrEnum):
    """Order of :meth:`~realtimekit_async.RealtimeKitSession.list_recordings` by invoked time."""

    ASC = "ASC"
    DESC = "DESC"


class WebhookEventName(enum.StrEnum):
    """What a webhook can subscribe to (``GET …/webhooks/all`` serves the current list)."""

    MEETING_STARTED = "meeting.started"
    MEETING_ENDED = "meeting.ended"
    MEETING_PARTICIPANT_JOINED = "meeting.participantJoined"
    MEETING_PARTICIPANT_LEFT = "meeting.participantLeft"
    MEETING_CHAT_SYNCED = "meeting.chatSynced"
    RECORDING_STATUS_UPDATE = "recording.statusUpdate"
    LIVESTREAMING_STATUS_UPDATE = "livestreaming.statusUpdate"
    MEETING_TRANSCRIPT = "meeting.transcript"
    MEETING_SUMMARY = "meeting.summary"


# --- request options: what a caller sends, unstructured without the unset (None) fields ----------


@attrs.frozen
class WatermarkSize:
    """Size of a watermark image in pixels."""

    width: int | None = None
    height: int | None = None


@attrs.frozen
class Watermark:
    """An image stamped onto the recorded video."""

    url: str | None = None
    size: WatermarkSize | None = None
    position: WatermarkPosition | str | None = None


@attrs.frozen
class AudioConfig:
    """Audio settings of a recording (server defaults: AAC, stereo, exported)."""

    codec: AudioCodec | str | None = None
    channel: AudioChannel | str | None = None
    export_file: bool | None = None


@attrs.frozen
class VideoConfig:
    """Video settings of a recording (server defaults: H264, 1280x720, exported)."""

    codec: VideoCodec | str | None = None
    width: int | None = None
    height: int | None = None
    export_file: bool | None = None
    watermark: Watermark | None = None


@attrs.frozen
class StorageConfig:
    """Your own bucket or server for finished files; secrets are masked in ``repr``.

    ``type`` picks the provider. AWS, DigitalOcean and Cloudflare R2 use ``access_key`` and
    ``secret`` with ``bucket``/``region``; Azure puts its connection string in ``access_key``;
    GCS uses ``secret`` (the service-account JSON); SFTP uses ``host``, ``port``, ``username`` and
    ``password`` or ``private_key`` with ``auth_method``. The server never sends secrets back.
    """

    type: StorageType | str
    access_key: str | None = attrs.field(default=None, repr=mask_secret)
    secret: str | None = attrs.field(default=None, repr=mask_secret)
    bucket: str | None = None
    region: str | None = None
    path: str | None = None
    auth_method: StorageAuthMethod | str | None = None
    username: str | None = None
    host: str | None = None
    port: int | None = None
    password: str | None = attrs.field(default=None, repr=mask_secret)
    private_key: str | None = attrs.field(default=None, repr=mask_secret)


@attrs.frozen
class RealtimeKitBucketConfig:
    """Whether RealtimeKit also keeps a copy in its own bucket (7-day download links)."""

    enabled: bool


@attrs.frozen
class LivestreamingConfig:
    """Where to push the recording live over RTMP."""

    rtmp_url: str


@attrs.frozen
class InteractiveConfig:
    """Timed ID3 metadata in the HLS output, delivered as a ``.tar``."""

    type: str = "ID3"


@attrs.frozen
class TrackLayer:
    """One layer of a per-participant track recording."""

    file_name_prefix: str | None = None
    media_kind: str | None = None


@attrs.frozen
class RecordingConfig:
    """A meeting's default recording settings."""

    audio_config: AudioConfig | None = None
    video_config: VideoConfig | None = None
    storage_config: StorageConfig | None = None
    realtimekit_bucket_config: RealtimeKitBucketConfig | None = None
    live_streaming_config: LivestreamingConfig | None = None
    file_name_prefix: str | None = None
    max_seconds: int | None = None


# --- responses --------------------------------------------------------------------------------


@attrs.frozen
class Caller:
    """The organisation or user behind a start or stop; empty for ``RECORD_ON_START``."""

    type: CallerType | str | None = None
    name: str | None = None
    user_id: str | None = None


@attrs.frozen
class StartReason:
    """Why and by whom a recording was started."""

    reason: StartReasonKind | str | None = None
    caller: Caller | None = None


@attrs.frozen
class StopReason:
    """Why and by whom a recording was stopped."""

    reason: StopReasonKind | str | None = None
    caller: Caller | None = None


@attrs.frozen
class Meeting:
    """The meeting a listed recording belongs to (only list items carry it)."""

    id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    title: str | None = None
    status: MeetingStatus | str | None = None
    record_on_start: bool | None = None
    live_stream_on_start: bool | None = None
    persist_chat: bool | None = None
    summarize_on_end: bool | None = None
    transcribe_on_end: bool | None = None
    session_keep_alive_time_in_secs: int | None = None
    recording_config: RecordingConfig | None = None


@attrs.frozen
class TrackFile:
    """One participant's file of a finished track recording."""

    file_name: str
    download_url: str = attrs.field(repr=redact_url_repr)


@attrs.frozen
class TrackLayerDownload:
    """The files of one layer of a finished track recording."""

    layer_name: str
    download_urls: tuple[TrackFile, ...] = ()


@attrs.frozen
class Recording:
    """A recording as any of the six calls returns it.

    Keys a given endpoint does not send (``meeting`` outside listings, reasons outside get/start/
    update) are ``None``, as are keys the server sends as ``null``. ``download_url`` is a presigned
    link for composite recordings and a tuple of :class:`TrackLayerDownload` for finished track
    recordings; its signature is masked in ``repr``.
    """

    id: str
    status: RecordingStatus | str
    invoked_time: dt.datetime
    output_file_name: str
    audio_download_url: str | None = attrs.field(default=None, repr=redact_url_repr)
    download_url: str | tuple[TrackLayerDownload, ...] | None = attrs.field(
        default=None, repr=redact_url_repr
    )
    download_url_expiry: dt.datetime | None = None
    file_size: int | None = None
    recording_duration: int | None = None
    session_id: str | None = None
    started_time: dt.datetime | None = None
    stopped_time: dt.datetime | None = None
    storage_config: StorageConfig | None = None
    meeting: Meeting | None = None
    start_reason: StartReason | None = None
    stop_reason: StopReason | None = None
    meeting_id: str | None = None
    type: str | None = None

    @property
    def is_track(self) -> bool:
        """Whether this is a per-participant track recording."""
        return self.type == "TRACK" or isinstance(self.download_url, tuple)


@attrs.frozen
class Paging:
    """Where a page sits in the whole result: 1-based inclusive offsets."""

    total_count: int
    start_offset: int
    end_offset: int


@attrs.frozen
class RecordingPage:
    """One page of :meth:`~realtimekit_async.RealtimeKitSession.list_recordings`."""

    items: tuple[Recording, ...]
    paging: Paging


@attrs.frozen(kw_only=True)
class Webhook:
    """A webhook registration: where RealtimeKit POSTs which events.

    ``enabled`` is ``True`` when the server leaves it out (the schema's default). Query strings
    of ``url`` that look like credentials are masked in ``repr``.
    """

    id: str
    name: str
    url: str = attrs.field(repr=redact_url_repr)
    events: tuple[WebhookEventName | str, ...]
    enabled: bool = True
    created_at: dt.datetime
    updated_at: dt.datetime


# Resolve the string annotations now, while this module's names are at hand: the package
# re-homes these classes to ``realtimekit_async`` (see __init__), where ``dt`` is not defined.
# Every attrs class of the module, so a model added later cannot be forgotten here.
def _resolve_annotations() -> None:
    for value in list(globals().values()):
        if isinstance(value, type) and attrs.has(value):
            attrs.resolve_types(value)


_resolve_annotations()
