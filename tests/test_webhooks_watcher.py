import asyncio
import datetime as dt
import subprocess
import sys

import attrs
import pytest

from realtimekit_async import Recording, RecordingStatus
from realtimekit_async.webhooks import (
    DeliveryStore,
    MeetingStarted,
    MemoryDeliveryStore,
    RecordingStatusUpdate,
    WebhookMeeting,
    WebhookWatcher,
)

T0 = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)


def update(recording_id: str, status: str) -> RecordingStatusUpdate:
    """A recording.statusUpdate event for *recording_id* in *status*."""
    recording = Recording(
        id=recording_id, status=RecordingStatus(status), invoked_time=T0, output_file_name="f"
    )
    return RecordingStatusUpdate(
        event="recording.statusUpdate",
        delivery_id=f"{recording_id}-{status}",
        webhook_id="w",
        data={},
        recording=recording,
    )


def started() -> MeetingStarted:
    """A meeting.started event."""
    return MeetingStarted(
        event="meeting.started",
        delivery_id="m",
        webhook_id="w",
        data={},
        meeting=WebhookMeeting(id="m"),
    )


# --- watcher ----------------------------------------------------------------------------------


async def test_wait_returns_on_the_matching_event() -> None:
    """wait() returns the recording as soon as an event in one of the statuses arrives."""
    watcher = WebhookWatcher()
    waiting = asyncio.create_task(watcher.wait("r1", ["UPLOADED", "ERRORED"], timeout=5))
    await asyncio.sleep(0)
    watcher.publish(update("r1", "UPLOADING"))
    watcher.publish(update("r2", "UPLOADED"))
    watcher.publish(started())
    await asyncio.sleep(0)
    assert not waiting.done()
    watcher.publish(update("r1", "UPLOADED"))
    recording = await waiting
    assert recording is not None
    assert recording.status is RecordingStatus.UPLOADED
    assert watcher.subscriber_count == 0


async def test_wait_sees_an_event_that_came_first() -> None:
    """An event published before wait() is remembered and returned at once."""
    watcher = WebhookWatcher()
    watcher.publish(update("r1", "UPLOADED"))
    recording = await watcher.wait("r1", RecordingStatus.UPLOADED, timeout=0)
    assert recording is not None
    assert watcher.latest("r1") == recording


async def test_wait_times_out_with_none() -> None:
    """No matching event within the timeout: None (the caller polls then)."""
    watcher = WebhookWatcher()
    watcher.publish(update("r1", "RECORDING"))
    assert await watcher.wait("r1", "UPLOADED", timeout=0.01) is None
    assert watcher.subscriber_count == 0
    with pytest.raises(ValueError, match="at least one"):
        await watcher.wait("r1", [], timeout=1)


async def test_wait_without_timeout() -> None:
    """timeout=None waits until the event arrives."""
    watcher = WebhookWatcher()
    waiting = asyncio.create_task(watcher.wait("r1", "ERRORED", timeout=None))
    await asyncio.sleep(0)
    watcher.publish(update("r1", "ERRORED"))
    assert await waiting is not None


async def test_a_late_earlier_status_does_not_replace_a_final_one() -> None:
    """Out-of-order delivery: UPLOADING after UPLOADED leaves UPLOADED as the latest."""
    watcher = WebhookWatcher()
    watcher.publish(update("r1", "UPLOADED"))
    watcher.publish(update("r1", "UPLOADING"))
    latest = watcher.latest("r1")
    assert latest is not None
    assert latest.status is RecordingStatus.UPLOADED
    watcher.publish(update("r1", "ERRORED"))
    latest = watcher.latest("r1")
    assert latest is not None
    assert latest.status is RecordingStatus.ERRORED


def test_latest_is_bounded() -> None:
    """Only the most recent `remember` recordings are kept."""
    watcher = WebhookWatcher(remember=2)
    for n in range(3):
        watcher.publish(update(f"r{n}", "RECORDING"))
    assert watcher.latest("r0") is None
    assert watcher.latest("r2") is not None


async def test_subscriptions_are_bounded_and_unsubscribe() -> None:
    """A slow subscriber keeps the newest events and counts the dropped ones."""
    watcher = WebhookWatcher(queue_size=2)
    async with watcher.subscribe("r1") as sub:
        for status in ("RECORDING", "PAUSED", "RECORDING", "UPLOADING"):
            watcher.publish(update("r1", status))
        assert sub.dropped == 2
        first = await sub.get(timeout=0)
        assert first is not None
        assert first.recording.status is RecordingStatus.RECORDING
        assert (await anext(sub)).recording.status is RecordingStatus.UPLOADING
        assert await sub.get(timeout=0) is None
        assert watcher.subscriber_count == 1
        with watcher.subscribe("r1"):
            assert watcher.subscriber_count == 2
        assert watcher.subscriber_count == 1
    assert sub.closed
    assert watcher.subscriber_count == 0
    sub.close()  # idempotent


async def test_subscribe_all_gets_every_event() -> None:
    """subscribe_all() receives meeting and recording events alike."""
    watcher = WebhookWatcher()
    with watcher.subscribe_all() as sub, watcher.subscribe("r1") as one:
        watcher.publish(started())
        watcher.publish(update("r1", "RECORDING"))
        assert isinstance(await sub.get(1), MeetingStarted)
        assert isinstance(await sub.get(1), RecordingStatusUpdate)
        assert await one.get(1) is not None
    assert watcher.subscriber_count == 0


def test_watcher_arguments_are_checked() -> None:
    """Bad sizes and ids raise ValueError at once."""
    with pytest.raises(ValueError, match="at least 1"):
        WebhookWatcher(queue_size=0)
    with pytest.raises(ValueError, match="recording_id"):
        WebhookWatcher().subscribe("")


# --- de-duplication ---------------------------------------------------------------------------


async def test_memory_store_remembers_and_forgets() -> None:
    """An id is seen once within the TTL, forgotten after it and when the store is full."""
    now = [0.0]
    store = MemoryDeliveryStore(max_size=2, ttl=60, clock=lambda: now[0])
    assert isinstance(store, DeliveryStore)
    assert await store.seen("a") is False
    assert await store.seen("a") is True
    now[0] = 30
    assert await store.seen("b") is False
    now[0] = 61  # "a" expired, "b" not yet
    assert await store.seen("a") is False
    assert await store.seen("b") is True
    assert await store.seen("c") is False  # full: the oldest ("b") goes
    assert len(store) == 2
    assert await store.seen("b") is False


def test_memory_store_arguments_are_checked() -> None:
    """A zero size or a non-finite TTL raise ValueError."""
    with pytest.raises(ValueError, match="max_size"):
        MemoryDeliveryStore(max_size=0)
    with pytest.raises(ValueError, match="ttl"):
        MemoryDeliveryStore(ttl=float("inf"))


# --- events -----------------------------------------------------------------------------------


def test_events_are_frozen_and_compare_without_data() -> None:
    """Events are immutable; equality ignores the raw data."""
    event = update("r1", "UPLOADED")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.event = "x"  # type: ignore[misc]
    assert attrs.evolve(event, data={"a": 1}) == event


# --- the optional dependency ------------------------------------------------------------------


def test_package_imports_without_cryptography() -> None:
    """Without cryptography, realtimekit_async imports; .webhooks names the extra to install."""
    script = (
        "import sys\n"
        "sys.modules['cryptography'] = None\n"
        "import realtimekit_async\n"
        "try:\n"
        "    import realtimekit_async.webhooks\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert 'pip install "realtimekit-async[webhooks]"' in result.stdout
