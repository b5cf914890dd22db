"""The pipeline's stages, declared once: what each reads, what it writes, which protocol sections.

Everything about order and freshness follows from this table (as in kedro, where nodes declare
their inputs and outputs and the pipeline is sorted from them):

- the order `slr run` runs the stages in is a topological sort of the `reads` (`ordered_stages`);
- `slr status` and `slr run` call a stage stale when a declared input changed, appeared or
  disappeared, when one of its protocol sections changed, or when a stage it reads from is stale
  (pipeline/runner/status.py);
- the runners find the files of earlier stages through the `Output` constants below, so a file
  name between two stages is written in one place.

This module is plain data: it imports nothing heavy, so `slr status` starts fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Output:
    """A file a stage writes into its folder `outputs/<id>/NN_stage/`, read by later stages."""

    stage: str
    name: str

    def describe(self) -> str:
        return f"{STAGE_FOLDERS[self.stage]}/{self.name}"


@dataclass(frozen=True)
class Ledger:
    """An append-only ledger of human decisions, `data/<id>/ledger/<name>`. May not exist yet."""

    name: str

    def describe(self) -> str:
        return f"data/<id>/ledger/{self.name}"


@dataclass(frozen=True)
class ProtocolPath:
    """A file or folder the protocol names by `key` (a dotted path such as `coding.fulltext`).

    `folder=True`: every file inside counts (one added, removed or changed makes the stage stale).
    """

    key: str
    folder: bool = False

    def describe(self) -> str:
        return f"the protocol's `{self.key}` {'folder' if self.folder else 'file'}"


@dataclass(frozen=True)
class SourceFiles:
    """The files of the protocol's `type: file` and `type: suggestions` sources (exports from
    databases, readers' suggestions) and the kept pages of its `type: citations` sources."""

    def describe(self) -> str:
        return "the protocol's file and suggestions sources and the kept pages of its citations sources"


Input = Union[Output, Ledger, ProtocolPath, SourceFiles]


@dataclass(frozen=True)
class Stage:
    """One pipeline step: its folder, what it reads and writes, the protocol sections it uses.

    `needs`: a protocol key that must be set for the stage to apply (`code` needs a codebook);
    `writes`: the files it writes in its folder (`*` marks a family of files, `<name>` a part of
    the file name that varies, a final `?` a file written only in some runs); `workbooks`: the
    workbooks people fill in, written to `data/<id>/workbooks/` (never replaced while they hold
    entries no ledger has; pipeline/runner/workbooks.py).
    """

    name: str
    folder: str
    reads: tuple[Input, ...]
    writes: tuple[str, ...]
    sections: tuple[str, ...]
    summary: str
    needs: str | None = None
    workbooks: tuple[str, ...] = ()

    def upstream(self) -> tuple[str, ...]:
        """The stages whose outputs this one reads, in declaration order, without repeats."""
        return tuple(dict.fromkeys(item.stage for item in self.reads if isinstance(item, Output)))


# ── the files that flow between stages ──────────────────────────────────────────────────────
SEARCH_RECORDS = Output("search", "records.csv")
SEARCH_LOG = Output("search", "search_log.csv")
DEDUPE_RECORDS = Output("dedupe", "records.csv")
WORKS = Output("dedupe", "works.csv")
PAIRS = Output("dedupe", "pairs.csv")
DEDUPE_MANIFEST = Output("dedupe", "manifest.json")
PROPOSALS = Output("screen", "proposals.csv")
SCREENED = Output("screen", "screened.csv")
INCLUDED = Output("screen", "included.csv")
CODES = Output("code", "codes.csv")
EXTRACTION = Output("code", "extraction.csv")
DEFINITIONS = Output("code", "definitions.csv")
COVERAGE = Output("code", "coverage.csv")

SCREENING_LEDGER = Ledger("screening.csv")
DEDUPE_LEDGER = Ledger("dedupe.csv")
CODING_LEDGER = Ledger("coding.csv")
EXTRACTION_LEDGER = Ledger("extraction.csv")
DEFINITIONS_LEDGER = Ledger("definitions.csv")

CODEBOOK = ProtocolPath("codebook")
FULLTEXT = ProtocolPath("coding.fulltext", folder=True)
PREVIOUS_VERSION = ProtocolPath("synthesis.previous_version")

