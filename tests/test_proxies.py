"""Proxies from the environment: used by the session the SDK makes, looked up once per origin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import yarl
from aiohttp import web

from realtimekit_async import RealtimeKitSession
from realtimekit_async._proxies import DIRECT, Route, Routes
from realtimekit_async.testing import FakeRealtimeKit

from .conftest import session_for

_PROXY_VARIABLES = (
    "NO_PROXY",
    "no_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
)


class Asked(list[tuple[str, str | None]]):
    """What a proxy was asked for: (URL, Proxy-Authorization) per request."""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
async def proxy(fake: FakeRealtimeKit) -> AsyncIterator[tuple[str, Asked]]:
    """A forwarding HTTP proxy on loopback; yields its URL and what it was asked for."""
    asked = Asked()

    async def forward(request: web.Request) -> web.Response:
        asked.append((str(request.url), request.headers.get("Proxy-Authorization")))
        headers = {k: v for k, v in request.headers.items() if k != "Proxy-Authorization"}
        async with (
            aiohttp.ClientSession() as http,
            http.request(request.method, str(request.url), headers=headers) as answer,
        ):
            return web.Response(status=answer.status, body=await answer.read())

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app, shutdown_timeout=0.25)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", asked
    finally:
        await runner.cleanup()


async def test_sdk_made_session_honours_proxy_environment(
    fake: FakeRealtimeKit, proxy: tuple[str, Asked], clean_env: pytest.MonkeyPatch
) -> None:
    """http_proxy is used by the session the SDK makes, and ignored with trust_env=False."""
    url, asked = proxy
    recording = fake.add_recording(fake.add_meeting())
    clean_env.setenv("http_proxy", url)
    async with session_for(fake) as rtk:
        assert (await rtk.get_recording(recording)).id == recording
        assert (await rtk.get_recording(recording)).id == recording
    assert [u.endswith(recording) for u, _ in asked] == [True, True]
    async with session_for(fake, trust_env=False) as rtk:
        await rtk.get_recording(recording)
    assert len(asked) == 2


async def test_proxy_credentials_come_from_its_url(
    fake: FakeRealtimeKit, proxy: tuple[str, Asked], clean_env: pytest.MonkeyPatch
) -> None:
    """user:password in the proxy URL become Proxy-Authorization, not part of the target."""
    url, asked = proxy
    recording = fake.add_recording(fake.add_meeting())
    clean_env.setenv("HTTP_PROXY", url.replace("http://", "http://ops:s3cret@"))
    async with session_for(fake) as rtk:
        await rtk.get_recording(recording)
    assert asked == [(asked[0][0], "Basic b3BzOnMzY3JldA==")]


async def test_no_proxy_hosts_are_reached_directly(
    fake: FakeRealtimeKit, proxy: tuple[str, Asked], clean_env: pytest.MonkeyPatch
) -> None:
    """A host in NO_PROXY does not go through the proxy."""
    url, asked = proxy
    recording = fake.add_recording(fake.add_meeting())
    clean_env.setenv("HTTP_PROXY", url)
    clean_env.setenv("NO_PROXY", "127.0.0.1")
    async with session_for(fake) as rtk:
        assert (await rtk.get_recording(recording)).id == recording
    assert asked == []


async def test_a_caller_session_keeps_its_own_setting(
    fake: FakeRealtimeKit, proxy: tuple[str, Asked], clean_env: pytest.MonkeyPatch
) -> None:
    """With session=, the SDK adds no proxy of its own: the caller's trust_env decides."""
    url, asked = proxy
    recording = fake.add_recording(fake.add_meeting())
    clean_env.setenv("HTTP_PROXY", url)
    async with aiohttp.ClientSession() as http, session_for(fake, session=http) as rtk:
        await rtk.get_recording(recording)
    assert asked == []


