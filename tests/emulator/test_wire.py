"""Wire vocabulary: timestamps at the API's resolution."""

from __future__ import annotations

from datetime import UTC, datetime

from realtimekit_async._emulator._wire import epoch_ms, format_time, parse_time


def test_time_helpers() -> None:
    """Timestamps round-trip at millisecond resolution."""
    moment = datetime(2026, 8, 14, 13, 0, 4, 118999, tzinfo=UTC)
    assert format_time(moment) == "2026-08-14T13:00:04.118Z"
    assert format_time(None) is None
    assert parse_time("2026-08-14T15:00:04.118+02:00") == moment.replace(microsecond=118000)
    assert epoch_ms(datetime(1970, 1, 1, 0, 0, 1, 1000, tzinfo=UTC)) == 1001
