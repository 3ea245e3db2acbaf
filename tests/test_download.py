"""wait_for_status and download_recording against the emulator's storage."""

# pyright: reportPrivateUsage=false
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import attrs
import pytest

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
from realtimekit_async._download import discard_partials, plan_downloads
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


def manifest(folder: Path) -> dict[str, Any]:
    """The SDK's manifest of a recording folder."""
    data: dict[str, Any] = json.loads((folder / ".realtimekit-download.json").read_text())
    return data


async def leave_part(
    fake: FakeRealtimeKit, rtk: RealtimeKitSession, recording: str, dest: Path
) -> None:
    """Run a download whose every attempt is cut short, leaving the SDK's .part behind."""
    fake.inject(FaultKind.TRUNCATED, path="/_storage/", times=3)
    with pytest.raises(TransportError):
        await rtk.download_recording(recording, dest)


async def test_download_writes_exact_bytes_without_token(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """A download writes the emulator's bytes into dest/<id>/, reports progress, sends no token."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    progress: list[tuple[int, int | None]] = []
    dest = tmp_path / "new" / "exports"
    async with session_for(fake) as rtk:
        (path,) = await rtk.download_recording(
            recording, dest, progress=lambda d, t: progress.append((d, t))
        )
    assert path == dest / recording / fake.recording(recording)["output_file_name"]
    assert path.read_bytes() == fake.storage_bytes(recording)
    assert progress[-1] == (path.stat().st_size, path.stat().st_size)
    storage = [e for e in fake.journal if e.path.startswith("/_storage/")]
    assert len(storage) == 1
    assert "Authorization" not in storage[0].headers
    assert not list(tmp_path.glob("**/*.part"))
    entry = manifest(path.parent)["files"][path.name]
    assert (entry["state"], entry["length"]) == ("done", path.stat().st_size)
    assert entry["etag"].startswith('"')


async def test_recordings_into_one_new_folder_never_collide(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """Three recordings with the same file name into one missing folder keep three files."""
    meeting = fake.add_meeting()
    ids = [fake.add_recording(meeting, status="UPLOADED") for _ in range(3)]
    async with session_for(fake) as rtk:
        recordings = [
            attrs.evolve(await rtk.get_recording(i), output_file_name="meeting.mp4") for i in ids
        ]
        paths = [(await rtk.download_recording(r, tmp_path / "exports"))[0] for r in recordings]
        again = [(await rtk.download_recording(r, tmp_path / "exports"))[0] for r in recordings]
    assert paths == again == [tmp_path / "exports" / i / "meeting.mp4" for i in ids]
    for i, path in zip(ids, paths, strict=True):
        assert path.read_bytes() == fake.storage_bytes(i)
    assert len(storage_requests(fake)) == 3  # the second round found all three present


async def test_file_name_picks_the_name(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """file_name= names a single file; unsafe names and track recordings are ValueErrors."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    async with session_for(fake) as rtk:
        (path,) = await rtk.download_recording(recording, tmp_path, file_name="standup.mp4")
        assert path == tmp_path / recording / "standup.mp4"
        for bad in ["", "a/b", "..", ".hidden", "x\x00", "x.part", "é" * 200]:
            with pytest.raises(ValueError, match="one plain file name"):
                await rtk.download_recording(recording, tmp_path, file_name=bad)
        with pytest.raises(TypeError, match="must be a str"):
            await rtk.download_recording(recording, tmp_path, file_name=b"x")  # type: ignore[arg-type]
        track = await rtk.start_track_recording(fake.add_meeting(), user_ids=["a"])
        fake.advance(1)
        await rtk.stop_recording(track.id)
        fake.advance(1)
        with pytest.raises(ValueError, match="track recording"):
            await rtk.download_recording(track.id, tmp_path, file_name="t.mp4")
        for options, match in [
            ({"max_bytes": 0}, "at least 1"),
            ({"timeout": float("nan")}, "finite number"),
            ({"timeout": 0}, "finite number"),
        ]:
            with pytest.raises(ValueError, match=match):
                await rtk.download_recording(recording, tmp_path, **options)  # type: ignore[arg-type]
        for options, match in [
            ({"max_bytes": 1.5}, "max_bytes must be a whole number"),
            ({"timeout": True}, "timeout must be a number of seconds"),
        ]:
            with pytest.raises(TypeError, match=match):
                await rtk.download_recording(recording, tmp_path, **options)  # type: ignore[arg-type]


async def test_download_resumes_its_own_partial_file(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A .part this SDK left is continued with Range and If-Range carrying the ETag."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    data = fake.storage_bytes(recording)
    async with session_for(fake) as rtk:
        await leave_part(fake, rtk, recording, tmp_path)
        name = fake.recording(recording)["output_file_name"]
        part = tmp_path / recording / f"{name}.part"
        held = part.stat().st_size
        assert 0 < held < len(data)
        assert manifest(part.parent)["files"][name]["state"] == "part"
        (path,) = await rtk.download_recording(recording, tmp_path)
    assert path.read_bytes() == data
    last = fake.journal[-1]
    assert last.headers["Range"] == f"bytes={held}-"
    assert last.headers["If-Range"] == manifest(path.parent)["files"][name]["etag"]
    assert storage_requests(fake)[-1] == 206


async def test_foreign_and_stale_parts_are_discarded(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A .part the manifest does not claim, or resume=False, restarts from zero."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    data = fake.storage_bytes(recording)
    name = fake.recording(recording)["output_file_name"]
    folder = tmp_path / recording
    folder.mkdir()
    (folder / f"{name}.part").write_bytes(data[:1000])  # not ours: no manifest
    async with session_for(fake) as rtk:
        (path,) = await rtk.download_recording(recording, tmp_path)
        assert path.read_bytes() == data
        path.unlink()
        (folder / ".realtimekit-download.json").unlink()
        await leave_part(fake, rtk, recording, tmp_path)
        (again,) = await rtk.download_recording(recording, tmp_path, resume=False)
        assert again.read_bytes() == data
    ranges = [e.headers.get("Range") for e in fake.journal if e.path.startswith("/_storage/")]
    assert ranges[0] is None  # the foreign .part was not continued
    assert ranges[-1] is None  # nor ours, with resume=False


async def test_part_of_another_recording_is_not_resumed(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """A manifest written for another recording proves nothing: its .part is discarded."""
    meeting = fake.add_meeting()
    first, second = (fake.add_recording(meeting, status="UPLOADED") for _ in range(2))
    async with session_for(fake) as rtk:
        await leave_part(fake, rtk, first, tmp_path)
        other = attrs.evolve(await rtk.get_recording(second), id=first, output_file_name="x.mp4")
        os.rename(
            tmp_path / first / f"{fake.recording(first)['output_file_name']}.part",
            tmp_path / first / "x.mp4.part",
        )
        (path,) = await rtk.download_recording(other, tmp_path)
    assert path.read_bytes() == fake.storage_bytes(second)
    assert fake.journal[-1].headers.get("Range") is None


async def test_complete_part_finishes_with_416(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A .part of ours that already holds every byte is finished by a 416 answer."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    data = fake.storage_bytes(recording)
    name = fake.recording(recording)["output_file_name"]
    async with session_for(fake) as rtk:
        await leave_part(fake, rtk, recording, tmp_path)
        (tmp_path / recording / f"{name}.part").write_bytes(data)
        (path,) = await rtk.download_recording(recording, tmp_path)
    assert path.read_bytes() == data
    assert storage_requests(fake)[-1] == 416


async def test_user_file_in_the_way_is_never_touched(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A file the SDK did not write at the target path (even of the right size) is an error."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    data = fake.storage_bytes(recording)
    name = fake.recording(recording)["output_file_name"]
    folder = tmp_path / recording
    folder.mkdir()
    mine = b"x" * len(data)
    (folder / name).write_bytes(mine)
    async with session_for(fake) as rtk:
        with pytest.raises(DownloadError, match="not a file this SDK finished") as caught:
            await rtk.download_recording(recording, tmp_path)
        assert (folder / name).read_bytes() == mine
        assert "move it away" in str(caught.value)
        (folder / name).unlink()
        (folder / name).mkdir()
        with pytest.raises(DownloadError, match="not a file this SDK finished"):
            await rtk.download_recording(recording, tmp_path)
        (folder / name).rmdir()
        (path,) = await rtk.download_recording(recording, tmp_path)
        path.write_bytes(mine)  # edited after we finished it: no longer ours
        with pytest.raises(DownloadError, match="not a file this SDK finished"):
            await rtk.download_recording(recording, tmp_path)
    assert storage_requests(fake) == [200]


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
        (again,) = await rtk.download_recording(expired, tmp_path, file_name="again.mp4")
        assert again.read_bytes() == path.read_bytes()
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
    assert "X-Amz-Signature" not in str(caught.value)
    assert "/_storage/" in str(caught.value)


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
            assert path.parent == tmp_path / "tracks" / track.id
            assert path.read_bytes() == fake.storage_bytes(track.id, path.name)
        composite = await rtk.start_recording(meeting, audio_config={"export_file": True})
        fake.advance(1)
        await rtk.stop_recording(composite.id)
        fake.advance(1)
        (audio,) = await rtk.download_recording(composite.id, tmp_path, audio=True)
        assert audio.read_bytes() == fake.storage_bytes(composite.id, audio.name)
        (video,) = await rtk.download_recording(composite.id, tmp_path)
        assert video.parent == audio.parent
        assert len(manifest(audio.parent)["files"]) == 2


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
        assert storage_requests(fake)[-1] == 206
        # aiohttp itself re-sends a GET once per reset, so each attempt takes up to two.
        fake.inject(FaultKind.RESET, path="/_storage/", times=10)
        with pytest.raises(TransportError) as caught:
            await rtk.download_recording(current, tmp_path, file_name="x.mp4")
        assert "X-Amz-Signature" not in str(caught.value)
        fake.inject(FaultKind.SERVER_ERROR, path="/_storage/")
        with pytest.raises(DownloadError, match="storage answered HTTP 503"):
            await rtk.download_recording(current, tmp_path, file_name="y.mp4")


def test_plan_sanitises_names(tmp_path: Path) -> None:
    """Server-supplied names and ids cannot escape the destination folder."""
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    evil = Recording(
        id="../r1",
        status="UPLOADED",
        invoked_time=t0,
        output_file_name="../../etc/passwd",
        download_url="https://s/x",
        file_size=10,
    )
    (target,) = plan_downloads(evil, tmp_path)
    assert target.path == tmp_path / "_._r1" / "_._.._etc_passwd"
    dots = attrs.evolve(evil, id="r2", output_file_name="..")
    assert plan_downloads(dots, tmp_path)[0].path == tmp_path / "r2" / "_."
    blank = attrs.evolve(evil, id="", output_file_name=" ")
    assert plan_downloads(blank, tmp_path)[0].path == tmp_path / "recording" / "file"


async def test_leftover_part_files_that_prove_nothing(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """Our .part gone, emptied, replaced by a FIFO or stale by ETag: the download restarts."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    data = fake.storage_bytes(recording)
    name = fake.recording(recording)["output_file_name"]
    folder = tmp_path / recording
    part = folder / f"{name}.part"

    def gone() -> None:
        part.unlink()

    def emptied() -> None:
        part.write_bytes(b"")

    def fifo() -> None:
        part.unlink()
        os.mkfifo(part)

    def stale() -> None:
        # Storage answers 200 to an If-Range that no longer matches: restart from zero.
        entries = manifest(folder)
        entries["files"][name]["etag"] = '"an-older-version"'
        (folder / ".realtimekit-download.json").write_text(json.dumps(entries))

    async with session_for(fake) as rtk:
        for spoil in [gone, emptied, fifo, stale]:
            await leave_part(fake, rtk, recording, tmp_path)
            spoil()
            (path,) = await rtk.download_recording(recording, tmp_path)
            assert path.read_bytes() == data
            path.unlink()
    assert storage_requests(fake)[-1] == 200
    assert fake.journal[-1].headers.get("If-Range") == '"an-older-version"'


async def test_present_files_report_progress_and_outdated_ones_are_replaced(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """A file found present reports itself done; ours of another size is downloaded again."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    progress: list[tuple[int, int | None]] = []
    async with session_for(fake) as rtk:
        current = await rtk.get_recording(recording)
        (path,) = await rtk.download_recording(current, tmp_path)
        await rtk.download_recording(
            current, tmp_path, progress=lambda d, t: progress.append((d, t))
        )
        assert progress == [(current.file_size, current.file_size)]
        resized = attrs.evolve(current, file_size=(current.file_size or 0) + 1)
        with pytest.raises(DownloadError, match="the recording states"):
            await rtk.download_recording(resized, tmp_path)
        assert path.read_bytes() == fake.storage_bytes(recording)  # kept until a complete one
    assert storage_requests(fake) == [200, 200]


async def test_file_gone_after_refresh(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """When the refreshed recording no longer has the refused file, DownloadError says so."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    async with session_for(fake) as rtk:
        current = await rtk.get_recording(recording)
        fake.advance(8 * 24 * 3600)
        stale = attrs.evolve(current, download_url_expiry=None, output_file_name="old.mp4")
        with pytest.raises(DownloadError, match="no longer among the recording's files"):
            await rtk.download_recording(stale, tmp_path)


async def test_several_layers_get_a_folder_each(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A track recording with two layers saves each layer's files in its own folder."""
    recording = fake.add_recording(
        fake.add_meeting(), track=True, user_ids=["a"], layers={"mic": {}, "room": {}}
    )
    async with session_for(fake) as rtk:
        paths = await rtk.download_recording(recording, tmp_path)
        again = await rtk.download_recording(recording, tmp_path)
    assert paths == again
    assert sorted(p.parent.name for p in paths) == ["mic", "room"]
    for path in paths:
        assert path.read_bytes() == fake.storage_bytes(recording, path.name)
    assert len(storage_requests(fake)) == 2


async def test_discard_partials_removes_only_our_parts(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """discard_partials (used by the CLI when it stops) removes .part files the manifest lists."""
    recording = fake.add_recording(fake.add_meeting(), status="UPLOADED")
    name = fake.recording(recording)["output_file_name"]
    async with session_for(fake) as rtk:
        current = await rtk.get_recording(recording)
        await discard_partials(current, tmp_path)  # nothing there yet
        await leave_part(fake, rtk, recording, tmp_path)
        await discard_partials(current, tmp_path)
        assert not (tmp_path / recording / f"{name}.part").exists()
        assert manifest(tmp_path / recording)["files"] == {}
        (path,) = await rtk.download_recording(current, tmp_path)
        await discard_partials(current, tmp_path)
        assert path.exists()
