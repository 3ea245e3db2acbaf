"""``RealtimeKitSession``: configuration, lifecycle, and the calls as thin methods.

Each call builds its request (pure, :mod:`._protocol`) and hands it to the engine
(:mod:`._engine`), which waits for the rate limiter, sends it through the transport, reads the
answer and applies the retry policy. What is left here is what a user configures and calls.
"""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, Self, TypeVar

from . import _protocol as proto
from ._calls_batch import BatchCalls
from ._calls_recordings import RecordingCalls
from ._calls_webhooks import WebhookCalls
from ._config import (
    USE_DEFAULT,
    UseDefault,
    check_api_token,
    check_base_url,
    check_count,
    check_headers,
    check_timeout,
)
from ._engine import Engine, Reader, Reconcile
from ._errors import (
    SessionClosedError,
)
from ._events import Hook
from ._pacing import RateLimitState, shared_pacer
from ._ratelimit import Limiter
from ._retry import RetryPolicy, Safety
from ._tracing import NO_TRACING, Tracing
from ._transport import DEFAULT_MAX_RESPONSE_SIZE, ClientSession, Transport
from ._webhooks_api import webhooks_prefix

__all__ = ["DEFAULT_BASE_URL", "RealtimeKitSession"]

DEFAULT_BASE_URL: Final = "https://api.cloudflare.com/client/v4"
DEFAULT_PER_PAGE: Final = 100

T = TypeVar("T")


