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
import math
import os
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import attrs

from ._download_files import Entry, Folder, local_error
from ._download_names import PART_SUFFIX, check_file_name, dedupe, safe_component
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
    "plan_downloads",
]

#: Called as ``progress(bytes_done, bytes_total_or_None)`` as a file downloads.
Progress = Callable[[int, int | None], None]
Sink = Callable[[int, Mapping[str, str]], Awaitable[Callable[[bytes], None] | None]]
Stream = Callable[[str, Mapping[str, str], Sink], Awaitable[int]]

#: The most bytes taken for a file whose size the recording does not state (16 GiB).
DEFAULT_MAX_BYTES = 16 << 30

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/(\d+)")
_REFUSED = frozenset({400, 401, 403})
# What storage sends for an error page: never a recording's bytes.
_ERROR_PAGE_TYPES = frozenset({"text/html", "application/json", "application/xml", "text/xml"})
_ATTEMPTS = 3


@attrs.frozen
class DownloadTarget:
    """One file of a recording and where it goes."""

    name: str  # the server's name for it (matched again after a link renewal)
    url: str
    path: Path
    size: int | None
    folder: str = ""  # the layer folder inside the recording's folder, if any

    @property
    def key(self) -> str:
        """The file's path inside the recording's folder (its manifest key)."""
        return f"{self.folder}/{self.path.name}" if self.folder else self.path.name

    @property
    def part(self) -> str:
        """The name of its partial file."""
        return self.path.name + PART_SUFFIX


def location(url: str) -> str:
    """``host/path`` of a storage URL: names the file without its signature."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:  # a port that is not a number
        return "storage"
    return f"{host}{port}{parts.path}"


def check_options(file_name: object, max_bytes: object, timeout: object) -> None:
    """Reject bad ``download_recording`` arguments before any I/O.

    Raises:
        TypeError, ValueError: which argument is wrong and why.
    """
    if file_name is not None:
        check_file_name(file_name)
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
        msg = f"max_bytes must be an int, got {type(max_bytes).__name__}"
        raise TypeError(msg)
    if max_bytes < 1:
        msg = f"max_bytes must be at least 1, got {max_bytes}"
        raise ValueError(msg)
    if timeout is not None and (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        msg = f"timeout must be a finite number of seconds above 0, got {timeout!r}"
        raise ValueError(msg)


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
                job = _Job(folder, recording, dest, stream, refetch, headers)
                job.audio, job.file_name, job.resume = audio, file_name, resume
                job.progress, job.max_bytes = progress, max_bytes
                return [await job.fetch(target) for target in targets]
            finally:
                folder.close()
    except TimeoutError as exc:
        msg = f"downloading recording {recording.id} took longer than its timeout of {timeout} s"
        raise DownloadError(msg) from exc


class _RestartError(Exception):
    """Storage's answer shows the ``.part`` is not a prefix of the stored object."""


class _Job:
    """Downloads the files of one recording into its locked folder, one after another."""

    def __init__(
        self,
        folder: Folder,
        recording: Recording,
        dest: Path,
        stream: Stream,
        refetch: Callable[[str], Awaitable[Recording]],
        headers: Mapping[str, str],
    ) -> None:
        self.folder, self.recording, self.dest = folder, recording, dest
        self.stream, self.refetch, self.headers = stream, refetch, headers
        self.audio, self.resume = False, True
        self.file_name: str | None = None
        self.progress: Progress | None = None
        self.max_bytes = DEFAULT_MAX_BYTES

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
            self._discard(target)
        renewed, failures = False, 0
        while True:
            transfer = _Transfer(self, target)
            try:
                await self.stream(target.url, transfer.request_headers(), transfer.sink)
            except (TransportError, _RestartError):
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

    def _discard(self, target: DownloadTarget) -> None:
        self.folder.remove(target.folder, target.part)
        if target.key in self.folder.entries:
            self.folder.save(target.key, None)


def _validator(entry: Entry) -> str | None:
    # If-Range needs a strong ETag; a weak one (W/...) falls back to Last-Modified.
    if entry.etag is not None and not entry.etag.startswith("W/"):
        return entry.etag
    return entry.last_modified


