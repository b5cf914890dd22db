"""report.docx from report.md's text, with python-docx: headings, paragraphs, bullets, tables, the diagram."""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.shared import Inches

from .escape import md_plain


def markdown_to_docx(markdown: str, image_folder: Path, target: Path) -> None:
    """A Word version of a report.md (the subset of Markdown report.md uses)."""
    doc = Document()
    table_rows: list[list[str]] = []

    def flush() -> None:
        if not table_rows:
            return
        header, *body = [r for r in table_rows if not set("".join(r)) <= set("-: ")]
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Light Grid Accent 1"
        for cell, text in zip(table.rows[0].cells, header, strict=False):
            cell.text = md_plain(text)
        for row in body:
            cells = table.add_row().cells
            for cell, text in zip(cells, row, strict=False):
                cell.text = md_plain(text)
        table_rows.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            table_rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]])
            continue
        flush()
        image = re.match(r"!\[[^\]]*\]\(([^)]+)\)", line)
        if image:
            path = (image_folder / image.group(1)).resolve()
            # Only our own figures: never a file from elsewhere named in the text.
            if path.is_file() and Path(image_folder).resolve() in path.parents:
                doc.add_picture(str(path), width=Inches(6))
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            doc.add_heading(md_plain(line.lstrip("#").strip()), level=min(level - 1, 4) if level > 1 else 0)
        elif line.startswith("- "):
            doc.add_paragraph(md_plain(re.sub(r"\*\*(.+?)\*\*", r"\1", line[2:])), style="List Bullet")
        elif line.strip():
            doc.add_paragraph(md_plain(re.sub(r"[_*]", "", line)))
    flush()
    doc.save(str(target))
