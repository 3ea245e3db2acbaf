"""Downloading a recording's files to disk: resumable, bounded, verified, never with our token.

``dest`` is always a folder; a recording's files go in ``dest/<recording id>/`` (track
recordings: one file per participant, in a folder per layer when there are several). Each file
streams into ``<name>.part`` (created exclusively, never through a symlink) and is renamed into
place atomically once complete. The folder's manifest (:mod:`._download_files`) records what we
wrote, which alone decides whether a file is already present or a ``.part`` may be continued
(with ``If-Range``). An expired presigned link (past ``download_url_expiry``, or refused by
storage with 400/401/403) is replaced by fetching the recording again. Storage hosts get no
``Authorization`` header: the presigned URL is the credential.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import attrs

from ._config import check_count, check_timeout
from ._download_files import Folder
from ._download_names import check_file_name, dedupe, safe_component
from ._download_transfer import DownloadTarget, Progress, RestartError, Transfer, location
from ._errors import DownloadError, TransportError
from ._models import Recording, RecordingStatus

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DownloadTarget",
    "Progress",
    "already_present",
    "check_options",
    "discard_partials",
    "download",
    "location",
    "plan_downloads",
]

Sink = Callable[[int, Mapping[str, str]], Awaitable[Callable[[bytes], None] | None]]
Stream = Callable[[str, Mapping[str, str], Sink], Awaitable[int]]

#: The most bytes taken for a file whose size the recording does not state (16 GiB).
DEFAULT_MAX_BYTES = 16 << 30

_ATTEMPTS = 3


def check_options(file_name: object, max_bytes: object, timeout: object) -> None:
    """Reject bad ``download_recording`` arguments before any I/O.

    Raises:
        TypeError, ValueError: which argument is wrong and why.
    """
    if file_name is not None:
        check_file_name(file_name)
    check_count("max_bytes", max_bytes)
    check_timeout("timeout", timeout)


def plan_downloads(
    recording: Recording, dest: Path, *, audio: bool = False, file_name: str | None = None
) -> list[DownloadTarget]:
    """The files to fetch for *recording* into the folder *dest*.

    Raises:
        DownloadError: the recording has no file to download.
        ValueError: *file_name* given for a track recording.
    """
    if recording.status != RecordingStatus.UPLOADED:
        msg = (
            f"recording {recording.id} is {recording.status}; only UPLOADED recordings have files "
            "(wait_for_status() waits for the upload)"
        )
        raise DownloadError(msg)
    folder = dest / safe_component(recording.id, "recording")
    if audio:
        if recording.audio_download_url is None:
            msg = f"recording {recording.id} has no audio file (audio export was off)"
            raise DownloadError(msg)
        url_path = urllib.parse.urlsplit(recording.audio_download_url).path
        name = urllib.parse.unquote(url_path.rsplit("/", 1)[-1])
        name = file_name or safe_component(name, "audio")
        return [DownloadTarget(name, recording.audio_download_url, folder / name, None)]
    if isinstance(recording.download_url, tuple):
        if file_name is not None:
            msg = "file_name= names the file of a single-file recording; this is a track recording"
            raise ValueError(msg)
        layers = recording.download_url
        targets: list[DownloadTarget] = []
        layer_names: set[str] = set()
        for layer in layers:
            # Several layers may name files alike: each gets its own folder then.
            sub = dedupe(safe_component(layer.layer_name, "layer"), layer_names)
            sub = sub if len(layers) > 1 else ""
            taken: set[str] = set()
            for f in layer.download_urls:
                name = dedupe(safe_component(f.file_name, "track"), taken)
                path = folder / sub / name if sub else folder / name
                # Track recordings report file_size 0 for the whole set: no size per file.
                targets.append(DownloadTarget(f.file_name, f.download_url, path, None, sub))
        return targets
    if recording.download_url is None:
        msg = (
            f"recording {recording.id} has no download link "
            "(the RealtimeKit bucket is disabled, or files went to your own storage)"
        )
        raise DownloadError(msg)
    name = file_name or safe_component(recording.output_file_name, recording.id)
    size = recording.file_size or None
    return [DownloadTarget(recording.output_file_name, recording.download_url, folder / name, size)]


def _is_ours(folder: Folder, target: DownloadTarget) -> bool:
    """Whether the manifest shows the file at *target* as finished by us, unchanged since."""
    entry = folder.entries.get(target.key)
    if entry is None or entry.state != "done":
        return False
    info = folder.lstat(target.folder, target.path.name)
    seen = None if info is None else (info.st_size, info.st_ino, info.st_mtime_ns)
    return seen == (entry.length, entry.inode, entry.mtime_ns)


def _is_present(folder: Folder, target: DownloadTarget) -> bool:
    """Whether *target* is ours and of the size the recording states now (no request made)."""
    entry = folder.entries.get(target.key)
    return entry is not None and entry.size == target.size and _is_ours(folder, target)


def already_present(
    recording: Recording, dest: Path, *, audio: bool = False, file_name: str | None = None
) -> bool:
    """Whether every file of *recording* is in *dest* as the SDK finished it (no request made).

    Raises:
        DownloadError: the recording has no file, or its folder cannot be read.
    """
    targets = plan_downloads(recording, dest, audio=audio, file_name=file_name)
    folder = Folder.open(
        dest, targets[0].path.relative_to(dest).parts[0], recording.id, create=False
    )
    if folder is None:
        return False
    try:
        folder.read_manifest()
        return all(_is_present(folder, target) for target in targets)
    finally:
        folder.close()


async def discard_partials(recording: Recording, dest: Path, *, audio: bool = False) -> None:
    """Remove the ``.part`` files of *recording* that the manifest shows as ours.

    For a caller that stops downloads for good (the CLI after a fatal disk error).
    """
    targets = plan_downloads(recording, dest, audio=audio)
    folder = Folder.open(
        dest, targets[0].path.relative_to(dest).parts[0], recording.id, create=False
    )
    if folder is None:
        return
    try:
        await folder.lock()
        folder.read_manifest()
        for target in targets:
            entry = folder.entries.get(target.key)
            if entry is not None and entry.state == "part":
                folder.remove(target.folder, target.part)
                folder.save(target.key, None)
    finally:
        folder.close()


async def download(
    recording: Recording,
    dest: Path,
    *,
    stream: Stream,
    refetch: Callable[[str], Awaitable[Recording]],
    headers: Mapping[str, str],
    file_name: str | None = None,
    audio: bool = False,
    resume: bool = True,
    progress: Progress | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> list[Path]:
    """Download every file of *recording*; see :meth:`RealtimeKitSession.download_recording`."""
    check_options(file_name, max_bytes, timeout)
    try:
        async with asyncio.timeout(timeout):
            expiry = recording.download_url_expiry
            if expiry is not None and now() >= expiry:
                recording = await refetch(recording.id)
            targets = plan_downloads(recording, dest, audio=audio, file_name=file_name)
            name = targets[0].path.relative_to(dest).parts[0]
            folder = Folder.open(dest, name, recording.id, create=True)
            assert folder is not None  # created when missing
            try:
                await folder.lock()
                folder.read_manifest()
                job = _Job(
                    folder, recording, dest, stream, refetch, headers,
                    file_name, audio, resume, progress, max_bytes,
                )  # fmt: skip
                return [await job.fetch(target) for target in targets]
            finally:
                folder.close()
    except TimeoutError as exc:
        msg = f"downloading recording {recording.id} took longer than its timeout of {timeout} s"
        raise DownloadError(msg) from exc


@attrs.define
class _Job:
    """Downloads the files of one recording into its locked folder, one after another."""

    folder: Folder
    recording: Recording
    dest: Path
    stream: Stream
    refetch: Callable[[str], Awaitable[Recording]]
    headers: Mapping[str, str]
    file_name: str | None
    audio: bool
    resume: bool
    progress: Progress | None
    max_bytes: int

    async def fetch(self, target: DownloadTarget) -> Path:
        if _is_present(self.folder, target):
            length = self.folder.entries[target.key].length or 0
            if self.progress is not None:
                self.progress(length, length)
            return target.path
        if (
            self.folder.lstat(target.folder, target.path.name) is not None
            and not _is_ours(self.folder, target)  # ours but outdated: replaced once complete
        ):
            msg = (
                f"{target.path} exists but is not a file this SDK finished for recording "
                f"{self.recording.id}; move it away (or choose another dest) and download again"
            )
            raise DownloadError(msg)
        if not self.resume:
            self.discard(target)
        renewed, failures = False, 0
        while True:
            transfer = Transfer(self, target)
            try:
                await self.stream(target.url, transfer.request_headers(), transfer.sink)
            except (TransportError, RestartError):  # (a RestartError is a DownloadError)
                failures += 1
                if failures >= _ATTEMPTS:
                    raise
                continue  # resume from what the .part holds, if it is provably ours
            finally:
                transfer.close()
            if transfer.refused is None:
                return transfer.finish()
            if renewed:
                msg = (
                    f"storage refused {target.name} (HTTP {transfer.refused}) even with a fresh "
                    f"link ({location(target.url)})"
                )
                raise DownloadError(msg, status=transfer.refused)
            # An expired or revoked presigned link: the recording carries a fresh one.
            renewed = True
            fresh = await self.refetch(self.recording.id)
            plan = plan_downloads(fresh, self.dest, audio=self.audio, file_name=self.file_name)
            matches = [t for t in plan if t.name == target.name]
            if not matches:
                msg = f"{target.name} is no longer among the recording's files"
                raise DownloadError(msg)
            target = attrs.evolve(target, url=matches[0].url)

    def discard(self, target: DownloadTarget) -> None:
        self.folder.remove(target.folder, target.part)
        if target.key in self.folder.entries:
            self.folder.save(target.key, None)
