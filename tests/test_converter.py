# pyright: reportPrivateUsage=false
import datetime as dt
import functools
import re
from typing import Any, cast

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import (
    AudioConfig,
    Caller,
    CallerType,
    Meeting,
    Paging,
    Recording,
    RecordingStatus,
    StopReasonKind,
    StorageConfig,
    StorageType,
    VideoConfig,
    Watermark,
    WatermarkPosition,
)
from realtimekit_async._converter import make_converter
from realtimekit_async._timestamps import format_datetime, parse_datetime

from .conftest import sample
from .strategies import json_values, wire_recordings

converter = make_converter()


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        items = cast("dict[str, Any]", value).items()
        return {k: _without_nulls(v) for k, v in items if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value


@pytest.mark.parametrize(
    "name", ["get-recording-with-reasons.json", "get-track-recording-array-download-url.json"]
)
def test_samples_round_trip(name: str) -> None:
    """The spec's example bodies structure and unstructure back to the same JSON."""
    data = sample(name)["data"]
    recording = converter.structure(data, Recording)
    assert _without_nulls(converter.unstructure(recording)) == _without_nulls(data)


def test_sample_with_reasons_is_typed() -> None:
    """Enums, renamed fields, ints and aware datetimes come out as documented."""
    recording = converter.structure(sample("get-recording-with-reasons.json")["data"], Recording)
    assert recording.status is RecordingStatus.UPLOADED
    assert recording.file_size == 48213377
    assert recording.recording_duration == 1446
    assert recording.invoked_time == dt.datetime(2026, 8, 14, 9, 6, 52, 345000, tzinfo=dt.UTC)
    assert recording.start_reason is not None
    assert recording.start_reason.caller == Caller(
        type=CallerType.ORGANIZATION,
        name="acme-backend",
        user_id="3d8b6f21-4a9c-4e07-b5d2-8f1a6c0e9b73",
    )
    assert recording.stop_reason is not None
    assert recording.stop_reason.reason is StopReasonKind.ALL_PEERS_LEFT
    assert recording.storage_config == StorageConfig(
        type=StorageType.AWS,
        bucket="acme-meeting-archive",
        region="eu-central-1",
        path="realtimekit/standups",
    )


def test_track_download_url_array_is_modelled() -> None:
    """A finished track recording's array-shaped download_url becomes layers of files."""
    data = sample("get-track-recording-array-download-url.json")["data"]
    recording = converter.structure(data, Recording)
    assert isinstance(recording.download_url, tuple)
    (layer,) = recording.download_url
    assert layer.layer_name == "default"
    assert [f.file_name[:17] for f in layer.download_urls] == [
        "speaker_user-4821",
        "speaker_user-5307",
    ]
    assert recording.meeting_id == "c0d2a7e5-48b1-4f6c-9d3e-7a2b5c8f0e19"
    assert recording.type == "TRACK"
    assert recording.storage_config is None


@given(wire_recordings())
def test_any_server_recording_round_trips(data: dict[str, Any]) -> None:
    """Every well-formed recording, unknown status included, round-trips unchanged."""
    recording = converter.structure(data, Recording)
    assert converter.unstructure(recording) == {
        **data,
        **dict.fromkeys(
            ("recording_duration", "meeting", "start_reason", "stop_reason", "meeting_id", "type")
        ),
    }
    if data["status"] == "ARCHIVED":
        assert recording.status == "ARCHIVED"
        assert not isinstance(recording.status, RecordingStatus)


def test_unknown_enum_values_are_kept() -> None:
    """New values of any open enum are kept as strings."""
    caller = converter.structure({"type": "ROBOT", "name": "x"}, Caller)
    assert caller.type == "ROBOT"
    config = converter.structure({"type": "wasabi"}, StorageConfig)
    assert config.type == "wasabi"


WRONG_VALUES: list[tuple[str, object]] = [
    ("session_id", 7),
    ("started_time", 1786107604),
    (
        "meeting",
        {
            "id": "m",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "persist_chat": "yes",
        },
    ),
    ("file_size", "12"),
    ("file_size", 1.5),
    ("file_size", True),
    ("id", 5),
    ("status", 3),
    ("invoked_time", "yesterday"),
    ("download_url", 7),
    ("download_url", [{"layer_name": "a", "download_urls": []}]),
]


@pytest.mark.parametrize(("field", "value"), WRONG_VALUES)
def test_wrong_types_are_rejected(field: str, value: object) -> None:
    """Strict scalars: no silent int('12') or str(5)."""
    data = sample("active-recording.json")["data"] | {field: value}
    with pytest.raises(Exception):  # noqa: B017, PT011 - the protocol layer wraps these
        converter.structure(data, Recording)


def test_datetimes_are_aware_utc() -> None:
    """Naive timestamps are taken as UTC; offsets are converted to UTC."""
    assert parse_datetime("2026-01-01T10:00:00") == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    assert parse_datetime("2026-01-01T12:00:00+02:00") == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)
    assert format_datetime(dt.datetime(2026, 1, 1, 10)) == "2026-01-01T10:00:00.000Z"


