"""`slr code`: propose codes for the included works, write the coding workbook, import coders' work.

Reads 03_screen/included.csv, the codebook, full texts (protocol `coding.fulltext`) and the ledgers
data/<id>/ledger/coding.csv and extraction.csv. Writes 04_code/: codes.csv (codes as they stand,
long form), proposals.csv (every proposed code with its evidence), extraction.csv (the issuer case
studies), fulltext_files.csv (which file matched which work, and the ones that did not),
conflicts.csv (when coders disagree) and manifest.json; `slr code agreement` adds agreement.xlsx.
The workbook coders fill, data/<id>/workbooks/coding.xlsx, is never replaced while it holds coded
rows or extraction rows not imported (`workbooks.keep_unimported`). A coding workbook imported
with `--coder consensus` settles conflicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..codebook import Codebook, load_codebook
from ..errors import ConfigError, StageError, WorkbookError, did_you_mean
from ..roundtrip import (ExportInfo, check_export, check_rows, new_ledger_rows, read_export_info, unimported_rows,
                         workbook_key)
from ..sheets import Column, Sheet, column_ref, open_workbook, read_sheet, write_workbook
from ..stage_table import INCLUDED
from ..sources.fulltext import match_fulltexts
from ..stages.code.coverage import coverage
from ..stages.code.definitions import DEFINITION_LEDGER, apply_coders, find_definitions
from ..stages.code.quality import evidence_measures
from .code_definitions import DEFINITIONS_SHEET, definitions_sheet, read_definitions
from ..stages.code import (CONSENSUS, LEDGER_COLUMNS, agreement, autocode, awaiting_second_coder, conflicts,
                           final_codes, follow_works, latest_human)
from ..store import append_ledger, read_csv, sha256_file, write_csv
from .context import Context
from .workbooks import FilledWorkbook, keep_unimported

STAGE = "code"
CODING_SHEET, EXTRACTION_SHEET, CODES_SHEET, CONFLICTS_SHEET = "Coding", "Extraction", "Codes", "Conflicts"
EXTRACTION_FIELDS = ("issuer", "definition", "purposes", "country", "platform", "assessment", "award", "credits", "stacking", "portability",
                     "quality_assurance", "framework_level", "cost", "stakeholders", "source")
EXTRACTION_LEDGER = (*EXTRACTION_FIELDS, "coder", "time", "workbook", "workbook_checksum")
#: Case-study fields added after workbooks were first handed out (issue 18): an Extraction sheet
#: without them is still read (the fields count as empty), so a workbook filled before is not refused.
EXTRACTION_ADDED = ("definition", "purposes")
EXTRACTION_REQUIRED = [name for name in EXTRACTION_FIELDS if name not in EXTRACTION_ADDED]
WORKBOOK = "coding.xlsx"


@dataclass
class CodeSummary:
    works: int
    proposed: int
    codes: int
    fulltexts: int
    unmatched_files: int
    human_themes: int
    conflicts: int
    awaiting_second_coder: int
    folder: Path
    workbook: Path
    definitions: int = 0
    evidence: dict[str, Any] | None = None


def _codebook(ctx: Context) -> Codebook:
    if ctx.protocol.codebook is None:
        raise ConfigError(f"{ctx.protocol.path}: codebook: no codebook is set",
                          hint="add `codebook: config/codebook.yaml` to the protocol")
    return load_codebook(ctx.protocol.codebook, ctx.root)


def _included(ctx: Context) -> tuple[pd.DataFrame, Path]:
    path = ctx.store.output(INCLUDED)
    if not path.exists():
        raise StageError(f"code: {ctx.store.relative(path)} not found", hint="run `slr screen` first")
    return read_csv(path), path


def _ledger(ctx: Context, name: str) -> tuple[pd.DataFrame | None, Path]:
    path = ctx.store.ledger_dir / name
    return (read_csv(path) if path.exists() else None), path


def theme_column(rq: str, theme: str) -> str:
    return f"{rq}.{theme}"


def run_code(ctx: Context) -> CodeSummary:
    """Propose codes with evidence, put the coders' ledger over them, and write 04_code/."""
    started = ctx.begin(STAGE)
    book = _codebook(ctx)
    works, works_path = _included(ctx)
    workbook_path = ctx.store.workbooks_dir / WORKBOOK
    keep_unimported([coding_workbook(ctx, workbook_path)], ctx.store, "code")
    folder = ctx.protocol.coding.fulltext
    found = match_fulltexts(folder, works) if folder is not None else None
    with ctx.track("code") as report:
        proposed = autocode(works, book, found.texts if found else None)
        report(len(works), len(works))
    ledger, ledger_path = _ledger(ctx, "coding.csv")
    extraction, extraction_path = _ledger(ctx, "extraction.csv")
    # Codes follow works through re-runs of dedupe (a row made on a merged work moves with its records).
    mapped = follow_works(ledger, works)
    human = latest_human(mapped)
    codes = final_codes(proposed, mapped, accept_proposals=ctx.protocol.coding.accept_proposals)
    disputed = conflicts(human)
    waiting = awaiting_second_coder(human) if ctx.protocol.coding.coders == 2 else 0
    stage_dir = ctx.store.stage_dir(STAGE)
    conflicts_path = stage_dir / "conflicts.csv"
    if len(disputed):
        write_csv(conflicts_path, disputed)
    elif conflicts_path.exists():
        conflicts_path.unlink()  # an output: no conflicts left, no file
    write_csv(stage_dir / "proposals.csv", proposed)
    write_csv(stage_dir / "codes.csv", codes)
    definitions = apply_coders(find_definitions(works, book, found.texts if found else None),
                               _ledger(ctx, "definitions.csv")[0], book, set(works["work_id"]))
    write_csv(stage_dir / "definitions.csv", definitions)
    measured = evidence_measures(works, proposed, codes, human)
    measured["works_with_definitions"] = int(definitions["work_id"].nunique())
    covered = coverage(works, found.texts if found else None, ctx.protocol.screening.geography)
    write_csv(stage_dir / "coverage.csv", covered)
    latest_extraction = _latest_extraction(extraction)
    write_csv(stage_dir / "extraction.csv", latest_extraction)
    if found is not None:
        write_csv(stage_dir / "fulltext_files.csv", found.files)
    info = ExportInfo(review=ctx.protocol.id, kind="coding", ids=tuple(works["work_id"]),
                      stage=f"codebook {book.version}", exported_at=started.isoformat(),
                      record_ids=tuple("" if pd.isna(v) else str(v) for v in works["record_ids"]))
    extra = [_conflicts_sheet(disputed)] if len(disputed) else []
    write_workbook(workbook_path, [_coding_sheet(works, codes, book), _extraction_sheet(latest_extraction),
                                   _codes_sheet(book), definitions_sheet(definitions, works), *extra,
                                   *info.sheets(workbook_key(ctx.store.data_dir))])
    counts: dict[str, Any] = {
        "works": len(works), "codebook_version": book.version, "proposed_codes": len(proposed), "codes": len(codes),
        "codes_per_rq": {str(k): int(v) for k, v in codes.groupby("rq").size().items()},
        "works_per_theme": {f"{rq}.{theme}": int(n) for (rq, theme), n in
                            codes.groupby(["rq", "theme"])["work_id"].nunique().items()},
        "fulltexts_matched": len(found.texts) if found else 0,
        "fulltext_files_unmatched": int((found.files["status"] != "matched").sum()) if found else 0,
        "human_coded_themes": len(human), "conflicts": len(disputed), "awaiting_second_coder": waiting,
        "issuers_extracted": len(latest_extraction),
        "definitions": len(definitions), "works_with_definitions": int(definitions["work_id"].nunique()),
        "evidence": measured,
        "coverage": {"works_with_region": int(covered["regions"].notna().sum()),
                     "region_from_full_text": int(covered["geography_from"].str.contains("full text").sum()),
                     "quality_unrated": int((covered["quality_level"] == "unrated").sum())},
    }
    ctx.store.write_manifest(STAGE, ctx.manifest(STAGE, counts=counts, started=started))
    return CodeSummary(works=len(works), proposed=len(proposed), codes=len(codes),
                       fulltexts=counts["fulltexts_matched"], unmatched_files=counts["fulltext_files_unmatched"],
                       human_themes=len(human), conflicts=len(disputed), awaiting_second_coder=waiting,
                       folder=stage_dir, workbook=workbook_path, definitions=len(definitions),
                       evidence=measured)


