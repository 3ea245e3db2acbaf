"""A recording's download folder on disk: opened without symlinks, locked, with our manifest.

Everything happens relative to file descriptors of folders opened with ``O_NOFOLLOW``, so a
symlink planted at the recording folder, a layer folder, a ``.part`` or the manifest can never
send a write outside ``dest``. The manifest (``.realtimekit-download.json``) is the SDK's own
record of what it wrote: which recording, which stored object (host and path, ETag,
Last-Modified) and, for finished files, their size, inode and modification time. Only it can
make a file count as "already present" or a ``.part`` as resumable.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import json
import os
import stat
from collections.abc import Generator
from pathlib import Path
from typing import Any

import attrs

from ._errors import DownloadError

__all__ = ["LOCK_NAME", "MANIFEST_NAME", "Entry", "Folder", "local_error"]

#: The lock file two downloads of one recording take turns on.
LOCK_NAME = ".realtimekit-download.lock"
#: The manifest of what the SDK wrote into a recording's folder.
MANIFEST_NAME = ".realtimekit-download.json"
_MANIFEST_FORMAT = 1
# A manifest larger than this is not one we wrote (even 10,000 track files stay far below).
_MAX_MANIFEST_BYTES = 32 << 20
_LOCK_POLL = 0.05
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC


def local_error(what: str, path: Path | str, exc: OSError) -> DownloadError:
    """A :class:`DownloadError` for a failed disk operation, carrying its ``errno``."""
    reason = exc.strerror or type(exc).__name__
    return DownloadError(f"could not {what} {path}: {reason}", errno=exc.errno)


@contextlib.contextmanager
def _disk(what: str, path: Path | str) -> Generator[None]:
    try:
        yield
    except OSError as exc:
        raise local_error(what, path, exc) from exc


@attrs.frozen
class Entry:
    """What the manifest says about one file (keyed by its path inside the recording folder)."""

    state: str  # "part" while downloading, "done" once renamed into place
    source: str  # host and path of the stored object
    size: int | None  # the size the recording stated, if it did
    etag: str | None = None
    last_modified: str | None = None
    length: int | None = None  # bytes of the finished file
    inode: int | None = None
    mtime_ns: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The entry as a JSON object."""
        return attrs.asdict(self)


_TEXT_FIELDS = ("etag", "last_modified")
_NUMBER_FIELDS = ("size", "length", "inode", "mtime_ns")


def _entry(value: object) -> Entry | None:
    """An :class:`Entry` from JSON, or ``None`` if it is not one we could have written."""
    if not isinstance(value, dict):
        return None
    fields: dict[str, Any] = value  # pyright: ignore[reportUnknownVariableType]
    if (
        set(fields) != {f.name for f in attrs.fields(Entry)}
        or fields["state"] not in {"part", "done"}
        or not isinstance(fields["source"], str)
        or not all(fields[k] is None or isinstance(fields[k], str) for k in _TEXT_FIELDS)
        or not all(fields[k] is None or type(fields[k]) is int for k in _NUMBER_FIELDS)
    ):
        return None
    return Entry(**fields)


