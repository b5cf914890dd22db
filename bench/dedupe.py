"""Deduplication benchmark: our dedupe stage and bib-dedupe side by side on the same records.

    python bench/dedupe.py cytology_screening          # one shared set
    python bench/dedupe.py --all                       # every set; writes bench/results/dedupe.md
    python bench/dedupe.py respiratory --scale 100000  # also the set repeated to 100,000 records

For each tool: FP (unique works lost), FN (duplicates kept), sensitivity, specificity, wrong merges
(clusters mixing gold groups), seconds and peak memory, scored per gold group as
../shared/README.md describes (bench/dedupe_sets.py). Time is measured on a plain run, memory
(tracemalloc peak) on a second run, so that tracing does not slow the timed one. bib-dedupe
(pinned in the `bench` extra) runs in this process with cpu=1; on scaled sets it is skipped unless
--bib-dedupe-scaled is given (it takes many minutes there). A figure, not a test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from dedupe_sets import SETS, GoldSet, Score, load_set, scaled, score  # noqa: E402
from dedupe_views import cli_end_to_end, leave_one_set_out, loso_table, spread  # noqa: E402

from pipeline.config import DedupeConfig  # noqa: E402
from pipeline.records import split_list  # noqa: E402
from pipeline.stages.dedupe import dedupe  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks" / "dedupe"
RESULTS = HERE / "results" / "dedupe.md"


def run_ours(gold: GoldSet) -> dict[str, str]:
    """record_id → work_id from our stage."""
    result = dedupe(gold.records, DedupeConfig())
    return dict(zip(result.records["record_id"], result.records["work_id"], strict=True))


def to_bib_dedupe(records: pd.DataFrame) -> pd.DataFrame:
    """Our record table in bib-dedupe's input shape (BibTeX-like columns, authors joined by " and ")."""
    def text(name: str) -> pd.Series:
        return records[name].astype(object).where(records[name].notna(), "").astype(str)

    return pd.DataFrame({
        "ID": records["record_id"], "ENTRYTYPE": "article", "title": text("title"),
        "author": [" and ".join(split_list(a)) for a in records["authors"]],
        "year": text("year"), "journal": text("venue"), "volume": text("volume"), "number": text("issue"),
        "pages": text("pages"), "doi": text("doi"), "abstract": text("abstract"),
    })


def run_bib_dedupe(gold: GoldSet) -> dict[str, str]:
    """record_id → cluster label from bib-dedupe 0.11 (prep, block, match, cluster; cpu=1)."""
    import bib_dedupe.bib_dedupe as bd
    from bib_dedupe import verbose_print

    verbose_print.verbosity_level = 0
    prepared = bd.prep(to_bib_dedupe(gold.records), cpu=1)
    matched = bd.match(bd.block(prepared, cpu=1), cpu=1)
    clusters = bd.cluster(matched)
    return {rid: f"c{k}" for k, members in enumerate(clusters) for rid in members}


def clear_caches() -> None:
    """Empty our normalisation caches, so every run starts cold (and its memory is counted)."""
    from pipeline.stages.dedupe import compare, normalise

    for module in (normalise, compare):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def measure(tool: Callable[[GoldSet], dict[str, str]], gold: GoldSet, memory: bool,
            repeat: int = 1) -> tuple[Score, list[float], float | None, list[float]]:
    """(score, seconds of each timed run, peak MiB or None, CPU seconds of each timed run):
    `repeat` timed runs, then a traced run. CPU time counts every thread of this process, and is
    what other jobs on a shared machine disturb least."""
    times, cpu = [], []
    for _ in range(repeat):
        clear_caches()
        gc.collect()
        started, started_cpu = time.perf_counter(), time.process_time()
        clusters = tool(gold)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    peak = None
    if memory:
        clear_caches()
        gc.collect()
        tracemalloc.start()
        tool(gold)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return score(gold.groups, clusters), times, peak, cpu


