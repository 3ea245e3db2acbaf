import asyncio
import json
import os
import runpy
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from realtimekit_async._cli import main
from realtimekit_async.testing import FakeRealtimeKit

from .support import ctrl_c

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


def test_ctrl_c_during_a_command_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while a request is under way ends the command with one line and status 130."""
    timer = threading.Timer(0.5, ctrl_c)
    timer.start()
    assert main(["--emulator", "--emulator-latency", "30", "get", "some-recording"]) == 130
    timer.join()
    assert capsys.readouterr().err == "realtimekit: error: interrupted\n"


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """`python -m realtimekit_async ARGV` in a fresh interpreter."""
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "realtimekit_async", *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_subprocess_streams_are_kept_apart() -> None:
    """For real: data on stdout, nothing else; an error is one stderr line with status 2."""
    done = run_cli("list", "--emulator", "--limit", "2", "--format", "jsonl")
    assert done.returncode == 0
    assert [len(json.loads(line)["id"]) for line in done.stdout.splitlines()] == [36, 36]
    assert done.stderr == ""
    failed = run_cli("--emulator", "list", "--status", "FOO")
    assert failed.returncode == 2
    assert failed.stdout == ""
    assert failed.stderr.startswith("realtimekit: error: --status must be one of ")
    assert failed.stderr.count("\n") == 1


def test_subprocess_usage_error_exits_2() -> None:
    """A port out of range is the parser's usage error: status 2, no traceback."""
    done = run_cli("emulator", "--port", "99999")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "not a port (0-65535)" in done.stderr
    assert "Traceback" not in done.stderr
