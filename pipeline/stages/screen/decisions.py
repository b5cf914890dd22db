"""Final screening decisions: reviewers' ledger rows over the criteria's proposals, per work and stage.

Needs the works with their proposals (`criteria.propose`: work_id, record_ids, proposed_decision,
proposed_reason) and the ledger rows (work_id, stage, reviewer, role, decision, reason, time,
record_ids). Adds, per stage, `<stage>_decision`, `<stage>_reason`, `<stage>_decided_by`, and per
work `status` (included / excluded / awaiting / conflict), `excluded_at`, `exclusion_reason`.

Rules, per work and stage (a reader can check them against screened.csv):

- Decisions follow works. A ledger row names the work it was made on; when dedupe has since
  merged or split works, the row applies to the current work(s) holding the records it was made
  on. Two decided works merging with different decisions is a conflict, never an overwrite.
- The latest row of each reviewer counts (the ledger keeps the history). A `resolution` row (a
  third reviewer or consensus, from conflicts.xlsx) settles the work whatever the reviewers said.
- Reviewers who agree decide (`decided_by` "ana" or "ana+bo"); reviewers who disagree make a
  conflict. With `reviewers: 2`, one decision is not enough: the work awaits the second reviewer.
- Without a human decision, the proposal stands only when the protocol sets `accept_proposals`
  and the proposal is include or exclude (`decided_by` "criteria"); otherwise the work awaits.
- At title/abstract, include and maybe both send a work on to full text (so one reviewer's
  include and another's maybe agree, as "maybe"); at full text, maybe is no decision
  (`flow.is_decision`): the work still awaits that reviewer, and is no conflict.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...ledger_follow import follow_works
from .flow import RESOLUTION, STAGES, is_decision, passes

LEDGER_COLUMNS: tuple[str, ...] = ("work_id", "stage", "reviewer", "role", "decision", "reason", "note", "time",
                                   "workbook", "workbook_checksum", "record_ids")


@dataclass
class Outcome:
    """The final decision of one work at one stage."""

    decision: str | None          # include / exclude / maybe / None (awaiting) / "conflict"
    reason: str | None = None
    decided_by: str | None = None
    detail: str | None = None     # why a conflict is one
    reviewers: dict[str, str] = field(default_factory=dict)  # reviewer → decision (latest)


def map_ledger(ledger: pd.DataFrame | None, works: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows with `work_id` rewritten to the current works (`ledger_follow.follow_works`)."""
    return follow_works(ledger, works, LEDGER_COLUMNS, note="note")


