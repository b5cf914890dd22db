"""How the dedupe stage's memory grows with the number of records: peak RSS at several sizes.

    python bench/dedupe_memory.py                          # every large set at 12.5k, 25k, 50k, 100k
    python bench/dedupe_memory.py diabetes --sizes 25000,100000

Each (set, size) runs in a fresh process, so that one peak does not hide the next: the set is
scaled (bench/dedupe_sets.py `scaled`), then the stage runs once. Reported per run: the resident
memory before the stage (Python, pandas and the record table), the peak resident memory
(ru_maxrss) and their difference (what the stage itself needed), the candidate pairs, the
largest block, and the seconds. Memory that grows linearly has a flat "stage MiB per 1,000
records" column. Writes bench/results/dedupe_memory.md with --write. A figure, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "dedupe"
RESULTS = HERE / "results" / "dedupe_memory.md"
LARGE_SETS = ("cytology_screening", "respiratory", "diabetes", "copper")


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(name: str, size: int) -> dict:
    """One measurement, in this (fresh) process."""
    import resource
    import time

    sys.path[:0] = [str(ROOT), str(HERE)]
    from dedupe_sets import load_set, scaled, score

    from pipeline.config import DedupeConfig
    from pipeline.stages.dedupe import dedupe
    from pipeline.stages.dedupe.block import block_keys
    from pipeline.stages.dedupe.normalise import prepare

    gold = scaled(load_set(DATA / name), size)
    keys = block_keys(prepare(gold.records))
    largest = int(keys.groupby("key").size().max())
    del keys
    import gc

    gc.collect()
    before = _rss_mib()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    result = dedupe(gold.records, DedupeConfig())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = score(gold.groups, dict(zip(result.records["record_id"], result.records["work_id"], strict=True)))
    return {"set": gold.name, "records": len(gold.records), "before": before, "peak_before": peak_before,
            "peak": peak, "pairs": len(result.pairs), "largest_block": largest, "seconds": seconds,
            "fp": s.fp, "fn": s.fn}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", default=list(LARGE_SETS))
    parser.add_argument("--sizes", default="12500,25000,50000,100000")
    parser.add_argument("--write", action="store_true", help="write bench/results/dedupe_memory.md")
    parser.add_argument("--child", nargs=2, metavar=("SET", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return 0
    header = ("| set | records | candidate pairs | pairs per record | largest block | RSS before MiB "
              "| peak RSS MiB | stage MiB | stage MiB per 1,000 records | seconds | FP | FN |\n"
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines = [header]
    print(header, flush=True)
    for name in args.sets:
        for size in (int(x) for x in args.sizes.split(",")):
            out = subprocess.run([sys.executable, __file__, "--child", name, str(size)], check=True,
                                 capture_output=True, text=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            stage = r["peak"] - r["before"]
            lines.append(f"| {r['set']} | {r['records']:,} | {r['pairs']:,} | {r['pairs'] / r['records']:.1f} "
                         f"| {r['largest_block']:,} | {r['before']:,.0f} | {r['peak']:,.0f} | {stage:,.0f} "
                         f"| {1000 * stage / r['records']:.1f} | {r['seconds']:.1f} | {r['fp']} | {r['fn']} |")
            print(lines[-1], flush=True)
    if args.write:
        load = os.getloadavg()
        stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        RESULTS.write_text(
            "# Dedupe memory at several sizes\n\n"
            f"`python bench/dedupe_memory.py {' '.join(sys.argv[1:] if argv is None else argv)}` on {stamp} "
            f"(load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs).\n\n"
            + (__doc__ or "").split("\n\n", 2)[2] + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
