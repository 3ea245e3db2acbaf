"""The ``realtimekit`` argument parser: global options, and each command registering itself.

The global options live in one parent parser that every command's parser also gets, with
``argparse.SUPPRESS`` as default there: ``realtimekit --emulator list`` and
``realtimekit list --emulator`` mean the same, and a value given after the command wins.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Final

from realtimekit_async._emulator._serve import LATENCY, SEED_RECORDINGS
from realtimekit_async._version import __version__

from . import _commands, _download, _export, _local, _webhooks
from ._progress import PROGRESS_MODES
from ._shared import FORMATS, Formatter, positive

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ._shared import Commands

__all__ = ["GLOBAL_DEFAULTS", "build_parser", "parse_args"]

_DESCRIPTION = f"""\
Manage Cloudflare RealtimeKit recordings and webhooks.

Credentials come from the global options or the environment: CLOUDFLARE_API_TOKEN,
CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID and, optionally, REALTIMEKIT_BASE_URL.
Global options go before or after the command; --emulator runs any command against a
fresh in-process emulator holding {SEED_RECORDINGS} seeded recordings.

Data goes to stdout; progress, summaries and errors go to stderr. Exit status: 0 done,
1 API, network or file error, 2 bad arguments, 130 interrupted (Ctrl-C).
"""

_EXAMPLE = """\
example:
  realtimekit --emulator list --status UPLOADED --format csv
  realtimekit list --limit 10 --emulator
"""

#: The global options' values when given nowhere (the parent parser suppresses its defaults).
GLOBAL_DEFAULTS: Final = {
    "account_id": None,
    "app_id": None,
    "token": None,
    "base_url": None,
    "emulator": False,
    "emulator_latency": LATENCY,
    "max_attempts": 5,
    "progress": "auto",
    "verbose": False,
    "format": None,
}


def _global_options() -> argparse.ArgumentParser:
    """The parent parser of every command (and of the root) holding the global options."""
    parent = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    auth = parent.add_argument_group("connection (flags win over the environment)")
    auth.add_argument(
        "--account-id", help="Cloudflare account id (default: $CLOUDFLARE_ACCOUNT_ID)"
    )
    auth.add_argument("--app-id", help="RealtimeKit app id (default: $REALTIMEKIT_APP_ID)")
    auth.add_argument(
        "--token",
        help="API token; prefer the environment, which keeps it out of `ps` "
        "(default: $CLOUDFLARE_API_TOKEN)",
    )
    auth.add_argument(
        "--base-url",
        help="API root (default: $REALTIMEKIT_BASE_URL, else Cloudflare's API)",
    )
    auth.add_argument(
        "--emulator",
        action="store_true",
        help="run against a fresh in-process emulator with seeded recordings (default: off)",
    )
    # Slows every emulator answer down, to watch the progress bars; not for everyday use.
    auth.add_argument("--emulator-latency", type=float, help=argparse.SUPPRESS)
    auth.add_argument(
        "--max-attempts",
        type=positive,
        metavar="N",
        help="tries per request before giving up on 429/5xx/network errors "
        f"(default: {GLOBAL_DEFAULTS['max_attempts']})",
    )
    output = parent.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=FORMATS,
        help="output format; each command lists the ones it supports "
        "(default: the command's own, see its help)",
    )
    output.add_argument(
        "--progress",
        choices=PROGRESS_MODES,
        help="progress bars on stderr: auto (only on a terminal), always, never (default: auto)",
    )
    output.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log every request (DEBUG, secrets masked) to stderr (default: off)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole ``realtimekit`` command line."""
    parent = _global_options()
    parser = argparse.ArgumentParser(
        prog="realtimekit",
        description=_DESCRIPTION,
        epilog=_EXAMPLE,
        formatter_class=Formatter,
        parents=[parent],
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}", help="show the version"
    )
    commands: Commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", title="commands"
    )
    _export.register(commands, parent)
    _commands.register(commands, parent)
    _download.register(commands, parent)
    _webhooks.register(commands, parent)
    _local.register(commands, parent)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse *argv*; global options given nowhere get their :data:`GLOBAL_DEFAULTS`.

    The defaults go into the namespace up front rather than into the parsers: the option
    objects are shared with every command's parser, whose defaults must stay suppressed.
    """
    return build_parser().parse_args(argv, argparse.Namespace(**GLOBAL_DEFAULTS))
