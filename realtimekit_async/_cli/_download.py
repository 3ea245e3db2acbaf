"""``realtimekit download``: one recording's files, or every uploaded one's, a few at a time.

Listing and downloading overlap: the listing feeds a short queue that ``--concurrency`` workers
drain, so memory stays flat however many recordings match. Everything about files on disk is the
SDK's: each recording gets its folder, interrupted files resume from their ``.part``, and a
recording whose files the SDK's manifest shows as finished is skipped without a request. A local
error that would fail every other download too (no permission, read-only or full disk) stops the
run at once with one error line, cancelling the other workers and removing their ``.part`` files.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from realtimekit_async._download import already_present, discard_partials, plan_downloads
from realtimekit_async._errors import DownloadError, RealtimeKitError
from realtimekit_async._models import Recording, RecordingStatus
from realtimekit_async._session import RealtimeKitSession

from ._config import session_handler
from ._export import add_filters, list_filters
from ._progress import Bars, progress_bars
from ._shared import add_command, positive

if TYPE_CHECKING:
    from ._shared import Commands

__all__ = ["FATAL_ERRNOS", "Tally", "human_size", "register", "run_download"]


@dataclass
class Tally:
    """What a download run did, recording by recording."""

    files: int = 0
    size: int = 0
    skipped: int = 0
    without_file: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])

    @property
    def tried(self) -> int:
        """How many recordings the run got to."""
        return self.files + self.skipped + self.without_file + len(self.failed)

    def summary(self) -> str:
        """One line for the end of the run."""
        return (
            f"fetched {self.files} files ({human_size(self.size)}), "
            f"skipped {self.skipped} already present, {self.without_file} without a file, "
            f"failed {len(self.failed)}"
        )


def human_size(size: int) -> str:
    """*size* bytes in decimal units, e.g. ``4.2 MB``."""
    value = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError  # pragma: no cover - the loop always returns


#: Local errors that would fail every other download too: the run stops at the first one.
FATAL_ERRNOS = frozenset(
    {
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.ENOTDIR,
        errno.EEXIST,
    }
)


class _Downloader:
    """Downloads recordings into one folder, tallying and drawing progress as it goes."""

    def __init__(
        self, rtk: RealtimeKitSession, dest: Path, bars: Bars, *, audio: bool, strict: bool
    ) -> None:
        self.rtk, self.dest, self.bars = rtk, dest, bars
        self.audio, self.strict = audio, strict
        self.tally = Tally()
        self.overall = bars.add("total")
        # Recordings being downloaded right now, whose .part files a fatal stop discards.
        self.active: dict[str, Recording] = {}

    async def fetch(self, recording: Recording) -> None:
        try:
            targets = plan_downloads(recording, self.dest, audio=self.audio)
        except DownloadError:
            if self.strict:  # the one recording asked for by id has nothing to fetch
                raise
            self.tally.without_file += 1
            self.bars.update(self.overall, advance=1)
            return
        bar = self.bars.add(targets[0].name, targets[0].size, unit="bytes")

        def progress(done: int, total: int | None) -> None:
            self.bars.update(bar, completed=done, total=total)

        self.active[recording.id] = recording
        try:
            # The SDK's manifest says what it finished before; no request for those.
            if already_present(recording, self.dest, audio=self.audio):
                self.tally.skipped += 1
            else:
                paths = await self.rtk.download_recording(
                    recording, self.dest, audio=self.audio, progress=progress
                )
                self.tally.files += len(paths)
                self.tally.size += sum(path.stat().st_size for path in paths)
        except DownloadError as exc:
            if exc.errno in FATAL_ERRNOS:
                raise  # stops the run; the .part stays listed in self.active
            self._failed(recording, exc)
        except RealtimeKitError as exc:
            self._failed(recording, exc)
        self.active.pop(recording.id)
        self.bars.remove(bar)
        self.bars.update(self.overall, advance=1)

    def _failed(self, recording: Recording, exc: RealtimeKitError) -> None:
        self.tally.failed.append((recording.id, str(exc).replace("\n", " ")))

    async def run(self, source: AsyncIterator[Recording], concurrency: int) -> None:
        """Download what *source* yields with *concurrency* workers.

        Raises:
            RealtimeKitError: the listing failed (after the recordings queued so far), or a
                fatal local error stopped the run (its workers cancelled, their ``.part``
                files removed).
        """
        queue: asyncio.Queue[Recording | None] = asyncio.Queue(maxsize=2 * concurrency)
        listing_failure: list[RealtimeKitError] = []

        async def work() -> None:
            while (recording := await queue.get()) is not None:
                await self.fetch(recording)

        async def feed() -> None:
            try:
                async for recording in source:
                    await queue.put(recording)
            except RealtimeKitError as exc:
                listing_failure.append(exc)  # the recordings queued so far still download
            for _ in range(concurrency):
                await queue.put(None)  # one "no more" for each worker

        tasks = [asyncio.create_task(feed())]
        tasks += [asyncio.create_task(work()) for _ in range(concurrency)]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        # Every finished task's exception is collected, so asyncio logs none as "never retrieved".
        errors = [exc for task in done if (exc := task.exception()) is not None]
        if errors:
            fatal = errors[0]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for recording in self.active.values():
                with contextlib.suppress(RealtimeKitError):
                    await discard_partials(recording, self.dest, audio=self.audio)
            raise fatal
        if listing_failure:
            raise listing_failure[0]


async def _matching(
    rtk: RealtimeKitSession, args: argparse.Namespace, downloader: _Downloader
) -> AsyncIterator[Recording]:
    pager = rtk.list_recordings(status=RecordingStatus.UPLOADED, **list_filters(args))
    async for recording in pager:
        downloader.bars.update(downloader.overall, total=pager.total_count)
        yield recording


async def _one(rtk: RealtimeKitSession, recording_id: str) -> AsyncIterator[Recording]:
    yield await rtk.get_recording(recording_id)


async def run_download(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    """Run ``realtimekit download``; returns 0, or 1 if any recording failed.

    Raises:
        ValueError: neither or both of a recording id and ``--all``.
        DownloadError: the recording asked for by id has no file to download, or a fatal local
            error (``errno`` in :data:`FATAL_ERRNOS`) stopped the run.
    """
    if (args.recording_id is None) == (not args.all):
        msg = "name one recording id, or pass --all to download every uploaded recording"
        raise ValueError(msg)
    dest: Path = args.output_dir
    failure: RealtimeKitError | None = None
    with progress_bars(args.progress) as bars:
        downloader = _Downloader(rtk, dest, bars, audio=args.audio, strict=not args.all)
        if args.all:
            source = _matching(rtk, args, downloader)
        else:
            bars.update(downloader.overall, total=1)
            source = _one(rtk, args.recording_id)
        try:
            await downloader.run(source, args.concurrency)
        except RealtimeKitError as exc:
            failure = exc
    # Printed once the bars are gone. Also when the listing broke off: what was done comes
    # before the error line. After a fatal local error, or when nothing was tried, the error
    # line says it all.
    tally = downloader.tally
    fatal = isinstance(failure, DownloadError) and failure.errno in FATAL_ERRNOS
    if not fatal and (failure is None or tally.tried):
        for recording_id, reason in tally.failed:
            print(f"failed {recording_id}: {reason}", file=sys.stderr)
        print(tally.summary(), file=sys.stderr)
    if failure is not None:
        raise failure
    return 1 if tally.failed else 0


def register(commands: Commands, parent: argparse.ArgumentParser) -> None:
    """Add ``download``."""
    download = add_command(
        commands,
        parent,
        "download",
        "download one recording's files, or every uploaded recording's",
        """
        realtimekit download RECORDING_ID --output-dir recordings/
        realtimekit download --all --meeting-id MEETING_ID --concurrency 8 --output-dir recordings/
        """,
        handler=session_handler(run_download),
    )
    download.add_argument(
        "recording_id", nargs="?", metavar="RECORDING_ID", help="the recording to download"
    )
    download.add_argument("--all", action="store_true", help="every UPLOADED recording matching")
    add_filters(download, status=False)
    download.set_defaults(status=None)
    download.add_argument(
        "--output-dir",
        "-d",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="folder to download into; each recording gets a folder of its own",
    )
    download.add_argument(
        "--concurrency", type=positive, default=4, metavar="N", help="files at a time"
    )
    download.add_argument("--audio", action="store_true", help="the separate audio file instead")