def _coding_sheet(works: pd.DataFrame, codes: pd.DataFrame, book: Codebook) -> Sheet:
    table = pd.DataFrame({"work_id": works["work_id"], "title": works["title"], "year": works["year"],
                          "reviewed": None})
    by_theme = {key: group for key, group in codes.groupby(["work_id", "rq", "theme"])}
    columns = [Column("work_id", width=15), Column("title", width=45, wrap=True), Column("year", width=7),
               Column("reviewed", width=10, choices=("yes",), editable=True)]
    for rq, theme, _ in book.themes():
        name = theme_column(rq, theme)
        cells, evidence = [], []
        for work_id in works["work_id"]:
            group = by_theme.get((work_id, rq, theme))
            cells.append("; ".join(group["code"]) if group is not None else None)
            evidence.append(" | ".join(f"{c}: {e}" for c, e in zip(group["code"], group["evidence"], strict=True) if e)
                            if group is not None else None)
        table[name] = cells
        table[f"{name} evidence"] = evidence
        # Evidence is editable: a coder's own evidence is stored and preferred over the proposal's.
        columns += [Column(name, width=22, wrap=True, editable=True),
                    Column(f"{name} evidence", width=40, wrap=True, editable=True)]
    table["note"] = None
    table["record_ids"] = works["record_ids"] if "record_ids" in works else None
    columns += [Column("note", width=30, wrap=True, editable=True), Column("record_ids", hidden=True)]
    return Sheet(CODING_SHEET, table, columns=columns, freeze="C2")


