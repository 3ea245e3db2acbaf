"""Every answer of every endpoint validates against the OpenAPI spec (tests/samples copy).

The spec is OpenAPI 3.0: ``nullable`` is turned into JSON Schema's ``null`` type and the
``$ref``s are resolved from the spec file itself. One documented deviation is allowed: a track
recording's ``download_url`` is an array of layers (API-NOTES Q6, and the real example in
``get-track-recording-array-download-url.json``), which the schema does not describe.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from realtimekit_async.testing import FakeRealtimeKit

from .conftest import NOW, SAMPLES, call, sample

SPEC_FILE = SAMPLES / "openapi-recordings.json"
SPEC_URI = "urn:realtimekit:openapi-recordings"
LIST = "/accounts/{account_id}/realtime/kit/{app_id}/recordings"
ACTIVE = f"{LIST}/active-recording/{{meeting_id}}"
TRACK = f"{LIST}/track"
ONE = f"{LIST}/{{recording_id}}"
_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
#: What the server sends for a track recording's download_url (the example's shape).
_TRACK_LAYERS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["layer_name", "download_urls"],
        "properties": {
            "layer_name": {"type": "string"},
            "download_urls": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "required": ["download_url"],
                    "properties": {"download_url": {"type": "string", "format": "uri"}},
                },
            },
        },
    },
}


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.0 schema object as JSON Schema: ``nullable: true`` admits ``null``."""
    if node.pop("nullable", False):
        node["type"] = [node["type"], "null"]
    return node


def _formats() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("uuid", raises=ValueError)
    def is_uuid(value: object) -> bool:
        return not isinstance(value, str) or str(uuid.UUID(value)) == value

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return _DATE_TIME.fullmatch(value) is not None and bool(datetime.fromisoformat(value))

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return parts.scheme in {"http", "https"} and bool(parts.netloc)

    return checker


def _load() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_FILE.read_text(), object_hook=_nullable)
    recording = spec["components"]["schemas"]["realtimekit_Recording"]["properties"]
    recording["download_url"] = {"anyOf": [recording["download_url"], _TRACK_LAYERS]}
    return spec


SPEC = _load()
REGISTRY = Registry[Any]().with_resource(
    SPEC_URI, Resource[Any].from_contents(SPEC, default_specification=DRAFT4)
)
FORMATS = _formats()


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def validate(body: Any, path: str, method: str, status: str = "200") -> None:
    """Check ``body`` against the spec's response schema of one operation and status."""
    response = SPEC["paths"][path][method]["responses"][status]
    if "$ref" in response:
        parts = ["components", "responses", response["$ref"].rsplit("/", 1)[1]]
    else:
        parts = ["paths", path, method, "responses", status]
    ref = f"{SPEC_URI}#/{_pointer(*parts, 'content', 'application/json', 'schema')}"
    validator = Draft4Validator({"$ref": ref}, registry=REGISTRY, format_checker=FORMATS)
    validator.validate(body)  # pyright: ignore[reportUnknownMemberType] - the stubs' (...)


def test_spec_copy_is_the_shared_one() -> None:
    """tests/samples holds the spec the emulator follows (an OpenAPI 3.0 document)."""
    assert sample("openapi-recordings.json")["openapi"] == "3.0.3"
    assert set(SPEC["paths"]) == {LIST, ACTIVE, TRACK, ONE}


@pytest.mark.parametrize(
    ("name", "path", "method", "status"),
    [
        ("list-recordings-page.json", LIST, "get", "200"),
        ("active-recording.json", ACTIVE, "get", "200"),
        ("error-active-recording-not-found.json", ACTIVE, "get", "404"),
        ("get-recording-with-reasons.json", ONE, "get", "200"),
        ("get-track-recording-array-download-url.json", ONE, "get", "200"),
        ("start-track-recording-response.json", TRACK, "post", "200"),
    ],
)
def test_real_examples_validate(name: str, path: str, method: str, status: str) -> None:
    """The validator accepts the real server's answers, so what it rejects is a real fault."""
    validate(sample(name), path, method, status)


def test_validator_rejects_what_the_schema_forbids() -> None:
    """A null stop reason, a missing required key or a bad uuid are each caught."""
    good = sample("get-recording-with-reasons.json")
    for key, value in (
        ("stop_reason", None),
        ("session_id", KeyError),  # KeyError: leave the key out
        ("id", "not-a-uuid"),
        ("invoked_time", "yesterday"),
        ("download_url", "/relative"),
        ("status", "DONE"),
    ):
        bad = copy.deepcopy(good)
        if value is KeyError:
            del bad["data"][key]
        else:
            bad["data"][key] = value
        with pytest.raises(ValidationError):
            validate(bad, ONE, "get")


async def test_every_endpoint_answers_within_the_schema(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """Start, track, active, get, pause/resume/stop and list answer valid bodies in every state."""
    fake.seed(60)
    meeting = fake.add_meeting(title="Schema check")
    bucketless = fake.add_recording(meeting, realtimekit_bucket_config={"enabled": False})
    fake.add_recording(meeting, status="UPLOADED", track=True, invoked_time=NOW)
    storage = {"type": "sftp", "host": "h", "port": 22, "password": "p", "private_key": "k"}
    start = {
        "meeting_id": meeting,
        "max_seconds": 60,
        "file_name_prefix": "check",
        "audio_config": {"codec": "MP3", "export_file": True},
        "storage_config": storage,
        "allow_multiple_recordings": True,
    }
    status, started = await call(http, fake, "POST", body=start)
    assert status == 200
    validate(started, LIST, "post")
    assert "stop_reason" not in started["data"]
    recording = started["data"]["id"]
    body = {"meeting_id": meeting, "layers": {"a": {}, "b": {"file_name_prefix": "bee"}}}
    status, track = await call(http, fake, "POST", "/track", body=body)
    assert status == 200
    validate(track, TRACK, "post")
    fake.advance(5)
    status, active = await call(http, fake, "GET", f"/active-recording/{meeting}")
    assert status == 200
    validate(active, ACTIVE, "get")
    for action in ("pause", "resume", "stop"):
        status, changed = await call(http, fake, "PUT", f"/{recording}", body={"action": action})
        assert status == 200
        validate(changed, ONE, "put")
    status, missing = await call(http, fake, "GET", f"/active-recording/{meeting}")
    assert status == 404
    validate(missing, ACTIVE, "get", "404")
    fake.advance(60)  # the track recording stops at no max_seconds; the start one uploads
    status, _ = await call(
        http, fake, "PUT", f"/{track['data']['recording']['id']}", body={"action": "stop"}
    )
    assert status == 200
    fake.advance(1)
    timed_out = fake.add_recording(meeting, status="INVOKED", max_seconds=60)
    fake.advance(0)
    fake.advance(timedelta(minutes=2).total_seconds())  # stopped at max_seconds: no reason
    fake.add_recording(meeting, status="INVOKED")
    seen: set[str] = set()
    page_no = 1
    while True:
        status, page = await call(http, fake, "GET", params={"per_page": 25, "page_no": page_no})
        assert status == 200
        validate(page, LIST, "get")
        if not page["data"]:
            break
        for item in page["data"]:
            seen.add(item["status"])
            status, one = await call(http, fake, "GET", f"/{item['id']}")
            assert status == 200
            validate(one, ONE, "get")
        page_no += 1
    assert seen == {"INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED"}
    assert "stop_reason" not in fake.recording(timed_out)
    assert fake.recording(bucketless)["download_url"] is None
