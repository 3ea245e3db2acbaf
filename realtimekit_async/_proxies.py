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
    """The proxy for *url* per the environment now, or ``None`` (none set, or ``NO_PROXY``).

    Raises:
        ValueError: the proxy set for *url*'s scheme is not a valid URL.
    """
    return Routes(enabled=True).proxy_for(url)


def _parse(scheme: str, setting: str) -> Proxy | None:
    try:
        proxy = yarl.URL(setting if "://" in setting else f"http://{setting}")
        host = proxy.host
        proxy.port  # noqa: B018 - yarl checks the port only when it is read
    except ValueError as exc:
        # Not the value itself: it may hold the proxy's password.
        variable = f"{scheme.upper()}_PROXY"
        msg = f"the {scheme} proxy in the environment ({variable}) is not a valid URL: {exc}"
        raise ValueError(msg) from None
    if proxy.scheme not in {"http", "https"} or not host:
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
    """The route to each scheme and host, remembered once worked out.

    The proxies are those the environment names when this object is made; ``NO_PROXY`` is
    read the first time a host is seen.

    Raises:
        ValueError: an http or https proxy in the environment is not a valid URL (so that a
            session fails when it is made, not on its first request).
    """

    def __init__(self, *, enabled: bool) -> None:
        env = urllib.request.getproxies() if enabled else {}
        self._proxies = {
            scheme: proxy
            for scheme in ("http", "https")
            if (setting := env.get(scheme)) and (proxy := _parse(scheme, setting))
        }
        self._known: dict[tuple[str, str | None], Route] = {}

    def proxy_for(self, url: yarl.URL) -> Proxy | None:
        """The proxy for *url*, or ``None`` (none for its scheme, or its host in ``NO_PROXY``)."""
        if url.host is None or urllib.request.proxy_bypass(url.host):
            return None
        return self._proxies.get(url.scheme)

    def route(self, url: yarl.URL) -> Route:
        """How to reach *url*: through the environment's proxy, or :data:`DIRECT`."""
        if not self._proxies:
            return DIRECT
        key = (url.scheme, url.host)
        route = self._known.get(key)
        if route is None:
            route = self._known[key] = _route(url, self.proxy_for(url))
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
