"""The report tables: sources, coding matrix, RQ summaries, issuers, distributions, gaps, protocol.

Each function takes the stage outputs it needs and returns one DataFrame (one sheet of
synthesis.xlsx, one CSV and one Markdown table). Numbers only come from the inputs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd

from ...codebook import Codebook
from ...records import split_list
from ...report.escape import md_text
from .cases import compare
from .findings import quotes

FEW = 2  # a theme with at most this many sources is a gap worth naming


def sources(included: pd.DataFrame, screened: pd.DataFrame, covered: pd.DataFrame | None = None) -> pd.DataFrame:
    """Included works with metadata, countries, quality and their screening trail; with the code
    stage's coverage.csv, countries and regions also from full texts, and the reason a source is
    unrated."""
    trail = screened.set_index("work_id")
    if covered is not None and len(covered):
        extra = covered.set_index("work_id")
        included = included.copy()
        for column in ("countries_detected", "regions", "quality_level", "quality_evidence", "geography_from"):
            if column in extra:
                included[column] = included["work_id"].map(extra[column])
    columns = ["work_id", "title", "authors", "year", "venue", "doc_type", "doi", "url", "countries_detected",
               "regions", "quality_level", "sources"]
    if covered is not None and len(covered):
        columns[-1:-1] = ["quality_evidence", "geography_from"]
    table = included.reindex(columns=columns).copy()
    for column in ("title_abstract_decided_by", "full_text_decided_by"):
        table[column] = table["work_id"].map(trail[column]) if column in trail else None
    return table.sort_values(["year", "title"], ascending=[False, True], na_position="last").reset_index(drop=True)


def coding_matrix(included: pd.DataFrame, codes: pd.DataFrame, book: Codebook) -> pd.DataFrame:
    """Works × themes, the codes of each theme in its cell."""
    table = included[["work_id", "title"]].copy()
    grouped = codes.groupby(["work_id", "rq", "theme"])["code"].apply(lambda s: "; ".join(sorted(s)))
    for rq, theme, _ in book.themes():
        column = f"{rq}.{theme}"
        table[column] = [grouped.get((w, rq, theme)) for w in table["work_id"]]
    return table


def rq_summary(rq: str, included: pd.DataFrame, codes: pd.DataFrame, book: Codebook, examples: int = 3,
               cite: Callable[[str], str] | None = None) -> pd.DataFrame:
    """Theme → code → sources and share of the included sources, with exemplar evidence: quotable
    sentences with their citation (`findings.quotes`), never a title or an empty cell."""
    cite = cite or (lambda w: f"({w})")
    total = max(len(included), 1)
    rows = []
    for theme_name, theme in book.research_questions[rq].themes.items():
        for name, code in theme.codes.items():
            hits = codes[(codes["rq"] == rq) & (codes["theme"] == theme_name) & (codes["code"] == name)]
            rows.append({"theme": theme.label, "code": name, "definition": code.definition,
                         "sources": hits["work_id"].nunique(), "share_percent": round(100 * hits["work_id"].nunique() / total, 1),
                         "exemplars": " | ".join(quotes(hits, cite, examples))})
    return pd.DataFrame(rows, columns=["theme", "code", "definition", "sources", "share_percent", "exemplars"])


def issuers(extraction: pd.DataFrame, fields: Iterable[str], vocabulary: Mapping[str, Iterable[str]] | None = None,
            client: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The extraction table side by side, and per field what issuers share and where they differ,
    values matched through the codebook's vocabulary (`cases.compare`)."""
    fields = [f for f in fields if f != "issuer"]
    table = extraction.reindex(columns=["issuer", *fields]).sort_values("issuer", kind="stable").reset_index(drop=True)
    return table, compare(table, fields, vocabulary or {}, client)


def definitions_table(definitions: pd.DataFrame, book: Codebook, cite: Callable[[str], str]) -> pd.DataFrame:
    """The definitions table: source (citation), the sentence, page, family and one column per element."""
    elements = list((book.definitions.elements if book.definitions else {}).items())
    table = pd.DataFrame({"source": [cite(w) or w for w in definitions["work_id"]],
                          "work_id": definitions["work_id"], "definition": definitions["definition"],
                          "page": definitions["page"], "family": definitions["family"]})
    for name, concept in elements:
        column = definitions[name] if name in definitions else pd.Series([""] * len(definitions))
        table[concept.label] = column.fillna("").astype(str).replace({"nan": ""}).to_numpy()
    return table


def by_year(sources_table: pd.DataFrame) -> pd.DataFrame:
    """Sources per year and type (years as rows, types as columns, a total)."""
    frame = sources_table.assign(year=sources_table["year"].astype("Int64").astype(str).replace("<NA>", "no year"),
                                 doc_type=sources_table["doc_type"].fillna("unknown type"))
    table = pd.crosstab(frame["year"], frame["doc_type"])
    table["total"] = table.sum(axis=1)
    return table.sort_index().reset_index().rename_axis(columns=None)


