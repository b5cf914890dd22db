"""Run every benchmark and let each write its figures to bench/results/ (`make bench`).

Benchmarks print figures; they are never timed assertions. A benchmark that fails is reported and
the others still run; the exit code says whether all of them finished.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent

#: script → arguments, in the order the pipeline runs.
BENCHMARKS: list[tuple[str, list[str]]] = [
    ("search.py", []),
    ("dedupe.py", ["--all", "--scale", "25000", "--scale", "100000"]),
    ("screen_criteria.py", []),
    ("language.py", []),
    ("screen_workbook.py", []),
    ("prioritise.py", []),
    ("startup.py", []),
]


def main() -> int:
    failed = []
    for script, args in BENCHMARKS:
        path = HERE / script
        if not path.exists():
            print(f"== {script}: not present, skipped")
            continue
        print(f"== {script} {' '.join(args)}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(path), *args], cwd=HERE.parent)
        print(f"== {script}: exit {code} after {time.perf_counter() - started:.1f} s", flush=True)
        if code:
            failed.append(script)
    if failed:
        print(f"Benchmarks that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
