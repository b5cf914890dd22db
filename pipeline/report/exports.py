"""Works for reference managers, citation processors and screening tools: RIS, BibTeX, CSL JSON, ASReview CSV.

Every field a format can hold is written, in the place the readers people use look for it (see the
README's table of exports): language (RIS `LA`, BibTeX `language`, CSL `language`), abstract,
keywords, issue, the document type mapped per format (`doctypes.py`), and the work id where each
target keeps it (RIS `AN`, which Zotero stores as "Loc. in Archive" and EndNote as "Accession
Number"; the BibTeX key, stable across runs, and `slr-work-id`, a field no style prints; CSL `id`;
the ASReview CSV's `work_id` column, kept by ASReview LAB in its exports). Texts read back as
written: BibTeX keeps `"` (not `''`) and `--`, escapes LaTeX's specials and braces, and in DOIs and
URLs escapes `%` (`\\%`: a LaTeX-decoding reader would cut the URL there), `&`, `_`, `#`, `$`.

Passing `decisions` (see `screening_notes`) writes the screening decision and reason of each work:
RIS `N1` (a Zotero child note, EndNote's Notes; with ASReview's own `ASReview_relevant` /
`ASReview_irrelevant` / `ASReview_not_seen` label first, so ASReview LAB reads the labels back),
BibTeX `keywords` (Zotero tags such as `slr:excluded`) and `note` (Zotero's Extra, EndNote's Notes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import bibtexparser
import pandas as pd
import pycountry
import rispy
from bibtexparser.model import Entry, Field

from ..records import split_list
from .doctypes import formats

#: Kinds whose RIS type has a "type" field in Zotero (report type, thesis type, website type), so
#: `M3` lands there; on JOUR or GEN records Zotero turns an `M3` into a child note.
_M3_KEPT = frozenset({"RPRT", "GOVDOC", "THES", "ELEC"})
#: BibTeX field of the venue per entry type.
_VENUE_FIELD = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle",
                "techreport": "institution", "phdthesis": "school"}
#: The field that carries the work id in BibTeX: unknown to every style, so never printed.
BIB_WORK_ID = "slr-work-id"
#: LaTeX's special characters, escaped; everything else is written as it is, in UTF-8 (biber, Zotero,
#: JabRef, bibtexparser and LaTeX since 2018 read it): `"` stays `"` (pylatexenc writes `''`, which
#: reads back as two apostrophes) and Greek, CJK or accented letters stay letters.
_LATEX_SPECIALS = {"\\": r"{\textbackslash}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "#": r"\#",
                   "_": r"\_", "$": r"\$", "~": r"{\textasciitilde}", "^": r"{\textasciicircum}"}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX_SPECIALS)) + "]")
#: Pairs LaTeX reads as one character ("--" an en dash, "''" a closing quote, "?`" an inverted ?),
#: split by an empty group so they read back as typed.
_LIGATURE = re.compile(r"(-(?=-)|'(?=')|`(?=`)|[?!](?=`))")
#: In DOIs and URLs: what a LaTeX-decoding reader would take for markup ("%" starts a comment, "&"
#: is a table column, "~" a space); url/hyperref, Zotero and slr's BibTeX reader undo these escapes.
_URL_SPECIALS = {"%": r"\%", "&": r"\&", "#": r"\#", "_": r"\_", "$": r"\$", "{": r"\{", "}": r"\}",
                 "~": r"{\textasciitilde}"}
_URL_SPECIAL = re.compile("[" + re.escape("".join(_URL_SPECIALS)) + "]")
ASREVIEW_LABELS = {"included": "ASReview_relevant", "excluded": "ASReview_irrelevant"}
ASREVIEW_UNSEEN = "ASReview_not_seen"


def _text(value: Any) -> str | None:
    """A field's text, or None for missing values (NaN, <NA>, empty)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _year(value: Any) -> str | None:
    text = _text(value)
    return text[:-2] if text and text.endswith(".0") else text


