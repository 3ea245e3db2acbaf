import datetime as dt
import json
import urllib.parse
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import (
    APIError,
    AudioConfig,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NoActiveRecordingError,
    NotFoundError,
    Paging,
    PermissionDeniedError,
    RateLimitedError,
    RealtimeKitError,
    RecordingAction,
    RecordingStatus,
    ResponseParseError,
    ServerError,
    StorageConfig,
    TrackLayer,
)
from realtimekit_async import _protocol as proto

from .conftest import sample
from .strategies import any_ids

PREFIX = proto.app_prefix("acc", "app")
NOW = dt.datetime(2026, 8, 14, 12, 0, tzinfo=dt.UTC)


def respond(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> proto.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return proto.Response(status, headers or {}, raw)


def body_of(request: proto.Request) -> Any:
    assert request.body is not None
    return json.loads(request.body)


# --- ids and paths ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["", ".", "..", "...", "a/b", "a\\b", "a?b", "a#b", "%2e", " a", "a\nb", "x" * 257]
)
def test_invalid_ids_raise_before_io(bad: str) -> None:
    """Ids that are empty, dots, or would change the URL path are refused."""
    with pytest.raises(ValueError, match="recording_id"):
        proto.get_request(PREFIX, bad)


def test_non_string_id_is_a_type_error() -> None:
    """An id of the wrong type says so."""
    with pytest.raises(TypeError, match="meeting_id must be a string"):
        proto.active_recording_request(PREFIX, 123)  # type: ignore[arg-type]


@given(any_ids)
def test_any_id_is_one_segment_or_refused(value: str) -> None:
    """Whatever the string, the path gains exactly one segment that decodes back to it."""
    try:
        request = proto.get_request(PREFIX, value)
    except ValueError:
        return
    assert request.path.startswith(PREFIX + "/")
    segment = request.path.removeprefix(PREFIX + "/")
    assert "/" not in segment
    assert urllib.parse.unquote(segment) == value


def test_prefix_encodes_account_and_app() -> None:
    """The account and app ids are checked and encoded like any other segment."""
    assert (
        proto.app_prefix("a b".replace(" ", "é"), "app")
        == "/accounts/a%C3%A9b/realtime/kit/app/recordings"
    )
    with pytest.raises(ValueError, match="app_id"):
        proto.app_prefix("acc", "..")


# --- building requests ------------------------------------------------------------------------


def test_list_request_query() -> None:
    """Filters are encoded once: statuses comma-joined, booleans and datetimes as the API wants."""
    filters = proto.ListFilters.build(
        meeting_id="m1",
        status=[RecordingStatus.UPLOADED, "ERRORED"],
        search="stand up",
        expired=False,
        sort_by="invokedTime",
        sort_order="ASC",
        start_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        end_time=dt.datetime(2026, 2, 1),
    )
    request = proto.list_request(PREFIX, filters, 2, 50)
    assert request.method == "GET"
    assert request.query == (
        ("page_no", "2"),
        ("per_page", "50"),
        ("meeting_id", "m1"),
        ("status", "UPLOADED,ERRORED"),
        ("search", "stand up"),
        ("expired", "false"),
        ("sort_by", "invokedTime"),
        ("sort_order", "ASC"),
        ("start_time", "2026-01-01T00:00:00.000Z"),
        ("end_time", "2026-02-01T00:00:00.000Z"),
    )
    assert request.url("https://h/v4") == (
        "https://h/v4" + PREFIX + "?page_no=2&per_page=50&meeting_id=m1&status=UPLOADED%2CERRORED"
        "&search=stand%20up&expired=false&sort_by=invokedTime&sort_order=ASC"
        "&start_time=2026-01-01T00%3A00%3A00.000Z&end_time=2026-02-01T00%3A00%3A00.000Z"
    )
    single = proto.ListFilters.build(status="RECORDING", expired=True)
    assert single.query == (("status", "RECORDING"), ("expired", "true"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": []}, "at least one status"),
        ({"status": ["DONE"]}, "status must be one of"),
        ({"sort_by": "size"}, "invokedTime"),
        ({"sort_order": "UP"}, "sort_order must be one of"),
        (
            {"start_time": dt.datetime(2026, 2, 1), "end_time": dt.datetime(2026, 1, 1)},
            "after end_time",
        ),
        ({"meeting_id": ""}, "meeting_id"),
    ],
)
def test_bad_filters_raise(kwargs: dict[str, Any], message: str) -> None:
    """Each bad filter names itself."""
    with pytest.raises(ValueError, match=message):
        proto.ListFilters.build(**kwargs)