class Folder:
    """One recording's folder under ``dest``, opened by descriptor and (once locked) ours."""

    def __init__(self, path: Path, fd: int, recording_id: str) -> None:
        self.path = path
        self.fd = fd
        self.recording_id = recording_id
        self.entries: dict[str, Entry] = {}
        self._subfolders: dict[str, int] = {}
        self._lock_fd: int | None = None

    @classmethod
    def open(cls, dest: Path, name: str, recording_id: str, *, create: bool) -> Folder | None:
        """Open ``dest/name`` (making both when *create*); ``None`` if it does not exist."""
        path = dest / name
        if create:
            with _disk("create the folder", dest):
                dest.mkdir(parents=True, exist_ok=True)
        try:
            dest_fd = os.open(dest, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as exc:
            if not create:
                return None  # nothing downloaded there yet (or not a folder: the download says)
            raise local_error("open the folder", dest, exc) from exc  # pragma: no cover - a race
        try:
            fd = _open_subfolder(dest_fd, name, path, create=create)
        finally:
            os.close(dest_fd)
        return None if fd is None else cls(path, fd, recording_id)

    def close(self) -> None:
        """Release the lock and every descriptor."""
        for fd in self._subfolders.values():
            os.close(fd)
        self._subfolders.clear()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None
        os.close(self.fd)

    async def lock(self) -> None:
        """Take the folder's lock, waiting while another download (task or process) holds it."""
        lock_path = self.path / LOCK_NAME
        with _disk("lock", lock_path):
            if _is_symlink(self.fd, LOCK_NAME):
                os.unlink(LOCK_NAME, dir_fd=self.fd)  # planted there: removed, never followed
            fd = os.open(LOCK_NAME, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o644, dir_fd=self.fd)
        self._lock_fd = fd
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                await asyncio.sleep(_LOCK_POLL)
            except OSError as exc:  # pragma: no cover - flock fails only on exotic filesystems
                raise local_error("lock", lock_path, exc) from exc
            else:
                return

    def subfolder(self, name: str) -> int:
        """The descriptor of a layer folder inside the recording folder ("" is the folder)."""
        if not name:
            return self.fd
        if name not in self._subfolders:
            fd = _open_subfolder(self.fd, name, self.path / name, create=True)
            assert fd is not None  # created when missing
            self._subfolders[name] = fd
        return self._subfolders[name]

    # --- the manifest ---------------------------------------------------------------------------

    def read_manifest(self) -> None:
        """Load our manifest; a missing, foreign, symlinked or damaged one counts as empty."""
        self.entries = {}
        raw = self._read_manifest_bytes()
        try:
            data = json.loads(raw) if raw else None
        except (ValueError, RecursionError):
            return
        if not isinstance(data, dict):
            return
        manifest: dict[str, Any] = data  # pyright: ignore[reportUnknownVariableType]
        files: object = manifest.get("files")
        if (
            manifest.get("format") != _MANIFEST_FORMAT
            or manifest.get("recording_id") != self.recording_id
            or not isinstance(files, dict)
        ):
            return
        listed: dict[object, object] = files  # pyright: ignore[reportUnknownVariableType]
        for key, value in listed.items():
            if isinstance(key, str) and (entry := _entry(value)) is not None:
                self.entries[key] = entry

    def _read_manifest_bytes(self) -> bytes:
        with _disk("read", self.path / MANIFEST_NAME):
            if _is_symlink(self.fd, MANIFEST_NAME):
                self._remove(self.fd, MANIFEST_NAME)  # planted there: removed, never followed
                return b""
            try:
                fd = os.open(MANIFEST_NAME, os.O_RDONLY | _NOFOLLOW, dir_fd=self.fd)
            except FileNotFoundError:
                return b""
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    return b""
                chunks: list[bytes] = []
                size = 0
                while chunk := os.read(fd, 1 << 20):
                    size += len(chunk)
                    if size > _MAX_MANIFEST_BYTES:
                        return b""
                    chunks.append(chunk)
                return b"".join(chunks)
            finally:
                os.close(fd)

    def save(self, key: str, entry: Entry | None) -> None:
        """Record *entry* for *key* (or forget it) and write the manifest atomically."""
        if entry is None:
            self.entries.pop(key, None)
        else:
            self.entries[key] = entry
        data = {
            "format": _MANIFEST_FORMAT,
            "recording_id": self.recording_id,
            "files": {k: e.to_json() for k, e in self.entries.items()},
        }
        body = json.dumps(data, indent=1, sort_keys=True).encode()
        temp = MANIFEST_NAME + ".tmp"
        with _disk("write", self.path / MANIFEST_NAME):
            self._remove(self.fd, temp)
            fd = os.open(
                temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=self.fd
            )
            try:
                view = memoryview(body)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, MANIFEST_NAME, src_dir_fd=self.fd, dst_dir_fd=self.fd)

    # --- files ----------------------------------------------------------------------------------

    def lstat(self, folder: str, name: str) -> os.stat_result | None:
        """The file at *name* (not following a symlink), or ``None`` if there is none."""
        dir_fd = self.subfolder(folder)
        with _disk("inspect", self.path / folder / name):
            try:
                return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                return None

    def _remove(self, dir_fd: int, name: str) -> None:
        """Remove a file or symlink (never what a symlink points to); a folder is an error."""
        try:
            os.unlink(name, dir_fd=dir_fd)
        except FileNotFoundError:
            pass
        except IsADirectoryError as exc:  # (other systems answer EPERM: mapped by the caller)
            msg = (
                f"{self.path / name} is a folder where the download needs a file; "
                "move it away or choose another dest"
            )
            raise DownloadError(msg, errno=exc.errno) from exc

    def remove(self, folder: str, name: str) -> None:
        """Remove our file *name* (or a symlink there) from *folder*."""
        with _disk("remove", self.path / folder / name):
            self._remove(self.subfolder(folder), name)

    def open_existing(self, folder: str, name: str) -> tuple[int, int] | None:
        """Open a ``.part`` to continue it: ``(fd, size)``, or ``None`` (a symlink is removed)."""
        dir_fd = self.subfolder(folder)
        try:
            # O_NONBLOCK: a FIFO planted there must not block the open.
            fd = os.open(name, os.O_RDWR | os.O_NONBLOCK | _NOFOLLOW, dir_fd=dir_fd)
        except FileNotFoundError:
            return None
        except OSError:  # a symlink (ELOOP), a folder (EISDIR)...: not a .part we can continue
            fd = -1
        if fd >= 0 and stat.S_ISREG(os.fstat(fd).st_mode):
            return fd, os.lseek(fd, 0, os.SEEK_END)  # writes continue at the end
        with contextlib.suppress(OSError):
            os.close(fd)  # (a FIFO or device); -1 raises EBADF, ignored
        self.remove(folder, name)  # a folder raises DownloadError
        return None

    def create(self, folder: str, name: str) -> int:
        """A new, empty file *name* in *folder*, created exclusively (whatever was there goes)."""
        dir_fd = self.subfolder(folder)
        with _disk("create", self.path / folder / name):
            self._remove(dir_fd, name)
            return os.open(
                name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=dir_fd
            )

    def publish(self, folder: str, part: str, name: str, fd: int) -> os.stat_result:
        """Make the finished *part* durable and rename it to *name* atomically; its stat."""
        dir_fd = self.subfolder(folder)
        with _disk("save", self.path / folder / name):
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(part, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            os.fsync(dir_fd)
            return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)


def _is_symlink(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except FileNotFoundError:
        return False


def _open_subfolder(parent_fd: int, name: str, path: Path, *, create: bool) -> int | None:
    with _disk("create the folder", path):
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o755, dir_fd=parent_fd)
        try:
            return os.open(name, _DIR_FLAGS, dir_fd=parent_fd)
        except FileNotFoundError:
            if create:  # pragma: no cover - removed between mkdir and open
                raise
            return None
        except OSError as exc:
            in_the_way = exc.errno in {errno.ELOOP, errno.ENOTDIR}
            reason = (
                "is a file or a symlink, not a folder the download can use; "
                "move it away or choose another dest"
                if in_the_way
                else f"could not be opened: {exc.strerror}"
            )
            raise DownloadError(f"{path} {reason}", errno=exc.errno) from exc
