"""The one-recording commands: get, active, start, pause, resume, stop, track and wait.

Each prints the recording the API answered with as JSON on stdout (the API's own field
names; indented, or one line with ``--format jsonl``), so the output pipes into ``jq``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from realtimekit_async._session import RealtimeKitSession

from ._config import session_handler
from ._shared import add_command, positive, print_json, seconds, split_values

if TYPE_CHECKING:
    from ._shared import Commands

__all__ = ["register", "storage_config"]

#: ``--storage-*`` flag -> field of the storage configuration.
STORAGE_FLAGS: Final = ("type", "bucket", "region", "path", "access_key", "secret")
#: What the one-recording commands print.
_FORMATS: Final = ("json", "jsonl")


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
    return print_json(await rtk.get_recording(args.recording_id), args.format)


async def _active(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return print_json(await rtk.get_active_recording(args.meeting_id), args.format)


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
    return print_json(recording, args.format)


async def _pause(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return print_json(await rtk.pause_recording(args.recording_id), args.format)


async def _resume(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return print_json(await rtk.resume_recording(args.recording_id), args.format)


async def _stop(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    return print_json(await rtk.stop_recording(args.recording_id), args.format)


async def _track(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    layers = (
        None if args.layer_prefix is None else {"default": {"file_name_prefix": args.layer_prefix}}
    )
    user_ids = split_values(args.user_id) or None
    recording = await rtk.start_track_recording(args.meeting_id, layers=layers, user_ids=user_ids)
    return print_json(recording, args.format)


async def _wait(rtk: RealtimeKitSession, args: argparse.Namespace) -> int:
    recording = await rtk.wait_for_status(
        args.recording_id,
        [s.upper() for s in split_values(args.status)] or ["UPLOADED"],
        timeout=args.timeout,
        poll_interval=args.poll_interval,
    )
    return print_json(recording, args.format)


def register(commands: Commands, parent: argparse.ArgumentParser) -> None:
    """Add get, active, pause, resume, stop, start, track and wait."""
    for name, summary, handler in (
        ("get", "show one recording", _get),
        ("pause", "pause a recording", _pause),
        ("resume", "resume a paused recording", _resume),
        ("stop", "stop a recording (it uploads next)", _stop),
    ):
        command = add_command(
            commands,
            parent,
            name,
            summary,
            f"realtimekit {name} RECORDING_ID",
            handler=session_handler(handler),
            formats=_FORMATS,
        )
        command.add_argument("recording_id", metavar="RECORDING_ID", help="the recording's id")

    active = add_command(
        commands,
        parent,
        "active",
        "show a meeting's recording in progress",
        "realtimekit active MEETING_ID",
        handler=session_handler(_active),
        formats=_FORMATS,
    )
    active.add_argument("meeting_id", metavar="MEETING_ID", help="the meeting's id")
    _start_command(commands, parent)

    track = add_command(
        commands,
        parent,
        "track",
        "record each participant's audio to its own file",
        "realtimekit track MEETING_ID --layer-prefix interview --user-id host --user-id guest",
        handler=session_handler(_track),
        formats=_FORMATS,
    )
    track.add_argument("meeting_id", metavar="MEETING_ID", help="the meeting's id")
    track.add_argument("--layer-prefix", metavar="PREFIX", help="file name prefix of the files")
    track.add_argument(
        "--user-id", action="append", metavar="ID", help="record only this participant (repeat)"
    )

    wait = add_command(
        commands,
        parent,
        "wait",
        "wait until a recording reaches a status",
        "realtimekit wait RECORDING_ID --status UPLOADED --timeout 600",
        handler=session_handler(_wait),
        formats=_FORMATS,
    )
    wait.add_argument("recording_id", metavar="RECORDING_ID", help="the recording's id")
    wait.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="status to wait for; repeat it or give a comma list (default: UPLOADED)",
    )
    wait.add_argument("--timeout", type=seconds, default=900.0, help="seconds to wait in all")
    wait.add_argument(
        "--poll-interval", type=seconds, default=2.0, help="first pause between polls, in seconds"
    )


def _start_command(commands: Commands, parent: argparse.ArgumentParser) -> None:
    start = add_command(
        commands,
        parent,
        "start",
        "start recording a meeting",
        """
        realtimekit start MEETING_ID --max-seconds 3600 --file-name-prefix standup
        realtimekit start MEETING_ID --storage-type aws --storage-bucket archive \\
            --storage-region eu-central-1 --storage-access-key KEY --storage-secret SECRET
        """,
        handler=session_handler(_start),
        formats=_FORMATS,
    )
    start.add_argument("meeting_id", metavar="MEETING_ID", help="the meeting to record")
    start.add_argument("--max-seconds", type=positive, metavar="N", help="stop after N seconds")
    start.add_argument("--file-name-prefix", metavar="PREFIX", help="prefix of the file's name")
    start.add_argument(
        "--allow-multiple", action="store_true", help="allow a second recording of the meeting"
    )
    start.add_argument("--audio-codec", metavar="CODEC", help="MP3 or AAC")
    start.add_argument("--video-codec", metavar="CODEC", help="H264 or VP8")
    storage = start.add_argument_group("your own storage (instead of the RealtimeKit bucket)")
    storage.add_argument("--storage-type", help="aws, azure, digitalocean, gcs, sftp, cloudflare")
    for flag in ("bucket", "region", "path", "access-key", "secret"):
        storage.add_argument(f"--storage-{flag}", help=f"the storage's {flag.replace('-', ' ')}")
    storage.add_argument(
        "--storage-config-json",
        metavar="JSON",
        help="the whole storage_config as JSON, or @FILE to read it from FILE",
    )
