"""What the runner measures, in which processes: the streaming matrix and the extra measurements.

Each function starts the server(s) it needs, runs fresh children through :mod:`harness` and
returns plain JSON-ready data; :mod:`report` turns it into medians, ratios and tables.
"""

from __future__ import annotations

import importlib.util
import re
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import harness
import records
from variants import VARIANTS, WITHOUT_ORJSON

Log = Callable[[str], None]
# The Plan's ``records`` field would shadow the module inside the class body.
DEFAULT_MEETINGS: Final = records.DEFAULT_MEETINGS
#: Generous bound on a child's run: its startup plus a slow client's time per record.
_CHILD_BASE_TIMEOUT: Final = 120.0
_CHILD_PER_RECORD_TIMEOUT: Final = 500e-6


@dataclass(frozen=True)
class Plan:
    """Sizes and repetitions of one benchmark run."""

    records: tuple[int, ...] = (10_000, 100_000)
    per_page: int = 100
    meetings: int = DEFAULT_MEETINGS
    repeat: int = 5
    variants: tuple[str, ...] = tuple(VARIANTS)
    retained_records: int = 100_000
    memory_records: tuple[int, int] = (10_000, 1_000_000)
    import_runs: int = 7
    first_call_runs: int = 7
    round_trip_calls: int = 200
    round_trip_rounds: int = 3
    offline_pages: int = 100
    offline_repeat: int = 7

    @classmethod
    def quick(cls, variants: tuple[str, ...]) -> Plan:
        return cls(
            records=(2_000,),
            repeat=1,
            variants=variants,
            retained_records=2_000,
            memory_records=(2_000, 20_000),
            import_runs=3,
            first_call_runs=2,
            round_trip_calls=50,
            round_trip_rounds=1,
            offline_pages=10,
            offline_repeat=3,
        )


def available(variant: str) -> bool:
    """Whether the variant's third-party library is installed here."""
    return variant != "cloudflare" or importlib.util.find_spec("cloudflare") is not None


def _timeout(total: int) -> float:
    return _CHILD_BASE_TIMEOUT + total * _CHILD_PER_RECORD_TIMEOUT


def _stream(
    srv: harness.Server, variant: str, per_page: int, *extra: str, timeout: float
) -> dict[str, Any]:
    before = srv.stats()
    result = harness.child(
        "stream",
        f"--variant={variant}",
        f"--base-url={srv.base_url}",
        f"--per-page={per_page}",
        *extra,
        block_orjson=variant in WITHOUT_ORJSON,
        timeout=timeout,
    )
    after = srv.stats()
    result["server_requests"] = after.get("requests", 0) - before.get("requests", 0)
    result["server_cpu_s"] = after["cpu_s"] - before["cpu_s"]
    return result


def streaming(plan: Plan, log: Log) -> list[dict[str, Any]]:
    """Every variant streams every size ``plan.repeat`` times, interleaved to spread drift."""
    rows: list[dict[str, Any]] = []
    for total in plan.records:
        runs: dict[str, list[dict[str, Any]]] = {v: [] for v in plan.variants}
        with harness.server(total, plan.per_page, plan.meetings) as srv:
            for repeat in range(plan.repeat):
                # Rotate the order so no variant always runs right after the same neighbour.
                shift = repeat % len(plan.variants)
                for variant in plan.variants[shift:] + plan.variants[:shift]:
                    result = _stream(srv, variant, plan.per_page, timeout=_timeout(total))
                    runs[variant].append(result)
                    log(
                        f"  {total:>9,} {variant:<13} run {repeat + 1}/{plan.repeat}: "
                        f"{result['wall_s']:.3f} s wall, {result['cpu_s']:.3f} s CPU"
                    )
        rows.extend(
            {
                "records": total,
                "per_page": plan.per_page,
                "expected_requests": records.page_count(total, plan.per_page),
                "variant": variant,
                "runs": runs[variant],
            }
            for variant in plan.variants
        )
    return rows


def retained(plan: Plan, log: Log) -> dict[str, Any]:
    """Bytes the kept records retain (tracemalloc), typed SDK records vs floor's dicts."""
    total = plan.retained_records
    results: dict[str, Any] = {"records": total}
    with harness.server(total, plan.per_page, plan.meetings) as srv:
        for variant in ("floor", "sdk-speedups", "sdk-default"):
            log(f"  retained bytes, {total:,} records, {variant}")
            run = _stream(srv, variant, plan.per_page, "--keep", timeout=3 * _timeout(total))
            results[variant] = {
                "retained_bytes": run["retained_bytes"],
                "bytes_per_record": run["retained_bytes_per_record"],
                "peak_rss_kb": run["peak_rss_kb"],
                "records": run["records"],
            }
    return results


