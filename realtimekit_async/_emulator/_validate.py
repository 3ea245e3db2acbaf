"""Validation of request bodies into plain values; every refusal is a 400 naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from realtimekit_async._emulator._wire import ApiError

if TYPE_CHECKING:
    from collections.abc import Iterable

STORAGE_TYPES = ("aws", "azure", "digitalocean", "gcs", "sftp", "cloudflare")
ACTIONS = ("pause", "resume", "stop")
MAX_TRACK_USERS = 100


@dataclass(frozen=True)
class StartRequest:
    """A validated start-recording body."""

    meeting_id: str
    max_seconds: int | None = None
    allow_multiple: bool = False
    file_name_prefix: str | None = None
    audio_config: dict[str, Any] | None = None
    storage_config: dict[str, Any] | None = None
    bucket_enabled: bool = True


@dataclass(frozen=True)
class TrackRequest:
    """A validated start-track-recording body."""

    meeting_id: str
    layers: dict[str, str]
    user_ids: list[str]


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def as_object(value: Any) -> dict[str, Any] | None:
    """``value`` as a JSON object, or None when it is something else."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def _object(body: Any) -> dict[str, Any]:
    data = as_object(body)
    if data is None:
        raise _bad("Request body must be a JSON object")
    return data


def _meeting_id(body: dict[str, Any]) -> str:
    meeting_id = body.get("meeting_id")
    if not isinstance(meeting_id, str) or not meeting_id:
        raise _bad('"meeting_id" is required and must be a string')
    return meeting_id


def _optional_object(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    data = as_object(value)
    if value is not None and data is None:
        raise _bad(f'"{key}" must be an object')
    return data


def parse_start(body: Any) -> StartRequest:
    """Validate a start-recording body.

    Raises:
        ApiError: 400 naming the offending field.
    """
    data = _object(body)
    meeting_id = _meeting_id(data)
    max_seconds = data.get("max_seconds")
    if max_seconds is not None and (
        isinstance(max_seconds, bool)
        or not isinstance(max_seconds, int)
        or not 60 <= max_seconds <= 86400
    ):
        raise _bad('"max_seconds" must be an integer between 60 and 86400')
    allow_multiple = data.get("allow_multiple_recordings", False)
    if allow_multiple is not None and not isinstance(allow_multiple, bool):
        raise _bad('"allow_multiple_recordings" must be a boolean')
    prefix = data.get("file_name_prefix")
    if prefix is not None and not isinstance(prefix, str):
        raise _bad('"file_name_prefix" must be a string')
    if data.get("url") is not None and not isinstance(data["url"], str):
        raise _bad('"url" must be a string')
    for key in ("video_config", "rtmp_out_config", "interactive_config"):
        _optional_object(data, key)
    storage = _optional_object(data, "storage_config")
    if storage is not None and storage.get("type") not in STORAGE_TYPES:
        raise _bad('"storage_config.type" must be one of ' + ", ".join(STORAGE_TYPES))
    bucket = _optional_object(data, "realtimekit_bucket_config")
    enabled = True if bucket is None else bucket.get("enabled")
    if not isinstance(enabled, bool):
        raise _bad('"realtimekit_bucket_config.enabled" is required and must be a boolean')
    return StartRequest(
        meeting_id=meeting_id,
        max_seconds=max_seconds,
        allow_multiple=allow_multiple is True,
        file_name_prefix=prefix,
        audio_config=_optional_object(data, "audio_config"),
        storage_config=storage,
        bucket_enabled=enabled,
    )


def parse_track(body: Any) -> TrackRequest:
    """Validate a start-track-recording body.

    Raises:
        ApiError: 400 naming the offending field.
    """
    data = _object(body)
    meeting_id = _meeting_id(data)
    raw_layers = _optional_object(data, "layers")
    layers: dict[str, str] = {}
    # Without layers the server records one layer named "default" (the guide's example).
    for name, value in (raw_layers or {"default": {}}).items():
        layer = as_object(value)
        if layer is None:
            raise _bad(f'"layers.{name}" must be an object')
        prefix = layer.get("file_name_prefix", name)
        if not isinstance(prefix, str):
            raise _bad(f'"layers.{name}.file_name_prefix" must be a string')
        if layer.get("media_kind", "audio") != "audio":
            raise _bad(f'"layers.{name}.media_kind" must be "audio"')
        layers[name] = prefix
    raw_users: Any = data.get("user_ids")
    if raw_users is None:
        raw_users = []
    if not isinstance(raw_users, list):
        raise _bad('"user_ids" must be a list of strings')
    entries = list(cast("Iterable[Any]", raw_users))
    user_ids = [u for u in entries if isinstance(u, str)]
    if len(user_ids) != len(entries):
        raise _bad('"user_ids" must be a list of strings')
    if len(user_ids) > MAX_TRACK_USERS:
        raise _bad(f'"user_ids" accepts at most {MAX_TRACK_USERS} entries')
    return TrackRequest(meeting_id, layers, user_ids)


def parse_action(body: Any) -> str:
    """Validate a pause/resume/stop body and return the action.

    Raises:
        ApiError: 400 when the action is missing or unknown.
    """
    action = _object(body).get("action")
    if action not in ACTIONS:
        raise _bad('"action" must be one of ' + ", ".join(ACTIONS))
    return str(action)
