"""Deterministic bulk data."""

from __future__ import annotations

import pytest

from realtimekit_async.testing import FakeRealtimeKit

from .conftest import (
    NOW,
)


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