def test_bad_time_type_and_page_numbers() -> None:
    """Times must be datetimes; page numbers and sizes positive ints."""
    with pytest.raises(TypeError, match="start_time must be a datetime"):
        proto.ListFilters.build(start_time="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="page_no must be at least 1"):
        proto.list_request(PREFIX, proto.ListFilters(), 0, 10)
    with pytest.raises(TypeError, match="per_page must be an int"):
        proto.check_per_page(2.0)
    with pytest.raises(TypeError, match="per_page must be an int"):
        proto.check_per_page(True)


def test_start_request_body() -> None:
    """Options objects and plain dicts both become JSON; unset options are not sent."""
    request = proto.start_request(
        PREFIX,
        "m1",
        {
            "max_seconds": 600,
            "allow_multiple_recordings": False,
            "file_name_prefix": "standup",
            "audio_config": AudioConfig(codec="MP3"),
            "video_config": {"codec": "VP8"},
            "storage_config": StorageConfig(type="aws", access_key="AK", secret="S", bucket="b"),
            "url": "https://example.com/view",
            "rtmp_out_config": None,
        },
    )
    assert (request.method, request.path, request.operation) == (
        "POST",
        PREFIX,
        proto.Operation.START,
    )
    assert body_of(request) == {
        "meeting_id": "m1",
        "max_seconds": 600,
        "allow_multiple_recordings": False,
        "file_name_prefix": "standup",
        "audio_config": {"codec": "MP3"},
        "video_config": {"codec": "VP8"},
        "storage_config": {"type": "aws", "access_key": "AK", "secret": "S", "bucket": "b"},
        "url": "https://example.com/view",
    }


@pytest.mark.parametrize("seconds", [59, 86_401])
def test_start_request_checks_max_seconds(seconds: int) -> None:
    """max_seconds outside 60..86400 is refused."""
    with pytest.raises(ValueError, match="between 60 and 86400"):
        proto.start_request(PREFIX, "m1", {"max_seconds": seconds})


def test_start_request_rejects_odd_options() -> None:
    """An option that is neither an options object nor a mapping is refused."""
    with pytest.raises(TypeError, match="audio_config must be an options object or a dict"):
        proto.start_request(PREFIX, "m1", {"audio_config": "MP3"})


def test_update_and_track_requests() -> None:
    """PUT carries the action; track carries layers and user ids."""
    put = proto.update_request(PREFIX, "r-é", RecordingAction.STOP)
    assert (put.method, put.path, body_of(put)) == ("PUT", PREFIX + "/r-%C3%A9", {"action": "stop"})
    assert body_of(proto.update_request(PREFIX, "r", "pause")) == {"action": "pause"}
    with pytest.raises(ValueError, match="action must be one of pause, resume, stop"):
        proto.update_request(PREFIX, "r", "rewind")
    track = proto.track_request(
        PREFIX,
        "m",
        {"default": TrackLayer(file_name_prefix="p"), "raw": {"media_kind": "audio"}},
        ["u1", "u2"],
    )
    assert track.path == PREFIX + "/track"
    assert body_of(track) == {
        "meeting_id": "m",
        "layers": {
            "default": {"file_name_prefix": "p"},
            "raw": {"media_kind": "audio"},
        },
        "user_ids": ["u1", "u2"],
    }
    assert body_of(proto.track_request(PREFIX, "m", None, "solo")) == {
        "meeting_id": "m",
        "user_ids": ["solo"],
    }
    with pytest.raises(ValueError, match="at most 100"):
        proto.track_request(PREFIX, "m", None, [f"u{i}" for i in range(101)])


# --- reading responses ------------------------------------------------------------------------


def test_read_samples() -> None:
    """Every example body reads into the documented models."""
    get = proto.get_request(PREFIX, "r")
    recording = proto.read_recording(get, respond(sample("get-recording-with-reasons.json")), NOW)
    assert recording.id == "0b6f3c52-8e1d-4a47-9c2e-5d7a1f0e9b34"
    track = proto.track_request(PREFIX, "m", None, None)
    started = proto.read_recording(
        track, respond(sample("start-track-recording-response.json")), NOW
    )
    assert started.status is RecordingStatus.INVOKED
    # The pre-2026-06 server answered the recording as data itself.
    legacy = proto.read_recording(track, respond(sample("active-recording.json")), NOW)
    assert legacy.status is RecordingStatus.RECORDING
    page = proto.read_page(
        proto.list_request(PREFIX, proto.ListFilters(), 2, 2),
        respond(sample("list-recordings-page.json")),
        NOW,
    )
    assert [r.status for r in page.items] == [RecordingStatus.UPLOADED, RecordingStatus.ERRORED]
    assert page.paging == Paging(total_count=5, start_offset=3, end_offset=4)
    assert page.items[0].meeting is not None
    assert page.items[0].meeting.title == "Daily standup"


def test_active_recording_404_is_no_active_recording() -> None:
    """The documented 404 of active-recording raises NoActiveRecordingError with its message."""
    request = proto.active_recording_request(PREFIX, "m")
    response = respond(sample("error-active-recording-not-found.json"), 404, {"cf-ray": "8f-SJC"})
    with pytest.raises(NoActiveRecordingError) as caught:
        proto.read_recording(request, response, NOW)
    error = caught.value
    assert (error.status, error.code, error.cf_ray, error.method) == (404, 404, "8f-SJC", "GET")
    assert error.path == PREFIX + "/active-recording/m"
    assert str(error) == (
        f"HTTP 404: No active recording found for meeting c0d2a7e5-48b1-4f6c-9d3e-7a2b5c8f0e19 [GET {PREFIX}/active-recording/m, cf-ray 8f-SJC]"
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, BadRequestError),
        (429, RateLimitedError),
        (500, ServerError),
        (503, ServerError),
        (418, APIError),
    ],
)
def test_status_maps_to_exception(status: int, cls: type[APIError]) -> None:
    """Each status raises its class, from either envelope."""
    request = proto.get_request(PREFIX, "r")
    for body in (
        {"success": False, "error": {"code": status, "message": "m"}},
        {
            "success": False,
            "errors": [{"code": 10000, "message": "m"}],
            "messages": [],
            "result": None,
        },
    ):
        with pytest.raises(cls) as caught:
            proto.read_recording(request, respond(body, status), NOW)
        assert type(caught.value) is cls
        assert caught.value.message == "m"


