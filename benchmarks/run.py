"""Benchmark realtimekit_async against a raw aiohttp floor and the official cloudflare SDK.

``nox -s bench -- [options]`` or ``python benchmarks/run.py [options]``. A loopback server
(:mod:`server`) serves pre-encoded pages from its own process; each variant (:mod:`variants`)
streams every recording ``--repeat`` times, each time in a fresh process (:mod:`child`). The
table shows medians and their ratio to ``floor`` measured in the same run; the JSON file keeps
every run. Extra measurements (``--no-extras`` to skip): retained bytes per record, peak RSS
over a big listing, import time, single-call latency and offline structuring.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import report
import suite
from harness import HERE
from variants import VARIANTS


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--records", type=_ints, help="listing sizes (default 10000,100000)")
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--repeat", type=int, help="runs per variant and size (default 5)")
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help=f"comma-separated, from {', '.join(VARIANTS)} (floor always runs)",
    )
    parser.add_argument(
        "--meetings",
        type=int,
        help="distinct meetings the recordings belong to (default 1000)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke test")
    parser.add_argument("--no-extras", action="store_true", help="only the streaming table")
    parser.add_argument(
        "--no-budget", action="store_true", help="skip the budget benchmark (budget.py)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=HERE / "results" / "latest.json",
        help="where to write every result (default benchmarks/results/latest.json)",
    )
    return parser.parse_args()


def _plan(args: argparse.Namespace) -> suite.Plan:
    wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = sorted(set(wanted) - set(VARIANTS))
    if unknown:
        sys.exit(f"unknown variants: {', '.join(unknown)}")
    missing = [v for v in wanted if not suite.available(v)]
    if missing:
        print(f"skipping {', '.join(missing)}: not installed", file=sys.stderr)
    # The ratios need the floor measured alongside, so it always runs (first).
    variants = ("floor", *(v for v in wanted if v != "floor" and v not in missing))
    plan = suite.Plan.quick(variants) if args.quick else suite.Plan(variants=variants)
    overrides: dict[str, Any] = {"per_page": args.per_page}
    if args.records:
        overrides["records"] = args.records
    if args.repeat:
        overrides["repeat"] = args.repeat
    if args.meetings:
        overrides["meetings"] = args.meetings
    return dataclasses.replace(plan, **overrides)


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=HERE, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> int:
    args = _parse_args()
    plan = _plan(args)
    started = time.perf_counter()
    budget_table = ""
    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "environment": {
            **suite.environment(),
            "git_commit": _git("rev-parse", "HEAD"),
            # Uncommitted changes to the package mean the commit alone does not say what ran.
            "package_changed": bool(_git("status", "--porcelain", "--", "../realtimekit_async")),
        },
        "plan": dataclasses.asdict(plan),
    }
    _log(f"streaming: sizes {plan.records}, variants {', '.join(plan.variants)}")
    rows = report.summarise(suite.streaming(plan, _log))
    results["streaming"] = rows
    extras: dict[str, Any] = {}
    if not args.no_extras:
        _log("extra measurements")
        extras["retained"] = suite.retained(plan, _log)
        extras["constant_memory"] = suite.constant_memory(plan, _log)
        extras["import_time"] = suite.import_time(plan, _log)
        extras["latency"] = suite.latency(plan, _log)
        extras["offline"] = suite.offline(plan, _log)
    results["extras"] = extras
    if not args.no_budget:
        _log("budget: streaming against a fixed-window budget (budget.py)")
        # Its own process: the SDK it imports must not share this runner's state.
        done = subprocess.run(
            [sys.executable, str(HERE / "budget.py"), "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
        runs, _, budget_table = done.stdout.rpartition("]\n")
        results["budget"] = json.loads(runs + "]") if runs else done.stderr
    results["duration_s"] = time.perf_counter() - started

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print(report.streaming_table(rows, plan.repeat))
    if extras:
        print()
        print(report.extras_text(extras))
    if not args.no_budget:
        print()
        print(budget_table.strip())
    print(f"\n{results['duration_s']:.0f} s in all; every run is in {args.json}")
    return 1 if any(row["problems"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
