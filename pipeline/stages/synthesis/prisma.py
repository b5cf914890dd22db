"""PRISMA 2020 flow counts, derived from the stage outputs and checked before anything is drawn.

Needs search_log.csv (source, type, database, platform, format, records_read), the dedupe
counts (records, works) and screened.csv (status, awaiting_stage, excluded_at, exclusion_reason,
conflict, title_abstract_decision). Identification is split into databases and other methods
(websites, organisations, reference lists — a `reflist` source or a platform naming a website or
organisation), as the PRISMA 2020 flow diagram does.

Invariants (`check`): identified = records deduplicated; records − duplicates = works screened;
screened = excluded + sought + pending at title/abstract; sought = not retrieved + assessed;
assessed = excluded + included + pending at full text; included = the rows of included.csv. A
broken one is a StageError naming the step and the numbers, instead of a diagram with wrong numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...errors import StageError

NOT_RETRIEVED = ("not retrieved", "no full text")


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
    pending_title_abstract: int
    reports_sought: int
    reports_not_retrieved: int
    reports_assessed: int
    reports_excluded: int
    reports_excluded_by_reason: dict[str, int]
    pending_full_text: int
    studies_included: int
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
        out += [("Screening", "Records awaiting a title/abstract decision", self.pending_title_abstract),
                ("Screening", "Reports sought for retrieval", self.reports_sought),
                ("Screening", "Reports not retrieved", self.reports_not_retrieved),
                ("Screening", "Reports assessed for eligibility", self.reports_assessed),
                ("Screening", "Reports excluded", self.reports_excluded)]
        out += [("Screening", f"Reports excluded: {reason}", n) for reason, n in self.reports_excluded_by_reason.items()]
        out += [("Screening", "Reports awaiting a full-text decision", self.pending_full_text),
                ("Included", "Studies included in the review", self.studies_included)]
        return out


def _reasons(values: pd.Series) -> dict[str, int]:
    counts = Counter(str(v) if isinstance(v, str) and v else "no reason given" for v in values)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def prisma(search_log: pd.DataFrame, dedupe_counts: dict[str, Any], screened: pd.DataFrame) -> Prisma:
    """The flow counts (see the module docstring); call `check` before using them."""
    databases: dict[str, int] = {}
    others: dict[str, int] = {}
    for row in search_log.to_dict("records"):
        name = str(row.get("database") or row["source"])
        target = others if is_other_method(row) else databases
        target[name] = target.get(name, 0) + int(row.get("records_read") or 0)
    status = screened["status"]
    conflict_stage = screened["conflict"].fillna("").str.split(":").str[0]
    at_ta = (screened["awaiting_stage"] == "title_abstract") | (conflict_stage == "title_abstract")
    at_ft = (screened["awaiting_stage"] == "full_text") | (conflict_stage == "full_text")
    excluded_ta = screened[screened["excluded_at"] == "title_abstract"]
    excluded_ft = screened[screened["excluded_at"] == "full_text"]
    not_retrieved = excluded_ft["exclusion_reason"].fillna("").str.lower().str.contains("|".join(NOT_RETRIEVED))
    sought = int(screened["title_abstract_decision"].isin(["include", "maybe"]).sum())
    result = Prisma(
        databases=databases, other_methods=others,
        records_identified=sum(databases.values()) + sum(others.values()),
        duplicates_removed=int(dedupe_counts.get("records", 0)) - int(dedupe_counts.get("works", 0)),
        records_screened=len(screened), records_excluded=len(excluded_ta),
        records_excluded_by_reason=_reasons(excluded_ta["exclusion_reason"]),
        pending_title_abstract=int(at_ta.sum()), reports_sought=sought,
        reports_not_retrieved=int(not_retrieved.sum()), reports_assessed=sought - int(not_retrieved.sum()),
        reports_excluded=int((~not_retrieved).sum()),
        reports_excluded_by_reason=_reasons(excluded_ft.loc[~not_retrieved, "exclusion_reason"]),
        pending_full_text=int(at_ft.sum()), studies_included=int((status == "included").sum()),
    )
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
        ("title/abstract screening", p.records_screened,
         p.records_excluded + p.reports_sought + p.pending_title_abstract,
         "screened = excluded + sought for retrieval + awaiting", "run `slr screen` again"),
        ("retrieval", p.reports_sought, p.reports_not_retrieved + p.reports_assessed,
         "sought = not retrieved + assessed", "run `slr screen` again"),
        ("full-text assessment", p.reports_assessed, p.reports_excluded + p.studies_included + p.pending_full_text,
         "assessed = excluded + included + awaiting", "run `slr screen` again"),
    ]
    if included_rows is not None:
        steps.append(("inclusion", p.studies_included, included_rows,
                      "works included in screened.csv = rows of included.csv", "run `slr screen` again"))
    for step, left, right, rule, hint in steps:
        if left != right:
            raise StageError(f"synthesize: the PRISMA counts do not add up at {step}: {rule}, but {left} ≠ {right}",
                             hint=f"an earlier stage's outputs are out of date; {hint} (see `slr status`)")