def screening_notes(screened: pd.DataFrame) -> dict[str, Mapping[str, str]]:
    """work_id → {status, label, note} for screened.csv rows: the decision in words a person reads.

    The note reads "slr screening: excluded at title_abstract; reason: …; decided by: …", one line,
    `;`-separated, so a reference manager shows it whole and a script can split it.
    """
    out = {}
    for row in screened.to_dict("records"):
        status = _text(row.get("status")) or "awaiting"
        parts = [f"slr screening: {status}"]
        stage = _text(row.get("excluded_at")) if status == "excluded" else None
        if status == "excluded":
            parts[0] += f" at {stage}" if stage else ""
            if _text(row.get("exclusion_reason")):
                parts.append(f"reason: {_text(row['exclusion_reason'])}")
        elif status == "awaiting" and _text(row.get("awaiting_stage")):
            parts[0] += f" at {_text(row['awaiting_stage'])}"
        elif status == "conflict" and _text(row.get("conflict")):
            parts.append(f"conflict: {_text(row['conflict'])}")
        decided = [_text(row.get(f"{s}_decided_by")) for s in ("title_abstract", "full_text")]
        decided_by = stage and _text(row.get(f"{stage}_decided_by")) or next((d for d in reversed(decided) if d), None)
        if decided_by and status in ("included", "excluded"):
            parts.append(f"decided by: {decided_by}")
        out[str(row["work_id"])] = {"status": status, "label": ASREVIEW_LABELS.get(status, ASREVIEW_UNSEEN),
                                    "note": "; ".join(parts)}
    return out


# ---------------------------------------------------------------------------------------------
# RIS


