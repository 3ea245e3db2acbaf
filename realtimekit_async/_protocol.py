"""The Recordings API as pure functions: read each answer into a model or our exception.

Reading turns a status, headers and body bytes into a model or raises the matching
:class:`RealtimeKitError`; whatever the bytes, nothing else escapes. The requests themselves are
built in :mod:`._requests` (re-exported here, so that callers see one protocol module).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final, TypeVar, cast

import attrs

from . import _json
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NoActiveRecordingError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseParseError,
    ServerError,
)
from ._models import Paging, Recording, RecordingPage
from ._requests import (
    MAX_ID_LENGTH,
    MAX_TRACK_USER_IDS,
    USER_AGENT,
    ListFilters,
    Operation,
    Request,
    active_recording_request,
    api_headers,
    app_prefix,
    check_id,
    check_per_page,
    encode_segment,
    get_request,
    list_request,
    start_request,
    track_request,
    update_request,
)

__all__ = [
    "MAX_ID_LENGTH",
    "MAX_TRACK_USER_IDS",
    "USER_AGENT",
    "ListFilters",
    "Operation",
    "Request",
    "Response",
    "active_recording_request",
    "api_headers",
    "app_prefix",
    "check_id",
    "check_per_page",
    "encode_segment",
    "get_request",
    "list_request",
    "parse_retry_after",
    "raise_for_error",
    "read_page",
    "read_recording",
    "start_request",
    "track_request",
    "update_request",
]

T = TypeVar("T")

#: What the fast converter raises on a body of the wrong shape.
_STRUCTURE_ERRORS = (TypeError, ValueError, KeyError, AttributeError)


# --- responses --------------------------------------------------------------------------------

_STATUS_ERRORS: Final[dict[int, type[APIError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitedError,
}


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), if usable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            # Imported here: HTTP dates are rare, and email.utils costs 7 ms at import.
            from email.utils import parsedate_to_datetime  # noqa: PLC0415

            when = parsedate_to_datetime(value)
        # OverflowError: a year such as 99999999999 does not fit a datetime.
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _error_details(payload: dict[str, Any] | None) -> tuple[int | None, str | None]:
    """Code and message from either error envelope, if the body has one."""
    if payload is None:
        return None, None
    errors: Any = payload.get("errors")
    error: Any = payload.get("error")
    if not isinstance(error, dict) and isinstance(errors, list) and errors:
        error = errors[0]  # pyright: ignore[reportUnknownVariableType]
    if not isinstance(error, dict):
        return None, None
    details = cast("dict[str, Any]", error)
    code, message = details.get("code"), details.get("message")
    return (
        code if isinstance(code, int) and not isinstance(code, bool) else None,
        message if isinstance(message, str) else None,
    )


def _body_excerpt(body: bytes) -> str:
    """A short, single-line description of a body that is not JSON (an HTML error page, say)."""
    text = body[:2000].decode("utf-8", "replace")
    title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
    snippet = title.group(1) if title else re.sub(r"<[^>]*>", " ", text)
    snippet = " ".join(snippet.split())[:160]
    return snippet or "empty body"


_NOT_JSON: Final = object()


def _redirect_target(location: str | None) -> str:
    """Where a redirect points, as host and path only: a query string may hold a secret."""
    if not location:
        return "no Location"
    try:
        parts = urllib.parse.urlsplit(location.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return "an unparsable Location"
    target = f"{parts.hostname or ''}{parts.path}" or "an empty Location"
    return " ".join(target.split())[:200]


def _redirect_error(request: Request, response: Response) -> APIError:
    """A 3xx is never a success: the API does not redirect, so its body is not the answer."""
    msg = (
        f"the server answered with a redirect (HTTP {response.status}) to "
        f"{_redirect_target(response.headers.get('location'))}, which the API never does; "
        "check base_url"
    )
    return APIError(
        msg,
        status=response.status,
        cf_ray=response.headers.get("cf-ray"),
        method=request.method,
        path=request.path,
    )


def _decode(body: bytes) -> tuple[Any, bool]:
    """The decoded body (or ``_NOT_JSON``), and whether it is JSON that stops too early."""
    try:
        return _json.loads(body), False
    except _json.DecodeError as exc:
        return _NOT_JSON, _ends_early(body, exc)


def _ends_early(body: bytes, exc: Exception) -> bool:
    """Whether a body that failed to decode is JSON cut short rather than something else."""
    try:
        text = body.decode()
    except UnicodeDecodeError as bad:  # cut inside a multi-byte character, or not UTF-8 at all
        return bad.end == len(body) and bad.reason == "unexpected end of data"
    # Both decoders report a truncated document at its end (in characters); an HTML page, a
    # stray byte or a too-deep nesting fails earlier.
    position = getattr(exc, "pos", None)
    return isinstance(position, int) and position >= len(text.rstrip())


@attrs.frozen
class Response:
    """What came back for one request, as the transport read it."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def raise_for_error(request: Request, response: Response, now: dt.datetime) -> dict[str, Any]:
    """Decode the body and raise for any non-success; return the decoded JSON on success."""
    if 300 <= response.status < 400:
        raise _redirect_error(request, response)
    decoded, incomplete = _decode(response.body)
    payload = cast("dict[str, Any]", decoded) if isinstance(decoded, dict) else None
    if payload is not None and response.status < 400 and payload.get("success") is True:
        return payload
    if response.status < 400 and payload is None:
        what = "not JSON" if decoded is _NOT_JSON else "not a JSON object"
        if incomplete:
            what = "JSON that ends too early (cut short?)"
        msg = f"response body is {what}: {_body_excerpt(response.body)}"
        raise ResponseParseError(
            msg,
            status=response.status,
            incomplete=incomplete,
            method=request.method,
            path=request.path,
        )
    code, message = _error_details(payload)
    # success:false on a 200 carries the real status in error.code when it looks like one.
    status = response.status
    if status < 400 and code is not None and 400 <= code < 600:
        status = code
    cls = _STATUS_ERRORS.get(status, ServerError if status >= 500 else APIError)
    if cls is NotFoundError and request.operation is Operation.GET_ACTIVE:
        cls = NoActiveRecordingError
    if message is None:
        message = (
            "the server reported failure without a message"
            if payload is not None
            else _body_excerpt(response.body)
        )
    common: dict[str, Any] = {
        "status": response.status,
        "code": code,
        "cf_ray": response.headers.get("cf-ray"),
        "method": request.method,
        "path": request.path,
    }
    if cls is RateLimitedError:
        retry_after = parse_retry_after(response.headers.get("retry-after"), now)
        raise RateLimitedError(message, retry_after=retry_after, **common)
    raise cls(message, **common)


