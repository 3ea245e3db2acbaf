import datetime as dt
import json
from typing import Any

import pytest

from realtimekit_async import (
    AuthenticationError,
    BadRequestError,
    ResponseParseError,
    Webhook,
    WebhookEventName,
)
from realtimekit_async import _webhooks_api as api
from realtimekit_async._protocol import Operation, Request, Response
from realtimekit_async._retry import Safety

NOW = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
PREFIX = api.webhooks_prefix("acc", "app")
WEBHOOK = {
    "id": "901e9adf-ebd9-41f0-9098-28171bc04ddd",
    "name": "test",
    "url": "https://new-test-url.com",
    "events": ["meeting.started"],
    "enabled": True,
    "created_at": "2021-09-09T10:25:12.330Z",
    "updated_at": "2021-09-09T10:25:12.376Z",
}


def ok(data: Any, status: int = 200) -> Response:
    """A success envelope around *data*."""
    return Response(status, {}, json.dumps({"success": True, "data": data}).encode())


def body(request: Request) -> Any:
    """The decoded JSON body of *request*."""
    assert request.body is not None
    return json.loads(request.body)


def test_prefix_checks_and_encodes_ids() -> None:
    """The collection path is under the app; ids are checked like the recordings' ones."""
    assert PREFIX == "/accounts/acc/realtime/kit/app/webhooks"
    with pytest.raises(ValueError, match="account_id"):
        api.webhooks_prefix("a/b", "app")


def test_create_request() -> None:
    """POST with name, url, events and enabled; event members and strings alike."""
    request = api.create_request(
        PREFIX,
        name="all",
        url="https://example.com/hook?token=x",
        events=[WebhookEventName.RECORDING_STATUS_UPDATE, "meeting.started", "meeting.started"],
        enabled=True,
    )
    assert (request.method, request.path) == ("POST", PREFIX)
    assert body(request) == {
        "name": "all",
        "url": "https://example.com/hook?token=x",
        "events": ["recording.statusUpdate", "meeting.started"],
        "enabled": True,
    }
    assert request.operation.value == "create webhook"
    assert api.SAFETY[Operation.CREATE_WEBHOOK] is Safety.UNSAFE


def test_read_only_requests() -> None:
    """list, get, delete and the event names are body-less requests on the right paths."""
    assert (api.list_request(PREFIX).method, api.list_request(PREFIX).path) == ("GET", PREFIX)
    assert api.events_request(PREFIX).path == f"{PREFIX}/all"
    assert api.delete_request(PREFIX, "abc").method == "DELETE"
    assert api.delete_request(PREFIX, "abc").path == f"{PREFIX}/abc"
    assert api.get_request(PREFIX, "abc").path == f"{PREFIX}/abc"
    assert all(r.body is None for r in (api.list_request(PREFIX), api.get_request(PREFIX, "a")))
    with pytest.raises(ValueError, match="webhook_id"):
        api.get_request(PREFIX, "../x")
    with pytest.raises(ValueError, match="webhook_id"):
        api.delete_request(PREFIX, "")


def test_update_sends_only_given_fields() -> None:
    """PATCH sends the given fields; an empty edit sends {}."""
    empty = api.update_request(PREFIX, "abc")
    assert (empty.method, empty.path, body(empty)) == ("PATCH", f"{PREFIX}/abc", {})
    full = api.update_request(
        PREFIX, "abc", name="n", url="http://h:8080/x", events="meeting.ended", enabled=False
    )
    assert body(full) == {
        "name": "n",
        "url": "http://h:8080/x",
        "events": ["meeting.ended"],
        "enabled": False,
    }


def test_replace_sends_everything() -> None:
    """PUT sends the whole registration."""
    request = api.replace_request(
        PREFIX, "abc", name="n", url="https://h", events=["meeting.summary"], enabled=True
    )
    assert (request.method, body(request)["events"]) == ("PUT", ["meeting.summary"])


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.com", ValueError),
        ("example.com/hook", ValueError),
        ("https://", ValueError),
        ("https://exa mple.com", ValueError),
        ("https://[::1", ValueError),
        ("https://h/" + "x" * 3000, ValueError),
        (b"https://h", TypeError),
    ],
)
def test_bad_urls_are_refused(url: object, error: type[Exception]) -> None:
    """Only absolute http(s) URLs with a host pass, checked before any request exists."""
    with pytest.raises(error, match="url"):
        api.create_request(PREFIX, name="n", url=url, events=["meeting.started"], enabled=True)  # type: ignore[arg-type]


def test_bad_url_message_hides_the_url() -> None:
    """The error names the scheme, never the URL (which may hold a secret)."""
    with pytest.raises(ValueError, match="url") as info:
        api.check_url("ftp://user:SENTINEL@h/")
    assert "SENTINEL" not in str(info.value)


