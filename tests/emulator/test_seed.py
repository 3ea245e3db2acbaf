"""Deterministic bulk data."""

from __future__ import annotations

import pytest

from realtimekit_async._emulator._seed import SEED_MEETINGS, SEED_RECORDINGS
from realtimekit_async.testing import FakeRealtimeKit

from .conftest import NOW


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


def test_seed_defaults() -> None:
    """seed() with no arguments makes what a served emulator holds: 300 recordings, 8 meetings."""
    fake = FakeRealtimeKit(now=NOW)
    made = fake.seed()
    assert (len(made), SEED_RECORDINGS, SEED_MEETINGS) == (300, 300, 8)
    meetings = {fake.recording(r)["meeting_id"] for r in made}
    assert len(meetings) == 8


def test_seed_fresh_links() -> None:
    """fresh_links signs every uploaded recording's links from now; by default old ones expired."""
    old, fresh = FakeRealtimeKit(now=NOW), FakeRealtimeKit(now=NOW)
    expiries = [old.recording(r)["download_url_expiry"] for r in old.seed(60)]
    renewed = [fresh.recording(r)["download_url_expiry"] for r in fresh.seed(60, fresh_links=True)]
    in_a_week = "2026-08-21T09:00:00.000Z"
    assert any(expiry is not None and expiry < "2026-08-14" for expiry in expiries)
    assert {expiry for expiry in renewed if expiry is not None} == {in_a_week}
    # The same data otherwise: only the links that existed were renewed.
    assert [e is None for e in expiries] == [e is None for e in renewed]