def to_ris(works: pd.DataFrame, decisions: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """RIS for Zotero, EndNote, Mendeley and ASReview (written with rispy)."""
    entries = []
    for row in works.to_dict("records"):
        ty = formats(row.get("doc_type")).ris
        entry: dict[str, Any] = {"type_of_reference": ty, "title": _text(row.get("title")) or "",
                                 "accession_number": str(row["work_id"])}
        if ty in _M3_KEPT and _text(row.get("doc_type")):
            entry["type_of_work"] = _text(row["doc_type"])  # Zotero: report/thesis/website type
        for key, field in (("authors", "authors"), ("keywords", "keywords")):
            if split_list(row.get(field)):
                entry[key] = split_list(row.get(field))
        for key, field in (("doi", "doi"), ("secondary_title", "venue"), ("volume", "volume"), ("number", "issue"),
                           ("abstract", "abstract"), ("publisher", "publisher"), ("language", "language")):
            if _text(row.get(field)):
                entry[key] = _text(row[field])
        if _year(row.get("year")):
            entry["year"] = _year(row["year"])
        if _text(row.get("url")):
            entry["urls"] = [_text(row["url"])]
        if _text(row.get("pages")):
            start, _, end = _text(row["pages"]).partition("-")
            entry["start_page"] = start
            if end:
                entry["end_page"] = end
        if decisions is not None and str(row["work_id"]) in decisions:
            decision = decisions[str(row["work_id"])]
            entry["notes"] = [decision["label"], decision["note"]]
        entries.append(entry)
    return rispy.dumps(entries)


# ---------------------------------------------------------------------------------------------
# BibTeX


def _latex(text: str) -> str:
    return _LIGATURE.sub(r"\1{}", _LATEX_SPECIAL.sub(lambda m: _LATEX_SPECIALS[m.group()], text))


def _url(text: str) -> str:
    return _URL_SPECIAL.sub(lambda m: _URL_SPECIALS[m.group()], text)


def to_bibtex(works: pd.DataFrame, decisions: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """BibTeX: LaTeX's specials escaped (`&` → `\\&`; `"`, `--` and non-ASCII kept as typed), DOIs and
    URLs verbatim but for LaTeX's specials (`\\%`, `\\&`, `\\_`); the key is the work id (stable across runs)."""
    library = bibtexparser.Library()
    for row in works.to_dict("records"):
        work_id = str(row["work_id"])
        entry_type = formats(row.get("doc_type")).bibtex
        fields = [Field("title", _latex(_text(row.get("title")) or ""))]
        if split_list(row.get("authors")):
            # A name without a comma is kept whole in braces ("{World Health Organization}"): BibTeX
            # would otherwise split it into given and family names, and an "and" in it into two people.
            names = [_latex(n) if "," in n else "{" + _latex(n) + "}" for n in split_list(row["authors"])]
            fields.append(Field("author", " and ".join(names)))
        for key, field in (("year", "year"), (_VENUE_FIELD.get(entry_type, "howpublished"), "venue"),
                           ("volume", "volume"), ("number", "issue"), ("pages", "pages"), ("publisher", "publisher"),
                           ("abstract", "abstract"), ("language", "language")):
            value = _year(row.get(field)) if field == "year" else _text(row.get(field))
            if value:
                fields.append(Field(key, _latex(value)))
        keywords = split_list(row.get("keywords"))
        if decisions is not None and work_id in decisions:
            keywords = [*keywords, f"slr:{decisions[work_id]['status']}"]
            fields.append(Field("note", _latex(decisions[work_id]["note"])))
        if keywords:
            # "; " as Zotero (which splits on , and ;) and slr's readers split; commas occur in keywords.
            fields.append(Field("keywords", _latex("; ".join(keywords))))
        if _text(row.get("doi")):
            fields.append(Field("doi", _url(_text(row["doi"]))))
        if _text(row.get("url")):
            fields.append(Field("url", _url(_text(row["url"]))))
        fields.append(Field(BIB_WORK_ID, work_id))
        library.add(Entry(entry_type, work_id, fields))
    return bibtexparser.write_string(library)


# ---------------------------------------------------------------------------------------------
# CSL JSON


def csl_language(value: Any) -> str | None:
    """A BCP 47 tag for CSL ("English" / "eng" / "en" → "en"), which processors use for title
    casing; a value pycountry does not know is kept as written."""
    text = _text(value)
    if not text:
        return None
    language = (pycountry.languages.get(alpha_2=text.lower()) if len(text) == 2 else None) or \
        (pycountry.languages.get(alpha_3=text.lower()) if len(text) == 3 else None)
    if language is None:
        try:
            language = pycountry.languages.lookup(text)  # a name: "English", "german"
        except LookupError:
            return text
    return getattr(language, "alpha_2", None) or language.alpha_3


def to_csl_json(works: pd.DataFrame) -> str:
    """CSL JSON for citeproc processors (Pandoc, Zotero, citeproc-py); `id` is the work id."""
    items = []
    for row in works.to_dict("records"):
        item: dict[str, Any] = {"id": str(row["work_id"]), "type": formats(row.get("doc_type")).csl,
                                "title": _text(row.get("title")) or ""}
        authors = []
        for name in split_list(row.get("authors")):
            family, _, given = name.partition(",")
            authors.append({"family": family.strip(), "given": given.strip()} if given.strip() else {"literal": name})
        if authors:
            item["author"] = authors
        if _year(row.get("year")):
            item["issued"] = {"date-parts": [[int(_year(row["year"]))]]}
        for key, field in (("DOI", "doi"), ("container-title", "venue"), ("URL", "url"), ("volume", "volume"),
                           ("issue", "issue"), ("page", "pages"), ("publisher", "publisher"),
                           ("abstract", "abstract")):
            if _text(row.get(field)):
                item[key] = _text(row[field])
        if split_list(row.get("keywords")):
            item["keyword"] = "; ".join(split_list(row["keywords"]))
        if csl_language(row.get("language")):
            item["language"] = csl_language(row["language"])
        items.append(item)
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------------------------
# ASReview


def to_asreview(screened: pd.DataFrame, works: pd.DataFrame) -> pd.DataFrame:
    """Every screened work for ASReview LAB (a partly labelled dataset).

    Columns as ASReview 3 reads them: title, abstract, authors and keywords `;`-joined without a
    space (ASReview splits on ";" alone), year, doi, url, label_included (1 included, 0 excluded,
    empty while awaiting or in conflict), and `work_id`, which ASReview keeps among the input
    columns of its exports, so `slr screen import-decisions` maps the labels back without guessing.
    """
    bib = works.set_index("work_id")
    table = pd.DataFrame({"work_id": screened["work_id"]})
    for column in ("title", "abstract", "authors", "keywords", "year", "doi", "url"):
        values = table["work_id"].map(bib[column]) if column in bib else pd.Series([None] * len(table))
        if column in ("authors", "keywords"):
            values = values.map(lambda v: ";".join(split_list(v)) or None)
        table[column] = values.map(_year) if column == "year" else values
    table["label_included"] = [{"included": "1", "excluded": "0"}.get(status) for status in screened["status"]]
    return table.reset_index(drop=True)