def test_request_options_drop_unset_fields() -> None:
    """Options unstructure without None fields so the server applies its defaults."""
    assert converter.unstructure(AudioConfig(codec="MP3")) == {"codec": "MP3"}
    video = VideoConfig(
        width=640, watermark=Watermark(url="https://x/w.png", position=WatermarkPosition.LEFT_TOP)
    )
    assert converter.unstructure(video) == {
        "width": 640,
        "watermark": {"url": "https://x/w.png", "position": "left top"},
    }
    assert converter.unstructure(Caller(user_id="u")) == {
        "type": None,
        "name": None,
        "user_Id": "u",
    }


def test_integral_floats_and_null_open_enums() -> None:
    """A number like 12.0 is an int; a null open enum is None; non-enum unions are not open."""
    from realtimekit_async._converter import _open_enum_of

    data = sample("active-recording.json")["data"] | {"file_size": 12.0}
    assert converter.structure(data, Recording).file_size == 12
    assert converter.structure({"type": None}, Caller).type is None
    assert _open_enum_of(int | str) is None
    assert _open_enum_of(CallerType | int) is None


def test_stdlib_json_fallback_matches() -> None:
    """The encoder used without orjson writes the same compact JSON."""
    from realtimekit_async import _json

    value = {"a": [1, "é"], "b": None}
    assert _json._stdlib_dumps(value) == _json.dumps(value)


def test_meetings_are_shared_between_recordings() -> None:
    """Equal meetings in a listing become one shared object; malformed ones still fail."""
    from realtimekit_async._converter import SHARED_CACHE_SIZE

    page = sample("list-recordings-page.json")["data"]
    first, second = (converter.structure(item, Recording) for item in page)
    assert first.meeting is not None
    assert first.meeting is not second.meeting  # the second carries fewer keys: not the same
    again = converter.structure(page[0], Recording)
    assert again.meeting is first.meeting
    many = [dict(page[0]["meeting"], id=f"m{n}") for n in range(SHARED_CACHE_SIZE + 1)]
    meetings = [converter.structure(m, Meeting) for m in many]
    assert len({id(m) for m in meetings}) == len(many)
    broken = dict(page[0], meeting={"title": "no id"})
    with pytest.raises(KeyError, match="id"):
        converter.structure(broken, Recording)
    with pytest.raises(Exception):  # noqa: B017, PT011
        converter.structure(dict(page[0], meeting=["not", "an", "object"]), Recording)


