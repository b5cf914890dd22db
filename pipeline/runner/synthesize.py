"""`slr synthesize`: the synthesis workbook, report tables, PRISMA diagram, charts, catalogue,
exports (included.ris/.bib/.csl.json; screened.ris/.bib and asreview.csv with every screened work
and its decision) and report draft in outputs/<id>/05_synthesis/.

Reads 01_search/search_log.csv, 02_dedupe/manifest.json, 03_screen/screened.csv and
included.csv, 04_code/codes.csv and extraction.csv (coding is optional: without it the coding
sheets are empty), and the codebook. The PRISMA counts are checked before anything is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from ..codebook import Codebook, load_codebook
from ..errors import InputError, StageError
from ..report.document import markdown_to_docx
from ..report.exports import screening_notes, to_asreview, to_bibtex, to_csl_json, to_ris
from ..report.figures import bar_chart, heatmap, stacked_years
from ..report.flow import prisma_figure
from ..report.prisma_docx import write_prisma_docx
from ..sheets import Column, Sheet, write_workbook
from ..report.citations import Citations
from ..stage_table import CODES, COVERAGE, DEFINITIONS, EXTRACTION, INCLUDED, SCREENED, SEARCH_LOG, WORKS, Output
from ..stages.code.definitions import compare_elements
from ..stages.synthesis import cases, findings, narrative
from ..stages.synthesis import tables as T
from ..stages.synthesis.catalogue import catalogue_html, catalogue_markdown
from ..stages.synthesis.prisma import check, prisma
from ..stages.synthesis.report import report_markdown
from ..store import atomic_path, read_csv, write_csv, write_json, write_text
from .context import Context

STAGE = "synthesize"
# `definition` and `purposes` (the study's first case-study items) are compared when the extraction has them.
EXTRACTION_FIELDS = ("definition", "purposes", "country", "platform", "assessment", "award", "credits", "stacking", "portability",
                     "quality_assurance", "framework_level", "cost", "stakeholders", "source")


@dataclass
class SynthesisSummary:
    included: int
    sheets: dict[str, int]
    workbook: Path
    folder: Path


def _read(ctx: Context, item: Output, *, required: bool = True) -> pd.DataFrame | None:
    path = ctx.store.output(item)
    if not path.exists():
        if required:
            raise StageError(f"synthesize: {ctx.store.relative(path)} not found", hint=f"run `slr {item.stage}` first")
        return None
    return read_csv(path)


def previous_version(ctx: Context) -> pd.DataFrame | None:
    """The previous version's included studies (`synthesis.previous_version`), or None (not an update)."""
    path = ctx.protocol.synthesis.previous_version
    if path is None:
        return None
    frame = read_csv(path)
    if not {"work_id", "doi"} & set(frame.columns):
        raise InputError(f"{ctx.store.relative(path)} (synthesis.previous_version) has neither a work_id nor a doi "
                         f"column (it has: {', '.join(map(str, frame.columns)) or 'none'})",
                         hint="point synthesis.previous_version at the previous version's 03_screen/included.csv")
    return frame


def _inputs(ctx: Context) -> dict[str, Any]:
    """Every input, read in one place (so that the column names each stage writes are met here)."""
    dedupe = ctx.store.read_manifest("dedupe")
    if dedupe is None:
        raise StageError("synthesize: 02_dedupe/manifest.json not found", hint="run `slr dedupe` first")
    book = load_codebook(ctx.protocol.codebook, ctx.root) if ctx.protocol.codebook is not None else None
    codes = _read(ctx, CODES, required=False)
    return {
        "search_log": _read(ctx, SEARCH_LOG),
        "dedupe": dedupe["counts"],
        "works": _read(ctx, WORKS),
        "screened": _read(ctx, SCREENED),
        "included": _read(ctx, INCLUDED),
        "codes": codes if codes is not None else pd.DataFrame(columns=["work_id", "rq", "theme", "code", "evidence",
                                                                       "confidence"]),
        "extraction": _read(ctx, EXTRACTION, required=False),
        "definitions": _read(ctx, DEFINITIONS, required=False),
        "coverage": _read(ctx, COVERAGE, required=False),
        "codebook": book,
    }


