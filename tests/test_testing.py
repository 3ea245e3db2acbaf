"""Tests for realtimekit_async.testing: the emulator over loopback HTTP, and its pure parts."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import aiohttp
import pytest

from realtimekit_async import testing
from realtimekit_async._emulator._faults import FaultPlan
from realtimekit_async._emulator._listing import ListQuery, list_page
from realtimekit_async._emulator._seed import seed
from realtimekit_async._emulator._state import EmulatorState
from realtimekit_async._emulator._storage import RangeNotSatisfiableError, parse_range
from realtimekit_async._emulator._wire import epoch_ms, format_time, parse_time
from realtimekit_async.testing import FakeRealtimeKit, FaultKind, JournalEntry

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

NOW = datetime(2026, 8, 14, 9, 0, tzinfo=UTC)
SAMPLES = Path(__file__).parent / "samples"
RECORDING_KEYS = [
    "id",
    "audio_download_url",
    "download_url",
    "download_url_expiry",
    "file_size",
    "invoked_time",
    "output_file_name",
    "session_id",
    "started_time",
    "status",
    "stopped_time",
]
FULL_EXTRA = ["meeting_id", "type", "start_reason", "stop_reason", "storage_config"]


def sample(name: str) -> Any:
    """Load one of the real response bodies."""
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture
async def fake() -> AsyncIterator[FakeRealtimeKit]:
    """A started emulator with a fixed clock."""
    async with FakeRealtimeKit(now=NOW) as emulator:
        yield emulator


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain client; no connection reuse, so aiohttp never silently re-sends a request."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as s:
        yield s


def api(fake: FakeRealtimeKit, suffix: str = "") -> str:
    """The recordings URL (plus ``suffix``) of ``fake``."""
    return (
        f"{fake.base_url}/accounts/{fake.account_id}/realtime/kit/{fake.app_id}/recordings{suffix}"
    )


def auth(fake: FakeRealtimeKit) -> dict[str, str]:
    """The Authorization header ``fake`` accepts."""
    return {"Authorization": f"Bearer {fake.api_token}"}


async def call(
    http: aiohttp.ClientSession,
    fake: FakeRealtimeKit,
    method: str,
    suffix: str = "",
    *,
    body: Any = None,
    params: Any = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, Any]:
    """Send one authenticated API request and return status and parsed JSON."""
    async with http.request(
        method,
        api(fake, suffix),
        json=body,
        params=params,
        headers=auth(fake) if headers is None else headers,
    ) as response:
        assert response.headers["Content-Type"] == "application/json"
        assert re.fullmatch(r"[0-9a-f]{16}-SJC", response.headers["cf-ray"])
        return response.status, await response.json()


async def listing(http: aiohttp.ClientSession, fake: FakeRealtimeKit, params: Any) -> Any:
    """GET the list endpoint, expect 200 and return the body."""
    status, body = await call(http, fake, "GET", params=params)
    assert status == 200, body
    return body


def ids(body: Any) -> list[str]:
    """The recording ids of a list body."""
    return [item["id"] for item in body["data"]]


async def eventually(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` for up to five seconds (for work in another task)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail("condition never became true")


def rtk_error(status: int, message: str) -> dict[str, Any]:
    """The RealtimeKit error envelope."""
    return {"success": False, "error": {"code": status, "message": message}}


# --- public surface and lifecycle ------------------------------------------------------------


def test_public_names() -> None:
    """The module exports exactly the emulator's public names."""
    assert testing.__all__ == ["FakeRealtimeKit", "FaultKind", "JournalEntry", "main", "serve"]
    assert testing.__doc__
    assert {k.value for k in FaultKind} == {
        "rate_limit",
        "server_error",
        "reset",
        "lost_response",
        "slow",
        "truncated",
        "success_false",
    }


def test_defaults() -> None:
    """Default credentials look like real ones and the clock defaults to now."""
    fake = FakeRealtimeKit()
    assert re.fullmatch(r"[0-9a-f]{32}", fake.account_id)
    assert re.fullmatch(r"[0-9a-f-]{36}", fake.app_id)
    assert fake.api_token == "rtk-emulator-token"
    assert abs(fake.now - datetime.now(UTC)) < timedelta(seconds=5)
    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.base_url


def test_constructor_checks() -> None:
    """Naive clocks and impossible page sizes are refused."""
    with pytest.raises(ValueError, match="timezone"):
        FakeRealtimeKit(now=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="per_page"):
        FakeRealtimeKit(default_per_page=200, max_per_page=100)


async def test_lifecycle_is_idempotent(http: aiohttp.ClientSession) -> None:
    """start() twice keeps one server, close() twice is fine, and it can start again."""
    fake = FakeRealtimeKit(now=NOW)
    await fake.start()
    url = fake.base_url
    await fake.start()
    assert fake.base_url == url
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/client/v4", url)
    await fake.close()
    await fake.close()
    await fake.start()
    status, _ = await call(http, fake, "GET")
    assert status == 200
    await fake.close()