def test_cloudflare_envelope_code_is_kept() -> None:
    """Cloudflare's errors[] code (>= 1000) is reported next to the status."""
    request = proto.get_request(PREFIX, "r")
    body = {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]}
    with pytest.raises(AuthenticationError) as caught:
        proto.read_recording(request, respond(body, 401), NOW)
    assert caught.value.code == 10000
    assert str(caught.value).startswith("HTTP 401 (code 10000): Authentication error [GET ")


def test_success_false_on_200_raises() -> None:
    """success:false raises whatever the status, mapped by the error code when it is a status."""
    request = proto.get_request(PREFIX, "r")
    with pytest.raises(ServerError) as caught:
        proto.read_recording(
            request, respond({"success": False, "error": {"code": 500, "message": "x"}}), NOW
        )
    assert caught.value.status == 200
    with pytest.raises(APIError, match="reported failure without a message") as plain:
        proto.read_recording(request, respond({"success": False}), NOW)
    assert type(plain.value) is APIError


def test_html_error_page_is_summarised() -> None:
    """An HTML 502 page becomes a one-line message from its title."""
    request = proto.get_request(PREFIX, "r")
    html = b"<html><head><title>502 Bad\n Gateway</title></head><body><h1>cloudflare</h1></body></html>"
    with pytest.raises(ServerError, match="HTTP 502: 502 Bad Gateway"):
        proto.read_recording(request, respond(html, 502), NOW)
    with pytest.raises(ServerError, match="HTTP 500: oops"):
        proto.read_recording(request, respond(b"<p>oops</p>", 500), NOW)
    with pytest.raises(ServerError, match="empty body"):
        proto.read_recording(request, respond(b"", 500), NOW)


