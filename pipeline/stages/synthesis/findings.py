"""Key findings per report heading: codes with counts and shares, quoted evidence with citations,
the trend over publication years, and where sources disagree.

Needs the codes as they stand (work_id, rq, theme, code, evidence, field, negated), the included
works' years, the codebook (its `findings` headings; without them, one heading per theme) and a
citation function. `findings` gives the Findings sheet (FINDING_COLUMNS); `directions` the codes
whose share rises or falls across the years (the report's "Current and new directions").

Trend: the included sources with a year are split at the median year into an earlier and a later
period; a code's share of each period's sources is compared. A code in at least MIN_SOURCES
sources whose share moves by at least SHIFT percentage points is rising or falling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ...codebook import Codebook, Finding

FINDING_COLUMNS = ("heading", "rq", "theme", "code", "sources", "share_percent", "trend", "trend_detail",
                   "evidence", "negated_by")
MIN_SOURCES, SHIFT = 3, 10.0
QUOTES = 3
#: Evidence quoted in findings, best first: the coder's, then a sentence of prose (never a list
#: line, a title or a keyword: codes.csv keeps those as the evidence a code was found by).
QUOTABLE = {"coder": 0, "abstract": 1, "full_text": 1}


def headings(book: Codebook) -> tuple[Finding, ...]:
    """The codebook's findings headings, or one per theme when it has none."""
    if book.findings:
        return book.findings
    return tuple(Finding(heading=theme.label, themes=(f"{rq}.{name}",)) for rq, name, theme in book.themes())


def periods(years: pd.Series) -> tuple[list[int], list[int]] | None:
    """The earlier and later publication years (split at the median), or None with under two years."""
    known = sorted({int(y) for y in years.dropna()})
    if len(known) < 2:
        return None
    middle = len(known) // 2
    return known[:middle], known[middle:]


def _span(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def trend(works: set[str], year_of: dict[str, Any], split: tuple[list[int], list[int]] | None) -> tuple[str, str]:
    """("rising" | "falling" | "steady" | "too few sources", the figures)."""
    if split is None or len(works) < MIN_SOURCES:
        return ("too few sources" if len(works) < MIN_SOURCES else "no years"), ""
    shares = []
    for span in split:
        pool = [w for w, y in year_of.items() if pd.notna(y) and int(y) in span]
        shares.append(100 * sum(1 for w in pool if w in works) / len(pool) if pool else 0.0)
    detail = (f"{shares[0]:.1f}% of {_span(split[0])} sources → {shares[1]:.1f}% of {_span(split[1])} sources")
    if shares[1] - shares[0] >= SHIFT:
        return "rising", detail
    if shares[0] - shares[1] >= SHIFT:
        return "falling", detail
    return "steady", detail


def quotes(hits: pd.DataFrame, cite: Callable[[str], str], n: int = QUOTES) -> list[str]:
    """Up to n quotable evidence sentences, each with its citation (never a title or an empty cell)."""
    rows = [r for r in hits.to_dict("records")
            if isinstance(r.get("evidence"), str) and r["evidence"].strip() and r.get("field") in QUOTABLE]
    rows.sort(key=lambda r: (QUOTABLE[r["field"]], bool(r.get("negated") is True), str(r["work_id"])))
    out, seen = [], set()
    for row in rows:
        if row["evidence"] in seen:
            continue
        seen.add(row["evidence"])
        out.append(f"“{row['evidence'][:300]}” {cite(row['work_id'])}".strip())
        if len(out) == n:
            break
    return out


def findings(book: Codebook, included: pd.DataFrame, codes: pd.DataFrame, cite: Callable[[str], str]) -> pd.DataFrame:
    """One row per heading and code found (see the module docstring)."""
    year_of = dict(zip(included["work_id"], included["year"], strict=True))
    split = periods(included["year"])
    total = max(len(included), 1)
    negated = codes["negated"].astype(object).eq(True) if "negated" in codes else pd.Series(False, index=codes.index)
    rows = []
    for finding in headings(book):
        for name in finding.themes:
            rq, theme = name.split(".", 1)
            spec = book.research_questions[rq].themes[theme]
            for code in spec.codes:
                mask = (codes["rq"] == rq) & (codes["theme"] == theme) & (codes["code"] == code)
                hits = codes[mask]
                works = set(hits["work_id"])
                if not works:
                    continue
                direction, detail = trend(works, year_of, split)
                against = sorted(set(hits.loc[negated[mask], "work_id"]))
                rows.append({"heading": finding.heading, "rq": rq, "theme": spec.label, "code": code,
                             "sources": len(works), "share_percent": round(100 * len(works) / total, 1),
                             "trend": direction, "trend_detail": detail,
                             "evidence": " | ".join(quotes(hits, cite)),
                             "negated_by": "; ".join(cite(w) or w for w in against)})
    return pd.DataFrame(rows, columns=list(FINDING_COLUMNS))


def directions(table: pd.DataFrame) -> pd.DataFrame:
    """The rising and falling codes of the findings, rising first, biggest sources first."""
    moving = table[table["trend"].isin(["rising", "falling"])].drop_duplicates(["rq", "theme", "code"])
    return moving.sort_values(["trend", "sources", "code"], ascending=[False, False, True]).reset_index(drop=True)
