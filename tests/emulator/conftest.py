"""Fixtures and helpers for the emulator's tests: a fixed clock and a plain aiohttp client.

These tests speak raw HTTP to the emulator, never through the SDK's client code, so the
emulator is checked against the spec and its examples on its own.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import pytest

from realtimekit_async.testing import FakeRealtimeKit

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Mapping

NOW = datetime(2026, 8, 14, 9, 0, tzinfo=UTC)
SAMPLES = Path(__file__).parents[1] / "samples"
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
    """Load one of the real response bodies (or the spec) from tests/samples."""
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