def test_rate_limit_retry_after() -> None:
    """429 carries Retry-After in seconds, from a number or an HTTP date."""
    request = proto.get_request(PREFIX, "r")
    body = {"success": False, "errors": [{"code": 971, "message": "slow down"}]}
    with pytest.raises(RateLimitedError) as caught:
        proto.read_recording(request, respond(body, 429, {"retry-after": "120"}), NOW)
    assert caught.value.retry_after == 120.0
    assert proto.parse_retry_after("Fri, 14 Aug 2026 12:00:30 GMT", NOW) == 30.0
    assert proto.parse_retry_after("Fri, 14 Aug 2026 11:00:00 GMT", NOW) == 0.0
    assert proto.parse_retry_after("soon", NOW) is None
    assert proto.parse_retry_after("nan", NOW) is None
    assert proto.parse_retry_after(None, NOW) is None
    assert proto.parse_retry_after("Fri, 14 Aug 2026 12:00:30", NOW) == 30.0


@pytest.mark.parametrize(
    ("body", "field_path"),
    [
        ({"success": True}, "$.data"),
        ({"success": True, "data": []}, "$.data"),
        ({"success": True, "data": {"id": "x"}}, "$.data.status"),
        ({"success": True, "data": {"recording": {"id": 1}}}, "$.data.recording.id"),
    ],
)
def test_wrong_shape_names_the_field(body: dict[str, Any], field_path: str) -> None:
    """A success body of the wrong shape raises ResponseParseError with the JSON path."""
    request = proto.track_request(PREFIX, "m", None, None)
    with pytest.raises(ResponseParseError) as caught:
        proto.read_recording(request, respond(body), NOW)
    assert caught.value.field_path == field_path
    assert field_path in str(caught.value)


def test_page_shape_errors() -> None:
    """Broken list items and paging are located precisely."""
    request = proto.list_request(PREFIX, proto.ListFilters(), 1, 10)
    good = sample("list-recordings-page.json")
    bad_item = json.loads(json.dumps(good))
    bad_item["data"][1]["status"] = None
    with pytest.raises(ResponseParseError) as caught:
        proto.read_page(request, respond(bad_item), NOW)
    assert caught.value.field_path == "$.data[1].status"
    with pytest.raises(ResponseParseError) as no_paging:
        proto.read_page(request, respond({**good, "paging": None}), NOW)
    assert no_paging.value.field_path == "$.paging"
    with pytest.raises(ResponseParseError, match="not JSON"):
        proto.read_page(request, respond(b"{trunc"), NOW)
    with pytest.raises(ResponseParseError, match="not a JSON object"):
        proto.read_page(request, respond(b"[1]"), NOW)


@given(
    status=st.integers(100, 599),
    body=st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["success", "data", "error", "errors", "paging", "code", "message", "id"]
                ),
                inner,
                max_size=4,
            )
        ),
        max_leaves=12,
    ).map(lambda v: json.dumps(v).encode()),
    headers=st.dictionaries(
        st.sampled_from(["retry-after", "cf-ray", "ratelimit"]), st.text(max_size=30)
    ),
    operation=st.sampled_from(["list", "get", "active", "track"]),
)
def test_any_response_raises_only_our_errors(
    status: int, body: bytes, headers: dict[str, str], operation: str
) -> None:
    """Arbitrary bytes, statuses and headers give a model or a RealtimeKitError, nothing else."""
    response = proto.Response(status, headers, body)
    try:
        if operation == "list":
            proto.read_page(proto.list_request(PREFIX, proto.ListFilters(), 1, 5), response, NOW)
        elif operation == "get":
            proto.read_recording(proto.get_request(PREFIX, "r"), response, NOW)
        elif operation == "active":
            proto.read_recording(proto.active_recording_request(PREFIX, "m"), response, NOW)
        else:
            proto.read_recording(proto.track_request(PREFIX, "m", None, None), response, NOW)
    except RealtimeKitError as exc:
        assert str(exc)


