"""Every exception the SDK raises, under one base class.

The tree::

    RealtimeKitError
    ├── APIError                     the server answered, and not with success
    │   ├── BadRequestError          400, 422
    │   ├── AuthenticationError      401
    │   ├── PermissionDeniedError    403
    │   ├── NotFoundError            404
    │   │   └── NoActiveRecordingError   404 from get_active_recording
    │   ├── ConflictError            409 (e.g. already recording, already stopped)
    │   ├── RateLimitedError         429, or a Retry-After longer than the deadline allows
    │   └── ServerError              5xx
    ├── TransportError               no usable answer arrived
    │   ├── ConnectError             the request never left (safe to send again)
    │   └── RequestTimeoutError      the call's deadline or a socket timeout ran out
    ├── OutcomeUnknownError          a write may or may not have happened (cause attached)
    ├── ResponseParseError           the body is not the documented shape
    │   └── ResponseTooLargeError    the body is larger than ``max_response_size``
    ├── DownloadError                a recording's file could not be downloaded
    ├── RecordingFailedError         a recording waited for ended ERRORED (or can no longer
    │                                reach the status waited for)
    ├── WaitTimeoutError             wait_for_status ran out of time: the recording is stuck,
    │                                not the network
    └── SessionClosedError           the session was used after ``aclose()``

``ValueError`` (not a RealtimeKitError) is raised for invalid arguments before any I/O.
aiohttp and asyncio exceptions never escape: they are mapped here and chained with ``from``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import TYPE_CHECKING

from ._redaction import scrub

if TYPE_CHECKING:
    from ._models import Recording

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ConnectError",
    "DownloadError",
    "NoActiveRecordingError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitedError",
    "RealtimeKitError",
    "RecordingFailedError",
    "RequestTimeoutError",
    "ResponseParseError",
    "ResponseTooLargeError",
    "ServerError",
    "SessionClosedError",
    "TransportError",
    "WaitTimeoutError",
    "request_context",
]


class RealtimeKitError(Exception):
    """Base class of every error this SDK raises.

    Attributes:
        method: HTTP method of the request that failed, when there was one.
        path: URL path of that request (never the query string or host credentials).
        page_no: the page being fetched when a listing failed; records of earlier pages that
            were already yielded stay valid.
    """

    method: str | None
    path: str | None
    page_no: int | None

    def __init__(self, message: str, *, method: str | None = None, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.page_no = None

    def _where(self) -> str:
        parts = [f"{self.method} {self.path}" if self.method else ""]
        if self.page_no is not None:
            parts.append(f"page {self.page_no}")
        return ", ".join(p for p in parts if p)

    def __str__(self) -> str:
        where = self._where()
        return f"{self.message} [{where}]" if where else self.message


class APIError(RealtimeKitError):
    """The server answered with an error status or ``"success": false``.

    Attributes:
        status: HTTP status of the response (200 for ``success: false`` on a 200).
        code: the error code from the body (RealtimeKit's ``error.code`` or Cloudflare's
            ``errors[0].code``), or ``None`` when the body had none.
        message: the server's message, or a description of the body when it had none.
        cf_ray: the ``cf-ray`` header, to quote to Cloudflare support.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: int | None = None,
        cf_ray: str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status = status
        self.code = code
        self.cf_ray = cf_ray

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code is not None and self.code != self.status else ""
        where = [self._where()]
        if self.cf_ray:
            where.append(f"cf-ray {self.cf_ray}")
        detail = ", ".join(w for w in where if w)
        return f"HTTP {self.status}{code}: {self.message}" + (f" [{detail}]" if detail else "")


class BadRequestError(APIError):
    """The request was rejected as invalid (400 or 422)."""


class AuthenticationError(APIError):
    """The API token is missing, wrong or expired (401)."""


class PermissionDeniedError(APIError):
    """The token lacks the Realtime / Realtime Admin permission (403)."""


class NotFoundError(APIError):
    """The account, app, meeting or recording does not exist (404)."""


class NoActiveRecordingError(NotFoundError):
    """The meeting has no recording in progress (404 from ``get_active_recording``)."""


class ConflictError(APIError):
    """The recording is not in a state that allows the request (409)."""


