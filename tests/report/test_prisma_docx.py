"""prisma.docx holds every box of the diagram with its count, editable, and its numbers reconcile."""

from __future__ import annotations

from pathlib import Path

from docx import Document

from pipeline.report.prisma_docx import prisma_boxes, write_prisma_docx
from tests.stages.test_prisma_boxes import flow


def test_the_word_table_holds_each_box_and_the_counts_add_up(tmp_path: Path) -> None:
    p = flow()
    write_prisma_docx(p, tmp_path / "prisma.docx", "A made review")
    table = Document(str(tmp_path / "prisma.docx")).tables[0]
    rows = [tuple(cell.text for cell in row.cells) for row in table.rows][1:]
    assert rows == [(a, b, c, str(n)) for a, b, c, n in prisma_boxes(p)]
    n = {(column, box): int(count) for _, column, box, count in rows}
    db, other = "Databases and registers", "Other methods"
    assert n[(db, "Records identified from registers: ClinicalTrials.gov register")] == 1
    assert n[(other, "Records identified from other methods: Citation searching (OpenAlex)")] == 2
    assert n[(db, "Records marked as ineligible by automation tools")] == 1
    assert n[(other, "Records marked as ineligible by automation tools")] == 2
    # Each column: screened = excluded by reviewers + sought (nothing awaits in this review); the
    # database column's screened box counts what the automation tools left.
    assert n[(db, "Records screened (title/abstract)")] == 3 == n[(db, "Records excluded by reviewers")] + \
        n[(db, "Reports sought for retrieval")]
    assert n[(other, "Works found only by other methods, screened")] == 5 == \
        n[(other, "Records marked as ineligible by automation tools")] + n[(other, "Records excluded by reviewers")] + \
        n[(other, "Reports sought for retrieval")]
    assert n[(other, "Reports not retrieved")] == 1
    # Identification closes per column: 4 + 1 database and register records − 1 duplicate = 4 works
    # screened; the 5 other methods' records are 5 works, so that column has no duplicate row.
    assert n[(db, "Duplicate records removed")] == 1 and (other, "Duplicate records removed") not in n
    assert n[("", "Studies included in review")] == n[("", "Reports of included studies")] == 3
