"""A recording's life as data: which statuses can follow which, and what each action leads to.

INVOKED → RECORDING ⇄ PAUSED → UPLOADING → UPLOADED, with ERRORED possible from any status that
is not final. Used to stop waiting for a status that can no longer come, and to tell after an
ambiguous failure whether a pause/resume/stop already happened. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from ._models import RecordingAction, RecordingStatus

__all__ = ["ACTION_TARGETS", "can_reach", "check_statuses"]

_S = RecordingStatus
_RUNNING: Final = frozenset({_S.RECORDING, _S.PAUSED, _S.UPLOADING, _S.UPLOADED, _S.ERRORED})

#: Every status a recording can be in later, itself included, by its current status.
REACHABLE: Final[dict[RecordingStatus, frozenset[RecordingStatus]]] = {
    _S.INVOKED: frozenset(_S),
    _S.RECORDING: _RUNNING,
    _S.PAUSED: _RUNNING,
    _S.UPLOADING: frozenset({_S.UPLOADING, _S.UPLOADED, _S.ERRORED}),
    _S.UPLOADED: frozenset({_S.UPLOADED}),
    _S.ERRORED: frozenset({_S.ERRORED}),
}

#: What each action leads to, to tell after an ambiguous failure whether it already happened.
ACTION_TARGETS: Final = {
    RecordingAction.PAUSE: frozenset({_S.PAUSED}),
    RecordingAction.RESUME: frozenset({_S.RECORDING}),
    RecordingAction.STOP: frozenset({_S.UPLOADING, _S.UPLOADED, _S.ERRORED}),
}


def check_statuses(
    statuses: RecordingStatus | str | Iterable[RecordingStatus | str],
) -> frozenset[RecordingStatus]:
    """The statuses to wait for: one (a bare string is one status, not its letters) or several.

    Raises ``ValueError`` for an empty collection or a name that is not a recording status.
    """
    given = [statuses] if isinstance(statuses, str) else list(statuses)
    if not given:
        msg = "statuses must name at least one status to wait for"
        raise ValueError(msg)
    wanted: set[RecordingStatus] = set()
    for status in given:
        try:
            wanted.add(RecordingStatus(status))
        except ValueError:
            allowed = ", ".join(RecordingStatus)
            msg = f"{status!r} is not a recording status; use one of {allowed}"
            raise ValueError(msg) from None
    return frozenset(wanted)


def can_reach(current: RecordingStatus | str, wanted: frozenset[RecordingStatus]) -> bool:
    """Whether a recording in *current* may still come to one of *wanted*.

    A status the SDK does not know (the server added one) may lead anywhere.
    """
    if not isinstance(current, RecordingStatus):
        return True
    return not REACHABLE[current].isdisjoint(wanted)
