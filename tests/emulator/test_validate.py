"""Validation of request bodies: every refusal is a 400 naming the field."""

from __future__ import annotations

import json
from typing import Any, cast

import aiohttp
import pytest

from realtimekit_async.testing import FakeRealtimeKit

from .conftest import (
    api,
    auth,
    call,
)


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
