"""What every command module of ``realtimekit`` shares: the help layout, flag types, output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from realtimekit_async._converter import to_json_data

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]  # pyright: ignore[reportPrivateUsage]

__all__ = [
    "FORMATS",
    "CommandError",
    "Formatter",
    "Handler",
    "add_command",
    "parse_time",
    "port",
    "positive",
    "print_json",
    "seconds",
    "split_values",
]

#: Every ``--format``; each command says which of them it supports (``formats`` default).
FORMATS: Final = ("table", "json", "jsonl", "csv", "text")

#: What a command's parser stores as ``handler``: runs the parsed command, returns the status.
Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A command failed for a reason outside the SDK (a port in use): one line, exit status 1."""


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps descriptions and examples as written, and shows each option's default.

    Unlike :class:`argparse.ArgumentDefaultsHelpFormatter`, a default of ``None`` or ``False``
    (an option that is simply off) is not spelled out, nor one the help text already names.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            "default" in text
            or default in (None, False, argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


def add_command(
    commands: Commands,
    parent: argparse.ArgumentParser,
    name: str,
    summary: str,
    example: str,
    *,
    handler: Handler,
    formats: Sequence[str] = (),
) -> argparse.ArgumentParser:
    """Register a command whose ``--help`` ends with *example*, run by *handler*.

    Args:
        commands: the sub-parsers to add to.
        parent: the parser of the global options, accepted after the command too.
        name: the command's name.
        summary: one line for the overview; the description is made from it.
        example: one or more command lines shown at the end of the help.
        handler: what runs the command.
        formats: the ``--format`` values it supports, its default first.
    """
    description = summary[0].upper() + summary[1:] + "."
    if formats:
        description += f"\n\n--format: {', '.join(formats)} (default: {formats[0]})."
    parser = commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog="example:\n" + textwrap.indent(textwrap.dedent(example).strip(), "  "),
        formatter_class=Formatter,
        parents=[parent],
    )
    parser.set_defaults(handler=handler, formats=tuple(formats))
    return parser


def positive(text: str) -> int:
    """A whole number >= 1, for argparse."""
    try:
        value = int(text)
    except ValueError:
        msg = f"not a whole number: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if value < 1:
        msg = f"must be at least 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def port(text: str) -> int:
    """A TCP port number, 0-65535 (0: any free port), for argparse."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        msg = f"not a port (0-65535): {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def seconds(text: str) -> float:
    """A finite number of seconds > 0, for argparse."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        msg = f"not a number of seconds > 0: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 timestamp; one without a zone is taken as UTC.

    Raises:
        argparse.ArgumentTypeError: *text* is not ISO 8601.
    """
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        msg = f"not an ISO 8601 time: {text!r} (e.g. 2025-01-31T09:00:00Z)"
        raise argparse.ArgumentTypeError(msg) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def split_values(values: list[str] | None) -> list[str]:
    """Values of a repeatable flag, each of which may also be a comma-separated list."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def print_json(model: object, fmt: str | None) -> int:
    """Print *model* on stdout: indented JSON, or one line for ``--format jsonl``."""
    data = to_json_data(model)
    text = json.dumps(data) if fmt == "jsonl" else json.dumps(data, indent=2)
    sys.stdout.write(text + "\n")
    return 0
