"""The screening workbooks: one per reviewer and stage, and conflicts.xlsx for resolutions.

Only the layout lives here; what goes in them is decided in `runner/screen.py` and the stage.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..sheets import Column, Sheet
from .screen_order import ReviewerOrder

SCREENING_SHEET = "Screening"
CONFLICTS_SHEET = "Conflicts"
ORDER_SHEET = "Order"

#: Work columns shown to a reviewer, then the reviewer's own columns.
SHOWN = ("work_id", "title", "abstract", "year", "venue", "doi", "countries_detected", "relevance_score",
         "predicted_relevance", "quality_level", "proposed_decision", "proposed_reason")
REVIEWER_COLUMNS = ("decision", "reason", "note")


def _layout(decisions: tuple[str, ...], reasons: tuple[str, ...], retrieval: bool = False) -> list[Column]:
    return [
        Column("work_id", width=15),
        Column("title", width=50, wrap=True, highlight=True),
        Column("abstract", width=80, wrap=True, highlight=True),
        Column("year", width=7),
        Column("venue", width=24, wrap=True),
        Column("doi", width=22, link="doi"),
        Column("countries_detected", width=16, wrap=True),
        Column("relevance_score", width=10, number_format="0.00"),
        Column("predicted_relevance", width=11, number_format="0.00"),
        Column("quality_level", width=14, wrap=True),
        *([Column("retrieval", width=30, wrap=True)] if retrieval else []),
        Column("proposed_decision", width=12),
        Column("proposed_reason", width=18, wrap=True),
        Column("decision", width=12, choices=decisions, editable=True),
        Column("reason", width=24, choices=reasons, editable=True, wrap=True),
        Column("note", width=30, editable=True, wrap=True),
        Column("record_ids", width=10, hidden=True),
    ]


def screening_sheet(works: pd.DataFrame, decisions: tuple[str, ...], reasons: tuple[str, ...],
                    highlight: Callable[[str], list[tuple[int, int]]] | None) -> Sheet:
    """The `Screening` sheet: works in the order given, empty reviewer columns, record ids hidden.
    A full-text workbook whose works `slr fulltext fetch` tried has a `retrieval` column before the
    proposal (runner/screen.py)."""
    retrieval = "retrieval" in works.columns
    shown = list(SHOWN)
    if retrieval:
        shown.insert(shown.index("proposed_decision"), "retrieval")
    table = works.reindex(columns=shown).copy()
    for name in REVIEWER_COLUMNS:
        table[name] = None
    table["record_ids"] = works["record_ids"].to_numpy() if len(works) else []
    return Sheet(SCREENING_SHEET, table.reset_index(drop=True), columns=_layout(decisions, reasons, retrieval),
                 highlight=highlight, freeze="C2")


def conflicts_sheet(works: pd.DataFrame, decisions: tuple[str, ...], reasons: tuple[str, ...],
                    highlight: Callable[[str], list[tuple[int, int]]] | None) -> Sheet:
    """The `Conflicts` sheet: each conflicting work, the stage, what each reviewer said, then the
    resolution columns."""
    table = pd.DataFrame({
        "work_id": works["work_id"].to_numpy(),
        "stage": works["conflict_stage"].to_numpy(),
        "conflict": works["conflict"].to_numpy(),
        "title": works["title"].to_numpy(),
        "abstract": works["abstract"].to_numpy(),
        "year": works["year"].to_numpy(),
        "doi": works["doi"].to_numpy(),
        "decision": None, "reason": None, "note": None,
        "record_ids": works["record_ids"].to_numpy(),
    })
    columns = [Column("work_id", width=15), Column("stage", width=14), Column("conflict", width=40, wrap=True),
               Column("title", width=50, wrap=True, highlight=True), Column("abstract", width=70, wrap=True,
                                                                          highlight=True),
               Column("year", width=7), Column("doi", width=22, link="doi"),
               Column("decision", width=12, choices=decisions, editable=True),
               Column("reason", width=24, choices=reasons, editable=True, wrap=True),
               Column("note", width=30, editable=True, wrap=True), Column("record_ids", width=10, hidden=True)]
    return Sheet(CONFLICTS_SHEET, table, columns=columns, highlight=highlight, freeze="D2")


def order_sheet(ranked: ReviewerOrder, works: int) -> Sheet:
    """The `Order` sheet: why the works come in this order and what the ranker expects among them."""
    if ranked.estimated_remaining is None:
        expected = ("not estimated yet: the ranker needs a relevant and an irrelevant decision made "
                    "by people (outside this workbook) to learn from")
    else:
        expected = f"{ranked.estimated_remaining:.1f} of these {works} works"
    table = pd.DataFrame({
        "about": ["works in this workbook", "order", "decisions learned from", "relevant works expected",
                  "predicted_relevance"],
        "value": [str(works), ranked.method,
                  f"{ranked.trained_on} ({ranked.trained_relevant} relevant)", expected,
                  "the ranker's probability that the work is relevant (blank while ordering by relevance_score)"],
    })
    return Sheet(ORDER_SHEET, table, columns=[Column("about", width=28), Column("value", width=100, wrap=True)],
                 filters=False)