async def test_a_netrc_entry_for_the_api_host_changes_nothing(
    fake: FakeRealtimeKit, tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    """.netrc is not read for the API host.

    aiohttp's trust_env read it, and an entry for the host made it refuse every call (its
    credentials clash with the Authorization header).
    """
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other\n")
    netrc.chmod(0o600)
    clean_env.setenv("NETRC", str(netrc))
    recording = fake.add_recording(fake.add_meeting())
    async with session_for(fake) as rtk:
        assert (await rtk.get_recording(recording)).id == recording
    assert fake.journal[-1].headers["authorization"] == f"Bearer {fake.api_token}"


@pytest.mark.parametrize(
    ("env", "url", "expected"),
    [
        ({}, "http://api.example/x", DIRECT),
        (
            {"HTTPS_PROXY": "http://p.example:3128"},
            "https://api.example/x",
            Route(yarl.URL("http://p.example:3128")),
        ),
        (
            {"HTTPS_PROXY": "p.example:3128"},
            "https://api.example/x",
            Route(yarl.URL("http://p.example:3128")),
        ),
        (
            {"HTTPS_PROXY": "http://u:p@p.example"},
            "https://api.example/",
            Route(
                yarl.URL("http://p.example"), proxy_headers={"Proxy-Authorization": "Basic dTpw"}
            ),
        ),
        ({"HTTP_PROXY": "http://p.example"}, "https://api.example/", DIRECT),
        ({"HTTPS_PROXY": "socks5://p.example"}, "https://api.example/", DIRECT),
        ({"HTTPS_PROXY": "http://"}, "https://api.example/", DIRECT),
        (
            {"HTTPS_PROXY": "http://p.example", "NO_PROXY": "api.example"},
            "https://api.example/",
            DIRECT,
        ),
        (
            {"HTTPS_PROXY": "http://p.example", "NO_PROXY": ".example"},
            "https://api.example/",
            DIRECT,
        ),
        ({"HTTPS_PROXY": "http://p.example", "NO_PROXY": "*"}, "https://api.example/", DIRECT),
    ],
)
def test_route_per_environment(
    env: dict[str, str], url: str, expected: Route, clean_env: pytest.MonkeyPatch
) -> None:
    """The proxy for a URL per the environment, as requests, httpx and aiohttp read it."""
    for name, value in env.items():
        clean_env.setenv(name, value)
    assert Routes(enabled=True).route(yarl.URL(url)) == expected


def test_a_url_without_a_host_has_no_proxy(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HTTP_PROXY", "http://p.example")
    assert Routes(enabled=True).route(yarl.URL("http:///nowhere")) is DIRECT


def test_routes_put_credentials_where_aiohttp_sends_them(clean_env: pytest.MonkeyPatch) -> None:
    """Https targets: on the CONNECT (proxy_headers); http targets: on the request itself."""
    clean_env.setenv("HTTPS_PROXY", "http://u:p@p.example")
    clean_env.setenv("HTTP_PROXY", "http://u:p@p.example")
    routes = Routes(enabled=True)
    proxy = yarl.URL("http://p.example")
    authorization = {"Proxy-Authorization": "Basic dTpw"}
    assert routes.route(yarl.URL("https://api.example/x")) == Route(
        proxy, proxy_headers=authorization
    )
    assert routes.route(yarl.URL("http://storage.example/x")) == Route(proxy, headers=authorization)
    assert Routes(enabled=False).route(yarl.URL("https://api.example/x")) is DIRECT


def test_routes_read_the_proxies_when_made(clean_env: pytest.MonkeyPatch) -> None:
    """The proxies are those of the environment when the session (its routes) is made."""
    routes = Routes(enabled=True)
    clean_env.setenv("HTTPS_PROXY", "http://p.example")
    assert routes.route(yarl.URL("https://api.example/a")) is DIRECT
    assert routes.route(yarl.URL("https://other.example/")) is DIRECT
    later = Routes(enabled=True)
    assert later.route(yarl.URL("https://other.example/")) == Route(yarl.URL("http://p.example"))
    assert later.route(yarl.URL("https://other.example/b")) is later.route(
        yarl.URL("https://other.example/")
    )


@pytest.mark.parametrize(
    "setting", ["http://[bad", "http://p:99999", "http://u:s3cret@p:abc", "::::"]
)
def test_a_malformed_proxy_fails_the_session_at_construction(
    setting: str, clean_env: pytest.MonkeyPatch
) -> None:
    """A proxy URL that cannot be parsed is a ValueError naming the variable, not its value."""
    clean_env.setenv("HTTPS_PROXY", setting)
    with pytest.raises(
        ValueError, match=r"the https proxy in the environment \(HTTPS_PROXY\)"
    ) as caught:
        RealtimeKitSession(account_id="a", app_id="b", api_token="t")
    assert "s3cret" not in str(caught.value)
    assert setting not in str(caught.value)
    # A session told not to read the environment is made as usual.
    RealtimeKitSession(account_id="a", app_id="b", api_token="t", trust_env=False)
