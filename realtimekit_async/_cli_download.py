"""``realtimekit download``: one recording's files, or every uploaded one's, a few at a time.

Listing and downloading overlap: the listing feeds a short queue that ``--concurrency`` workers
drain, so memory stays flat however many recordings match. Interrupted files resume from their
``.part`` (the SDK does that); files already complete on disk are skipped without a request.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from ._cli_export import list_filters
from ._cli_progress import Bars, progress_bars
from ._download import DownloadTarget, plan_downloads
from ._errors import DownloadError, RealtimeKitError
from ._models import Recording, RecordingStatus
from ._session import RealtimeKitSession

__all__ = ["Tally", "human_size", "run_download"]


@dataclass
class Tally:
    """What a download run did, recording by recording."""

    files: int = 0
    size: int = 0
    skipped: int = 0
    without_file: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])

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


def _complete(target: DownloadTarget) -> bool:
    """Whether *target* is on disk already (the SDK renames a file only once it is whole)."""
    return target.path.is_file() and (
        target.size is None or target.path.stat().st_size == target.size
    )


class _Downloader:
    """Downloads recordings into one folder, tallying and drawing progress as it goes."""

    def __init__(
        self, rtk: RealtimeKitSession, dest: Path, bars: Bars, *, audio: bool, strict: bool
    ) -> None:
        self.rtk, self.dest, self.bars = rtk, dest, bars
        self.audio, self.strict = audio, strict
        self.tally = Tally()
        dest.mkdir(parents=True, exist_ok=True)
        self.overall = bars.add("total")

    async def fetch(self, recording: Recording) -> None:
        try:
            targets = plan_downloads(recording, self.dest, audio=self.audio)
        except DownloadError:
            if self.strict:  # the one recording asked for by id has nothing to fetch
                raise
            self.tally.without_file += 1
            self.bars.update(self.overall, advance=1)
            return
        if all(_complete(target) for target in targets):
            self.tally.skipped += 1
            self.bars.update(self.overall, advance=1)
            return
        bar = self.bars.add(targets[0].name, targets[0].size, unit="bytes")

        def progress(done: int, total: int | None) -> None:
            self.bars.update(bar, completed=done, total=total)

        try:
            paths = await self.rtk.download_recording(
                recording, self.dest, audio=self.audio, progress=progress
            )
        except (RealtimeKitError, OSError) as exc:
            self.tally.failed.append((recording.id, str(exc).replace("\n", " ")))
        else:
            self.tally.files += len(paths)
            self.tally.size += sum(path.stat().st_size for path in paths)
        finally:
            self.bars.remove(bar)
            self.bars.update(self.overall, advance=1)

    async def run(self, source: AsyncIterator[Recording], concurrency: int) -> None:
        queue: asyncio.Queue[Recording | None] = asyncio.Queue(maxsize=2 * concurrency)

        async def work() -> None:
            while (recording := await queue.get()) is not None:
                await self.fetch(recording)

        workers = [asyncio.create_task(work()) for _ in range(concurrency)]
        failure: RealtimeKitError | None = None
        try:
            async for recording in source:
                await queue.put(recording)
        except RealtimeKitError as exc:
            failure = exc  # the recordings queued so far still download
        for _ in workers:
            await queue.put(None)  # one "no more" for each worker
        await asyncio.gather(*workers)
        if failure is not None:
            raise failure


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
        ValueError: neither or both of a recording id and ``--all``, or ``--concurrency`` < 1.
        DownloadError: the recording asked for by id has no file to download.
    """
    if (args.recording_id is None) == (not args.all):
        msg = "name one recording id, or pass --all to download every uploaded recording"
        raise ValueError(msg)
    if args.concurrency < 1:
        msg = f"--concurrency must be at least 1, got {args.concurrency}"
        raise ValueError(msg)
    dest: Path = args.output_dir
    with progress_bars(args.progress) as bars:
        downloader = _Downloader(rtk, dest, bars, audio=args.audio, strict=not args.all)
        if args.all:
            source = _matching(rtk, args, downloader)
        else:
            bars.update(downloader.overall, total=1)
            source = _one(rtk, args.recording_id)
        try:
            await downloader.run(source, args.concurrency)
        finally:
            # Also when the listing broke off: say what was done before the error line.
            tally = downloader.tally
            for recording_id, reason in tally.failed:
                print(f"failed {recording_id}: {reason}", file=sys.stderr)
            print(tally.summary())
    return 1 if tally.failed else 0
