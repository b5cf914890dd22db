"""Where each work stands in screening: the maybe rule, what awaits whom, and the PRISMA counts.

The one home of these rules; `slr screen` (workbooks, manifest), `slr screen status`, the ranker's
stopping figures, prisma.json and the PRISMA diagram all take them from here, so they cannot
disagree. Needs screened.csv's columns (`decisions.final_decisions`): `<stage>_decision`,
`status`, `awaiting_stage`, `excluded_at`, `exclusion_reason`, `conflict`.

- **The maybe rule.** At title/abstract, include and maybe both send a work on to full text. At
  full text a maybe is no decision: the work stays awaiting and comes back to that reviewer.
- **What awaits whom.** A work awaits a decision at a stage when it reached the stage, has no
  final decision there, and is no conflict. It awaits a reviewer when that reviewer's latest
  decision there is none (or a full-text maybe); blind: other reviewers' decisions are not used.
- **The counts.** Each work screened at title/abstract is exactly one of excluded, sought for
  retrieval, awaiting, or in conflict there; each report sought is not retrieved or assessed;
  each report assessed is excluded, included, awaiting, or in conflict at full text.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

STAGES: tuple[str, ...] = ("title_abstract", "full_text")
RESOLUTION = "resolution"
#: Title/abstract decisions that send a work on to full text.
PASSES = frozenset({"include", "maybe"})
#: A full-text exclusion whose reason says this is a report not retrieved, not one assessed.
NOT_RETRIEVED = ("not retrieved", "no full text")


def is_decision(stage: str, decision: Any) -> bool:
    """Whether a reviewer's `decision` at `stage` decides anything: a full-text maybe does not."""
    if decision is None or (isinstance(decision, float) and decision != decision) or decision == "":
        return False
    return not (stage == STAGES[-1] and decision == "maybe")


def passes(stage: str, decision: Any) -> bool:
    """Whether a final `decision` at `stage` lets the work go on (to full text, or to inclusion)."""
    return decision == "include" or (decision == "maybe" and stage != STAGES[-1])


def awaiting_at(screened: pd.DataFrame, stage: str) -> pd.Series:
    """Works awaiting a decision at `stage` (reached it, undecided there, not a conflict)."""
    return (screened["awaiting_stage"] == stage) & (screened["status"] == "awaiting")


def conflict_at(screened: pd.DataFrame, stage: str) -> pd.Series:
    """Works in conflict at `stage`."""
    return (screened["status"] == "conflict") & (screened["conflict"].fillna("").str.split(":").str[0] == stage)


def awaiting_reviewer(screened: pd.DataFrame, mapped: pd.DataFrame | None, reviewer: str, stage: str,
                      order: pd.Series | None = None) -> pd.DataFrame:
    """Works awaiting `reviewer` at `stage`, most relevant first.

    Blind: only this reviewer's own decisions are used. The order is the protocol's relevance
    score unless `order` (work_id → score, higher first) is given: where the ranker plugs in.
    """
    open_ = screened[awaiting_at(screened, stage)]
    if mapped is not None and len(mapped):
        mine = mapped[(mapped["stage"] == stage) & (mapped["reviewer"] == reviewer) & (mapped["role"] != RESOLUTION)]
        latest = mine.sort_values("time", kind="stable").groupby("work_id")["decision"].last()
        decided = {work for work, decision in latest.items() if is_decision(stage, decision)}
        open_ = open_[~open_["work_id"].isin(decided)]
    open_ = open_.assign(_order=open_["relevance_score"] if order is None else open_["work_id"].map(order))
    return open_.sort_values(["_order", "work_id"], ascending=[False, True], kind="stable").drop(columns="_order")


def prisma_counts(screened: pd.DataFrame) -> dict[str, Any]:
    """Screening's part of the PRISMA 2020 flow, with exclusion reasons per stage (see the module
    docstring for how the counts add up; `count_rules` states them)."""
    excluded_ta = screened[screened["excluded_at"] == STAGES[0]]
    excluded_ft = screened[screened["excluded_at"] == STAGES[-1]]
    not_retrieved = excluded_ft["exclusion_reason"].fillna("").str.lower().str.contains("|".join(NOT_RETRIEVED))
    sought = int(screened[f"{STAGES[0]}_decision"].isin(PASSES).sum())
    conflicts_ta, conflicts_ft = int(conflict_at(screened, STAGES[0]).sum()), int(conflict_at(screened, STAGES[-1]).sum())
    return {
        "records_screened": len(screened),
        "records_excluded": len(excluded_ta),
        "records_excluded_by_reason": _reasons(excluded_ta["exclusion_reason"]),
        "awaiting_title_abstract": int(awaiting_at(screened, STAGES[0]).sum()),
        "conflicts_title_abstract": conflicts_ta,
        "reports_sought": sought,
        "reports_not_retrieved": int(not_retrieved.sum()),
        "reports_assessed": sought - int(not_retrieved.sum()),
        "reports_excluded": int((~not_retrieved).sum()),
        "reports_excluded_by_reason": _reasons(excluded_ft.loc[~not_retrieved, "exclusion_reason"]),
        "awaiting_full_text": int(awaiting_at(screened, STAGES[-1]).sum()),
        "conflicts_full_text": conflicts_ft,
        "conflicts": conflicts_ta + conflicts_ft,
        "studies_included": int((screened["status"] == "included").sum()),
    }


def count_rules(c: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    """(step, left, right, rule) for each sum the counts must satisfy."""
    return [
        ("title/abstract screening", c["records_screened"],
         c["records_excluded"] + c["reports_sought"] + c["awaiting_title_abstract"] + c["conflicts_title_abstract"],
         "screened = excluded + sought for retrieval + awaiting + conflicts"),
        ("retrieval", c["reports_sought"], c["reports_not_retrieved"] + c["reports_assessed"],
         "sought = not retrieved + assessed"),
        ("full-text assessment", c["reports_assessed"],
         c["reports_excluded"] + c["studies_included"] + c["awaiting_full_text"] + c["conflicts_full_text"],
         "assessed = excluded + included + awaiting + conflicts"),
    ]


def _reasons(values: pd.Series) -> dict[str, int]:
    counts = Counter(str(v) if isinstance(v, str) and v else "no reason given" for v in values)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
