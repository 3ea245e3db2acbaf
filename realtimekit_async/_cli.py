"""The ``realtimekit`` command (also ``python -m realtimekit_async``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ._version import __version__


def _demo(_: argparse.Namespace) -> int:
    from ._demo import run_demo  # noqa: PLC0415 - the emulator loads only when asked for

    asyncio.run(run_demo(sys.stdout))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="realtimekit",
        description="Manage Cloudflare RealtimeKit recordings.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="run every call against a seeded in-process emulator",
        description="Start the bundled emulator, run all six calls and stream every recording."
        "\n\nexample:\n  realtimekit demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    status: int = args.handler(args)
    return status
