"""JSON coding: orjson when the ``speedups`` extra is installed, else the standard library."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

loads: Callable[[bytes], Any]
dumps: Callable[[Any], bytes]
#: Exceptions raised by :func:`loads` on malformed input (the standard library recurses once per
#: nesting level, so a deeply nested body is a RecursionError there; orjson stops at 1024 levels).
DecodeError: tuple[type[Exception], ...]


def _stdlib_dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


try:
    import orjson
except ImportError:  # pragma: no cover - exercised by the default-install benchmark run
    loads, dumps, DecodeError = json.loads, _stdlib_dumps, (ValueError, RecursionError)
else:
    loads, dumps, DecodeError = orjson.loads, orjson.dumps, (ValueError, RecursionError)
