"""The recording calls of :class:`~._session.RealtimeKitSession`: list, start, read, control.

Each builds its request (pure, :mod:`._protocol`) and runs it through the session's ``_call``;
writes name how they are reconciled after an ambiguous failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from . import _protocol as proto
from ._calls import CallsBase
from ._config import USE_DEFAULT, UseDefault, check_headers
from ._errors import NoActiveRecordingError
from ._events import PageFetched
from ._lifecycle import ACTION_TARGETS
from ._models import (
    AudioConfig,
    InteractiveConfig,
    LivestreamingConfig,
    RealtimeKitBucketConfig,
    Recording,
    RecordingAction,
    RecordingPage,
    RecordingStatus,
    SortOrder,
    StorageConfig,
    TrackLayer,
    VideoConfig,
)
from ._pagination import RecordingPager, ResumeToken
from ._retry import Safety

__all__ = ["RecordingCalls"]


class RecordingCalls(CallsBase):
    """The six recording calls (see :class:`~._session.RealtimeKitSession`)."""

    def list_recordings(
        self,
        *,
        meeting_id: str | None = None,
        status: RecordingStatus | str | Iterable[RecordingStatus | str] | None = None,
        search: str | None = None,
        expired: bool | None = None,
        sort_by: str | None = None,
        sort_order: SortOrder | str | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
        per_page: int | None = None,
        resume: ResumeToken | str | None = None,
        prefetch: int = 2,
        headers: Mapping[str, str] | None = None,
    ) -> RecordingPager:
        """All recordings matching the filters, as a :class:`RecordingPager` (not a coroutine).

        Args:
            meeting_id: only this meeting's recordings.
            status: only recordings in this status (or any of these statuses).
            search: text to match against the meeting id or title.
            expired: only recordings whose RealtimeKit download link has (``True``) or has not
                (``False``) expired.
            sort_by: ``"invokedTime"``, the one documented sort key.
            sort_order: ``"ASC"`` or ``"DESC"``.
            start_time: only recordings from this moment on (aware or UTC ``datetime``).
            end_time: only recordings up to this moment.
            per_page: page size to ask for (the server may answer with fewer).
            resume: a :attr:`RecordingPager.resume_token` (or its ``dumps()`` text) to continue
                an interrupted scan; its filters apply, so pass no others.
            prefetch: how many following pages to request while the current one is consumed
                (``0`` fetches strictly one page at a time).
            headers: extra headers of every page request.

        Arguments are checked here, before anything is sent. Iterate the pager with
        ``async for``; see :class:`RecordingPager`.
        """
        self._check_open()
        check_headers("headers", headers)  # before anything is sent, like the filters
        filters = proto.ListFilters.build(
            meeting_id=meeting_id,
            status=status,
            search=search,
            expired=expired,
            sort_by=sort_by,
            sort_order=sort_order,
            start_time=start_time,
            end_time=end_time,
        )
        page_size = self._per_page if per_page is None else proto.check_per_page(per_page)
        token = ResumeToken.loads(resume) if isinstance(resume, str) else resume
        if token is not None:
            if filters.query:
                msg = "pass either resume= or filters: a resume token carries its own filters"
                raise ValueError(msg)
            filters = proto.ListFilters(token.query)
            page_size = token.per_page

        async def fetch(page_no: int, size: int) -> RecordingPage:
            request = proto.list_request(self._prefix, filters, page_no, size)
            page = await self._call(request, proto.read_page, Safety.IDEMPOTENT, headers=headers)
            self._engine.emit(PageFetched(page_no, len(page.items), page.paging.total_count))
            return page

        if prefetch < 0:
            msg = f"prefetch must be a number of pages >= 0, got {prefetch!r}"
            raise ValueError(msg)
        return RecordingPager(
            fetch, per_page=page_size, query=filters.query, resume=token, prefetch=prefetch
        )

    async def start_recording(
        self,
        meeting_id: str,
        *,
        max_seconds: int | None = None,
        allow_multiple_recordings: bool | None = None,
        file_name_prefix: str | None = None,
        audio_config: AudioConfig | Mapping[str, Any] | None = None,
        video_config: VideoConfig | Mapping[str, Any] | None = None,
        storage_config: StorageConfig | Mapping[str, Any] | None = None,
        realtimekit_bucket_config: RealtimeKitBucketConfig | Mapping[str, Any] | None = None,
        rtmp_out_config: LivestreamingConfig | Mapping[str, Any] | None = None,
        interactive_config: InteractiveConfig | Mapping[str, Any] | None = None,
        url: str | None = None,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        """Start recording a meeting; returns the new recording (usually ``INVOKED``).

        Never sent twice blindly: after an ambiguous failure (timeout, reset, 5xx) the meeting's
        active recording is read, and returned if there is one. With
        ``allow_multiple_recordings=True`` that cannot tell our recording from another, so
        :class:`OutcomeUnknownError` is raised instead.

        Args:
            meeting_id: the meeting to record.
            max_seconds: stop automatically after this many seconds (60 to 86,400).
            allow_multiple_recordings: allow a second concurrent recording of the meeting.
            file_name_prefix: prefix of the output file name.
            audio_config: audio codec, channels and export.
            video_config: video codec, size, export and watermark.
            storage_config: your own bucket or SFTP server for the files.
            realtimekit_bucket_config: whether RealtimeKit's bucket keeps a copy.
            rtmp_out_config: also stream the recording live over RTMP.
            interactive_config: add timed ID3 metadata.
            url: record this web page instead of the meeting's default view.
            timeout: this call's deadline in seconds (``None``: no limit); else the session's.
        """
        options: dict[str, object] = {
            "max_seconds": max_seconds,
            "allow_multiple_recordings": allow_multiple_recordings,
            "file_name_prefix": file_name_prefix,
            "audio_config": audio_config,
            "video_config": video_config,
            "storage_config": storage_config,
            "realtimekit_bucket_config": realtimekit_bucket_config,
            "rtmp_out_config": rtmp_out_config,
            "interactive_config": interactive_config,
            "url": url,
        }
        request = proto.start_request(self._prefix, meeting_id, options)
        if allow_multiple_recordings:
            return await self._call(
                request, proto.read_recording, Safety.UNSAFE, timeout, headers=headers
            )

        async def reconcile(deadline: float | None) -> Recording | None:
            try:
                return await self.get_active_recording(
                    meeting_id, timeout=deadline, headers=headers
                )
            except NoActiveRecordingError:
                return None

        return await self._call(
            request,
            proto.read_recording,
            Safety.RECONCILE,
            timeout,
            reconcile=reconcile,
            headers=headers,
        )

    async def get_active_recording(
        self,
        meeting_id: str,
        *,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        """The meeting's recording in progress; :class:`NoActiveRecordingError` if none."""
        request = proto.active_recording_request(self._prefix, meeting_id)
        return await self._call(
            request, proto.read_recording, Safety.IDEMPOTENT, timeout, headers=headers
        )

    async def get_recording(
        self,
        recording_id: str,
        *,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        """One recording, with its storage configuration and start/stop reasons."""
        request = proto.get_request(self._prefix, recording_id)
        return await self._call(
            request, proto.read_recording, Safety.IDEMPOTENT, timeout, headers=headers
        )

    async def update_recording(
        self,
        recording_id: str,
        action: RecordingAction | str,
        *,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        """Pause, resume or stop a recording.

        After an ambiguous failure the recording is read back and returned if it already reached
        the action's target state; otherwise the request is sent again. A 409 (e.g. stopping a
        recording that already stopped) raises :class:`ConflictError` after one request.
        """
        request = proto.update_request(self._prefix, recording_id, action)
        targets = ACTION_TARGETS[RecordingAction(action)]

        async def reconcile(deadline: float | None) -> Recording | None:
            current = await self.get_recording(recording_id, timeout=deadline, headers=headers)
            return current if current.status in targets else None

        return await self._call(
            request,
            proto.read_recording,
            Safety.RECONCILE,
            timeout,
            reconcile=reconcile,
            headers=headers,
        )

    async def pause_recording(
        self,
        recording_id: str,
        *,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        """Pause a recording (``RECORDING`` → ``PAUSED``)."""
        return await self.update_recording(
            recording_id, RecordingAction.PAUSE, timeout=timeout, headers=headers
        )

    async def resume_recording(
        self,
        recording_id: str,
        *,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        """Resume a paused recording (``PAUSED`` → ``RECORDING``)."""
        return await self.update_recording(
            recording_id, RecordingAction.RESUME, timeout=timeout, headers=headers
        )

    async def stop_recording(
        self,
        recording_id: str,
        *,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        """Stop a recording; it moves on to ``UPLOADING`` and then ``UPLOADED``."""
        return await self.update_recording(
            recording_id, RecordingAction.STOP, timeout=timeout, headers=headers
        )

    async def start_track_recording(
        self,
        meeting_id: str,
        *,
        layers: Mapping[str, TrackLayer | Mapping[str, Any]] | None = None,
        user_ids: Iterable[str] | None = None,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        """Record each participant's audio to its own file (a track recording).

        Args:
            meeting_id: the meeting, which must have a live session.
            layers: output layers by name, e.g. ``{"default": TrackLayer(file_name_prefix="x")}``.
            user_ids: record only these participants (at most 100).
            timeout: this call's deadline in seconds (``None``: no limit); else the session's.

        Re-sent only when the request provably never left; after an ambiguous failure
        :class:`OutcomeUnknownError` is raised, since a second start would record twice.
        """
        request = proto.track_request(self._prefix, meeting_id, layers, user_ids)
        return await self._call(
            request, proto.read_recording, Safety.UNSAFE, timeout, headers=headers
        )
