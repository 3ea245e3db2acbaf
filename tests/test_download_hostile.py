"""download_recording against storage servers of the tests' own making that misbehave."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import errno
import json
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path

import attrs
import pytest
from aiohttp import web

from realtimekit_async import (
    ConnectError,
    DownloadError,
    RealtimeKitError,
    RealtimeKitSession,
    Recording,
    TransportError,
)
from realtimekit_async.testing import FakeRealtimeKit

from . import conftest

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
# conftest.NEVER_LOGGED makes every test fail if "SENTINEL" reaches a log record.
SIGNED = "X-Amz-Credential=SENTINEL-cred&X-Amz-Security-Token=SENTINEL-tok&X-Amz-Signature=SENTINEL"
DATA = bytes(range(256)) * 40  # 10,240 bytes


@contextlib.asynccontextmanager
async def storage(handler: Handler) -> AsyncGenerator[str]:
    """Serve *handler* for every path on 127.0.0.1; yields the origin."""
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def stored(origin: str, *, size: int | None = len(DATA), name: str = "f.mp4") -> Recording:
    """An uploaded recording whose file is at *origin*, with a signed query."""
    return Recording(
        id="rec-1",
        status="UPLOADED",
        invoked_time=T0,
        output_file_name=name,
        download_url=f"{origin}/bucket/f.mp4?{SIGNED}",
        file_size=size,
    )


def session(fake: FakeRealtimeKit) -> RealtimeKitSession:
    return conftest.session_for(fake)


def assert_no_secret(exc: BaseException) -> None:
    """Neither the error, its repr, its chain nor its traceback shows the signed query."""
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None:
            texts += [str(linked), repr(linked)]
    assert not [t for t in texts if "SENTINEL" in t]


def files_under(path: Path) -> list[str]:
    """Every file and folder name under *path*, sorted."""
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


async def always_cut(request: web.Request) -> web.StreamResponse:
    """Every answer is cut short after 4000 bytes."""
    return await cut_then(always_cut)(request)


def serve_data(data: bytes = DATA, etag: str | None = '"v1"') -> Handler:
    """A well-behaved storage handler for *data* (honours Range and If-Range)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        headers = {"Content-Type": "video/mp4", **({"ETag": etag} if etag else {})}
        wanted = request.headers.get("Range")
        if wanted and request.headers.get("If-Range") in {etag, None}:
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            return web.Response(status=206, body=data[start:], headers=headers)
        return web.Response(body=data, headers=headers)

    return handler


def cut_then(after: Handler, *, cut_at: int = 4000, etag: str | None = '"v1"') -> Handler:
    """First answer 200 with *cut_at* bytes of DATA then a reset; then behave as *after*."""
    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        if calls > 1:
            return await after(request)
        response = web.StreamResponse(headers={"Content-Length": str(len(DATA))})
        if etag:
            response.headers["ETag"] = etag
        await response.prepare(request)
        await response.write(DATA[:cut_at])
        assert request.transport is not None
        request.transport.close()
        return response

    return handler


