import argparse
import asyncio
import json
from typing import cast

import pytest

from realtimekit_async._cli import main
from realtimekit_async._cli._parser import GLOBAL_DEFAULTS, build_parser, parse_args
from realtimekit_async.testing import FakeRealtimeKit

from .support import flags

COMMANDS = (
    ["list"],
    ["get"],
    ["active"],
    ["start"],
    ["pause"],
    ["resume"],
    ["stop"],
    ["track"],
    ["wait"],
    ["download"],
    ["emulator"],
    ["demo"],
    ["webhooks"],
    ["webhooks", "list"],
    ["webhooks", "create"],
    ["webhooks", "delete"],
    ["webhooks", "listen"],
)


def _options(argv: list[str]) -> dict[str, object]:
    """What *argv* parses to, but the handler (a new function for each parser built)."""
    parsed = vars(parse_args(argv))
    parsed.pop("handler")
    return parsed


def _parsers() -> list[argparse.ArgumentParser]:
    """The root parser and every command's, sub-commands included."""
    found: list[argparse.ArgumentParser] = []
    pending = [build_parser()]
    while pending:
        parser = pending.pop()
        found.append(parser)
        for action in parser._actions:
            choices: object = action.choices
            if isinstance(choices, dict):  # the sub-commands
                pending.extend(cast("dict[str, argparse.ArgumentParser]", choices).values())
    return found


def test_global_options_go_before_or_after_the_command() -> None:
    """`--emulator -v --format json` mean the same before and after the command."""
    before = parse_args(["--emulator", "-v", "--format", "json", "--token", "t", "list"])
    after = ["list", "--emulator", "-v", "--format", "json", "--token", "t"]
    assert _options(after) == _options(
        ["--emulator", "-v", "--format", "json", "--token", "t", "list"]
    )
    assert before.emulator is True
    assert before.verbose is True
    assert before.format == "json"
    assert before.token == "t"


def test_global_options_given_nowhere_get_their_defaults() -> None:
    """Without global options, the namespace holds GLOBAL_DEFAULTS."""
    args = parse_args(["get", "rec"])
    assert {name: getattr(args, name) for name in GLOBAL_DEFAULTS} == GLOBAL_DEFAULTS


def test_a_global_option_after_the_command_wins() -> None:
    """Given in both places, the value after the command is the one used."""
    args = parse_args(["--max-attempts", "2", "--progress", "never", "list", "--max-attempts", "7"])
    assert args.max_attempts == 7
    assert args.progress == "never"


def test_nested_commands_take_global_options_too() -> None:
    """`webhooks list --emulator` and `--emulator webhooks list` are the same."""
    assert _options(["webhooks", "list", "--emulator"]) == _options(
        ["--emulator", "webhooks", "list"]
    )


async def test_credentials_after_the_command_reach_the_api(
    fake: FakeRealtimeKit, capsys: pytest.CaptureFixture[str]
) -> None:
    """Credentials given after the command are used for the request."""
    recording = fake.add_recording(fake.add_meeting())
    assert await asyncio.to_thread(main, ["get", recording, *flags(fake)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["id"] == recording
    assert captured.err == ""


def test_every_option_has_help_and_every_help_an_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each option says what it does; each command's help ends with an example."""
    for parser in _parsers():
        for action in parser._actions:
            if action.option_strings and action.help is not argparse.SUPPRESS:
                assert action.help, (parser.prog, action.option_strings)
            if not action.option_strings and action.dest != "command":
                assert action.help or isinstance(action.choices, dict)
    for argv in (["--help"], *([*names, "--help"] for names in COMMANDS)):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert "example:" in out
        assert "realtimekit " in out.split("example:")[1]


def test_help_shows_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    """Defaults appear in the help: the emulator's seed size, the wait timeout, the formats."""
    for argv, shown in (
        (["emulator", "--help"], ["(default: 300)", "(default: 0)"]),
        (["wait", "--help"], ["(default: 900.0)", "(default: UPLOADED)", "(default: 5)"]),
        (["list", "--help"], ["--format: table, json, jsonl, csv (default: table)"]),
        (["download", "--help"], ["(default: 4)", "(default: .)"]),
        (["webhooks", "listen", "--help"], ["(default: /webhooks)", "(default: text)"]),
        (["--help"], ["(default: auto)", "(default: $CLOUDFLARE_API_TOKEN)"]),
    ):
        with pytest.raises(SystemExit):
            main(argv)
        out = " ".join(capsys.readouterr().out.split())
        for text in shown:
            assert text in out, (argv, text)


def test_a_format_the_command_does_not_write_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`get --format csv` is a usage error naming the formats `get` writes; nothing on stdout."""
    assert main(["--emulator", "get", "some-id", "--format", "csv"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "realtimekit: error: realtimekit get does not write --format csv (it writes json, jsonl)\n"
    )
    assert main(["--emulator", "webhooks", "delete", "wh", "--format", "json"]) == 2
    assert "(it writes no --format)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["emulator", "--port", "99999"], "not a port (0-65535)"),
        (["webhooks", "listen", "--port", "70000"], "not a port (0-65535)"),
        (["webhooks", "listen", "--port", "http"], "not a port (0-65535)"),
        (["wait", "r", "--poll-interval", "soon"], "not a number of seconds > 0"),
        (["wait", "r", "--timeout", "nan"], "not a number of seconds > 0"),
        (["list", "--per-page", "x"], "not a whole number"),
        (["list", "--start-time", "yesterday"], "not an ISO 8601 time"),
        (["list", "--resume", "--force"], "not allowed with argument"),
    ],
)
def test_bad_values_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed value stops at the parser: status 2, usage and one error line on stderr."""
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err.splitlines()[-1]
    assert "Traceback" not in captured.err
