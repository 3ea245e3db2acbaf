"""A property test: whatever leftovers, storage quirks and concurrency, "done" means exact bytes."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtimekit_async import RealtimeKitError, RealtimeKitSession, Recording

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
MANIFEST = ".realtimekit-download.json"


def blob(version: int, size: int) -> bytes:
    """Deterministic bytes of one object version."""
    out = b"".join(
        hashlib.sha256(f"{version}/{block}".encode()).digest() for block in range(size // 32 + 1)
    )
    return out[:size]


@dataclass
class Storage:
    """The stored object and how the storage server treats requests for it."""

    version: int = 1
    data: bytes = blob(1, 20_000)
    mode: str = "honour"  # or "ignore_range", "ignore_if_range"
    cut: int | None = None  # answers are reset after this many body bytes

    @property
    def etag(self) -> str:
        return f'"v{self.version}"'

    async def handle(self, request: web.Request) -> web.StreamResponse:
        data, etag = self.data, self.etag
        headers = {"ETag": etag, "Content-Type": "video/mp4"}
        status, body = 200, data
        wanted = request.headers.get("Range")
        if wanted and self.mode != "ignore_range":
            start = int(wanted.removeprefix("bytes=").rstrip("-"))
            if self.mode == "ignore_if_range" or request.headers.get("If-Range") == etag:
                if start >= len(data):
                    headers["Content-Range"] = f"bytes */{len(data)}"
                    return web.Response(status=416, headers=headers)
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
                status, body = 206, data[start:]
        if self.cut is not None and self.cut < len(body):
            response = web.StreamResponse(
                status=status, headers={**headers, "Content-Length": str(len(body))}
            )
            await response.prepare(request)
            await response.write(body[: self.cut])
            assert request.transport is not None
            request.transport.close()
            return response
        return web.Response(status=status, body=body, headers=headers)


steps = st.lists(
    st.one_of(
        st.tuples(st.just("download"), st.integers(1, 3)),
        st.tuples(st.just("cut"), st.integers(1, 15_000)),
        st.tuples(st.just("change"), st.integers(1, 5_000)),
        st.tuples(st.just("mode"), st.sampled_from(["honour", "ignore_range", "ignore_if_range"])),
        st.tuples(st.just("foreign_part"), st.integers(0, 9_000)),
        st.tuples(st.just("other_object_part"), st.integers(1, 9_000)),
        st.tuples(st.just("symlink_part"), st.just(0)),
        st.tuples(st.just("remove_final"), st.just(0)),
    ),
    min_size=1,
    max_size=8,
)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest as the SDK left it, or an empty one of the same shape."""
    try:
        data: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return {"format": 1, "recording_id": "rec", "files": {}}
    return data


async def scenario(actions: list[tuple[str, int | str]], root: Path) -> None:
    storage = Storage()
    app = web.Application()
    app.router.add_get("/{tail:.*}", storage.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    origin = f"http://127.0.0.1:{runner.addresses[0][1]}"
    dest, outside = root / "dest", root / "outside"
    outside.mkdir()
    (outside / "victim").write_bytes(b"precious")
    folder = dest / "rec"
    part, final = folder / "f.mp4.part", folder / "f.mp4"
    rtk = RealtimeKitSession(account_id="a", app_id="b", api_token="t", base_url=origin)
    try:
        for action, value in actions:
            if action == "download":
                assert isinstance(value, int)
                recording = Recording(
                    id="rec",
                    status="UPLOADED",
                    invoked_time=T0,
                    output_file_name="f.mp4",
                    download_url=f"{origin}/bucket/f.mp4?X-Amz-Signature=s",
                    file_size=len(storage.data),
                )
                results = await asyncio.gather(
                    *(rtk.download_recording(recording, dest) for _ in range(value)),
                    return_exceptions=True,
                )
                for result in results:
                    if isinstance(result, BaseException):
                        assert isinstance(result, RealtimeKitError), repr(result)
                    else:
                        assert result == [final]
                        assert final.read_bytes() == storage.data
                storage.cut = None
            elif action == "cut":
                assert isinstance(value, int)
                storage.cut = value
            elif action == "change":
                assert isinstance(value, int)
                storage.version += 1
                storage.data = blob(storage.version, len(storage.data) + value)
            elif action == "mode":
                storage.mode = str(value)
            elif action in {"foreign_part", "other_object_part"}:
                folder.mkdir(parents=True, exist_ok=True)
                part.unlink(missing_ok=True)
                part.write_bytes(b"\xff" * int(value))
                manifest = read_manifest(folder)
                files: dict[str, Any] = manifest["files"]
                if action == "foreign_part":
                    files.pop("f.mp4", None)  # nothing claims it
                else:  # claimed for another stored object with the current ETag
                    files["f.mp4"] = {
                        "state": "part",
                        "source": "127.0.0.1/other/object.mp4",
                        "size": len(storage.data),
                        "etag": storage.etag,
                        "last_modified": None,
                        "length": None,
                        "inode": None,
                        "mtime_ns": None,
                    }
                (folder / MANIFEST).write_text(json.dumps(manifest))
            elif action == "symlink_part":
                folder.mkdir(parents=True, exist_ok=True)
                part.unlink(missing_ok=True)
                part.symlink_to(outside / "victim")
            else:
                final.unlink(missing_ok=True)
            assert (outside / "victim").read_bytes() == b"precious"
            assert {p.name for p in root.iterdir()} <= {"dest", "outside"}
            assert [p.name for p in outside.iterdir()] == ["victim"]
    finally:
        await rtk.aclose()
        await runner.cleanup()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=steps)
def test_done_means_byte_identical_and_nothing_outside_changes(
    actions: list[tuple[str, int | str]],
) -> None:
    """Leftover parts, resumes, Range quirks, object changes, concurrency: done is exact."""
    with tempfile.TemporaryDirectory() as root:
        asyncio.run(scenario(actions, Path(root)))