def run_synthesize(ctx: Context) -> SynthesisSummary:
    """Check the PRISMA counts, then write every synthesis output (see the module docstring)."""
    started = ctx.begin(STAGE)
    data = _inputs(ctx)
    flow = prisma(data["search_log"], data["dedupe"], data["screened"], previous=previous_version(ctx))
    check(flow, data["dedupe"], included_rows=len(data["included"]))
    included, codes, book = data["included"], data["codes"], data["codebook"]
    codes = codes[codes["work_id"].isin(set(included["work_id"]))]
    folder = ctx.store.stage_dir(STAGE)
    previous_sources = folder / "tables" / "sources.csv"
    previous = set(read_csv(previous_sources)["work_id"]) if previous_sources.exists() else None

    sources = T.sources(included, data["screened"], data["coverage"])
    citations = Citations(to_csl_json(included))
    extraction = data["extraction"] if data["extraction"] is not None else pd.DataFrame(columns=["issuer", *EXTRACTION_FIELDS])
    client = ctx.protocol.synthesis.client
    issuers, compare = T.issuers(extraction, EXTRACTION_FIELDS, book.vocabulary if book else {}, client)
    sheets: dict[str, pd.DataFrame] = {"Sources": sources}
    sections: list[str] = []
    if book is not None:
        sheets["Coding matrix"] = T.coding_matrix(included, codes, book)
        for rq in book.research_questions:
            sheets[rq] = T.rq_summary(rq, included, codes, book, cite=citations.cite)
        found = data["definitions"] if data["definitions"] is not None else pd.DataFrame(columns=["work_id"])
        found = found[found["work_id"].isin(set(included["work_id"]))]
        sheets["Definitions"] = T.definitions_table(found, book, citations.cite)
        sheets["Definition elements"] = compare_elements(found, book, {w: citations.label(w) for w in found["work_id"]})
        sheets["Findings"] = findings.findings(book, included, codes, citations.cite)
        moving = findings.directions(sheets["Findings"])
        sections = (narrative.definitions_section(sheets["Definitions"], sheets["Definition elements"])
                    + narrative.findings_section(sheets["Findings"], moving)
                    + narrative.cases_section(issuers, compare, client)
                    + narrative.recommendations_section(
                        cases.prompts(compare, moving[moving["trend"] == "rising"], book), client))
    sheets["Issuers"] = issuers
    sheets["Issuers compared"] = compare
    sheets["By year"] = T.by_year(sources)
    sheets["By region"] = T.by_region(sources)
    sheets["By type"] = T.by_type(sources)
    sheets["Gaps"] = T.gaps(included, codes, book, sources, citations.cite) if book is not None else pd.DataFrame()
    sheets["PRISMA"] = pd.DataFrame(flow.rows(), columns=["section", "item", "count"])
    sheets["Search log"] = data["search_log"]
    sheets["Protocol"] = T.protocol_table(ctx.protocol, book)

    write_workbook(folder / "synthesis.xlsx", [styled_sheet(name, frame) for name, frame in sheets.items()])
    for name, frame in sheets.items():
        slug = name.lower().replace(" ", "_")
        write_csv(folder / "tables" / f"{slug}.csv", frame)
        write_text(folder / "tables" / f"{slug}.md", f"# {name}\n\n" + T.to_markdown(frame))
    write_json(folder / "prisma.json", asdict(flow))
    _save(prisma_figure(flow), folder / "prisma")
    with atomic_path(folder / "prisma.docx") as tmp:  # the diagram's numbers, editable (issue 20)
        write_prisma_docx(flow, tmp, ctx.protocol.title)
    _figures(folder / "figures", sources, codes, book)
    title = ctx.protocol.synthesis.title or ctx.protocol.title
    write_text(folder / "catalogue.md", catalogue_markdown(sources, previous, f"Catalogue: {title}"))
    write_text(folder / "catalogue.html", catalogue_html(sources, previous, f"Catalogue: {title}"))
    write_text(folder / "included.ris", to_ris(included))
    write_text(folder / "included.bib", to_bibtex(included))
    write_text(folder / "included.csl.json", to_csl_json(included))
    _screened_exports(folder, data["screened"], data["works"])
    rq_tables = {rq: sheets[rq] for rq in (book.research_questions if book else {})}
    report = report_markdown(protocol=ctx.protocol, search_log=data["search_log"], p=flow, rq_tables=rq_tables,
                             gaps=sheets["Gaps"], sources=sources, codebook_version=book.version if book else None,
                             issuers=issuers, compared=compare, sections=sections,
                             references=citations.references())
    write_text(folder / "report.md", report)
    with atomic_path(folder / "report.docx") as tmp:
        markdown_to_docx(report, folder, tmp, paper=ctx.protocol.synthesis.paper)
    counts = {"included": len(included), "sheets": {k: len(v) for k, v in sheets.items()},
              "prisma": {k: v for k, v in asdict(flow).items() if k != "notes"}}
    ctx.store.write_manifest(STAGE, ctx.manifest(STAGE, counts=counts, started=started))
    return SynthesisSummary(included=len(included), sheets=counts["sheets"], workbook=folder / "synthesis.xlsx",
                            folder=folder)


