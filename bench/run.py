"""Run every benchmark and write bench/RESULTS.md.

    python3 build.py bench [--quick]      (sets up .venv and builds first; the documented way)
    .venv/bin/python -m bench.run [--quick] [--no-write]

Part 1 is the parser on CPython against its peers (bench/parser_bench.py); part 2 is one
Chromium run: end-to-end throughput and latency against the JS pipeline and native EventSource,
our parser under Pyodide, start-up (bench/startup_bench.py) and memory (bench/browser_bench.py).
Each part prints its tables; RESULTS.md gets both, with the date, the versions and this command.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def machine() -> str:
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{platform.system()} {platform.machine()}, {cores} cores, CPython {platform.python_version()}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats: a smoke run, not results")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md as it is")
    args = parser.parse_args(argv)

    from bench import browser_bench, parser_bench

    started = datetime.datetime.now(datetime.UTC)
    parts = [
        parser_bench.run(repeats=2, quick=True) if args.quick else parser_bench.run(),
        browser_bench.run(quick=args.quick),
    ]
    body = "\n\n".join(parts)
    print(body)
    if args.no_write:
        return 0
    header = (
        "# Benchmark results\n\n"
        f"Run on {started:%Y-%m-%d %H:%M} UTC on {machine()}{' (quick run: smoke sizes, not results)' if args.quick else ''}.\n"
        "Reproduce with `python3 build.py bench` (a fresh clone sets itself up first). Every ratio\n"
        "below compares clients measured in the same run on the same machine; absolute numbers\n"
        "move with the machine's load, ratios much less.\n\n"
    )
    RESULTS.write_text(header + body + "\n", encoding="utf-8")
    print(f"\nwrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
