"""``RealtimeKitSession``: configuration, lifecycle, and the calls as thin methods.

Each call builds its request (pure, :mod:`._protocol`) and hands it to the engine
(:mod:`._engine`), which waits for the rate limiter, sends it through the transport, reads the
answer and applies the retry policy. What is left here is what a user configures and calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Self, TypeVar

from . import _protocol as proto
from ._config import (
    USE_DEFAULT,
    UseDefault,
    check_api_token,
    check_base_url,
    check_count,
    check_headers,
    check_seconds,
    check_timeout,
)
from ._download import DEFAULT_MAX_BYTES, Progress, Sink, check_options, download
from ._engine import Engine, Reader, Reconcile
from ._errors import (
    NoActiveRecordingError,
    RecordingFailedError,
    RequestTimeoutError,
    SessionClosedError,
    WaitTimeoutError,
)
from ._events import Hook, PageFetched
from ._lifecycle import ACTION_TARGETS, can_reach, check_statuses
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
from ._pacing import RateLimitState, shared_pacer
from ._pagination import RecordingPager, ResumeToken
from ._ratelimit import Limiter
from ._retry import RetryPolicy, Safety
from ._tracing import NO_TRACING, Tracing
from ._transport import DEFAULT_MAX_RESPONSE_SIZE, ClientSession, Transport

__all__ = ["DEFAULT_BASE_URL", "RealtimeKitSession"]

DEFAULT_BASE_URL: Final = "https://api.cloudflare.com/client/v4"
DEFAULT_PER_PAGE: Final = 100

T = TypeVar("T")


class RealtimeKitSession:
    """A client for one RealtimeKit app's recordings.

    Args:
        account_id: the Cloudflare account id.
        app_id: the RealtimeKit app id.
        api_token: an API token with the *Realtime* or *Realtime Admin* permission. It is sent
            only to *base_url*, and never appears in a ``repr``, an error or a log record.
        base_url: the API root; tests point it at
            :class:`~realtimekit_async.testing.FakeRealtimeKit`.
        session: an aiohttp session to send through. It stays yours: :meth:`aclose` does not
            close it. Without one, the session makes (and closes) its own.
        timeout: seconds a whole call may take, every retry included; ``None`` for no limit.
            Not given (:data:`USE_DEFAULT`), the retry policy's ``deadline`` applies. Each call
            can name its own ``timeout`` the same way.
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for each read from the socket.
        retry: when and how to try again; ``RetryPolicy.disabled()`` sends each request once.
        rate_limiter: the request budget. Not given, the session paces itself by the budget
            the server announces in ``Ratelimit`` headers, shared with every session of this
            process that uses the same token (see :doc:`/howto/budget`); ``None`` switches
            pacing off; a :class:`Limiter` of your own (e.g. ``RateLimiter.recordings()``)
            replaces it.
        per_page: default page size of :meth:`list_recordings`.
        max_response_size: the largest API response body to read, in bytes, as received and
            once decompressed (default 32 MiB); a larger one raises
            :class:`ResponseTooLargeError` as soon as the limit is passed.
        sleep: how to wait between attempts (tests pass a fake to never wait).
        hooks: subscribers called with every :class:`RequestSent`, :class:`ResponseReceived`,
            :class:`RetryScheduled`, :class:`Reconciling`, :class:`RateLimitWait` and
            :class:`PageFetched` event (see :doc:`/howto/hooks`).
        tracing: a span per call, e.g. :class:`realtimekit_async.otel.OpenTelemetryTracing`.
        default_headers: extra headers of every API request, e.g. a tenant or trace header;
            each call can add its own with ``headers=``. ``Authorization`` and the other
            headers the session sets cannot be replaced.
        trust_env: use proxies from ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY`` and ``.netrc``
            in the aiohttp session the SDK makes (a session you pass keeps its own setting).
        connection_limit: connections the SDK's own aiohttp session keeps open at most.

    Every call also takes ``timeout=`` (its own deadline in seconds, ``None`` for none) and
    ``headers=`` (extra headers for that call only, over *default_headers*).

    The configuration is read-only once the session is made (:attr:`account_id`,
    :attr:`base_url`, :attr:`retry`, ...): make another session to change it.

    Use it as an async context manager, or call :meth:`aclose` when done::

        async with RealtimeKitSession(account_id=..., app_id=..., api_token=...) as rtk:
            recording = await rtk.start_recording(meeting_id)
    """

    def __init__(
        self,
        *,
        account_id: str,
        app_id: str,
        api_token: str,
        base_url: str = DEFAULT_BASE_URL,
        session: ClientSession | None = None,
        timeout: float | UseDefault | None = USE_DEFAULT,
        connect_timeout: float | None = 10.0,
        read_timeout: float | None = 60.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, shared safely
        rate_limiter: Limiter | UseDefault | None = USE_DEFAULT,
        per_page: int = DEFAULT_PER_PAGE,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        hooks: Iterable[Hook] = (),
        tracing: Tracing | None = None,
        default_headers: Mapping[str, str] | None = None,
        trust_env: bool = True,
        connection_limit: int = 100,
    ) -> None:
        check_api_token(api_token)
        self._account_id, self._app_id = account_id, app_id
        self._prefix = proto.app_prefix(account_id, app_id)
        self._base_url = check_base_url(base_url)
        self._deadline = (
            retry.deadline if timeout is USE_DEFAULT else check_timeout("timeout", timeout)
        )
        self._default_headers = check_headers("default_headers", default_headers)
        self._per_page = proto.check_per_page(per_page)
        self._closed = False
        # Last, once every argument is checked: __del__ looks at the transport.
        self._transport = Transport(
            session,
            connect_timeout=check_timeout("connect_timeout", connect_timeout),
            read_timeout=check_timeout("read_timeout", read_timeout),
            trust_env=bool(trust_env),
            connection_limit=check_count("connection_limit", connection_limit),
            max_response_size=check_count("max_response_size", max_response_size),
        )
        self._engine = Engine(
            self._transport.send,
            base_url=self._base_url,
            headers=proto.api_headers(api_token),
            retry=retry,
            limiter=(
                shared_pacer(api_token, self._base_url)
                if rate_limiter is USE_DEFAULT
                else rate_limiter
            ),
            secrets=(api_token,),
            hooks=hooks,
            tracing=NO_TRACING if tracing is None else tracing,
            closed=lambda: self._closed,
            sleep=sleep,
        )
        # Storage hosts get no credentials: the presigned URL is the credential.
        self._storage_headers: Final = {"User-Agent": proto.USER_AGENT}
        self._sleep = sleep
        # Built once per process here, rather than at import (which would slow every import)
        # or inside the first call (which would add ~20 ms to it).
        from ._converter import converter  # noqa: PLC0415

        converter()

    # --- configuration (read-only: a session is configured once) ---------------------------------

    @property
    def account_id(self) -> str:
        """The Cloudflare account id."""
        return self._account_id

    @property
    def app_id(self) -> str:
        """The RealtimeKit app id."""
        return self._app_id

    @property
    def base_url(self) -> str:
        """The API root requests go to (without a trailing slash)."""
        return self._base_url

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of every call."""
        return self._engine.retry

    @property
    def rate_limiter(self) -> Limiter | None:
        """The request budget calls wait for, if any."""
        return self._engine.limiter

    @property
    def rate_limit(self) -> RateLimitState | None:
        """The request budget as the server last announced it (``None`` until it does)."""
        return self._engine.rate_limit

    @property
    def deadline(self) -> float | None:
        """Seconds a call may take when it names no ``timeout`` (``None``: no limit)."""
        return self._deadline

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """A session configured from the environment; keyword arguments win over it.

        Reads ``CLOUDFLARE_ACCOUNT_ID``, ``REALTIMEKIT_APP_ID``, ``CLOUDFLARE_API_TOKEN`` and,
        optionally, ``REALTIMEKIT_BASE_URL``.
        """
        names = {
            "account_id": "CLOUDFLARE_ACCOUNT_ID",
            "app_id": "REALTIMEKIT_APP_ID",
            "api_token": "CLOUDFLARE_API_TOKEN",
            "base_url": "REALTIMEKIT_BASE_URL",
        }
        config: dict[str, Any] = {k: os.environ[v] for k, v in names.items() if os.environ.get(v)}
        config.update(overrides)
        missing = [names[k] for k in ("account_id", "app_id", "api_token") if k not in config]
        if missing:
            msg = f"set {', '.join(missing)} in the environment (or pass them as arguments)"
            raise ValueError(msg)
        return cls(**config)

    def __repr__(self) -> str:
        return (
            f"RealtimeKitSession(account_id={self.account_id!r}, app_id={self.app_id!r}, "
            f"base_url={self.base_url!r}, api_token='***'{', closed' if self._closed else ''})"
        )

    # --- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the aiohttp session if this object created it; safe to call twice."""
        self._closed = True
        await self._transport.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        transport = getattr(self, "_transport", None)
        if transport is not None and not self._closed and transport.needs_close:
            _warn(
                f"unclosed {self!r}: use 'async with' or 'await session.aclose()'",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

    def _check_open(self) -> None:
        if self._closed:
            msg = "this RealtimeKitSession is closed; make a new one"
            raise SessionClosedError(msg)

    # --- the six calls ------------------------------------------------------------------------

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

    # --- batch helpers ---------------------------------------------------------------------------

    async def wait_for_status(
        self,
        recording_id: str,
        statuses: RecordingStatus | str | Iterable[RecordingStatus | str] = (
            RecordingStatus.UPLOADED,
        ),
        *,
        timeout: float = 900.0,
        poll_interval: float = 2.0,
        max_poll_interval: float = 30.0,
    ) -> Recording:
        """Poll a recording until its status is one of *statuses*, and return it.

        Pauses grow by half each poll, from *poll_interval* up to *max_poll_interval*. Each poll
        gets what is left of *timeout* as its deadline, so the wait ends on time even when the
        server stops answering.

        Args:
            recording_id: the recording to watch.
            statuses: one status or several; any of them ends the wait.
            timeout: seconds the whole wait may take.
            poll_interval: the first pause between two polls.
            max_poll_interval: the longest pause between two polls.

        Raises:
            ValueError: *statuses* is empty or names a status that does not exist.
            RecordingFailedError: the recording ended ``ERRORED`` (unless that was waited for),
                or reached a status from which none of *statuses* can follow (waiting for
                ``PAUSED`` on an ``UPLOADED`` recording); the recording is attached.
            WaitTimeoutError: *timeout* seconds passed first.
        """
        wanted = check_statuses(statuses)
        limit = check_seconds("timeout", timeout)
        pause = check_seconds("poll_interval", poll_interval)
        longest = check_seconds("max_poll_interval", max_poll_interval)
        request = proto.get_request(self._prefix, recording_id)
        started, waited = time.monotonic(), 0.0

        def left() -> float:
            # Counting the pauses too makes the limit hold with a fake sleep in tests.
            return limit - max(waited, time.monotonic() - started)

        recording: Recording | None = None
        while True:
            try:
                recording = await self._call(
                    request, proto.read_recording, Safety.IDEMPOTENT, self._poll_timeout(left())
                )
            except RequestTimeoutError as exc:
                if left() > 0:
                    raise
                raise _wait_timeout(recording_id, recording, wanted, limit) from exc
            if recording.status in wanted:
                return recording
            if not can_reach(recording.status, wanted):
                verb = "ended" if recording.status == RecordingStatus.ERRORED else "is"
                msg = (
                    f"recording {recording_id} {verb} {recording.status}, from which "
                    f"{' or '.join(sorted(wanted))} can no longer follow"
                )
                raise RecordingFailedError(msg, recording=recording)
            if pause >= left():
                raise _wait_timeout(recording_id, recording, wanted, limit)
            await self._sleep(pause)
            waited += pause
            pause = min(longest, pause * 1.5)

    def _poll_timeout(self, left: float) -> float:
        """One poll's deadline: the session's, cut to what is left of the wait."""
        return left if self.deadline is None else min(self.deadline, left)

    async def download_recording(
        self,
        recording: Recording | str,
        dest: str | os.PathLike[str],
        *,
        file_name: str | None = None,
        audio: bool = False,
        resume: bool = True,
        progress: Progress | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float | None = None,
    ) -> list[Path]:
        """Download a recording's files into the folder *dest* and return their paths.

        Args:
            recording: an ``UPLOADED`` recording, or its id.
            dest: a folder, created when missing. The files go in ``dest/<recording id>/``:
                a single-file recording as its ``output_file_name``, a track recording as one
                file per participant (in a folder per layer when there are several). Names from
                the server are made safe (see the downloads guide).
            file_name: the name for a single-file recording's file (or the audio file) instead
                of the server's; one plain file name.
            audio: fetch the separate audio file (``audio_download_url``) instead.
            resume: continue a ``.part`` file this SDK left for the same stored object.
            progress: called as ``progress(bytes_done, bytes_total)`` while a file downloads;
                ``bytes_total`` is ``None`` when unknown.
            max_bytes: the most bytes taken for a file whose size the recording does not state
                (track and audio files); default 16 GiB. A stated ``file_size`` is the cap
                otherwise.
            timeout: seconds the whole download may take, renewals and waiting for another
                download of the same recording included; ``None`` for no overall limit.

        Files stream in chunks to ``<name>.part`` and are renamed once complete and, when the
        recording states a ``file_size``, of that size. A file this SDK already finished (as its
        manifest ``.realtimekit-download.json`` in the recording's folder says) is not fetched
        again. An expired link is renewed by fetching the recording again. The API token is
        never sent to the storage host. Two downloads of the same recording into the same
        *dest* take turns.

        Raises:
            ValueError: *file_name* is not a plain file name or given for a track recording,
                *max_bytes* below 1, or *timeout* not a positive number.
            DownloadError: the recording is not ``UPLOADED``, has no such file, storage refused
                it even with a fresh link, sent an error page or too many bytes, the size does
                not match, the timeout ran out, a file not written by this SDK is in the way, or
                the disk refused the write (``errno`` set).
            TransportError: storage could not be reached or the body was cut short, three
                times in a row.
        """
        check_options(file_name, max_bytes, timeout)
        self._check_open()
        if isinstance(recording, str):
            recording = await self.get_recording(recording)

        async def stream(url: str, headers: Mapping[str, str], sink: Sink) -> int:
            return await self._transport.stream(url, headers=headers, sink=sink, chunk_size=1 << 16)

        return await download(
            recording,
            Path(dest),
            stream=stream,
            refetch=self.get_recording,
            headers=self._storage_headers,
            file_name=file_name,
            audio=audio,
            resume=resume,
            progress=progress,
            max_bytes=max_bytes,
            timeout=timeout,
        )

    # --- one call, with retries -----------------------------------------------------------------

    async def _call(
        self,
        request: proto.Request,
        read: Reader[T],
        safety: Safety,
        timeout: float | UseDefault | None = USE_DEFAULT,
        *,
        reconcile: Reconcile[T] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        self._check_open()
        deadline = self._deadline if timeout is USE_DEFAULT else check_timeout("timeout", timeout)
        extra = {**self._default_headers, **check_headers("headers", headers)}
        return await self._engine.call(
            request, read, safety, deadline, reconcile=reconcile, headers=extra
        )


def _wait_timeout(
    recording_id: str,
    recording: Recording | None,
    wanted: frozenset[RecordingStatus],
    limit: float,
) -> WaitTimeoutError:
    status = "unknown (no poll answered)" if recording is None else recording.status
    msg = (
        f"recording {recording_id} is still {status} after {limit:g} s of waiting for "
        f"{' or '.join(sorted(wanted))}"
    )
    return WaitTimeoutError(msg, recording=recording)