# --- hostile answers ---------------------------------------------------------------------------


def _recording_body(**fields: object) -> dict[str, Any]:
    item: dict[str, Any] = dict(sample("list-recordings-page.json")["data"][0])
    item.update(fields)
    return {"success": True, "data": item}


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (
            b'{"success": true, "data": ' + b"[" * 1000 + b"]" * 1000 + b"}",
            "expected a JSON object",
        ),
        (_recording_body(invoked_time="9999-12-31T23:59:59-23:59"), "$.data.invoked_time"),
        (_recording_body(file_size=1e300), "$.data.file_size"),
        (_recording_body(file_size=-1e19), "$.data.file_size"),
        (_recording_body(recording_duration=float("inf")), "not JSON"),  # Infinity is not JSON
        (_recording_body(file_size=int("9" * 400)), "not JSON"),  # beyond what orjson reads
    ],
)
def test_hostile_recording_bodies_are_parse_errors(body: object, text: str) -> None:
    """Deep nesting, out-of-range dates and huge numbers raise ResponseParseError only."""
    request = proto.get_request(PREFIX, "r")
    with pytest.raises(ResponseParseError) as caught:
        proto.read_recording(request, respond(body), NOW)
    assert text in str(caught.value)
    assert not caught.value.incomplete


def test_hostile_paging_numbers_are_parse_errors() -> None:
    """A 400-digit or absurd total_count raises ResponseParseError, not OverflowError."""
    request = proto.list_request(PREFIX, proto.ListFilters(), 1, 10)
    for total in (b"1" * 400, b"1e300", b"-0.5"):
        raw = b'{"success":true,"data":[],"paging":{"total_count":%b,"start_offset":0,"end_offset":0}}'
        with pytest.raises(ResponseParseError):
            proto.read_page(request, respond(raw % total), NOW)


@pytest.mark.parametrize(
    ("body", "incomplete"),
    [
        (b'{"success": true, "data": {"id": "r', True),
        ('{"success": true, "data": {"title": "Café'.encode()[:-1], True),  # inside a character
        (b"", True),
        (b'{"success": true}}', False),
        (b"\xff\xfe{}", False),
        (b"<html>gateway</html>", False),
    ],
)
def test_cut_short_json_is_marked_incomplete(body: bytes, incomplete: bool) -> None:
    """A 200 whose JSON ends early is marked incomplete (retryable); other garbage is not."""
    with pytest.raises(ResponseParseError) as caught:
        proto.raise_for_error(proto.get_request(PREFIX, "r"), respond(body), NOW)
    assert caught.value.incomplete is incomplete


def test_json_decode_errors_cover_the_standard_library() -> None:
    """Without orjson, a deeply nested body is a RecursionError: it counts as undecodable too."""
    from realtimekit_async import _json

    with pytest.raises(_json.DecodeError):
        json.loads(b"[" * 100_000)


def test_redirect_status_is_an_api_error() -> None:
    """A 3xx with a success body is an APIError naming the target without its query."""
    response = respond(
        _recording_body(), 302, {"location": "https://h.example/a/b?sig=SECRET", "cf-ray": "r"}
    )
    with pytest.raises(APIError) as caught:
        proto.read_recording(proto.get_request(PREFIX, "r"), response, NOW)
    assert type(caught.value) is APIError
    assert caught.value.status == 302
    assert caught.value.cf_ray == "r"
    assert "to h.example/a/b," in str(caught.value)
    assert "SECRET" not in str(caught.value)


@pytest.mark.parametrize(
    "value",
    [
        "Fri, 01 Jan 99999999999 00:00:00 GMT",
        "Mon, 31 Dec 9999 23:59:59 -2359",
        "9" * 5000,
        "1e999",
        "-inf",
        "nan",
        "\x00",
    ],
)
def test_absurd_retry_after_is_ignored_or_clamped(value: str) -> None:
    """Retry-After values that do not fit a datetime or a float never raise."""
    seconds = proto.parse_retry_after(value, NOW)
    assert seconds is None or seconds >= 0
