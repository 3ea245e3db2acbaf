import asyncio
import json
from pathlib import Path

import pytest

from realtimekit_async._cli import main
from realtimekit_async.testing import FakeRealtimeKit

from .support import first, flags, seeded


def test_get_prints_the_recording_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`get` prints the recording with the API's field names."""
    uploaded = first(seeded(capsys), "UPLOADED")
    assert main(["--emulator", "get", uploaded["id"]]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == uploaded["id"]
    assert shown["status"] == "UPLOADED"
    assert shown["file_size"] == uploaded["file_size"]


def test_active_pause_resume_stop(capsys: pytest.CaptureFixture[str]) -> None:
    """`active`, `pause`, `resume` and `stop` each change or show the seeded recordings."""
    recordings = seeded(capsys)
    recording, paused = first(recordings, "RECORDING"), first(recordings, "PAUSED")
    for argv, status in (
        (["active", recording["meeting_id"]], "RECORDING"),
        (["pause", recording["id"]], "PAUSED"),
        (["resume", paused["id"]], "RECORDING"),
        (["stop", recording["id"]], "UPLOADING"),
    ):
        assert main(["--emulator", *argv]) == 0
        assert json.loads(capsys.readouterr().out)["status"] == status


async def test_start_sends_every_option(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str]
) -> None:
    """`start` turns its options into the request body."""
    meeting = fake.add_meeting(title="Board review")
    argv = [
        *flags(fake),
        "start",
        meeting,
        "--max-seconds",
        "600",
        "--file-name-prefix",
        "board",
        "--allow-multiple",
        "--audio-codec",
        "AAC",
        "--video-codec",
        "VP8",
        "--storage-type",
        "aws",
        "--storage-bucket",
        "archive",
        "--storage-region",
        "eu-central-1",
        "--storage-access-key",
        "AKIA",
        "--storage-secret",
        "SENTINEL-secret",
    ]
    assert await asyncio.to_thread(main, argv) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "INVOKED"
    body = fake.journal[-1].body
    assert body["max_seconds"] == 600
    assert body["file_name_prefix"] == "board"
    assert body["allow_multiple_recordings"] is True
    assert body["audio_config"] == {"codec": "AAC"}
    assert body["video_config"] == {"codec": "VP8"}
    assert body["storage_config"]["bucket"] == "archive"
    assert body["storage_config"]["secret"] == "SENTINEL-secret"


async def test_start_reads_storage_config_json(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`--storage-config-json` takes JSON text or @FILE."""
    config = tmp_path / "storage.json"
    config.write_text('{"type": "gcs", "bucket": "from-file"}')
    for value, bucket in (
        ('{"type": "aws", "bucket": "inline"}', "inline"),
        (f"@{config}", "from-file"),
    ):
        meeting = fake.add_meeting()
        argv = [*flags(fake), "start", meeting, "--storage-config-json", value]
        assert await asyncio.to_thread(main, argv) == 0
        assert fake.journal[-1].body["storage_config"]["bucket"] == bucket


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--storage-config-json", "{}", "--storage-type", "aws"], "not both"),
        (["--storage-config-json", "[1]"], "JSON object"),
        (["--storage-config-json", "{nope"], "not valid JSON"),
        (["--storage-bucket", "b"], "--storage-type is required"),
    ],
)
def test_start_rejects_bad_storage_options(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Contradictory or malformed storage options end with one line and status 2."""
    assert main(["--emulator", "start", "some-meeting", *options]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


async def test_track_sends_layers_and_users(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str]
) -> None:
    """`track` sends the layer prefix and every --user-id (repeated or comma-separated)."""
    meeting = fake.add_meeting()
    argv = [*flags(fake), "track", meeting, "--layer-prefix", "interview"]
    argv += ["--user-id", "host", "--user-id", "guest,observer"]
    assert await asyncio.to_thread(main, argv) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "INVOKED"
    body = fake.journal[-1].body
    assert body["layers"] == {"default": {"file_name_prefix": "interview"}}
    assert body["user_ids"] == ["host", "guest", "observer"]
    bare = fake.add_meeting()
    assert await asyncio.to_thread(main, [*flags(fake), "track", bare]) == 0
    assert fake.journal[-1].body == {"meeting_id": bare}


async def test_wait_returns_once_the_status_is_reached(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`wait` polls until the recording is UPLOADED (this emulator moves it on per request)."""
    async with FakeRealtimeKit(auto_advance=True) as fake:
        uploading = fake.add_recording(fake.add_meeting(), status="UPLOADING")
        argv = [*flags(fake), "wait", uploading, "--status", "uploaded,errored"]
        assert await asyncio.to_thread(main, [*argv, "--poll-interval", "0.01"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "UPLOADED"


def test_wait_times_out_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A recording that stays RECORDING makes `wait` fail with one line and status 1."""
    recording = first(seeded(capsys), "RECORDING")
    argv = ["--emulator", "wait", recording["id"], "--timeout", "0.05", "--poll-interval", "0.02"]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("realtimekit: error: recording ")
    assert captured.err.count("\n") == 1
