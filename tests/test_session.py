# pyright: reportPrivateUsage=false
"""The six calls end to end, over loopback HTTP against the bundled emulator."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import inspect
import logging
import math
import warnings
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from realtimekit_async import (
    USE_DEFAULT,
    AudioConfig,
    AuthenticationError,
    ConflictError,
    ConnectError,
    NoActiveRecordingError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RateLimiter,
    RealtimeKitSession,
    RecordingAction,
    RecordingFailedError,
    RecordingStatus,
    RequestTimeoutError,
    ResponseParseError,
    RetryPolicy,
    ServerError,
    SessionClosedError,
    StorageConfig,
    TrackLayer,
    TransportError,
    WaitTimeoutError,
)
from realtimekit_async.testing import FakeRealtimeKit, FaultKind

from .conftest import session_for


def requests_to(fake: FakeRealtimeKit, method: str, suffix: str = "") -> int:
    """How many requests with *method* whose path ends with *suffix* the emulator received."""
    return sum(1 for e in fake.journal if e.method == method and e.path.endswith(suffix))


# --- the six calls ----------------------------------------------------------------------------


async def test_recording_lifecycle(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """Start, read as active, pause, resume, stop, read back: every state as documented."""
    meeting = fake.add_meeting(title="Board review")
    started = await rtk.start_recording(
        meeting, max_seconds=3600, file_name_prefix="board", audio_config=AudioConfig(codec="MP3")
    )
    assert started.status is RecordingStatus.INVOKED
    assert started.start_reason is not None
    fake.advance(5)
    active = await rtk.get_active_recording(meeting)
    assert (active.id, active.status) == (started.id, RecordingStatus.RECORDING)
    assert (await rtk.pause_recording(started.id)).status is RecordingStatus.PAUSED
    assert (await rtk.resume_recording(started.id)).status is RecordingStatus.RECORDING
    stopped = await rtk.stop_recording(started.id)
    assert stopped.status is RecordingStatus.UPLOADING
    assert stopped.stopped_time is not None
    fake.advance(5)
    done = await rtk.get_recording(started.id)
    assert done.status is RecordingStatus.UPLOADED
    assert isinstance(done.download_url, str)
    assert done.file_size == len(fake.storage_bytes(started.id))
    assert fake.journal[0].body == {
        "meeting_id": meeting,
        "max_seconds": 3600,
        "file_name_prefix": "board",
        "audio_config": {"codec": "MP3"},
    }
    headers = fake.journal[0].headers
    assert headers["Authorization"] == f"Bearer {fake.api_token}"
    assert headers["User-Agent"].startswith("realtimekit-async/")


async def test_update_recording_accepts_strings(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """update_recording takes the action as enum or string."""
    meeting = fake.add_meeting()
    recording = fake.add_recording(meeting, status="RECORDING")
    assert (await rtk.update_recording(recording, "pause")).status is RecordingStatus.PAUSED
    assert (
        await rtk.update_recording(recording, RecordingAction.RESUME)
    ).status is RecordingStatus.RECORDING
    with pytest.raises(ValueError, match="action must be one of"):
        await rtk.update_recording(recording, "rewind")


async def test_start_sends_storage_and_plain_dict_options(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """Options objects and dicts are sent; the server echoes storage without its secrets."""
    meeting = fake.add_meeting()
    recording = await rtk.start_recording(
        meeting,
        storage_config=StorageConfig(
            type="sftp", host="h", port=22, username="u", password="pw", auth_method="PASSWORD"
        ),
        video_config={"codec": "VP8", "width": 640},
        realtimekit_bucket_config={"enabled": False},
        allow_multiple_recordings=False,
        url="https://example.com/view",
    )
    assert recording.storage_config is not None
    assert recording.storage_config.password is None
    sent = fake.journal[-1].body
    assert sent["storage_config"]["password"] == "pw"
    assert sent["video_config"] == {"codec": "VP8", "width": 640}


async def test_track_recording(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """A track recording starts, stops and, once uploaded, lists its per-layer files."""
    meeting = fake.add_meeting()
    started = await rtk.start_track_recording(
        meeting, layers={"default": TrackLayer(file_name_prefix="speaker")}, user_ids=["u1", "u2"]
    )
    assert started.status is RecordingStatus.INVOKED
    fake.advance(1)
    await rtk.stop_recording(started.id)
    fake.advance(1)
    done = await rtk.get_recording(started.id)
    assert done.is_track
    assert isinstance(done.download_url, tuple)
    files = [f for layer in done.download_url for f in layer.download_urls]
    assert len(files) == 2
    assert fake.journal[0].body == {
        "meeting_id": meeting,
        "layers": {"default": {"file_name_prefix": "speaker"}},
        "user_ids": ["u1", "u2"],
    }


async def test_no_active_recording(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """A meeting without a running recording raises NoActiveRecordingError (a NotFoundError)."""
    meeting = fake.add_meeting()
    with pytest.raises(NoActiveRecordingError) as caught:
        await rtk.get_active_recording(meeting)
    assert isinstance(caught.value, NotFoundError)
    assert caught.value.cf_ray
    assert meeting in str(caught.value)


async def test_unknown_recording_and_bad_token(fake: FakeRealtimeKit) -> None:
    """404 and 401 map to their classes, from both envelopes; neither is retried."""
    async with session_for(fake) as rtk:
        with pytest.raises(NotFoundError):
            await rtk.get_recording("00000000-0000-0000-0000-000000000000")
    async with session_for(fake, api_token="wrong-token") as rtk:
        with pytest.raises(AuthenticationError) as caught:
            await rtk.get_recording("x")
    assert caught.value.code == 10000
    assert "wrong-token" not in str(caught.value)
    assert requests_to(fake, "GET") == 2


async def test_stop_conflict_is_one_request(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """Stopping a stopped recording: exactly one request, ConflictError."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    with pytest.raises(ConflictError):
        await rtk.stop_recording(recording)
    assert requests_to(fake, "PUT") == 1


