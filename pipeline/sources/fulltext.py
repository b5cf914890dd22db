"""Full texts: a folder of PDFs, HTML pages and text files, each matched to its work and read page by page.

A file is matched to a work by, in order: its name being the work id; a DOI in its name ("10.1234_
abc.pdf", "/" written as "_") or on its first page; its name or first line being the work's title
(rapidfuzz ratio ≥ 90 after normalising case and punctuation). PDFs are read with pypdf, keeping
page numbers; .txt and .md files are one page without a number, and so are .html/.htm pages (what
`slr fulltext fetch` keeps when a page is the full text): their readable text, parsed with the
standard library's HTML parser, without tags, scripts, styles, menus (pipeline/sources/fulltext_html.py);
nothing in them is run. Files that match no work, or that cannot be read, are listed with the
reason — never fatal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from ..records import normalise_doi, normalise_title_key
from .fulltext_html import read_html
from .text import read_text

SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")
_DOI = re.compile(r"10\.\d{4,9}/[^\s\"<>]+")
TITLE_RATIO = 90

Pages = list[tuple[int | None, str]]


@dataclass
class FullTexts:
    texts: dict[str, Pages] = field(default_factory=dict)
    #: One row per file: file, work_id, matched_by, pages, status (matched / unmatched / unreadable), detail.
    files: pd.DataFrame = field(default_factory=pd.DataFrame)


def read_pages(path: Path) -> Pages:
    """The pages of one file (PDF: numbered from 1; text and HTML: one page without a number)."""
    if path.suffix.lower() in (".html", ".htm"):
        return [(None, read_html(path.read_bytes()).text)]
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(str(path))
        return [(number, page.extract_text() or "") for number, page in enumerate(reader.pages, start=1)]
    text, _ = read_text(path)
    return [(None, text)]


def match_fulltexts(folder: Path, works: pd.DataFrame) -> FullTexts:
    """Read every full text in `folder` and match it to one of `works` (work_id, doi, title)."""
    ids = set(works["work_id"])
    by_doi = {d: w for w, d in zip(works["work_id"], works["doi"], strict=True) if isinstance(d, str) and d}
    titles = {w: normalise_title_key(t) for w, t in zip(works["work_id"], works["title"], strict=True)
              if isinstance(t, str) and t}
    rows, texts = [], {}
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES):
        try:
            pages = read_pages(path)
        except Exception as exc:  # a damaged PDF raises many kinds of errors; it is listed, not fatal
            rows.append({"file": path.name, "work_id": None, "matched_by": None, "pages": 0, "status": "unreadable",
                         "detail": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        work_id, how = _match(path, pages, ids, by_doi, titles)
        status = "matched" if work_id else "unmatched"
        if work_id and work_id in texts:
            status, work_id, how = "unmatched", None, f"a second file for {work_id}"
        if work_id:
            texts[work_id] = pages
        rows.append({"file": path.name, "work_id": work_id, "matched_by": how, "pages": len(pages), "status": status,
                     "detail": None if work_id else (how or "no work has this file's id, DOI or title")})
    files = pd.DataFrame(rows, columns=["file", "work_id", "matched_by", "pages", "status", "detail"])
    return FullTexts(texts=texts, files=files)


def _match(path: Path, pages: Pages, ids: set[str], by_doi: dict[str, str],
           titles: dict[str, str]) -> tuple[str | None, str | None]:
    if path.stem in ids:
        return path.stem, "file name is the work id"
    name_doi = normalise_doi(path.stem.replace("_", "/"))
    if name_doi and name_doi in by_doi:
        return by_doi[name_doi], "DOI in the file name"
    first = pages[0][1] if pages else ""
    for found in _DOI.findall(first[:5000]):
        doi = normalise_doi(found.rstrip(".,;)"))
        if doi in by_doi:
            return by_doi[doi], "DOI on the first page"
    if titles:
        first_line = next((line for line in first.splitlines() if line.strip()), "")
        for candidate, how in ((path.stem.replace("_", " "), "title in the file name"), (first_line, "title on the first line")):
            key = normalise_title_key(candidate)
            if len(key) < 8:
                continue
            best = process.extractOne(key, titles, scorer=fuzz.ratio, score_cutoff=TITLE_RATIO)
            if best:
                return best[2], how
    return None, None