def _extraction_sheet(latest: pd.DataFrame) -> Sheet:
    table = latest.reindex(columns=list(EXTRACTION_FIELDS))
    return Sheet(EXTRACTION_SHEET, table, columns=[Column(n, width=18, wrap=True, editable=True) for n in EXTRACTION_FIELDS])


def _codes_sheet(book: Codebook) -> Sheet:
    rows = [{"column": theme_column(rq, theme), "code": name, "definition": code.definition,
             "terms": "; ".join(code.terms)} for rq, theme, name, code in book.codes()]
    return Sheet(CODES_SHEET, pd.DataFrame(rows), columns=[Column("column", width=30), Column("code", width=28),
                                                           Column("definition", width=70, wrap=True),
                                                           Column("terms", width=50, wrap=True)])


def _conflicts_sheet(disputed: pd.DataFrame) -> Sheet:
    """Read-only: what each coder gave where they disagree (settle with `--coder consensus`)."""
    return Sheet(CONFLICTS_SHEET, disputed, columns=[Column("work_id", width=15), Column("coders", width=60, wrap=True),
                                                     Column("agreed", width=30, wrap=True),
                                                     Column("disputed", width=30, wrap=True)])


def _latest_extraction(extraction: pd.DataFrame | None) -> pd.DataFrame:
    if extraction is None or extraction.empty:
        return pd.DataFrame(columns=list(EXTRACTION_FIELDS))
    latest = extraction.sort_values("time", kind="stable").groupby(["issuer", "source"], as_index=False).last()
    return latest.reindex(columns=[*EXTRACTION_FIELDS, "coder"])


# ---------------------------------------------------------------------------------------------
# Import and agreement


@dataclass
class CodeImportSummary:
    files: int
    themes: int
    added: int
    issuers: int
    issuers_added: int
    #: Rows deleted from the Coding sheets since export, per file: not coded (they come back).
    not_decided: dict[Path, int] = field(default_factory=dict)
    definitions_added: int = 0


#: Per ledger: the key of a row and the columns whose change makes a new row. One home for the
#: import (what to append) and for the workbook check (what is not imported yet).
CODING_KEY, CODING_COMPARE = ["work_id", "rq", "theme", "coder"], ["codes", "evidence"]
EXTRACTION_KEY, EXTRACTION_COMPARE = ["issuer", "source"], list(EXTRACTION_FIELDS)
DEFINITION_KEY, DEFINITION_COMPARE = ["definition_id", "coder"], ["decision", "definition", "family"]


