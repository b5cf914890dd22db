"""PRISMA 2020 flow counts, derived from the stage outputs and checked before anything is drawn.

Needs search_log.csv (source, type, database, platform, format, records_read), the dedupe
counts (records, works) and screened.csv (status, awaiting_stage, excluded_at, exclusion_reason,
conflict, title_abstract_decision; `sources` and `title_abstract_decided_by` where present).
Identification is split into databases, registers (a database or platform naming a register or
registry) and other methods (websites, organisations, reference lists — a `reflist` source or a
platform naming a website or organisation — and citation searching, `type: citations`), as the
PRISMA 2020 flow diagram does.

The PRISMA 2020 boxes beyond the one combined flow:
- records marked as ineligible by automation tools: title/abstract exclusions the protocol's
  criteria made (`decided_by` "criteria"), apart from the reviewers' (`records_excluded` stays
  their sum);
- the other-methods flow (`other_methods_flow`): the works found only by other methods (no record
  from a database or register), through screening, retrieval and assessment, with the same sums;
  the database flow is the total minus it;
- the updated-review variant, when the protocol names the previous version's included studies
  (`synthesis.previous_version`, a CSV with `work_id` and/or `doi`): studies included in the
  previous version, the new studies (included now, matched to none of them by work id or DOI),
  and the total (previous + new);
- reports of included studies: slr keeps one report per study (dedupe merges the records of one
  report; it does not link several reports of one study), so it equals the studies included.

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
from ...records import normalise_doi
from ..screen.flow import count_rules, prisma_counts


#: The `decided_by` of a decision the protocol's criteria made (pipeline/stages/screen/decisions.py).
AUTOMATION = "criteria"


def is_other_method(row: dict[str, Any]) -> bool:
    text = f"{row.get('platform') or ''} {row.get('database') or ''}".lower()
    if row.get("type") == "suggestions":  # readers' suggestions (issue 19)
        return True
    return (row.get("format") == "reflist" or row.get("type") == "citations" or "website" in text
            or "organisation" in text or "organization" in text)


def is_register(row: dict[str, Any]) -> bool:
    """A trial or study register (ClinicalTrials.gov, ICTRP, a registry export): PRISMA counts them apart."""
    text = f"{row.get('platform') or ''} {row.get('database') or ''}".lower()
    return not is_other_method(row) and ("register" in text or "registry" in text)


def automation_split(screened: pd.DataFrame) -> dict[str, Any]:
    """Title/abstract exclusions made by the criteria (automation tools) and by reviewers, by reason."""
    excluded = screened[screened["excluded_at"] == "title_abstract"]
    by = excluded.get("title_abstract_decided_by", pd.Series("", index=excluded.index)).fillna("")
    auto, human = excluded[by == AUTOMATION], excluded[by != AUTOMATION]
    return {"records_marked_ineligible_by_automation": len(auto),
            "records_marked_ineligible_by_automation_by_reason": _by_reason(auto),
            "records_excluded_by_reviewers": len(human), "records_excluded_by_reviewers_by_reason": _by_reason(human)}


def _by_reason(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["exclusion_reason"].fillna("no reason given").astype(str).value_counts()
    return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def other_only(screened: pd.DataFrame, other_sources: set[str]) -> pd.Series:
    """Works every record of which came from other methods (none from a database or register)."""
    if "sources" not in screened.columns:
        return pd.Series(False, index=screened.index)
    names = screened["sources"].fillna("").astype(str).str.split(";")
    return names.map(lambda parts: bool([p for p in parts if p.strip()])
                     and all(p.strip() in other_sources for p in parts if p.strip()))


def other_methods_flow(screened: pd.DataFrame, other_sources: set[str], records: int) -> dict[str, Any]:
    """The PRISMA 2020 other-methods column: the works found only by other methods, screened,
    sought, assessed and included, with automation exclusions apart (empty without such works)."""
    mask = other_only(screened, other_sources)
    if not mask.any():
        return {}
    part = screened[mask]
    counts = prisma_counts(part)
    counts.pop("conflicts", None)
    return {"records_identified": records, **counts, **automation_split(part)}


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
    registers: dict[str, int] = field(default_factory=dict)
    records_marked_ineligible_by_automation: int = 0
    records_marked_ineligible_by_automation_by_reason: dict[str, int] = field(default_factory=dict)
    records_excluded_by_reviewers: int = 0
    records_excluded_by_reviewers_by_reason: dict[str, int] = field(default_factory=dict)
    reports_of_included_studies: int = 0
    other_methods_flow: dict[str, Any] = field(default_factory=dict)
    #: The updated-review variant (None: not an update): the previous version's studies, the new ones, all.
    previous_studies: int | None = None
    new_studies_included: int | None = None
    total_studies_included: int | None = None

    def database_flow(self) -> dict[str, Any]:
        """The databases-and-registers column: the totals minus the other-methods flow."""
        other = self.other_methods_flow
        keys = ("records_screened", "records_excluded", "records_marked_ineligible_by_automation",
                "records_excluded_by_reviewers", "awaiting_title_abstract", "conflicts_title_abstract",
                "reports_sought", "reports_not_retrieved", "reports_assessed", "reports_excluded",
                "awaiting_full_text", "conflicts_full_text", "studies_included")
        flow: dict[str, Any] = {key: getattr(self, key) - int(other.get(key, 0)) for key in keys}
        for key in ("records_excluded_by_reason", "records_marked_ineligible_by_automation_by_reason",
                    "records_excluded_by_reviewers_by_reason", "reports_excluded_by_reason"):
            left = {k: n - int((other.get(key) or {}).get(k, 0)) for k, n in getattr(self, key).items()}
            flow[key] = {k: n for k, n in left.items() if n}
        return flow

    def duplicates_split(self) -> tuple[int, int]:
        """(removed from the databases-and-registers column, removed from the other-methods column).

        With a column of its own for other methods, each column's arithmetic must close: records a
        database or register found − its duplicates = the works that column screens; the other
        methods' records that duplicated each other or a database record are the rest. Without that
        column (or a flow that does not split cleanly), all duplicates are the first column's."""
        if not self.other_methods_flow:
            return self.duplicates_removed, 0
        found = sum(self.databases.values()) + sum(self.registers.values())
        first = found - self.database_flow()["records_screened"]
        if not 0 <= first <= self.duplicates_removed:
            return self.duplicates_removed, 0
        return first, self.duplicates_removed - first

    def rows(self) -> list[tuple[str, str, int]]:
        """(section, item, count): the PRISMA sheet and table."""
        out = [("Identification", f"Records from {name} (database)", n) for name, n in self.databases.items()]
        out += [("Identification", f"Records from {name} (register)", n) for name, n in self.registers.items()]
        out += [("Identification", f"Records from {name} (other methods)", n) for name, n in self.other_methods.items()]
        out += [("Identification", "Records identified", self.records_identified),
                ("Identification", "Duplicate records removed", self.duplicates_removed),
                ("Identification", "Records marked as ineligible by automation tools",
                 self.records_marked_ineligible_by_automation),
                ("Screening", "Records screened (title/abstract)", self.records_screened),
                ("Screening", "Records excluded", self.records_excluded),
                ("Screening", "Records excluded by reviewers", self.records_excluded_by_reviewers)]
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
        other = self.other_methods_flow
        if other:
            out += [("Other methods", label, int(other[key])) for key, label in (
                ("records_identified", "Records identified from other methods"),
                ("records_screened", "Works found only by other methods, screened"),
                ("records_marked_ineligible_by_automation", "Marked as ineligible by automation tools"),
                ("records_excluded_by_reviewers", "Excluded by reviewers"),
                ("reports_sought", "Reports sought for retrieval"),
                ("reports_not_retrieved", "Reports not retrieved"),
                ("reports_assessed", "Reports assessed for eligibility"),
                ("reports_excluded", "Reports excluded"),
                ("studies_included", "Studies included"))]
        out += [
                ("Included", "Studies included in the review", self.studies_included),
                ("Included", "Reports of included studies", self.reports_of_included_studies)]
        if self.previous_studies is not None:
            out += [("Previous studies", "Studies included in the previous version of the review", self.previous_studies),
                    ("Included", "New studies included in the review", int(self.new_studies_included or 0)),
                    ("Included", "Total studies included in the review", int(self.total_studies_included or 0))]
        return out


