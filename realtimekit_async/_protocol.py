"""The Recordings API as pure functions: build requests, read responses. No I/O here.

Building checks every argument before anything is sent and percent-encodes each path segment
itself (yarl would split ``"a/b"`` into two segments and drop ``".."``). Reading turns a status,
headers and body bytes into a model or raises the matching :class:`RealtimeKitError`; whatever the
bytes, nothing else escapes.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import math
import re
import sys
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast

import attrs

from . import _json
from ._timestamps import format_datetime
from ._version import __version__

if TYPE_CHECKING:
    import cattrs
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
from ._models import (
    Paging,
    Recording,
    RecordingAction,
    RecordingPage,
    RecordingStatus,
    SortOrder,
    TrackLayer,
)


@functools.cache
def converter() -> cattrs.Converter:
    """The converter, built on first use: loading cattrs and generating hooks can wait."""
    from ._converter import make_converter  # noqa: PLC0415

    return make_converter()


#: What the fast converter raises on a body of the wrong shape.
_STRUCTURE_ERRORS = (TypeError, ValueError, KeyError, AttributeError)


@functools.cache
def _detailed_converter() -> cattrs.Converter:
    from ._converter import make_converter  # noqa: PLC0415

    return make_converter(detailed=True)


T = TypeVar("T")


class Operation(enum.Enum):
    """The six calls; what a retry may do after a failure depends on which one it is."""

    LIST = "list recordings"
    START = "start recording"
    GET_ACTIVE = "get active recording"
    GET = "get recording"
    UPDATE = "update recording"
    START_TRACK = "start track recording"


@attrs.frozen
class Request:
    """One HTTP request, ready to send: path segments are already encoded."""

    operation: Operation
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    def url(self, base_url: str) -> str:
        """The full, encoded URL of this request under the API root *base_url*."""
        if not self.query:
            return base_url + self.path
        query = urllib.parse.urlencode(self.query, quote_via=urllib.parse.quote)
        return f"{base_url}{self.path}?{query}"


USER_AGENT: Final = (
    f"realtimekit-async/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]}"
)


def api_headers(api_token: str) -> dict[str, str]:
    """The headers of every API request: the token, JSON both ways, and who we are."""
    return {
        "Authorization": f"Bearer {api_token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }


# --- arguments --------------------------------------------------------------------------------

_FORBIDDEN_IN_ID = re.compile(r"[/\\?#%\s\x00-\x1f\x7f]")
MAX_ID_LENGTH: Final = 256


def check_id(name: str, value: object) -> str:
    """Return *value* if it is usable as one URL path segment, else raise ``ValueError``."""
    if not isinstance(value, str):
        msg = f"{name} must be a string, got {type(value).__name__}"
        raise TypeError(msg)
    if not value or value.strip(".") == "":
        msg = f"{name} must be a non-empty id, got {value!r}"
        raise ValueError(msg)
    if len(value) > MAX_ID_LENGTH or _FORBIDDEN_IN_ID.search(value):
        msg = (
            f"{name} {value[:80]!r} is not a valid id: ids may not contain '/', '\\', '?', '#',"
            f" '%', whitespace or control characters, nor exceed {MAX_ID_LENGTH} characters"
        )
        raise ValueError(msg)
    return value


def encode_segment(value: str) -> str:
    """Percent-encode *value* as exactly one path segment."""
    return urllib.parse.quote(value, safe="")


def app_prefix(account_id: str, app_id: str) -> str:
    """The path prefix shared by all six calls, after the API root."""
    account = encode_segment(check_id("account_id", account_id))
    app = encode_segment(check_id("app_id", app_id))
    return f"/accounts/{account}/realtime/kit/{app}/recordings"


def _int_arg(name: str, value: object, *, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{name} must be an int, got {value!r}"
        raise TypeError(msg)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        msg = f"{name} must be {bound}, got {value}"
        raise ValueError(msg)
    return value


def _enum_arg(name: str, value: object, kind: type[enum.StrEnum]) -> str:
    try:
        return kind(str(value)).value
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        msg = f"{name} must be one of {allowed}; got {value!r}"
        raise ValueError(msg) from None


def _time_arg(name: str, value: object) -> str:
    if not isinstance(value, dt.datetime):
        msg = f"{name} must be a datetime, got {type(value).__name__}"
        raise TypeError(msg)
    return format_datetime(value)


def _option(name: str, value: object) -> Any:
    """A request option given as an attrs object or a plain mapping, as JSON-ready data."""
    if attrs.has(type(value)):
        return converter().unstructure(value)
    if isinstance(value, Mapping):
        return dict(cast("Mapping[str, Any]", value))
    msg = f"{name} must be an options object or a dict, got {type(value).__name__}"
    raise TypeError(msg)


@attrs.frozen
class ListFilters:
    """The list endpoint's filters, checked and encoded once for every page of a scan."""

    query: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(
        cls,
        *,
        meeting_id: str | None = None,
        status: RecordingStatus | str | Iterable[RecordingStatus | str] | None = None,
        search: str | None = None,
        expired: bool | None = None,
        sort_by: str | None = None,
        sort_order: SortOrder | str | None = None,
        start_time: dt.datetime | None = None,
        end_time: dt.datetime | None = None,
    ) -> ListFilters:
        """Check the filters and encode them as query pairs."""
        query: list[tuple[str, str]] = []
        if meeting_id is not None:
            query.append(("meeting_id", check_id("meeting_id", meeting_id)))
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            if not statuses:
                msg = "status must name at least one status (or be None for all)"
                raise ValueError(msg)
            # explode:false in the spec: one comma-joined value (API-NOTES Q4).
            joined = ",".join(_enum_arg("status", s, RecordingStatus) for s in statuses)
            query.append(("status", joined))
        if search is not None:
            query.append(("search", str(search)))
        if expired is not None:
            query.append(("expired", "true" if expired else "false"))
        if sort_by is not None:
            if sort_by != "invokedTime":
                msg = f"sort_by must be 'invokedTime' (the only documented key), got {sort_by!r}"
                raise ValueError(msg)
            query.append(("sort_by", sort_by))
        if sort_order is not None:
            query.append(("sort_order", _enum_arg("sort_order", sort_order, SortOrder)))
        start = None if start_time is None else _time_arg("start_time", start_time)
        end = None if end_time is None else _time_arg("end_time", end_time)
        # Both are UTC in one fixed format, so the strings compare like the moments.
        if start is not None and end is not None and start > end:
            msg = f"start_time {start} is after end_time {end}"
            raise ValueError(msg)
        query.extend(
            (name, value) for name, value in (("start_time", start), ("end_time", end)) if value
        )
        return cls(tuple(query))