def coding_workbook(ctx: Context, path: Path) -> FilledWorkbook:
    """The coding workbook, with how to tell which coded, extraction and definition rows the ledgers lack."""
    def entries(book_path: Path) -> list[dict[str, Any]]:
        codes, issuers, definitions, _ = _read_coding(ctx, book_path, "", "")
        return [*({**r, "_ledger": "coding"} for r in codes), *({**r, "_ledger": "extraction"} for r in issuers),
                *({**r, "_ledger": "definitions"} for r in definitions)]

    def unimported(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        coding, _ = _ledger(ctx, "coding.csv")
        extraction, _ = _ledger(ctx, "extraction.csv")
        kept, _ = _ledger(ctx, "definitions.csv")
        # The coder is named on the import's command line: a row any coder imported counts.
        return (unimported_rows(coding, [r for r in rows if r["_ledger"] == "coding"],
                                key=CODING_KEY, compare=CODING_COMPARE, loose=["coder"])
                + unimported_rows(extraction, [r for r in rows if r["_ledger"] == "extraction"],
                                  key=EXTRACTION_KEY, compare=EXTRACTION_COMPARE)
                + unimported_rows(kept, [r for r in rows if r["_ledger"] == "definitions"],
                                  key=DEFINITION_KEY, compare=DEFINITION_COMPARE, loose=["coder"]))

    typed = {CODING_SHEET: ("reviewed",), EXTRACTION_SHEET: EXTRACTION_FIELDS,
             DEFINITIONS_SHEET: ("decision", "definition", "family")}
    return FilledWorkbook(path, entries, unimported, typed, "slr code import --coder NAME")


def run_code_import(ctx: Context, files: list[Path], *, coder: str) -> CodeImportSummary:
    """Validate every coded row and extraction row of every workbook, then append to the ledgers.

    `coder` names who coded; "consensus" settles the themes it codes whatever the coders said."""
    coder = coder.strip()
    if not re.fullmatch(r"[\w.-]+", coder) or coder == "auto":
        raise ConfigError(f'code import: --coder "{coder}" is not a usable coder name',
                          hint=f'use letters, digits, ".", "-" or "_" (not "auto", which marks proposals); '
                               f'"{CONSENSUS}" settles conflicts')
    now = ctx.clock().isoformat()
    code_rows: list[dict[str, Any]] = []
    issuer_rows: list[dict[str, Any]] = []
    definition_rows: list[dict[str, Any]] = []
    deleted: dict[Path, int] = {}
    for path in files:
        codes, issuers, definitions, missing = _read_coding(ctx, Path(path), coder, now)
        code_rows += codes
        issuer_rows += issuers
        definition_rows += definitions
        if missing:
            deleted[Path(path)] = len(missing)
    added = append_ledger(ctx.store.ledger_dir / "coding.csv", list(LEDGER_COLUMNS), lambda ledger: new_ledger_rows(
        ledger, code_rows, key=CODING_KEY, compare=CODING_COMPARE))
    added_issuers = append_ledger(ctx.store.ledger_dir / "extraction.csv", list(EXTRACTION_LEDGER),
                                  lambda extraction: new_ledger_rows(extraction, issuer_rows, key=EXTRACTION_KEY,
                                                                     compare=EXTRACTION_COMPARE))
    added_definitions = append_ledger(ctx.store.ledger_dir / "definitions.csv", list(DEFINITION_LEDGER),
                                      lambda kept: new_ledger_rows(kept, definition_rows, key=DEFINITION_KEY,
                                                                   compare=DEFINITION_COMPARE))
    return CodeImportSummary(files=len(files), themes=len(code_rows), added=len(added), issuers=len(issuer_rows),
                             issuers_added=len(added_issuers), not_decided=deleted,
                             definitions_added=len(added_definitions))


def _read_coding(ctx: Context, path: Path, coder: str, now: str) -> tuple[
        list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Every coded, extraction and definition row of a coding workbook, checked; and the rows deleted."""
    book = _codebook(ctx)
    works, _ = _included(ctx)
    known = set(works["work_id"])
    allowed = {theme_column(rq, theme): list(t.codes) for rq, theme, t in book.themes()}
    wb = open_workbook(path)
    info = read_export_info(path, wb, workbook_key(ctx.store.data_dir))
    check_export(path, info, review=ctx.protocol.id, kinds=["coding"])
    frame = read_sheet(path, CODING_SHEET, required=["work_id", "reviewed", *allowed], book=wb)
    missing = check_rows(path, CODING_SHEET, frame, info, "work_id")
    signed = info.record_ids_of()
    stamp = {"coder": coder, "time": now, "workbook": path.name, "workbook_checksum": sha256_file(path)[:16]}
    codes = _coded(path, frame, allowed, stamp)
    for row in codes:
        row["record_ids"] = signed.get(row["work_id"]) or row.get("record_ids")
    issuers = _issuers(path, read_sheet(path, EXTRACTION_SHEET, required=EXTRACTION_REQUIRED, book=wb),
                       known, stamp)
    definitions = read_definitions(path, wb, known, stamp)
    return codes, issuers, definitions, missing


def _coded(path: Path, frame: pd.DataFrame, allowed: dict[str, list[str]], stamp: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for record in frame.to_dict("records"):
        where = f'{path}, sheet "{CODING_SHEET}"'
        reviewed = str(record["reviewed"] or "").strip().lower()
        if reviewed not in ("", "yes"):
            raise WorkbookError(f'{where}, cell {column_ref(frame, "reviewed", record["_row"])}: reviewed "{record["reviewed"]}" '
                                "is not yes", hint="choose yes from the dropdown once the work is coded, or leave it empty")
        if reviewed != "yes":
            continue
        for column, codes in allowed.items():
            given = [c.strip() for c in str(record[column] or "").replace(",", ";").split(";") if c.strip()]
            for code in given:
                if code not in codes:
                    raise WorkbookError(f"{where}, cell {column_ref(frame, column, record['_row'])}: \"{code}\" is not "
                                        f"a code of {column}{did_you_mean(code, codes)}",
                                        hint=f"codes of {column}: {', '.join(codes)} (see the Codes sheet)")
            rq, theme = column.split(".", 1)
            evidence = record.get(f"{column} evidence")
            rows.append({"work_id": str(record["work_id"]), "rq": rq, "theme": theme, "codes": "; ".join(sorted(set(given))),
                         "evidence": str(evidence).strip() if evidence is not None else None,
                         "note": record.get("note"), "record_ids": record.get("record_ids"), **stamp})
    return rows


def _issuers(path: Path, frame: pd.DataFrame, known: set[str], stamp: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for record in frame.to_dict("records"):
        where = f'{path}, sheet "{EXTRACTION_SHEET}"'
        values = {name: (str(record[name]).strip() if record.get(name) is not None else None)
                  for name in EXTRACTION_FIELDS}
        if not any(values.values()):
            continue
        if not values["issuer"]:
            raise WorkbookError(f"{where}, cell {column_ref(frame, 'issuer', record['_row'])}: a row without an issuer",
                                hint="name the issuer, or clear the row")
        if values["source"] not in known:
            raise WorkbookError(f"{where}, cell {column_ref(frame, 'source', record['_row'])}: source "
                                f"\"{values['source']}\" is not the work_id of an included work",
                                hint="put the work_id (column A of the Coding sheet) the information comes from")
        rows.append({**values, **{k: stamp[k] for k in ("coder", "time", "workbook", "workbook_checksum")}})
    return rows


@dataclass
class AgreementSummary:
    agreement: pd.DataFrame
    conflicts: pd.DataFrame
    workbook: Path


def run_code_agreement(ctx: Context) -> AgreementSummary:
    """Per theme and pair of coders, kappa; the conflicts; both in 04_code/agreement.xlsx."""
    ledger, ledger_path = _ledger(ctx, "coding.csv")
    if ledger is None or ledger.empty:
        raise StageError(f"code agreement: the coding ledger {ctx.store.relative(ledger_path)} is empty",
                         hint="import coded workbooks first: slr code import FILE --coder NAME")
    works, _ = _included(ctx)
    human = latest_human(follow_works(ledger, works))
    table, disputed = agreement(human), conflicts(human)
    path = ctx.store.stage_dir(STAGE) / "agreement.xlsx"
    write_workbook(path, [Sheet("Agreement", table, columns=[Column("theme", width=26), Column("kappa", width=8)]),
                          _conflicts_sheet(disputed)])
    return AgreementSummary(agreement=table, conflicts=disputed, workbook=path)

