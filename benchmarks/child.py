"""One measurement in a fresh process; prints its result as one JSON line on stdout.

The runner starts this once per run so that no variant inherits another's imports, caches, heap
or orjson. Modes:

* ``stream``: a variant streams the whole listing. Wall and CPU time (``getrusage`` user + sys of
  this process) cover creating the client, every page and closing it, not the imports. With
  ``--keep`` the records are kept in a list and ``tracemalloc`` reports what they retain (its
  overhead makes that run's timings meaningless, so they are not reported); ``--profile PATH``
  writes cProfile stats of the timed region.
* ``round-trip`` / ``first-call``: see :mod:`latency`. ``offline``: see :mod:`offline`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import importlib
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import AsyncIterable
from typing import Any

import no_orjson
import records
from variants import IMPORTS, VARIANTS, Target


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _rss_kb() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _json_backend() -> str | None:
    module = sys.modules.get("realtimekit_async._json")
    return None if module is None else getattr(module, "loads").__module__  # noqa: B009


async def _stream(
    variant: str, target: Target, *, keep: bool, profile: str | None
) -> dict[str, Any]:
    kept: list[Any] = []
    count = 0

    async def consume(items: AsyncIterable[Any]) -> None:
        nonlocal count
        if keep:
            kept.extend([item async for item in items])
            count = len(kept)
        else:
            n = 0
            async for _ in items:
                n += 1
            count = n

    gc.collect()
    base_rss, base_peak = _rss_kb(), _peak_rss_kb()
    profiler = cProfile.Profile() if profile else None
    if keep:
        tracemalloc.start()
    if profiler:
        profiler.enable()
    cpu0, wall0 = _cpu_s(), time.perf_counter()
    requests = await VARIANTS[variant](target, consume)
    wall, cpu = time.perf_counter() - wall0, _cpu_s() - cpu0
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    result: dict[str, Any] = {
        "records": count,
        "requests": requests,
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_before_kb": base_rss,
        "peak_rss_before_kb": base_peak,
        "peak_rss_kb": _peak_rss_kb(),
    }
    if keep:
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        result["retained_bytes"] = retained
        result["retained_bytes_per_record"] = retained / max(count, 1)
        result["rss_after_kb"] = _rss_kb()
    return result


def _target(args: argparse.Namespace) -> Target:
    return Target(
        base_url=args.base_url,
        account_id=records.ACCOUNT_ID,
        app_id=records.APP_ID,
        api_token=records.API_TOKEN,
        per_page=args.per_page,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="one benchmark measurement (run by run.py)")
    parser.add_argument("mode", choices=("stream", "round-trip", "first-call", "offline"))
    parser.add_argument("--variant", default="sdk-speedups")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", metavar="PATH")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--meetings", type=int, default=records.DEFAULT_MEETINGS)
    args = parser.parse_args()

    # Before anything can import orjson: the default-install variant must not see it.
    blocked = no_orjson.install_if_requested()
    for module in IMPORTS.get(args.variant, ()):
        importlib.import_module(module)
    result: dict[str, Any]
    if args.mode == "stream":
        result = asyncio.run(
            _stream(args.variant, _target(args), keep=args.keep, profile=args.profile)
        )
    elif args.mode == "round-trip":
        import latency

        timings = asyncio.run(
            latency.round_trips(args.variant, _target(args), records.uuid_of(1), args.calls)
        )
        timings.sort()
        result = {
            "calls": len(timings),
            "median_us": statistics.median(timings) * 1e6,
            "p90_us": timings[int(len(timings) * 0.9)] * 1e6,
            "min_us": timings[0] * 1e6,
        }
    elif args.mode == "first-call":
        import latency

        seconds = asyncio.run(latency.first_call(args.variant, _target(args), records.uuid_of(1)))
        result = {"first_call_ms": seconds * 1e3}
    else:
        import offline

        result = offline.measure(args.pages, args.per_page, args.repeat, args.meetings)
    result["orjson_blocked"] = blocked
    result["sdk_json"] = _json_backend()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
