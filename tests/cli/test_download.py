import asyncio
import datetime as dt
import resource
import signal
from pathlib import Path

import pytest

from realtimekit_async._cli import main
from realtimekit_async.testing import FakeRealtimeKit

from .support import flags


def media(folder: Path) -> list[Path]:
    """The downloaded files under *folder* (not the SDK's hidden manifest and lock files)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


def file_name(fake: FakeRealtimeKit, recording_id: str) -> str:
    """The name a recording's main file is saved under."""
    name: str = fake.recording(recording_id)["output_file_name"]
    return name


async def test_download_one_then_skip_it(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`download ID` saves the file; a second run finds it complete and skips it."""
    recording = fake.add_recording(fake.add_meeting())
    argv = [*flags(fake), "download", recording, "--output-dir", str(tmp_path / "out")]
    assert await asyncio.to_thread(main, argv) == 0
    saved = tmp_path / "out" / recording / file_name(fake, recording)
    assert saved.read_bytes() == fake.storage_bytes(recording)
    size = len(fake.storage_bytes(recording))
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"fetched 1 files ({size / 1000:.1f} kB), skipped 0 already present, "
        "0 without a file, failed 0\n"
    )
    requests = len(fake.journal)
    assert await asyncio.to_thread(main, argv) == 0
    assert "skipped 1 already present" in capsys.readouterr().err
    assert [entry.path.split("/")[1] for entry in fake.journal[requests:]] == ["client"]


async def test_download_ignores_a_foreign_part_file(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A `.part` the SDK's manifest does not claim is discarded, never continued."""
    recording = fake.add_recording(fake.add_meeting(), file_size=50_000)
    content = fake.storage_bytes(recording)
    name = file_name(fake, recording)
    (tmp_path / recording).mkdir()
    (tmp_path / recording / f"{name}.part").write_bytes(b"x" * 12_345)
    argv = [*flags(fake), "download", recording, "-d", str(tmp_path)]
    assert await asyncio.to_thread(main, argv) == 0
    assert (tmp_path / recording / name).read_bytes() == content
    assert not (tmp_path / recording / f"{name}.part").exists()
    assert "Range" not in fake.journal[-1].headers
    assert "fetched 1 files (50.0 kB)" in capsys.readouterr().err


async def test_download_interrupted_by_faults_then_resumed(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Storage cutting every response short fails the file; the next run completes it."""
    recording = fake.add_recording(fake.add_meeting(), file_size=40_000)
    fake.inject("truncated", path="/_storage/", times=3)
    argv = [*flags(fake), "download", recording, "-d", str(tmp_path)]
    assert await asyncio.to_thread(main, argv) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"failed {recording}: ")
    assert captured.err.count("\n") == 2  # the failure, then the summary
    assert captured.err.endswith("failed 1\n")
    name = file_name(fake, recording)
    assert not (tmp_path / recording / name).exists()
    assert (tmp_path / recording / f"{name}.part").exists()
    assert await asyncio.to_thread(main, argv) == 0
    assert (tmp_path / recording / name).read_bytes() == fake.storage_bytes(recording)
    assert fake.journal[-1].headers["Range"].startswith("bytes=")


async def test_download_all_counts_every_outcome(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`--all` fetches uploaded recordings only, including track files, and tallies the rest."""
    meeting = fake.add_meeting()
    plain = fake.add_recording(meeting, file_size=3000)
    track = fake.add_recording(meeting, track=True, user_ids=["host", "guest"])
    fake.add_recording(meeting, realtimekit_bucket_config={"enabled": False})
    fake.add_recording(meeting, status="RECORDING")
    fake.add_recording(fake.add_meeting(), file_size=1000)  # another meeting: filtered out
    argv = [*flags(fake), "--progress", "always", "download", "--all", "--meeting-id", meeting]
    argv += ["--concurrency", "2", "--output-dir", str(tmp_path), "--per-page", "1"]
    assert await asyncio.to_thread(main, argv) == 0
    captured = capsys.readouterr()
    # The bars end with "show the cursor" (ESC [?25h); the summary follows them.
    assert captured.err.rpartition("\x1b[?25h")[2].splitlines() == [
        "fetched 3 files (" + f"{sum(p.stat().st_size for p in media(tmp_path)) / 1000:.1f}"
        " kB), skipped 0 already present, 1 without a file, failed 0"
    ]
    assert "total" in captured.err
    assert (tmp_path / plain / file_name(fake, plain)).read_bytes() == fake.storage_bytes(plain)
    for layer in fake.recording(track)["download_url"]:
        for name in layer["download_urls"]:
            assert (tmp_path / track / name).read_bytes() == fake.storage_bytes(track, name)
    listings = [e for e in fake.journal if e.path.endswith("/recordings")]
    assert all(dict(e.query)["status"] == "UPLOADED" for e in listings)


async def test_download_all_audio_skips_recordings_without_audio(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`--audio` fetches the separate audio files; recordings without one count as such."""
    meeting = fake.add_meeting()
    with_audio = fake.add_recording(
        meeting, audio_config={"codec": "MP3", "channel": "mono", "export_file": True}
    )
    fake.add_recording(meeting)
    argv = [*flags(fake), "download", "--all", "--audio", "-d", str(tmp_path)]
    assert await asyncio.to_thread(main, argv) == 0
    assert "fetched 1 files" in capsys.readouterr().err
    (saved,) = media(tmp_path)
    assert saved.parent == tmp_path / with_audio
    assert saved.read_bytes() == fake.storage_bytes(with_audio, saved.name)


async def test_listing_failure_still_reports_what_was_fetched(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """When the listing fails part-way, the files queued so far still download."""
    for _ in range(3):
        fake.add_recording(fake.add_meeting())  # a meeting each, so their file names differ
    fake.inject("slow", path="/recordings", times=1)
    fake.inject("server_error", path="/recordings", times=1000)
    argv = [*flags(fake), "--max-attempts", "1", "download", "--all", "--per-page", "2"]
    assert await asyncio.to_thread(main, [*argv, "-d", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("fetched 2 files")
    assert captured.err.splitlines()[-1].startswith("realtimekit: error: HTTP 503")
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "name one recording id, or pass --all"),
        (["some-id", "--all"], "name one recording id, or pass --all"),
    ],
)
def test_download_usage_errors(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Neither or both of an id and --all end with one line and status 2."""
    assert main(["--emulator", "download", "-d", str(tmp_path), *options]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.err.count("\n") == 1
    assert captured.out == ""


def test_download_concurrency_must_be_positive(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`--concurrency 0` is refused by the parser: status 2, usage on stderr."""
    with pytest.raises(SystemExit) as caught:
        main(["download", "--all", "-d", str(tmp_path), "--concurrency", "0"])
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert "--concurrency: must be at least 1, got 0" in captured.err
    assert captured.out == ""


async def test_download_of_an_unfinished_recording_is_an_error(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Asking for a recording that has no file yet ends with one line and status 1."""
    recording = fake.add_recording(fake.add_meeting(), status="RECORDING")
    argv = [*flags(fake), "download", recording, "-d", str(tmp_path)]
    assert await asyncio.to_thread(main, argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"realtimekit: error: recording {recording} is RECORDING")
    assert err.count("\n") == 1


def test_download_all_from_the_emulator(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`--emulator download --all` fetches every seeded uploaded recording that has a file."""
    argv = ["--emulator", "--progress", "always", "download", "--all", "-d", str(tmp_path)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.rpartition("\x1b[?25h")[2].startswith("fetched ")
    assert captured.err.endswith(" without a file, failed 0\n")
    assert not list(tmp_path.glob("**/*.part"))


async def test_download_all_with_shared_names_keeps_every_recording(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Recordings sharing a file name each get their folder; a user's file is left alone."""
    meeting = fake.add_meeting()
    at = fake.now - dt.timedelta(hours=1)
    ids = [fake.add_recording(meeting, invoked_time=at) for _ in range(3)]
    names = {file_name(fake, recording) for recording in ids}
    assert len(names) == 1
    name = names.pop()
    (tmp_path / name).write_bytes(b"the user's own file")
    argv = [*flags(fake), "download", "--all", "-d", str(tmp_path), "--concurrency", "3"]
    assert await asyncio.to_thread(main, argv) == 0
    assert "fetched 3 files" in capsys.readouterr().err
    for recording in ids:
        assert (tmp_path / recording / name).read_bytes() == fake.storage_bytes(recording)
    assert (tmp_path / name).read_bytes() == b"the user's own file"
    assert await asyncio.to_thread(main, argv) == 0
    assert "fetched 0 files (0 bytes), skipped 3 already present" in capsys.readouterr().err
    # A file replaced by the user is not "present": the SDK refuses to overwrite it.
    (tmp_path / ids[0] / name).write_bytes(b"edited")
    assert await asyncio.to_thread(main, argv) == 1
    captured = capsys.readouterr()
    assert "skipped 2 already present" in captured.err
    assert f"failed {ids[0]}: " in captured.err
    assert "move it away" in captured.err


async def test_download_all_stops_at_the_first_fatal_disk_error(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A write the disk refuses stops the run with one error line and no .part files."""
    meeting = fake.add_meeting()
    for _ in range(6):
        fake.add_recording(meeting, file_size=60_000)
    argv = [*flags(fake), "download", "--all", "-d", str(tmp_path), "--concurrency", "3"]
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, hard))
    try:
        code = await asyncio.to_thread(main, argv)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert code == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("realtimekit: error: could not write ")
    assert captured.out == ""
    assert not list(tmp_path.rglob("*.part"))


async def test_download_into_a_file_is_one_error(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An output folder that is a file fails once, not once per recording."""
    meeting = fake.add_meeting()
    for _ in range(4):
        fake.add_recording(meeting)
    (tmp_path / "file").write_bytes(b"")
    argv = [*flags(fake), "download", "--all", "-d", str(tmp_path / "file")]
    assert await asyncio.to_thread(main, argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("realtimekit: error: could not create the folder")
