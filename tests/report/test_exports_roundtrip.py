"""Exports read back by the readers people use: every field of every demo work, counted per field.

The demo runs offline in a temporary folder (its 739 works are real records: ERIC, Scopus, Embase,
PubMed, OpenAlex, arXiv, the Observatory). screened.ris and screened.bib hold every screened work,
included.csl.json the included ones; each is read back with the library the README names for it
(rispy, bibtexparser 2 with LaTeX decoding, citeproc-py) and every field is compared with works.csv.
A field "survives" when the value read back equals the value written; the counts are asserted so a
lost field shows as a number, not as a vague failure.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON

from pipeline.cli import main
from pipeline.records import split_list
from pipeline.report.doctypes import formats
from pipeline.report.exports import csl_language, screening_notes, to_bibtex, to_csl_json, to_ris
from pipeline.store import read_csv

ROOT = Path(__file__).parents[2]
#: Non-empty values per field in the demo's 739 works (works.csv), the figures each reader must reach.
#: The readers' suggestions (issue 19) add one work and give two works a DOI and its URL: the
#: suggested review, and the Observatory's OECD paper that a reviewer merged with its suggestion.
DEMO_FIELDS = {"work_id": 739, "title": 739, "abstract": 424, "authors": 422, "year": 739, "doi": 34, "venue": 32,
               "volume": 24, "issue": 18, "pages": 21, "publisher": 362, "doc_type": 739, "language": 412,
               "keywords": 739, "url": 411}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("demo_exports")
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(ROOT / "data" / "demo", root / "data" / "demo")
    assert main(["--root", str(root), "-c", "config/demo.yaml", "run", "--offline"]) == 0
    out = root / "outputs" / "demo"
    works = read_csv(out / "02_dedupe" / "works.csv")
    return {"folder": out / "05_synthesis", "works": works, "screened": read_csv(out / "03_screen" / "screened.csv"),
            "included": read_csv(out / "03_screen" / "included.csv")}


def _text(value) -> str | None:
    if value is None or value != value or str(value) == "<NA>":
        return None
    return str(value).strip() or None


def expected(row: dict, format_: str) -> dict:
    """What each field should read back as (lists for authors and keywords; the type as `format_` names it)."""
    return {"work_id": row["work_id"], "title": _text(row["title"]), "abstract": _text(row["abstract"]),
            "authors": split_list(row["authors"]) or None, "year": _text(row["year"]), "doi": _text(row["doi"]),
            "venue": _text(row["venue"]), "volume": _text(row["volume"]), "issue": _text(row["issue"]),
            "pages": _text(row["pages"]), "publisher": _text(row["publisher"]), "doc_type": getattr(formats(row["doc_type"]), format_),
            "language": _text(row["language"]), "keywords": split_list(row["keywords"]) or None,
            "url": _text(row["url"])}


def survived(works, read_back: dict[str, dict], format_: str, fields=DEMO_FIELDS) -> tuple[Counter, Counter, list]:
    """(fields written, fields that read back equal, a few differences to show on failure)."""
    written, same, diffs = Counter(), Counter(), []
    for row in works.to_dict("records"):
        want, got = expected(row, format_), read_back[row["work_id"]]
        for field in fields:
            if field == "doc_type" or want[field] is not None:
                written[field] += 1
                if got.get(field) == want[field]:
                    same[field] += 1
                elif len(diffs) < 5:
                    diffs.append((row["work_id"], field, want[field], got.get(field)))
    return written, same, diffs


def test_demo_has_the_fields_the_audit_counted(demo: dict) -> None:
    works = demo["works"]
    assert len(works) == 739 and len(demo["screened"]) == 739
    assert {f: int(works[f].notna().sum()) for f in DEMO_FIELDS if f != "doc_type"} == \
        {f: n for f, n in DEMO_FIELDS.items() if f != "doc_type"}


def test_screened_ris_keeps_every_field_of_every_work_rispy(demo: dict) -> None:
    entries = rispy.load(demo["folder"] / "screened.ris", encoding="utf-8")
    assert len(entries) == 739
    back = {}
    for e in entries:
        pages = "-".join(p for p in (e.get("start_page"), e.get("end_page")) if p) or None
        back[e["accession_number"]] = {
            "work_id": e["accession_number"], "title": e.get("title"), "abstract": e.get("abstract"),
            "authors": e.get("authors"), "year": e.get("year"), "doi": e.get("doi"), "venue": e.get("secondary_title"),
            "volume": e.get("volume"), "issue": e.get("number"), "pages": pages, "publisher": e.get("publisher"),
            "doc_type": e["type_of_reference"],
            "language": e.get("language"), "keywords": e.get("keywords"), "url": (e.get("urls") or [None])[0]}
    written, same, diffs = survived(demo["works"], back, "ris")
    assert same == written == Counter(DEMO_FIELDS), diffs
    # Decisions: ASReview's label note first, then slr's, for every work.
    notes = screening_notes(demo["screened"])
    assert all(e["notes"] == [notes[e["accession_number"]]["label"], notes[e["accession_number"]]["note"]]
               for e in entries)
    assert Counter(e["notes"][0] for e in entries) == {"ASReview_irrelevant": 507, "ASReview_relevant": 226,
                                                      "ASReview_not_seen": 6}
    # M3 only where Zotero has a type field for it, never on JOUR/GEN (Zotero makes it a child note there).
    assert {e["type_of_reference"] for e in entries if "type_of_work" in e} <= {"RPRT", "GOVDOC", "THES", "ELEC"}


def _bib_entries(path: Path) -> list:
    library = bibtexparser.parse_string(path.read_text(encoding="utf-8"), append_middleware=[
        middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors()])
    assert not library.failed_blocks
    return library.entries


def test_screened_bib_keeps_every_field_of_every_work_bibtexparser(demo: dict) -> None:
    entries = _bib_entries(demo["folder"] / "screened.bib")
    assert len(entries) == 739
    notes = screening_notes(demo["screened"])
    back = {}
    for e in entries:
        f = {field.key: field.value for field in e.fields}
        keywords = [k.strip() for k in f.get("keywords", "").split(";") if k.strip()]
        # The decision tag comes last; the note carries the decision in words.
        assert keywords[-1] == f"slr:{notes[e.key]['status']}" and f["note"] == notes[e.key]["note"]
        assert f["slr-work-id"] == e.key
        venue = next((f[name] for name in ("journal", "booktitle", "institution", "school", "howpublished") if name in f),
                     None)
        back[e.key] = {"work_id": e.key, "title": f.get("title"), "abstract": f.get("abstract"),
                       "authors": f.get("author"), "year": f.get("year"), "doi": f.get("doi"), "venue": venue,
                       "volume": f.get("volume"), "issue": f.get("number"), "pages": f.get("pages"),
                       "publisher": f.get("publisher"), "language": f.get("language"),
                       "keywords": keywords[:-1] or None, "url": f.get("url"),
                       "doc_type": e.entry_type}
    written, same, diffs = survived(demo["works"], back, "bibtex")
    assert same == written == Counter(DEMO_FIELDS), diffs
    # The entry types the mapping table gives for the works' source types.
    assert Counter(e.entry_type for e in entries) == {"article": 549, "techreport": 109, "misc": 70, "unpublished": 11}


def test_included_bib_prints_no_internal_note(demo: dict) -> None:
    text = (demo["folder"] / "included.bib").read_text(encoding="utf-8")
    assert text.count("@") == 226 and "note = " not in text and "slr work" not in text
    assert text.count("slr-work-id = ") == 226


def test_csl_json_keeps_every_field_of_every_work_citeproc(demo: dict) -> None:
    items = json.loads((demo["folder"] / "included.csl.json").read_text(encoding="utf-8"))
    assert [i["id"] for i in items] == demo["included"]["work_id"].tolist() and len(items) == 226
    # The 226 included works have no language; all 739 works, written by the same function, do.
    works = demo["works"]
    items = json.loads(to_csl_json(works))
    source = CiteProcJSON(items)
    back = {}
    for item in items:
        ref = source[item["id"].lower()]  # citeproc-py keys references by the lower-cased id

        def get(name):
            return str(ref[name]) if name in ref else None

        authors = [f"{a.family}, {a.given}" if "given" in a else a.literal for a in ref.get("author", [])]
        back[item["id"]] = {"work_id": item["id"] if ref.key == item["id"].lower() else None, "title": get("title"),
                            "abstract": get("abstract"), "authors": authors or None,
                            "year": str(ref["issued"]["year"]) if "issued" in ref else None, "doi": get("DOI"),
                            "venue": get("container_title"), "volume": get("volume"), "issue": get("issue"),
                            "pages": get("page"), "publisher": get("publisher"), "language": ref.get("language"),
                            "keywords": [k.strip() for k in get("keyword").split(";")] if get("keyword") else None,
                            "url": get("URL"), "doc_type": ref.type}
    # CSL wants a language tag: "English", "eng" and "en" are all written (and compared) as "en".
    written, same, diffs = survived(works.assign(language=works["language"].map(csl_language)), back, "csl")
    assert same == written == Counter(DEMO_FIELDS), diffs
    assert Counter(i.get("language") for i in items) == {"en": 412, None: 327}
    # Every item renders in a real style, and the work id is printed nowhere.
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == 739 and not [t for t in rendered if any(i["id"].lower() in t.lower() for i in items[:50])]


def test_asreview_csv_follows_asreview_conventions(demo: dict) -> None:
    """ASReview 3.0.8 (asreview/data/base.py, utils.py): columns by name, lists split on ";" alone,
    labels from `label_included`; the work id rides in a column ASReview keeps in its exports."""
    table = read_csv(demo["folder"] / "asreview.csv")
    assert table.columns.tolist() == ["work_id", "title", "abstract", "authors", "keywords", "year", "doi", "url",
                                      "label_included"]
    assert len(table) == 739 and table["work_id"].is_unique
    authors = [name for cell in table["authors"].dropna() for name in cell.split(";")]
    assert authors and not [n for n in authors if n != n.strip()]  # no leading space
    assert int(table["keywords"].notna().sum()) == 739 and int(table["url"].notna().sum()) == 411
    assert table["label_included"].fillna("").value_counts().to_dict() == {"0": 507, "1": 226, "": 6}


QUOTES = {"work_id": "Wq", "title": 'The "micro" in 50% {credentials}: 微证书 and Ελληνικά — “curly” \\ _ # & $ ~',
          "abstract": "Braces {x}, 100% done, \"quoted\"", "authors": "Żółć, Ana; World Health Organization",
          "year": 2021, "doi": "10.1000/x_y%z", "venue": "Journal & Co", "volume": "3", "issue": "2", "pages": "1-9",
          "publisher": "P", "doc_type": "Journal Articles; Reports - Research", "language": "Chinese",
          "keywords": "a, b; c%", "url": "https://example.org/a%20b?x={1}&y=_#top"}


def test_hard_characters_survive_bibtex_ris_and_csl() -> None:
    import pandas as pd

    works = pd.DataFrame([QUOTES])
    (entry,) = _bib_entries_from_text(to_bibtex(works))
    f = {field.key: field.value for field in entry.fields}
    assert (f["title"], f["abstract"], f["url"], f["doi"], f["keywords"]) == (
        QUOTES["title"], QUOTES["abstract"], QUOTES["url"], QUOTES["doi"], QUOTES["keywords"])
    assert f["author"] == ["Żółć, Ana", "World Health Organization"] and entry.entry_type == "article"
    (ris,) = rispy.loads(to_ris(works))
    assert (ris["title"], ris["urls"], ris["keywords"], ris["type_of_reference"]) == (
        QUOTES["title"], [QUOTES["url"]], ["a, b", "c%"], "JOUR")
    (csl,) = json.loads(to_csl_json(works))
    assert (csl["title"], csl["language"], csl["type"], csl["issue"]) == (QUOTES["title"], "zh", "article-journal", "2")


def _bib_entries_from_text(text: str) -> list:
    library = bibtexparser.parse_string(text, append_middleware=[middlewares.LatexDecodingMiddleware(),
                                                                 middlewares.SeparateCoAuthors()])
    assert not library.failed_blocks
    return library.entries


def test_synthesis_workbook_shows_other_programs_only_its_data_sheets(demo: dict) -> None:
    """Issue 21 item 3, for synthesis.xlsx: pandas (and Excel) see the data sheets and nothing else."""
    import pandas as pd
    from openpyxl import load_workbook

    sheets = list(pd.read_excel(demo["folder"] / "synthesis.xlsx", sheet_name=None, engine="openpyxl"))
    assert sheets == ["Sources", "Coding matrix", "RQ1", "RQ2", "Definitions", "Definition elements", "Findings",
                      "Issuers", "Issuers compared", "By year", "By region", "By type", "Gaps", "PRISMA", "Search log",
                      "Protocol"]
    book = load_workbook(demo["folder"] / "synthesis.xlsx", read_only=True)
    assert {ws.sheet_state for ws in book.worksheets} == {"visible"}