# --- requests ---------------------------------------------------------------------------------


def check_per_page(per_page: object) -> int:
    """Return *per_page* if it is a usable page size, else raise."""
    return _int_arg("per_page", per_page, low=1)


def list_request(prefix: str, filters: ListFilters, page_no: int, per_page: int) -> Request:
    """``GET …/recordings?page_no=…&per_page=…`` with the filters."""
    query = (
        ("page_no", str(_int_arg("page_no", page_no, low=1))),
        ("per_page", str(check_per_page(per_page))),
        *filters.query,
    )
    return Request(Operation.LIST, "GET", prefix, query)


def start_request(prefix: str, meeting_id: str, options: Mapping[str, object]) -> Request:
    """``POST …/recordings`` for *meeting_id*; unset (``None``) options are not sent."""
    body: dict[str, Any] = {"meeting_id": check_id("meeting_id", meeting_id)}
    for name, value in options.items():
        if value is None:
            continue
        if name == "max_seconds":
            body[name] = _int_arg(name, value, low=60, high=86_400)
        elif name == "allow_multiple_recordings":
            body[name] = bool(value)
        elif name in {"file_name_prefix", "url"}:
            body[name] = str(value)
        else:
            body[name] = _option(name, value)
    return Request(Operation.START, "POST", prefix, body=_json.dumps(body))


def active_recording_request(prefix: str, meeting_id: str) -> Request:
    """``GET …/recordings/active-recording/{meeting_id}``."""
    segment = encode_segment(check_id("meeting_id", meeting_id))
    return Request(Operation.GET_ACTIVE, "GET", f"{prefix}/active-recording/{segment}")


def get_request(prefix: str, recording_id: str) -> Request:
    """``GET …/recordings/{recording_id}``."""
    segment = encode_segment(check_id("recording_id", recording_id))
    return Request(Operation.GET, "GET", f"{prefix}/{segment}")


def update_request(prefix: str, recording_id: str, action: RecordingAction | str) -> Request:
    """``PUT …/recordings/{recording_id}`` with ``{"action": …}``."""
    segment = encode_segment(check_id("recording_id", recording_id))
    body = _json.dumps({"action": _enum_arg("action", action, RecordingAction)})
    return Request(Operation.UPDATE, "PUT", f"{prefix}/{segment}", body=body)


MAX_TRACK_USER_IDS: Final = 100


def track_request(
    prefix: str,
    meeting_id: str,
    layers: Mapping[str, TrackLayer | Mapping[str, Any]] | None,
    user_ids: Iterable[str] | None,
) -> Request:
    """``POST …/recordings/track``."""
    body: dict[str, Any] = {"meeting_id": check_id("meeting_id", meeting_id)}
    if layers is not None:
        body["layers"] = {str(name): _option("layer", layer) for name, layer in layers.items()}
    if user_ids is not None:
        ids = [
            check_id("user_ids[]", u)
            for u in ([user_ids] if isinstance(user_ids, str) else user_ids)
        ]
        if len(ids) > MAX_TRACK_USER_IDS:
            msg = f"user_ids may name at most {MAX_TRACK_USER_IDS} users, got {len(ids)}"
            raise ValueError(msg)
        body["user_ids"] = ids
    return Request(Operation.START_TRACK, "POST", f"{prefix}/track", body=_json.dumps(body))


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
    try:
        return converter().structure(value, cls)
    except _STRUCTURE_ERRORS:
        pass
    # Only now pay for a converter that records where the problem is.
    from cattrs import BaseValidationError  # noqa: PLC0415 - only on this rare path

    from ._converter import field_path_of  # noqa: PLC0415

    try:
        _detailed_converter().structure(value, cls)
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
