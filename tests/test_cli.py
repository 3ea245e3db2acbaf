import asyncio
import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from realtimekit_async._cli import main
from realtimekit_async.testing import FakeRealtimeKit

COMMANDS = (
    "list",
    "get",
    "active",
    "start",
    "pause",
    "resume",
    "stop",
    "track",
    "wait",
    "download",
    "emulator",
    "demo",
)


def flags(fake: FakeRealtimeKit) -> list[str]:
    """Global options pointing the command at a running emulator."""
    return [
        "--base-url",
        fake.base_url,
        "--account-id",
        fake.account_id,
        "--app-id",
        fake.app_id,
        "--token",
        fake.api_token,
    ]


def seeded(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The recordings every `--emulator` run starts with, as `list --format jsonl` shows them."""
    assert main(["--emulator", "list", "--format", "jsonl"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def first(recordings: list[dict[str, Any]], status: str) -> dict[str, Any]:
    """The first seeded recording in *status*."""
    return next(r for r in recordings if r["status"] == status)


def test_demo_runs_every_call(capsys: pytest.CaptureFixture[str]) -> None:
    """`realtimekit demo` drives all six calls and streams every seeded recording."""
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for call in (
        "start_recording",
        "get_active_recording",
        "pause_recording",
        "resume_recording",
        "stop_recording",
        "get_recording",
        "start_track_recording",
    ):
        assert call in out
    assert "list_recordings streamed 302 recordings in 4 pages" in out
    assert "all calls succeeded" in out


def test_version_and_python_m(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m realtimekit_async --version` prints the version and exits 0."""
    monkeypatch.setattr("sys.argv", ["realtimekit", "--version"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_module("realtimekit_async", run_name="__main__")
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("realtimekit ")


def test_import_loads_neither_cli_nor_rich() -> None:
    """`import realtimekit_async` in a fresh interpreter leaves rich and the CLI unloaded."""
    code = (
        "import sys, realtimekit_async\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith(('rich.', "
        "'realtimekit_async._cli'))))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_help_of_every_command_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    """`--help`, and that of each command, ends with an example."""
    for argv in (["--help"], *([name, "--help"] for name in COMMANDS)):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert "example:" in out
        assert "realtimekit " in out.split("example:")[1]


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


def test_api_error_is_one_line_with_status_code_and_cf_ray(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A 404 prints status, message and cf-ray on one line, no traceback, and exits 1."""
    assert main(["--emulator", "get", "no-such-recording"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("realtimekit: error: HTTP 404")
    assert "cf-ray" in err
    assert "Traceback" not in err


def test_missing_configuration_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without credentials in flags or the environment, the command says which are missing."""
    for name in ("CLOUDFLARE_ACCOUNT_ID", "REALTIMEKIT_APP_ID", "CLOUDFLARE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["get", "rec"]) == 2
    err = capsys.readouterr().err
    assert "CLOUDFLARE_API_TOKEN" in err
    assert err.count("\n") == 1


async def test_environment_configures_the_session(
    fake: FakeRealtimeKit, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLOUDFLARE_*/REALTIMEKIT_* variables stand in for the flags; flags win."""
    recording = fake.add_recording(fake.add_meeting())
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", fake.account_id)
    monkeypatch.setenv("REALTIMEKIT_APP_ID", "not-this-app")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", fake.api_token)
    monkeypatch.setenv("REALTIMEKIT_BASE_URL", fake.base_url)
    assert await asyncio.to_thread(main, ["--app-id", fake.app_id, "get", recording]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == recording


def test_verbose_logs_each_request(capsys: pytest.CaptureFixture[str]) -> None:
    """`--verbose` writes the library's DEBUG log, one line per request, to stderr."""
    assert main(["--emulator", "--verbose", "get", "no-such-recording"]) == 1
    err = capsys.readouterr().err
    assert "DEBUG realtimekit_async: GET /accounts/" in err
    assert "-> 404 attempt=1" in err
    assert "rtk-emulator-token" not in err
    assert main(["--emulator", "get", "no-such-recording"]) == 1
    assert "DEBUG" not in capsys.readouterr().err  # the handler is gone again


def test_file_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unwritable output file ends the command with one line and status 1."""
    output = tmp_path / "missing-dir" / "out.jsonl"
    assert main(["--emulator", "list", "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("realtimekit: error: [Errno 2]")
    assert err.count("\n") == 1


def test_closed_stdout_pipe_ends_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the reader of stdout goes away (`| head`), the command stops with status 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    with os.fdopen(write_end, "w") as broken:
        monkeypatch.setattr(sys, "stdout", broken)
        assert main(["--emulator", "list"]) == 141
        broken.write("x" * 100_000)  # /dev/null now: nothing to complain about at exit
        broken.flush()


def ctrl_c() -> None:
    """Press Ctrl-C: SIGINT to the main thread, which wakes it from its wait like a terminal's."""
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    signal.pthread_kill(main_thread, signal.SIGINT)


def _interrupt_once_listening(port: int) -> threading.Thread:
    """Send SIGINT to this process once *port* accepts connections."""

    def wait_then_interrupt() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        ctrl_c()

    thread = threading.Thread(target=wait_then_interrupt)
    thread.start()
    return thread


def test_emulator_command_serves_until_ctrl_c(capsys: pytest.CaptureFixture[str]) -> None:
    """`realtimekit emulator` prints the environment to use and serves until Ctrl-C."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    thread = _interrupt_once_listening(port)
    assert main(["emulator", "--port", str(port), "--seed-recordings", "5"]) == 0
    thread.join()
    captured = capsys.readouterr()
    assert f"export REALTIMEKIT_BASE_URL=http://127.0.0.1:{port}/client/v4" in captured.out
    assert captured.err == "emulator stopped\n"


def test_ctrl_c_during_a_command_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while a request is under way ends the command with one line and status 130."""
    timer = threading.Timer(0.5, ctrl_c)
    timer.start()
    assert main(["--emulator", "--emulator-latency", "30", "get", "some-recording"]) == 130
    timer.join()
    assert capsys.readouterr().err == "realtimekit: error: interrupted\n"
