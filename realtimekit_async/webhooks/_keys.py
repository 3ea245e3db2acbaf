"""RealtimeKit's webhook public key: given, from the environment, or fetched and cached.

The key is served without authentication at :data:`WELL_KNOWN_URL`. Rotation is not
documented, so a signature that does not match makes the cache fetch the key again, at most
once per ``refetch_interval`` (a minute): a stream of forged requests cannot turn the receiver
into a load generator against the key server.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, cast

from realtimekit_async import _json
from realtimekit_async._errors import APIError, ResponseParseError, ServerError
from realtimekit_async._transport import Transport

from ._errors import WebhookVerificationError
from ._events import WebhookEvent
from ._parse import MAX_BODY_SIZE, parse_event
from ._signature import PublicKey, load_public_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from realtimekit_async._transport import ClientSession

__all__ = ["PUBLIC_KEY_ENV", "WELL_KNOWN_URL", "WebhookKeyCache"]

#: Where RealtimeKit serves its webhook public key (no authentication).
WELL_KNOWN_URL: Final = "https://api.realtime.cloudflare.com/.well-known/webhooks.json"

#: The environment variable read for a fixed public key (PEM; ``\n`` escapes are accepted).
PUBLIC_KEY_ENV: Final = "REALTIMEKIT_WEBHOOK_PUBLIC_KEY"

#: The largest key document accepted; a PEM key is a few hundred bytes.
MAX_KEY_DOCUMENT: Final = 64 * 1024


_KEY_PATH: Final = "/.well-known/webhooks.json"
_DOCUMENT_ERRORS: tuple[type[Exception], ...] = (
    *_json.DecodeError,
    TypeError,
    KeyError,
    IndexError,
    RecursionError,
)


class WebhookKeyCache:
    """Holds the public key that deliveries are verified with, fetching it when needed.

    With *public_key* (or the :data:`PUBLIC_KEY_ENV` variable) set, that key is used and
    nothing is fetched. Otherwise the first :meth:`get` fetches it from *url*, and
    :meth:`parse` fetches it again when a signature does not match, at most once per
    *refetch_interval* seconds. Only a ``GET`` without credentials is sent.

    Args:
        public_key: a fixed key (PEM text or bytes, or a loaded ``RSAPublicKey``).
        url: the key document's URL (the emulator serves one too).
        session: an aiohttp ``ClientSession`` to fetch with; one is made (and closed by
            :meth:`aclose`) otherwise.
        timeout: seconds a fetch may take in all.
        refetch_interval: the shortest time between two fetches after the first.
        environ: where to look for :data:`PUBLIC_KEY_ENV` (``os.environ``; ``{}`` to ignore).
        clock: monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        public_key: PublicKey | None = None,
        *,
        url: str = WELL_KNOWN_URL,
        session: ClientSession | None = None,
        timeout: float = 10.0,
        refetch_interval: float = 60.0,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            msg = f"url must be an http:// or https:// URL, got {url[:80]!r}"
            raise ValueError(msg)
        if not 0 < timeout < float("inf") or not 0 <= refetch_interval < float("inf"):
            msg = "timeout must be positive and refetch_interval non-negative, both finite"
            raise ValueError(msg)
        if public_key is None:
            public_key = (os.environ if environ is None else environ).get(PUBLIC_KEY_ENV) or None
        self._key = None if public_key is None else load_public_key(public_key)
        self.fixed = self._key is not None
        self.url = url
        self.refetch_interval = refetch_interval
        self._timeout = timeout
        self._clock = clock
        self._transport = Transport(session, connect_timeout=timeout, read_timeout=timeout)
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        #: How many times the key was fetched (for logs and tests).
        self.fetches = 0

    def __repr__(self) -> str:
        source = "fixed" if self.fixed else self.url
        return f"<WebhookKeyCache {source} fetches={self.fetches}>"

    async def get(self) -> rsa.RSAPublicKey:
        """The key, fetched on first use.

        Raises:
            TransportError: the key server could not be reached in time.
            APIError: it answered with an error status.
            ResponseParseError: its answer holds no RSA public key.
        """
        if self._key is not None:
            return self._key
        async with self._lock:
            if self._key is None:
                self._key = await self._fetch()
            return self._key

    async def refresh(self) -> bool:
        """Fetch the key again unless it is fixed or was fetched within the interval.

        Returns:
            whether a different key than before is now in use.
        """
        if self.fixed:
            return False
        async with self._lock:
            if (
                self._fetched_at is not None
                and self._clock() - self._fetched_at < self.refetch_interval
            ):
                return False
            old = self._key
            self._key = await self._fetch()
            return old is None or old.public_numbers() != self._key.public_numbers()

    async def parse(
        self, body: bytes, headers: Mapping[str, str], *, max_body_size: int = MAX_BODY_SIZE
    ) -> WebhookEvent:
        """:func:`parse_event` with this cache's key, refreshed once if the signature mismatches.

        Raises:
            WebhookVerificationError: as :func:`parse_event`, also after a refresh.
            WebhookPayloadError: as :func:`parse_event`.
            TransportError: the key had to be fetched and could not be (a retryable failure:
                answer 503).
        """
        key = await self.get()
        try:
            return parse_event(body, headers, public_key=key, max_body_size=max_body_size)
        except WebhookVerificationError as exc:
            if exc.reason != "mismatch" or not await self.refresh():
                raise
        return parse_event(body, headers, public_key=await self.get(), max_body_size=max_body_size)

    async def _fetch(self) -> rsa.RSAPublicKey:
        self._fetched_at = self._clock()
        self.fetches += 1
        response = await self._transport.send(
            "GET", self.url, headers={"accept": "application/json"}, timeout=self._timeout
        )
        if response.status != 200:
            cls = ServerError if response.status >= 500 else APIError
            msg = f"fetching the webhook public key answered HTTP {response.status}"
            raise cls(
                msg,
                status=response.status,
                cf_ray=response.headers.get("cf-ray"),
                method="GET",
                path=_KEY_PATH,
            )
        try:
            if len(response.body) > MAX_KEY_DOCUMENT:
                raise ValueError("too large")
            document: Any = _json.loads(response.body)
            pem = cast("dict[str, Any]", document["data"])["publicKey"]
            if not isinstance(pem, str):
                raise TypeError(type(pem).__name__)
            return load_public_key(pem)
        except _DOCUMENT_ERRORS as exc:
            msg = f"the webhook key document holds no RSA public key at $.data.publicKey ({exc})"
            raise ResponseParseError(
                msg, status=response.status, method="GET", path=_KEY_PATH
            ) from exc

    async def aclose(self) -> None:
        """Close the aiohttp session if this cache made it."""
        await self._transport.close()

    async def __aenter__(self) -> WebhookKeyCache:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
