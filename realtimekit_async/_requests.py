"""The Recordings API's requests as pure values: every argument checked, every segment encoded.

Building checks every argument before anything is sent and percent-encodes each path segment
itself (yarl would split ``"a/b"`` into two segments and drop ``".."``). No I/O here.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import sys
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any, Final, cast

import attrs

from . import _json
from ._models import RecordingAction, RecordingStatus, SortOrder, TrackLayer
from ._timestamps import format_datetime
from ._version import __version__


class Operation(enum.Enum):
    """Every call; what a retry may do after a failure depends on which one it is."""

    LIST = "list recordings"
    START = "start recording"
    GET_ACTIVE = "get active recording"
    GET = "get recording"
    UPDATE = "update recording"
    START_TRACK = "start track recording"
    CREATE_WEBHOOK = "create webhook"
    LIST_WEBHOOKS = "list webhooks"
    GET_WEBHOOK = "get webhook"
    UPDATE_WEBHOOK = "update webhook"
    REPLACE_WEBHOOK = "replace webhook"
    DELETE_WEBHOOK = "delete webhook"
    LIST_WEBHOOK_EVENTS = "list webhook events"


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
        from ._converter import converter  # noqa: PLC0415 - cattrs loads on first use

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