class _Transfer:
    """One request for one file: opens the ``.part`` by what storage answers, then fills it."""

    def __init__(self, job: _Job, target: DownloadTarget) -> None:
        self.job, self.target, self.folder = job, target, job.folder
        self.fd: int | None = None
        self.offset = 0
        self.done = 0
        self.total = target.size
        self.refused: int | None = None
        self.if_range: str | None = None
        self.entry: Entry | None = None
        self._open_resumable()

    def _open_resumable(self) -> None:
        entry = self.folder.entries.get(self.target.key)
        if (
            entry is not None
            and entry.state == "part"
            and entry.source == location(self.target.url)
            and entry.size == self.target.size
            and (validator := _validator(entry)) is not None
            and (opened := self.folder.open_existing(self.target.folder, self.target.part))
        ):
            self.fd, self.offset = opened
            if self.offset > 0 and (self.total is None or self.offset <= self.total):
                self.entry, self.if_range = entry, validator
                return
            self.close()
        self.offset = 0
        self.job._discard(self.target)  # pyright: ignore[reportPrivateUsage]

    def request_headers(self) -> dict[str, str]:
        if self.if_range is None:
            return dict(self.job.headers)
        return {
            **self.job.headers,
            "Range": f"bytes={self.offset}-",
            "If-Range": self.if_range,
        }

    def _error(self, text: str, status: int | None = None) -> DownloadError:
        return DownloadError(f"{text} ({location(self.target.url)})", status=status)

    async def sink(self, status: int, headers: Mapping[str, str]) -> Callable[[bytes], None] | None:
        if status in _REFUSED:
            self.refused = status
            return None
        if status == 416 and self.offset and self.entry is not None:
            match = _UNSATISFIED_RANGE.fullmatch(headers.get("content-range", ""))
            if match is not None and int(match.group(1)) == self.offset == (
                self.total or self.offset
            ):
                self.total = self.done = self.offset
                return None  # the .part is already complete
            raise self._restart()
        if status not in {200, 206}:
            raise self._error(f"storage answered HTTP {status} for {self.target.name}", status)
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type in _ERROR_PAGE_TYPES:
            msg = f"storage answered {media_type} for {self.target.name}, not the media file"
            raise self._error(msg, status)
        if status == 206:
            return self._continue(headers)
        return self._start(headers)

    def _restart(self) -> _RestartError:
        self.close()
        self.job._discard(self.target)  # pyright: ignore[reportPrivateUsage]
        return _RestartError()

    def _continue(self, headers: Mapping[str, str]) -> Callable[[bytes], None]:
        match = _CONTENT_RANGE.fullmatch(headers.get("content-range", ""))
        if self.entry is None or match is None or int(match.group(1)) != self.offset:
            raise self._error(f"storage answered an unexpected range for {self.target.name}", 206)
        etag = headers.get("etag")
        if etag is not None and self.entry.etag is not None and etag != self.entry.etag:
            raise self._restart()  # storage ignored If-Range: the object changed
        stated = None if match.group(3) == "*" else int(match.group(3))
        if stated is not None:
            if self.total is not None and stated != self.total:
                raise self._restart()
            self.total = stated
        self.done = self.offset
        self._report()
        return self._write

    def _start(self, headers: Mapping[str, str]) -> Callable[[bytes], None]:
        length_text = headers.get("content-length", "")
        length = int(length_text) if length_text.isdigit() and len(length_text) < 20 else None
        if length is not None:
            if self.target.size is not None and length != self.target.size:
                msg = (
                    f"storage announced {length} bytes for {self.target.name} but the recording "
                    f"states {self.target.size}"
                )
                raise self._error(msg, 200)
            self._check_cap(length)
            self.total = length
        self.close()
        self.fd = self.folder.create(self.target.folder, self.target.part)
        self.entry = Entry(
            state="part",
            source=location(self.target.url),
            size=self.target.size,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
        )
        self.folder.save(self.target.key, self.entry)  # so a crash leaves a resumable .part
        self.done = 0
        self._report()
        return self._write

    def _limit(self) -> int:
        return self.target.size if self.target.size is not None else self.job.max_bytes

    def _check_cap(self, size: int) -> None:
        if size > self._limit():
            self.close()
            self.job._discard(self.target)  # pyright: ignore[reportPrivateUsage]
            what = "the recording states" if self.target.size is not None else "max_bytes allows"
            msg = (
                f"storage sent more than the {self._limit()} bytes {what} for "
                f"{self.target.name}; the partial file was removed"
            )
            raise self._error(msg)

    def _write(self, chunk: bytes) -> None:
        assert self.fd is not None
        self._check_cap(self.done + len(chunk))
        try:
            view = memoryview(chunk)
            while view:
                view = view[os.write(self.fd, view) :]
        except OSError as exc:
            path = self.target.path.with_name(self.target.part)
            self.close()
            self.job._discard(self.target)  # pyright: ignore[reportPrivateUsage]
            raise local_error("write", path, exc) from exc
        self.done += len(chunk)
        self._report()

    def _report(self) -> None:
        if self.job.progress is not None:
            self.job.progress(self.done, self.total)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def finish(self) -> Path:
        target = self.target
        if target.size is not None and self.done != target.size:
            self.job._discard(target)  # pyright: ignore[reportPrivateUsage]
            msg = (
                f"{target.name}: downloaded {self.done} bytes but the recording states "
                f"{target.size}; the partial file was removed"
            )
            raise self._error(msg)
        fd = self.folder.open_existing(target.folder, target.part)
        if fd is None:  # pragma: no cover - removed under our lock by someone else
            raise self._error(f"the partial file of {target.name} vanished")
        info = self.folder.publish(target.folder, target.part, target.path.name, fd[0])
        assert self.entry is not None
        done = attrs.evolve(
            self.entry,
            state="done",
            length=info.st_size,
            inode=info.st_ino,
            mtime_ns=info.st_mtime_ns,
        )
        self.folder.save(target.key, done)
        return target.path
