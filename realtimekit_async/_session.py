"""``RealtimeKitSession``: configuration, lifecycle, and the six calls.

Every call runs the same loop: build the request (pure, :mod:`._protocol`), wait for the rate
limiter, send it (:mod:`._transport`), read the response (pure), and on failure ask the retry
policy (pure, :mod:`._retry`) what to do: retry, reconcile a write by reading the server's state,
or raise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import random
import sys
import time
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Self, TypeVar

from . import _protocol as proto
from ._download import DEFAULT_MAX_BYTES, Progress, Sink, check_options, download
from ._errors import (
    APIError,
    ConnectError,
    NoActiveRecordingError,
    OutcomeUnknownError,
    RealtimeKitError,
    RecordingFailedError,
    RequestTimeoutError,
    SessionClosedError,
    TransportError,
)
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
from ._ratelimit import Limiter
from ._redaction import scrub
from ._retry import Failure, RetryPolicy, Safety, Verdict
from ._transport import ClientSession, Transport
from ._version import __version__

__all__ = ["DEFAULT_BASE_URL", "RealtimeKitSession"]

DEFAULT_BASE_URL: Final = "https://api.cloudflare.com/client/v4"
DEFAULT_PER_PAGE: Final = 100
USER_AGENT: Final = (
    f"realtimekit-async/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]}"
)

logger = logging.getLogger("realtimekit_async")

T = TypeVar("T")
Reader = Callable[[proto.Request, proto.Response, dt.datetime], T]

# What each action leads to, to tell after an ambiguous failure whether it already happened.
_ACTION_TARGETS: Final = {
    RecordingAction.PAUSE: frozenset({RecordingStatus.PAUSED}),
    RecordingAction.RESUME: frozenset({RecordingStatus.RECORDING}),
    RecordingAction.STOP: frozenset(
        {RecordingStatus.UPLOADING, RecordingStatus.UPLOADED, RecordingStatus.ERRORED}
    ),
}

_UNSET: Any = object()


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
        timeout: seconds a whole call may take, every retry included; overrides
            ``retry.deadline`` (``None``: the policy's deadline).
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for each read from the socket.
        retry: when and how to try again; ``RetryPolicy.disabled()`` sends each request once.
        rate_limiter: a shared request budget, e.g. ``RateLimiter.recordings()``.
        per_page: default page size of :meth:`list_recordings`.
        sleep: how to wait between attempts (tests pass a fake to never wait).

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
        timeout: float | None = None,
        connect_timeout: float | None = 10.0,
        read_timeout: float | None = 60.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, shared safely
        rate_limiter: Limiter | None = None,
        per_page: int = DEFAULT_PER_PAGE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not api_token.strip():
            msg = "api_token must be a non-empty string (a Cloudflare API token)"
            raise ValueError(msg)
        base = str(base_url).rstrip("/")
        if not base.startswith(("https://", "http://")):
            msg = f"base_url must be an http(s) URL, got {base_url!r}"
            raise ValueError(msg)
        self.account_id = account_id
        self.app_id = app_id
        self.base_url = base
        self._prefix = proto.app_prefix(account_id, app_id)
        self._token = api_token
        self._headers: Final = {
            "Authorization": f"Bearer {api_token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        # Storage hosts get no credentials: the presigned URL is the credential.
        self._storage_headers: Final = {"User-Agent": USER_AGENT}
        self._transport = Transport(
            session, connect_timeout=connect_timeout, read_timeout=read_timeout
        )
        self.retry = retry
        self.deadline = timeout if timeout is not None else retry.deadline
        self.rate_limiter = rate_limiter
        self._per_page = proto.check_per_page(per_page)
        # Built once per process, here rather than at import or inside the first call.
        proto.converter()
        self._sleep = sleep
        self._closed = False

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

        Arguments are checked here, before anything is sent. Iterate the pager with
        ``async for``; see :class:`RecordingPager`.
        """
        self._check_open()
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
            return await self._call(request, proto.read_page, Safety.IDEMPOTENT)

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
        timeout: float | None = _UNSET,
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
            timeout: deadline of this call in seconds, overriding the session's.
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
            return await self._call(request, proto.read_recording, Safety.UNSAFE, timeout)

        async def reconcile(deadline: float | None) -> Recording | None:
            try:
                return await self.get_active_recording(meeting_id, timeout=deadline)
            except NoActiveRecordingError:
                return None

        return await self._call(
            request, proto.read_recording, Safety.RECONCILE, timeout, reconcile=reconcile
        )

    async def get_active_recording(
        self, meeting_id: str, *, timeout: float | None = _UNSET
    ) -> Recording:
        """The meeting's recording in progress; :class:`NoActiveRecordingError` if none."""
        request = proto.active_recording_request(self._prefix, meeting_id)
        return await self._call(request, proto.read_recording, Safety.IDEMPOTENT, timeout)

    async def get_recording(
        self, recording_id: str, *, timeout: float | None = _UNSET
    ) -> Recording:
        """One recording, with its storage configuration and start/stop reasons."""
        request = proto.get_request(self._prefix, recording_id)
        return await self._call(request, proto.read_recording, Safety.IDEMPOTENT, timeout)

    async def update_recording(
        self, recording_id: str, action: RecordingAction | str, *, timeout: float | None = _UNSET
    ) -> Recording:
        """Pause, resume or stop a recording.

        After an ambiguous failure the recording is read back and returned if it already reached
        the action's target state; otherwise the request is sent again. A 409 (e.g. stopping a
        recording that already stopped) raises :class:`ConflictError` after one request.
        """
        request = proto.update_request(self._prefix, recording_id, action)
        targets = _ACTION_TARGETS[RecordingAction(action)]

        async def reconcile(deadline: float | None) -> Recording | None:
            current = await self.get_recording(recording_id, timeout=deadline)
            return current if current.status in targets else None

        return await self._call(
            request, proto.read_recording, Safety.RECONCILE, timeout, reconcile=reconcile
        )

    async def pause_recording(
        self, recording_id: str, *, timeout: float | None = _UNSET
    ) -> Recording:
        """Pause a recording (``RECORDING`` → ``PAUSED``)."""
        return await self.update_recording(recording_id, RecordingAction.PAUSE, timeout=timeout)

    async def resume_recording(
        self, recording_id: str, *, timeout: float | None = _UNSET
    ) -> Recording:
        """Resume a paused recording (``PAUSED`` → ``RECORDING``)."""
        return await self.update_recording(recording_id, RecordingAction.RESUME, timeout=timeout)

    async def stop_recording(
        self, recording_id: str, *, timeout: float | None = _UNSET
    ) -> Recording:
        """Stop a recording; it moves on to ``UPLOADING`` and then ``UPLOADED``."""
        return await self.update_recording(recording_id, RecordingAction.STOP, timeout=timeout)

    async def start_track_recording(
        self,
        meeting_id: str,
        *,
        layers: Mapping[str, TrackLayer | Mapping[str, Any]] | None = None,
        user_ids: Iterable[str] | None = None,
        timeout: float | None = _UNSET,
    ) -> Recording:
        """Record each participant's audio to its own file (a track recording).

        Args:
            meeting_id: the meeting, which must have a live session.
            layers: output layers by name, e.g. ``{"default": TrackLayer(file_name_prefix="x")}``.
            user_ids: record only these participants (at most 100).
            timeout: deadline of this call in seconds, overriding the session's.

        Re-sent only when the request provably never left; after an ambiguous failure
        :class:`OutcomeUnknownError` is raised, since a second start would record twice.
        """
        request = proto.track_request(self._prefix, meeting_id, layers, user_ids)
        return await self._call(request, proto.read_recording, Safety.UNSAFE, timeout)

    # --- batch helpers ---------------------------------------------------------------------------

    async def wait_for_status(
        self,
        recording_id: str,
        statuses: Iterable[RecordingStatus | str] = (RecordingStatus.UPLOADED,),
        *,
        timeout: float = 900.0,
        poll_interval: float = 2.0,
        max_poll_interval: float = 30.0,
    ) -> Recording:
        """Poll a recording until its status is one of *statuses*, and return it.

        Pauses grow by half each poll, from *poll_interval* up to *max_poll_interval*.

        Raises:
            RecordingFailedError: the recording ended ``ERRORED`` (unless that was waited for);
                the recording is attached.
            RequestTimeoutError: *timeout* seconds passed first.
        """
        wanted = {str(s) for s in statuses}
        if not wanted:
            msg = "statuses must name at least one status to wait for"
            raise ValueError(msg)
        started, waited, pause = time.monotonic(), 0.0, poll_interval
        while True:
            recording = await self.get_recording(recording_id)
            if recording.status in wanted:
                return recording
            if recording.status == RecordingStatus.ERRORED:
                msg = f"recording {recording_id} ended ERRORED while waiting for {sorted(wanted)}"
                raise RecordingFailedError(msg, recording=recording)
            # Counting the pauses too makes the limit hold with a fake sleep in tests.
            if max(waited, time.monotonic() - started) + pause > timeout:
                msg = (
                    f"recording {recording_id} is still {recording.status} after {timeout:g} s "
                    f"of waiting for {sorted(wanted)}"
                )
                path = proto.get_request(self._prefix, recording_id).path
                raise RequestTimeoutError(msg, method="GET", path=path)
            await self._sleep(pause)
            waited += pause
            pause = min(max_poll_interval, pause * 1.5)

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
        timeout: float | None = _UNSET,
        *,
        reconcile: Callable[[float | None], Awaitable[T | None]] | None = None,
    ) -> T:
        self._check_open()
        deadline = self.deadline if timeout is _UNSET else timeout
        started = time.monotonic()

        def remaining() -> float | None:
            return None if deadline is None else deadline - (time.monotonic() - started)

        attempt = 0
        while True:
            attempt += 1
            left = remaining()
            if left is not None and left <= 0:
                msg = (
                    f"the call ran out of its {deadline:g} s deadline after {attempt - 1} attempts"
                )
                raise RequestTimeoutError(msg, method=request.method, path=request.path)
            if self.rate_limiter is not None:
                await self._wait_for_limiter(request, left)
            try:
                return await self._attempt(request, read, attempt, remaining())
            except (TransportError, APIError) as exc:
                error: TransportError | APIError = exc
            failure, status, retry_after = classify(error)
            if retry_after is not None and self.rate_limiter is not None:
                self.rate_limiter.hold_off(retry_after)
            decision = self.retry.decide(
                failure=failure,
                safety=safety,
                attempt=attempt,
                remaining=remaining(),
                status=status,
                retry_after=retry_after,
                rand=random.random(),
            )
            if decision.verdict is Verdict.RECONCILE:
                assert reconcile is not None, "RECONCILE operations pass a reconcile function"
                settled = await self._reconcile(request, error, reconcile, remaining())
                if settled is not None:
                    return settled
                # The write did not happen: sending it again is as safe as a first attempt.
                decision = self.retry.decide(
                    failure=Failure.NOT_SENT,
                    safety=safety,
                    attempt=attempt,
                    remaining=remaining(),
                    rand=random.random(),
                )
            if decision.verdict is Verdict.UNKNOWN_OUTCOME:
                msg = (
                    f"{request.operation.value} may or may not have taken effect ({error}); "
                    "sending it again could do it twice, so check the server's state first"
                )
                raise OutcomeUnknownError(msg, method=request.method, path=request.path) from error
            if decision.verdict is Verdict.RAISE:
                raise error
            logger.info(
                "retrying %s %s in %.2f s (attempt %d failed: %s)",
                request.method,
                request.path,
                decision.delay,
                attempt,
                error,
            )
            await self._sleep(decision.delay)

    async def _wait_for_limiter(self, request: proto.Request, timeout: float | None) -> None:
        """Take a token from the rate limiter, within what is left of the call's deadline."""
        assert self.rate_limiter is not None
        try:
            async with asyncio.timeout(timeout):
                await self.rate_limiter.acquire()
        except TimeoutError:
            # Nothing was sent, so this is not a failure to retry: the budget is spent.
            msg = "the call's deadline ran out while waiting for the rate limiter"
            raise RequestTimeoutError(msg, method=request.method, path=request.path) from None

    async def _attempt(
        self, request: proto.Request, read: Reader[T], attempt: int, timeout: float | None
    ) -> T:
        """Send *request* once and read the answer; errors come out scrubbed and logged."""
        sent_at = time.monotonic()
        status: int | str = "-"
        headers: Mapping[str, str] = {}
        try:
            response = await self._transport.send(
                request.method,
                request.url(self.base_url),
                headers=self._headers,
                body=request.body,
                timeout=timeout,
            )
            status, headers = response.status, response.headers
            if self.rate_limiter is not None:
                self.rate_limiter.observe(response.headers)
            return read(request, response, dt.datetime.now(dt.UTC))
        except RealtimeKitError as exc:
            status = status if isinstance(exc, APIError) else type(exc).__name__
            exc.method, exc.path = request.method, request.path  # the same path in every error
            # Should a server ever echo the token in a message, it stops here.
            exc.message = scrub(exc.message, (self._token,))
            exc.args = (exc.message,)
            raise
        finally:
            logger.debug(
                "%s %s -> %s attempt=%d elapsed=%.1fms cf-ray=%s",
                request.method,
                request.path,
                status,
                attempt,
                (time.monotonic() - sent_at) * 1000,
                headers.get("cf-ray", "-"),
            )

    async def _reconcile(
        self,
        request: proto.Request,
        error: RealtimeKitError,
        reconcile: Callable[[float | None], Awaitable[T | None]],
        remaining: float | None,
    ) -> T | None:
        """Read the server's state after an ambiguous write; ``None`` if the write did not land."""
        logger.info("%s failed ambiguously (%s); checking the server's state", request.path, error)
        try:
            return await reconcile(remaining)
        except RealtimeKitError as exc:
            msg = (
                f"{request.operation.value} may or may not have taken effect: it failed "
                f"({error}) and reading the server's state failed too ({exc})"
            )
            raise OutcomeUnknownError(msg, method=request.method, path=request.path) from error


def classify(error: TransportError | APIError) -> tuple[Failure, int | None, float | None]:
    """What a failed attempt means to the retry policy: failure kind, status, Retry-After."""
    if isinstance(error, ConnectError):
        return Failure.NOT_SENT, None, None
    if isinstance(error, TransportError):
        return Failure.AMBIGUOUS, None, None
    # success:false on a 200 carries the real status in its error code.
    status = error.code if error.status < 400 and error.code else error.status
    return Failure.STATUS, status, getattr(error, "retry_after", None)
