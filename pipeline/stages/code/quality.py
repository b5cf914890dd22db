"""How citable the evidence is, measured.

`evidence_measures` counts, over the codes as they stand (codes.csv): evidence cells, the share
that are the source's title itself (nothing a writer can quote), the share that are a sentence
of its abstract or full text, and, over the proposals in themes a coder coded, the share a coder
rejected (dropped the code, or replaced its evidence with their own: field "coder" in codes.csv).
The figures go to `slr code`'s output and 04_code/manifest.json.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd



def _norm(text: Any) -> str:
    return re.sub(r"\W+", " ", str(text)).strip().lower() if isinstance(text, str) else ""


def evidence_measures(works: pd.DataFrame, proposed: pd.DataFrame, codes: pd.DataFrame,
                      human: pd.DataFrame | None) -> dict[str, Any]:
    """The figures of the module docstring (counts and percentages, one decimal)."""
    titles = {w: _norm(t) for w, t in zip(works["work_id"], works["title"], strict=True)}
    cells = [(w, e, f) for w, e, f in zip(codes["work_id"], codes["evidence"], codes["field"], strict=True)
             if isinstance(e, str) and e.strip()]
    as_title = sum(1 for w, e, _ in cells if _norm(e) == titles.get(w))
    prose = sum(1 for _, _, f in cells if f in ("abstract", "full_text", "coder"))
    reviewed = rejected = 0
    if human is not None and len(human):
        coded = {(r["work_id"], r["rq"], r["theme"]) for r in human.to_dict("records")}
        standing = {(r["work_id"], r["rq"], r["theme"], r["code"]): r.get("field")
                    for r in codes.to_dict("records")}
        for row in proposed.to_dict("records"):
            if (row["work_id"], row["rq"], row["theme"]) not in coded:
                continue
            reviewed += 1
            field = standing.get((row["work_id"], row["rq"], row["theme"], row["code"]), "dropped")
            rejected += field in ("dropped", "coder")

    def percent(part: int, whole: int) -> float:
        return round(100 * part / whole, 1) if whole else 0.0

    return {"cells": len(cells), "title": as_title, "title_percent": percent(as_title, len(cells)),
            "prose": prose, "prose_percent": percent(prose, len(cells)),
            "reviewed_proposals": reviewed, "rejected": rejected, "rejected_percent": percent(rejected, reviewed),
            "works_with_definitions": 0}