async def test_port_in_use(fake: FakeRealtimeKit) -> None:
    """Binding a taken port raises OSError and leaves nothing running."""
    port = int(fake.base_url.split(":")[2].split("/")[0])
    other = FakeRealtimeKit()
    with pytest.raises(OSError):  # noqa: PT011
        await other.start(port)
    with pytest.raises(RuntimeError):
        _ = other.base_url


# --- auth, routing, envelopes ------------------------------------------------------------------


async def test_auth_required(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Missing or wrong tokens get 401 in the Cloudflare v4 envelope."""
    expected = {
        "success": False,
        "errors": [{"code": 10000, "message": "Authentication error"}],
        "messages": [],
        "result": None,
    }
    assert await call(http, fake, "GET", headers={}) == (401, expected)
    wrong = {"Authorization": "Bearer nope"}
    assert await call(http, fake, "GET", headers=wrong) == (401, expected)


async def test_no_route(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Wrong account/app ids, unknown paths and methods get Cloudflare's 404 code 7003."""
    no_route = {
        "success": False,
        "errors": [{"code": 7003, "message": "No route for the URI."}],
        "messages": [],
        "result": None,
    }
    base = f"{fake.base_url}/accounts"
    for url in (
        f"{base}/{'0' * 32}/realtime/kit/{fake.app_id}/recordings",
        f"{base}/{fake.account_id}/realtime/kit/other-app/recordings",
        f"{fake.base_url}/zones",
        f"http://{fake.base_url.split('/')[2]}/elsewhere",
    ):
        async with http.get(url, headers=auth(fake)) as response:
            assert response.status == 404
            assert await response.json() == no_route
    assert await call(http, fake, "DELETE", "/x") == (404, no_route)
    assert await call(http, fake, "POST", "/a/b", body={}) == (404, no_route)


# --- list -------------------------------------------------------------------------------------


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
        ({"per_page": "-1"}, "per_page"),
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


# --- start, active, get, update ----------------------------------------------------------------


async def test_start_recording(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Start answers the get-one shape in INVOKED, echoing storage without secrets."""
    meeting = fake.add_meeting(title="Board Review!")
    storage = {"type": "aws", "bucket": "b", "region": "r", "access_key": "AK", "secret": "S"}
    status, body = await call(
        http,
        fake,
        "POST",
        body={
            "meeting_id": meeting,
            "file_name_prefix": "acme",
            "max_seconds": 60,
            "storage_config": storage,
            "video_config": {"codec": "VP8"},
            "url": "https://example.com",
        },
    )
    assert status == 200
    data = body["data"]
    assert body["success"] is True
    assert list(data) == RECORDING_KEYS + FULL_EXTRA
    assert data["status"] == "INVOKED"
    assert data["invoked_time"] == "2026-08-14T09:00:00.000Z"
    assert data["started_time"] is None
    assert data["start_reason"] == {
        "reason": "API_CALL",
        "caller": {"type": "ORGANIZATION", "name": "api-token"},
    }
    assert data["stop_reason"] is None
    assert data["storage_config"] == {"type": "aws", "bucket": "b", "region": "r"}
    expected_name = f"acme_board-review_{meeting[:8]}_{epoch_ms(NOW)}.mp4"
    assert data["output_file_name"] == expected_name
    assert fake.recording(data["id"]) == data


async def test_start_conflicts(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """A second composite recording of a meeting is a 409 unless multiples are allowed."""
    meeting = fake.add_meeting()
    fake.add_recording(meeting, status="PAUSED")
    fake.add_recording(meeting, status="RECORDING", track=True)
    status, body = await call(http, fake, "POST", body={"meeting_id": meeting})
    assert (status, body) == (
        409,
        rtk_error(409, f"Recording already in progress for meeting {meeting}"),
    )
    allowed = {"meeting_id": meeting, "allow_multiple_recordings": True}
    status, body = await call(http, fake, "POST", body=allowed)
    assert status == 200
    assert body["data"]["output_file_name"].startswith("meeting_")
    status, body = await call(http, fake, "POST", body={"meeting_id": "missing"})
    assert (status, body) == (404, rtk_error(404, "Meeting missing not found"))


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"not json", "valid JSON"),
        ([1, 2], "JSON object"),
        ({"meeting_id": None}, '"meeting_id"'),
        ({"meeting_id": 5}, '"meeting_id"'),
        ({"max_seconds": 59}, '"max_seconds"'),
        ({"max_seconds": 86401}, '"max_seconds"'),
        ({"max_seconds": True}, '"max_seconds"'),
        ({"max_seconds": "60"}, '"max_seconds"'),
        ({"allow_multiple_recordings": "yes"}, '"allow_multiple_recordings"'),
        ({"file_name_prefix": 1}, '"file_name_prefix"'),
        ({"url": 1}, '"url"'),
        ({"video_config": "HD"}, '"video_config"'),
        ({"storage_config": {"type": "dropbox"}}, '"storage_config.type"'),
        ({"storage_config": {}}, '"storage_config.type"'),
        ({"realtimekit_bucket_config": {}}, '"realtimekit_bucket_config.enabled"'),
    ],
)
async def test_start_validation(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession, payload: object, needle: str
) -> None:
    """Invalid start bodies get a 400 naming the field."""
    meeting = fake.add_meeting()
    if isinstance(payload, bytes):
        data = payload
    elif isinstance(payload, dict):
        # Valid meeting id unless the case overrides it; None means "leave it out".
        merged: dict[str, Any] = {"meeting_id": meeting, **cast("dict[str, Any]", payload)}
        data = json.dumps({k: v for k, v in merged.items() if v is not None}).encode()
    else:
        data = json.dumps(payload).encode()
    async with http.post(api(fake), data=data, headers=auth(fake)) as response:
        body = await response.json()
    assert response.status == 400
    assert body["error"]["code"] == 400
    assert needle in body["error"]["message"]
    assert fake.recording_ids == []


async def test_active_recording(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """The newest active composite recording is returned bare; none is a 404 like the example."""
    meeting = fake.add_meeting()
    fake.add_recording(meeting, status="RECORDING", track=True)
    status, body = await call(http, fake, "GET", f"/active-recording/{meeting}")
    assert status == 404
    example = sample("error-active-recording-not-found.json")
    assert body == rtk_error(404, f"No active recording found for meeting {meeting}")
    assert list(body) == list(example)
    older = fake.add_recording(meeting, status="PAUSED", invoked_time=NOW - timedelta(hours=2))
    status, body = await call(http, fake, "GET", f"/active-recording/{meeting}")
    assert status == 200
    assert body["data"]["id"] == older
    assert list(body["data"]) == list(sample("active-recording.json")["data"])
    newer = fake.add_recording(meeting, status="INVOKED")
    _, body = await call(http, fake, "GET", f"/active-recording/{meeting}")
    assert body["data"]["id"] == newer


async def test_get_recording(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Get-one has the example's keys; unknown ids are a RealtimeKit 404."""
    meeting = fake.add_meeting()
    rec = fake.add_recording(meeting, audio_config={"codec": "MP3"})
    status, body = await call(http, fake, "GET", f"/{rec}")
    assert status == 200
    assert set(body["data"]) == set(sample("get-recording-with-reasons.json")["data"]) | {
        "meeting_id",
        "type",
    }
    assert body["data"]["audio_download_url"].split("?")[0].endswith(".mp3")
    status, body = await call(http, fake, "GET", "/nope")
    assert (status, body) == (404, rtk_error(404, "Recording nope not found"))


async def test_pause_resume_stop(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """PUT walks the state machine and refuses impossible transitions with 409."""
    meeting = fake.add_meeting()
    _, body = await call(http, fake, "POST", body={"meeting_id": meeting})
    rec = body["data"]["id"]

    async def act(action: Any) -> tuple[int, Any]:
        return await call(http, fake, "PUT", f"/{rec}", body={"action": action})

    assert await act("pause") == (409, rtk_error(409, f"Recording {rec} is INVOKED; cannot pause"))
    fake.advance(5)
    assert fake.recording(rec)["started_time"] == "2026-08-14T09:00:05.000Z"
    status, body = await act("pause")
    assert (status, body["data"]["status"]) == (200, "PAUSED")
    assert (await act("pause"))[0] == 409
    fake.advance(100)
    status, body = await act("resume")
    assert (status, body["data"]["status"]) == (200, "RECORDING")
    assert (await act("resume"))[0] == 409
    fake.advance(20)
    status, body = await act("stop")
    data = body["data"]
    assert (status, data["status"]) == (200, "UPLOADING")
    assert data["stopped_time"] == "2026-08-14T09:02:05.000Z"
    assert data["stop_reason"] == {
        "reason": "API_CALL",
        "caller": {"type": "ORGANIZATION", "name": "api-token"},
    }
    assert await act("stop") == (409, rtk_error(409, f"Recording {rec} is UPLOADING; cannot stop"))
    status, body = await act("rewind")
    assert status == 400
    assert '"action"' in body["error"]["message"]
    status, body = await call(http, fake, "PUT", "/missing", body={"action": "stop"})
    assert (status, body) == (404, rtk_error(404, "Recording missing not found"))


def test_stop_paused_and_invoked() -> None:
    """Stopping a PAUSED or INVOKED recording keeps only the time actually recorded."""
    state = EmulatorState(NOW, seed=0)
    meeting = state.add_meeting(title=None, meeting_id=None, status="ACTIVE", extra={}).id
    add = partial(state.add_recording, meeting, invoked_time=None, track=False, overrides={})
    paused, invoked = add(status="PAUSED"), add(status="INVOKED")
    for rec in (paused, invoked):
        assert state.act(rec.id, "stop").status == "UPLOADING"
    state.advance(30)
    assert (paused.recording_duration, invoked.recording_duration) == (60, 0)
    assert invoked.started_time is None
    assert paused.stopped_time == state.now - timedelta(seconds=30)


# --- track recordings -----------------------------------------------------------------------


async def test_track_recording(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Track recordings start bare under data.recording and finish with an array of links."""
    meeting = fake.add_meeting()
    body = {
        "meeting_id": meeting,
        "layers": {"default": {"file_name_prefix": "speaker", "media_kind": "audio"}, "x": {}},
        "user_ids": ["user-1", "user-2", "user-3"],
    }
    status, reply = await call(http, fake, "POST", "/track", body=body)
    assert status == 200
    example = sample("start-track-recording-response.json")
    assert list(reply["data"]) == ["recording"]
    recording = reply["data"]["recording"]
    assert list(recording) == list(example["data"]["recording"])
    assert recording["output_file_name"] == example["data"]["recording"]["output_file_name"]
    rec = recording["id"]
    fake.advance(4)
    status, _ = await call(http, fake, "PUT", f"/{rec}", body={"action": "stop"})
    fake.advance(1)
    data = fake.recording(rec)
    assert data["type"] == "TRACK"
    assert data["file_size"] == 0
    assert [layer["layer_name"] for layer in data["download_url"]] == ["default", "x"]
    files = data["download_url"][0]["download_urls"]
    assert len(files) == 3
    name = next(iter(files))
    assert re.fullmatch(r"speaker_user-1_[0-9a-f-]{36}_peer_audio_\d{13}\.webm", name)
    url = files[name]["download_url"]
    async with http.get(url) as response:
        assert await response.read() == fake.storage_bytes(rec, name)
    assert fake.storage_bytes(rec) == fake.storage_bytes(rec, name)
    example_keys = set(sample("get-track-recording-array-download-url.json")["data"])
    assert set(data) == example_keys


async def test_track_defaults(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Without layers or users: one "default" layer with two made-up participants."""
    meeting = fake.add_meeting()
    _, reply = await call(http, fake, "POST", "/track", body={"meeting_id": meeting})
    rec = reply["data"]["recording"]["id"]
    fake.advance(1)
    fake.add_recording(meeting)  # a composite recording does not block or get blocked
    await call(http, fake, "PUT", f"/{rec}", body={"action": "stop"})
    fake.advance(1)
    (layer,) = fake.recording(rec)["download_url"]
    assert layer["layer_name"] == "default"
    assert all(name.startswith("default_user-") for name in layer["download_urls"])
    assert len(layer["download_urls"]) == 2


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"layers": []}, '"layers"'),
        ({"layers": {"a": 1}}, '"layers.a"'),
        ({"layers": {"a": {"file_name_prefix": 3}}}, '"layers.a.file_name_prefix"'),
        ({"layers": {"a": {"media_kind": "video"}}}, '"layers.a.media_kind"'),
        ({"user_ids": "u1"}, '"user_ids"'),
        ({"user_ids": ["u1", 2]}, '"user_ids"'),
        ({"user_ids": [f"u{i}" for i in range(101)]}, "at most 100"),
    ],
)
async def test_track_validation(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession, extra: dict[str, Any], needle: str
) -> None:
    """Invalid track bodies get a 400 naming the field; unknown meetings a 404."""
    meeting = fake.add_meeting()
    status, body = await call(http, fake, "POST", "/track", body={"meeting_id": meeting, **extra})
    assert status == 400
    assert needle in body["error"]["message"]
    status, _ = await call(http, fake, "POST", "/track", body={"meeting_id": "gone"})
    assert status == 404


