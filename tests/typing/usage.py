"""Type-checked by mypy and pyright, never run: the public API as a user writes it."""

from __future__ import annotations

import datetime as dt

import aiohttp

from realtimekit_async import (
    AudioConfig,
    NoActiveRecordingError,
    RateLimiter,
    RealtimeKitError,
    RealtimeKitSession,
    Recording,
    RecordingPage,
    RecordingPager,
    RecordingStatus,
    ResumeToken,
    RetryPolicy,
    StorageConfig,
    StorageType,
    TrackLayer,
)


async def service(meeting_id: str) -> Recording | None:
    async with RealtimeKitSession.from_env(retry=RetryPolicy(attempts=3, deadline=30)) as rtk:
        started: Recording = await rtk.start_recording(
            meeting_id,
            max_seconds=3600,
            audio_config=AudioConfig(codec="AAC"),
            storage_config=StorageConfig(type=StorageType.AWS, bucket="b", region="eu-west-1"),
        )
        try:
            active = await rtk.get_active_recording(meeting_id, timeout=5)
        except NoActiveRecordingError:
            return None
        if active.status is RecordingStatus.RECORDING:
            await rtk.pause_recording(started.id)
        return await rtk.stop_recording(started.id)


async def batch(session: aiohttp.ClientSession) -> list[str]:
    rtk = RealtimeKitSession(
        account_id="acc",
        app_id="app",
        api_token="token",
        session=session,
        rate_limiter=RateLimiter.recordings(),
    )
    pager: RecordingPager = rtk.list_recordings(
        status=[RecordingStatus.UPLOADED, "ERRORED"], start_time=dt.datetime.now(dt.UTC)
    )
    ids: list[str] = []
    try:
        async for recording in pager:
            ids.append(recording.id)
    except RealtimeKitError:
        token: str = pager.resume_token.dumps()
        async for page in rtk.list_recordings(resume=ResumeToken.loads(token)).pages():
            checked: RecordingPage = page
            ids.extend(r.id for r in checked.items)
    await rtk.start_track_recording("m", layers={"default": TrackLayer(file_name_prefix="x")})
    await rtk.aclose()
    return ids


async def emulated() -> None:
    from realtimekit_async.testing import Credentials, FakeRealtimeKit

    async with FakeRealtimeKit() as fake:
        credentials: Credentials = fake.credentials
        ids: list[str] = fake.seed(30, meetings=3, fresh_links=True)
        async with RealtimeKitSession(**credentials, retry=RetryPolicy(attempts=2)) as rtk:
            await rtk.get_recording(ids[0])