async def test_second_start_conflicts(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """Starting a second recording of a meeting without allow_multiple_recordings is a 409."""
    meeting = fake.add_meeting()
    await rtk.start_recording(meeting)
    with pytest.raises(ConflictError):
        await rtk.start_recording(meeting)
    assert requests_to(fake, "POST") == 2


# --- listing ----------------------------------------------------------------------------------


async def test_list_all_with_exact_request_count(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """N records take exactly ceil(N / per_page) requests and come in server order."""
    ids = fake.seed(250)
    pager = rtk.list_recordings(per_page=100)
    assert [r.id async for r in pager] == ids
    assert requests_to(fake, "GET") == 3
    assert pager.total_count == 250
    assert pager.pages_fetched == 3


async def test_server_capped_page_size(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """A server that caps per_page (100 for 250) is followed page by page, nothing lost."""
    ids = fake.seed(450)
    assert [r.id async for r in rtk.list_recordings(per_page=250)] == ids
    assert requests_to(fake, "GET") == 5
    # Prefetched pages are requested concurrently: they may arrive in either order.
    pages = sorted(int(v) for e in fake.journal for k, v in e.query if k == "page_no")
    assert pages == list(range(1, 6))


async def test_pages_and_filters(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """Filters reach the server; pages() yields typed pages with paging."""
    meeting = fake.add_meeting(title="Weekly sync")
    other = fake.add_meeting(title="Other")
    mine = {fake.add_recording(meeting, status=s) for s in ("UPLOADED", "ERRORED", "UPLOADED")}
    fake.add_recording(other, status="UPLOADED")
    pages = [
        page
        async for page in rtk.list_recordings(
            meeting_id=meeting,
            status=["UPLOADED", "ERRORED"],
            sort_by="invokedTime",
            sort_order="ASC",
            per_page=2,
            search="weekly",
            start_time=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        ).pages()
    ]
    assert [len(p.items) for p in pages] == [2, 1]
    assert {r.id for p in pages for r in p.items} == mine
    assert pages[0].paging.total_count == 3
    assert all(
        r.meeting is not None and r.meeting.title == "Weekly sync" for p in pages for r in p.items
    )
    assert [r.id async for r in rtk.list_recordings(expired=True)] == []


async def test_empty_listing_is_one_request(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """No recordings: one request, nothing yielded."""
    assert [r async for r in rtk.list_recordings()] == []
    assert requests_to(fake, "GET") == 1


async def test_breaking_early_leaves_no_connection(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """Leaving a scan early cancels the prefetched pages: no connection stays open."""
    fake.seed(300)
    async with rtk.list_recordings(per_page=100) as pager:
        async for _ in pager:
            break
    assert requests_to(fake, "GET") == 1
    assert rtk._transport.idle
    async for _ in rtk.list_recordings(per_page=100):
        break
    # Without `async with`, the iterator is closed when the loop next runs.
    await asyncio.sleep(0.05)
    assert rtk._transport.idle
    assert requests_to(fake, "GET") <= 4


async def test_resume_token_continues_without_gaps(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """A scan stopped mid-page resumes from its token: every id exactly once."""
    ids = fake.seed(230)
    pager = rtk.list_recordings(per_page=50, status=list(RecordingStatus))
    first: list[str] = []
    async for recording in pager:
        first.append(recording.id)
        if len(first) == 75:
            break
    token = pager.resume_token.dumps()
    rest = [r.id async for r in rtk.list_recordings(resume=token)]
    assert first + rest == ids
    with pytest.raises(ValueError, match="either resume= or filters"):
        rtk.list_recordings(resume=token, meeting_id="m")


async def test_list_arguments_checked_before_io(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """Bad filters raise at list_recordings(), before any request."""
    with pytest.raises(ValueError, match="per_page must be at least 1"):
        rtk.list_recordings(per_page=0)
    with pytest.raises(ValueError, match="status must be one of"):
        rtk.list_recordings(status="FINISHED")
    with pytest.raises(ValueError, match="not a resume token"):
        rtk.list_recordings(resume="garbage")
    with pytest.raises(ValueError, match="prefetch must be a number of pages"):
        rtk.list_recordings(prefetch=-1)
    assert fake.journal == []


# --- faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        FaultKind.RATE_LIMIT,
        FaultKind.SERVER_ERROR,
        FaultKind.RESET,
        FaultKind.TRUNCATED,
        FaultKind.SUCCESS_FALSE,
    ],
)
async def test_reads_retry_transient_faults(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession, kind: FaultKind
) -> None:
    """A read recovers from each transient fault and returns the right record."""
    recording = fake.add_recording(fake.add_meeting())
    fake.inject(kind, method="GET", times=2)
    assert (await rtk.get_recording(recording)).id == recording


async def test_retry_after_is_waited_for(fake: FakeRealtimeKit) -> None:
    """A 429's Retry-After is how long the session waits before trying again."""
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    recording = fake.add_recording(fake.add_meeting())
    fake.inject(FaultKind.RATE_LIMIT, retry_after=7)
    async with session_for(fake, sleep=sleep, rate_limiter=RateLimiter.recordings()) as rtk:
        await rtk.get_recording(recording)
    assert waits == [7.0]


async def test_retry_after_longer_than_deadline_raises_at_once(fake: FakeRealtimeKit) -> None:
    """Retry-After: 120 with a 30 s deadline: RateLimitedError immediately, one request."""
    fake.inject(FaultKind.RATE_LIMIT, retry_after=120)
    async with session_for(fake, timeout=30.0) as rtk:
        with pytest.raises(RateLimitedError) as caught:
            await rtk.get_recording("r")
    assert caught.value.retry_after == 120.0
    assert len(fake.journal) == 1


async def test_persistent_server_error_gives_up(fake: FakeRealtimeKit) -> None:
    """After the policy's attempts, the last error is raised."""
    fake.inject(FaultKind.SERVER_ERROR, status=502, times=10)
    async with session_for(fake, retry=RetryPolicy(attempts=3)) as rtk:
        with pytest.raises(ServerError, match="HTTP 502"):
            await rtk.get_recording("r")
    assert len(fake.journal) == 3


async def test_slow_response_times_out(fake: FakeRealtimeKit) -> None:
    """A call that outlives its deadline raises RequestTimeoutError."""
    fake.inject(FaultKind.SLOW, delay=2.0, times=5)
    async with session_for(fake, retry=RetryPolicy(attempts=2)) as rtk:
        with pytest.raises(RequestTimeoutError):
            await rtk.get_recording("r", timeout=0.2)


async def test_start_with_lost_response_returns_created_recording(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """The server started the recording but the answer was lost: one recording, returned."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.LOST_RESPONSE, method="POST")
    recording = await rtk.start_recording(meeting)
    assert fake.recording_ids == [recording.id]
    assert requests_to(fake, "POST") == 1
    assert requests_to(fake, "GET", f"/active-recording/{meeting}") == 1


async def test_start_after_server_error_without_effect_is_resent(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """A 500 that started nothing: the check finds no recording, so the start is sent again."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.SERVER_ERROR, method="POST", status=500)
    recording = await rtk.start_recording(meeting)
    assert fake.recording_ids == [recording.id]
    assert requests_to(fake, "POST") == 2


@pytest.mark.parametrize("call", ["multiple", "track"])
async def test_unreconcilable_writes_report_unknown_outcome(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession, call: str
) -> None:
    """Writes whose effect cannot be checked are never resent after an ambiguous failure."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.LOST_RESPONSE, method="POST")
    with pytest.raises(OutcomeUnknownError, match="may or may not have taken effect"):
        if call == "multiple":
            await rtk.start_recording(meeting, allow_multiple_recordings=True)
        else:
            await rtk.start_track_recording(meeting)
    assert requests_to(fake, "POST") == 1
    assert len(fake.recording_ids) == 1


async def test_refused_write_is_resent(fake: FakeRealtimeKit, rtk: RealtimeKitSession) -> None:
    """A 429 means the start never happened, so even a track start is sent again."""
    meeting = fake.add_meeting()
    fake.inject(FaultKind.RATE_LIMIT, method="POST", retry_after=0)
    await rtk.start_track_recording(meeting)
    assert requests_to(fake, "POST") == 2
    assert len(fake.recording_ids) == 1


async def test_stop_with_lost_response_reads_back(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """A stop whose answer was lost is confirmed by reading the recording, not resent."""
    recording = fake.add_recording(fake.add_meeting(), status="RECORDING")
    fake.inject(FaultKind.LOST_RESPONSE, method="PUT")
    stopped = await rtk.stop_recording(recording)
    assert stopped.status is RecordingStatus.UPLOADING
    assert requests_to(fake, "PUT") == 1


async def test_pause_reconcile_failure_is_unknown_outcome(fake: FakeRealtimeKit) -> None:
    """If checking the state fails too, the outcome is reported unknown, not guessed."""
    recording = fake.add_recording(fake.add_meeting(), status="RECORDING")
    fake.inject(FaultKind.LOST_RESPONSE, method="PUT")
    fake.inject(FaultKind.SERVER_ERROR, method="GET", times=10)
    async with session_for(fake, retry=RetryPolicy(attempts=2)) as rtk:
        with pytest.raises(OutcomeUnknownError, match="reading the server's state failed too"):
            await rtk.pause_recording(recording)


async def test_write_attempts_exhausted_after_reconcile(fake: FakeRealtimeKit) -> None:
    """A write that keeps failing, checked each time to have had no effect, raises the error."""
    recording = fake.add_recording(fake.add_meeting(), status="RECORDING")
    fake.inject(FaultKind.SERVER_ERROR, method="PUT", status=500, times=10)
    async with session_for(fake, retry=RetryPolicy(attempts=2)) as rtk:
        with pytest.raises(ServerError, match="HTTP 500"):
            await rtk.pause_recording(recording)
    assert requests_to(fake, "PUT") == 2
    assert requests_to(fake, "GET") == 2


async def test_deadline_exhausted_between_attempts(fake: FakeRealtimeKit) -> None:
    """When the deadline is spent before the next attempt, the call stops with a timeout."""

    async def slow_sleep(seconds: float) -> None:
        await asyncio.sleep(0.3)

    fake.inject(FaultKind.SERVER_ERROR, times=10)
    async with session_for(fake, sleep=slow_sleep, retry=RetryPolicy(backoff_initial=0.01)) as rtk:
        with pytest.raises(RequestTimeoutError, match="deadline"):
            await rtk.get_recording("r", timeout=0.25)


async def test_connect_refused_is_connect_error(fake: FakeRealtimeKit) -> None:
    """Nobody listening: ConnectError after the policy's attempts."""
    url = fake.base_url
    await fake.close()
    async with session_for(fake, base_url=url, retry=RetryPolicy(attempts=2)) as rtk:
        with pytest.raises(ConnectError, match="could not connect"):
            await rtk.get_recording("r")


async def test_non_json_success_is_parse_error(fake: FakeRealtimeKit) -> None:
    """A 200 that is not JSON is a ResponseParseError, never retried."""

    async def handler(_: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with RealtimeKitSession(
            account_id="a", app_id="b", api_token="t", base_url=f"http://127.0.0.1:{port}"
        ) as rtk:
            with pytest.raises(ResponseParseError, match="maintenance"):
                await rtk.get_recording("r")
    finally:
        await runner.cleanup()


# --- lifecycle, configuration, secrets -------------------------------------------------------


async def test_caller_session_is_left_open(fake: FakeRealtimeKit) -> None:
    """A caller's aiohttp session is used and never closed by us."""
    async with aiohttp.ClientSession() as own:
        async with session_for(fake, session=own) as rtk:
            with pytest.raises(NotFoundError):
                await rtk.get_recording("r")
        assert not own.closed
        assert rtk.closed


async def test_closed_session_raises_clearly(fake: FakeRealtimeKit) -> None:
    """Using a closed session raises SessionClosedError; aclose() is idempotent."""
    rtk = session_for(fake)
    assert rtk._transport.idle
    await rtk.aclose()
    await rtk.aclose()
    with pytest.raises(SessionClosedError, match="closed"):
        await rtk.get_recording("r")
    with pytest.raises(SessionClosedError):
        rtk.list_recordings()
    with pytest.raises(SessionClosedError):
        async with rtk:
            pass
    assert "closed" in repr(rtk)


async def test_unclosed_session_warns(fake: FakeRealtimeKit) -> None:
    """A session that made its own aiohttp session and was not closed warns on collection."""
    rtk = session_for(fake)
    with pytest.raises(NotFoundError):
        await rtk.get_recording("r")
    inner = rtk._transport.session
    with pytest.warns(ResourceWarning, match="unclosed RealtimeKitSession"):
        await inner.close()
        inner_ref = rtk._transport
        inner_ref._session = aiohttp.ClientSession()
        leaked = inner_ref._session
        del rtk, inner_ref
        gc.collect()
    await leaked.close()


def test_configuration_errors() -> None:
    """Bad configuration is refused with an actionable message."""
    with pytest.raises(ValueError, match="api_token must be a non-empty string"):
        RealtimeKitSession(account_id="a", app_id="b", api_token="")
    with pytest.raises(ValueError, match="api_token contains whitespace"):
        RealtimeKitSession(account_id="a", app_id="b", api_token=" ")
    with pytest.raises(ValueError, match="base_url must be an http"):
        RealtimeKitSession(account_id="a", app_id="b", api_token="t", base_url="ftp://x")
    with pytest.raises(ValueError, match="account_id"):
        RealtimeKitSession(account_id="a/b", app_id="b", api_token="t")


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """from_env reads the documented variables; arguments win; missing ones are named."""
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "acc")
    monkeypatch.setenv("REALTIMEKIT_APP_ID", "app")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "SENTINEL-TOKEN")
    monkeypatch.setenv("REALTIMEKIT_BASE_URL", "http://127.0.0.1:9/client/v4")
    rtk = RealtimeKitSession.from_env(app_id="other")
    assert (rtk.account_id, rtk.app_id, rtk.base_url) == (
        "acc",
        "other",
        "http://127.0.0.1:9/client/v4",
    )
    assert "SENTINEL" not in repr(rtk)
    monkeypatch.delenv("CLOUDFLARE_API_TOKEN")
    monkeypatch.delenv("REALTIMEKIT_APP_ID")
    with pytest.raises(ValueError, match="REALTIMEKIT_APP_ID, CLOUDFLARE_API_TOKEN"):
        RealtimeKitSession.from_env()


async def test_secrets_never_logged_or_shown(caplog: pytest.LogCaptureFixture) -> None:
    """A sentinel token and storage secrets appear in no log record, repr or error message."""
    token, secret = "tok-SENTINEL-1", "sec-SENTINEL-2"
    async with FakeRealtimeKit(api_token=token) as fake:
        meeting = fake.add_meeting()
        fake.inject(FaultKind.SERVER_ERROR, times=1)
        caplog.set_level(logging.DEBUG)
        seen: list[str] = []
        async with session_for(fake, api_token=token) as rtk:
            seen.append(repr(rtk))
            started = await rtk.start_recording(
                meeting,
                storage_config=StorageConfig(
                    type="aws", access_key=secret, secret=secret, bucket="b"
                ),
            )
            seen.append(repr(started))
            for call in (rtk.get_recording("missing"), rtk.stop_recording("missing")):
                with pytest.raises(NotFoundError) as caught:
                    await call
                seen.extend([str(caught.value), repr(caught.value)])
        async with session_for(fake, api_token="bad-SENTINEL-3") as bad:
            with pytest.raises(AuthenticationError) as denied:
                await bad.get_recording("r")
            seen.append(str(denied.value))
    seen.extend(record.getMessage() for record in caplog.records)
    assert any("attempt=" in line for line in seen)
    assert not [line for line in seen if "SENTINEL" in line]


async def test_debug_log_line(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession, caplog: pytest.LogCaptureFixture
) -> None:
    """DEBUG shows method, path, status, attempt, elapsed and cf-ray; retries log at INFO."""
    caplog.set_level(logging.DEBUG, logger="realtimekit_async")
    fake.inject(FaultKind.SERVER_ERROR)
    with pytest.raises(NotFoundError):
        await rtk.get_recording("r")
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("retrying GET ") for line in lines)
    last = lines[-1]
    assert last.startswith(
        f"GET /accounts/{fake.account_id}/realtime/kit/{fake.app_id}/recordings/r -> 404 attempt=2"
    )
    assert "elapsed=" in last
    assert "cf-ray=-" not in last
    warnings.simplefilter("error")


async def test_rate_limiter_wait_counts_against_the_deadline(fake: FakeRealtimeKit) -> None:
    """A call that would wait past its deadline for the limiter times out without sending."""
    recording = fake.add_recording(fake.add_meeting())
    async with session_for(fake, rate_limiter=RateLimiter(1, 60.0)) as rtk:
        await rtk.get_recording(recording)
        with pytest.raises(RateLimitedError, match=r"longer than the 0\.1 s left") as caught:
            await rtk.get_recording(recording, timeout=0.1)
    assert caught.value.retry_after == pytest.approx(60.0, abs=1.0)
    assert len(fake.journal) == 1


# --- configuration checked where it is given ------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"api_token": "tok\r\nX-Injected: 1"},
        {"base_url": "http://127.0.0.1:9/v4?x=1"},
        {"base_url": "http://user:SENTINEL@127.0.0.1:9/v4"},
        {"timeout": math.nan},
        {"connect_timeout": math.inf},
        {"read_timeout": -1},
        {"timeout": "5"},
    ],
)
def test_session_refuses_bad_configuration(options: dict[str, object]) -> None:
    """Tokens with CR/LF, URLs with query or user info, and unusable timeouts fail at once."""
    config: dict[str, object] = {"account_id": "a", "app_id": "b", "api_token": "t"} | options
    with pytest.raises((ValueError, TypeError)) as caught:
        RealtimeKitSession(**config)  # type: ignore[arg-type]
    assert "SENTINEL" not in str(caught.value)


async def test_per_call_timeout_is_checked_before_sending(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """A per-call timeout of nan or zero is refused before any request."""
    recording = fake.add_recording(fake.add_meeting())
    with pytest.raises(ValueError, match="timeout must be a finite number"):
        await rtk.get_recording(recording, timeout=math.nan)
    with pytest.raises(ValueError, match="timeout must be a finite number"):
        await rtk.stop_recording(recording, timeout=0)
    assert fake.journal == []


# --- every wait ends when it says -----------------------------------------------------------


async def never_answering_server() -> AsyncIterator[tuple[str, list[float]]]:
    """A server that accepts every request and never answers; yields its URL and the arrivals."""
    arrivals: list[float] = []

    async def hang(_: web.Request) -> web.Response:
        arrivals.append(asyncio.get_running_loop().time())
        await asyncio.Event().wait()
        raise AssertionError  # pragma: no cover - never woken

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hang)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/client/v4", arrivals
    finally:
        await runner.cleanup()


@pytest.fixture
async def hanging() -> AsyncIterator[tuple[str, list[float]]]:
    """The URL of a server that never answers, and when its requests arrived."""
    async for server in never_answering_server():
        yield server


async def test_wait_ends_on_time_when_the_server_never_answers(
    hanging: tuple[str, list[float]],
) -> None:
    """Each poll gets what is left of the wait, not the session's 120 s deadline."""
    url, arrivals = hanging
    async with RealtimeKitSession(account_id="a", app_id="b", api_token="t", base_url=url) as rtk:
        loop = asyncio.get_running_loop()
        began = loop.time()
        # The guard only stops a broken build from hanging the suite for two minutes.
        async with asyncio.timeout(30):
            with pytest.raises(WaitTimeoutError, match=r"still unknown .* after 0\.5 s") as caught:
                await rtk.wait_for_status("rec-1", "UPLOADED", timeout=0.5)
        assert caught.value.recording is None
        assert not isinstance(caught.value, TransportError)
        assert isinstance(caught.value.__cause__, RequestTimeoutError)
        assert arrivals
        assert arrivals[0] >= began


async def test_wait_rejects_bad_arguments_before_polling(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """Unknown statuses and unusable intervals fail at once, with no request sent."""
    recording = fake.add_recording(fake.add_meeting())
    with pytest.raises(ValueError, match="'DONE' is not a recording status"):
        await rtk.wait_for_status(recording, "DONE")
    with pytest.raises(ValueError, match="poll_interval must be a finite"):
        await rtk.wait_for_status(recording, poll_interval=0)
    with pytest.raises(TypeError, match="timeout must be a number of seconds, got None"):
        await rtk.wait_for_status(recording, timeout=None)  # type: ignore[arg-type]
    assert fake.journal == []


async def test_wait_for_one_status_given_as_a_string(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """A bare string is one status: "UPLOADED" is not split into letters."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    assert (await rtk.wait_for_status(recording, "UPLOADED")).id == recording


async def test_wait_for_an_unreachable_status_ends_at_once(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession
) -> None:
    """Waiting for PAUSED on an UPLOADED recording raises after one poll, with the recording."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    with pytest.raises(RecordingFailedError, match="is UPLOADED, from which PAUSED") as caught:
        await rtk.wait_for_status(recording, RecordingStatus.PAUSED)
    assert caught.value.recording.status is RecordingStatus.UPLOADED
    assert len(fake.journal) == 1


async def test_wait_passes_on_errors_that_are_not_its_timeout(fake: FakeRealtimeKit) -> None:
    """A poll that fails for another reason while time is left raises that error."""
    recording = fake.add_recording(fake.add_meeting())
    fake.inject(FaultKind.SLOW, times=10, delay=0.3)
    async with session_for(fake, read_timeout=0.05, retry=RetryPolicy(attempts=1)) as rtk:
        with pytest.raises(RequestTimeoutError, match="timed out waiting for the response"):
            await rtk.wait_for_status(recording, timeout=60)


async def test_limiter_pause_beyond_max_pause_fails_at_once(fake: FakeRealtimeKit) -> None:
    """Without a deadline, a limiter pause longer than the policy's max_pause is refused."""
    recording = fake.add_recording(fake.add_meeting())
    policy = RetryPolicy(deadline=None, max_pause=5.0)
    async with session_for(fake, rate_limiter=RateLimiter(1, 60.0), retry=policy) as rtk:
        await rtk.get_recording(recording)
        with pytest.raises(RateLimitedError, match=r"max_pause \(5 s\)") as caught:
            await rtk.get_recording(recording)
    assert caught.value.retry_after is not None
    assert caught.value.retry_after > 5.0
    assert len(fake.journal) == 1


async def test_retry_after_beyond_max_pause_is_not_slept(fake: FakeRealtimeKit) -> None:
    """A Retry-After longer than max_pause raises at once, even with no deadline."""
    recording = fake.add_recording(fake.add_meeting())
    fake.inject(FaultKind.RATE_LIMIT, retry_after=600)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    policy = RetryPolicy(deadline=None)
    async with session_for(fake, retry=policy, sleep=sleep) as rtk:
        with pytest.raises(RateLimitedError) as caught:
            await rtk.get_recording(recording)
    assert caught.value.retry_after == 600
    assert slept == []


class _PlainLimiter:
    """A limiter that cannot forecast its pause, like a user's own."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()

    async def acquire(self) -> None:
        await self.gate.wait()

    def hold_off(self, seconds: float) -> None:
        """Never asked in this test."""

    def observe(self, headers: Mapping[str, str]) -> None:
        """Nothing to learn."""


async def test_a_limiter_without_forecast_is_bounded_by_the_deadline(
    fake: FakeRealtimeKit,
) -> None:
    """A user's limiter that blocks is still cut off by the call's deadline, nothing sent."""
    recording = fake.add_recording(fake.add_meeting())
    async with session_for(fake, rate_limiter=_PlainLimiter()) as rtk:
        with pytest.raises(RequestTimeoutError, match="waiting for the rate limiter"):
            await rtk.get_recording(recording, timeout=0.05)
    assert fake.journal == []


async def test_aclose_during_a_call_raises_session_closed(
    hanging: tuple[str, list[float]],
) -> None:
    """aclose() while a request is in flight makes the call raise SessionClosedError."""
    url, arrivals = hanging
    rtk = RealtimeKitSession(account_id="a", app_id="b", api_token="t", base_url=url)
    call = asyncio.create_task(rtk.get_recording("rec-1"))
    while not arrivals:
        await asyncio.sleep(0.01)
    await rtk.aclose()
    with pytest.raises(SessionClosedError, match="closed while the call was in flight") as caught:
        await call
    assert isinstance(caught.value.__cause__, TransportError)


async def test_aclose_during_a_retry_pause_raises_session_closed(fake: FakeRealtimeKit) -> None:
    """aclose() while a call sleeps before its retry ends the call with SessionClosedError."""
    recording = fake.add_recording(fake.add_meeting())
    fake.inject(FaultKind.SERVER_ERROR)
    sleeping = asyncio.Event()

    async def sleep(_: float) -> None:
        sleeping.set()
        await asyncio.sleep(0)

    rtk = session_for(fake, sleep=sleep)
    call = asyncio.create_task(rtk.get_recording(recording))
    await sleeping.wait()
    await rtk.aclose()
    with pytest.raises(SessionClosedError, match="is closed"):
        await call
    assert len(fake.journal) == 1


async def test_caller_session_closed_under_us_is_a_transport_error(
    fake: FakeRealtimeKit,
) -> None:
    """A caller's aiohttp session closed behind our back raises our error, not RuntimeError."""
    recording = fake.add_recording(fake.add_meeting())
    async with aiohttp.ClientSession() as http:
        rtk = session_for(fake, session=http)
    with pytest.raises(TransportError, match="passed as session= is closed"):
        await rtk.get_recording(recording)
    await rtk.aclose()


def test_one_meaning_of_none_and_a_named_default() -> None:
    """timeout=None is "no deadline" everywhere; not given, the policy's deadline applies."""
    config: dict[str, Any] = {"account_id": "a", "app_id": "b", "api_token": "t"}
    assert RealtimeKitSession(**config, timeout=None).deadline is None
    assert RealtimeKitSession(**config, retry=RetryPolicy(deadline=7)).deadline == 7
    assert RealtimeKitSession(**config, timeout=3).deadline == 3
    assert repr(USE_DEFAULT) == "USE_DEFAULT"
    assert "UseDefault | None' = USE_DEFAULT" in str(
        inspect.signature(RealtimeKitSession.get_recording)
    )


def test_configuration_is_read_only() -> None:
    """Assigning a configured value fails loudly instead of half-working."""
    rtk = RealtimeKitSession(account_id="a", app_id="b", api_token="t")
    for name in ("account_id", "app_id", "base_url", "retry", "rate_limiter", "deadline"):
        with pytest.raises(AttributeError):
            setattr(rtk, name, None)
    assert rtk.retry == RetryPolicy()
    assert repr(rtk.rate_limiter).startswith("Pacer(")
