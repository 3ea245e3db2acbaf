"""The journal: every request the emulator received, in arrival order."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict, CIMultiDictProxy

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping


@dataclass(frozen=True)
class JournalEntry:
    """One received request and how the emulator answered it.

    Attributes:
        method: The HTTP method.
        path: The URL path exactly as received (percent-encoding kept), without the query.
        query: Decoded query pairs in order, repeated keys kept.
        headers: Case-insensitive copy of the request headers.
        body: The JSON body parsed, the raw text when it is not JSON, or None when empty.
        status: The status sent, or None when the connection was dropped instead.
        fault: The injected fault's kind (a :class:`FaultKind` value), or None.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str] = field(repr=False)
    body: Any
    status: int | None = None
    fault: str | None = None


def read_body(raw: bytes) -> Any:
    """Parse a request body for the journal and the handlers."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def freeze_headers(pairs: Iterable[tuple[str, str]]) -> Mapping[str, str]:
    """A read-only, case-insensitive copy of request headers."""
    return CIMultiDictProxy(CIMultiDict(pairs))