# --- clock and state machine ------------------------------------------------------------------


async def test_upload_fills_links(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """UPLOADED sets links (audio only when exported), a 7-day expiry, size and duration."""
    meeting = fake.add_meeting()
    start = {
        "meeting_id": meeting,
        "audio_config": {"codec": "AAC", "export_file": True},
        "allow_multiple_recordings": True,
    }
    _, body = await call(http, fake, "POST", body=start)
    rec = body["data"]["id"]
    no_audio = {**start, "audio_config": {"export_file": False}}
    _, body = await call(http, fake, "POST", body=no_audio)
    quiet = body["data"]["id"]
    fake.advance(3)
    fake.advance(90.4)
    for rid in (rec, quiet):
        await call(http, fake, "PUT", f"/{rid}", body={"action": "stop"})
    fake.advance(2)
    data = fake.recording(rec)
    assert data["status"] == "UPLOADED"
    assert data["recording_duration"] == 90
    assert data["download_url_expiry"] == format_time(fake.now + timedelta(days=7))
    assert data["audio_download_url"].split("?")[0].endswith(".m4a")
    assert 2048 <= data["file_size"] <= 65536
    assert len(fake.storage_bytes(rec)) == data["file_size"]
    assert fake.recording(quiet)["audio_download_url"] is None


async def test_bucket_disabled_never_links(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """With the RealtimeKit bucket disabled, no link, expiry or size ever appears."""
    meeting = fake.add_meeting()
    body = {"meeting_id": meeting, "realtimekit_bucket_config": {"enabled": False}}
    _, reply = await call(http, fake, "POST", body=body)
    rec = reply["data"]["id"]
    fake.advance(10)
    await call(http, fake, "PUT", f"/{rec}", body={"action": "stop"})
    fake.advance(10)
    data = fake.recording(rec)
    assert data["status"] == "UPLOADED"
    assert data["recording_duration"] == 0
    assert [data[k] for k in ("download_url", "download_url_expiry", "file_size")] == [None] * 3
    with pytest.raises(KeyError, match="no stored file None"):
        fake.storage_bytes(rec)
    with pytest.raises(KeyError, match="no stored file 'x'"):
        fake.storage_bytes(fake.add_recording(meeting), "x")


def test_max_seconds_auto_stop() -> None:
    """Recorded time (pauses excluded) reaching max_seconds stops the recording at that moment."""
    fake = FakeRealtimeKit(now=NOW)
    meeting = fake.add_meeting()
    rec = fake.add_recording(meeting, status="INVOKED", max_seconds=60)
    fake.advance(0)
    assert fake.recording(rec)["status"] == "RECORDING"
    fake.advance(59.5)
    assert fake.recording(rec)["status"] == "RECORDING"
    fake.advance(3600)
    data = fake.recording(rec)
    assert data["status"] == "UPLOADING"
    assert data["stopped_time"] == "2026-08-14T09:01:00.000Z"
    assert data["stop_reason"] is None
    fake.advance()
    assert fake.recording(rec)["recording_duration"] == 60
    with pytest.raises(ValueError, match="backwards"):
        fake.advance(-1)


async def test_auto_advance(http: aiohttp.ClientSession) -> None:
    """With auto_advance each API request moves earlier recordings one step."""
    async with FakeRealtimeKit(now=NOW, auto_advance=True) as fake:
        meeting = fake.add_meeting()
        _, body = await call(http, fake, "POST", body={"meeting_id": meeting})
        assert body["data"]["status"] == "INVOKED"
        rec = body["data"]["id"]
        _, body = await call(http, fake, "GET", f"/{rec}")
        assert body["data"]["status"] == "RECORDING"
        _, body = await call(http, fake, "PUT", f"/{rec}", body={"action": "stop"})
        assert body["data"]["status"] == "UPLOADING"
        _, body = await call(http, fake, "GET", f"/{rec}")
        assert body["data"]["status"] == "UPLOADED"


# --- direct set-up ---------------------------------------------------------------------------


def test_add_recording_statuses() -> None:
    """Each status gets consistent timestamps, reasons and files."""
    fake = FakeRealtimeKit(now=NOW)
    meeting = fake.add_meeting(title="T", meeting_id="m-1", status="INACTIVE", persist_chat=True)
    assert meeting == "m-1"
    got = {s: fake.recording(fake.add_recording(meeting, status=s)) for s in _ALL_STATUSES}
    assert got["INVOKED"]["started_time"] is None
    assert got["ERRORED"]["stop_reason"] == {"reason": "INTERNAL_ERROR"}
    assert got["RECORDING"]["started_time"] == "2026-08-14T08:00:05.000Z"
    assert got["PAUSED"]["stopped_time"] is None
    assert got["UPLOADING"]["stopped_time"] is not None
    assert got["UPLOADING"]["download_url"] is None
    assert got["UPLOADED"]["download_url"].startswith("http://127.0.0.1:0/_storage/")
    assert got["ARCHIVED"]["status"] == "ARCHIVED"
    with pytest.raises(KeyError):
        fake.add_recording("no-such-meeting")
    with pytest.raises(ValueError, match="max_seconds"):
        fake.add_recording(meeting, max_seconds=5)


_ALL_STATUSES = ("INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED", "ARCHIVED")


def test_add_recording_overrides() -> None:
    """Field overrides replace fields (times may be strings); other keys are added verbatim."""
    fake = FakeRealtimeKit(now=NOW)
    meeting = fake.add_meeting()
    rec = fake.add_recording(
        meeting,
        file_size=100,
        started_time="2026-08-14T08:30:00Z",
        session_id=None,
        brand_new_field={"x": 1},
        storage_config={"type": "gcs", "bucket": "b", "private_key": "k"},
    )
    data = fake.recording(rec)
    assert data["file_size"] == 100
    assert data["started_time"] == "2026-08-14T08:30:00.000Z"
    assert data["session_id"] is None
    assert data["brand_new_field"] == {"x": 1}
    assert data["storage_config"] == {"type": "gcs", "bucket": "b"}
    assert len(fake.storage_bytes(rec)) == 100
    fake.remove_recording(rec)
    assert fake.recording_ids == []
    with pytest.raises(KeyError):
        fake.recording(rec)
    with pytest.raises(KeyError):
        fake.remove_recording(rec)


def test_seed_is_deterministic() -> None:
    """The same seed gives the same data; ids come back in default list order."""
    first, second = FakeRealtimeKit(now=NOW, seed=7), FakeRealtimeKit(now=NOW, seed=7)
    made = first.seed(40, meetings=7)
    assert made == second.seed(40, meetings=7) == first.recording_ids
    assert [first.recording(r) for r in made] == [second.recording(r) for r in made]
    statuses = {first.recording(r)["status"] for r in made}
    assert statuses == {"INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED"}
    assert any(first.recording(r)["type"] == "TRACK" for r in made)
    assert FakeRealtimeKit(now=NOW, seed=8).seed(3) != made[:3]
    assert FakeRealtimeKit(now=NOW).seed(0, meetings=1) == []
    with pytest.raises(ValueError, match="seed"):
        first.seed(1, meetings=0)


# --- storage ----------------------------------------------------------------------------------


async def test_storage_download_and_ranges(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """Presigned links serve exact bytes, with single Range requests and 416."""
    rec = fake.add_recording(fake.add_meeting())
    url = fake.recording(rec)["download_url"]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=604800&X-Amz-Signature=" in url
    content = fake.storage_bytes(rec)
    size = len(content)
    async with http.get(url) as response:
        assert response.status == 200
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.headers["Content-Length"] == str(size)
        assert await response.read() == content
    cases = {
        "bytes=10-19": (206, content[10:20], f"bytes 10-19/{size}"),
        "bytes=100-": (206, content[100:], f"bytes 100-{size - 1}/{size}"),
        "bytes=-5": (206, content[-5:], f"bytes {size - 5}-{size - 1}/{size}"),
        f"bytes=5-{size + 50}": (206, content[5:], f"bytes 5-{size - 1}/{size}"),
        f"bytes={size}-": (416, None, f"bytes */{size}"),
        "bytes=0-1,5-6": (200, content, None),
    }
    for header, (status, expected, content_range) in cases.items():
        async with http.get(url, headers={"Range": header}) as response:
            assert response.status == status, header
            assert response.headers.get("Content-Range") == content_range
            if expected is not None:
                assert await response.read() == expected
    async with http.head(url) as response:
        assert response.status == 200
        assert response.headers["Content-Length"] == str(size)


async def test_storage_refusals(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """API tokens, bad signatures, unknown keys and expired links are refused with XML."""
    rec = fake.add_recording(fake.add_meeting())
    url = fake.recording(rec)["download_url"]

    async def fetch(target: str, method: str = "GET", **kwargs: Any) -> tuple[int, str]:
        async with http.request(method, target, **kwargs) as response:
            if response.status >= 400:
                assert response.headers["Content-Type"] == "application/xml"
            return response.status, await response.text()

    status, text = await fetch(url, headers=auth(fake))
    assert (status, "<Code>InvalidArgument</Code>" in text) == (400, True)
    status, text = await fetch(url[:-4] + "0000")
    assert (status, "SignatureDoesNotMatch" in text) == (403, True)
    assert (await fetch(url.replace(rec, "other")))[0] == 404
    assert (await fetch(url.split("?")[0] + "x"))[0] == 404
    assert (await fetch(url, "POST"))[0] == 404
    fake.advance(7 * 24 * 3600)
    status, text = await fetch(url)
    assert (status, "Request has expired" in text) == (403, True)


def test_parse_range_edges() -> None:
    """Ignored, suffix and unsatisfiable ranges behave as RFC 9110 allows."""
    assert parse_range(None, 10) is None
    assert parse_range("bytes=-", 10) is None
    assert parse_range("bytes=5-2", 10) is None
    assert parse_range("items=0-1", 10) is None
    assert parse_range("bytes=-50", 10) == (0, 9)
    with pytest.raises(RangeNotSatisfiableError):
        parse_range("bytes=-0", 10)
    with pytest.raises(RangeNotSatisfiableError):
        parse_range("bytes=-3", 0)


def test_time_helpers() -> None:
    """Timestamps round-trip at millisecond resolution."""
    moment = datetime(2026, 8, 14, 13, 0, 4, 118999, tzinfo=UTC)
    assert format_time(moment) == "2026-08-14T13:00:04.118Z"
    assert format_time(None) is None
    assert parse_time("2026-08-14T15:00:04.118+02:00") == moment.replace(microsecond=118000)
    assert epoch_ms(datetime(1970, 1, 1, 0, 0, 1, 1000, tzinfo=UTC)) == 1001


# --- faults -----------------------------------------------------------------------------------


async def test_rate_limit_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """RATE_LIMIT answers 429 with Retry-After and Cloudflare code 971, for `times` requests."""
    fake.inject(FaultKind.RATE_LIMIT, times=2)
    fake.inject("rate_limit", retry_after=30, status=503, method="GET")
    expected = {
        "success": False,
        "errors": [
            {"code": 971, "message": "Please wait and consider throttling your request speed"}
        ],
        "messages": [],
        "result": None,
    }
    for retry_after, status in (("1", 429), ("1", 429), ("30", 503)):
        async with http.get(api(fake), headers=auth(fake)) as response:
            assert response.status == status
            assert response.headers["Retry-After"] == retry_after
            assert await response.json() == expected
    assert (await call(http, fake, "GET"))[0] == 200
    assert [e.fault for e in fake.journal] == ["rate_limit"] * 3 + [None]


async def test_server_error_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """SERVER_ERROR answers an HTML page with the status it was given (503 by default)."""
    fake.inject(FaultKind.SERVER_ERROR)
    fake.inject(FaultKind.SERVER_ERROR, status=502)
    for status, title in ((503, "503 Service Unavailable"), (502, "502 Bad Gateway")):
        async with http.get(api(fake), headers=auth(fake)) as response:
            assert response.status == status
            assert response.headers["Content-Type"] == "text/html"
            assert f"<title>{title}</title>" in await response.text()


async def test_reset_fault_has_no_effect(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """RESET drops the connection before handling: the client errors, nothing changes."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.RESET, method="POST", path="/recordings")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(http, fake, "POST", body={"meeting_id": meeting})
    assert fake.recording_ids == []
    entry = fake.journal[-1]
    assert (entry.status, entry.fault, entry.body) == (None, "reset", {"meeting_id": meeting})
    assert (await call(http, fake, "POST", body={"meeting_id": meeting}))[0] == 200


async def test_lost_response_fault_changes_state(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """LOST_RESPONSE handles the request, then drops the connection without answering."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.LOST_RESPONSE)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await call(http, fake, "POST", body={"meeting_id": meeting})
    assert len(fake.recording_ids) == 1
    assert fake.journal[-1].status is None
    status, _ = await call(http, fake, "POST", body={"meeting_id": meeting})
    assert status == 409


async def test_slow_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """SLOW waits `delay` seconds, then answers normally."""
    fake.inject(FaultKind.SLOW, delay=0.2)
    began = time.monotonic()
    slow = asyncio.create_task(call(http, fake, "GET"))
    await eventually(lambda: bool(fake.journal))
    assert (await call(http, fake, "GET", "/x"))[0] == 404
    assert (await slow)[0] == 200
    assert time.monotonic() - began >= 0.2
    # The journal keeps arrival order, though the slow request finished last.
    assert [(e.status, e.fault) for e in fake.journal] == [(200, "slow"), (404, None)]


async def test_truncated_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """TRUNCATED promises more bytes than it sends, then hangs up."""
    fake.inject(FaultKind.TRUNCATED, path="/recordings")
    async with http.get(api(fake), headers=auth(fake)) as response:
        assert response.status == 200
        with pytest.raises(aiohttp.ClientPayloadError):
            await response.read()
    entry = fake.journal[-1]
    assert (entry.status, entry.fault) == (200, "truncated")


async def test_success_false_fault(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """SUCCESS_FALSE answers 200 with success false and does nothing."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.SUCCESS_FALSE, method="POST")
    fake.inject(FaultKind.SUCCESS_FALSE, status=409)
    status, body = await call(http, fake, "POST", body={"meeting_id": meeting})
    assert status == 200
    assert body == rtk_error(500, "Internal server error (injected)")
    assert fake.recording_ids == []
    _, body = await call(http, fake, "GET")
    assert body["error"]["code"] == 409


async def test_fault_filters_and_clear(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Method and path restrict a fault; clear_faults drops every pending one."""
    fake.inject(FaultKind.SERVER_ERROR, method="PUT")
    fake.inject(FaultKind.SERVER_ERROR, path="/active-recording/")
    assert (await call(http, fake, "GET"))[0] == 200
    async with http.get(api(fake, "/active-recording/m"), headers=auth(fake)) as response:
        assert response.status == 503
    fake.inject(FaultKind.SERVER_ERROR)
    fake.inject_random(1.0, seed=1)
    fake.clear_faults()
    assert (await call(http, fake, "GET"))[0] == 200
    with pytest.raises(ValueError, match="kaput"):
        fake.inject("kaput")
    with pytest.raises(ValueError, match="times"):
        fake.inject(FaultKind.SLOW, times=0)
    with pytest.raises(ValueError, match="delay"):
        fake.inject(FaultKind.SLOW, delay=-1)


async def run_random(seed: int, http: aiohttp.ClientSession) -> list[str | None]:
    """Twenty GETs against a fresh emulator under a 50 % random fault rule."""
    async with FakeRealtimeKit(now=NOW) as fake:
        fake.inject_random(0.5, seed=seed, kinds=["rate_limit", FaultKind.SUCCESS_FALSE])
        for _ in range(20):
            async with http.get(api(fake), headers=auth(fake)) as response:
                await response.read()
                if response.status == 429:
                    assert response.headers["Retry-After"] == "0"
        return [entry.fault for entry in fake.journal]


async def test_inject_random_is_reproducible(http: aiohttp.ClientSession) -> None:
    """The same seed faults the same requests with the same kinds."""
    first = await run_random(3, http)
    assert first == await run_random(3, http)
    assert set(first) == {None, "rate_limit", "success_false"}
    assert first != await run_random(4, http)


async def test_inject_random_rules(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Rate 0 never faults, default kinds are transient, filters apply, bad input is refused."""
    fake.inject_random(0.0, seed=1)
    assert (await call(http, fake, "GET"))[0] == 200
    fake.inject_random(1.0, seed=1, method="PUT")
    assert (await call(http, fake, "GET"))[0] == 200
    fake.inject_random(1.0, seed=1, kinds=[FaultKind.SLOW], path="/recordings")
    assert (await call(http, fake, "GET"))[0] == 200
    assert fake.journal[-1].fault == "slow"
    plan = FaultPlan()
    plan.set_random(1.0, seed=2, kinds=None, method=None, path=None)
    kinds = {fault.kind for fault in (plan.pick("GET", "/") for _ in range(50)) if fault}
    assert kinds == {FaultKind.RATE_LIMIT, FaultKind.SERVER_ERROR, FaultKind.RESET}
    with pytest.raises(ValueError, match="rate"):
        fake.inject_random(1.5, seed=1)
    with pytest.raises(ValueError, match="kinds"):
        fake.inject_random(0.5, seed=1, kinds=[])


async def test_close_cancels_slow_requests(http: aiohttp.ClientSession) -> None:
    """close() does not wait for a request stuck in a SLOW fault."""
    fake = FakeRealtimeKit(now=NOW)
    await fake.start()
    fake.inject(FaultKind.SLOW, delay=30)
    pending = asyncio.create_task(call(http, fake, "GET"))
    await eventually(lambda: bool(fake.journal))
    began = time.monotonic()
    await fake.close()
    assert time.monotonic() - began < 5
    with pytest.raises(aiohttp.ClientError):
        await pending


# --- journal ----------------------------------------------------------------------------------


async def test_journal_records_requests(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Each request is journaled with raw path, query pairs, headers, body and status."""
    rec = fake.add_recording(fake.add_meeting())
    await call(http, fake, "GET", params=[("status", "UPLOADED"), ("status", "ERRORED")])
    url = api(fake, "/a%2Fb")
    async with http.get(url, headers={**auth(fake), "X-Trace": "t1"}) as response:
        assert response.status == 404
    async with http.put(api(fake, f"/{rec}"), data=b"plain text", headers=auth(fake)) as response:
        assert response.status == 400
    async with http.get(fake.recording(rec)["download_url"]) as response:
        await response.read()
    listed, encoded, text, download = fake.journal
    assert listed.query == (("status", "UPLOADED"), ("status", "ERRORED"))
    assert (listed.method, listed.body, listed.status, listed.fault) == ("GET", None, 200, None)
    assert encoded.path.endswith("/recordings/a%2Fb")
    assert encoded.headers["x-trace"] == "t1"
    assert encoded.headers["AUTHORIZATION"] == f"Bearer {fake.api_token}"
    assert text.body == "plain text"
    assert download.path.startswith("/_storage/")
    assert download.status == 200
    assert "Authorization" not in download.headers
    assert "headers" not in repr(download)
    assert isinstance(download, JournalEntry)


async def test_journal_can_be_cleared_mid_request(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """Clearing the journal while a request is in flight loses only that entry."""
    fake.inject(FaultKind.SLOW, delay=0.1)
    pending = asyncio.create_task(call(http, fake, "GET"))
    await eventually(lambda: bool(fake.journal))
    fake.journal.clear()
    assert (await pending)[0] == 200
    assert fake.journal == []
    await call(http, fake, "GET")
    assert len(fake.journal) == 1


# --- standalone server -------------------------------------------------------------------------


async def test_serve_prints_environment(http: aiohttp.ClientSession) -> None:
    """serve() prints export lines that reach a seeded, auto-advancing emulator."""
    out, stop = io.StringIO(), asyncio.Event()
    task = asyncio.create_task(testing.serve(0, 4, out, stop))
    await eventually(lambda: "REALTIMEKIT_BASE_URL" in out.getvalue())
    env = dict(
        line.removeprefix("export ").split("=", 1)
        for line in out.getvalue().splitlines()
        if line.startswith("export ")
    )
    assert out.getvalue().startswith("RealtimeKit emulator listening on http://127.0.0.1:")
    url = (
        f"{env['REALTIMEKIT_BASE_URL']}/accounts/{env['CLOUDFLARE_ACCOUNT_ID']}"
        f"/realtime/kit/{env['REALTIMEKIT_APP_ID']}/recordings"
    )
    headers = {"Authorization": f"Bearer {env['CLOUDFLARE_API_TOKEN']}"}
    async with http.get(url, headers=headers) as response:
        body = await response.json()
    assert body["paging"]["total_count"] == 4
    stop.set()
    await task


async def test_serve_without_seed(http: aiohttp.ClientSession) -> None:
    """Without --seed-recordings the emulator starts empty."""
    out, stop = io.StringIO(), asyncio.Event()
    stop.set()
    await testing.serve(0, 0, out, stop)
    assert "export CLOUDFLARE_API_TOKEN=rtk-emulator-token" in out.getvalue()


def test_main_parses_arguments_and_stops_on_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() passes --port/--seed-recordings on and returns 0 after Ctrl-C."""
    seen: list[tuple[int, int]] = []

    async def interrupted(port: int, seed_recordings: int, out: Any) -> None:
        seen.append((port, seed_recordings))
        raise KeyboardInterrupt

    monkeypatch.setattr(testing, "serve", interrupted)
    assert testing.main(["--port", "8765", "--seed-recordings", "3"]) == 0
    assert testing.main([]) == 0
    assert seen == [(8765, 3), (0, 0)]


def test_module_runs_standalone() -> None:
    """`python -m realtimekit_async.testing` serves until SIGINT and exits 0."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    process = subprocess.Popen(
        [sys.executable, "-m", "realtimekit_async.testing", "--seed-recordings", "2"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("RealtimeKit emulator listening on http://127.0.0.1:")
        lines = [process.stdout.readline() for _ in range(4)]
        assert lines[0].startswith("export CLOUDFLARE_ACCOUNT_ID=")
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        if process.stdout is not None:
            process.stdout.close()