#: The stages, in the order a person reads them (the run order is derived from `reads`).
STAGE_TABLE: tuple[Stage, ...] = (
    Stage("search", "01_search",
          reads=(SourceFiles(),),
          writes=("records.csv", "search_log.csv"),
          sections=("sources",),
          summary="import every file source and query every API source"),
    Stage("dedupe", "02_dedupe",
          reads=(SEARCH_RECORDS, DEDUPE_LEDGER),
          writes=("records.csv", "works.csv", "pairs.csv"),
          sections=("dedupe",),
          summary="group records into works; uncertain pairs to review",
          workbooks=("dedupe_review.xlsx?",)),
    Stage("screen", "03_screen",
          reads=(WORKS, SCREENING_LEDGER),
          writes=("proposals.csv", "screened.csv", "included.csv"),
          sections=("screening",),
          summary="apply the criteria and the reviewers' decisions",
          workbooks=("screening_conflicts.xlsx?", "screening_<phase>_<reviewer>.xlsx?")),
    Stage("code", "04_code",
          reads=(INCLUDED, CODEBOOK, FULLTEXT, CODING_LEDGER, EXTRACTION_LEDGER, DEFINITIONS_LEDGER),
          writes=("proposals.csv", "codes.csv", "extraction.csv", "definitions.csv", "coverage.csv", "conflicts.csv?",
                  "fulltext_files.csv?"),
          sections=("codebook", "coding"),
          summary="propose codes with evidence for the included works; apply the coders' codes",
          needs="codebook",
          workbooks=("coding.xlsx",)),
    Stage("synthesize", "05_synthesis",
          reads=(SEARCH_LOG, DEDUPE_MANIFEST, WORKS, SCREENED, INCLUDED, CODES, EXTRACTION, DEFINITIONS, COVERAGE,
                 CODEBOOK, PREVIOUS_VERSION),
          writes=("synthesis.xlsx", "tables/*", "prisma.json", "prisma.png", "prisma.svg", "prisma.docx", "figures/*",
                  "catalogue.md", "catalogue.html", "included.ris", "included.bib", "included.csl.json",
                  "screened.ris", "screened.bib", "asreview.csv", "report.md", "report.docx"),
          sections=("research_questions", "screening", "codebook", "synthesis"),
          summary="PRISMA counts checked, then tables, diagram, charts, catalogue, exports, report"),
    Stage("publish", "06_site",
          reads=(INCLUDED, CODES, DEDUPE_RECORDS, CODEBOOK),
          writes=("index.html", "updates.html", "feed.xml", "site.css", "site.js"),
          sections=("title", "sources", "codebook", "site"),
          summary="the included works as a static web site: by category and year, searchable, "
                  "with an update history and an Atom feed of the latest run's additions"),
)

STAGE_FOLDERS: dict[str, str] = {stage.name: stage.folder for stage in STAGE_TABLE}
STAGES_BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGE_TABLE}


def ordered_stages(table: tuple[Stage, ...] = STAGE_TABLE) -> list[Stage]:
    """The stages sorted so that each comes after every stage it reads from (ties: table order).

    Raises ValueError on a cycle or on a read from a stage that is not in the table: both are
    mistakes in this file, caught by the tests.
    """
    by_name = {stage.name: stage for stage in table}
    done: list[Stage] = []
    visiting: set[str] = set()

    def visit(stage: Stage) -> None:
        if stage in done:
            return
        if stage.name in visiting:
            raise ValueError(f"stage table: a cycle through {stage.name}")
        visiting.add(stage.name)
        for name in stage.upstream():
            if name not in by_name:
                raise ValueError(f"stage table: {stage.name} reads from unknown stage {name}")
            visit(by_name[name])
        visiting.discard(stage.name)
        done.append(stage)

    for stage in table:
        visit(stage)
    return done


def markdown_table(table: tuple[Stage, ...] = STAGE_TABLE) -> str:
    """The stage table as Markdown, for README.md and docs/ARCHITECTURE.md (a test keeps both equal
    to this, so the documentation cannot drift from the declarations)."""

    def describe(item: Input) -> str:
        if isinstance(item, (Output, Ledger)):
            return f"`{item.describe()}`"
        if isinstance(item, ProtocolPath):
            return f"the `{item.key}` {'folder (every file in it)' if item.folder else 'file'}"
        return "the exports named by `type: file` and `type: suggestions` sources, the kept iterations of `type: citations` sources"

    rows = ["| stage | folder | reads | writes | workbooks for people (`data/<id>/workbooks/`) | protocol sections |",
            "|---|---|---|---|---|---|"]
    for stage in ordered_stages(table):
        needs = f" (only with `{stage.needs}`)" if stage.needs else ""
        rows.append(f"| `{stage.name}`{needs} | `{stage.folder}/` | {', '.join(describe(i) for i in stage.reads)} | "
                    f"{', '.join(f'`{w}`' for w in stage.writes)} | {', '.join(f'`{w}`' for w in stage.workbooks)} | "
                    f"{', '.join(stage.sections)} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m pipeline.stage_table prints the table for the docs
    print(markdown_table(), end="")
