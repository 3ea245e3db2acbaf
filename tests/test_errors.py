import datetime as dt

from realtimekit_async import (
    APIError,
    ConnectError,
    RateLimitedError,
    RealtimeKitError,
    Recording,
    RecordingFailedError,
    ResponseParseError,
)


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