def _screened_exports(folder: Path, screened: pd.DataFrame, works: pd.DataFrame) -> None:
    """Every screened work with its decision and reason, for reference managers and ASReview LAB."""
    bib = works[works["work_id"].isin(set(screened["work_id"]))]
    notes = screening_notes(screened)
    write_text(folder / "screened.ris", to_ris(bib, decisions=notes))
    write_text(folder / "screened.bib", to_bibtex(bib, decisions=notes))
    write_csv(folder / "asreview.csv", to_asreview(screened, works))


def styled_sheet(name: str, frame: pd.DataFrame) -> Sheet:
    """A sheet for people: widths by content, wrapped long text, DOI links, percentages as numbers."""
    columns = []
    for column in frame.columns:
        lengths = [len(str(v)) for v in frame[column].tolist() if v is not None and v == v]
        longest = int(pd.Series(lengths).quantile(0.9)) if lengths else len(str(column))
        width = min(max(len(str(column)) + 2, longest + 2, 8), 60)
        columns.append(Column(str(column), width=width, wrap=width >= 40,
                              link="doi" if column == "doi" else ("url" if column == "url" else None),
                              number_format="0.0" if str(column).endswith("percent") else None))
    return Sheet(name, frame, columns=columns, freeze="B2" if name in ("Sources", "Coding matrix") else "A2")


def _save(figure: plt.Figure, stem: Path) -> None:
    for suffix in (".png", ".svg"):
        with atomic_path(stem.with_suffix(suffix)) as tmp:
            # A fixed date keeps SVG/PNG bytes stable between identical runs.
            figure.savefig(tmp, format=suffix[1:], dpi=150, metadata={"Date": None} if suffix == ".svg" else {})
    plt.close(figure)


def _figures(folder: Path, sources: pd.DataFrame, codes: pd.DataFrame, book: Codebook | None) -> None:
    years = T.by_year(sources).set_index("year").drop(columns=["total"])
    _save(stacked_years(years, "Included sources per year, by type"), folder / "sources_per_year_by_type")
    regions = T.by_region(sources)
    regions = regions[regions["kind"] == "region"].set_index("place")["sources"]
    _save(bar_chart(regions, "Included sources per region", "sources"), folder / "sources_per_region")
    if book is None:
        return
    for rq in book.research_questions:
        per_theme = codes[codes["rq"] == rq].groupby("theme")["work_id"].nunique()
        labels = {name: theme.label for name, theme in book.research_questions[rq].themes.items()}
        series = pd.Series({labels[t]: int(per_theme.get(t, 0)) for t in labels})
        _save(bar_chart(series, f"{rq}: sources per theme", "sources"), folder / f"themes_{rq.lower()}")
    merged = codes.merge(sources[["work_id", "year"]], on="work_id")
    merged = merged[merged["year"].notna()]
    if len(merged):
        grid = merged.assign(theme=merged["rq"] + " " + merged["theme"]).pivot_table(
            index="theme", columns="year", values="work_id", aggfunc="nunique", fill_value=0)
        _save(heatmap(grid, "Sources per theme and year"), folder / "theme_year_heatmap")

