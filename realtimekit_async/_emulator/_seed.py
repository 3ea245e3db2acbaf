"""Deterministic bulk data for demos and paging tests."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from realtimekit_async._emulator._state import default_order_key

if TYPE_CHECKING:
    from realtimekit_async._emulator._records import Recording
    from realtimekit_async._emulator._state import EmulatorState

#: How many recordings :meth:`FakeRealtimeKit.seed` and a served emulator create by default.
SEED_RECORDINGS: Final = 300
#: How many meetings they are spread over by default.
SEED_MEETINGS: Final = 8
TITLES = ("Daily standup", "Board review", "Sprint planning", "Customer call", "All hands")
#: One running recording per meeting at most, so the 409 rule and active-recording agree.
_ACTIVE = ("RECORDING", "INVOKED", "PAUSED")
_FINISHED = ("UPLOADED", "UPLOADED", "ERRORED", "UPLOADED", "UPLOADING", "UPLOADED", "UPLOADED")


def seed(
    state: EmulatorState, recordings: int, meetings: int, *, fresh_links: bool = False
) -> list[str]:
    """Add ``meetings`` meetings and ``recordings`` recordings spread across statuses.

    Recordings are six hours apart going back in time (so older links have expired, unless
    ``fresh_links`` signs every link anew from now), use every status, and vary audio export,
    custom storage, start reasons, the bucket switch and track recordings.

    Returns:
        The new recording ids in the default list order.

    Raises:
        ValueError: A negative count, or no meetings to put recordings in.
    """
    if recordings < 0 or meetings < 1:
        raise ValueError("seed() needs recordings >= 0 and meetings >= 1")
    meeting_ids: list[str] = []
    for i in range(meetings):
        suffix = f" {i // len(TITLES) + 1}" if i >= len(TITLES) else ""
        title = TITLES[i % len(TITLES)] + suffix
        meeting_ids.append(
            state.add_meeting(title=title, meeting_id=None, status="ACTIVE", extra={}).id
        )
    now = state.now
    made: list[Recording] = []
    for i in range(recordings):
        if i < min(len(_ACTIVE), meetings):
            status, invoked = _ACTIVE[i], now - timedelta(minutes=i + 1)
        else:
            status = _FINISHED[i % len(_FINISHED)]
            invoked = now - timedelta(hours=6 * i, minutes=state.rng.randint(0, 59))
        track = status == "UPLOADED" and i % 9 == 8
        overrides: dict[str, Any] = {}
        if i % 4 == 0 and not track:
            overrides["audio_config"] = {"codec": "MP3", "channel": "stereo", "export_file": True}
        if i % 5 == 2:
            overrides["storage_config"] = {
                "type": "aws",
                "bucket": "emulator-archive",
                "region": "eu-central-1",
                "path": f"recordings/{i}",
            }
        if i % 13 == 12:
            overrides["realtimekit_bucket_config"] = {"enabled": False}
        if i % 6 == 5:
            overrides["start_reason"] = {"reason": "RECORD_ON_START"}
        rec = state.add_recording(
            meeting_ids[i % meetings],
            status=status,
            invoked_time=invoked,
            track=track,
            overrides=overrides,
        )
        if fresh_links:
            state.renew_links(rec)
        made.append(rec)
    return [rec.id for rec in sorted(made, key=default_order_key, reverse=True)]
