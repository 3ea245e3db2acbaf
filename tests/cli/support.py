import json
import signal
import socket
import threading
import time
from typing import Any

import pytest

from realtimekit_async._cli import main
from realtimekit_async.testing import FakeRealtimeKit

"""Helpers shared by the command-line tests."""


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


def ctrl_c() -> None:
    """Press Ctrl-C: SIGINT to the main thread, which wakes it from its wait like a terminal's."""
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    signal.pthread_kill(main_thread, signal.SIGINT)


def interrupt_once_listening(port: int) -> threading.Thread:
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