HEADER = ("| set | records | to remove | tool | FP | FN | sensitivity | specificity | wrong merges "
          "| seconds | CPU s | peak MiB |\n|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")


def row(gold: GoldSet, tool: str, result: tuple[Score, list[float], float | None, list[float]] | None) -> str:
    lead = f"| {gold.name} | {len(gold.records):,} | {gold.n_to_remove:,} | {tool} |"
    if result is None:
        return lead + " – | – | – | – | – | not run | – | – |"
    s, seconds, peak, cpu = result
    memory = f"{peak:,.0f}" if peak is not None else "–"
    return (f"{lead} {s.fp} | {s.fn} | {s.sensitivity:.4f} | {s.specificity:.4f} | {s.mixed_clusters} "
            f"| {spread(seconds)} | {spread(cpu)} | {memory} |")


CLI_HEADER = ("| set | records | slr search + slr dedupe: wall s | CPU s | FP | FN | bib-dedupe wall s | CPU s "
              "| wall ratio | CPU ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")


def cli_row(gold: GoldSet, run, bib: tuple[Score, list[float], float | None, list[float]] | None) -> str:
    """One line of the end-to-end table: our two commands against bib-dedupe in process (ratios of medians)."""
    import statistics

    def ratio(ours: list[float], theirs: list[float] | None) -> str:
        return f"{statistics.median(ours) / statistics.median(theirs):.2f}" if theirs else "–"

    bib_wall, bib_cpu = (bib[1], bib[3]) if bib else (None, None)
    return (f"| {gold.name} | {len(gold.records):,} | {spread(run.wall)} | {spread(run.cpu)} | {run.score.fp} "
            f"| {run.score.fn} | {spread(bib_wall or [])} | {spread(bib_cpu or [])} | {ratio(run.wall, bib_wall)} "
            f"| {ratio(run.cpu, bib_cpu)} |")


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


