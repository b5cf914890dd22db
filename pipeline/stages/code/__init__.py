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
from .evidence import is_sentence, negated, rejection
from .match import Matcher, sentences

__all__ = ["CODE_COLUMNS", "CONFLICT_COLUMNS", "CONSENSUS", "LEDGER_COLUMNS", "agreement", "autocode",
           "awaiting_second_coder", "conflicts", "final_codes", "follow_works", "latest_human"]

CODE_COLUMNS = ("work_id", "rq", "theme", "code", "coder", "evidence", "field", "page", "confidence", "term", "negated")
#: Fields whose sentences are the source's own prose (quotable evidence).
PROSE = ("abstract", "full_text")
#: How much a match in each field is worth (a title names what a work is about).
FIELD_CONFIDENCE = {"title": 0.9, "keywords": 0.85, "abstract": 0.8, "full_text": 0.75, "list": 0.7}
#: Which text is quoted as evidence, best first: a sentence of prose that affirms the code (a
#: negating one ranks 1 lower), a list line of the source (an item without a full stop), then
#: its title or a keyword.
QUOTE_RANK = {"abstract": 0, "full_text": 0, "list": 2, "title": 3, "keywords": 4}
NEAR_FACTOR = 0.8

Pages = Sequence[tuple[int, str]]


def matchers(codebook: Codebook) -> list[tuple[str, str, str, Matcher]]:
    return [(rq, theme, name, Matcher(code.terms, code.regex, code.exclude))
            for rq, theme, name, code in codebook.codes()]


def autocode(works: pd.DataFrame, codebook: Codebook, fulltexts: Mapping[str, Pages] | None = None) -> pd.DataFrame:
    """Proposed codes with evidence, one row per work and code found (columns CODE_COLUMNS).

    A code is found in the title, keywords, abstract or full text (the confidence is that of the
    most trusted field it is found in); its evidence is a sentence of the source's prose where
    one mentions the code — the title or a keyword only when no sentence does. Lines that are not
    prose (headings, the study's topic lists, glued titles, boilerplate: `evidence.rejection`)
    are never matched; a list line (a bullet, an item without a full stop) is quoted only when no
    sentence mentions the code. `negated` is True when every sentence that mentions it negates it."""
    compiled = matchers(codebook)
    labels = [theme.label for _, _, theme in codebook.themes()]
    rows = []
    for work in works.to_dict("records"):
        units = list(_units(work, (fulltexts or {}).get(work["work_id"], ()), labels))
        for rq, theme, name, matcher in compiled:
            best, quote, rank = None, None, len(QUOTE_RANK) + 1
            for field, page, sentence in units:
                found = matcher.locate(sentence)
                if found is None:
                    continue
                confidence = FIELD_CONFIDENCE[field] * (1.0 if found[1] else NEAR_FACTOR)
                best = max(best or 0.0, confidence)
                negation = field in PROSE and negated(sentence, found[2])
                here = QUOTE_RANK[field] + (1 if negation else 0)
                if here < rank:
                    quote, rank = (field, page, sentence, found[0], negation), here
                    if rank == 0:
                        break
            if best is None or quote is None:
                continue
            field, page, sentence, term, negation = quote
            rows.append({"work_id": work["work_id"], "rq": rq, "theme": theme, "code": name, "coder": "auto",
                         "evidence": sentence[:1000], "field": field, "page": page, "confidence": round(best, 2),
                         "term": term, "negated": negation})
    table = pd.DataFrame(rows, columns=list(CODE_COLUMNS))
    table["page"] = pd.array(table["page"], dtype="Int64")
    return table


def _units(work: Mapping[str, Any], pages: Pages, labels: Sequence[str] = ()):
    """(field, page, sentence) of a work, in the order fields are trusted; abstract and full-text
    lines that are not prose (see `evidence.rejection`) are left out."""
    if isinstance(work.get("title"), str):
        yield "title", None, work["title"]
    for keyword in split_list(work.get("keywords")):
        yield "keywords", None, keyword
    for sentence in sentences(work.get("abstract")):
        if rejection(sentence, labels) is None:
            yield ("abstract" if is_sentence(sentence) else "list"), None, sentence
    for page, text in pages:
        for sentence in sentences(text):
            if rejection(sentence, labels) is None:
                yield ("full_text" if is_sentence(sentence) else "list"), page, sentence


def final_codes(proposed: pd.DataFrame, ledger: pd.DataFrame | None, *, accept_proposals: bool = True) -> pd.DataFrame:
    """Codes as they stand (columns CODE_COLUMNS): the coders' ledger over the proposals (rules in
    `human`). Map the ledger to the current works with `follow_works` first."""
    table = _final_codes(proposed, latest_human(ledger), CODE_COLUMNS, accept_proposals=accept_proposals)
    return table
