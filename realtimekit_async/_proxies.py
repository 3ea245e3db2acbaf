"""The proxy the environment names for a URL (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``).

The transport looks each scheme and host up once, instead of aiohttp's ``trust_env``, which
repeats the lookup on every request through two thread hops (about 1 ms of every page of a
listing) and also reads ``.netrc`` for the *server's* credentials, which clash with the
``Authorization`` header the API needs.
"""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Mapping
from typing import Final, NamedTuple

import yarl

__all__ = ["Proxy", "Route", "Routes", "env_proxy"]


class Proxy(NamedTuple):
    """A proxy to send through, and its ``Proxy-Authorization`` (from the URL's user info)."""

    url: yarl.URL
    authorization: str | None


def env_proxy(url: yarl.URL) -> Proxy | None:
    """The proxy for *url* per the environment, or ``None`` (none set, or ``NO_PROXY``)."""
    if url.host is None or urllib.request.proxy_bypass(url.host):
        return None
    setting = urllib.request.getproxies().get(url.scheme)
    if not setting:
        return None
    proxy = yarl.URL(setting if "://" in setting else f"http://{setting}")
    if proxy.scheme not in {"http", "https"} or not proxy.host:
        return None  # what aiohttp could not use either
    if proxy.user is None:
        return Proxy(proxy, None)
    credentials = f"{proxy.user}:{proxy.password or ''}".encode()
    return Proxy(proxy.with_user(None), f"Basic {base64.b64encode(credentials).decode()}")


class Route(NamedTuple):
    """How to reach a URL: aiohttp's ``proxy=``/``proxy_headers=``, and request headers.

    ``Proxy-Authorization`` goes in ``proxy_headers`` for the CONNECT of an https target, and
    among the request's own headers for an http target, which goes to the proxy itself
    (aiohttp does not copy ``proxy_headers`` there).
    """

    proxy: yarl.URL | None = None
    proxy_headers: Mapping[str, str] | None = None
    headers: Mapping[str, str] = {}


DIRECT: Final = Route()


class Routes:
    """The route to each scheme and host, from the environment the first time it is seen."""

    def __init__(self, *, enabled: bool) -> None:
        self._enabled = enabled
        self._known: dict[tuple[str, str | None], Route] = {}

    def route(self, url: yarl.URL) -> Route:
        """How to reach *url*: through the environment's proxy, or :data:`DIRECT`."""
        if not self._enabled:
            return DIRECT
        key = (url.scheme, url.host)
        route = self._known.get(key)
        if route is None:
            route = self._known[key] = _route(url, env_proxy(url))
        return route


def _route(url: yarl.URL, proxy: Proxy | None) -> Route:
    if proxy is None:
        return DIRECT
    if proxy.authorization is None:
        return Route(proxy.url)
    authorization = {"Proxy-Authorization": proxy.authorization}
    if url.scheme == "https":
        return Route(proxy.url, proxy_headers=authorization)
    return Route(proxy.url, headers=authorization)