def constant_memory(plan: Plan, log: Log) -> dict[str, Any]:
    """Peak RSS of sdk-speedups streaming a small and a big listing without keeping records."""
    results: dict[str, Any] = {"variant": "sdk-speedups", "runs": []}
    for total in plan.memory_records:
        with harness.server(total, plan.per_page, plan.meetings) as srv:
            log(f"  peak RSS streaming {total:,} records, sdk-speedups")
            run = _stream(srv, "sdk-speedups", plan.per_page, timeout=_timeout(total))
        results["runs"].append(
            {
                "records": total,
                "records_seen": run["records"],
                "peak_rss_kb": run["peak_rss_kb"],
                "peak_rss_before_kb": run["peak_rss_before_kb"],
                "growth_kb": run["peak_rss_kb"] - run["peak_rss_before_kb"],
                "wall_s": run["wall_s"],
                "cpu_us_per_record": run["cpu_s"] / max(run["records"], 1) * 1e6,
                "requests": run["requests"],
                "server_requests": run["server_requests"],
            }
        )
    return results


_IMPORT_CODE: Final = (
    "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)
_IMPORTTIME_LINE: Final = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)")


def import_time(plan: Plan, log: Log) -> dict[str, Any]:
    """``import X`` in fresh interpreters (median), plus where the package's import time goes."""
    modules = ["aiohttp", "realtimekit_async"]
    if available("cloudflare"):
        modules.append("cloudflare")
    results: dict[str, Any] = {"runs": plan.import_runs}
    for module in modules:
        log(f"  import {module} x{plan.import_runs}")
        times = [
            float(harness.python(_IMPORT_CODE.format(module=module)).stdout) * 1e3
            for _ in range(plan.import_runs)
        ]
        results[module] = {"median_ms": statistics.median(times), "all_ms": times}
    # One -X importtime run: the heaviest modules by their own (self) time.
    stderr = harness.python("import realtimekit_async", "-X", "importtime").stderr
    rows = [
        (int(m[1]), int(m[2]), len(m[3]) // 2, m[4])
        for m in map(_IMPORTTIME_LINE.match, stderr.splitlines())
        if m
    ]
    results["realtimekit_async_heaviest_self_us"] = [
        {"module": name, "self_us": own, "cumulative_us": cum}
        for own, cum, _, name in sorted(rows, reverse=True)[:12]
    ]
    by_package: dict[str, int] = {}
    for own, _, _, name in rows:
        package = name.partition(".")[0]
        by_package[package] = by_package.get(package, 0) + own
    results["realtimekit_async_self_us_by_package"] = dict(
        sorted(by_package.items(), key=lambda item: -item[1])[:12]
    )
    return results


def latency(plan: Plan, log: Log) -> dict[str, Any]:
    """Warm single-call round trips and a new client's first call, per client."""
    clients = [v for v in ("floor", "sdk-speedups", "sdk-default", "cloudflare") if available(v)]
    results: dict[str, Any] = {"round_trip": {}, "first_call": {}}
    with harness.server(1_000, plan.per_page, plan.meetings) as srv:
        url = f"--base-url={srv.base_url}"
        rounds: dict[str, list[dict[str, Any]]] = {v: [] for v in clients}
        # Rounds alternate the clients, so a slow spell of the machine hits them all alike.
        for number in range(plan.round_trip_rounds):
            for variant in clients:
                log(f"  round trip x{plan.round_trip_calls}, {variant}, round {number + 1}")
                rounds[variant].append(
                    harness.child(
                        "round-trip",
                        f"--variant={variant}",
                        url,
                        f"--calls={plan.round_trip_calls}",
                        block_orjson=variant in WITHOUT_ORJSON,
                    )
                )
        for variant, runs in rounds.items():
            results["round_trip"][variant] = {
                "median_us": statistics.median(r["median_us"] for r in runs),
                "p90_us": statistics.median(r["p90_us"] for r in runs),
                "min_us": min(r["min_us"] for r in runs),
                "rounds": runs,
            }
        for variant in clients:
            blocked = variant in WITHOUT_ORJSON
            log(f"  first call x{plan.first_call_runs}, {variant}")
            firsts = [
                harness.child("first-call", f"--variant={variant}", url, block_orjson=blocked)[
                    "first_call_ms"
                ]
                for _ in range(plan.first_call_runs)
            ]
            results["first_call"][variant] = {
                "median_ms": statistics.median(firsts),
                "all_ms": firsts,
            }
    return results


def offline(plan: Plan, log: Log) -> dict[str, Any]:
    """µs per record to decode and structure pages, with and without orjson."""
    results: dict[str, Any] = {}
    for name, blocked in (("speedups", False), ("default", True)):
        log(f"  offline structuring ({name})")
        results[name] = harness.child(
            "offline",
            "--variant=none",
            f"--pages={plan.offline_pages}",
            f"--per-page={plan.per_page}",
            f"--repeat={plan.offline_repeat}",
            f"--meetings={plan.meetings}",
            block_orjson=blocked,
        )
    return results


def environment() -> dict[str, Any]:
    """Versions and machine facts, so results files can be compared."""
    import os
    import platform
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for dist in ("realtimekit-async", "aiohttp", "orjson", "cattrs", "attrs", "cloudflare"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "versions": versions,
    }
