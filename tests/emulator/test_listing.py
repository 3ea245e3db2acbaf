"""The list endpoint: order, paging arithmetic, filters and query validation."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from realtimekit_async._emulator._listing import ListQuery, list_page
from realtimekit_async._emulator._seed import seed
from realtimekit_async._emulator._state import EmulatorState
from realtimekit_async.testing import FakeRealtimeKit

from .conftest import (
    NOW,
    RECORDING_KEYS,
    call,
    ids,
    listing,
    sample,
)


async def test_list_default_order_and_shape(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """Items come newest first with the list example's keys plus meeting_id and type."""
    meeting = fake.add_meeting(title="Daily standup", recording_config={"max_seconds": 600})
    older = fake.add_recording(meeting, invoked_time=NOW - timedelta(days=1))
    newer = fake.add_recording(meeting, status="ERRORED")
    body = await listing(http, fake, {})
    assert ids(body) == [newer, older] == fake.recording_ids
    assert body["paging"] == {"total_count": 2, "start_offset": 1, "end_offset": 2}
    example = sample("list-recordings-page.json")["data"][0]
    item = body["data"][1]
    expected_keys = [*RECORDING_KEYS, "recording_duration", "meeting_id", "type"]
    assert list(item) == [*expected_keys, "storage_config", "meeting"]
    assert set(example) <= set(item)
    assert list(item["meeting"]) == [*example["meeting"], "recording_config"]
    assert item["meeting"]["title"] == "Daily standup"
    assert item["type"] == ""
    assert item["meeting_id"] == meeting
    errored = body["data"][0]
    assert errored["status"] == "ERRORED"
    assert errored["started_time"] is None
    assert errored["download_url"] is None
    assert "recording_duration" not in errored


async def test_list_paging_arithmetic(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Offsets are 1-based and inclusive; empty pages report offsets equal to the total."""
    seeded = fake.seed(5)
    body = await listing(http, fake, {"per_page": 2, "page_no": 2})
    assert ids(body) == seeded[2:4]
    assert body["paging"] == {"total_count": 5, "start_offset": 3, "end_offset": 4}
    body = await listing(http, fake, {"per_page": 2, "page_no": 3})
    assert body["paging"] == {"total_count": 5, "start_offset": 5, "end_offset": 5}
    body = await listing(http, fake, {"per_page": 2, "page_no": 4})
    assert body["data"] == []
    assert body["paging"] == {"total_count": 5, "start_offset": 5, "end_offset": 5}
    body = await listing(http, fake, {"page_no": 0, "per_page": 0})
    assert ids(body) == seeded
    body = await listing(http, fake, {"page_no": "", "per_page": ""})
    assert body["paging"]["end_offset"] == 5
    body = await listing(http, fake, {"meeting_id": "none"})
    assert body == {
        "success": True,
        "data": [],
        "paging": {"total_count": 0, "start_offset": 0, "end_offset": 0},
    }


async def test_list_per_page_cap(http: aiohttp.ClientSession) -> None:
    """per_page is capped silently at max_per_page; the default applies when absent."""
    async with FakeRealtimeKit(now=NOW, max_per_page=4, default_per_page=3) as fake:
        fake.seed(10)
        body = await listing(http, fake, {"per_page": 250})
        assert len(body["data"]) == 4
        assert body["paging"] == {"total_count": 10, "start_offset": 1, "end_offset": 4}
        body = await listing(http, fake, {"page_no": 2})
        assert body["paging"] == {"total_count": 10, "start_offset": 4, "end_offset": 6}


async def test_list_filters(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """meeting_id, status (both encodings), search, expired and time bounds all filter."""
    standup = fake.add_meeting(title="Daily Standup")
    review = fake.add_meeting(title="Board review")
    old = fake.add_recording(standup, invoked_time=NOW - timedelta(days=10))
    fresh = fake.add_recording(standup, invoked_time=NOW - timedelta(hours=2))
    running = fake.add_recording(review, status="RECORDING", invoked_time=NOW - timedelta(hours=1))
    paused = fake.add_recording(review, status="PAUSED", invoked_time=NOW - timedelta(hours=3))

    assert ids(await listing(http, fake, {"meeting_id": review})) == [running, paused]
    comma = await listing(http, fake, {"status": "RECORDING,PAUSED"})
    assert ids(comma) == [running, paused]
    repeated = await listing(http, fake, [("status", "RECORDING"), ("status", "UPLOADED")])
    assert ids(repeated) == [running, fresh, old]
    assert ids(await listing(http, fake, {"search": "standup"})) == [fresh, old]
    assert ids(await listing(http, fake, {"search": review[:8].upper()})) == [running, paused]
    assert ids(await listing(http, fake, {"expired": "true"})) == [old]
    assert ids(await listing(http, fake, {"expired": "false"})) == [running, fresh, paused]
    invoked = fake.recording(fresh)["invoked_time"]
    window = {"start_time": invoked, "end_time": invoked}
    assert ids(await listing(http, fake, window)) == [fresh]
    naive = {"end_time": (NOW - timedelta(days=5)).replace(tzinfo=None).isoformat()}
    assert ids(await listing(http, fake, naive)) == [old]
    ascending = {"sort_by": "invokedTime", "sort_order": "ASC"}
    assert ids(await listing(http, fake, ascending)) == [old, paused, fresh, running]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"page_no": "two"}, "page_no"),
        ({"page_no": "2.5"}, "page_no"),
        ({"page_no": "1e-1"}, "page_no"),
        ({"page_no": "nan"}, "page_no"),
        ({"per_page": "-1"}, "per_page"),
        ({"per_page": "-1.0"}, "per_page"),
        ({"per_page": "Infinity"}, "per_page"),
        ({"status": "DONE"}, "status"),
        ({"expired": "maybe"}, "expired"),
        ({"sort_by": "createdAt"}, "sort_by"),
        ({"sort_order": "asc"}, "sort_order"),
        ({"start_time": "yesterday"}, "start_time"),
        ({"end_time": "2026-13-01"}, "end_time"),
    ],
)
async def test_list_bad_parameters(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession, params: dict[str, str], name: str
) -> None:
    """Bad query values get a 400 RealtimeKit envelope naming the parameter."""
    status, body = await call(http, fake, "GET", params=params)
    assert status == 400
    assert body["success"] is False
    assert body["error"]["code"] == 400
    assert f'"{name}"' in body["error"]["message"]


def test_list_page_pure() -> None:
    """The pure pager slices and counts without a server."""
    state = EmulatorState(NOW, seed=0)
    made = seed(state, 3, meetings=2)
    page = list_page(state.recordings.values(), state.meetings, ListQuery(per_page=2), NOW)
    assert [r.id for r in page.items] == made[:2]
    assert page.paging() == {"total_count": 3, "start_offset": 1, "end_offset": 2}


async def test_list_accepts_integral_numbers(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """page_no/per_page are numbers in the schema: "2.0" (the official SDK's floats) is 2."""
    seeded = fake.seed(5)
    for page_no, per_page in (("2.0", "2.00"), ("2", "2e0"), ("02", "0.2E1"), ("2", "2")):
        body = await listing(http, fake, {"page_no": page_no, "per_page": per_page})
        assert ids(body) == seeded[2:4], (page_no, per_page)
    body = await listing(http, fake, {"page_no": "0.0", "per_page": "-0"})
    assert body["paging"] == {"total_count": 5, "start_offset": 1, "end_offset": 5}
