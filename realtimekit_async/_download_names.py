"""File names for downloads: any server-chosen name reduced to one safe path component.

The server picks ``output_file_name``, track file names, layer names and recording ids; none of
them may steer a write outside the recording's folder or make the OS raise. The rules are
deterministic, so the same recording always maps to the same path (which resuming relies on).
"""

from __future__ import annotations

import hashlib
import unicodedata

__all__ = ["MAX_NAME_BYTES", "PART_SUFFIX", "check_file_name", "dedupe", "safe_component"]

#: Suffix of a file being downloaded.
PART_SUFFIX = ".part"
#: Longest name kept, in UTF-8 bytes: 255 (the usual limit) minus room for ``.part`` and a
#: ``~N`` de-duplication suffix.
MAX_NAME_BYTES = 240
# Kept whole when a long name is shortened, so the file still opens with the right program.
_MAX_SUFFIX_BYTES = 16


def _safe_char(char: str) -> str:
    # Control characters (NUL, newlines, C1), lone surrogates and path separators cannot be
    # (or should not be) part of one file name on any system.
    if char in "/\\" or unicodedata.category(char) in {"Cc", "Cs"}:
        return "_"
    return char


def _truncate(name: str) -> str:
    raw = name.encode()
    if len(raw) <= MAX_NAME_BYTES:
        return name
    # Two long names sharing their first 200 bytes must still differ: a digest of the whole.
    digest = "~" + hashlib.sha256(raw).hexdigest()[:12]
    stem, dot, suffix = name.rpartition(".")
    ext = f".{suffix}" if dot and stem and len(suffix.encode()) < _MAX_SUFFIX_BYTES else ""
    stem = name[: len(name) - len(ext)]
    room = MAX_NAME_BYTES - len(digest.encode()) - len(ext.encode())
    cut = stem.encode()[:room].decode(errors="ignore")  # never half a character
    return f"{cut}{digest}{ext}"


def safe_component(name: str, fallback: str) -> str:
    """*name* as one harmless path component (never empty, hidden, ``.``/``..`` or too long).

    Separators, control characters and lone surrogates become ``_``; surrounding whitespace
    goes; a leading ``.`` becomes ``_`` (so no name can be ``..``, hide itself, or clash with
    the SDK's own ``.realtimekit-*`` files); a name ending in ``.part`` gets a trailing ``_`` (so
    it never clashes with another file's partial download); a name over
    :data:`MAX_NAME_BYTES` UTF-8 bytes is cut, keeping its extension and adding a digest of the
    whole name. An empty result is replaced by *fallback* (itself made safe).
    """
    cleaned = "".join(_safe_char(c) for c in name).strip()
    if not cleaned:
        return safe_component(fallback, "file") if fallback else "file"
    if cleaned.startswith("."):
        cleaned = "_" + cleaned[1:]
    if cleaned.endswith(PART_SUFFIX):
        cleaned += "_"
    return _truncate(cleaned)


def dedupe(name: str, taken: set[str]) -> str:
    """*name*, or ``stem~2.ext``, ``stem~3.ext``... if a file in the same folder has it already."""
    candidate, number = name, 1
    stem, dot, suffix = name.rpartition(".")
    if not (dot and stem):
        stem, suffix = name, ""
    while candidate in taken:
        number += 1
        candidate = f"{stem}~{number}{'.' + suffix if suffix else ''}"
    taken.add(candidate)
    return candidate


def check_file_name(file_name: object) -> str:
    """A caller's ``file_name=`` argument, if it is already a safe name.

    Raises:
        TypeError: not a string.
        ValueError: it is not one plain file name (it has a separator, a control character, a
            leading dot, a ``.part`` ending, or is too long).
    """
    if not isinstance(file_name, str):
        msg = f"file_name must be a str, got {type(file_name).__name__}"
        raise TypeError(msg)
    if not file_name or safe_component(file_name, "") != file_name:
        msg = (
            f"file_name must be one plain file name (no '/', '\\', control characters, leading "
            f"'.', '.part' ending, or more than {MAX_NAME_BYTES} bytes), got {file_name!r}"
        )
        raise ValueError(msg)
    return file_name
