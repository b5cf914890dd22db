"""Full texts: a PDF with known text (made in the test) matched by DOI, read with page numbers,
and coded; text files matched by title; an HTML page read as its text (made from real text);
unreadable and unmatched files listed, not fatal."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from pipeline.codebook import load_codebook
from pipeline.sources.fulltext import match_fulltexts, read_pages
from pipeline.stages.code import autocode

ROOT = Path(__file__).parents[2]


def make_pdf(path: Path, pages: list[str]) -> None:
    """A minimal PDF (made here, not a real document): one text line per page, Helvetica."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for text in pages:
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream.decode('latin-1')}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)


WORKS = pd.DataFrame({
    "work_id": ["W1", "W2"], "doi": ["10.1234/mc.2021.7", None],
    "title": ["Stackable micro-credentials in Ireland", "Micro-credentials Processes"],
    "abstract": [None, None], "keywords": [None, None],
})


def test_pdf_matched_by_doi_read_by_page_and_coded(tmp_path: Path) -> None:
    make_pdf(tmp_path / "paper.pdf", ["doi:10.1234/mc.2021.7 Stackable micro-credentials in Ireland",
                                      "Learners earn ECTS credits on the FutureLearn platform."])
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (tmp_path / "notes.txt").write_text("Minutes of a meeting about something else entirely\n")
    (tmp_path / "micro-credentials_processes.txt").write_text((ROOT / "data/demo/fulltext/micro-credentials_processes.txt").read_text())
    found = match_fulltexts(tmp_path, WORKS)
    files = found.files.set_index("file")
    assert files.loc["paper.pdf", ["work_id", "matched_by", "pages", "status"]].tolist() == \
        ["W1", "DOI on the first page", 2, "matched"]
    assert files.loc["micro-credentials_processes.txt", "matched_by"] == "title in the file name"
    assert files.loc["notes.txt", "status"] == "unmatched"
    assert files.loc["broken.pdf", "status"] == "unreadable" and files.loc["broken.pdf", "detail"]
    assert [page for page, _ in found.texts["W1"]] == [1, 2]
    codes = autocode(WORKS, load_codebook(ROOT / "config" / "codebook.yaml"), found.texts)
    ects = codes[(codes["work_id"] == "W1") & (codes["code"] == "ects")].iloc[0]
    assert (ects["field"], ects["page"], ects["evidence"]) == \
        ("full_text", 2, "Learners earn ECTS credits on the FutureLearn platform.")


def test_text_pages_have_no_number() -> None:
    pages = read_pages(ROOT / "data" / "demo" / "fulltext" / "micro-credential_observatory.txt")
    assert len(pages) == 1 and pages[0][0] is None and pages[0][1].startswith("Micro-Credential Observatory")


def test_an_html_full_text_is_read_as_text_without_markup_or_scripts(tmp_path: Path) -> None:
    # MADE page from REAL text: the demo's full text of "Micro-credentials Processes" (a web page
    # kept as text, data/demo/fulltext), each line a paragraph, in markup with a script, a style, a
    # menu and entities, as `slr fulltext fetch` may keep a page (`<work_id>.html`).
    text = (ROOT / "data/demo/fulltext/micro-credentials_processes.txt").read_text(encoding="utf-8")
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    page = ("<!DOCTYPE html><html><head><title>Micro-credentials Processes | Ecctis</title>"
            "<script>var tracker = 'ECTS credits on FutureLearn';</script><style>p { color: red }</style></head>"
            "<body><nav><a href='/'>Home</a> <a href='/about'>About us</a></nav><main>" + paragraphs +
            "<script>document.write('<p>injected</p>')</script></main></body></html>")
    (tmp_path / "W2.html").write_text(page, encoding="utf-8")
    (tmp_path / "W2.html.json").write_text("{}", encoding="utf-8")  # the sidecar is not a full text
    found = match_fulltexts(tmp_path, WORKS)
    assert found.files[["file", "work_id", "matched_by", "pages", "status"]].values.tolist() == [
        ["W2.html", "W2", "file name is the work id", 1, "matched"]]
    ((page_number, read),) = found.texts["W2"]
    assert page_number is None and read.splitlines()[0] == "Micro-credentials Processes"
    assert "<" not in read and "tracker" not in read and "injected" not in read and "color" not in read
    assert "About us" not in read  # the menu is not the work's text
    assert read.split() == text.split()  # every word of the text, nothing else
    # Coded as the same text kept as .txt is.
    codebook = load_codebook(ROOT / "config" / "codebook.yaml")
    from_html = autocode(WORKS, codebook, found.texts)
    from_txt = autocode(WORKS, codebook, {"W2": [(None, text)]})
    columns = ["work_id", "code", "field", "evidence"]
    assert len(from_html) > 0 and from_html[columns].values.tolist() == from_txt[columns].values.tolist()
