"""PRISMA 2020 flow counts, derived from the stage outputs and checked before anything is drawn.

Needs search_log.csv (source, type, database, platform, format, records_read), the dedupe
counts (records, works) and screened.csv (status, awaiting_stage, excluded_at, exclusion_reason,
conflict, title_abstract_decision). Identification is split into databases and other methods
(websites, organisations, reference lists — a `reflist` source or a platform naming a website or
organisation), as the PRISMA 2020 flow diagram does.

The screening counts and their sums are `stages.screen.flow`'s (the same as `slr screen status`
and the screen manifest). Invariants (`check`): identified = records deduplicated; records −
duplicates = works screened; then flow's sums (screened = excluded + sought + awaiting +
conflicts; sought = not retrieved + assessed; assessed = excluded + included + awaiting +
conflicts); included = the rows of included.csv. A broken one is a StageError naming the step
and the numbers, instead of a diagram with wrong numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ...errors import StageError
from ..screen.flow import count_rules, prisma_counts


def is_other_method(row: dict[str, Any]) -> bool:
    text = f"{row.get('platform') or ''} {row.get('database') or ''}".lower()
    if row.get("type") == "suggestions":  # readers' suggestions (issue 19)
        return True
    return row.get("format") == "reflist" or "website" in text or "organisation" in text or "organization" in text


@dataclass
class Prisma:
    databases: dict[str, int]
    other_methods: dict[str, int]
    records_identified: int
    duplicates_removed: int
    records_screened: int
    records_excluded: int
    records_excluded_by_reason: dict[str, int]
    awaiting_title_abstract: int
    reports_sought: int
    reports_not_retrieved: int
    reports_assessed: int
    reports_excluded: int
    reports_excluded_by_reason: dict[str, int]
    awaiting_full_text: int
    studies_included: int
    conflicts_title_abstract: int = 0
    conflicts_full_text: int = 0
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, str, int]]:
        """(section, item, count): the PRISMA sheet and table."""
        out = [("Identification", f"Records from {name} (database)", n) for name, n in self.databases.items()]
        out += [("Identification", f"Records from {name} (other methods)", n) for name, n in self.other_methods.items()]
        out += [("Identification", "Records identified", self.records_identified),
                ("Identification", "Duplicate records removed", self.duplicates_removed),
                ("Screening", "Records screened (title/abstract)", self.records_screened),
                ("Screening", "Records excluded", self.records_excluded)]
        out += [("Screening", f"Records excluded: {reason}", n) for reason, n in self.records_excluded_by_reason.items()]
        out += [("Screening", "Records awaiting a title/abstract decision", self.awaiting_title_abstract)]
        if self.conflicts_title_abstract:
            out.append(("Screening", "Records in conflict at title/abstract", self.conflicts_title_abstract))
        out += [
                ("Screening", "Reports sought for retrieval", self.reports_sought),
                ("Screening", "Reports not retrieved", self.reports_not_retrieved),
                ("Screening", "Reports assessed for eligibility", self.reports_assessed),
                ("Screening", "Reports excluded", self.reports_excluded)]
        out += [("Screening", f"Reports excluded: {reason}", n) for reason, n in self.reports_excluded_by_reason.items()]
        out += [("Screening", "Reports awaiting a full-text decision", self.awaiting_full_text)]
        if self.conflicts_full_text:
            out.append(("Screening", "Reports in conflict at full text", self.conflicts_full_text))
        out += [
                ("Included", "Studies included in the review", self.studies_included)]
        return out


def prisma(search_log: pd.DataFrame, dedupe_counts: dict[str, Any], screened: pd.DataFrame) -> Prisma:
    """The flow counts (see the module docstring); call `check` before using them."""
    databases: dict[str, int] = {}
    others: dict[str, int] = {}
    for row in search_log.to_dict("records"):
        name = str(row.get("database") or row["source"])
        target = others if is_other_method(row) else databases
        target[name] = target.get(name, 0) + int(row.get("records_read") or 0)
    counts = prisma_counts(screened)
    screening = {name: counts[name] for name in (
        "records_screened", "records_excluded", "records_excluded_by_reason", "awaiting_title_abstract",
        "conflicts_title_abstract", "reports_sought", "reports_not_retrieved", "reports_assessed", "reports_excluded",
        "reports_excluded_by_reason", "awaiting_full_text", "conflicts_full_text", "studies_included")}
    result = Prisma(
        databases=databases, other_methods=others,
        records_identified=sum(databases.values()) + sum(others.values()),
        duplicates_removed=int(dedupe_counts.get("records", 0)) - int(dedupe_counts.get("works", 0)), **screening)
    result.notes.append(f"dedupe counted {dedupe_counts.get('records')} records in and {dedupe_counts.get('works')} works")
    return result


def check(p: Prisma, dedupe_counts: dict[str, Any], included_rows: int | None = None) -> None:
    """Raise a StageError naming the first PRISMA step whose numbers do not add up (`included_rows`:
    the rows of included.csv, which must be the works screened.csv marks included)."""
    steps = [
        ("identification", p.records_identified, int(dedupe_counts.get("records", -1)),
         "records identified (search log) = records deduplicated (02_dedupe)", "run `slr dedupe` after `slr search`"),
        ("deduplication", p.records_identified - p.duplicates_removed, p.records_screened,
         "records identified − duplicates removed = works screened", "run `slr screen` after `slr dedupe`"),
    ]
    steps += [(step, left, right, rule, "run `slr screen` again") for step, left, right, rule in count_rules(asdict(p))]
    if included_rows is not None:
        steps.append(("inclusion", p.studies_included, included_rows,
                      "works included in screened.csv = rows of included.csv", "run `slr screen` again"))
    for step, left, right, rule, hint in steps:
        if left != right:
            raise StageError(f"synthesize: the PRISMA counts do not add up at {step}: {rule}, but {left} ≠ {right}",
                             hint=f"an earlier stage's outputs are out of date; {hint} (see `slr status`)")
