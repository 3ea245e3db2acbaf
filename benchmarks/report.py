"""Medians, ratios to ``floor`` and the tables printed at the end of a run."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from typing import Any


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add each row's medians and its ratios to the floor's medians at the same size."""
    for row in rows:
        runs, total = row["runs"], row["records"]
        wall = statistics.median(r["wall_s"] for r in runs)
        cpu = statistics.median(r["cpu_s"] for r in runs)
        row["median"] = {
            "wall_s": wall,
            "cpu_s": cpu,
            "cpu_us_per_record": cpu / total * 1e6,
            "records_per_s": total / wall,
            "peak_rss_mb": statistics.median(r["peak_rss_kb"] for r in runs) / 1024,
            "peak_growth_mb": statistics.median(
                r["peak_rss_kb"] - r["peak_rss_before_kb"] for r in runs
            )
            / 1024,
            "server_cpu_s": statistics.median(r["server_cpu_s"] for r in runs),
        }
        row["requests"] = sorted({r["requests"] for r in runs})
        row["server_requests"] = sorted({r["server_requests"] for r in runs})
        row["problems"] = _problems(row)
    floors = {r["records"]: r["median"] for r in rows if r["variant"] == "floor"}
    for row in rows:
        floor = floors.get(row["records"])
        row["ratio_to_floor"] = (
            None
            if floor is None
            else {
                "wall": row["median"]["wall_s"] / floor["wall_s"],
                "cpu": row["median"]["cpu_s"] / floor["cpu_s"],
            }
        )
    return rows


def _problems(row: dict[str, Any]) -> list[str]:
    problems = []
    if any(r["records"] != row["records"] for r in row["runs"]):
        problems.append("record count differs from the listing's size")
    if row["requests"] != [row["expected_requests"]]:
        problems.append(f"client made {row['requests']} requests, not {row['expected_requests']}")
    if row["server_requests"] != row["requests"]:
        problems.append(f"server counted {row['server_requests']}, client {row['requests']}")
    return problems


def _table(header: list[str], lines: Iterable[list[str]]) -> str:
    body = [header, *lines]
    widths = [max(len(line[i]) for line in body) for i in range(len(header))]

    def fmt(line: list[str]) -> str:
        first = line[0].ljust(widths[0])
        return "  ".join(
            [first, *(cell.rjust(w) for cell, w in zip(line[1:], widths[1:], strict=True))]
        )

    rule = "-" * len(fmt(header))
    return "\n".join([fmt(header), rule, *(fmt(line) for line in body[1:])])


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def streaming_table(rows: list[dict[str, Any]], repeat: int) -> str:
    lines = []
    for row in rows:
        med, ratio = row["median"], row["ratio_to_floor"] or {}
        requests = "/".join(
            [
                ",".join(map(str, row["requests"])),
                ",".join(map(str, row["server_requests"])),
                str(row["expected_requests"]),
            ]
        )
        lines.append(
            [
                row["variant"],
                f"{row['records']:,}",
                f"{med['wall_s']:.3f}",
                _ratio(ratio.get("wall")),
                f"{med['cpu_us_per_record']:.1f}",
                _ratio(ratio.get("cpu")),
                f"{med['records_per_s']:,.0f}",
                requests,
                f"{med['peak_rss_mb']:.1f}",
                f"{med['server_cpu_s']:.2f}",
                "; ".join(row["problems"]) or "ok",
            ]
        )
    header = [
        "variant",
        "records",
        "wall s",
        "x floor",
        "CPU us/rec",
        "x floor",
        "rec/s",
        "req cli/srv/exp",
        "peak RSS MB",
        "srv CPU s",
        "check",
    ]
    title = (
        f"Streaming every recording (per_page={rows[0]['per_page']}, median of {repeat} runs; "
        "x floor = ratio to floor's median measured in this run)"
    )
    return f"{title}\n{_table(header, lines)}"


def extras_text(extras: dict[str, Any]) -> str:
    parts: list[str] = []
    if kept := extras.get("retained"):
        floor = kept["floor"]["bytes_per_record"]
        lines = [
            [
                name,
                f"{kept[name]['bytes_per_record']:,.0f}",
                f"{kept[name]['bytes_per_record'] / floor:.2f}x",
            ]
            for name in ("floor", "sdk-speedups", "sdk-default")
        ]
        parts.append(
            f"Retained bytes per record, all {kept['records']:,} kept in a list (tracemalloc)\n"
            + _table(["variant", "bytes/record", "x floor"], lines)
        )
    if memory := extras.get("constant_memory"):
        lines = [
            [
                f"{run['records']:,}",
                f"{run['peak_rss_kb'] / 1024:.1f}",
                f"{run['growth_kb'] / 1024:.1f}",
                f"{run['wall_s']:.2f}",
                f"{run['cpu_us_per_record']:.1f}",
                f"{run['requests']}/{run['server_requests']}",
            ]
            for run in memory["runs"]
        ]
        parts.append(
            "Peak RSS streaming without keeping records (sdk-speedups)\n"
            + _table(
                ["records", "peak RSS MB", "growth MB", "wall s", "CPU us/rec", "req cli/srv"],
                lines,
            )
        )
    if imports := extras.get("import_time"):
        base = imports["aiohttp"]["median_ms"]
        lines = [
            [name, f"{imports[name]['median_ms']:.1f}", f"{imports[name]['median_ms'] / base:.2f}x"]
            for name in ("aiohttp", "realtimekit_async", "cloudflare")
            if name in imports
        ]
        heavy = ", ".join(
            f"{m['module']} {m['self_us'] / 1000:.1f}"
            for m in imports["realtimekit_async_heaviest_self_us"][:6]
        )
        packages = ", ".join(
            f"{name} {us / 1000:.1f}"
            for name, us in list(imports["realtimekit_async_self_us_by_package"].items())[:8]
        )
        parts.append(
            f"Import time, fresh interpreter, median of {imports['runs']}\n"
            + _table(["import", "ms", "x aiohttp"], lines)
            + "\n  'import realtimekit_async' under -X importtime, self ms"
            + f"\n    by package: {packages}\n    heaviest modules: {heavy}"
        )
    if latency := extras.get("latency"):
        lines = [
            [
                name,
                f"{trip['median_us']:.0f}",
                f"{trip['p90_us']:.0f}",
                f"{trip['min_us']:.0f}",
                f"{latency['first_call'][name]['median_ms']:.2f}",
            ]
            for name, trip in latency["round_trip"].items()
        ]
        parts.append(
            "Single get_recording: warm round trip and a new client's first call\n"
            + _table(["client", "median us", "p90 us", "min us", "first call ms"], lines)
        )
    if offline := extras.get("offline"):
        fast, slow = offline["speedups"], offline["default"]
        lines = [
            ["json.loads", f"{fast['json_loads_us']:.2f}"],
            ["orjson.loads", f"{fast['orjson_loads_us']:.2f}" if fast["orjson_loads_us"] else "-"],
            ["SDK structure only (CONVERTER)", f"{fast['sdk_structure_only_us']:.2f}"],
            ["SDK read_page, orjson", f"{fast['sdk_read_page_us']:.2f}"],
            ["SDK read_page, stdlib json", f"{slow['sdk_read_page_us']:.2f}"],
        ]
        parts.append(
            f"Offline decode/structure, {fast['records']:,} records "
            f"({fast['bytes_per_record']:.0f} B each), us per record\n"
            + _table(["step", "us/record"], lines)
        )
    return "\n\n".join(parts)