@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59.999-01:00"],
)
def test_timestamps_out_of_range_in_utc_are_value_errors(value: str) -> None:
    """A timestamp valid in its own zone but not in UTC is a ValueError, not an OverflowError."""
    with pytest.raises(ValueError, match="out of range in UTC"):
        parse_datetime(value)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (10**400, "an integer of 1329 bits"),
        (2**63, "an integer of 64 bits"),
        (-(2**63), "an integer of 64 bits"),
        (1e300, "1e+300"),
        (float("inf"), "inf"),
        (float("nan"), "nan"),
        ("12", "str"),
        ([[1]], "list"),
    ],
)
def test_integers_beyond_64_bits_are_rejected(value: object, shown: str) -> None:
    """Counts and sizes hold 64 bits: larger or absurd numbers are a TypeError naming the size."""
    with pytest.raises(TypeError, match=re.escape(f"at most 64 bits, got {shown}")):
        converter.structure({"total_count": value, "start_offset": 1, "end_offset": 1}, Paging)
    assert converter.structure(
        {"total_count": 2**63 - 1, "start_offset": -(2**63) + 1, "end_offset": 1e18}, Paging
    ) == Paging(2**63 - 1, -(2**63) + 1, 10**18)


def test_integers_past_the_digit_limit_are_rejected() -> None:
    """A 5,000-digit integer (past the int-to-str limit) is described by size, not printed."""
    with pytest.raises(TypeError, match="got an integer of 16610 bits"):
        converter.structure({"total_count": 10**5000, "start_offset": 1, "end_offset": 1}, Paging)


def test_to_json_data_is_what_exports_write() -> None:
    """Models become the API's JSON: wire names, ISO timestamps, enum values, cached converter."""
    from realtimekit_async._converter import converter as cached
    from realtimekit_async._converter import to_json_data

    assert cached() is cached()
    recording = cached().structure(sample("get-recording-with-reasons.json")["data"], Recording)
    data = to_json_data(recording)
    assert data["status"] == str(recording.status)
    assert isinstance(data["invoked_time"], str)
    assert data["invoked_time"].endswith("Z")
    assert to_json_data([recording]) == [data]


@functools.cache
def _converters() -> tuple[cattrs.Converter, cattrs.Converter]:
    return make_converter(), make_converter(detailed=True)


@given(
    recording=wire_recordings(),
    broken=st.dictionaries(
        st.sampled_from(
            [
                "id",
                "status",
                "file_size",
                "recording_duration",
                "meeting",
                "invoked_time",
                "started_time",
                "output_file_name",
                "session_id",
                "type",
            ]
        ),
        json_values,
        max_size=2,
    ),
    dropped=st.sampled_from([None, "id", "invoked_time", "meeting", "file_size"]),
)
def test_fast_hooks_agree_with_cattrs_generated_ones(
    recording: dict[str, Any], broken: dict[str, Any], dropped: str | None
) -> None:
    """The positional fast hook and the detailed twin's cattrs hook accept and refuse alike."""
    body = {**recording, **broken}
    if dropped is not None:
        body.pop(dropped, None)
    outcomes: list[Recording | str] = []
    for converter in _converters():
        try:
            outcomes.append(converter.structure(body, Recording))
        except (KeyError, TypeError, ValueError, AttributeError, cattrs.BaseValidationError):
            outcomes.append("refused")
    assert outcomes[0] == outcomes[1]


@given(
    paging=st.fixed_dictionaries(
        dict.fromkeys(("total_count", "start_offset", "end_offset"), json_values)
    )
)
def test_fast_paging_hook_agrees_with_cattrs(paging: dict[str, Any]) -> None:
    """Required integers (inlined in the fast hook) are accepted and refused as cattrs does."""
    outcomes: list[Paging | str] = []
    for converter in _converters():
        try:
            outcomes.append(converter.structure(paging, Paging))
        except (TypeError, ValueError, cattrs.BaseValidationError):
            outcomes.append("refused")
    assert outcomes[0] == outcomes[1]


@given(page=st.lists(wire_recordings(), max_size=4))
def test_a_page_of_recordings_structures_as_cattrs_would(page: list[dict[str, Any]]) -> None:
    """The per-page hook gives the same tuple as cattrs' own tuple structuring."""
    fast, detailed = _converters()
    items = tuple[Recording, ...]
    assert fast.structure(page, items) == detailed.structure(page, items)
    with pytest.raises(TypeError):
        fast.structure(None, items)
