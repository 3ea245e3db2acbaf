"""wait_for_status and download_recording against the emulator's storage."""

# pyright: reportPrivateUsage=false
from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import attrs
import pytest
from aiohttp import web

from realtimekit_async import (
    DownloadError,
    RealtimeKitSession,
    Recording,
    RecordingFailedError,
    RecordingStatus,
    RetryPolicy,
    TransportError,
    WaitTimeoutError,
)
from realtimekit_async._download import Sink, download, plan_downloads
from realtimekit_async._transport import Transport
from realtimekit_async.testing import FakeRealtimeKit, FaultKind

from . import conftest


def session_for(fake: FakeRealtimeKit) -> RealtimeKitSession:
    return conftest.session_for(fake, retry=RetryPolicy(attempts=3))


def storage_requests(fake: FakeRealtimeKit) -> list[int | None]:
    return [e.status for e in fake.journal if e.path.startswith("/_storage/")]


async def test_wait_for_status_polls_until_uploaded(fake: FakeRealtimeKit) -> None:
    """Waiting polls with growing pauses until the upload finished."""
    recording = fake.add_recording(fake.add_meeting(), status="RECORDING")
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)
        fake.advance(seconds)

    async with session_for(fake) as rtk:
        await rtk.stop_recording(recording)
        rtk._sleep = sleep
        done = await rtk.wait_for_status(recording, poll_interval=1.0)
    assert done.status is RecordingStatus.UPLOADED
    assert pauses == [1.0]


async def test_wait_for_status_errors_and_timeouts(fake: FakeRealtimeKit) -> None:
    """ERRORED raises with the recording attached; a status never reached times out."""
    meeting = fake.add_meeting()
    failed = fake.add_recording(meeting, status="ERRORED")
    stuck = fake.add_recording(meeting, status="PAUSED")
    async with session_for(fake) as rtk:
        with pytest.raises(RecordingFailedError) as caught:
            await rtk.wait_for_status(failed)
        assert caught.value.recording.id == failed
        assert (await rtk.wait_for_status(failed, ["ERRORED", "UPLOADED"])).id == failed
        with pytest.raises(WaitTimeoutError, match="still PAUSED after 10 s"):
            await rtk.wait_for_status(stuck, timeout=10, poll_interval=1, max_poll_interval=2)
        with pytest.raises(ValueError, match="at least one status"):
            await rtk.wait_for_status(stuck, [])


