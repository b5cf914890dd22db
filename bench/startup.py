"""Start-up cost of the `slr` command: import time of `pipeline.cli`, and wall and CPU time of
`slr --help`, `slr version` and `slr status` on the demo review (goal: each under 0.3 s).

Each command runs in a fresh interpreter, as a user's shell would start it, `--runs` times; the
table gives the median and the spread. CPU time (user + system of the child) is reported beside
wall time because on a shared machine wall time also measures the neighbours.

    python bench/startup.py                       # this checkout
    python bench/startup.py --tree ../old-main    # another checkout, same interpreter (before/after)

Writes bench/results/startup.md (only for this checkout, unless --out is given).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
ROOT = HERE.parent

COMMANDS: list[tuple[str, list[str]]] = [
    ("slr --help", ["--help"]),
    ("slr version", ["version"]),
    ("slr status (demo)", ["-c", "config/demo.yaml", "status"]),
]


def _run(tree: Path, args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `slr ARGS` in a fresh interpreter importing `tree`'s code."""
    code = "import sys; from pipeline.cli import main; sys.exit(main())"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *args], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _import_time(tree: Path) -> float:
    """Seconds `import pipeline.cli` takes, by `python -X importtime` (cumulative, microseconds)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "import pipeline.cli"], cwd=tree, env=env,
                            capture_output=True, text=True, check=True)
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| pipeline\.cli$", line)
        if match:
            return int(match.group(1)) / 1e6
    raise RuntimeError("pipeline.cli not in the import-time report")


def _row(label: str, values: list[float]) -> str:
    return f"{label} {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout to measure (default: this one)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    tree = args.tree.resolve()
    lines = [f"# Start-up of `slr` ({tree.name}: {_git_head(tree)})", "",
             f"Python {platform.python_version()}, {platform.platform(terse=True)}, {os.cpu_count()} CPUs; "
             f"{args.runs} runs each, fresh interpreter per run; median (min, max).", "",
             "| what | wall | CPU (user + sys) |", "|---|---|---|"]
    imports = [_import_time(tree) for _ in range(args.runs)]
    lines.append(f"| `import pipeline.cli` | {_row('', imports).strip()} | — |")
    for label, argv in COMMANDS:
        runs = [_run(tree, argv) for _ in range(args.runs)]
        lines.append(f"| `{label}` | {_row('', [w for w, _ in runs]).strip()} | {_row('', [c for _, c in runs]).strip()} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = args.out or (HERE / "results" / "startup.md" if tree == ROOT.resolve() else None)
    if out is not None:
        out.write_text(text, encoding="utf-8")
        print(f"→ {out}")
    return 0


def _git_head(tree: Path) -> str:
    result = subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h %s"], capture_output=True, text=True)
    return result.stdout.strip()[:80] or "not a git checkout"


if __name__ == "__main__":
    sys.exit(main())
