"""Screening decisions made in other tools, read from their exports: ASReview LAB, Rayyan, Covidence.

Each reader turns a file into `ExternalDecision`s: where the row is (for errors), the decision in
slr's words (include / exclude / maybe, or None when the tool has none for it), the tool's reason
and note, and what identifies the work (an slr work id, DOI, title and year, the tool's own ids).
Matching rows to works and writing the ledger happen in runner/screen_external.py.

Conventions, from each tool's own code or documentation:

- ASReview LAB (asreview 3.0.8, `asreview/data/base.py`, `data/ris.py`, `webapp/_api/projects.py`):
  CSV exports carry the input columns plus `asreview_label` (1 relevant, 0 irrelevant, empty not
  seen), `asreview_note`, `asreview_time`, `asreview_user_name`; labelled datasets use `included`
  or one of the other label headers ASReview accepts. RIS exports carry the label as a note
  (`N1  - ASReview_relevant` / `ASReview_irrelevant` / `ASReview_not_seen`; Zotero wraps notes
  in `<p>…</p>`) and other data as `asreview_<name>: <json>` notes.
- Rayyan (export to CSV or RIS): the `notes` field holds
  `RAYYAN-INCLUSION: {"Ana"=>"Included", "Bo"=>"Excluded"} | RAYYAN-LABELS: … |
  RAYYAN-EXCLUSION-REASONS: wrong population, …`; decisions are per reviewer, reasons per article.
- Covidence (Export → CSV): one list per file (Irrelevant, Excluded, Included …), so the decision
  comes from the command line; columns "Title", "Published Year", "DOI", "Accession Number",
  "Covidence #", "Notes", and, where exported, "Exclusion reason".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .ris import parse_line
from .tabular import _delimited_rows
from .tagged import scan
from .text import read_text

TOOLS: tuple[str, ...] = ("asreview", "rayyan", "covidence")
#: ASReview's label headers, in its order of preference (asreview/data/base.py).
ASREVIEW_LABEL_COLUMNS = ("asreview_label", "included", "label", "final_included", "label_included",
                          "included_label", "included_final", "included_flag", "include")
#: Label values ASReview accepts (asreview/data/utils.py `standardize_included_label`; a float
#: column written by pandas gives "1.0").
_ASREVIEW_VALUES = {"1": "include", "1.0": "include", "yes": "include", "y": "include",
                    "0": "exclude", "0.0": "exclude", "no": "exclude", "n": "exclude", "": None}
_ASREVIEW_NOTES = {"ASReview_relevant": "include", "ASReview_irrelevant": "exclude", "ASReview_not_seen": None}
_RAYYAN_VALUES = {"included": "include", "excluded": "exclude", "maybe": "maybe"}
_RAYYAN_INCLUSION = re.compile(r"RAYYAN-INCLUSION:\s*\{(.*?)\}", re.DOTALL)
_RAYYAN_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*"((?:[^"\\]|\\.)*)"')
_RAYYAN_PART = re.compile(r"RAYYAN-(LABELS|EXCLUSION-REASONS):\s*([^|]*)")
_ZOTERO_P = re.compile(r"^<p>|</p>$")
#: Headers that identify a work in these exports (besides DOI and title).
ID_COLUMNS = ("work_id", "slr_work_id", "slr-work-id", "record_id", "id", "key", "accession number",
              "accession_number", "covidence #", "ref", "pmid", "openalex_id", "eid", "ut")
TITLE_COLUMNS = ("title", "primary_title", "ti")
YEAR_COLUMNS = ("year", "published year", "publication_year", "py")


@dataclass
class ExternalDecision:
    """One row of another tool's export."""

    where: str                       # "line 12" / "record 3 (line 40)"
    decision: str | None             # include / exclude / maybe; None: no decision in this row
    label: str = ""                  # the tool's own value, for messages
    reasons: list[str] = field(default_factory=list)
    note: str | None = None
    work_id: str | None = None
    doi: str | None = None
    title: str | None = None
    year: str | None = None
    ids: list[str] = field(default_factory=list)
    tool_reviewers: set[str] = field(default_factory=set)  # who decided this row in the tool (Rayyan)


def read_decisions(path: Path, tool: str, *, reviewer: str, decision: str | None = None) -> list[ExternalDecision]:
    """Every row of `path` as `tool` exported it; an unknown label is an InputError naming the row."""
    if tool not in TOOLS:
        raise InputError(f'{path}: unknown tool "{tool}"', hint=f"tools are: {', '.join(TOOLS)}")
    if path.suffix.lower() in (".xlsx", ".xls", ".zip", ".asreview"):
        raise InputError(f"{path}: slr reads these tools' CSV and RIS exports, not {path.suffix} files",
                         hint="export the decisions again as CSV (or RIS) and import that file")
    text, _ = read_text(path)
    is_ris = bool(re.match(r"\s*(\ufeff)?TY  -", text))
    if tool == "covidence":
        if is_ris or decision is None:
            raise InputError(f"{path}: a Covidence export holds one list, so its decision is given on the command "
                             "line", hint="export the list as CSV and pass --decision include|exclude|maybe")
        return [_covidence(row, where, decision) for where, row in _table(text, path)]
    rows = _ris(text, path) if is_ris else _table(text, path)
    if tool == "asreview":
        return [_asreview(row, where, path, is_ris) for where, row in rows]
    return [_rayyan(row, where, path, reviewer) for where, row in rows]