def machine() -> str:
    versions = []
    for package in ("pandas", "rapidfuzz", "bib-dedupe"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    return (f"{platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}; {', '.join(versions)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset", nargs="?", help="a set in the data folder (e.g. respiratory) or a folder path")
    parser.add_argument("--all", action="store_true", help="every set; writes bench/results/dedupe.md")
    parser.add_argument("--scale", type=int, action="append", default=[], metavar="N",
                        help="also run the set repeated to N records (perturbed copies); may repeat")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"the sets' folder (default {DEFAULT_DATA})")
    parser.add_argument("--no-bib-dedupe", action="store_true", help="run only our stage")
    parser.add_argument("--bib-dedupe-scaled", action="store_true", help="run bib-dedupe on scaled sets too")
    parser.add_argument("--no-memory", action="store_true", help="skip the traced run for peak memory")
    parser.add_argument("--repeat", type=int, default=3, metavar="N",
                        help="timed runs of our stage per set (the table gives median and range; default 3)")
    parser.add_argument("--bib-repeat", type=int, default=2, metavar="N", help="timed runs of bib-dedupe (default 2)")
    parser.add_argument("--cli-repeat", type=int, default=3, metavar="N",
                        help="end-to-end CLI runs per set, 0 to skip (default 3)")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-set-out view")
    parser.add_argument("--no-bib-memory", action="store_true", help="skip bib-dedupe's traced run for memory")
    parser.add_argument("--cli-sets", default="", metavar="A,B",
                        help="run the end-to-end CLI timing on these sets only (default: every set)")
    args = parser.parse_args(argv)
    if not args.all and not args.dataset:
        parser.error("name a DATASET or use --all")
    names = list(SETS) if args.all else [args.dataset]
    if not args.no_bib_dedupe:
        try:
            import bib_dedupe  # noqa: F401
        except ImportError:
            print("bib-dedupe is not installed: pip install 'bib-dedupe==0.11.0' (or use --no-bib-dedupe)")
            return 2
    load_start = os.getloadavg()
    lines = [HEADER]
    print(HEADER, flush=True)
    bases: list[GoldSet] = []
    bib_scores: dict[str, Score | None] = {}
    cli_lines = [CLI_HEADER]
    for name in names:
        folder = Path(name) if Path(name).is_dir() else args.data / name
        if not folder.is_dir():
            print(f"no such set: {folder}")
            return 2
        base = load_set(folder)
        bases.append(base)
        # a set of a dozen records repeated 8,000 times says nothing a larger set does not
        scales = [n for n in args.scale if len(base.records) >= 100]
        for gold, is_scaled in [(base, False), *[(scaled(base, n), True) for n in scales]]:
            results = [("ours", measure(run_ours, gold, not args.no_memory, 1 if is_scaled else args.repeat))]
            if not args.no_bib_dedupe and (not is_scaled or args.bib_dedupe_scaled):
                results.append(("bib-dedupe 0.11.0", measure(run_bib_dedupe, gold,
                                                              not (args.no_memory or args.no_bib_memory),
                                                              1 if is_scaled else args.bib_repeat)))
            elif not args.no_bib_dedupe:
                results.append(("bib-dedupe 0.11.0", None))
            for tool, result in results:
                lines.append(row(gold, tool, result))
                print(lines[-1], flush=True)
            if not is_scaled:
                bib = results[1][1] if len(results) > 1 else None
                bib_scores[base.name] = bib[0] if bib else None
                wanted = not args.cli_sets or base.name in args.cli_sets.split(",")
                run = cli_end_to_end(folder, base, args.cli_repeat) if args.cli_repeat and wanted else None
                if run is not None:
                    cli_lines.append(cli_row(base, run, bib))
                    print(cli_lines[-1], flush=True)
    loso = ""
    if not args.no_loso and len(bases) > 1:
        loso = loso_table(leave_one_set_out(bases), bib_scores)
        print(loso, flush=True)
    if args.all:
        stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(
            "# Deduplication benchmark\n\n"
            f"`python bench/dedupe.py {' '.join(sys.argv[1:] if argv is None else argv)}` on {stamp}.  \n"
            f"Machine: {machine()}.  \n"
            f"Load average (1 / 5 / 15 min) at the start {_load(load_start)}, at the end {_load(os.getloadavg())}: "
            "the machine is shared, so every tool is timed in this same run and compared by ratio.\n\n"
            "Scored per gold group (../shared/README.md): FP = unique works lost, FN = duplicates "
            "kept; wrong merges = clusters holding records of more than one gold group. Seconds from a "
            "plain run, peak memory (tracemalloc) from a second run. bib-dedupe runs with cpu=1 on "
            "the same record table; scaled sets (`xN`) repeat a set with perturbed copies "
            "(bench/dedupe_sets.py `scaled`). Seconds: median (min–max) of "
            f"{args.repeat} timed runs for ours, {args.bib_repeat} for bib-dedupe, one on scaled sets; the "
            "machine is shared (2 cores, other jobs running), so the spread is wide.\n\n" + "\n".join(lines) + "\n"
            + ("\n## End to end through the CLI\n\n`slr search` + `slr dedupe` as two subprocesses on a review "
               "root made in a temp folder (the set's CSV as `format: csv` with its `id_column`), "
               f"{args.cli_repeat} runs: wall-clock and CPU seconds of both commands (interpreter start-up "
               "included: issue 15 reduces it), the works scored against the gold groups. "
               "bib-dedupe's seconds are in-process (no start-up), from the table above: the same run, so "
               "the same load. The target (issue 16) is a wall ratio of at most 0.2.\n\n"
               + "\n".join(cli_lines) + "\n" if len(cli_lines) > 1 else "")
            + ("\n## Leave one set out\n\nFor each set, the thresholds are chosen on the other sets only "
               "(fewest FP, then fewest FN, then nearest the defaults) from a grid of same_title × same_authors "
               "(bench/dedupe_views.py `GRID`), and the set is scored with them.\n\n" + loso + "\n"
               if loso else ""),
            encoding="utf-8")
        print(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
