"""`make bench`: every benchmark in turn, each writing its figures to bench/results/.

    .venv/bin/python bench/run_all.py [--quick]

--quick runs each with fewer users and rounds, to check that they all still work (a few minutes);
without it the figures are those the README quotes (about half an hour on the 2-core machine).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# (script, full arguments, quick arguments)
BENCHMARKS = [
    ("matching.py", [], ["--rounds", "1", "--entries", "2000"]),
    ("queue_throughput.py", ["--repeat", "5"], ["--repeat", "1"]),
    ("telegram_throughput.py", [], ["--users", "20", "--per-user", "3", "--rounds", "2"]),
    ("line_throughput.py", [], ["--users", "20", "--per-user", "3", "--rounds", "2"]),
    ("reliability.py", [], ["--quick"]),
    ("web_console.py", [], ["--quick"]),
    ("staff_at_scale.py", [], ["--requests", "5000", "--samples", "6"]),
    ("storage_backends.py", [], ["--quick"]),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer users and rounds: check they run")
    args = parser.parse_args()
    failed = []
    for script, full, quick in BENCHMARKS:
        command = [sys.executable, str(BENCH / script), *(quick if args.quick else full)]
        print(f"\n=== {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        if subprocess.run(command, cwd=BENCH.parent).returncode != 0:
            failed.append(script)
        print(f"=== {script}: {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
