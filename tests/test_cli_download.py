import asyncio
from pathlib import Path

import pytest

from realtimekit_async._cli import main
from realtimekit_async.testing import FakeRealtimeKit
from tests.test_cli import flags


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
    saved = tmp_path / "out" / file_name(fake, recording)
    assert saved.read_bytes() == fake.storage_bytes(recording)
    size = len(fake.storage_bytes(recording))
    assert capsys.readouterr().out == (
        f"fetched 1 files ({size / 1000:.1f} kB), skipped 0 already present, "
        "0 without a file, failed 0\n"
    )
    requests = len(fake.journal)
    assert await asyncio.to_thread(main, argv) == 0
    assert "skipped 1 already present" in capsys.readouterr().out
    assert [entry.path.split("/")[1] for entry in fake.journal[requests:]] == ["client"]


async def test_download_continues_a_part_file(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A `.part` left by an interrupted run is continued with a Range request."""
    recording = fake.add_recording(fake.add_meeting(), file_size=50_000)
    content = fake.storage_bytes(recording)
    name = file_name(fake, recording)
    (tmp_path / f"{name}.part").write_bytes(content[:12_345])
    argv = [*flags(fake), "download", recording, "-d", str(tmp_path)]
    assert await asyncio.to_thread(main, argv) == 0
    assert (tmp_path / name).read_bytes() == content
    assert not (tmp_path / f"{name}.part").exists()
    assert fake.journal[-1].headers["Range"] == "bytes=12345-"
    assert "fetched 1 files (50.0 kB)" in capsys.readouterr().out


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
    assert captured.err.count("\n") == 1
    assert captured.out.endswith("failed 1\n")
    name = file_name(fake, recording)
    assert not (tmp_path / name).exists()
    assert await asyncio.to_thread(main, argv) == 0
    assert (tmp_path / name).read_bytes() == fake.storage_bytes(recording)


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
    assert captured.out.splitlines()[-1] == (
        "fetched 3 files (" + f"{sum(p.stat().st_size for p in tmp_path.iterdir()) / 1000:.1f}"
        " kB), skipped 0 already present, 1 without a file, failed 0"
    )
    assert "total" in captured.err
    assert (tmp_path / file_name(fake, plain)).read_bytes() == fake.storage_bytes(plain)
    for layer in fake.recording(track)["download_url"]:
        for name in layer["download_urls"]:
            assert (tmp_path / name).read_bytes() == fake.storage_bytes(track, name)
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
    assert "fetched 1 files" in capsys.readouterr().out
    (saved,) = tmp_path.iterdir()
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
    assert captured.out.startswith("fetched 2 files")
    assert captured.err.startswith("realtimekit: error: HTTP 503")
    assert len(list(tmp_path.iterdir())) == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "name one recording id, or pass --all"),
        (["some-id", "--all"], "name one recording id, or pass --all"),
        (["--all", "--concurrency", "0"], "--concurrency must be at least 1"),
    ],
)
def test_download_usage_errors(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Neither or both of an id and --all, or no concurrency, end with status 2."""
    assert main(["--emulator", "download", "-d", str(tmp_path), *options]) == 2
    assert message in capsys.readouterr().err


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
    assert captured.out.startswith("fetched ")
    assert captured.out.endswith(" without a file, failed 0\n")
    assert not list(tmp_path.glob("*.part"))
