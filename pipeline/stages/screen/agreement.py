"""Agreement between reviewers, and between reviewers and the criteria's proposals.

Cohen's kappa (`pipeline.agreement.cohen_kappa`): only works both raters decided are compared; a
proposal of "needs_human" is not a decision and is left out.
"""

from __future__ import annotations

from itertools import combinations

import pandas as pd

from ...agreement import cohen_kappa

AGREEMENT_COLUMNS = ("stage", "rater_a", "rater_b", "works", "agreed", "percent_agreement", "kappa")


def agreement(latest: pd.DataFrame, proposals: pd.Series | None = None,
              proposal_stage: str = "title_abstract") -> pd.DataFrame:
    """One row per stage and pair of raters: works both decided, agreements, %, kappa.

    `latest`: one row per (work_id, stage, reviewer) with `decision`; `proposals`: work_id →
    proposed decision, compared with every reviewer as the rater "criteria" at `proposal_stage`
    (the criteria judge titles and abstracts, not full texts).
    """
    rows = []
    for stage, group in latest.groupby("stage", sort=True):
        table = group.pivot_table(index="work_id", columns="reviewer", values="decision", aggfunc="last")
        use_proposals = proposals is not None and stage == proposal_stage
        if use_proposals:
            decided = proposals[proposals.isin(["include", "exclude", "maybe"])]
            table["criteria"] = decided.reindex(table.index)
        raters = [r for r in table.columns if r != "criteria"]
        pairs = list(combinations(sorted(raters), 2))
        if use_proposals:
            pairs += [(r, "criteria") for r in sorted(raters)]
        for a, b in pairs:
            both = table[[a, b]].dropna()
            if both.empty:
                continue
            x, y = both[a].tolist(), both[b].tolist()
            kappa = cohen_kappa(x, y)
            agreed = sum(p == q for p, q in zip(x, y, strict=True))
            rows.append({"stage": stage, "rater_a": a, "rater_b": b, "works": len(both), "agreed": agreed,
                         "percent_agreement": round(100 * agreed / len(both), 1),
                         "kappa": None if kappa is None else round(kappa, 3)})
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))