class RealtimeKitSession(RecordingCalls, BatchCalls, WebhookCalls):
    """A client for one RealtimeKit app's recordings.

    Args:
        account_id: the Cloudflare account id.
        app_id: the RealtimeKit app id.
        api_token: an API token with the *Realtime* or *Realtime Admin* permission. It is sent
            only to *base_url*, and never appears in a ``repr``, an error or a log record.
        base_url: the API root; tests point it at
            :class:`~realtimekit_async.testing.FakeRealtimeKit`.
        session: an aiohttp session to send through. It stays yours: :meth:`aclose` does not
            close it. Without one, the session makes (and closes) its own.
        timeout: seconds a whole call may take, every retry included; ``None`` for no limit.
            Not given (:data:`USE_DEFAULT`), the retry policy's ``deadline`` applies. Each call
            can name its own ``timeout`` the same way.
        connect_timeout: seconds to wait for a connection.
        read_timeout: seconds to wait for each read from the socket.
        retry: when and how to try again; ``RetryPolicy.disabled()`` sends each request once.
        rate_limiter: the request budget. Not given, the session paces itself by the budget
            the server announces in ``Ratelimit`` headers, shared with every session of this
            process that uses the same token (see :doc:`/howto/budget`); ``None`` switches
            pacing off; a :class:`Limiter` of your own (e.g. ``RateLimiter.recordings()``)
            replaces it.
        per_page: default page size of :meth:`list_recordings`.
        max_response_size: the largest API response body to read, in bytes, as received and
            once decompressed (default 32 MiB); a larger one raises
            :class:`ResponseTooLargeError` as soon as the limit is passed.
        sleep: how to wait between attempts (tests pass a fake to never wait).
        hooks: subscribers called with every :class:`RequestSent`, :class:`ResponseReceived`,
            :class:`RetryScheduled`, :class:`Reconciling`, :class:`RateLimitWait` and
            :class:`PageFetched` event (see :doc:`/howto/hooks`).
        tracing: a span per call, e.g. :class:`realtimekit_async.otel.OpenTelemetryTracing`.
        default_headers: extra headers of every API request, e.g. a tenant or trace header;
            each call can add its own with ``headers=``. ``Authorization`` and the other
            headers the session sets cannot be replaced.
        trust_env: send through the proxies ``HTTP_PROXY``/``HTTPS_PROXY`` name (read when
            the session is made: a malformed one is a ``ValueError`` then), and not to the hosts
            in ``NO_PROXY``, when the SDK makes the aiohttp session (a session you pass keeps
            its own setting). ``.netrc`` is not read.
        connection_limit: connections the SDK's own aiohttp session keeps open at most.

    Every call also takes ``timeout=`` (its own deadline in seconds, ``None`` for none) and
    ``headers=`` (extra headers for that call only, over *default_headers*).

    The configuration is read-only once the session is made (:attr:`account_id`,
    :attr:`base_url`, :attr:`retry`, ...): make another session to change it.

    Use it as an async context manager, or call :meth:`aclose` when done::

        async with RealtimeKitSession(account_id=..., app_id=..., api_token=...) as rtk:
            recording = await rtk.start_recording(meeting_id)
    """

    def __init__(
        self,
        *,
        account_id: str,
        app_id: str,
        api_token: str,
        base_url: str = DEFAULT_BASE_URL,
        session: ClientSession | None = None,
        timeout: float | UseDefault | None = USE_DEFAULT,
        connect_timeout: float | None = 10.0,
        read_timeout: float | None = 60.0,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, shared safely
        rate_limiter: Limiter | UseDefault | None = USE_DEFAULT,
        per_page: int = DEFAULT_PER_PAGE,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        hooks: Iterable[Hook] = (),
        tracing: Tracing | None = None,
        default_headers: Mapping[str, str] | None = None,
        trust_env: bool = True,
        connection_limit: int = 100,
    ) -> None:
        check_api_token(api_token)
        self._account_id, self._app_id = account_id, app_id
        self._prefix = proto.app_prefix(account_id, app_id)
        self._webhooks_prefix = webhooks_prefix(account_id, app_id)
        self._base_url = check_base_url(base_url)
        self._deadline = (
            retry.deadline if timeout is USE_DEFAULT else check_timeout("timeout", timeout)
        )
        self._default_headers = check_headers("default_headers", default_headers)
        self._per_page = proto.check_per_page(per_page)
        self._closed = False
        # Last, once every argument is checked: __del__ looks at the transport.
        self._transport = Transport(
            session,
            connect_timeout=check_timeout("connect_timeout", connect_timeout),
            read_timeout=check_timeout("read_timeout", read_timeout),
            trust_env=bool(trust_env),
            connection_limit=check_count("connection_limit", connection_limit),
            max_response_size=check_count("max_response_size", max_response_size),
        )
        self._engine = Engine(
            self._transport.send,
            base_url=self._base_url,
            headers=proto.api_headers(api_token),
            retry=retry,
            limiter=(
                shared_pacer(api_token, self._base_url)
                if rate_limiter is USE_DEFAULT
                else rate_limiter
            ),
            secrets=(api_token,),
            hooks=hooks,
            tracing=NO_TRACING if tracing is None else tracing,
            closed=lambda: self._closed,
            sleep=sleep,
        )
        # Storage hosts get no credentials: the presigned URL is the credential.
        self._storage_headers = {"User-Agent": proto.USER_AGENT}
        self._sleep = sleep
        # Built once per process here, rather than at import (which would slow every import)
        # or inside the first call (which would add ~20 ms to it).
        from ._converter import converter  # noqa: PLC0415

        converter()

    # --- configuration (read-only: a session is configured once) ---------------------------------

    @property
    def account_id(self) -> str:
        """The Cloudflare account id."""
        return self._account_id

    @property
    def app_id(self) -> str:
        """The RealtimeKit app id."""
        return self._app_id

    @property
    def base_url(self) -> str:
        """The API root requests go to (without a trailing slash)."""
        return self._base_url

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of every call."""
        return self._engine.retry

    @property
    def rate_limiter(self) -> Limiter | None:
        """The request budget calls wait for, if any."""
        return self._engine.limiter

    @property
    def rate_limit(self) -> RateLimitState | None:
        """The request budget as the server last announced it (``None`` until it does)."""
        return self._engine.rate_limit

    @property
    def deadline(self) -> float | None:
        """Seconds a call may take when it names no ``timeout`` (``None``: no limit)."""
        return self._deadline

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """A session configured from the environment; keyword arguments win over it.

        Reads ``CLOUDFLARE_ACCOUNT_ID``, ``REALTIMEKIT_APP_ID``, ``CLOUDFLARE_API_TOKEN`` and,
        optionally, ``REALTIMEKIT_BASE_URL``.
        """
        names = {
            "account_id": "CLOUDFLARE_ACCOUNT_ID",
            "app_id": "REALTIMEKIT_APP_ID",
            "api_token": "CLOUDFLARE_API_TOKEN",
            "base_url": "REALTIMEKIT_BASE_URL",
        }
        config: dict[str, Any] = {k: os.environ[v] for k, v in names.items() if os.environ.get(v)}
        config.update(overrides)
        missing = [names[k] for k in ("account_id", "app_id", "api_token") if k not in config]
        if missing:
            msg = f"set {', '.join(missing)} in the environment (or pass them as arguments)"
            raise ValueError(msg)
        return cls(**config)

    def __repr__(self) -> str:
        return (
            f"RealtimeKitSession(account_id={self.account_id!r}, app_id={self.app_id!r}, "
            f"base_url={self.base_url!r}, api_token='***'{', closed' if self._closed else ''})"
        )

    # --- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the aiohttp session if this object created it; safe to call twice."""
        self._closed = True
        await self._transport.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def __del__(self, _warn: Callable[..., None] = warnings.warn) -> None:
        transport = getattr(self, "_transport", None)
        if transport is not None and not self._closed and transport.needs_close:
            _warn(
                f"unclosed {self!r}: use 'async with' or 'await session.aclose()'",
                ResourceWarning,
                source=self,
                stacklevel=1,
            )

    def _check_open(self) -> None:
        if self._closed:
            msg = "this RealtimeKitSession is closed; make a new one"
            raise SessionClosedError(msg)

    # --- one call, with retries -----------------------------------------------------------------

    async def _call(
        self,
        request: proto.Request,
        read: Reader[T],
        safety: Safety,
        timeout: float | UseDefault | None = USE_DEFAULT,
        *,
        reconcile: Reconcile[T] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        self._check_open()
        deadline = self._deadline if timeout is USE_DEFAULT else check_timeout("timeout", timeout)
        extra = {**self._default_headers, **check_headers("headers", headers)}
        return await self._engine.call(
            request, read, safety, deadline, reconcile=reconcile, headers=extra
        )
