"""The Webhooks management API over loopback: the seven routes, validation and envelopes."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from realtimekit_async.testing import FakeRealtimeKit

from .conftest import NOW, auth, rtk_error, sample

if TYPE_CHECKING:
    import aiohttp

URL = "https://hooks.example.com/rtk"
EVENTS = [
    "meeting.started",
    "meeting.ended",
    "meeting.participantJoined",
    "meeting.participantLeft",
    "meeting.chatSynced",
    "recording.statusUpdate",
    "livestreaming.statusUpdate",
    "meeting.transcript",
    "meeting.summary",
]


SPEC = sample("openapi-webhooks.json")
SPEC_URI = "urn:realtimekit:openapi-webhooks"
REGISTRY = Registry[Any]().with_resource(
    SPEC_URI, Resource[Any].from_contents(SPEC, default_specification=DRAFT4)
)
COLLECTION = "/accounts/{account_id}/realtime/kit/{app_id}/webhooks"
ONE = COLLECTION + "/{webhook_id}"


def validate(body: Any, path: str, method: str, status: int) -> None:
    """Check ``body`` against the spec's schema for one operation and status."""
    schema = SPEC["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    pointer = schema["schema"]["$ref"]
    validator = Draft4Validator({"$ref": SPEC_URI + pointer}, registry=REGISTRY)
    validator.validate(body)  # pyright: ignore[reportUnknownMemberType] - the stubs' (...)


def hooks_url(fake: FakeRealtimeKit, suffix: str = "") -> str:
    """The webhooks collection URL of ``fake`` (plus ``suffix``)."""
    return f"{fake.base_url}/accounts/{fake.account_id}/realtime/kit/{fake.app_id}/webhooks{suffix}"


async def hooks(
    http: aiohttp.ClientSession,
    fake: FakeRealtimeKit,
    method: str,
    suffix: str = "",
    *,
    body: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    """One request to the webhooks API; status and parsed JSON."""
    async with http.request(
        method,
        hooks_url(fake, suffix),
        json=body,
        data=data,
        headers=auth(fake) if headers is None else headers,
    ) as response:
        assert response.headers["Content-Type"] == "application/json"
        return response.status, await response.json()


async def create(http: aiohttp.ClientSession, fake: FakeRealtimeKit, **body: Any) -> dict[str, Any]:
    """Register a webhook over HTTP and return its JSON."""
    status, answer = await hooks(
        http,
        fake,
        "POST",
        body={"name": "n", "url": URL, "events": ["recording.statusUpdate"]} | body,
    )
    assert status == 201, answer
    data: dict[str, Any] = answer["data"]
    return data


async def test_create_get_list(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Create answers 201 with the Webhook; get and list return the same object."""
    status, body = await hooks(
        http,
        fake,
        "POST",
        body={"name": "All", "url": URL, "events": ["recording.statusUpdate"] * 2},
    )
    assert status == 201
    assert body["success"] is True
    hook = body["data"]
    assert set(hook) == {"id", "name", "url", "events", "enabled", "created_at", "updated_at"}
    assert hook["events"] == ["recording.statusUpdate"]
    assert hook["enabled"] is True
    assert hook["created_at"] == hook["updated_at"] == "2026-08-14T09:00:00.000Z"
    assert await hooks(http, fake, "GET", f"/{hook['id']}") == (
        200,
        {"success": True, "data": hook},
    )
    second = await create(http, fake, enabled=False)
    assert second["enabled"] is False
    assert await hooks(http, fake, "GET") == (200, {"success": True, "data": [hook, second]})


async def test_event_names(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """GET …/webhooks/all lists the nine documented events."""
    assert await hooks(http, fake, "GET", "/all") == (200, {"success": True, "data": EVENTS})


async def test_patch_is_partial(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """PATCH changes only the fields sent; an empty body changes nothing but updated_at."""
    hook = await create(http, fake)
    fake.advance(60)
    status, body = await hooks(http, fake, "PATCH", f"/{hook['id']}", body={"enabled": False})
    assert status == 200
    assert body["data"] == hook | {"enabled": False, "updated_at": "2026-08-14T09:01:00.000Z"}
    changes = {"name": "m", "url": "http://x.example/y", "events": ["meeting.ended"]}
    status, body = await hooks(http, fake, "PATCH", f"/{hook['id']}", body=changes)
    assert body["data"]["enabled"] is False
    assert {k: body["data"][k] for k in changes} == changes
    status, same = await hooks(http, fake, "PATCH", f"/{hook['id']}", body={})
    assert (status, same["data"]) == (200, body["data"])


async def test_patch_refused_changes_nothing(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """A PATCH with one bad field is refused whole."""
    hook = await create(http, fake)
    status, body = await hooks(
        http, fake, "PATCH", f"/{hook['id']}", body={"name": "new", "enabled": "yes"}
    )
    assert (status, body) == (400, rtk_error(400, '"enabled" must be a boolean'))
    assert (await hooks(http, fake, "GET", f"/{hook['id']}"))[1]["data"] == hook


async def test_put_replaces(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """PUT replaces the registration; enabled defaults to true again."""
    hook = await create(http, fake, enabled=False)
    body = {"name": "r", "url": "https://other.example/", "events": ["meeting.started"]}
    status, answer = await hooks(http, fake, "PUT", f"/{hook['id']}", body=body)
    assert status == 200
    assert answer["data"] == hook | body | {"enabled": True}
    status, answer = await hooks(http, fake, "PUT", f"/{hook['id']}", body={"name": "r"})
    assert (status, answer) == (400, rtk_error(400, '"url" is required'))


async def test_delete(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """DELETE answers the deleted webhook; afterwards it is gone."""
    hook = await create(http, fake)
    assert await hooks(http, fake, "DELETE", f"/{hook['id']}") == (
        200,
        {"success": True, "data": hook},
    )
    missing = rtk_error(404, f"Webhook {hook['id']} not found")
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        assert await hooks(http, fake, method, f"/{hook['id']}", body={}) == (404, missing)
    assert await hooks(http, fake, "GET") == (200, {"success": True, "data": []})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "Request body must be a JSON object"),
        ({"url": URL, "events": []}, '"name" is required'),
        ({"name": "n", "events": []}, '"url" is required'),
        ({"name": "n", "url": URL}, '"events" is required'),
        (
            {"name": " ", "url": URL, "events": []},
            '"name" must be a non-empty string of at most 256 characters',
        ),
        (
            {"name": 1, "url": URL, "events": []},
            '"name" must be a non-empty string of at most 256 characters',
        ),
        (
            {"name": "n", "url": "ftp://x/", "events": []},
            '"url" must be an absolute http or https URI',
        ),
        (
            {"name": "n", "url": "http:///p", "events": []},
            '"url" must be an absolute http or https URI',
        ),
        (
            {"name": "n", "url": "http://[::1", "events": []},
            '"url" must be an absolute http or https URI',
        ),
        (
            {"name": "n", "url": "http://a b/", "events": []},
            '"url" must be an absolute http or https URI',
        ),
        ({"name": "n", "url": 5, "events": []}, '"url" must be an absolute http or https URI'),
        (
            {"name": "n", "url": URL, "events": "meeting.ended"},
            '"events" must be a list of event names',
        ),
        (
            {"name": "n", "url": URL, "events": ["Meeting.Ended"]},
            '"events" items must be one of ' + ", ".join(EVENTS),
        ),
        ({"name": "n", "url": URL, "events": [], "enabled": 1}, '"enabled" must be a boolean'),
    ],
)
async def test_create_validation(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession, body: Any, message: str
) -> None:
    """Bad bodies are refused with 400 naming the field, in the RealtimeKit envelope."""
    assert await hooks(http, fake, "POST", body=body) == (400, rtk_error(400, message))


async def test_not_json_auth_and_routes(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """Non-JSON bodies are 400, a wrong token 401, unknown routes the Cloudflare 404."""
    status, body = await hooks(http, fake, "POST", data=b"{", headers={**auth(fake)})
    assert (status, body) == (400, rtk_error(400, "Request body must be valid JSON"))
    status, body = await hooks(http, fake, "GET", headers={"Authorization": "Bearer nope"})
    assert (status, body["errors"][0]["code"]) == (401, 10000)
    status, body = await hooks(http, fake, "POST", "/all/x", body={})
    assert (status, body["errors"][0]["code"]) == (404, 7003)
    status, body = await hooks(http, fake, "GET", "s")
    assert (status, body["errors"][0]["code"]) == (404, 7003)


async def test_journal_and_auto_advance(http: aiohttp.ClientSession) -> None:
    """Webhook requests are journaled like the recordings' requests."""
    async with FakeRealtimeKit(now=NOW) as fake:
        await create(http, fake)
        entry = fake.journal[-1]
        assert (entry.method, entry.status) == ("POST", 201)
        assert entry.path.endswith("/webhooks")
        assert entry.body["url"] == URL


async def test_key_document(fake: FakeRealtimeKit, http: aiohttp.ClientSession) -> None:
    """The well-known key document sits on the root, needs no token and holds the PEM."""
    assert fake.webhook_key_url == fake.base_url.removesuffix("/client/v4") + (
        "/.well-known/webhooks.json"
    )
    async with http.get(fake.webhook_key_url) as response:
        assert response.status == 200
        document = await response.json()
    assert document == {
        "success": True,
        "data": {"publicKey": fake.webhook_public_key},
        "message": "",
    }
    assert fake.webhook_public_key.startswith("-----BEGIN PUBLIC KEY-----\n")
    async with http.post(fake.webhook_key_url) as response:
        assert response.status == 404


async def test_without_cryptography(
    http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the webhooks extra, registering answers 501 naming the extra."""
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives", None)
    async with FakeRealtimeKit(now=NOW) as fake:
        body: dict[str, Any] = {"name": "n", "url": URL, "events": []}
        status, answer = await hooks(http, fake, "POST", body=body)
        assert status == 501
        assert "'webhooks' extra" in answer["error"]["message"]
        assert await hooks(http, fake, "GET") == (200, {"success": True, "data": []})
        with pytest.raises(ImportError, match=r"realtimekit-async\[webhooks\]"):
            fake.add_webhook(URL)


async def test_answers_follow_the_schema(
    fake: FakeRealtimeKit, http: aiohttp.ClientSession
) -> None:
    """Every answer, errors included, validates against openapi-webhooks.json."""
    body = {"name": "n", "url": URL, "events": EVENTS}
    status, made = await hooks(http, fake, "POST", body=body)
    validate(made, COLLECTION, "post", status)
    one = f"/{made['data']['id']}"
    checks = [
        ("get", COLLECTION, "", None),
        ("get", COLLECTION + "/all", "/all", None),
        ("get", ONE, one, None),
        ("patch", ONE, one, {"enabled": False}),
        ("put", ONE, one, body),
        ("post", COLLECTION, "", {"name": ""}),
        ("patch", ONE, one, {"url": "x"}),
        ("get", ONE, "/not-a-uuid", None),
        ("delete", ONE, one, None),
    ]
    statuses: list[int] = []
    for method, path, suffix, sent in checks:
        status, answer = await hooks(http, fake, method.upper(), suffix, body=sent)
        validate(answer, path, method, status)
        statuses.append(status)
    assert statuses == [200, 200, 200, 200, 200, 400, 400, 400, 200]


def test_key_url_needs_a_started_emulator() -> None:
    """Before start there is no URL to fetch the key from."""
    with pytest.raises(RuntimeError, match="not started"):
        _ = FakeRealtimeKit().webhook_key_url
