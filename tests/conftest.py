"""Fixtures: the bundled emulator and a session talking to it over loopback HTTP."""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from realtimekit_async import RealtimeKitSession, RetryPolicy
from realtimekit_async._emulator._fake import DEFAULT_API_TOKEN
from realtimekit_async.testing import FakeRealtimeKit

settings.register_profile("ci", deadline=None, print_blob=True)
settings.load_profile("ci")

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> dict[str, Any]:
    """A response body from ../shared/spec/examples (copied into tests/samples)."""
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return data


async def no_sleep(_: float) -> None:
    """Retries in tests never wait."""


def session_for(fake: FakeRealtimeKit, **overrides: object) -> RealtimeKitSession:
    """A session against *fake* whose retries never sleep; keyword arguments override."""
    options: dict[str, object] = {
        "account_id": fake.account_id,
        "app_id": fake.app_id,
        "api_token": fake.api_token,
        "base_url": fake.base_url,
        "sleep": no_sleep,
        # Pacing waits for real; the emulator announces no budget, and Retry-After faults
        # would make the suite sleep. Tests of pacing turn it on.
        "rate_limiter": None,
    } | overrides
    return RealtimeKitSession(**options)  # type: ignore[arg-type]


#: Secrets that must never reach a log record, whatever the test does.
NEVER_LOGGED = (DEFAULT_API_TOKEN, "SENTINEL")


@pytest.fixture(autouse=True)
def leaks_fail_their_own_test() -> Iterator[None]:
    """Collect garbage after each test: a leak fails the test that left it.

    An unclosed socket or file is a ResourceWarning (an error here) when it is collected;
    without this, that happens in whichever test the collector next runs in.
    """
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test runs with the library's DEBUG log captured and searched for secrets."""
    caplog.set_level(logging.DEBUG, logger="realtimekit_async")
    yield
    leaked = [
        r.getMessage() for r in caplog.records if any(s in r.getMessage() for s in NEVER_LOGGED)
    ]
    assert not leaked, leaked


@pytest.fixture
async def fake() -> AsyncIterator[FakeRealtimeKit]:
    """A running emulator with no data."""
    async with FakeRealtimeKit() as server:
        yield server


@pytest.fixture
async def rtk(fake: FakeRealtimeKit) -> AsyncIterator[RealtimeKitSession]:
    """A session against the emulator whose retries do not sleep."""
    async with session_for(fake, retry=RetryPolicy(deadline=30.0)) as session:
        yield session
