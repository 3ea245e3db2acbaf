import socket

import pytest

from realtimekit_async._cli import main

from .support import interrupt_once_listening


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


def test_emulator_command_serves_until_ctrl_c(capsys: pytest.CaptureFixture[str]) -> None:
    """`realtimekit emulator` prints the environment to use and serves until Ctrl-C."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    thread = interrupt_once_listening(port)
    assert main(["emulator", "--port", str(port), "--seed-recordings", "5"]) == 0
    thread.join()
    captured = capsys.readouterr()
    assert f"export REALTIMEKIT_BASE_URL=http://127.0.0.1:{port}/client/v4" in captured.out
    assert captured.err == "emulator stopped\n"
