"""Where a variant spends its client CPU: cProfile of one streaming run, top functions.

``python benchmarks/profile_sdk.py [--records 100000] [--variant sdk-speedups] [--top 15]``
starts the benchmark server, streams once under cProfile in a fresh child (the timed region
only: no imports, no start-up), and prints the heaviest functions by own time and by
cumulative time, with microseconds per record so the figures compare across sizes.
"""

from __future__ import annotations

import argparse
import io
import pstats
import tempfile
from pathlib import Path

import harness
import records
from variants import VARIANTS, WITHOUT_ORJSON


def _top(stats_path: Path, sort: str, top: int, records: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(str(stats_path), stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    text = out.getvalue()
    total = stats.total_tt  # type: ignore[attr-defined]
    return f"{text}\n(profiled total {total:.2f} s = {total / records * 1e6:.1f} us/record)\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--per-page", type=int, default=100)
    parser.add_argument("--variant", default="sdk-speedups", choices=tuple(VARIANTS))
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--meetings", type=int, default=records.DEFAULT_MEETINGS)
    parser.add_argument("--save", type=Path, help="also keep the raw pstats file here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        stats_path = args.save or Path(tmp) / "stream.pstats"
        with harness.server(args.records, args.per_page, args.meetings) as srv:
            run = harness.child(
                "stream",
                f"--variant={args.variant}",
                f"--base-url={srv.base_url}",
                f"--per-page={args.per_page}",
                f"--profile={stats_path}",
                block_orjson=args.variant in WITHOUT_ORJSON,
                timeout=120 + args.records * 2e-3,
            )
        print(
            f"{args.variant}: {run['records']:,} records, {run['requests']} requests, "
            f"{run['cpu_s']:.2f} s CPU under the profiler"
        )
        for sort in ("tottime", "cumulative"):
            print(f"\n=== top {args.top} by {sort} ===")
            print(_top(stats_path, sort, args.top, run["records"]))


if __name__ == "__main__":
    main()
