"""Coding stage: propose codes with evidence for every included work; human codes override.

Needs the included works (work_id, title, abstract, keywords) and, where available, full texts
as pages of text; the codebook. `autocode` gives the long table of codes.csv: one row per work
and code with the best evidence — the sentence, the field (title, keywords, abstract, full_text),
the page, and a confidence (higher for a title than for a page deep in a full text, lower for a
near-match than for an exact one). `final_codes` puts the coders' ledger over the proposals: a
coder who coded a theme of a work replaces the proposals for that theme. Pure: no files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

import pandas as pd

from ...codebook import Codebook
from ...records import split_list
from .match import Matcher, sentences

CODE_COLUMNS = ("work_id", "rq", "theme", "code", "coder", "evidence", "field", "page", "confidence", "term")
LEDGER_COLUMNS = ("work_id", "rq", "theme", "codes", "coder", "note", "time", "workbook", "workbook_checksum",
                  "record_ids")
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


def latest_human(ledger: pd.DataFrame | None) -> pd.DataFrame:
    """The latest ledger row per work, theme and coder."""
    if ledger is None or ledger.empty:
        return pd.DataFrame(columns=list(LEDGER_COLUMNS))
    return ledger.sort_values("time", kind="stable").groupby(["work_id", "rq", "theme", "coder"], as_index=False).last()


def final_codes(proposed: pd.DataFrame, ledger: pd.DataFrame | None, *, accept_proposals: bool = True) -> pd.DataFrame:
    """Codes as they stand: coders' codes for the themes they coded, proposals elsewhere.

    With several coders on one theme of one work, the codes all of them gave stand (and the rest
    is a disagreement for `agreement`).
    """
    human = latest_human(ledger)
    coded: dict[tuple[str, str, str], list[set[str]]] = defaultdict(list)
    coders: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in human.to_dict("records"):
        key = (row["work_id"], row["rq"], row["theme"])
        coded[key].append(set(split_list(row["codes"])))
        coders[key].append(str(row["coder"]))
    evidence = {(r["work_id"], r["rq"], r["theme"], r["code"]): r for r in proposed.to_dict("records")}
    rows = [r for r in proposed.to_dict("records") if (r["work_id"], r["rq"], r["theme"]) not in coded]
    if not accept_proposals:
        rows = []
    for key, sets in coded.items():
        agreed = set.intersection(*sets)
        for code in sorted(agreed):
            found = evidence.get((*key, code), {})
            rows.append({"work_id": key[0], "rq": key[1], "theme": key[2], "code": code,
                         "coder": "+".join(sorted(coders[key])), "evidence": found.get("evidence"),
                         "field": found.get("field"), "page": found.get("page"), "confidence": 1.0,
                         "term": found.get("term")})
    table = pd.DataFrame(rows, columns=list(CODE_COLUMNS)).sort_values(["work_id", "rq", "theme", "code"], kind="stable")
    table["page"] = pd.array(table["page"], dtype="Int64")
    return table.reset_index(drop=True)


def agreement(ledger: pd.DataFrame | None) -> pd.DataFrame:
    """Per theme and pair of coders: works both coded, identical code sets, and Cohen's kappa
    over the presence of each code (every code of the theme in every such work is one decision)."""
    human = latest_human(ledger)
    out = []
    for (rq, theme), group in human.groupby(["rq", "theme"], sort=True):
        table = group.pivot_table(index="work_id", columns="coder", values="codes", aggfunc="last")
        for a, b in combinations(sorted(table.columns), 2):
            both = table[[a, b]].dropna()
            if both.empty:
                continue
            sets_a = [set(split_list(v)) for v in both[a]]
            sets_b = [set(split_list(v)) for v in both[b]]
            universe = sorted(set().union(*sets_a, *sets_b))
            x = [code in s for s in sets_a for code in universe]
            y = [code in s for s in sets_b for code in universe]
            out.append({"rq": rq, "theme": theme, "coder_a": a, "coder_b": b, "works": len(both),
                        "same_codes": sum(p == q for p, q in zip(sets_a, sets_b, strict=True)),
                        "kappa": _kappa(x, y)})
    return pd.DataFrame(out, columns=["rq", "theme", "coder_a", "coder_b", "works", "same_codes", "kappa"])


def _kappa(x: list[bool], y: list[bool]) -> float | None:
    n = len(x)
    if not n:
        return None
    observed = sum(p == q for p, q in zip(x, y, strict=True)) / n
    pa, pb = sum(x) / n, sum(y) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return None if expected == 1 else round((observed - expected) / (1 - expected), 3)
