"""prisma.docx: the PRISMA 2020 diagram's numbers as an editable Word table, box by box.

Journals often ask for the diagram in their own template; this file holds every box of the drawn
diagram (pipeline/report/flow.py) with its count, in the template's order (identification,
screening, included; the databases-and-registers column, then the other-methods column), so a
writer can copy the numbers or restyle the table. The counts are prisma.json's.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document

from ..stages.synthesis.prisma import Prisma


def prisma_boxes(p: Prisma) -> list[tuple[str, str, str, int]]:
    """(phase, column, box, n): every box of the diagram, with the items listed inside it."""
    db = p.database_flow()
    auto = db["records_marked_ineligible_by_automation"]
    rows = [("Identification", "Databases and registers", f"Records identified from databases: {name}", n)
            for name, n in p.databases.items()]
    rows += [("Identification", "Databases and registers", f"Records identified from registers: {name}", n)
             for name, n in p.registers.items()]
    rows += [("Identification", "Other methods", f"Records identified from other methods: {name}", n)
             for name, n in p.other_methods.items()]
    db_duplicates, other_duplicates = p.duplicates_split()
    if other_duplicates:
        rows.append(("Identification", "Other methods", "Duplicate records removed", other_duplicates))
    rows += [("Identification", "Databases and registers", "Duplicate records removed", db_duplicates),
             ("Identification", "Databases and registers", "Records marked as ineligible by automation tools", auto)]
    for column, flow in (("Databases and registers", db), ("Other methods", p.other_methods_flow)):
        if not flow:
            continue
        automated = int(flow.get("records_marked_ineligible_by_automation", 0))
        screened = ("Records screened (title/abstract)" if column != "Other methods"
                    else "Works found only by other methods, screened")
        rows += [("Screening", column, screened,
                  flow["records_screened"] - (automated if column != "Other methods" else 0))]
        if column == "Other methods":
            rows.append(("Screening", column, "Records marked as ineligible by automation tools", automated))
        rows += [("Screening", column, "Records excluded by reviewers", flow["records_excluded"] - automated),
                 ("Screening", column, "Reports sought for retrieval", flow["reports_sought"]),
                 ("Screening", column, "Reports not retrieved", flow["reports_not_retrieved"]),
                 ("Screening", column, "Reports assessed for eligibility", flow["reports_assessed"]),
                 ("Screening", column, "Reports excluded", flow["reports_excluded"])]
        rows += [("Screening", column, f"Reports excluded: {reason}", n)
                 for reason, n in (flow.get("reports_excluded_by_reason") or {}).items()]
    rows += [("Included", "", "Studies included in review", p.studies_included),
             ("Included", "", "Reports of included studies", p.reports_of_included_studies)]
    return rows


def write_prisma_docx(p: Prisma, target: Path, title: str) -> None:
    """Write the boxes as one table (phase, column, box, n) under a heading."""
    document = Document()
    document.add_heading(f"PRISMA 2020 flow diagram: {title}", level=1)
    document.add_paragraph("The numbers of every box of prisma.png/prisma.svg, to copy into a journal's template "
                           "or edit here. Source: prisma.json.")
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Phase", "Column", "Box", "n"), strict=True):
        cell.text = text
    for row in prisma_boxes(p):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    document.save(str(target))
