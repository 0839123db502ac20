"""Run the benchmark and write its table to bench/results.md."""

from __future__ import annotations

import argparse
import os
import platform
from datetime import date
from pathlib import Path

from bench import ingest

RESULTS = Path(__file__).with_name("results.md")


def _table(rows: list[dict]) -> str:
    lines = ["| workload | files | MB | method | median s | min–max s | × raw parse |",
             "|---|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['workload']} | {r['files']} | {r['mb']:.1f} | {r['method']} | "
                     f"{r['median_s']:.3f} | {r['min_s']:.3f}–{r['max_s']:.3f} | "
                     f"{r['ratio']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    """Parse options, run, print and save."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--naive-runs", type=int, default=1,
                        help="runs of the slow openpyxl row-by-row baseline")
    args = parser.parse_args()
    rows = ingest.run(args.runs, args.naive_runs)
    header = (f"Measured {date.today().isoformat()} on {platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}; "
              f"median of {args.runs} runs (openpyxl baseline: {args.naive_runs}).")
    text = f"# Benchmark results\n\n{header}\n\n## Ingest\n\n{_table(rows)}\n"
    print(text)
    RESULTS.write_text(text, encoding="utf-8")


main()
