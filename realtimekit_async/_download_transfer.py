"""One request for one file of a download, and the ``.part`` it fills.

:class:`Transfer` decides from storage's answer whether the ``.part`` continues (206 at the
right offset, same ETag and total), starts over (200), is already complete (416 with the full
size) or cannot be trusted (restart), and writes the body while enforcing the size cap.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

import attrs

from ._download_files import Entry, Folder, local_error
from ._download_names import PART_SUFFIX
from ._errors import DownloadError

__all__ = ["DownloadTarget", "Job", "Progress", "RestartError", "Transfer", "location"]

#: Called as ``progress(bytes_done, bytes_total_or_None)`` as a file downloads.
Progress = Callable[[int, int | None], None]

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/(\d+)")
_REFUSED = frozenset({400, 401, 403})
# What storage sends for an error page: never a recording's bytes.
_ERROR_PAGE_TYPES = frozenset({"text/html", "application/json", "application/xml", "text/xml"})


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


class Job(Protocol):
    """What a transfer needs from the download it is part of."""

    folder: Folder
    headers: Mapping[str, str]
    progress: Progress | None
    max_bytes: int

    def discard(self, target: DownloadTarget) -> None:
        """Remove the target's ``.part`` and forget it in the manifest."""
        ...


class RestartError(DownloadError):
    """Storage's answer shows the ``.part`` is not a prefix of the stored object (discarded).

    The download starts again from zero; raised to the caller only when that was the last try.
    """


def _validator(entry: Entry) -> str | None:
    # If-Range needs a strong ETag; a weak one (W/...) falls back to Last-Modified.
    if entry.etag is not None and not entry.etag.startswith("W/"):
        return entry.etag
    return entry.last_modified


class Transfer:
    """One request for one file: opens the ``.part`` by what storage answers, then fills it."""

    def __init__(self, job: Job, target: DownloadTarget) -> None:
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
        self.job.discard(self.target)

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

    def _restart(self) -> RestartError:
        self.close()
        self.job.discard(self.target)
        msg = (
            f"storage changed {self.target.name} while it downloaded; the partial file was removed"
        )
        return RestartError(f"{msg} ({location(self.target.url)})")

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
            self.job.discard(self.target)
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
            self.job.discard(self.target)
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
            self.job.discard(target)
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
