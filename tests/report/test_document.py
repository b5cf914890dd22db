"""report.docx: bold and italic runs, tables, page size, the references list; citations from CSL JSON.

The records cited are real (tests/data/screening/asreview_scopus.ris, read with the project's RIS
importer); the Markdown around them is made for the test.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document

from pipeline.config import FileSource
from pipeline.records import make_records
from pipeline.report.citations import Citations
from pipeline.report.document import markdown_to_docx
from pipeline.report.exports import to_csl_json
from pipeline.sources import read_source_file

DATA = Path(__file__).parents[1] / "data"


def _records():
    parsed, _ = read_source_file(FileSource(name="scopus", path=DATA / "screening" / "asreview_scopus.ris"))
    frame = make_records(parsed.records, source="scopus")[0]
    return frame.assign(work_id=[f"S{i}" for i in range(len(frame))])


def test_citations_and_references_from_csl_json() -> None:
    works = _records()
    dalton = works.index[works["title"] == "Exercise influence on the microbiome–gut–brain axis"][0]
    citations = Citations(to_csl_json(works))
    assert citations.cite(works.loc[dalton, "work_id"]) == "(Dalton, Mermier and Zuhl, 2019)"
    assert citations.cite("unknown") == ""
    references = citations.references()
    assert len(references) == 1
    assert references[0].startswith("Dalton, A., Mermier, C. and Zuhl, M. (2019) “Exercise influence on the "
                                    "microbiome–gut–brain axis”, Gut Microbes")
    assert "https://doi.org/10.1080/19490976.2018.1562268" in references[0]


def test_docx_has_bold_italic_tables_a4_and_references(tmp_path: Path) -> None:
    works = _records()
    citations = Citations(to_csl_json(works))
    cite = citations.cite("S" + str(works.index[works["title"] == "Exercise influence on the microbiome–gut–brain axis"][0]))
    markdown = "\n".join([
        "# A review", "", "## Key findings", "",
        f"- **badge** (Awards): 2 source(s), 40.0%; rising. {cite}",
        "  _“Badges are awarded after an assessment.” (made for the test)_", "",
        "| source | definition |", "|---|---|", "| A | **is** a record |", "",
        "## References", "", *citations.references(), ""])
    target = tmp_path / "report.docx"
    markdown_to_docx(markdown, tmp_path, target)
    doc = Document(str(target))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4 (stored in twips)
    bullet = next(p for p in doc.paragraphs if p.text.startswith("badge"))
    assert [(r.text, r.bold) for r in bullet.runs][:2] == [("badge", True), (" (Awards): 2 source(s), 40.0%; rising. "
                                                                             "(Dalton, Mermier and Zuhl, 2019)", None)]
    quote = next(p for p in doc.paragraphs if p.text.startswith("“Badges"))
    assert quote.runs[0].italic and not quote.text.startswith("_")
    assert len(doc.tables) == 1 and doc.tables[0].cell(1, 1).paragraphs[0].runs[0].bold
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Key findings", "References"]
    reference = next(p for p in doc.paragraphs if p.text.startswith("Dalton, A."))
    assert reference.paragraph_format.first_line_indent < 0  # hanging indent
    markdown_to_docx(markdown, tmp_path, target, paper="Letter")
    assert Document(str(target)).sections[0].page_width == 7772400  # 8.5 in