def by_region(sources_table: pd.DataFrame) -> pd.DataFrame:
    """Sources per detected region and per country (a source may count under several)."""
    rows = []
    for kind, column in (("region", "regions"), ("country", "countries_detected")):
        counts: Counter[str] = Counter()
        for cell in sources_table[column]:
            items = split_list(cell)
            counts.update(items or [f"no {kind} detected"])
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0].startswith("no "), item[0]))
        rows += [{"kind": kind, "place": place, "sources": n} for place, n in ordered]
    return pd.DataFrame(rows, columns=["kind", "place", "sources"])


def by_type(sources_table: pd.DataFrame) -> pd.DataFrame:
    counts = sources_table["doc_type"].fillna("unknown type").value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")  # ties in name order
    total = max(int(counts.sum()), 1)
    return pd.DataFrame({"type": counts.index, "sources": counts.to_numpy(),
                         "share_percent": (100 * counts.to_numpy() / total).round(1)})


def gaps(included: pd.DataFrame, codes: pd.DataFrame, book: Codebook, sources_table: pd.DataFrame,
         cite: Callable[[str], str] | None = None) -> pd.DataFrame:
    """Themes with few or no sources; theme × region and theme × year cells with none; codes whose
    evidence is negated (within its sentence: codes.csv `negated`) in some sources and affirmed in
    others, naming the sources that negate it (the literature may disagree)."""
    rows: list[dict[str, Any]] = []
    theme_works = codes.groupby(["rq", "theme"])["work_id"].apply(set)
    regions = {w: split_list(r) or ["no region detected"]
               for w, r in zip(sources_table["work_id"], sources_table["regions"], strict=True)}
    years = {w: y for w, y in zip(sources_table["work_id"], sources_table["year"], strict=True)}
    all_regions = sorted({r for items in regions.values() for r in items})
    all_years = sorted({int(y) for y in years.values() if pd.notna(y)})
    for rq, theme, spec in book.themes():
        works = theme_works.get((rq, theme), set())
        if len(works) <= FEW:
            rows.append({"kind": "theme with few sources", "rq": rq, "theme": spec.label, "where": "all sources",
                         "sources": len(works), "detail": "no source codes this theme" if not works else
                         f"only {len(works)} source(s)"})
        for region in all_regions:
            n = sum(1 for w in works if region in regions.get(w, []))
            if n == 0 and works:
                rows.append({"kind": "theme × region without sources", "rq": rq, "theme": spec.label, "where": region,
                             "sources": 0, "detail": f"{len(works)} source(s) elsewhere"})
        for year in all_years:
            n = sum(1 for w in works if pd.notna(years.get(w)) and int(years[w]) == year)
            if n == 0 and works:
                rows.append({"kind": "theme × year without sources", "rq": rq, "theme": spec.label, "where": str(year),
                             "sources": 0, "detail": f"{len(works)} source(s) in other years"})
    labels = {(rq, theme): spec.label for rq, theme, spec in book.themes()}
    for (rq, theme, code), group in codes.groupby(["rq", "theme", "code"]):
        negated = group["negated"].astype(object).eq(True) if "negated" in group else pd.Series(False, index=group.index)
        if negated.any() and (~negated).any():
            against = sorted(set(group.loc[negated, "work_id"]))
            rows.append({"kind": "code negated in some sources", "rq": rq, "theme": labels.get((rq, theme), theme),
                         "where": code, "sources": int(group["work_id"].nunique()),
                         "detail": f"{len(against)} source(s) state it under a negation "
                                   f"({'; '.join((cite or str)(w) for w in against)}), "
                                   f"{int(group.loc[~negated, 'work_id'].nunique())} without"})
    return pd.DataFrame(rows, columns=["kind", "rq", "theme", "where", "sources", "detail"])


def protocol_table(protocol: Any, book: Codebook | None) -> pd.DataFrame:
    """The criteria and codebook version used, as key/value rows."""
    s = protocol.screening
    rows = [("review", f"{protocol.id}: {protocol.title}")]
    rows += [(f"research question {k}", v) for k, v in protocol.research_questions.items()]
    rows += [("years", f"after {s.years.after}" if s.years.after else "any")
             if s.years.before is None else ("years", f"after {s.years.after}, before {s.years.before}"),
             ("languages", ", ".join(s.languages) or "any"),
             ("document types excluded", ", ".join(s.doc_types.exclude) or "none"),
             ("relevance groups", "; ".join(f"{g}: {', '.join(t)}" for g, t in s.relevance.groups.items()) or "none"),
             ("relevance required groups", ", ".join(s.relevance.require) or "none"),
             ("relevance floor / ceiling", f"{s.relevance.floor} / {s.relevance.ceiling}"),
             ("reviewers per work", str(s.reviewers)), ("proposals accepted without a reviewer", str(s.accept_proposals)),
             ("dedupe", "on" if protocol.dedupe.enabled else "off")]
    if book is not None:
        rows += [("codebook", f"{book.title} (version {book.version})"),
                 ("codebook themes", str(sum(1 for _ in book.themes()))), ("codebook codes", str(sum(1 for _ in book.codes())))]
    return pd.DataFrame(rows, columns=["key", "value"])


def to_markdown(frame: pd.DataFrame) -> str:
    """A Markdown table, ready to paste: every cell escaped (`report.escape.md_text`: no HTML,
    no link or image, no control character; pipes escaped)."""
    def cell(value: Any) -> str:
        return md_text(value)

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False, name=None)]
    return "\n".join([header, rule, *body]) + "\n"
