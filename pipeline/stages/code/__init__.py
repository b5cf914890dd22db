"""Coding stage: propose codes with evidence for every included work; human codes override.

Needs the included works (work_id, title, abstract, keywords) and, where available, full texts
as pages of text; the codebook. `autocode` gives the long table of codes.csv: one row per work
and code with the best evidence — the sentence, the field (title, keywords, abstract, full_text),
the page, and a confidence (higher for a title than for a page deep in a full text, lower for a
near-match than for an exact one). `final_codes` puts the coders' ledger over the proposals: a
coder who coded a theme of a work replaces the proposals for that theme (rules, conflicts and
agreement in `human`). Pure: no files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ...codebook import Codebook
from ...records import split_list
from .human import (CONFLICT_COLUMNS, CONSENSUS, LEDGER_COLUMNS, agreement, awaiting_second_coder, conflicts,
                    follow_works, latest_human)
from .human import final_codes as _final_codes
from .match import Matcher, sentences

__all__ = ["CODE_COLUMNS", "CONFLICT_COLUMNS", "CONSENSUS", "LEDGER_COLUMNS", "agreement", "autocode",
           "awaiting_second_coder", "conflicts", "final_codes", "follow_works", "latest_human"]

CODE_COLUMNS = ("work_id", "rq", "theme", "code", "coder", "evidence", "field", "page", "confidence", "term")
#: How much a match in each field is worth (a title names what a work is about).
FIELD_CONFIDENCE = {"title": 0.9, "keywords": 0.85, "abstract": 0.8, "full_text": 0.75}
NEAR_FACTOR = 0.8

Pages = Sequence[tuple[int, str]]


def matchers(codebook: Codebook) -> list[tuple[str, str, str, Matcher]]:
    return [(rq, theme, name, Matcher(code.terms, code.regex, code.exclude))
            for rq, theme, name, code in codebook.codes()]


def autocode(works: pd.DataFrame, codebook: Codebook, fulltexts: Mapping[str, Pages] | None = None) -> pd.DataFrame:
    """Proposed codes with evidence, one row per work and code found (columns CODE_COLUMNS)."""
    compiled = matchers(codebook)
    rows = []
    for work in works.to_dict("records"):
        units = list(_units(work, (fulltexts or {}).get(work["work_id"], ())))
        for rq, theme, name, matcher in compiled:
            best = None
            for field, page, sentence in units:
                found = matcher.find(sentence)
                if found is None:
                    continue
                confidence = FIELD_CONFIDENCE[field] * (1.0 if found[1] else NEAR_FACTOR)
                if best is None or confidence > best["confidence"]:
                    best = {"work_id": work["work_id"], "rq": rq, "theme": theme, "code": name, "coder": "auto",
                            "evidence": sentence[:1000], "field": field, "page": page,
                            "confidence": round(confidence, 2), "term": found[0]}
                    if confidence >= FIELD_CONFIDENCE["title"]:
                        break
            if best:
                rows.append(best)
    table = pd.DataFrame(rows, columns=list(CODE_COLUMNS))
    table["page"] = pd.array(table["page"], dtype="Int64")
    return table


def _units(work: Mapping[str, Any], pages: Pages):
    """(field, page, sentence) of a work, in the order fields are trusted."""
    if isinstance(work.get("title"), str):
        yield "title", None, work["title"]
    for keyword in split_list(work.get("keywords")):
        yield "keywords", None, keyword
    for sentence in sentences(work.get("abstract")):
        yield "abstract", None, sentence
    for page, text in pages:
        for sentence in sentences(text):
            yield "full_text", page, sentence


def final_codes(proposed: pd.DataFrame, ledger: pd.DataFrame | None, *, accept_proposals: bool = True) -> pd.DataFrame:
    """Codes as they stand (columns CODE_COLUMNS): the coders' ledger over the proposals (rules in
    `human`). Map the ledger to the current works with `follow_works` first."""
    return _final_codes(proposed, latest_human(ledger), CODE_COLUMNS, accept_proposals=accept_proposals)
