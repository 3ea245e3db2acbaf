"""How to reach a URL through the proxies of the environment (``HTTP(S)_PROXY``, ``NO_PROXY``).

The transport reads the environment once, instead of aiohttp's ``trust_env``, which repeats
the lookup on every request through two thread hops (about 1 ms of every page of a listing)
and also reads ``.netrc`` for the *server's* credentials, which clash with the
``Authorization`` header the API needs.
"""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Mapping
from typing import Final, NamedTuple

import yarl

__all__ = ["DIRECT", "Route", "Routes"]


class Route(NamedTuple):
    """How to reach a URL: aiohttp's ``proxy=``/``proxy_headers=``, and request headers.

    ``Proxy-Authorization`` (from the proxy URL's user info) goes in ``proxy_headers`` for the
    CONNECT of an https target, and among the request's own headers for an http target, which
    goes to the proxy itself (aiohttp does not copy ``proxy_headers`` there).
    """

    proxy: yarl.URL | None = None
    proxy_headers: Mapping[str, str] | None = None
    headers: Mapping[str, str] = {}


DIRECT: Final = Route()


class Routes:
    """The route to each URL: the environment's proxy for its scheme, unless ``NO_PROXY``.

    The proxies are those the environment names when this object is made; ``NO_PROXY`` is read
    the first time a host is seen.

    Raises:
        ValueError: an http or https proxy in the environment is not a valid URL (so that a
            session fails when it is made, not on its first request).
    """

    def __init__(self, *, enabled: bool) -> None:
        env = urllib.request.getproxies() if enabled else {}
        self._by_scheme = {
            scheme: route
            for scheme in ("http", "https")
            if (setting := env.get(scheme)) and (route := _route(scheme, setting)) is not DIRECT
        }
        self._bypassed: dict[str | None, bool] = {}

    def route(self, url: yarl.URL) -> Route:
        """How to reach *url*: through the environment's proxy, or :data:`DIRECT`."""
        route = self._by_scheme.get(url.scheme)
        if route is None:
            return DIRECT
        host = url.host
        bypassed = self._bypassed.get(host)
        if bypassed is None:
            bypassed = self._bypassed[host] = host is None or urllib.request.proxy_bypass(host)
        return DIRECT if bypassed else route


def _route(scheme: str, setting: str) -> Route:
    """The route through the proxy *setting* names for *scheme* URLs."""
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
        return DIRECT  # what aiohttp could not use either
    if proxy.user is None:
        return Route(proxy)
    credentials = f"{proxy.user}:{proxy.password or ''}".encode()
    authorization = {"Proxy-Authorization": f"Basic {base64.b64encode(credentials).decode()}"}
    if scheme == "https":
        return Route(proxy.with_user(None), proxy_headers=authorization)
    return Route(proxy.with_user(None), headers=authorization)
