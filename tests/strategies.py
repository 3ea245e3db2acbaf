"""Hypothesis strategies shared by the tests: ids, recordings as the server sends them, pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

STATUSES = ["INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED"]

uuids = st.uuids().map(str)
timestamps = st.datetimes(
    min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1), timezones=st.just(dt.UTC)
)
wire_timestamps = timestamps.map(
    lambda t: t.isoformat(timespec="milliseconds").replace("+00:00", "Z")
)

#: Any text a user might pass as an id, hostile or not.
any_ids = st.text(min_size=0, max_size=40)


@st.composite
def wire_recordings(draw: st.DrawFn) -> dict[str, Any]:
    """A recording object as the list endpoint sends it (open values included)."""
    uploaded = draw(st.booleans())
    return {
        "id": draw(uuids),
        "audio_download_url": None,
        "download_url": "https://s.example/f.mp4?X-Amz-Signature=abc" if uploaded else None,
        "download_url_expiry": draw(wire_timestamps) if uploaded else None,
        "file_size": draw(st.integers(0, 2**40)) if uploaded else None,
        "invoked_time": draw(wire_timestamps),
        "output_file_name": draw(st.text(max_size=20)),
        "session_id": draw(st.none() | uuids),
        "started_time": draw(st.none() | wire_timestamps),
        "status": draw(st.sampled_from([*STATUSES, "ARCHIVED"])),
        "stopped_time": draw(st.none() | wire_timestamps),
        "storage_config": None,
    }


#: A listing as the scan meets it: how many records, the page size asked for, the server's cap.
listing_sizes = st.tuples(st.integers(0, 700), st.integers(1, 300), st.integers(1, 150))

#: Any JSON value, nested: what a hostile resume token could decode to.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=20,
)