async def test_endless_body_stops_at_the_stated_size(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """An endless body stops as soon as it passes file_size; the .part is removed."""
    sent = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        with contextlib.suppress(ConnectionError):
            while sent < 200 << 20:
                await response.write(b"\0" * 65536)
                sent += 65536
        return response

    async with storage(endless) as origin, session(fake) as rtk:
        with pytest.raises(DownloadError, match="more than the 10240 bytes") as caught:
            await rtk.download_recording(stored(origin), tmp_path)
        with pytest.raises(DownloadError, match="more than the 1000 bytes max_bytes allows"):
            await rtk.download_recording(stored(origin, size=None), tmp_path, max_bytes=1000)
    assert sent < 64 << 20
    assert_no_secret(caught.value)
    assert not list(tmp_path.rglob("*.part"))


async def test_announced_length_is_checked_before_writing(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """A Content-Length above the stated size or max_bytes fails before any byte is written."""
    async with storage(serve_data()) as origin, session(fake) as rtk:
        with pytest.raises(DownloadError, match=r"announced 10240 bytes .* states 99"):
            await rtk.download_recording(stored(origin, size=99), tmp_path)
        with pytest.raises(DownloadError, match="max_bytes allows"):
            await rtk.download_recording(stored(origin, size=None), tmp_path, max_bytes=10)
        (path,) = await rtk.download_recording(stored(origin, size=None), tmp_path)
    assert path.read_bytes() == DATA
    assert not list(tmp_path.rglob("*.part"))


@pytest.mark.parametrize(
    "content_type", ["text/html", "application/json; charset=utf-8", "application/xml", "text/xml"]
)
async def test_error_page_is_not_a_media_file(
    fake: FakeRealtimeKit, tmp_path: Path, content_type: str
) -> None:
    """A 200 whose body is an HTML/JSON/XML page is an error, and nothing is saved."""

    async def page(_: web.Request) -> web.StreamResponse:
        body = b"<html>Bucket maintenance</html>"
        return web.Response(body=body, headers={"Content-Type": content_type})

    async with storage(page) as origin, session(fake) as rtk:
        with pytest.raises(DownloadError, match="not the media file") as caught:
            await rtk.download_recording(stored(origin, size=None), tmp_path)
    assert caught.value.status == 200
    assert "127.0.0.1" in str(caught.value)
    assert "/bucket/f.mp4" in str(caught.value)
    assert_no_secret(caught.value)
    assert [p for p in files_under(tmp_path) if not p.endswith((".json", ".lock"))] == ["rec-1"]


async def test_redirects_are_followed_but_never_leak(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A redirect is followed; a loop or a non-HTTP target is a DownloadError without the query."""

    async def router(request: web.Request) -> web.StreamResponse:
        if request.path == "/bucket/f.mp4":
            raise web.HTTPTemporaryRedirect(f"/real/f.mp4?{SIGNED}")
        if request.path == "/real/f.mp4":
            return await serve_data()(request)
        if request.path == "/loop/f.mp4":
            raise web.HTTPFound(f"/loop/f.mp4?{SIGNED}")
        if request.path == "/broken/f.mp4":
            return web.Response(status=302, headers={"Location": f"http://[::1?{SIGNED}"})
        raise web.HTTPFound(f"ftp://files.example/f.mp4?{SIGNED}")

    async with storage(router) as origin, session(fake) as rtk:
        (path,) = await rtk.download_recording(stored(origin), tmp_path)
        assert path.read_bytes() == DATA
        loop = Recording(
            id="rec-2",
            status="UPLOADED",
            invoked_time=T0,
            output_file_name="f.mp4",
            download_url=f"{origin}/loop/f.mp4?{SIGNED}",
        )
        with pytest.raises(DownloadError, match="redirected more than 5 times") as looped:
            await rtk.download_recording(loop, tmp_path)
        assert "/loop/f.mp4" in str(looped.value)
        elsewhere = Recording(
            id="rec-3",
            status="UPLOADED",
            invoked_time=T0,
            output_file_name="f.mp4",
            download_url=f"{origin}/other/f.mp4?{SIGNED}",
        )
        with pytest.raises(DownloadError, match="non-HTTP location") as ftp:
            await rtk.download_recording(elsewhere, tmp_path)
        broken = attrs.evolve(elsewhere, download_url=f"{origin}/broken/f.mp4?{SIGNED}")
        with pytest.raises(DownloadError, match="non-HTTP location") as unparsable:
            await rtk.download_recording(broken, tmp_path)
    assert_no_secret(unparsable.value)
    assert_no_secret(looped.value)
    assert_no_secret(ftp.value)


async def test_network_errors_name_host_and_path_only(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """A refused connection or a reset is a TransportError showing host and path, not the query."""
    async with storage(serve_data()) as origin:
        pass  # now closed: nothing listens there
    async with session(fake) as rtk:
        with pytest.raises(ConnectError) as refused:
            await rtk.download_recording(stored(origin), tmp_path)
    assert "127.0.0.1" in str(refused.value)
    assert_no_secret(refused.value)

    async with storage(always_cut) as origin, session(fake) as rtk:
        with pytest.raises(TransportError) as cut:
            await rtk.download_recording(stored(origin), tmp_path)
    assert "/bucket/f.mp4" in str(cut.value)
    assert_no_secret(cut.value)


async def test_wrong_content_range_is_refused(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A 206 that does not continue where our .part ends is a DownloadError."""

    async def wrong_start(_: web.Request) -> web.StreamResponse:
        headers = {"Content-Range": f"bytes 0-99/{len(DATA)}", "ETag": '"v1"'}
        return web.Response(status=206, body=DATA[:100], headers=headers)

    async with storage(cut_then(wrong_start)) as origin, session(fake) as rtk:
        with pytest.raises(DownloadError, match="unexpected range") as caught:
            await rtk.download_recording(stored(origin), tmp_path)
    assert_no_secret(caught.value)


async def test_unknown_total_in_content_range(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A 206 with an unknown total (``/*``) continues the .part."""

    async def star(request: web.Request) -> web.StreamResponse:
        assert request.headers["Range"] == "bytes=4000-"
        assert request.headers["If-Range"] == '"v1"'
        headers = {"Content-Range": f"bytes 4000-{len(DATA) - 1}/*"}
        return web.Response(status=206, body=DATA[4000:], headers=headers)

    async with storage(cut_then(star)) as origin, session(fake) as rtk:
        (path,) = await rtk.download_recording(stored(origin), tmp_path)
    assert path.read_bytes() == DATA


async def test_changed_object_restarts_instead_of_mixing(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """Storage that ignores If-Range, ignores Range, or changes the total: the .part restarts."""
    new = DATA[::-1]

    async def ignores_if_range(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Range"):  # a new ETag, but the range served anyway
            headers = {"Content-Range": f"bytes 4000-{len(new) - 1}/{len(new)}", "ETag": '"v2"'}
            return web.Response(status=206, body=new[4000:], headers=headers)
        return await serve_data(new, '"v2"')(request)

    async def ignores_range(_: web.Request) -> web.StreamResponse:
        return web.Response(body=new, headers={"ETag": '"v1"'})

    async def other_total(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Range"):
            headers = {"Content-Range": f"bytes 4000-{len(new) - 1}/{len(new) + 1}"}
            return web.Response(status=206, body=new[4000:], headers=headers)
        return await serve_data(new)(request)

    for number, handler in enumerate([ignores_if_range, ignores_range, other_total]):
        async with storage(cut_then(handler)) as origin, session(fake) as rtk:
            (path,) = await rtk.download_recording(
                stored(origin), tmp_path, file_name=f"{number}.mp4"
            )
        assert path.read_bytes() == new


async def test_without_validator_a_part_is_not_resumed(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """Storage that gives neither ETag nor Last-Modified cannot prove a .part: it restarts."""
    ranges: list[str | None] = []

    async def plain(request: web.Request) -> web.StreamResponse:
        ranges.append(request.headers.get("Range"))
        return web.Response(body=DATA)

    async with storage(cut_then(plain, etag=None)) as origin, session(fake) as rtk:
        (path,) = await rtk.download_recording(stored(origin), tmp_path)
    assert path.read_bytes() == DATA
    assert ranges == [None]


async def test_weak_etag_falls_back_to_last_modified(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """If-Range carries Last-Modified when the ETag is weak."""
    stamp = "Wed, 01 Jan 2026 00:00:00 GMT"
    seen: list[str | None] = []

    async def first(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Length": str(len(DATA)), "ETag": 'W/"w"', "Last-Modified": stamp}
        )
        await response.prepare(request)
        await response.write(DATA[:500])
        assert request.transport is not None
        request.transport.close()
        return response

    async def then(request: web.Request) -> web.StreamResponse:
        seen.append(request.headers.get("If-Range"))
        headers = {"Content-Range": f"bytes 500-{len(DATA) - 1}/{len(DATA)}"}
        return web.Response(status=206, body=DATA[500:], headers=headers)

    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        return await (first if calls == 1 else then)(request)

    async with storage(handler) as origin, session(fake) as rtk:
        (path,) = await rtk.download_recording(stored(origin), tmp_path)
    assert path.read_bytes() == DATA
    assert seen == [stamp]


async def test_unexpected_416_restarts(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A 416 that does not prove the .part complete discards it and starts again."""
    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        if request.headers.get("Range"):
            return web.Response(status=416, headers={"Content-Range": "bytes */5"})
        return await serve_data()(request)

    async with storage(cut_then(handler)) as origin, session(fake) as rtk:
        (path,) = await rtk.download_recording(stored(origin), tmp_path)
    assert path.read_bytes() == DATA


async def test_wrong_size_is_rejected_and_removed(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A chunked body shorter than file_size is a DownloadError; the .part is removed."""

    async def short(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"12345")
        await response.write_eof()
        return response

    async with storage(short) as origin, session(fake) as rtk:
        with pytest.raises(DownloadError, match="downloaded 5 bytes but the recording states"):
            await rtk.download_recording(stored(origin), tmp_path)
    assert not list(tmp_path.rglob("*.part"))


async def test_timeout_bounds_the_whole_download(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """timeout= ends a trickling download with DownloadError, leaving a resumable .part."""

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(len(DATA)), "ETag": '"t"'})
        await response.prepare(request)
        for offset in range(0, len(DATA), 100):
            await response.write(DATA[offset : offset + 100])
            await asyncio.sleep(0.05)
        return response

    async with storage(trickle) as origin, session(fake) as rtk:
        started = time.monotonic()
        with pytest.raises(DownloadError, match=r"longer than its timeout of 0\.3 s") as caught:
            await rtk.download_recording(stored(origin), tmp_path, timeout=0.3)
    assert time.monotonic() - started < 2
    assert_no_secret(caught.value)
    assert (tmp_path / "rec-1" / "f.mp4.part").stat().st_size > 0


@pytest.mark.parametrize(
    ("server_name", "saved_as"),
    [
        ("a\x00b\n.mp4", "a_b_.mp4"),
        ("\ud800lone.mp4", "_lone.mp4"),
        ("dir\\..\\x.mp4", "dir_.._x.mp4"),
        (".", "_"),
        (".realtimekit-download.json", "_realtimekit-download.json"),
        ("clip.part", "clip.part_"),
    ],
)
async def test_hostile_names_are_made_safe(
    fake: FakeRealtimeKit, tmp_path: Path, server_name: str, saved_as: str
) -> None:
    """NUL, control characters, lone surrogates, separators and our own names are replaced."""
    async with storage(serve_data()) as origin, session(fake) as rtk:
        (path,) = await rtk.download_recording(stored(origin, name=server_name), tmp_path)
    assert path == tmp_path / "rec-1" / saved_as
    assert path.read_bytes() == DATA


async def test_long_names_are_shortened_deterministically(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """Names over 255 bytes (with .part) are cut, keeping the extension, and stay distinct."""
    first, second = "é" * 200 + "a.mp4", "é" * 200 + "b.mp4"
    async with storage(serve_data()) as origin, session(fake) as rtk:
        (one,) = await rtk.download_recording(stored(origin, name=first), tmp_path / "1")
        (two,) = await rtk.download_recording(stored(origin, name=second), tmp_path / "1")
        (again,) = await rtk.download_recording(stored(origin, name=first), tmp_path / "1")
    assert one != two
    assert one == again
    assert one.suffix == ".mp4"
    assert len((one.name + ".part").encode()) <= 255


async def test_directory_in_the_way_is_a_download_error(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """A folder at the file's path, its .part's path or the recording folder's is reported."""
    async with storage(serve_data()) as origin, session(fake) as rtk:
        (tmp_path / "a" / "rec-1" / "f.mp4.part").mkdir(parents=True)
        with pytest.raises(DownloadError, match="is a folder where the download needs a file"):
            await rtk.download_recording(stored(origin), tmp_path / "a")
        (tmp_path / "b").mkdir()
        (tmp_path / "b" / "rec-1").write_bytes(b"mine")
        with pytest.raises(DownloadError, match="not a folder the download can use"):
            await rtk.download_recording(stored(origin), tmp_path / "b")
        (tmp_path / "c").write_bytes(b"a file, not a folder")
        with pytest.raises(DownloadError, match="could not create the folder") as caught:
            await rtk.download_recording(stored(origin), tmp_path / "c")
    assert caught.value.errno == errno.EEXIST
    assert isinstance(caught.value.__cause__, OSError)
    assert (tmp_path / "b" / "rec-1").read_bytes() == b"mine"


async def test_symlinks_are_never_followed(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """Symlinked .part, manifest, lock or recording folder never lead a write outside dest."""
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim"
    victim.write_bytes(b"precious")
    dest = tmp_path / "dest"
    folder = dest / "rec-1"
    cutting = True

    async def handler(request: web.Request) -> web.StreamResponse:
        return await (always_cut if cutting else serve_data())(request)

    async with storage(handler) as origin, session(fake) as rtk:
        # Leave a .part of ours, then swap it, the manifest and the lock for symlinks.
        with pytest.raises(TransportError):
            await rtk.download_recording(stored(origin), dest, timeout=5)
        cutting = False
        entry = json.loads((folder / ".realtimekit-download.json").read_text())
        assert entry["files"]["f.mp4"]["state"] == "part"
        (folder / "f.mp4.part").unlink()
        (folder / "f.mp4.part").symlink_to(victim)
        (path,) = await rtk.download_recording(stored(origin), dest)
        assert path.read_bytes() == DATA
        for name in [".realtimekit-download.json", ".realtimekit-download.lock", "f.mp4"]:
            (folder / name).unlink()
            (folder / name).symlink_to(victim)
        with pytest.raises(DownloadError, match="not a file this SDK finished"):
            await rtk.download_recording(stored(origin), dest)
        (folder / "f.mp4").unlink()
        (path,) = await rtk.download_recording(stored(origin), dest)
        assert not (folder / ".realtimekit-download.json").is_symlink()
        other = dest / "rec-2"
        other.symlink_to(outside)
        linked = Recording(
            id="rec-2",
            status="UPLOADED",
            invoked_time=T0,
            output_file_name="f.mp4",
            download_url=f"{origin}/bucket/f.mp4",
        )
        with pytest.raises(DownloadError, match="not a folder the download can use"):
            await rtk.download_recording(linked, dest)
    assert victim.read_bytes() == b"precious"
    assert files_under(outside) == ["victim"]


async def test_damaged_manifests_count_as_empty(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A manifest that is not JSON, not ours, or for another recording proves nothing."""
    folder = tmp_path / "rec-1"
    folder.mkdir()
    manifests = [
        "{not json",
        "[]",
        json.dumps({"format": 1, "recording_id": "other", "files": {}}),
        json.dumps({"format": 1, "recording_id": "rec-1", "files": []}),
        json.dumps(
            {
                "format": 1,
                "recording_id": "rec-1",
                "files": {
                    "f.mp4": {"state": "done"},
                    "g": 1,
                    "h": {
                        **dict.fromkeys(
                            ["state", "source", "size", "etag", "last_modified", "length", "inode"]
                        ),
                        "mtime_ns": "x",
                    },
                },
            }
        ),
    ]
    async with storage(serve_data()) as origin, session(fake) as rtk:
        for text in manifests:
            (folder / ".realtimekit-download.json").write_text(text)
            (folder / "f.mp4.part").write_bytes(DATA[:100])
            (path,) = await rtk.download_recording(stored(origin), tmp_path)
            assert path.read_bytes() == DATA
            path.unlink()
        (folder / ".realtimekit-download.json").write_bytes(b" " * (33 << 20))
        (path,) = await rtk.download_recording(stored(origin), tmp_path)
        assert path.read_bytes() == DATA
        path.unlink()
        (folder / ".realtimekit-download.json").unlink()
        (folder / ".realtimekit-download.json").mkdir()
        with pytest.raises(DownloadError, match="could not write") as caught:
            await rtk.download_recording(stored(origin), tmp_path)
        assert caught.value.errno is not None


async def test_concurrent_downloads_of_one_target_take_turns(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """Tasks downloading the same recording wait for each other; storage is asked once."""
    requests = 0

    async def slow(request: web.Request) -> web.StreamResponse:
        nonlocal requests
        requests += 1
        await asyncio.sleep(0.1)
        return await serve_data()(request)

    async with storage(slow) as origin, session(fake) as rtk:
        results = await asyncio.gather(
            *(rtk.download_recording(stored(origin), tmp_path) for _ in range(4))
        )
    assert len({tuple(r) for r in results}) == 1
    assert results[0][0].read_bytes() == DATA
    assert requests == 1


async def test_another_process_holding_the_lock(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A download waits for another process's download, within its timeout."""
    folder = tmp_path / "rec-1"
    folder.mkdir()
    script = (
        "import fcntl, os, sys, time\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(0.8)\n"
    )
    lock = str(folder / ".realtimekit-download.lock")
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, lock, stdout=asyncio.subprocess.PIPE
    )
    assert holder.stdout is not None
    assert await holder.stdout.readline() == b"locked\n"
    async with storage(serve_data()) as origin, session(fake) as rtk:
        with pytest.raises(DownloadError, match="longer than its timeout"):
            await rtk.download_recording(stored(origin), tmp_path, timeout=0.2)
        (path,) = await rtk.download_recording(stored(origin), tmp_path, timeout=10)
    assert path.read_bytes() == DATA
    assert await holder.wait() == 0


async def test_disk_errors_are_download_errors(fake: FakeRealtimeKit, tmp_path: Path) -> None:
    """A write the OS refuses (file size limit here) is a DownloadError with errno, no .part."""
    async with storage(serve_data()) as origin, session(fake) as rtk:
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (5000, hard))
        try:
            with pytest.raises(DownloadError, match="could not write") as caught:
                await rtk.download_recording(stored(origin), tmp_path)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            signal.signal(signal.SIGXFSZ, previous)
    assert caught.value.errno == errno.EFBIG
    assert isinstance(caught.value, RealtimeKitError)
    assert not list(tmp_path.rglob("*.part"))
    assert os.path.isdir(tmp_path / "rec-1")


async def test_object_changing_on_the_last_try_is_a_download_error(
    fake: FakeRealtimeKit, tmp_path: Path
) -> None:
    """Cut, cut again while resuming, then a changed object: DownloadError, no .part left."""
    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        if calls == 1:
            return await always_cut(request)
        start = 4000 if calls == 2 else 8000
        etag = '"v1"' if calls == 2 else '"v2"'
        headers = {"Content-Range": f"bytes {start}-{len(DATA) - 1}/{len(DATA)}", "ETag": etag}
        response = web.StreamResponse(status=206, headers=headers)
        response.content_length = len(DATA) - start
        await response.prepare(request)
        await response.write(DATA[start:8000] if calls == 2 else DATA[start:])
        if calls == 2:
            assert request.transport is not None
            request.transport.close()
        return response

    async with storage(handler) as origin, session(fake) as rtk:
        with pytest.raises(DownloadError, match=r"storage changed f\.mp4 while it downloaded"):
            await rtk.download_recording(stored(origin), tmp_path)
    assert calls == 3
    assert not list(tmp_path.rglob("*.part"))
