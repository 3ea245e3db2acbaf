"""The emulator's pure state: meetings, recordings, the recording state machine and its clock.

No I/O happens here; the HTTP layer calls these methods and renders what they return.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from realtimekit_async._emulator._records import (
    ACTIVE,
    TRACK,
    TRACK_TEMPLATE,
    Meeting,
    Recording,
    api_reason,
)
from realtimekit_async._emulator._validate import (
    StartRequest,
    TrackRequest,
    parse_start,
    parse_track,
)
from realtimekit_async._emulator._wire import ApiError, epoch_ms, parse_time, truncate_ms

if TYPE_CHECKING:
    from collections.abc import Callable

#: RealtimeKit bucket links expire after 7 days (the guide and X-Amz-Expires=604800).
LINK_LIFETIME = timedelta(days=7)
MIN_FILE, MAX_FILE = 2 * 1024, 64 * 1024
_AGO = timedelta(hours=1)
_TIME_OVERRIDES = frozenset({"started_time", "stopped_time", "download_url_expiry"})
_FIELD_OVERRIDES = _TIME_OVERRIDES | {
    "session_id",
    "output_file_name",
    "file_size",
    "recording_duration",
    "start_reason",
    "stop_reason",
}
_MEETING_DEFAULTS: dict[str, Any] = {
    "title": None,
    "status": "ACTIVE",
    "record_on_start": False,
    "live_stream_on_start": False,
    "persist_chat": False,
    "summarize_on_end": False,
    "transcribe_on_end": False,
    "session_keep_alive_time_in_secs": 60,
}


def _slug(title: str | None) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (title or "meeting").lower()).strip("-")
    return slug or "meeting"


def default_order_key(rec: Recording) -> tuple[datetime, str]:
    """Sort key of the default list order (newest ``invoked_time`` first after reversing)."""
    return (rec.invoked_time, rec.id)


class EmulatorState:
    """Meetings and recordings behind the emulator, driven by an explicit clock.

    Args:
        now: The clock's start (aware).
        seed: Seeds every id, size and name, so a run is reproducible.
    """

    def __init__(self, now: datetime, seed: int) -> None:
        self._epoch = now
        self._offset = 0.0
        self.rng = random.Random(seed)
        self.meetings: dict[str, Meeting] = {}
        self.recordings: dict[str, Recording] = {}
        #: Told of every status change made by a request or the clock (not by set-up).
        self.listeners: list[Callable[[Recording], None]] = []

    def changed(self, rec: Recording) -> None:
        """Tell every listener that ``rec`` has a new status."""
        for listener in self.listeners:
            listener(rec)

    @property
    def now(self) -> datetime:
        """The emulator clock, at the API's millisecond resolution."""
        return truncate_ms(self._epoch + timedelta(seconds=self._offset))

    def new_id(self) -> str:
        """A random (version 4) UUID string drawn from the seeded RNG."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ordered(self) -> list[Recording]:
        """All recordings in the default list order: ``invoked_time`` DESC, then id DESC."""
        return sorted(self.recordings.values(), key=default_order_key, reverse=True)

    def meeting(self, meeting_id: str) -> Meeting:
        """Look up a meeting.

        Raises:
            ApiError: 404 when there is no such meeting.
        """
        try:
            return self.meetings[meeting_id]
        except KeyError:
            raise ApiError(404, f"Meeting {meeting_id} not found") from None

    def get(self, recording_id: str) -> Recording:
        """Look up a recording.

        Raises:
            ApiError: 404 when there is no such recording.
        """
        try:
            return self.recordings[recording_id]
        except KeyError:
            raise ApiError(404, f"Recording {recording_id} not found") from None

    # --- building -----------------------------------------------------------------------

    def add_meeting(
        self, *, title: str | None, meeting_id: str | None, status: str, extra: dict[str, Any]
    ) -> Meeting:
        """Create a meeting; ``extra`` overrides or adds JSON fields."""
        created = self.now - timedelta(days=self.rng.randint(10, 60))
        fields = _MEETING_DEFAULTS | {"title": title, "status": status} | extra
        meeting = Meeting(
            id=meeting_id or self.new_id(),
            created_at=created,
            updated_at=created + timedelta(days=1),
            session_id=self.new_id(),
            fields=fields,
        )
        self.meetings[meeting.id] = meeting
        return meeting

    def _new_recording(
        self, meeting: Meeting, *, track: bool, prefix: str | None, at: datetime | None = None
    ) -> Recording:
        now = at or self.now
        if track:
            name = TRACK_TEMPLATE
        else:
            head = f"{prefix}_" if prefix else ""
            name = f"{head}{_slug(meeting.title)}_{meeting.id[:8]}_{epoch_ms(now)}.mp4"
        rec = Recording(
            id=self.new_id(),
            meeting_id=meeting.id,
            type=TRACK if track else "",
            status="INVOKED",
            invoked_time=now,
            output_file_name=name,
            session_id=meeting.session_id,
            start_reason=api_reason(),
        )
        self.recordings[rec.id] = rec
        return rec

    def start(self, request: StartRequest) -> Recording:
        """Start a composite recording (POST /recordings).

        Raises:
            ApiError: 404 for an unknown meeting, 409 when one is already running.
        """
        meeting = self.meeting(request.meeting_id)
        if not request.allow_multiple and self.active_for(meeting.id) is not None:
            raise ApiError(409, f"Recording already in progress for meeting {meeting.id}")
        rec = self._new_recording(meeting, track=False, prefix=request.file_name_prefix)
        self._configure(rec, request)
        self.changed(rec)
        return rec

    @staticmethod
    def _configure(rec: Recording, request: StartRequest) -> None:
        rec.max_seconds = request.max_seconds or rec.max_seconds
        rec.storage_config = request.storage_config
        rec.bucket_enabled = request.bucket_enabled
        audio = request.audio_config
        if audio is not None and audio.get("export_file", True) is not False:
            rec.audio_extension = "mp3" if audio.get("codec") == "MP3" else "m4a"

    def start_track(self, request: TrackRequest) -> Recording:
        """Start a track recording (POST /recordings/track).

        Raises:
            ApiError: 404 for an unknown meeting.
        """
        rec = self._start_track(request)
        self.changed(rec)
        return rec

    def _start_track(self, request: TrackRequest, at: datetime | None = None) -> Recording:
        meeting = self.meeting(request.meeting_id)
        rec = self._new_recording(meeting, track=True, prefix=None, at=at)
        rec.layers = dict(request.layers)
        rec.user_ids = list(request.user_ids)
        return rec

    def active_for(self, meeting_id: str) -> Recording | None:
        """The newest active (INVOKED/RECORDING/PAUSED) composite recording of a meeting."""
        # Q11: with several concurrent recordings the newest one is the likeliest answer,
        # and PAUSED/INVOKED count as active because they can still be stopped.
        for rec in self.ordered():
            if rec.meeting_id == meeting_id and rec.status in ACTIVE and not rec.is_track:
                return rec
        return None

    # --- the state machine --------------------------------------------------------------

    def act(self, recording_id: str, action: str) -> Recording:
        """Apply ``pause``, ``resume`` or ``stop``.

        Raises:
            ApiError: 404 for an unknown recording, 409 for a transition its status forbids.
        """
        rec = self.get(recording_id)
        allowed = {"pause": {"RECORDING"}, "resume": {"PAUSED"}, "stop": ACTIVE}[action]
        if rec.status not in allowed:
            raise ApiError(409, f"Recording {rec.id} is {rec.status}; cannot {action}")
        now = self.now
        if action == "resume":
            rec.status, rec.active_since = "RECORDING", now
        else:
            self._bank(rec, now)
            if action == "pause":
                rec.status = "PAUSED"
            else:
                self._stop(rec, now, api_reason())
        self.changed(rec)
        return rec

    def fail(self, recording_id: str) -> Recording:
        """Make an unfinished recording fail (KeyError: unknown; ValueError: finished)."""
        rec = self.recordings[recording_id]
        if rec.status in {"UPLOADED", "ERRORED"}:
            raise ValueError(f"recording {recording_id} is {rec.status} already")
        self._bank(rec, self.now)
        rec.status, rec.stopped_time = "ERRORED", rec.stopped_time or self.now
        rec.stop_reason = {"reason": "INTERNAL_ERROR"}
        self.changed(rec)
        return rec

    @staticmethod
    def _bank(rec: Recording, until: datetime) -> None:
        """Add the running stretch to the recorded time (pauses do not count)."""
        if rec.active_since is not None:
            rec.recorded_seconds += (until - rec.active_since).total_seconds()
            rec.active_since = None

    @staticmethod
    def _stop(rec: Recording, at: datetime, reason: dict[str, Any] | None) -> None:
        rec.status, rec.stopped_time, rec.stop_reason = "UPLOADING", at, reason

    def advance(self, seconds: float) -> None:
        """Move the clock, then progress every recording one step.

        UPLOADING recordings finish uploading, INVOKED ones start recording (both at the new
        time), then recordings whose recorded time reached ``max_seconds`` stop at that moment.

        Raises:
            ValueError: ``seconds`` is negative.
        """
        if seconds < 0:
            raise ValueError("the emulator clock cannot go backwards")
        uploading = [r for r in self.recordings.values() if r.status == "UPLOADING"]
        invoked = [r for r in self.recordings.values() if r.status == "INVOKED"]
        self._offset += seconds
        now = self.now
        for rec in uploading:
            self.upload(rec, now)
            self.changed(rec)
        for rec in invoked:
            rec.status, rec.started_time, rec.active_since = "RECORDING", now, now
            self.changed(rec)
        for rec in self.recordings.values():
            if rec.status != "RECORDING" or rec.active_since is None:
                continue
            left = rec.max_seconds - rec.recorded_seconds
            if (now - rec.active_since).total_seconds() >= left:
                limit = truncate_ms(rec.active_since + timedelta(seconds=left))
                self._bank(rec, limit)
                # max_seconds stops have no documented stop reason (the enum has none that
                # fits), so the emulator sends none rather than invent one.
                self._stop(rec, limit, None)
                self.changed(rec)

    def upload(self, rec: Recording, at: datetime) -> None:
        """Finish a recording: UPLOADED with files, sizes and (bucket permitting) links."""
        rec.status = "UPLOADED"
        rec.recording_duration = round(rec.recorded_seconds)
        if not rec.bucket_enabled:
            return
        rec.download_url_expiry = at + LINK_LIFETIME
        if rec.is_track:
            rec.file_size = 0
            # Once uploaded, the name template has its prefix filled in, as in
            # examples/get-track-recording-array-download-url.json. Which layer's prefix the
            # real server uses with several layers is unknown; the first one's is the guess.
            for prefix in list(rec.layers.values())[:1]:
                name = rec.output_file_name.replace("{{file_name_prefix}}", prefix, 1)
                rec.output_file_name = name
            users = rec.user_ids or [f"user-{self.rng.randint(1000, 9999)}" for _ in range(2)]
            stamp = epoch_ms(rec.started_time or at)
            for layer, prefix in rec.layers.items():
                for user in users:
                    name = f"{prefix}_{user}_{self.new_id()}_peer_audio_{stamp}.webm"
                    rec.files[name] = self.rng.randint(MIN_FILE, MAX_FILE)
                    rec.file_layers[name] = layer
            return
        rec.file_size = self.rng.randint(MIN_FILE, MAX_FILE)
        rec.files[rec.output_file_name] = rec.file_size
        audio = rec.audio_file_name
        if audio is not None:
            rec.files[audio] = self.rng.randint(MIN_FILE, MAX_FILE)

    # --- direct construction (test set-up) -----------------------------------------------

    def add_recording(
        self,
        meeting_id: str,
        *,
        status: str,
        invoked_time: datetime | None,
        track: bool,
        overrides: dict[str, Any],
    ) -> Recording:
        """Create a recording directly in ``status`` with consistent timestamps and files.

        Configuration keys in ``overrides`` (``max_seconds``, ``file_name_prefix``,
        ``audio_config``, ``storage_config``, ``realtimekit_bucket_config``, ``layers``,
        ``user_ids``) shape the recording; JSON field names replace fields; any other key is
        added to the JSON verbatim.

        Raises:
            KeyError: Unknown meeting.
        """
        meeting = self.meetings[meeting_id]
        config = {k: overrides.pop(k) for k in list(overrides) if k in _CONFIG_KEYS}
        body = {"meeting_id": meeting_id, **config}
        # Reuse the wire validation so set-up data obeys the same rules as requests.
        try:
            request = parse_start({k: v for k, v in body.items() if k not in _TRACK_KEYS})
            track_request = parse_track(body) if track else None
        except ApiError as exc:
            raise ValueError(exc.message) from None
        fresh = status in {"INVOKED", "ERRORED"}
        # Finished recordings default to an hour ago so their times are all in the past.
        invoked = truncate_ms(invoked_time or (self.now if fresh else self.now - _AGO))
        if track_request is not None:
            rec = self._start_track(track_request, at=invoked)
        else:
            prefix = request.file_name_prefix
            rec = self._new_recording(meeting, track=False, prefix=prefix, at=invoked)
        self._configure(rec, request)
        self._place(rec, status)
        for key, value in overrides.items():
            if key in _FIELD_OVERRIDES:
                if key in _TIME_OVERRIDES and isinstance(value, str):
                    value = parse_time(value)
                setattr(rec, key, value)
            else:
                rec.extra[key] = value
        if "file_size" in overrides and rec.output_file_name in rec.files:
            rec.files[rec.output_file_name] = int(overrides["file_size"])
        return rec

    def _place(self, rec: Recording, status: str) -> None:
        """Move a fresh recording to ``status`` as if it had lived through the states."""
        rec.status = status
        if status in {"INVOKED", "ERRORED"}:
            if status == "ERRORED":
                rec.stop_reason = {"reason": "INTERNAL_ERROR"}
            return
        started = rec.invoked_time + timedelta(seconds=5)
        rec.started_time = started
        if status in ACTIVE:
            rec.active_since = started if status == "RECORDING" else None
            rec.recorded_seconds = 0.0 if status == "RECORDING" else 60.0
            return
        rec.recorded_seconds = float(self.rng.randint(60, 1800))
        stopped = started + timedelta(seconds=rec.recorded_seconds)
        rec.stopped_time = stopped
        rec.stop_reason = api_reason() if self.rng.random() < 0.5 else {"reason": "ALL_PEERS_LEFT"}
        if status == "UPLOADED":
            self.upload(rec, stopped + timedelta(seconds=30))

    def renew_links(self, rec: Recording) -> None:
        """Sign an uploaded recording's links afresh, valid for 7 days from now."""
        if rec.download_url_expiry is not None:
            rec.download_url_expiry = self.now + LINK_LIFETIME

    def remove(self, recording_id: str) -> None:
        """Forget a recording.

        Raises:
            KeyError: Unknown recording.
        """
        del self.recordings[recording_id]


_TRACK_KEYS = frozenset({"layers", "user_ids"})
_CONFIG_KEYS = _TRACK_KEYS | {
    "max_seconds",
    "file_name_prefix",
    "audio_config",
    "storage_config",
    "realtimekit_bucket_config",
}
