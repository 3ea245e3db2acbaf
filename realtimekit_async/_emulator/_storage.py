"""The emulator's object storage: presigned links, deterministic file bytes, ETags, ranges.

A ``Range`` is honoured only while an ``If-Range`` (when sent) matches the file's ETag, as S3
does; otherwise the whole file is sent with 200.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from realtimekit_async._emulator._wire import Reply, format_time

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from realtimekit_async._emulator._records import Recording

PREFIX = "/_storage/"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_BLOCK = hashlib.sha512().digest_size


def _xml_error(
    status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Reply(status, body.encode(), "application/xml", headers)


class Storage:
    """Signs links to recording files and serves their bytes.

    Args:
        seed: Makes signatures and file contents reproducible.
    """

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._key = f"rtk-emulator-storage/{seed}".encode()

    def signature(self, rec: Recording, file_name: str) -> str:
        """The hex HMAC binding a link to the recording, the file and its expiry."""
        message = f"{rec.id}/{file_name}/{format_time(rec.download_url_expiry)}"
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def url(self, origin: str, rec: Recording, file_name: str) -> str:
        """The presigned download URL of one of a recording's files."""
        path = f"{PREFIX}{quote(rec.id, safe='')}/{quote(file_name, safe='')}"
        query = (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=604800"
            f"&X-Amz-Signature={self.signature(rec, file_name)}"
        )
        return f"{origin}{path}?{query}"

    def content(
        self, rec: Recording, file_name: str, start: int = 0, end: int | None = None
    ) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive) of a stored file.

        Content is a hash stream keyed by seed, recording and file, so any slice can be made
        without producing the whole file.

        Raises:
            KeyError: The recording has no such file.
        """
        size = rec.files[file_name]
        stop = size if end is None else min(end, size)
        first_block, last_block = start // _BLOCK, (stop + _BLOCK - 1) // _BLOCK
        stem = f"{self._seed}/{rec.id}/{file_name}/".encode()
        blob = b"".join(
            hashlib.sha512(stem + str(block).encode()).digest()
            for block in range(first_block, last_block)
        )
        offset = first_block * _BLOCK
        return blob[start - offset : stop - offset]

    def serve(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        recordings: Mapping[str, Recording],
        now: datetime,
    ) -> Reply:
        """Answer a request for ``/_storage/{recording_id}/{file_name}`` like S3 would."""
        if "authorization" in {name.lower() for name in headers}:
            # Presigned storage never takes API credentials; S3 refuses two auth mechanisms.
            return _xml_error(
                400,
                "InvalidArgument",
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                "Signature query string parameter or the Authorization header should be specified",
            )
        parts = path[len(PREFIX) :].split("/")
        rec = recordings.get(unquote(parts[0]))
        file_name = unquote(parts[1]) if len(parts) == 2 else ""
        if method not in {"GET", "HEAD"} or rec is None or file_name not in rec.files:
            return _xml_error(404, "NoSuchKey", "The specified key does not exist.")
        given = dict(query).get("X-Amz-Signature", "")
        if not hmac.compare_digest(given, self.signature(rec, file_name)):
            return _xml_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if rec.download_url_expiry is None or now > rec.download_url_expiry:
            return _xml_error(403, "AccessDenied", "Request has expired")
        lowered = {name.lower(): value for name, value in headers.items()}
        range_header = lowered.get("range")
        if_range = lowered.get("if-range")
        if if_range is not None and if_range != self.etag(rec, file_name):
            range_header = None  # RFC 9110 13.1.5: the object changed, send all of it
        return self._ranged(rec, file_name, range_header)

    def etag(self, rec: Recording, file_name: str) -> str:
        """The strong ETag of a stored file (it changes when its size does)."""
        key = f"{self._seed}/{rec.id}/{file_name}/{rec.files[file_name]}".encode()
        return f'"{hashlib.sha256(key).hexdigest()[:32]}"'

    def _ranged(self, rec: Recording, file_name: str, range_header: str | None) -> Reply:
        size = rec.files[file_name]
        headers: tuple[tuple[str, str], ...] = (
            ("Accept-Ranges", "bytes"),
            ("ETag", self.etag(rec, file_name)),
        )
        try:
            span = parse_range(range_header, size)
        except RangeNotSatisfiableError:
            headers += (("Content-Range", f"bytes */{size}"),)
            message = "The requested range is not satisfiable"
            return _xml_error(416, "InvalidRange", message, headers)
        if span is None:
            return Reply(200, self.content(rec, file_name), "application/octet-stream", headers)
        first, last = span
        headers += (("Content-Range", f"bytes {first}-{last}/{size}"),)
        body = self.content(rec, file_name, first, last + 1)
        return Reply(206, body, "application/octet-stream", headers)


class RangeNotSatisfiableError(ValueError):
    """The requested range lies outside the file (HTTP 416)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """Interpret a single-range ``Range`` header against a file of ``size`` bytes.

    Returns:
        ``(first, last)`` inclusive, or None to serve the whole file (no header, or one this
        server ignores, as RFC 9110 allows: malformed or multi-range).

    Raises:
        RangeNotSatisfiableError: The range starts past the end of the file.
    """
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None:
        return None
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            return None
        # Suffix range: the last N bytes.
        length = int(last_text)
        if length == 0 or size == 0:
            raise RangeNotSatisfiableError(header)
        return max(size - length, 0), size - 1
    first = int(first_text)
    if last_text and int(last_text) < first:
        return None
    if first >= size:
        raise RangeNotSatisfiableError(header)
    last = int(last_text) if last_text else size - 1
    return first, min(last, size - 1)
