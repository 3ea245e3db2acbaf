"""The recording state machine as data: reachable statuses and statuses to wait for."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtimekit_async import RecordingStatus
from realtimekit_async._lifecycle import REACHABLE, can_reach, check_statuses

S = RecordingStatus


def test_a_bare_string_is_one_status() -> None:
    """A bare "UPLOADED" is one status, not the letters U, P, L, ..."""
    assert check_statuses("UPLOADED") == {S.UPLOADED}
    assert check_statuses(S.PAUSED) == {S.PAUSED}
    assert check_statuses(["RECORDING", S.PAUSED]) == {S.RECORDING, S.PAUSED}


def test_unknown_or_no_statuses_are_refused() -> None:
    """A name that is no status, or none at all, is refused before any request."""
    with pytest.raises(ValueError, match="'UPLOADDED' is not a recording status; use one of"):
        check_statuses("UPLOADDED")
    with pytest.raises(ValueError, match="at least one status"):
        check_statuses([])


def test_final_statuses_reach_only_themselves() -> None:
    """Nothing follows UPLOADED or ERRORED; PAUSED cannot come after UPLOADING."""
    assert not can_reach(S.UPLOADED, frozenset({S.PAUSED}))
    assert not can_reach(S.ERRORED, frozenset({S.UPLOADED}))
    assert not can_reach(S.UPLOADING, frozenset({S.RECORDING, S.PAUSED}))
    assert can_reach(S.PAUSED, frozenset({S.RECORDING}))
    assert can_reach(S.RECORDING, frozenset({S.PAUSED}))


def test_a_status_the_sdk_does_not_know_may_lead_anywhere() -> None:
    """A status added by the server later never ends a wait early."""
    assert can_reach("ARCHIVING", frozenset({S.UPLOADED}))


@given(st.sampled_from(S), st.sampled_from(S), st.sampled_from(S))
def test_reachability_is_transitive(
    a: RecordingStatus, b: RecordingStatus, c: RecordingStatus
) -> None:
    """What can follow a status that can follow *a* can follow *a*; a status reaches itself."""
    assert a in REACHABLE[a]
    if b in REACHABLE[a] and c in REACHABLE[b]:
        assert c in REACHABLE[a]