def stage_outcome(rows: Sequence[Mapping[str, Any]], proposal: tuple[str | None, str | None], *,
                  reviewers_needed: int, accept_proposals: bool, stage: str = STAGES[0]) -> Outcome:
    """One work at one stage: its mapped ledger rows (oldest first) and its proposal → Outcome."""
    resolutions = [r for r in rows if r.get("role") == RESOLUTION and is_decision(stage, r["decision"])]
    latest: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("role") != RESOLUTION:
            latest[str(row["reviewer"])].append(row)
    # A reviewer's latest row per original work; several originals (a merge) may disagree.
    per_reviewer: dict[str, Mapping[str, Any]] = {}
    merged_disagreement = []
    for reviewer, items in latest.items():
        by_origin: dict[str, Mapping[str, Any]] = {}
        for item in items:
            by_origin[str(item.get("_origin") or item["work_id"])] = item
        decisions = {(i["decision"], i.get("reason")) for i in by_origin.values() if is_decision(stage, i["decision"])}
        if len(decisions) > 1:
            merged_disagreement.append(reviewer)
        if is_decision(stage, items[-1]["decision"]):  # a full-text maybe: this reviewer has not decided
            per_reviewer[reviewer] = items[-1]
    seen = {name: str(row["decision"]) for name, row in per_reviewer.items()}
    if resolutions:
        last = resolutions[-1]
        return Outcome(last["decision"], last.get("reason"), f"{last['reviewer']} (resolution)", reviewers=seen)
    if merged_disagreement:
        return Outcome("conflict", None, None, f"works merged by dedupe carry different decisions by "
                       f"{', '.join(sorted(merged_disagreement))}", seen)
    if per_reviewer:
        decisions = {(row["decision"], row.get("reason") if row["decision"] == "exclude" else None)
                     for row in per_reviewer.values()}
        names = "+".join(sorted(per_reviewer))
        kinds = {d for d, _ in decisions}
        if stage == STAGES[0] and kinds == {"include", "maybe"}:
            # Both send the work on to full text: not a disagreement at this stage.
            decisions = {("maybe", None)}
            kinds = {"maybe"}
        if len(kinds) > 1:
            detail = "; ".join(f"{name}: {row['decision']}" for name, row in sorted(per_reviewer.items()))
            return Outcome("conflict", None, None, f"reviewers disagree ({detail})", seen)
        if len(per_reviewer) < reviewers_needed:
            return Outcome(None, None, None, f"awaiting a second reviewer ({names} decided)", seen)
        decision = next(iter(decisions))[0]
        reasons = sorted({str(r) for _, r in decisions if r})
        return Outcome(decision, "; ".join(reasons) or None, names, reviewers=seen)
    proposed, reason = proposal
    if accept_proposals and proposed in ("include", "exclude"):
        return Outcome(proposed, reason, "criteria")
    return Outcome(None)


def final_decisions(works: pd.DataFrame, ledger: pd.DataFrame | None, *, reviewers_needed: int = 1,
                    accept_proposals: bool = False) -> pd.DataFrame:
    """screened.csv: every work with its per-stage outcome and overall status (see module doc)."""
    mapped = map_ledger(ledger if ledger is not None else pd.DataFrame(columns=list(LEDGER_COLUMNS)), works)
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    if len(mapped):
        mapped = mapped.sort_values("time", kind="stable")
        for row in mapped.to_dict("records"):
            grouped[(row["work_id"], row["stage"])].append(row)
    out = works.copy()
    columns: dict[str, list[Any]] = defaultdict(list)
    last = STAGES[-1]
    # Only three columns are needed per work: zip them (to_dict over every column is slow at 50,000).
    def column(name: str) -> list[Any]:
        return works[name].tolist() if name in works.columns else [None] * len(works)

    for work_id, proposed, proposed_reason in zip(column("work_id"), column("proposed_decision"),
                                                  column("proposed_reason"), strict=True):
        proposal = (proposed, proposed_reason)
        status, excluded_at, why, conflict, awaiting = "awaiting", None, None, None, None
        reached = True
        for stage in STAGES:
            if not reached:
                for suffix in ("decision", "reason", "decided_by"):
                    columns[f"{stage}_{suffix}"].append(None)
                continue
            outcome = stage_outcome(grouped.get((work_id, stage), []), proposal, stage=stage,
                                    reviewers_needed=reviewers_needed, accept_proposals=accept_proposals)
            columns[f"{stage}_decision"].append(outcome.decision)
            columns[f"{stage}_reason"].append(outcome.reason)
            columns[f"{stage}_decided_by"].append(outcome.decided_by or outcome.detail)
            if outcome.decision == "conflict":
                status, conflict, reached = "conflict", f"{stage}: {outcome.detail}", False
            elif outcome.decision == "exclude":
                status, excluded_at, why, reached = "excluded", stage, outcome.reason, False
            elif passes(stage, outcome.decision):
                status = "included" if stage == last else status
            else:  # no decision yet, or maybe at full text
                awaiting, reached = stage, False
        columns["status"].append(status)
        columns["awaiting_stage"].append(awaiting)
        columns["excluded_at"].append(excluded_at)
        columns["exclusion_reason"].append(why)
        columns["conflict"].append(conflict)
    for name, values in columns.items():
        out[name] = pd.Series(values, index=out.index, dtype=object)
    return out
