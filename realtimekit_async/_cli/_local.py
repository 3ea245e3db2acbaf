"""The commands that need no account: ``emulator`` (serve one) and ``demo`` (tour the SDK)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from realtimekit_async._emulator._serve import add_arguments as add_emulator_arguments

from ._shared import add_command

if TYPE_CHECKING:
    from ._shared import Commands

__all__ = ["register"]


def _emulator(args: argparse.Namespace) -> int:
    # The emulator's server loads only when asked for.
    from realtimekit_async._emulator._serve import run  # noqa: PLC0415

    return run(args, "realtimekit")  # the same as `python -m realtimekit_async.testing`


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo  # noqa: PLC0415 - the emulator loads only when asked for

    asyncio.run(run_demo(sys.stdout))
    return 0


def register(commands: Commands, parent: argparse.ArgumentParser) -> None:
    """Add ``emulator`` and ``demo``."""
    emulator = add_command(
        commands,
        parent,
        "emulator",
        "serve the emulator on 127.0.0.1 until Ctrl-C",
        "realtimekit emulator --port 8787 --seed-recordings 300",
        handler=_emulator,
    )
    add_emulator_arguments(emulator)  # the options of `python -m realtimekit_async.testing`
    add_command(
        commands,
        parent,
        "demo",
        "run every call against a seeded in-process emulator",
        "realtimekit demo",
        handler=_demo,
    )
