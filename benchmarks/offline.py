"""Offline structuring: what turning page bytes into objects costs, with no I/O at all.

Times, per record, over the same realistic pages: ``json.loads``; ``orjson.loads`` (if
importable); the SDK's whole response reader (``_protocol.read_page`` on a pre-built
``Response``: decode, envelope check, structure); and ``converter().structure`` alone on
already-decoded dicts. The SDK readers use whichever JSON library the process can import.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

import records


def _per_record(work: Callable[[], object], count: int, repeat: int) -> float:
    """Median over *repeat* runs of *work*, in microseconds per record."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) / count * 1e6


def measure(pages: int, per_page: int, repeat: int, meetings: int) -> dict[str, Any]:
    import json

    from realtimekit_async import _converter, _json, _protocol
    from realtimekit_async._models import Recording

    total = pages * per_page
    bodies = [records.page_body(n, per_page, total, meetings) for n in range(1, pages + 1)]
    decoded = [json.loads(body)["data"] for body in bodies]
    request = _protocol.list_request(
        _protocol.app_prefix(records.ACCOUNT_ID, records.APP_ID),
        _protocol.ListFilters(),
        1,
        per_page,
    )
    responses = [_protocol.Response(200, {}, body) for body in bodies]
    now = dt.datetime.now(dt.UTC)
    items = tuple[Recording, ...]

    results: dict[str, Any] = {
        "records": total,
        "bytes_per_record": sum(map(len, bodies)) / total,
        "sdk_json": _json.loads.__module__,
    }
    results["json_loads_us"] = _per_record(lambda: [json.loads(b) for b in bodies], total, repeat)
    try:
        import orjson
    except ImportError:
        results["orjson_loads_us"] = None
    else:
        results["orjson_loads_us"] = _per_record(
            lambda: [orjson.loads(b) for b in bodies], total, repeat
        )
    results["sdk_read_page_us"] = _per_record(
        lambda: [_protocol.read_page(request, r, now) for r in responses], total, repeat
    )
    results["sdk_structure_only_us"] = _per_record(
        lambda: [_converter.converter().structure(d, items) for d in decoded], total, repeat
    )
    return results