def _table(text: str, path: Path) -> list[tuple[str, dict[str, str]]]:
    header, rows = _delimited_rows(text, path, None)
    if header is None:
        raise InputError(f"{path}: no header row found", hint="export the file again with column headers")
    names = [(h or "").strip().lower().lstrip("\ufeff") for h in header[1]]
    return [(f"line {number}", {n: (v or "") for n, v in zip(names, values) if n}) for number, values in rows]


def _ris(text: str, path: Path) -> list[tuple[str, dict[str, str]]]:
    records, _ = scan(text, path, parse_line=parse_line, start="TY", end="ER")
    out = []
    for record in records:
        notes = [_ZOTERO_P.sub("", n).strip() for n in record.items("N1")]
        out.append((record.where, {"title": record.first("TI", "T1") or "", "year": (record.first("PY", "Y1", "DA") or "")[:4],
                                   "doi": record.first("DO") or "", "accession number": record.first("AN") or "",
                                   "id": record.first("ID") or "", "_notes": "\n".join(notes)}))
    return out


def _ids(row: dict[str, str]) -> dict[str, object]:
    work_id = row.get("work_id") or row.get("slr_work_id") or row.get("slr-work-id") or None
    return {"work_id": work_id, "doi": row.get("doi") or None,
            "title": next((row[c] for c in TITLE_COLUMNS if row.get(c)), None),
            "year": next((row[c] for c in YEAR_COLUMNS if row.get(c)), None),
            "ids": [row[c] for c in ID_COLUMNS if row.get(c)]}


def _asreview(row: dict[str, str], where: str, path: Path, is_ris: bool) -> ExternalDecision:
    if is_ris:
        notes = row["_notes"].splitlines()
        labels = [n for n in notes if n.startswith("ASReview_")]
        wrong = [n for n in labels if n not in _ASREVIEW_NOTES]
        if wrong:
            raise InputError(f'{path}, {where}: note "{wrong[0]}" is not an ASReview label',
                             hint=f"ASReview writes {', '.join(_ASREVIEW_NOTES)}; correct or delete that note")
        label = labels[0] if labels else "ASReview_not_seen"
        rest = [n for n in notes if not n.startswith("ASReview_")]
        note = next((_json_text(n.split(":", 1)[1]) for n in rest if n.startswith("asreview_note:")), None)
        return ExternalDecision(where, _ASREVIEW_NOTES[label], label=label, note=note, **_ids(row))
    column = next((c for c in ASREVIEW_LABEL_COLUMNS if c in row), None)
    if column is None:
        raise InputError(f"{path}: no label column (ASReview writes asreview_label; labelled datasets use included)",
                         hint=f"export the project's dataset from ASReview LAB; label columns: "
                              f"{', '.join(ASREVIEW_LABEL_COLUMNS)}")
    value = row[column].strip()
    if value.lower() not in _ASREVIEW_VALUES:
        raise InputError(f'{path}, {where}, column "{column}": "{value}" is not an ASReview label',
                         hint="labels are 1 (relevant), 0 (irrelevant) or empty (not seen)")
    return ExternalDecision(where, _ASREVIEW_VALUES[value.lower()], label=f"{column}={value}",
                            note=row.get("asreview_note") or None, **_ids(row))


def _json_text(value: str) -> str | None:
    try:
        text = json.loads(value)
    except ValueError:
        text = value.strip()
    return str(text) if text not in (None, "") else None


def _rayyan(row: dict[str, str], where: str, path: Path, reviewer: str) -> ExternalDecision:
    notes = row.get("_notes", row.get("notes", ""))
    match = _RAYYAN_INCLUSION.search(notes)
    pairs = _RAYYAN_PAIR.findall(match.group(1)) if match else []
    decisions = {name.strip().lower(): value for name, value in pairs}
    for name, value in decisions.items():
        if value.strip().lower() not in _RAYYAN_VALUES:
            raise InputError(f'{path}, {where}: Rayyan decision "{value}" of reviewer "{name}" is not a Rayyan label',
                             hint="Rayyan writes Included, Excluded or Maybe; export the file from Rayyan again")
    parts = {key: value.strip() for key, value in _RAYYAN_PART.findall(notes)}
    value = decisions.get(reviewer.strip().lower())
    reasons = [r.strip() for r in re.split(r"[,;]", parts.get("EXCLUSION-REASONS", "")) if r.strip()]
    note = "; ".join(f"{k.lower().replace('-', ' ')}: {v}" for k, v in parts.items() if v) or None
    return ExternalDecision(where, _RAYYAN_VALUES[value.strip().lower()] if value else None, label=value or "",
                            reasons=reasons, note=note, tool_reviewers={name.strip() for name, _ in pairs}, **_ids(row))


def _covidence(row: dict[str, str], where: str, decision: str) -> ExternalDecision:
    reason = row.get("exclusion reason") or row.get("exclusion reasons") or ""
    note = "; ".join(f"{k}: {row[k]}" for k in ("notes", "tags") if row.get(k)) or None
    return ExternalDecision(where, decision, label=decision, reasons=[reason.strip()] if reason.strip() else [],
                            note=note, **_ids(row))
