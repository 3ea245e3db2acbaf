"""Downloading a recording's files to disk: resumable, size-checked, never with our token.

Each file streams into ``<name>.part`` one chunk at a time and is renamed only once complete
(and, when the recording states its ``file_size``, only if the sizes match), so a crash never
leaves a file that looks finished. A partial ``.part`` is continued with a ``Range`` request. An
expired presigned link (past ``download_url_expiry``, or refused by storage with 400/403) is
replaced by fetching the recording again. Storage hosts get no ``Authorization`` header: the
presigned URL is the credential.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import IO

import attrs

from ._errors import DownloadError, TransportError
from ._models import Recording, RecordingStatus

__all__ = ["DownloadTarget", "Progress", "download", "plan_downloads"]

#: Called as ``progress(bytes_done, bytes_total_or_None)`` as a file downloads.
Progress = Callable[[int, int | None], None]
Sink = Callable[[int, Mapping[str, str]], Awaitable[Callable[[bytes], None] | None]]
Stream = Callable[[str, Mapping[str, str], Sink], Awaitable[int]]

_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")
_REFUSED = frozenset({400, 401, 403})
_TRANSIENT_ATTEMPTS = 3


@attrs.frozen
class DownloadTarget:
    """One file of a recording and where it goes."""

    name: str
    url: str
    path: Path
    size: int | None


def _safe_name(name: str, recording_id: str) -> str:
    """A server-supplied file name reduced to one harmless path component."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if base in {"", ".", ".."}:
        return recording_id
    return base


def plan_downloads(
    recording: Recording, dest: Path, *, audio: bool = False
) -> list[DownloadTarget]:
    """The files to fetch for *recording* into *dest* (a directory, or a file path for one file)."""
    if recording.status != RecordingStatus.UPLOADED:
        msg = (
            f"recording {recording.id} is {recording.status}; only UPLOADED recordings have files "
            "(wait_for_status() waits for the upload)"
        )
        raise DownloadError(msg)
    if audio:
        if recording.audio_download_url is None:
            msg = f"recording {recording.id} has no audio file (audio export was off)"
            raise DownloadError(msg)
        url_name = urllib.parse.unquote(urllib.parse.urlsplit(recording.audio_download_url).path)
        name = _safe_name(url_name, recording.id)
        return [_single(dest, name, recording.audio_download_url, None)]
    if isinstance(recording.download_url, tuple):
        layers = recording.download_url
        return [
            DownloadTarget(
                name=f.file_name,
                url=f.download_url,
                # Several layers may name files alike: each gets its own folder then.
                path=dest
                / (_safe_name(layer.layer_name, "layer") if len(layers) > 1 else "")
                / _safe_name(f.file_name, recording.id),
                size=None,  # track recordings report file_size 0 for the whole set
            )
            for layer in layers
            for f in layer.download_urls
        ]
    if recording.download_url is None:
        msg = (
            f"recording {recording.id} has no download link "
            "(the RealtimeKit bucket is disabled, or files went to your own storage)"
        )
        raise DownloadError(msg)
    name = _safe_name(recording.output_file_name, recording.id)
    return [_single(dest, name, recording.download_url, recording.file_size or None)]


def _single(dest: Path, name: str, url: str, size: int | None) -> DownloadTarget:
    return DownloadTarget(name, url, dest / name if dest.is_dir() else dest, size)


class _PartFile:
    """The ``.part`` file a download writes into, opened by what the server answers."""

    def __init__(self, target: DownloadTarget, progress: Progress | None) -> None:
        self.target = target
        self.part = target.path.with_name(target.path.name + ".part")
        self.progress = progress
        self.file: IO[bytes] | None = None
        self.done = 0
        self.total: int | None = target.size
        self.refused: int | None = None

    def refusal(self) -> int | None:
        """The status with which storage refused the last request, if it did."""
        return self.refused

    def offset(self) -> int:
        return self.part.stat().st_size if self.part.exists() else 0

    async def sink(self, status: int, headers: Mapping[str, str]) -> Callable[[bytes], None] | None:
        offset = self.offset()
        if status == 206:
            match = _CONTENT_RANGE.match(headers.get("content-range", ""))
            if match is None or int(match.group(1)) != offset:
                msg = f"storage answered an unexpected range for {self.target.name}"
                raise DownloadError(msg, status=status)
            if match.group(2) != "*":
                self.total = int(match.group(2))
            return self._open("ab", offset)
        if status == 200:
            length = headers.get("content-length")
            if length is not None and length.isdigit():
                self.total = int(length)
            return self._open("wb", 0)
        if status == 416 and offset and offset == self.total:
            return None  # the .part is already complete
        if status in _REFUSED:
            self.refused = status
            return None
        msg = f"storage answered HTTP {status} for {self.target.name}"
        raise DownloadError(msg, status=status)

    def _open(self, mode: str, offset: int) -> Callable[[bytes], None]:
        self.target.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = self.part.open(mode)
        self.done = offset
        self.report()
        return self.write

    def write(self, chunk: bytes) -> None:
        assert self.file is not None
        self.file.write(chunk)
        self.done += len(chunk)
        self.report()

    def report(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def finish(self) -> Path:
        size = self.offset()
        if self.target.size is not None and size != self.target.size:
            self.part.unlink()
            msg = (
                f"{self.target.name}: downloaded {size} bytes but the recording states "
                f"{self.target.size}; the partial file was removed"
            )
            raise DownloadError(msg)
        os.replace(self.part, self.target.path)
        return self.target.path


async def download(
    recording: Recording,
    dest: Path,
    *,
    stream: Stream,
    refetch: Callable[[str], Awaitable[Recording]],
    headers: Mapping[str, str],
    audio: bool = False,
    resume: bool = True,
    progress: Progress | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> list[Path]:
    """Download every file of *recording*; see :meth:`RealtimeKitSession.download_recording`."""
    expiry = recording.download_url_expiry
    if expiry is not None and now() >= expiry:
        recording = await refetch(recording.id)
    written: list[Path] = []
    for target in plan_downloads(recording, dest, audio=audio):
        part = _PartFile(target, progress)
        if not resume and part.part.exists():
            part.part.unlink()
        written.append(await _fetch_one(part, recording, dest, stream, refetch, headers, audio))
    return written


async def _fetch_one(
    part: _PartFile,
    recording: Recording,
    dest: Path,
    stream: Stream,
    refetch: Callable[[str], Awaitable[Recording]],
    headers: Mapping[str, str],
    audio: bool,
) -> Path:
    target, renewed, failures = part.target, False, 0
    while True:
        offset = part.offset()
        request_headers = {**headers, **({"Range": f"bytes={offset}-"} if offset else {})}
        part.refused = None
        try:
            await stream(target.url, request_headers, part.sink)
        except TransportError:
            failures += 1
            if failures >= _TRANSIENT_ATTEMPTS:
                raise
            continue  # resume from what the .part holds
        finally:
            part.close()
        refused = part.refusal()
        if refused is None:
            return part.finish()
        if renewed:
            msg = f"storage refused {target.name} (HTTP {refused}) even with a fresh link"
            raise DownloadError(msg, status=refused)
        # An expired or revoked presigned link: the recording carries a fresh one.
        renewed = True
        fresh = await refetch(recording.id)
        matches = [t for t in plan_downloads(fresh, dest, audio=audio) if t.name == target.name]
        if not matches:
            msg = f"{target.name} is no longer among the recording's files"
            raise DownloadError(msg)
        part.target = target = attrs.evolve(target, url=matches[0].url)