def updated_review(screened: pd.DataFrame, previous: pd.DataFrame) -> tuple[int, int]:
    """(studies in the previous version, new studies): a work included now is new unless its work
    id or DOI is one of the previous version's."""
    ids = set(previous["work_id"].dropna().astype(str)) if "work_id" in previous.columns else set()
    dois = {normalise_doi(d) for d in previous["doi"]} - {None} if "doi" in previous.columns else set()
    included = screened[screened["status"] == "included"]
    doi_col = included["doi"] if "doi" in included.columns else pd.Series(None, index=included.index)
    known = included["work_id"].astype(str).isin(ids) | doi_col.map(normalise_doi).isin(dois)
    return len(previous), int((~known).sum())


def prisma(search_log: pd.DataFrame, dedupe_counts: dict[str, Any], screened: pd.DataFrame,
           previous: pd.DataFrame | None = None) -> Prisma:
    """The flow counts (see the module docstring); call `check` before using them. `previous`: the
    previous version's included studies, for the updated-review variant."""
    databases: dict[str, int] = {}
    registers: dict[str, int] = {}
    others: dict[str, int] = {}
    other_sources: set[str] = set()
    for row in search_log.to_dict("records"):
        name = str(row.get("database") or row["source"])
        target = others if is_other_method(row) else registers if is_register(row) else databases
        target[name] = target.get(name, 0) + int(row.get("records_read") or 0)
        if is_other_method(row):
            other_sources.add(str(row["source"]))
    counts = prisma_counts(screened)
    screening = {name: counts[name] for name in (
        "records_screened", "records_excluded", "records_excluded_by_reason", "awaiting_title_abstract",
        "conflicts_title_abstract", "reports_sought", "reports_not_retrieved", "reports_assessed", "reports_excluded",
        "reports_excluded_by_reason", "awaiting_full_text", "conflicts_full_text", "studies_included")}
    result = Prisma(
        databases=databases, other_methods=others, registers=registers,
        records_identified=sum(databases.values()) + sum(registers.values()) + sum(others.values()),
        duplicates_removed=int(dedupe_counts.get("records", 0)) - int(dedupe_counts.get("works", 0)), **screening,
        **automation_split(screened), reports_of_included_studies=screening["studies_included"],
        other_methods_flow=other_methods_flow(screened, other_sources, sum(others.values())))
    result.notes.append(f"dedupe counted {dedupe_counts.get('records')} records in and {dedupe_counts.get('works')} works")
    if previous is not None:
        result.previous_studies, result.new_studies_included = updated_review(screened, previous)
        result.total_studies_included = result.previous_studies + result.new_studies_included
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
    steps.append(("automation", p.records_excluded,
                  p.records_marked_ineligible_by_automation + p.records_excluded_by_reviewers,
                  "records excluded = marked ineligible by automation tools + excluded by reviewers", "run `slr screen` again"))
    if p.previous_studies is not None:
        steps.append(("updated review", int(p.total_studies_included or 0),
                      p.previous_studies + int(p.new_studies_included or 0),
                      "total studies = studies in the previous version + new studies", "run `slr synthesize` again"))
    if p.other_methods_flow:
        other = p.other_methods_flow
        steps += [(f"other methods, {step}", left, right, rule, "run `slr screen` again")
                  for step, left, right, rule in count_rules(other)]
        steps.append(("other methods, automation", other["records_excluded"],
                      other["records_marked_ineligible_by_automation"] + other["records_excluded_by_reviewers"],
                      "records excluded = marked ineligible by automation tools + excluded by reviewers",
                      "run `slr screen` again"))
        database = p.database_flow()
        steps += [(f"databases and registers, {step}", left, right, rule, "run `slr screen` again")
                  for step, left, right, rule in count_rules(database)]
    if included_rows is not None:
        steps.append(("inclusion", p.studies_included, included_rows,
                      "works included in screened.csv = rows of included.csv", "run `slr screen` again"))
    for step, left, right, rule, hint in steps:
        if left != right:
            raise StageError(f"synthesize: the PRISMA counts do not add up at {step}: {rule}, but {left} ≠ {right}",
                             hint=f"an earlier stage's outputs are out of date; {hint} (see `slr status`)")
