"""Batch helpers of :class:`~._session.RealtimeKitSession`: wait for a status, download files.

Waiting polls with growing pauses, each poll bounded by what is left of the wait, and can be fed
by webhook events (a :class:`~realtimekit_async.webhooks.WebhookWatcher`), polling then only as a
slow fallback. Downloading is :mod:`._download`'s job; this only wires it to the transport.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from . import _protocol as proto
from ._calls import CallsBase
from ._config import check_seconds
from ._download import DEFAULT_MAX_BYTES, Progress, Sink, check_options, download
from ._errors import RecordingFailedError, RequestTimeoutError, WaitTimeoutError
from ._lifecycle import can_reach, check_statuses
from ._models import Recording, RecordingStatus
from ._retry import Safety

if TYPE_CHECKING:
    from .webhooks import RecordingStatusUpdate, Subscription, WebhookWatcher

__all__ = ["BatchCalls"]


class BatchCalls(CallsBase):
    """Waiting and downloading (see :class:`~._session.RealtimeKitSession`)."""

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
        watcher: WebhookWatcher | None = None,
        fallback_interval: float = 300.0,
    ) -> Recording:
        """Wait until a recording's status is one of *statuses*, and return the recording.

        Without a *watcher* it polls: pauses grow by half each poll, from *poll_interval* up to
        *max_poll_interval*. With a :class:`~realtimekit_async.webhooks.WebhookWatcher` that a
        webhook receiver publishes to, it polls once, then returns as soon as a matching event
        arrives, and polls again only when no event came for *fallback_interval* seconds
        (deliveries can be lost). Each poll gets what is left of *timeout* as its deadline, so
        the wait ends on time even when the server stops answering.

        Args:
            recording_id: the recording to watch.
            statuses: one status or several; any of them ends the wait.
            timeout: seconds the whole wait may take.
            poll_interval: the first pause between two polls.
            max_poll_interval: the longest pause between two polls.
            watcher: webhook events to wait on instead of polling.
            fallback_interval: with a watcher, seconds without an event before polling again.

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
        fallback = check_seconds("fallback_interval", fallback_interval)
        request = proto.get_request(self._prefix, recording_id)
        started, waited = time.monotonic(), 0.0

        def left() -> float:
            # Counting the pauses too makes the limit hold with a fake sleep in tests.
            return limit - max(waited, time.monotonic() - started)

        # Subscribed before the first poll, so that an event between the two is not missed.
        events = None if watcher is None else watcher.subscribe(recording_id)
        recording: Recording | None = None
        try:
            while (remaining := left()) > 0:
                try:
                    recording = await self._call(
                        request,
                        proto.read_recording,
                        Safety.IDEMPOTENT,
                        self._poll_cap(remaining),
                    )
                except RequestTimeoutError as exc:
                    if left() > 0:
                        raise
                    raise _wait_timeout(recording_id, recording, wanted, limit) from exc
                if _settled(recording, wanted):
                    return recording
                if events is None:
                    if pause >= left():
                        raise _wait_timeout(recording_id, recording, wanted, limit)
                    await self._sleep(pause)
                    waited += pause
                    pause = min(longest, pause * 1.5)
                    continue
                # Events until one settles the wait, or a silence long enough to poll again.
                while (event := await _next_event(events, min(fallback, left()))) is not None:
                    recording = event.recording
                    if _settled(recording, wanted):
                        return recording
            raise _wait_timeout(recording_id, recording, wanted, limit)
        finally:
            if events is not None:
                events.close()

    def _poll_cap(self, left: float) -> float:
        """One poll's deadline: the session's, cut to what is left of the wait."""
        return left if self._deadline is None else min(self._deadline, left)

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


async def _next_event(
    events: Subscription[RecordingStatusUpdate], timeout: float
) -> RecordingStatusUpdate | None:
    """The next event, or ``None`` after *timeout* seconds of silence."""
    # Waited on from the side, so the silence does not cancel this task's own frames.
    getter = asyncio.ensure_future(events.get())
    done, _ = await asyncio.wait({getter}, timeout=timeout)
    if not done:
        getter.cancel()
        await asyncio.gather(getter, return_exceptions=True)
        return None
    return getter.result()


def _settled(recording: Recording, wanted: frozenset[RecordingStatus]) -> bool:
    """Whether the wait is over: True for a wanted status; raises when none can follow."""
    if recording.status in wanted:
        return True
    if can_reach(recording.status, wanted):
        return False
    verb = "ended" if recording.status == RecordingStatus.ERRORED else "is"
    msg = (
        f"recording {recording.id} {verb} {recording.status}, from which "
        f"{' or '.join(sorted(wanted))} can no longer follow"
    )
    raise RecordingFailedError(msg, recording=recording)


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
