import asyncio
import json

import pytest

from realtimekit_async._cli import main
from realtimekit_async.testing import FakeRealtimeKit

from .support import flags


async def test_create_list_delete(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str]
) -> None:
    """`webhooks create` prints the registration, `list` shows it, `delete` removes it."""
    create = [*flags(fake), "webhooks", "create", "--name", "archive"]
    create += ["--url", "https://example.com/rtk", "--event", "recording.statusUpdate"]
    assert await asyncio.to_thread(main, [*create, "--disabled"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["events"] == ["recording.statusUpdate"]
    assert created["enabled"] is False
    everything = [*flags(fake), "webhooks", "create", "--name", "all", "--url", "https://x.example"]
    assert await asyncio.to_thread(main, [*everything, "--format", "jsonl"]) == 0
    assert len(json.loads(capsys.readouterr().out)["events"]) > 1

    assert await asyncio.to_thread(main, [*flags(fake), "webhooks", "list"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["id", "enabled", "name", "url"]
    assert any(line.startswith(created["id"]) and " no " in line for line in table[1:])
    assert (
        await asyncio.to_thread(main, [*flags(fake), "webhooks", "list", "--format", "json"]) == 0
    )
    assert len(json.loads(capsys.readouterr().out)) == 2
    jsonl = [*flags(fake), "webhooks", "list", "--format", "jsonl"]
    assert await asyncio.to_thread(main, jsonl) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2

    delete = [*flags(fake), "webhooks", "delete", created["id"]]
    assert await asyncio.to_thread(main, delete) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"deleted webhook {created['id']}\n"


def test_create_checks_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad event name or URL is one line in CLI terms and status 2."""
    argv = ["--emulator", "webhooks", "create", "--name", "x", "--url", "ftp://nope"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("realtimekit: error: ")
    assert captured.err.count("\n") == 1
    assert "url=" not in captured.err


def test_listen_with_the_emulator_shows_live_events(capsys: pytest.CaptureFixture[str]) -> None:
    """`--emulator webhooks listen` registers itself and prints the recording's deliveries."""
    assert main(["--emulator", "webhooks", "listen", "--count", "6"]) == 0
    captured = capsys.readouterr()
    statuses = [line.split()[3] for line in captured.out.splitlines()]
    assert statuses[:6] == ["INVOKED", "RECORDING", "PAUSED", "RECORDING", "UPLOADING", "UPLOADED"]
    assert "registered as webhook " in captured.err
