"""The emulator's stored objects, meetings and recordings, and their JSON renderings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from realtimekit_async._emulator._wire import format_time

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

STATUSES = ("INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED")
ACTIVE = frozenset({"INVOKED", "RECORDING", "PAUSED"})
TRACK = "TRACK"
#: Storage fields the API accepts but never sends back (write-only secrets).
SECRET_KEYS = frozenset({"access_key", "secret", "password", "private_key"})
API_CALLER = {"type": "ORGANIZATION", "name": "api-token"}
TRACK_TEMPLATE = (
    "{{file_name_prefix}}_{{user_id}}_{{peer_id}}_{{stream_kind}}_{{media_kind}}_{{date_time}}.webm"
)

View = Literal["bare", "full", "list"]


def api_reason(reason: str = "API_CALL") -> dict[str, Any]:
    """A start/stop reason caused by an API call with this emulator's token."""
    return {"reason": reason, "caller": dict(API_CALLER)}


def public_storage_config(config: dict[str, Any] | None) -> dict[str, Any] | None:
    """The storage config as the API echoes it: without the write-only secrets."""
    if config is None:
        return None
    return {key: value for key, value in config.items() if key not in SECRET_KEYS}


@dataclass
class Meeting:
    """A meeting; ``fields`` holds every JSON key after ``id``/``created_at``/``updated_at``."""

    id: str
    created_at: datetime
    updated_at: datetime
    session_id: str
    fields: dict[str, Any]

    @property
    def title(self) -> str | None:
        """The meeting title, if it has one."""
        title = self.fields.get("title")
        return title if isinstance(title, str) else None

    def to_json(self) -> dict[str, Any]:
        """The full meeting object, as embedded in list items."""
        head = {
            "id": self.id,
            "created_at": format_time(self.created_at),
            "updated_at": format_time(self.updated_at),
        }
        return head | {key: value for key, value in self.fields.items() if value is not None}


@dataclass
class Recording:
    """One recording: the JSON-visible fields plus what the state machine needs."""

    id: str
    meeting_id: str
    type: str
    status: str
    invoked_time: datetime
    output_file_name: str
    session_id: str | None
    started_time: datetime | None = None
    stopped_time: datetime | None = None
    file_size: int | None = None
    recording_duration: int | None = None
    download_url_expiry: datetime | None = None
    storage_config: dict[str, Any] | None = None
    start_reason: dict[str, Any] | None = None
    stop_reason: dict[str, Any] | None = None
    max_seconds: int = 86400
    audio_extension: str | None = None
    bucket_enabled: bool = True
    #: Track recordings: layer name -> file name prefix, and the users to record.
    layers: dict[str, str] = field(default_factory=dict[str, str])
    user_ids: list[str] = field(default_factory=list[str])
    #: Stored files (name -> size), filled in at upload; track files also remember their layer.
    files: dict[str, int] = field(default_factory=dict[str, int])
    file_layers: dict[str, str] = field(default_factory=dict[str, str])
    recorded_seconds: float = 0.0
    active_since: datetime | None = None
    #: Verbatim JSON overrides from ``add_recording(**overrides)``; rendered last.
    extra: dict[str, Any] = field(default_factory=dict[str, Any])

    @property
    def is_track(self) -> bool:
        """Whether this is a per-participant track recording."""
        return self.type == TRACK

    @property
    def audio_file_name(self) -> str | None:
        """The separate audio file's name, when audio export is on."""
        if self.audio_extension is None:
            return None
        stem = self.output_file_name.rsplit(".", 1)[0]
        return f"{stem}.{self.audio_extension}"


def render(
    rec: Recording,
    view: View,
    url_for: Callable[[Recording, str], str],
    meeting: Meeting | None = None,
) -> dict[str, Any]:
    """Render a recording for one endpoint family.

    Args:
        rec: The recording.
        view: ``"bare"`` (active-recording, track start), ``"full"`` (get-one, start, PUT) or
            ``"list"`` (list items).
        url_for: Builds the presigned URL of one of the recording's stored files.
        meeting: The recording's meeting, embedded in list items.

    Returns:
        A JSON-ready dict whose key order follows the examples in the spec.
    """
    data: dict[str, Any] = {
        "id": rec.id,
        "audio_download_url": None,
        "download_url": _download_url(rec, url_for),
        "download_url_expiry": format_time(rec.download_url_expiry),
        "file_size": rec.file_size,
        "invoked_time": format_time(rec.invoked_time),
        "output_file_name": rec.output_file_name,
        "session_id": rec.session_id,
        "started_time": format_time(rec.started_time),
        "status": rec.status,
        "stopped_time": format_time(rec.stopped_time),
    }
    audio = rec.audio_file_name
    if audio is not None and audio in rec.files:
        data["audio_download_url"] = url_for(rec, audio)
    if rec.recording_duration is not None:
        data["recording_duration"] = rec.recording_duration
    if view != "bare":
        data["meeting_id"] = rec.meeting_id
        data["type"] = rec.type
    if view == "full":
        # The schema types both reasons as non-nullable objects, and what the real server sends
        # for a recording without one (not stopped yet, stopped at max_seconds) is not
        # documented: the emulator leaves the key out, the one answer the schema allows.
        reasons = {"start_reason": rec.start_reason, "stop_reason": rec.stop_reason}
        data.update({key: reason for key, reason in reasons.items() if reason is not None})
    if view != "bare":
        data["storage_config"] = public_storage_config(rec.storage_config)
    if view == "list" and meeting is not None:
        data["meeting"] = meeting.to_json()
    data.update(rec.extra)
    return data


def _download_url(rec: Recording, url_for: Callable[[Recording, str], str]) -> Any:
    if not rec.files:
        return None
    if not rec.is_track:
        return url_for(rec, rec.output_file_name)
    # Track recordings answer an array of layers (examples/get-track-...-download-url.json),
    # which the schema does not allow but the server sends.
    layers: dict[str, dict[str, dict[str, str]]] = {name: {} for name in rec.layers}
    for file_name, layer in rec.file_layers.items():
        layers[layer][file_name] = {"download_url": url_for(rec, file_name)}
    return [{"layer_name": name, "download_urls": urls} for name, urls in layers.items()]