def _structure(request: Request, response: Response, value: object, cls: type[T], path: str) -> T:
    """Structure *value* as *cls*, or raise ResponseParseError naming the JSON path."""
    container, shape = (dict, "a JSON object") if attrs.has(cls) else (list, "a JSON array")
    if not isinstance(value, container):
        what = f"expected {shape}, got {type(value).__name__}"
        raise _shape_error(request, response, path, what)
    from ._converter import converter, detailed_converter  # noqa: PLC0415 - loads cattrs

    try:
        return converter().structure(value, cls)
    except _STRUCTURE_ERRORS:
        pass
    # Only now pay for a converter that records where the problem is.
    from cattrs import BaseValidationError  # noqa: PLC0415 - only on this rare path

    from ._converter import field_path_of  # noqa: PLC0415

    try:
        detailed_converter().structure(value, cls)
    except (BaseValidationError, *_STRUCTURE_ERRORS) as exc:
        where, what = field_path_of(exc)
        raise _shape_error(request, response, where.replace("$", path, 1), what) from exc
    raise AssertionError(
        "the detailed converter accepted what the fast one rejected"
    )  # pragma: no cover


def _shape_error(
    request: Request, response: Response, field_path: str, what: str
) -> ResponseParseError:
    return ResponseParseError(
        f"unexpected response shape at {field_path}: {what}",
        status=response.status,
        field_path=field_path,
        method=request.method,
        path=request.path,
    )


def read_recording(request: Request, response: Response, now: dt.datetime) -> Recording:
    """Read the response of any single-recording call into a :class:`Recording`."""
    data = raise_for_error(request, response, now).get("data")
    path = "$.data"
    if (
        request.operation is Operation.START_TRACK
        and isinstance(data, dict)
        and "recording" in data
    ):
        # Current track shape is data.recording; the pre-2026-06 server answered data itself (Q7).
        data = cast("dict[str, Any]", data)["recording"]
        path = "$.data.recording"
    return _structure(request, response, data, Recording, path)  # pyright: ignore[reportUnknownArgumentType]


def read_page(request: Request, response: Response, now: dt.datetime) -> RecordingPage:
    """Read a list response into a :class:`RecordingPage`."""
    payload = raise_for_error(request, response, now)
    items = _structure(request, response, payload.get("data"), tuple[Recording, ...], "$.data")
    paging = _structure(request, response, payload.get("paging"), Paging, "$.paging")
    return RecordingPage(items, paging)
