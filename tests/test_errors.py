import datetime as dt

import pytest

from realtimekit_async import (
    APIError,
    ConnectError,
    RateLimitedError,
    RealtimeKitError,
    Recording,
    RecordingFailedError,
    ResponseParseError,
)
from realtimekit_async._errors import request_context


def test_messages_are_one_readable_line() -> None:
    """str() names what failed, where, and the cf-ray, on one line."""
    plain = RealtimeKitError("boom")
    assert str(plain) == "boom"
    connect = ConnectError("could not connect", method="GET", path="/p")
    connect.page_no = 3
    assert str(connect) == "could not connect [GET /p, page 3]"
    api = APIError("bad", status=400, code=1005, cf_ray="ray-1", method="POST", path="/r")
    assert str(api) == "HTTP 400 (code 1005): bad [POST /r, cf-ray ray-1]"
    assert str(APIError("bad", status=500)) == "HTTP 500: bad"
    assert "\n" not in str(api)


def test_rate_limited_and_parse_errors_carry_details() -> None:
    """Attributes a caller acts on are kept."""
    limited = RateLimitedError("slow", status=429, retry_after=12.0)
    assert limited.retry_after == 12.0
    parse = ResponseParseError("shape", status=200, field_path="$.data.id")
    assert (parse.status, parse.field_path) == (200, "$.data.id")


def test_recording_failed_carries_recording() -> None:
    """The failed recording is attached."""
    recording = Recording(
        id="r",
        status="ERRORED",
        invoked_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        output_file_name="f",
    )
    error = RecordingFailedError("failed", recording=recording)
    assert error.recording is recording


def test_request_context_attaches_where_and_scrubs() -> None:
    """One context manager names the request and page and masks secrets, then re-raises."""
    with (
        pytest.raises(ConnectError) as caught,
        request_context(page_no=4),
        request_context(method="GET", path="/r", secrets=("SENTINEL-tok",)),
    ):
        raise ConnectError("refused for SENTINEL-tok", method="GET", path="/client/v4/r")
    assert str(caught.value) == "refused for *** [GET /r, page 4]"
    assert caught.value.args == ("refused for ***",)


def test_request_context_leaves_other_exceptions_alone() -> None:
    """Only our errors are touched; anything else passes through unchanged."""
    with pytest.raises(KeyError), request_context(method="GET", path="/r"):
        raise KeyError("x")