async def test_download_writes_exact_bytes_without_token(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """A download writes the emulator's bytes, reports progress, and never sends the token."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    progress: list[tuple[int, int | None]] = []
    async with session_for(fake) as rtk:
        (path,) = await rtk.download_recording(
            recording, tmp_path, progress=lambda d, t: progress.append((d, t))
        )
    assert path.read_bytes() == fake.storage_bytes(recording)
    assert progress[-1] == (path.stat().st_size, path.stat().st_size)
    storage = [e for e in fake.journal if e.path.startswith("/_storage/")]
    assert len(storage) == 1
    assert "Authorization" not in storage[0].headers
    assert not list(tmp_path.glob("*.part"))


async def test_download_resumes_a_partial_file(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """An interrupted download continues from its .part with a Range request."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    data = fake.storage_bytes(recording)
    async with session_for(fake) as rtk:
        current = await rtk.get_recording(recording)
        target = tmp_path / "out.mp4"
        (tmp_path / "out.mp4.part").write_bytes(data[:1000])
        (path,) = await rtk.download_recording(current, target)
    assert path == target
    assert target.read_bytes() == data
    assert fake.journal[-1].headers["Range"] == "bytes=1000-"
    assert storage_requests(fake) == [206]


async def test_download_restarts_when_not_resuming(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """resume=False discards a stale .part; a complete .part finishes with a 416."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    data = fake.storage_bytes(recording)
    async with session_for(fake) as rtk:
        current = await rtk.get_recording(recording)
        (tmp_path / "a.part").write_bytes(b"garbage")
        (path,) = await rtk.download_recording(current, tmp_path / "a", resume=False)
        assert path.read_bytes() == data
        (tmp_path / "b.part").write_bytes(data)
        (done,) = await rtk.download_recording(current, tmp_path / "b")
        assert done.read_bytes() == data
    assert storage_requests(fake) == [200, 416]


async def test_expired_link_is_renewed(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A link refused as expired is replaced by fetching the recording again."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    async with session_for(fake) as rtk:
        old = await rtk.get_recording(recording)
        fake.advance(8 * 24 * 3600)
        fake.renew_links(recording)
        stale = attrs.evolve(old, download_url_expiry=None)
        (path,) = await rtk.download_recording(stale, tmp_path)
        assert path.read_bytes() == fake.storage_bytes(recording)
        assert storage_requests(fake) == [403, 200]
        # Known to be expired beforehand: renewed without asking storage first.
        expired = attrs.evolve(old, download_url_expiry=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        (again,) = await rtk.download_recording(expired, tmp_path / "again.mp4")
        assert again.exists()
        assert storage_requests(fake) == [403, 200, 200]


async def test_link_refused_even_when_fresh(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """If the fresh link is refused too, DownloadError says so."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    async with session_for(fake) as rtk:
        current = await rtk.get_recording(recording)
        fake.advance(8 * 24 * 3600)
        stale = attrs.evolve(current, download_url_expiry=None)
        with pytest.raises(DownloadError, match="even with a fresh link") as caught:
            await rtk.download_recording(stale, tmp_path)
    assert caught.value.status == 403


async def test_track_and_audio_downloads(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """Track recordings download every participant's file; audio downloads the audio file."""
    meeting = fake.add_meeting()
    async with session_for(fake) as rtk:
        track = await rtk.start_track_recording(meeting, user_ids=["a", "b"])
        fake.advance(1)
        await rtk.stop_recording(track.id)
        fake.advance(1)
        paths = await rtk.download_recording(track.id, tmp_path / "tracks")
        assert len(paths) == 2
        for path in paths:
            assert path.read_bytes() == fake.storage_bytes(track.id, path.name)
        composite = await rtk.start_recording(meeting, audio_config={"export_file": True})
        fake.advance(1)
        await rtk.stop_recording(composite.id)
        fake.advance(1)
        (audio,) = await rtk.download_recording(composite.id, tmp_path, audio=True)
        assert audio.read_bytes() == fake.storage_bytes(composite.id, audio.name)


async def test_download_refuses_what_cannot_be_downloaded(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """Not uploaded, no link, no audio: each a clear DownloadError before any storage request."""
    meeting = fake.add_meeting()
    recording = fake.add_recording(meeting, status="RECORDING")
    async with session_for(fake) as rtk:
        with pytest.raises(DownloadError, match="is RECORDING; only UPLOADED"):
            await rtk.download_recording(recording, tmp_path)
        bucketless = await rtk.start_recording(
            fake.add_meeting(),
            realtimekit_bucket_config={"enabled": False},
            audio_config={"export_file": False},
        )
        fake.advance(1)
        await rtk.stop_recording(bucketless.id)
        fake.advance(1)
        with pytest.raises(DownloadError, match="no download link"):
            await rtk.download_recording(bucketless.id, tmp_path)
        with pytest.raises(DownloadError, match="no audio file"):
            await rtk.download_recording(bucketless.id, tmp_path, audio=True)
    assert storage_requests(fake) == []


async def test_transient_storage_failures_resume(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A cut-short body is resumed from the .part; persistent failures raise."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    async with session_for(fake) as rtk:
        current = await rtk.get_recording(recording)
        fake.inject(FaultKind.TRUNCATED, path="/_storage/")
        (path,) = await rtk.download_recording(current, tmp_path)
        assert path.read_bytes() == fake.storage_bytes(recording)
        # aiohttp itself re-sends a GET once per reset, so each attempt takes up to two.
        fake.inject(FaultKind.RESET, path="/_storage/", times=10)
        with pytest.raises(TransportError):
            await rtk.download_recording(current, tmp_path / "x.mp4")
        fake.inject(FaultKind.SERVER_ERROR, path="/_storage/")
        with pytest.raises(DownloadError, match="storage answered HTTP 503"):
            await rtk.download_recording(current, tmp_path / "y.mp4")


def test_plan_sanitises_names_and_checks_sizes(tmp_path: Path) -> None:
    """Server-supplied names cannot escape the destination folder."""
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    evil = Recording(
        id="r1",
        status="UPLOADED",
        invoked_time=t0,
        output_file_name="../../etc/passwd",
        download_url="https://s/x",
        file_size=10,
    )
    (target,) = plan_downloads(evil, tmp_path)
    assert target.path == tmp_path / "passwd"
    dots = Recording(
        id="r2",
        status="UPLOADED",
        invoked_time=t0,
        output_file_name="..",
        download_url="https://s/x",
    )
    assert plan_downloads(dots, tmp_path)[0].path == tmp_path / "r2"


# --- storage servers that misbehave, driven through the download function itself -------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _odd_storage(
    tmp_path: Path, handler: Handler, *, gone_after_refresh: bool = False
) -> tuple[list[Path] | DownloadError, list[str]]:
    """Download 'f.mp4' (10 bytes stated) from a server run by *handler*; return the outcome."""
    ranges: list[str] = []

    async def recorded(request: web.Request) -> web.StreamResponse:
        ranges.append(request.headers.get("Range", "-"))
        return await handler(request)

    app = web.Application()
    app.router.add_get("/{name}", recorded)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    recording = Recording(
        id="r",
        status="UPLOADED",
        invoked_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        output_file_name="f.mp4",
        download_url=f"http://127.0.0.1:{port}/f.mp4",
        file_size=10,
    )
    transport = Transport(None, connect_timeout=5, read_timeout=5)

    async def stream(url: str, headers: Mapping[str, str], sink: Sink) -> int:
        return await transport.stream(url, headers=headers, sink=sink, chunk_size=4)

    async def refetch(_: str) -> Recording:
        if gone_after_refresh:
            return attrs.evolve(recording, output_file_name="other.mp4")
        return recording

    try:
        result: list[Path] | DownloadError = await download(
            recording, tmp_path, stream=stream, refetch=refetch, headers={}
        )
    except DownloadError as exc:
        result = exc
    finally:
        await transport.close()
        await runner.cleanup()
    return result, ranges


async def test_storage_without_length_and_with_wrong_size(tmp_path: Path) -> None:
    """No Content-Length is fine; a body of the wrong size is rejected and removed."""

    async def short(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"12345")
        await response.write_eof()
        return response

    result, _ = await _odd_storage(tmp_path, short)
    assert isinstance(result, DownloadError)
    assert "downloaded 5 bytes but the recording states 10" in str(result)
    assert not (tmp_path / "f.mp4.part").exists()


async def test_storage_range_answers(tmp_path: Path) -> None:
    """A range that does not start where the .part ends is refused; an unknown total is fine."""
    (tmp_path / "f.mp4.part").write_bytes(b"1234")

    async def wrong_start(_: web.Request) -> web.StreamResponse:
        return web.Response(status=206, body=b"xx", headers={"Content-Range": "bytes 0-1/10"})

    result, _ = await _odd_storage(tmp_path, wrong_start)
    assert isinstance(result, DownloadError)
    assert "unexpected range" in str(result)

    async def unknown_total(_: web.Request) -> web.StreamResponse:
        return web.Response(status=206, body=b"567890", headers={"Content-Range": "bytes 4-9/*"})

    result, ranges = await _odd_storage(tmp_path, unknown_total)
    assert isinstance(result, list)
    assert result[0].read_bytes() == b"1234567890"
    assert ranges == ["bytes=4-"]


async def test_file_gone_after_refresh(tmp_path: Path) -> None:
    """When the refreshed recording no longer has the file, DownloadError says so."""

    async def refuse(_: web.Request) -> web.StreamResponse:
        return web.Response(status=403, text="<Error/>")

    result, ranges = await _odd_storage(tmp_path, refuse, gone_after_refresh=True)
    assert isinstance(result, DownloadError)
    assert "no longer among the recording's files" in str(result)
    assert ranges == ["-"]
