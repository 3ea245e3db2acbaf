"""Error messages in the command line's terms: ``--token``, ``realtimekit wait``.

The SDK's ``ValueError`` messages name its own parameters (``resume=``, ``api_token``,
``wait_for_status()``); a command-line user never typed those, so they are rewritten to the
options and commands that set them.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["cli_terms", "one_line"]

#: SDK parameter or call -> what sets it on the command line.
_TERMS: Final = {
    "list_recordings()": "realtimekit list",
    "wait_for_status()": "realtimekit wait",
    "download_recording()": "realtimekit download",
    "start_recording()": "realtimekit start",
    "start_track_recording()": "realtimekit track",
    "create_webhook()": "realtimekit webhooks create",
    "api_token": "--token",
    "account_id": "--account-id",
    "app_id": "--app-id",
    "base_url": "--base-url",
    "per_page": "--per-page",
    "poll_interval": "--poll-interval",
    "start_time": "--start-time",
    "end_time": "--end-time",
    "sort_by": "--sort-by",
    "sort_order": "--sort-order",
    "max_seconds": "--max-seconds",
    "file_name_prefix": "--file-name-prefix",
    "user_ids": "--user-id",
    "storage_config": "--storage-config-json",
    "recording_id": "RECORDING_ID",
    "meeting_id": "MEETING_ID",
    "webhook_id": "WEBHOOK_ID",
    "resume=": "--resume",
    "statuses": "--status",
    "status=": "--status",
    "timeout=": "--timeout",
    "events=": "--event",
    "url=": "--url",
    "name=": "--name",
}
# A bare word names a parameter only at the start of a message ("timeout must be ...").
_LEADING: Final = {"status": "--status", "timeout": "--timeout", "events": "--event"}
_PATTERN: Final = re.compile(
    "|".join(
        rf"(?<![\w-]){re.escape(term)}(?![\w])" if term[-1].isalnum() else re.escape(term)
        for term in sorted(_TERMS, key=len, reverse=True)
    )
)
_LEADING_PATTERN: Final = re.compile(rf"^({'|'.join(_LEADING)})\b(?= must| is)")
_ARGUMENTS: Final = "(or pass them as arguments)"


def cli_terms(message: str) -> str:
    """*message* with the SDK's parameter and call names replaced by the command line's."""
    message = message.replace(_ARGUMENTS, "(or pass --account-id, --app-id, --token)")
    message = _LEADING_PATTERN.sub(lambda match: _LEADING[match[1]], message)
    return _PATTERN.sub(lambda match: _TERMS[match[0]], message)


def one_line(message: object) -> str:
    """*message* on one line, whatever it holds."""
    return " ".join(str(message).split())
