"""The API's routes: authentication, path matching and the six operations (no I/O).

A request comes in as plain values (method, raw path, query pairs, headers, body bytes) and
leaves as a :class:`Reply`; the aiohttp layer does the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from realtimekit_async._emulator._listing import list_page, parse_list_query
from realtimekit_async._emulator._records import render
from realtimekit_async._emulator._validate import parse_action, parse_start, parse_track
from realtimekit_async._emulator._wire import (
    ApiError,
    Reply,
    cloudflare_error,
    json_reply,
    success,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from realtimekit_async._emulator._records import Recording, View
    from realtimekit_async._emulator._state import EmulatorState
    from realtimekit_async._emulator._storage import Storage
    from realtimekit_async._emulator._webhooks import WebhookRegistry

API_ROOT = "/client/v4"
#: The webhook key document, on the root like the service's, without authentication.
WELL_KNOWN_PATH = "/.well-known/webhooks.json"


def _no_route() -> ApiError:
    return ApiError(404, "No route for the URI.", cloudflare_code=7003)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "Request body must be valid JSON") from None


@dataclass
class Api:
    """The emulated API: credentials, paging settings and the state it serves."""

    state: EmulatorState
    storage: Storage
    account_id: str
    app_id: str
    api_token: str
    default_per_page: int
    max_per_page: int
    auto_advance: bool = False
    #: ``http://127.0.0.1:PORT`` once serving; download links point here.
    origin: str = "http://127.0.0.1:0"
    #: The registered webhooks, and the PEM key their deliveries are signed with.
    webhooks: WebhookRegistry = field(kw_only=True)
    public_key: Callable[[], str] = field(kw_only=True)

    def render(self, rec: Recording, view: View) -> dict[str, Any]:
        """A recording as one endpoint family sends it, links pointing at this server."""
        meeting = self.state.meetings.get(rec.meeting_id)
        return render(rec, view, lambda r, name: self.storage.url(self.origin, r, name), meeting)

    def handle(
        self,
        method: str,
        raw_path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        raw_body: bytes,
    ) -> Reply:
        """Answer one API request (anything that is not a storage download)."""
        try:
            return self._handle(method, raw_path, query, headers, raw_body)
        except ApiError as exc:
            return exc.reply()
        except ImportError as exc:
            # Webhooks need cryptography (the "webhooks" extra) to sign deliveries.
            return ApiError(501, str(exc)).reply()

    def _handle(
        self,
        method: str,
        raw_path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        raw_body: bytes,
    ) -> Reply:
        if raw_path == WELL_KNOWN_PATH and method == "GET":
            key = {"publicKey": self.public_key()}
            return json_reply(200, {"success": True, "data": key, "message": ""})
        if not raw_path.startswith(API_ROOT + "/"):
            raise _no_route()
        if headers.get("Authorization") != f"Bearer {self.api_token}":
            return cloudflare_error(401, 10000, "Authentication error")
        parts = [unquote(p) for p in raw_path[len(API_ROOT) + 1 :].split("/")]
        app = ["accounts", self.account_id, "realtime", "kit", self.app_id]
        if parts[: len(app)] != app or parts[len(app) : len(app) + 1] not in (
            ["recordings"],
            ["webhooks"],
        ):
            raise _no_route()
        family, prefix = parts[len(app)], [*app, parts[len(app)]]
        if self.auto_advance:
            # Recordings created by an earlier request move one step per request, so a demo
            # sees INVOKED -> RECORDING and UPLOADING -> UPLOADED without touching the clock.
            self.state.advance(0)
        rest = parts[len(prefix) :]
        if family == "webhooks":
            return self.webhooks.handle(method, rest, lambda: _json(raw_body))
        match method, rest:
            case "GET", []:
                return self._list(query)
            case "POST", []:
                rec = self.state.start(parse_start(_json(raw_body)))
                return success(self.render(rec, "full"))
            case "POST", ["track"]:
                rec = self.state.start_track(parse_track(_json(raw_body)))
                return success({"recording": self.render(rec, "bare")})
            case "GET", ["active-recording", meeting_id]:
                active = self.state.active_for(meeting_id)
                if active is None:
                    raise ApiError(404, f"No active recording found for meeting {meeting_id}")
                return success(self.render(active, "bare"))
            case "GET", [recording_id]:
                return success(self.render(self.state.get(recording_id), "full"))
            case "PUT", [recording_id]:
                self.state.get(recording_id)
                rec = self.state.act(recording_id, parse_action(_json(raw_body)))
                return success(self.render(rec, "full"))
            case _:
                raise _no_route()

    def _list(self, query: Sequence[tuple[str, str]]) -> Reply:
        parsed = parse_list_query(
            query, default_per_page=self.default_per_page, max_per_page=self.max_per_page
        )
        state = self.state
        page = list_page(state.recordings.values(), state.meetings, parsed, state.now)
        items = [self.render(rec, "list") for rec in page.items]
        return success(items, paging=page.paging())
