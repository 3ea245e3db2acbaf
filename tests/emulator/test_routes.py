"""The six operations over HTTP: auth, routing, envelopes and the example shapes."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import aiohttp

from realtimekit_async._emulator._wire import epoch_ms
from realtimekit_async.testing import FakeRealtimeKit

from .conftest import (
    FULL_EXTRA,
    NOW,
    RECORDING_KEYS,
    auth,
    call,
    rtk_error,
    sample,
)


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
    # No stop reason yet: the key is left out (the schema has no null for it).
    assert list(data) == [*RECORDING_KEYS, *(k for k in FULL_EXTRA if k != "stop_reason")]
    assert data["status"] == "INVOKED"
    assert data["invoked_time"] == "2026-08-14T09:00:00.000Z"
    assert data["started_time"] is None
    assert data["start_reason"] == {
        "reason": "API_CALL",
        "caller": {"type": "ORGANIZATION", "name": "api-token"},
    }
    assert "stop_reason" not in data
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
    # Uploaded: the first layer's prefix is filled into the template, as in the example.
    uploaded_example = sample("get-track-recording-array-download-url.json")["data"]
    assert data["output_file_name"] == uploaded_example["output_file_name"]
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
