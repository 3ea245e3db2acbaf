"""The public emulator class: defaults, credentials, lifecycle and direct set-up."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from realtimekit_async import RealtimeKitSession, testing
from realtimekit_async.testing import Credentials, FakeRealtimeKit, FaultKind

from .conftest import NOW, call, sample


def test_public_names() -> None:
    """The module exports exactly the emulator's public names."""
    assert testing.__all__ == [
        "Credentials",
        "Delivery",
        "DeliveryFault",
        "DeliveryPolicy",
        "FakeRealtimeKit",
        "FaultKind",
        "JournalEntry",
        "main",
        "serve",
    ]
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
    app_id = sample("openapi-recordings.json")["paths"][
        "/accounts/{account_id}/realtime/kit/{app_id}/recordings/{recording_id}"
    ]["put"]["parameters"][1]
    assert app_id["name"] == "app_id"
    assert re.fullmatch(app_id["schema"]["pattern"], fake.app_id)
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


_ALL_STATUSES = ("INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED", "ARCHIVED")


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


async def test_credentials_open_a_session() -> None:
    """`fake.credentials` is exactly what a session needs: one line, no field by field."""
    fake = FakeRealtimeKit(now=NOW)
    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.credentials
    async with fake:
        credentials: Credentials = fake.credentials
        assert credentials == {
            "account_id": fake.account_id,
            "app_id": fake.app_id,
            "api_token": fake.api_token,
            "base_url": fake.base_url,
        }
        recording_id = fake.add_recording(fake.add_meeting())
        async with RealtimeKitSession(**fake.credentials) as rtk:
            assert (await rtk.get_recording(recording_id)).id == recording_id


def test_renew_links_signs_from_now() -> None:
    """renew_links moves an uploaded recording's expiry to now + 7 days; others keep none."""
    fake = FakeRealtimeKit(now=NOW)
    meeting = fake.add_meeting()
    uploaded = fake.add_recording(meeting, invoked_time=NOW - timedelta(days=30))
    before = fake.recording(uploaded)
    fake.renew_links(uploaded)
    after = fake.recording(uploaded)
    assert before["download_url_expiry"] < after["download_url_expiry"]
    assert after["download_url_expiry"] == "2026-08-21T09:00:00.000Z"
    assert after["download_url"] != before["download_url"]  # signed anew
    running = fake.add_recording(meeting, status="RECORDING")
    fake.renew_links(running)
    assert fake.recording(running)["download_url_expiry"] is None
    with pytest.raises(KeyError):
        fake.renew_links("no-such-recording")
