"""Two views of the deduplication benchmark that cannot flatter (used by bench/dedupe.py).

- `leave_one_set_out`: for each labelled set, the thresholds are chosen on the *other* sets only
  (fewest unique works lost, then fewest duplicates kept, then nearest the defaults), and the set is
  scored with them. The rules themselves were written looking at every shared set, which this view
  cannot undo; sets nobody here has seen are the real test (bench/results/dedupe.md says so).
- `cli_end_to_end`: `slr search` + `slr dedupe` as two subprocesses on a review root made in a temp
  folder, the set's CSV as a user would give it (`format: csv`, `id_column`), timed as wall-clock
  and CPU seconds, and the works it writes scored against the gold groups.
"""

from __future__ import annotations

import csv
import itertools
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from dedupe_sets import GoldSet, Score, score

from pipeline.config import DedupeConfig
from pipeline.stages.dedupe import dedupe

#: The thresholds the leave-one-set-out view chooses among (DedupeConfig fields).
GRID: dict[str, tuple[float, ...]] = {
    "same_title": (0.93, 0.95, 0.97),
    "same_authors": (0.85, 0.90, 0.95),
}


def configs() -> list[DedupeConfig]:
    base = DedupeConfig()
    out = []
    for values in itertools.product(*GRID.values()):
        changes = dict(zip(GRID, values, strict=True))
        if changes["same_title"] < base.similar_title:
            continue
        out.append(replace(base, **changes))
    return out


def _distance(config: DedupeConfig) -> float:
    base = DedupeConfig()
    return sum(abs(getattr(config, name) - getattr(base, name)) for name in GRID)


def _label(config: DedupeConfig) -> str:
    return ", ".join(f"{name} {getattr(config, name):.2f}" for name in GRID)


@dataclass
class HeldOut:
    name: str
    chosen: DedupeConfig
    train: tuple[int, int]  # FP, FN summed over the other sets with the chosen thresholds
    held: Score
    default: Score


def leave_one_set_out(sets: list[GoldSet]) -> list[HeldOut]:
    """Per set: thresholds chosen on the others, and the set's score with them (and with the defaults)."""
    grid = configs()
    scores: dict[tuple[int, str], Score] = {}
    for k, config in enumerate(grid):
        for gold in sets:
            result = dedupe(gold.records, config)
            scores[k, gold.name] = score(gold.groups, dict(zip(result.records["record_id"], result.records["work_id"],
                                                               strict=True)))
    default = grid.index(DedupeConfig()) if DedupeConfig() in grid else None
    out = []
    for gold in sets:
        others = [g.name for g in sets if g.name != gold.name]

        def cost(k: int) -> tuple[int, int, float]:
            return (sum(scores[k, n].fp for n in others), sum(scores[k, n].fn for n in others), _distance(grid[k]))

        best = min(range(len(grid)), key=cost)
        fp, fn, _ = cost(best)
        default_score = scores[default, gold.name] if default is not None else scores[best, gold.name]
        out.append(HeldOut(gold.name, grid[best], (fp, fn), scores[best, gold.name], default_score))
    return out


def loso_table(rows: list[HeldOut], bib: dict[str, Score | None]) -> str:
    lines = ["| held-out set | thresholds chosen on the other sets | their FP / FN | held-out FP | held-out FN "
             "| with defaults FP / FN | bib-dedupe FP / FN |", "|---|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        other = bib.get(row.name)
        theirs = f"{other.fp} / {other.fn}" if other else "–"
        lines.append(f"| {row.name} | {_label(row.chosen)} | {row.train[0]} / {row.train[1]} | {row.held.fp} "
                     f"| {row.held.fn} | {row.default.fp} / {row.default.fn} | {theirs} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# End to end through the CLI

#: Per set: the CSV a user would import, its id column, and how gold ids are spelled from it.
CLI_FILES = {
    "cytology_screening": ("records_pre_merged.csv", "ID", lambda rid: rid),
    "respiratory": ("records_pre_merged.csv", "ID", lambda rid: rid),
    "special_cases": ("records_pre_merged.csv", "ID", lambda rid: rid),
    "diabetes": ("records_with_groups.csv", "record_id", lambda rid: f"id_{int(rid):07d}"),
    "copper": ("copper.csv", "rec_number", lambda rid: rid),
}

#: Columns of a set's CSV that are not what their header says (dedupe_sets.py reads them so too).
NOT_AN_ISSUE = {"respiratory": "number"}


def _without_column(source: Path, target: Path, column: str) -> None:
    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = [f for f in rows[0] if f != column] if rows else []
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, quoting=csv.QUOTE_ALL, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


_PROTOCOL = """id: bench
title: "dedupe benchmark"
research_questions:
  RQ1: none
sources:
  - name: {name}
    type: file
    path: data/bench/imports/{file}
    format: csv
    id_column: {id_column}
dedupe: {{}}
screening:
  reasons: [none]
"""


@dataclass
class CliRun:
    wall: list[float]  # seconds, both commands, per repeat
    cpu: list[float]  # user + system seconds of the two child processes, per repeat
    score: Score | None


def _slr() -> list[str]:
    found = shutil.which("slr", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "pipeline.cli"]


def cli_end_to_end(folder: Path, gold: GoldSet, repeat: int) -> CliRun | None:
    """Time `slr search` + `slr dedupe` on a fresh review root per repeat; score the last run."""
    if gold.name not in CLI_FILES:
        return None
    file, id_column, to_gold = CLI_FILES[gold.name]
    wall, cpu = [], []
    clusters: dict[str, str] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="slr-bench-") as tmp:
            root = Path(tmp) / "review"
            (root / "config").mkdir(parents=True)
            (root / "data" / "bench" / "imports").mkdir(parents=True)
            target = root / "data" / "bench" / "imports" / file
            if gold.name in NOT_AN_ISSUE:
                # respiratory's "number" is a record number (a permutation of 1..n), not an issue:
                # the loader leaves it out for both tools, and so does the user's file here
                _without_column(folder / file, target, NOT_AN_ISSUE[gold.name])
            else:
                shutil.copy(folder / file, target)
            (root / "config" / "review.yaml").write_text(
                _PROTOCOL.format(name=gold.name, file=file, id_column=id_column), encoding="utf-8")
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            for command in ("search", "dedupe"):
                subprocess.run([*_slr(), "--root", str(root), command], check=True, capture_output=True,
                               env={**os.environ, "PYTHONHASHSEED": "0"})
            wall.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
            with open(root / "outputs" / "bench" / "02_dedupe" / "records.csv", encoding="utf-8", newline="") as handle:
                prefix = f"{gold.name}:"
                clusters = {prefix + to_gold(row["record_id"].split(":", 1)[1]): row["work_id"]
                            for row in csv.DictReader(handle)}
    return CliRun(wall, cpu, score(gold.groups, clusters))


def spread(values: list[float]) -> str:
    """"median (min–max)" in seconds, or the one value."""
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.1f}"
    return f"{statistics.median(values):.1f} ({min(values):.1f}–{max(values):.1f})"
