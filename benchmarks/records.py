"""Deterministic, realistic response bodies for the benchmark server and the offline measurement.

Record *i* (1-based, the API's offset) always renders to the same bytes, in the shapes of
``spec/examples/list-recordings-page.json``: a recording with its ``storage_config`` and
``meeting``, uuid ids, ISO timestamps with ``Z``, nulls where the status leaves them unset, and
a realistic mix of statuses. Rendering is %-formatting into per-status templates whose constant
parts (meetings, storage configs) are encoded once, so a page costs little to build: the server
process must never be the bottleneck of what the client measures.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache, lru_cache
from typing import Any, Final

ACCOUNT_ID: Final = "023e105f4ecef8ad9ca31a8372d0c353"
APP_ID: Final = "9f2c7a1e-5b3d-4c8e-a0f6-2d7b9e1c4a58"
API_TOKEN: Final = "bench-token-not-a-secret"  # a loopback-only fake credential
API_ROOT: Final = "/client/v4"
LIST_PATH: Final = f"{API_ROOT}/accounts/{ACCOUNT_ID}/realtime/kit/{APP_ID}/recordings"

_BASE_MS: Final = int(dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC).timestamp() * 1000)
_MASK128: Final = (1 << 128) - 1
# Odd multipliers make i -> id a bijection, so every record id is distinct.
_ID_MUL: Final = 0x9E3779B97F4A7C15F39CC0605CEDC835
_SESSION_MUL: Final = 0xC2B2AE3D27D4EB4F165667B19E3779F9

_TITLES: Final = (
    "Daily standup",
    "Sprint planning",
    "Customer onboarding — ACME GmbH",
    "Réunion d'équipe",
    "1:1 Maya / Jonas",
    "Incident review #4821",
    "All hands",
    "设计评审",
    None,
)
_STORAGE: Final[tuple[dict[str, Any] | None, ...]] = (
    {"type": "aws", "bucket": "acme-meeting-archive", "region": "eu-central-1", "path": "rtk/x"},
    None,
    {"type": "gcs", "bucket": "acme-recordings", "region": None, "path": "meetings"},
    {"type": "cloudflare", "bucket": "r2-archive", "region": "auto", "path": None},
    {"type": "azure", "bucket": "recordings", "region": "westeurope", "path": "standups"},
    {
        "type": "sftp",
        "bucket": None,
        "region": None,
        "path": "/upload/recordings",
        "auth_method": "KEY",
        "username": "rtk-upload",
        "host": "sftp.example.com",
        "port": 22,
    },
)
#: Distinct meetings the recordings belong to, spread pseudo-randomly over the listing. How many
#: recordings share a meeting matters to a client that shares equal meeting objects.
DEFAULT_MEETINGS: Final = 1_000


def _dumps(value: object) -> str:
    # Raw UTF-8, as real servers send it.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def uuid_of(n: int, mul: int = _ID_MUL) -> str:
    """A stable uuid4-shaped string for *n*."""
    h = f"{(n * mul + 0x5BD1E995) & _MASK128:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


@lru_cache(maxsize=4096)
def _day(days: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=days)).isoformat()


def iso(ms: int) -> str:
    """UTC milliseconds since the epoch as the API writes them: ``2026-08-14T09:06:52.345Z``."""
    days, ms = divmod(ms, 86_400_000)
    secs, ms = divmod(ms, 1000)
    hours, secs = divmod(secs, 3600)
    minutes, secs = divmod(secs, 60)
    return f'"{_day(days)}T{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}Z"'


@lru_cache(maxsize=4096)
def _meeting(n: int, *, full: bool) -> str:
    meeting: dict[str, Any] = {
        "id": uuid_of(n + 1, _SESSION_MUL ^ 0xFFFF),
        "created_at": "2026-03-02T12:00:11.004Z",
        "updated_at": f"2026-07-{n % 28 + 1:02d}T16:45:09.731Z",
        "title": _TITLES[n % len(_TITLES)],
        "status": "ACTIVE" if n % 5 else "INACTIVE",
    }
    if full:
        meeting |= {
            "record_on_start": n % 3 == 0,
            "live_stream_on_start": False,
            "persist_chat": n % 2 == 0,
            "summarize_on_end": False,
            "transcribe_on_end": n % 4 == 0,
            "session_keep_alive_time_in_secs": 60,
        }
    return _dumps(meeting)


# Placeholders are the JSON strings "@name@"; the templates swap them for %(name)s.
_FIELDS: Final = ("id", "session", "invoked", "started", "stopped", "expiry", "file", "size")


@cache
def _template(status: str, *, reasons: bool = False) -> str:
    started = status not in {"INVOKED", "ERRORED"}
    stopped = status in {"UPLOADING", "UPLOADED"}
    uploaded = status == "UPLOADED"
    record: dict[str, Any] = {
        "id": "@id@",
        "audio_download_url": (
            "https://storage.example.com/rtk/@file@.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Expires=604800&X-Amz-Signature=3f9a"
            if uploaded
            else None
        ),
        "download_url": (
            "https://storage.example.com/rtk/@file@.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Expires=604800&X-Amz-Signature=b21c"
            if uploaded
            else None
        ),
        "download_url_expiry": "@expiry@" if uploaded else None,
        "file_size": "@size@" if uploaded else None,
        "invoked_time": "@invoked@",
        "output_file_name": "@file@.mp4",
        "session_id": "@session@",
        "started_time": "@started@" if started else None,
        "status": status,
        "stopped_time": "@stopped@" if stopped else None,
    }
    if stopped:
        record["recording_duration"] = "@duration@"
    if reasons:
        record["start_reason"] = {
            "reason": "API_CALL",
            "caller": {"type": "ORGANIZATION", "name": "acme-backend", "user_Id": "@session@"},
        }
        record["stop_reason"] = {"reason": "ALL_PEERS_LEFT"} if stopped else None
    record["storage_config"] = "@storage@"
    record["meeting"] = "@meeting@"
    text = _dumps(record).replace("%", "%%")  # the text becomes a %-template
    for name in (*_FIELDS, "duration", "storage", "meeting"):
        quoted = f'"@{name}@"'
        text = text.replace(quoted, f"%({name})s")
        text = text.replace(f"@{name}@", f"%({name})s")  # inside URLs and the file name
    return text


# Out of 100 records: mostly finished uploads, a realistic tail of failures and live ones.
_STATUS_MIX: Final = (
    *["UPLOADED"] * 70,
    *["ERRORED"] * 10,
    *["UPLOADING"] * 6,
    *["RECORDING"] * 6,
    *["PAUSED"] * 4,
    *["INVOKED"] * 4,
)
_STORAGE_JSON: Final = tuple(_dumps(s) for s in _STORAGE)


def record_json(
    i: int,
    *,
    reasons: bool = False,
    record_id: str | None = None,
    meetings: int = DEFAULT_MEETINGS,
) -> str:
    """Record number *i* (1-based) as compact JSON text."""
    status = _STATUS_MIX[(i * 37) % 100]
    invoked = _BASE_MS + i * 53_117
    duration = 60 + (i * 7919) % 5400
    meeting = (i * 7919) % meetings
    values = {
        "id": f'"{record_id or uuid_of(i)}"',
        "session": f'"{uuid_of(i, _SESSION_MUL)}"',
        "invoked": iso(invoked),
        "started": iso(invoked + 4_000 + i % 3_000),
        "stopped": iso(invoked + 4_000 + duration * 1000),
        "expiry": iso(invoked + 7 * 86_400_000),
        "file": f"meeting_{meeting:04d}_{invoked}",
        "size": str(duration * 33_391 + i % 1000),
        "duration": str(duration),
        "storage": _STORAGE_JSON[i % len(_STORAGE_JSON)],
        "meeting": _meeting(meeting, full=status != "ERRORED"),
    }
    return _template(status, reasons=reasons) % values


def page_body(page_no: int, per_page: int, total: int, meetings: int = DEFAULT_MEETINGS) -> bytes:
    """The list response for ``page_no``/``per_page`` over *total* records."""
    start = (page_no - 1) * per_page + 1
    end = min(start + per_page - 1, total)
    items = ",".join(record_json(i, meetings=meetings) for i in range(start, end + 1))
    paging = f'{{"total_count":{total},"start_offset":{start},"end_offset":{max(end, start - 1)}}}'
    return f'{{"success":true,"data":[{items}],"paging":{paging}}}'.encode()


def recording_body(record_id: str) -> bytes:
    """``GET …/recordings/{id}``: one finished recording, with its start and stop reasons."""
    text = record_json(1, reasons=True, record_id=json.dumps(record_id)[1:-1])
    return f'{{"success":true,"data":{text}}}'.encode()


def page_count(total: int, per_page: int) -> int:
    """⌈total / per_page⌉: the requests a correct client makes."""
    return -(-total // per_page)
