"""What every group of session calls stands on: the session's state and its one ``_call``.

The session's methods live in a few modules by subject (recordings, batch helpers, webhooks),
each a mixin of :class:`~._session.RealtimeKitSession` over this base, so that each module reads
in one sitting. The base only declares what the session provides.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from . import _protocol as proto
from ._config import USE_DEFAULT, UseDefault
from ._engine import Engine, Reader, Reconcile
from ._models import Recording
from ._retry import Safety
from ._transport import Transport

__all__ = ["CallsBase"]

T = TypeVar("T")


class CallsBase:
    """The state and the call that :class:`~._session.RealtimeKitSession` provides."""

    _prefix: str
    _webhooks_prefix: str
    _deadline: float | None
    _per_page: int
    _engine: Engine
    _transport: Transport
    _storage_headers: Mapping[str, str]
    _sleep: Callable[[float], Awaitable[None]]

    def _check_open(self) -> None:
        raise NotImplementedError

    async def get_recording(
        self,
        recording_id: str,
        *,
        timeout: float | UseDefault | None = USE_DEFAULT,
        headers: Mapping[str, str] | None = None,
    ) -> Recording:
        raise NotImplementedError

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
        raise NotImplementedError
