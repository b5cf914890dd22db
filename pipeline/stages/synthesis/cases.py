"""Issuer case studies compared: per extraction field, which issuers share a value and which differ,
with values matched through the codebook's vocabulary and rapidfuzz; the client issuer set against
the others and against the literature's trends.

Values: a cell is split at ";" and ","; a bracketed remark is dropped for matching ("micro-credential
(pilot from April 2023)" is "micro-credential"); a value is the vocabulary's canonical name when it
is one of its spellings, or close to one (rapidfuzz ratio >= SAME); two values outside the vocabulary
that are that close count as one. `compare` gives the Issuers compared sheet (COMPARE_COLUMNS);
`prompts` the report's Recommendations: each field where the client differs from most issuers, is
silent where most report, or does not name a code whose share rises in the literature.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd
from rapidfuzz import fuzz

from ...codebook import Codebook
from ..code.match import Matcher

SAME = 90
#: Fields that describe an issuer rather than a practice: no recommendation follows from them.
NOT_PRACTICE = ("country", "source")
COMPARE_COLUMNS = ("field", "issuers_reporting", "shared", "differ", "not_reported_by", "client", "client_compared")
#: The extraction field each codebook theme speaks to (the study's case-study list).
FIELD_THEMES = {"purposes": "RQ2.purposes", "platform": "RQ2.platforms", "assessment": "RQ2.assessment",
                "award": "RQ2.awards", "credits": "RQ2.credits", "stacking": "RQ2.stacking",
                "portability": "RQ2.portability", "quality_assurance": "RQ2.quality_assurance",
                "framework_level": "RQ2.qualification_frameworks", "cost": "RQ2.costs",
                "stakeholders": "RQ2.stakeholders"}


class Vocabulary:
    """Canonical names of values (the codebook's `vocabulary`), matched case-blind and fuzzily."""

    def __init__(self, vocabulary: Mapping[str, Iterable[str]]) -> None:
        self.spellings = {s.lower(): name for name, spellings in vocabulary.items() for s in (name, *spellings)}
        self.seen: dict[str, str] = {}

    def canonical(self, value: str) -> str:
        base = re.sub(r"\s*\([^)]*\)", "", value).strip(" .").strip() or value.strip()
        key = base.lower()
        if key in self.spellings:
            return self.spellings[key]
        best = max(self.spellings, key=lambda s: fuzz.ratio(key, s), default=None)
        if best is not None and fuzz.ratio(key, best) >= SAME:
            return self.spellings[best]
        for known, name in self.seen.items():
            if fuzz.ratio(key, known) >= SAME:
                return name
        self.seen[key] = base
        return base


def values(cell: object, vocabulary: Vocabulary) -> list[str]:
    if not isinstance(cell, str) or not cell.strip():
        return []
    return list(dict.fromkeys(vocabulary.canonical(v) for v in re.split(r"[;,]", cell) if v.strip()))


def _is_client(issuer: str, client: str | None) -> bool:
    return bool(client) and fuzz.ratio(str(issuer).lower(), str(client).lower()) >= SAME


def compare(extraction: pd.DataFrame, fields: Iterable[str], vocabulary: Mapping[str, Iterable[str]],
            client: str | None = None) -> pd.DataFrame:
    """Per field: values two or more issuers share, values only one issuer reports, the issuers
    that say nothing, and the client's values against the others' (see the module docstring)."""
    vocab = Vocabulary(vocabulary)
    issuers = [str(i) for i in extraction["issuer"]] if "issuer" in extraction else []
    rows = []
    for name in fields:
        if name in ("issuer", "source"):
            continue
        cells = extraction[name] if name in extraction else pd.Series([None] * len(issuers))
        held = {issuer: values(cell, vocab) for issuer, cell in zip(issuers, cells, strict=True)}
        holders: dict[str, list[str]] = {}
        for issuer, items in held.items():
            for item in items:
                holders.setdefault(item, []).append(issuer)
        ordered = sorted(holders.items(), key=lambda kv: (-len(kv[1]), kv[0].lower()))
        silent = [i for i, items in held.items() if not items]
        only = {}
        for value, who in ordered:
            if len(who) == 1:
                only.setdefault(who[0], []).append(value)
        mine = next((items for issuer, items in held.items() if _is_client(issuer, client)), None)
        rows.append({"field": name, "issuers_reporting": len(issuers) - len(silent),
                     "shared": "; ".join(f"{v} ({', '.join(who)})" for v, who in ordered if len(who) > 1),
                     "differ": "; ".join(f"{issuer}: {', '.join(items)}" for issuer, items in sorted(only.items())),
                     "not_reported_by": "; ".join(silent),
                     "client": "; ".join(mine or []) if mine is not None else "",
                     "client_compared": _against(mine, held, client) if client else ""})
    return pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))


def _against(mine: list[str] | None, held: dict[str, list[str]], client: str | None) -> str:
    others = {i: items for i, items in held.items() if not _is_client(i, client)}
    if mine is None:
        return "the client is not among the extracted issuers"
    reporting = [i for i, items in others.items() if items]
    if not mine:
        return f"the client reports nothing; {len(reporting)} of {len(others)} other issuer(s) do"
    same = [i for i in reporting if set(others[i]) & set(mine)]
    if not reporting:
        return "no other issuer reports this field"
    return (f"shares a value with {len(same)} of {len(reporting)} other issuer(s) reporting it"
            + (f" ({', '.join(same)})" if same else ""))


def prompts(compared: pd.DataFrame, rising: pd.DataFrame, book: Codebook) -> list[str]:
    """Recommendations prompts: where the client's practice differs from most issuers or from the
    literature's rising codes (`findings.directions` rows with trend "rising")."""
    out = []
    for row in compared.to_dict("records"):
        if row["field"] in NOT_PRACTICE:
            continue
        note = row.get("client_compared") or ""
        if note.startswith("the client reports nothing") and not note.startswith("the client reports nothing; 0 "):
            out.append(f"{row['field']}: the client reports nothing where {note.split('; ', 1)[1]}.")
        elif note.startswith("shares a value with 0 of") or (
                note.startswith("shares a value with") and _minority(note)):
            out.append(f"{row['field']}: the client's {row['client']} — {note}.")
    by_field = {row["field"]: row for row in compared.to_dict("records")}
    for trend in rising.to_dict("records"):
        field = next((f for f, theme in FIELD_THEMES.items() if theme == f"{trend['rq']}.{_theme_key(book, trend)}"),
                     None)
        if field is None or field not in by_field:
            continue
        mine = by_field[field].get("client") or ""
        code = book.research_questions[trend["rq"]].themes[_theme_key(book, trend)].codes[trend["code"]]
        if not Matcher(code.terms, code.regex).find(mine):
            out.append(f"{field}: the literature's share of {trend['code']} rises ({trend['trend_detail']}); "
                       f"the client's {field} ({mine or 'not reported'}) does not name it.")
    return out


def _minority(note: str) -> bool:
    found = re.match(r"shares a value with (\d+) of (\d+)", note)
    return bool(found) and int(found.group(1)) * 2 < int(found.group(2))


def _theme_key(book: Codebook, trend: Mapping[str, str]) -> str:
    themes = book.research_questions[trend["rq"]].themes
    return next((name for name, t in themes.items() if t.label == trend["theme"]), str(trend["theme"]))
