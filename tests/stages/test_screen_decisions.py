"""Final screening decisions, agreement and PRISMA counts (pure functions, hand-checkable cases)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.agreement import cohen_kappa
from pipeline.stages.screen.agreement import agreement
from pipeline.stages.screen.decisions import final_decisions, map_ledger, stage_outcome
from pipeline.stages.screen.flow import prisma_counts

INC, EXC = "include", "exclude"


def test_kappa_by_hand() -> None:
    # 10 works, 8 agreements: p_o = 0.8; each rater 5 include / 5 exclude: p_e = 0.5; kappa = 0.6.
    a = [INC, INC, EXC, EXC, INC, EXC, INC, INC, EXC, EXC]
    b = [INC, EXC, EXC, EXC, INC, EXC, INC, INC, INC, EXC]
    assert cohen_kappa(a, b) == pytest.approx(0.6)
    assert cohen_kappa([INC, INC], [INC, INC]) is None  # chance agreement is 1: undefined
    assert cohen_kappa([], []) is None


def test_agreement_table_pairs_and_criteria() -> None:
    latest = pd.DataFrame([
        {"work_id": w, "stage": "title_abstract", "reviewer": r, "decision": d}
        for w, (x, y) in enumerate([(INC, INC), (INC, EXC), (EXC, EXC), (EXC, EXC)])
        for r, d in (("ana", x), ("bo", y))
    ])
    proposals = pd.Series([INC, INC, "needs_human", EXC], index=[0, 1, 2, 3])
    table = agreement(latest, proposals).set_index(["rater_a", "rater_b"])
    # ana vs bo: 3 of 4 agree; p_e = (2*1 + 2*3)/16 = 0.5 → kappa 0.5
    assert table.loc[("ana", "bo"), ["works", "agreed", "percent_agreement", "kappa"]].tolist() == [4, 3, 75.0, 0.5]
    # vs criteria only where the criteria decided (needs_human is not a decision): 3 works
    assert table.loc[("ana", "criteria"), "works"] == 3 and table.loc[("ana", "criteria"), "agreed"] == 3


def row(reviewer: str, decision: str, reason: str | None = None, *, role: str = "reviewer", work: str = "W1",
        time: str = "t1") -> dict:
    return {"work_id": work, "stage": "title_abstract", "reviewer": reviewer, "role": role, "decision": decision,
            "reason": reason, "time": time, "record_ids": "s:1"}


@pytest.mark.parametrize("rows, needed, accept, proposal, expected", [
    ([], 1, False, (INC, None), (None, None)),
    ([], 1, True, (INC, None), (INC, "criteria")),
    ([], 1, True, ("needs_human", None), (None, None)),
    ([row("ana", EXC, "r")], 1, False, (INC, None), (EXC, "ana")),
    ([row("ana", EXC, "r")], 2, False, (INC, None), (None, None)),
    ([row("ana", INC), row("bo", INC)], 2, False, (EXC, "r"), (INC, "ana+bo")),
    ([row("ana", INC), row("bo", EXC, "r")], 1, False, (INC, None), ("conflict", None)),
    ([row("ana", INC), row("bo", "maybe")], 2, False, (INC, None), ("maybe", "ana+bo")),
    ([row("ana", INC), row("bo", EXC, "r"), row("eve", EXC, "r", role="resolution")], 2, False, (INC, None),
     (EXC, "eve (resolution)")),
    ([row("ana", EXC, "r", time="t1"), row("ana", INC, time="t2")], 1, False, (EXC, None), (INC, "ana")),
])
def test_stage_outcome_rules(rows, needed, accept, proposal, expected) -> None:
    outcome = stage_outcome(rows, proposal, reviewers_needed=needed, accept_proposals=accept)
    assert (outcome.decision, outcome.decided_by) == expected


WORKS = pd.DataFrame({
    "work_id": ["W1", "W2", "W3"], "record_ids": ["s:1", "s:2; s:3", "s:4"],
    "proposed_decision": [INC, EXC, "needs_human"], "proposed_reason": [None, "not relevant", None],
})


def test_statuses_and_prisma_counts_add_up() -> None:
    ledger = pd.DataFrame([
        row("ana", INC, work="W3"),
        {**row("ana", EXC, "full text not retrieved", work="W3"), "stage": "full_text"},
    ])
    # With accept_proposals, W1's include proposal stands at both stages.
    screened = final_decisions(WORKS, ledger, accept_proposals=True)
    assert screened["status"].tolist() == ["included", "excluded", "excluded"]
    assert screened["title_abstract_decided_by"].tolist() == ["criteria", "criteria", "ana"]
    assert screened["excluded_at"].tolist() == [None, "title_abstract", "full_text"]
    counts = prisma_counts(screened)
    assert counts["records_screened"] == 3 and counts["records_excluded"] == 1
    assert counts["records_excluded_by_reason"] == {"not relevant": 1}
    assert (counts["reports_sought"], counts["reports_not_retrieved"], counts["reports_assessed"]) == (2, 1, 1)
    assert counts["awaiting_full_text"] == 0 and counts["studies_included"] == 1
    without = prisma_counts(final_decisions(WORKS, ledger))
    assert (without["awaiting_title_abstract"], without["awaiting_full_text"], without["studies_included"]) == (2, 0, 0)


def test_decisions_follow_records_into_merged_works_and_disagreements_conflict() -> None:
    # Before: W1 (s:1) and W9 (s:9) were separate works; ana included W1 and excluded W9.
    ledger = pd.DataFrame([row("ana", INC, work="W1"),
                           {**row("ana", EXC, "not relevant", work="W9", time="t2"), "record_ids": "s:9"}])
    # Now dedupe has merged s:9 into W1.
    works = pd.DataFrame({"work_id": ["W1"], "record_ids": ["s:1; s:9"], "proposed_decision": [INC],
                          "proposed_reason": [None]})
    mapped = map_ledger(ledger, works)
    assert mapped["work_id"].tolist() == ["W1", "W1"] and mapped["note"].tolist()[1] == "decided on W9"
    screened = final_decisions(works, ledger)
    assert screened["status"].item() == "conflict"
    assert screened["conflict"].item() == "title_abstract: works merged by dedupe carry different decisions by ana"


def test_a_split_work_keeps_its_decision_on_both_parts() -> None:
    ledger = pd.DataFrame([{**row("ana", EXC, "not relevant", work="W7"), "record_ids": "s:1; s:4"}])
    screened = final_decisions(WORKS, ledger)
    assert screened.set_index("work_id").loc[["W1", "W3"], "title_abstract_decision"].tolist() == [EXC, EXC]
