"""The one-recording commands: get, active, start, pause, resume, stop, track and wait.

Each prints the recording the API answered with as indented JSON on stdout (the API's own field
names), so the output reads well and pipes into ``jq``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from ._cli_export import split_values
from ._converter import converter
from ._models import Recording
from ._session import RealtimeKitSession

__all__ = ["COMMANDS", "storage_config"]

Handler = Callable[[RealtimeKitSession, argparse.Namespace], Awaitable[int]]

#: ``--storage-*`` flag -> field of the storage configuration.
STORAGE_FLAGS: Final = ("type", "bucket", "region", "path", "access_key", "secret")


def _print(recording: Recording) -> int:
    sys.stdout.write(json.dumps(converter().unstructure(recording), indent=2) + "\n")
    return 0


def storage_config(args: argparse.Namespace) -> dict[str, Any] | None:
    """The ``storage_config`` of ``start``: from ``--storage-config-json`` or ``--storage-*``.

    ``--storage-config-json`` takes JSON text, or ``@FILE`` to read it from a file (which keeps
    the secrets out of the shell history and the process list).

    Raises:
        ValueError: both ways are used, ``--storage-*`` without ``--storage-type``, or the JSON
            is not an object.
    """
    flags = {name: getattr(args, f"storage_{name}") for name in STORAGE_FLAGS}
    given = {name: value for name, value in flags.items() if value is not None}
    text: str | None = args.storage_config_json
    if text is not None:
        if given:
            msg = "use either --storage-config-json or the --storage-* options, not both"
            raise ValueError(msg)
        if text.startswith("@"):
            text = Path(text[1:]).read_text(encoding="utf-8")
        try:
            config: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"--storage-config-json is not valid JSON: {exc}"
            raise ValueError(msg) from None
        if not isinstance(config, dict):
            msg = '--storage-config-json must be a JSON object, e.g. {"type": "aws", ...}'
            raise ValueError(msg)
        return config  # pyright: ignore[reportUnknownVariableType]
    if given and "type" not in given:
        msg = "--storage-type is required with the other --storage-* options"
        raise ValueError(msg)
    return given or None


async def _get(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return _print(await rtk.get_recording(args.recording_id))


async def _active(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return _print(await rtk.get_active_recording(args.meeting_id))


async def _start(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    recording = await rtk.start_recording(
        args.meeting_id,
        max_seconds=args.max_seconds,
        file_name_prefix=args.file_name_prefix,
        allow_multiple_recordings=args.allow_multiple or None,
        audio_config=None if args.audio_codec is None else {"codec": args.audio_codec},
        video_config=None if args.video_codec is None else {"codec": args.video_codec},
        storage_config=storage_config(args),
    )
    return _print(recording)


async def _pause(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return _print(await rtk.pause_recording(args.recording_id))


async def _resume(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return _print(await rtk.resume_recording(args.recording_id))


async def _stop(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return _print(await rtk.stop_recording(args.recording_id))


async def _track(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    layers = (
        None if args.layer_prefix is None else {"default": {"file_name_prefix": args.layer_prefix}}
    )
    user_ids = split_values(args.user_id) or None
    return _print(
        await rtk.start_track_recording(args.meeting_id, layers=layers, user_ids=user_ids)
    )


async def _wait(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    recording = await rtk.wait_for_status(
        args.recording_id,
        [s.upper() for s in split_values(args.status)] or ["UPLOADED"],
        timeout=args.timeout,
        poll_interval=args.poll_interval,
    )
    return _print(recording)


#: Command name -> handler, for the commands that run against a session.
COMMANDS: Final[dict[str, Handler]] = {
    "get": _get,
    "active": _active,
    "start": _start,
    "pause": _pause,
    "resume": _resume,
    "stop": _stop,
    "track": _track,
    "wait": _wait,
}
