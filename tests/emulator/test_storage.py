"""Presigned storage: exact bytes, Range requests and refusals."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from realtimekit_async._emulator._storage import RangeNotSatisfiableError, parse_range
from realtimekit_async.testing import FakeRealtimeKit

from .conftest import (
    auth,
)


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