@pytest.mark.parametrize(
    ("events", "error", "match"),
    [
        ([], ValueError, "at least one"),
        (["recording.statusupdate"], ValueError, "did you mean 'recording.statusUpdate'"),
        (["nonsense"], ValueError, "documented events"),
        (["meeting started"], ValueError, "documented events"),
        ([1], TypeError, "strings"),
        (5, TypeError, "list of event names"),
    ],
)
def test_bad_events_are_refused(events: object, error: type[Exception], match: str) -> None:
    """Event names are checked: known names in their case, new names in the dotted shape."""
    with pytest.raises(error, match=match):
        api.check_events(events)


def test_new_event_names_pass() -> None:
    """A name the server may add later (dotted camelCase) is accepted as it is."""
    assert api.check_events(["meeting.pollCreated"]) == ["meeting.pollCreated"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": ""}, ValueError),
        ({"name": "   "}, ValueError),
        ({"name": "x" * 300}, ValueError),
        ({"name": 3}, TypeError),
        ({"enabled": "yes"}, TypeError),
    ],
)
def test_bad_names_and_flags_are_refused(kwargs: dict[str, Any], error: type[Exception]) -> None:
    """Blank or long names and non-bool enabled raise before a request exists."""
    options: dict[str, Any] = {
        "name": "n",
        "url": "https://h",
        "events": ["meeting.started"],
        "enabled": True,
    }
    with pytest.raises(error):
        api.create_request(PREFIX, **(options | kwargs))


def test_read_webhook() -> None:
    """The spec's PATCH/PUT example data reads into a Webhook (enabled defaults to True)."""
    data = {k: v for k, v in WEBHOOK.items() if k != "enabled"}
    webhook = api.read_webhook(api.get_request(PREFIX, "abc"), ok(data), NOW)
    assert webhook == Webhook(
        id="901e9adf-ebd9-41f0-9098-28171bc04ddd",
        name="test",
        url="https://new-test-url.com",
        events=(WebhookEventName.MEETING_STARTED,),
        created_at=dt.datetime(2021, 9, 9, 10, 25, 12, 330000, tzinfo=dt.UTC),
        updated_at=dt.datetime(2021, 9, 9, 10, 25, 12, 376000, tzinfo=dt.UTC),
        enabled=True,
    )
    created = api.read_webhook(
        api.create_request(PREFIX, name="n", url="https://h", events=["x.y"], enabled=False),
        ok(WEBHOOK | {"enabled": False, "events": ["x.y"]}, status=201),
        NOW,
    )
    assert (created.enabled, created.events) == (False, ("x.y",))


def test_webhook_repr_masks_url_secrets() -> None:
    """A token in the webhook URL's query is masked in repr."""
    webhook = api.read_webhook(
        api.list_request(PREFIX), ok(WEBHOOK | {"url": "https://h/?token=SENTINEL"}), NOW
    )
    assert "SENTINEL" not in repr(webhook)


def test_read_webhooks_and_event_names() -> None:
    """Lists read into tuples; unknown event names stay strings."""
    hooks = api.read_webhooks(api.list_request(PREFIX), ok([WEBHOOK, WEBHOOK]), NOW)
    assert len(hooks) == 2
    assert api.read_webhooks(api.list_request(PREFIX), ok([]), NOW) == ()
    names = api.read_event_names(
        api.events_request(PREFIX), ok(["meeting.started", "meeting.pollCreated"]), NOW
    )
    assert names == (WebhookEventName.MEETING_STARTED, "meeting.pollCreated")


def test_errors_are_mapped() -> None:
    """The spec's error bodies raise the usual API errors with the request's method and path."""
    request = api.get_request(PREFIX, "abc")
    bad = Response(
        400,
        {},
        b'{"success": false, "error": {"code": 400, "message": "BAD_REQUEST \\"id\\" must be a valid GUID"}}',
    )
    with pytest.raises(BadRequestError, match="GUID") as info:
        api.read_webhook(request, bad, NOW)
    assert (info.value.method, info.value.path) == ("GET", f"{PREFIX}/abc")
    with pytest.raises(AuthenticationError):
        api.read_webhooks(api.list_request(PREFIX), Response(401, {}, b"{ message: x }"), NOW)


def test_shape_errors_name_the_path() -> None:
    """A webhook of the wrong shape raises ResponseParseError at its JSON path."""
    with pytest.raises(ResponseParseError) as info:
        api.read_webhooks(api.list_request(PREFIX), ok([WEBHOOK | {"events": "all"}]), NOW)
    assert info.value.field_path == "$.data[0].events"
    with pytest.raises(ResponseParseError):
        api.read_event_names(api.events_request(PREFIX), ok({"x": 1}), NOW)
