"""The ``realtimekit`` argument parser: global options, every command, and an example for each."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from ._cli_export import FORMATS, parse_time
from ._cli_progress import PROGRESS_MODES
from ._emulator._serve import LATENCY, SEED_RECORDINGS
from ._emulator._serve import add_arguments as add_emulator_arguments
from ._version import __version__

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]  # pyright: ignore[reportPrivateUsage]

__all__ = ["build_parser"]

_DESCRIPTION = f"""\
Manage Cloudflare RealtimeKit recordings.

Credentials come from the global options or the environment: CLOUDFLARE_API_TOKEN,
CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID and, optionally, REALTIMEKIT_BASE_URL.
Global options go before the command; --emulator runs any command against a fresh
in-process emulator holding {SEED_RECORDINGS} seeded recordings.
"""

_EXAMPLE = """\
example:
  realtimekit --emulator list --status UPLOADED --format csv
"""


def _command(
    commands: Commands,
    name: str,
    summary: str,
    example: str,
) -> argparse.ArgumentParser:
    """A sub-command whose ``--help`` ends with a worked example."""
    return commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog="example:\n" + textwrap.indent(textwrap.dedent(example).strip(), "  "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"must be at least 1, got {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    auth = parser.add_argument_group("connection (flags win over the environment)")
    auth.add_argument("--account-id", help="Cloudflare account id [CLOUDFLARE_ACCOUNT_ID]")
    auth.add_argument("--app-id", help="RealtimeKit app id [REALTIMEKIT_APP_ID]")
    auth.add_argument(
        "--token",
        help="API token; prefer the environment, which keeps it out of `ps` [CLOUDFLARE_API_TOKEN]",
    )
    auth.add_argument("--base-url", help="API root [REALTIMEKIT_BASE_URL]")
    auth.add_argument(
        "--emulator",
        action="store_true",
        help="run against a fresh in-process emulator with seeded recordings",
    )
    # Slows every emulator answer down, to watch the progress bars; not for everyday use.
    auth.add_argument("--emulator-latency", type=float, default=LATENCY, help=argparse.SUPPRESS)
    auth.add_argument(
        "--max-attempts",
        type=_positive,
        default=5,
        metavar="N",
        help="tries per request before giving up on 429/5xx/network errors (default: 5)",
    )
    parser.add_argument(
        "--progress",
        choices=PROGRESS_MODES,
        default="auto",
        help="progress bars on stderr: auto (only on a terminal), always, never",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log every request (DEBUG) to stderr"
    )


def _list_filters(parser: argparse.ArgumentParser, *, status: bool = True) -> None:
    group = parser.add_argument_group("filters")
    group.add_argument("--meeting-id", help="only this meeting's recordings")
    if status:
        group.add_argument(
            "--status",
            action="append",
            metavar="STATUS",
            help="only these statuses (repeat it, or a comma list: UPLOADED,ERRORED)",
        )
    group.add_argument("--search", help="text to match against the meeting id or title")
    expired = group.add_mutually_exclusive_group()
    expired.add_argument(
        "--expired", dest="expired", action="store_const", const=True, help="expired links only"
    )
    expired.add_argument(
        "--not-expired", dest="expired", action="store_const", const=False, help="live links only"
    )
    group.add_argument("--sort-by", help="sort key (the API documents invokedTime)")
    group.add_argument("--sort-order", type=str.upper, choices=("ASC", "DESC"))
    group.add_argument("--start-time", type=parse_time, metavar="ISO8601", help="from this time")
    group.add_argument("--end-time", type=parse_time, metavar="ISO8601", help="up to this time")
    group.add_argument("--per-page", type=_positive, metavar="N", help="page size to ask for")


def _session_commands(commands: Commands) -> None:
    listing = _command(
        commands,
        "list",
        "list recordings as a table, JSON lines or CSV, resumably",
        """
        realtimekit list --status UPLOADED --format jsonl --output recordings.jsonl
        realtimekit list --resume --output recordings.jsonl    # after an interruption
        """,
    )
    _list_filters(listing)
    listing.add_argument(
        "--format",
        choices=FORMATS,
        help="table (default on stdout), jsonl (default to a file), csv",
    )
    listing.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE")
    listing.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted export to --output FILE (its token is FILE.resume)",
    )

    for name, summary in (
        ("get", "show one recording"),
        ("pause", "pause a recording"),
        ("resume", "resume a paused recording"),
        ("stop", "stop a recording (it uploads next)"),
    ):
        command = _command(commands, name, summary, f"realtimekit {name} RECORDING_ID")
        command.add_argument("recording_id")

    active = _command(
        commands,
        "active",
        "show a meeting's recording in progress",
        "realtimekit active MEETING_ID",
    )
    active.add_argument("meeting_id")

    start = _command(
        commands,
        "start",
        "start recording a meeting",
        """
        realtimekit start MEETING_ID --max-seconds 3600 --file-name-prefix standup
        realtimekit start MEETING_ID --storage-type aws --storage-bucket archive \\
            --storage-region eu-central-1 --storage-access-key KEY --storage-secret SECRET
        """,
    )
    start.add_argument("meeting_id")
    start.add_argument("--max-seconds", type=_positive, metavar="N", help="stop after N seconds")
    start.add_argument("--file-name-prefix", metavar="PREFIX")
    start.add_argument(
        "--allow-multiple", action="store_true", help="allow a second recording of the meeting"
    )
    start.add_argument("--audio-codec", metavar="CODEC", help="MP3 or AAC")
    start.add_argument("--video-codec", metavar="CODEC", help="H264 or VP8")
    storage = start.add_argument_group("your own storage (instead of the RealtimeKit bucket)")
    storage.add_argument("--storage-type", help="aws, azure, digitalocean, gcs, sftp, cloudflare")
    for flag in ("bucket", "region", "path", "access-key", "secret"):
        storage.add_argument(f"--storage-{flag}")
    storage.add_argument(
        "--storage-config-json",
        metavar="JSON",
        help="the whole storage_config as JSON, or @FILE to read it from FILE",
    )

    track = _command(
        commands,
        "track",
        "record each participant's audio to its own file",
        "realtimekit track MEETING_ID --layer-prefix interview --user-id host --user-id guest",
    )
    track.add_argument("meeting_id")
    track.add_argument("--layer-prefix", metavar="PREFIX", help="file name prefix of the files")
    track.add_argument(
        "--user-id", action="append", metavar="ID", help="record only this participant (repeat)"
    )

    wait = _command(
        commands,
        "wait",
        "wait until a recording reaches a status",
        "realtimekit wait RECORDING_ID --status UPLOADED --timeout 600",
    )
    wait.add_argument("recording_id")
    wait.add_argument(
        "--status", action="append", metavar="STATUS", help="status to wait for (default UPLOADED)"
    )
    wait.add_argument("--timeout", type=float, default=900.0, help="seconds (default: 900)")
    wait.add_argument(
        "--poll-interval", type=float, default=2.0, help="first pause in seconds (default: 2)"
    )

    download = _command(
        commands,
        "download",
        "download one recording's files, or every uploaded recording's",
        """
        realtimekit download RECORDING_ID --output-dir recordings/
        realtimekit download --all --meeting-id MEETING_ID --concurrency 8 --output-dir recordings/
        """,
    )
    download.add_argument("recording_id", nargs="?")
    download.add_argument("--all", action="store_true", help="every UPLOADED recording matching")
    _list_filters(download, status=False)
    download.set_defaults(status=None)
    download.add_argument("--output-dir", "-d", type=Path, default=Path(), metavar="DIR")
    download.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help="files at a time (default: 4)"
    )
    download.add_argument("--audio", action="store_true", help="the separate audio file instead")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole ``realtimekit`` command line."""
    parser = argparse.ArgumentParser(
        prog="realtimekit",
        description=_DESCRIPTION,
        epilog=_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _global_options(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _session_commands(commands)
    emulator = _command(
        commands,
        "emulator",
        "serve the emulator on 127.0.0.1 until Ctrl-C",
        "realtimekit emulator --port 8787 --seed-recordings 300",
    )
    add_emulator_arguments(emulator)  # the options of `python -m realtimekit_async.testing`
    _command(
        commands,
        "demo",
        "run every call against a seeded in-process emulator",
        "realtimekit demo",
    )
    return parser