class RateLimitedError(APIError):
    """Too many requests (429).

    Attributes:
        retry_after: seconds the server asked us to wait, when it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: object):
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(APIError):
    """The server failed (5xx)."""


class TransportError(RealtimeKitError):
    """No usable response arrived (connection failed, reset, timed out or was cut short)."""


class ConnectError(TransportError):
    """The connection could not be made: the request was never sent."""


class RequestTimeoutError(TransportError):
    """The call ran out of time (its deadline, or a connect/read timeout)."""


class OutcomeUnknownError(RealtimeKitError):
    """A write may have taken effect on the server, and retrying could do it twice.

    Raised instead of re-sending a non-idempotent request (such as a track recording start)
    after an ambiguous failure: a timeout, a reset or a 5xx answer. Not a :class:`TransportError`,
    since a server may well have answered; the failure that made the outcome unknown is its
    ``__cause__``. Check the server's state before trying again.
    """


class ResponseParseError(RealtimeKitError):
    """The response body is not the documented shape.

    Attributes:
        status: HTTP status of the response.
        field_path: where in the JSON the first problem was found (``$.data[3].status``).
        incomplete: the body is JSON that ends too early, as when an answer is cut short inside
            a well-framed HTTP message; reads are sent again when this happens, like after a
            connection reset.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        field_path: str | None = None,
        incomplete: bool = False,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, method=method, path=path)
        self.status = status
        self.field_path = field_path
        self.incomplete = incomplete


class ResponseTooLargeError(ResponseParseError):
    """The response body is larger than the session's ``max_response_size``.

    Reading stops as soon as the limit is passed, counting both the bytes received and the
    bytes they decompress to, so a huge or endless body (or a small "gzip bomb") costs no more
    memory than the limit. The connection is closed, not reused.

    Attributes:
        limit: the limit in bytes that was passed.
    """

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        status: int | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, status=status, method=method, path=path)
        self.limit = limit


class DownloadError(RealtimeKitError):
    """A recording's file could not be downloaded or saved.

    Raised when the recording is not uploaded yet or has no such file, storage refused the link
    even after renewal, answered with an error page, a wrong range or size, more bytes than
    allowed, redirected in a loop, when the download ran past its ``timeout``, or when the file
    could not be written (a disk error, or a file of ours in the way). Its text names the
    storage host and path, never a presigned URL's query string.

    Attributes:
        status: the storage server's HTTP status, when it answered.
        errno: the operating system's error number when writing to disk failed (for instance
            ``errno.ENOSPC``), else ``None``. The ``OSError`` is chained as ``__cause__``.
    """

    def __init__(
        self, message: str, *, status: int | None = None, errno: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errno = errno


class RecordingFailedError(RealtimeKitError):
    """A recording that was waited for ended ``ERRORED``.

    Attributes:
        recording: the recording as last fetched.
    """

    def __init__(self, message: str, *, recording: Recording) -> None:
        super().__init__(message)
        self.recording = recording


class WaitTimeoutError(RealtimeKitError):
    """:meth:`~RealtimeKitSession.wait_for_status` ran out of time before the status came.

    Not a :class:`TransportError`: the polls may all have succeeded while the recording stayed
    where it was.

    Attributes:
        recording: the recording as last fetched, or ``None`` when no poll answered.
    """

    def __init__(self, message: str, *, recording: Recording | None) -> None:
        super().__init__(message)
        self.recording = recording


class SessionClosedError(RealtimeKitError):
    """The session was used after it was closed."""


@contextlib.contextmanager
def request_context(
    *,
    method: str | None = None,
    path: str | None = None,
    page_no: int | None = None,
    secrets: tuple[str, ...] = (),
) -> Generator[None]:
    """Attach where a :class:`RealtimeKitError` happened, and scrub *secrets* from its message.

    The one place errors get their context: the engine names the request (the same path in every
    error of a call, whatever layer raised it), the pager adds the page, and a server that echoes
    the token in a message is stopped here.
    """
    try:
        yield
    except RealtimeKitError as exc:
        if method is not None:
            exc.method, exc.path = method, path
        if page_no is not None:
            exc.page_no = page_no
        if secrets:
            exc.message = scrub(exc.message, secrets)
            exc.args = (exc.message,)
        raise
