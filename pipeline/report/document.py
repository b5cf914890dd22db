"""report.docx from report.md's text, with python-docx: headings, paragraphs with bold and italic
runs, bullets, tables, the figures, on A4 (or the protocol's `synthesis.paper`), a references list
as hanging-indent paragraphs."""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.shared import Cm, Inches, Mm, Pt

from .escape import md_plain

PAPER = {"A4": (Mm(210), Mm(297)), "Letter": (Inches(8.5), Inches(11))}
#: **bold**, _italic_ or *italic* (report.md's inline marks); the rest is plain text.
INLINE = re.compile(r"\*\*(.+?)\*\*|(?<![\w\\])_(.+?)_(?!\w)|(?<![\w*\\])\*(?!\s)(.+?)(?<!\s)\*(?!\w)")


def add_runs(paragraph, text: str) -> None:
    """Add `text` to a paragraph as runs, bold and italic where report.md marks them."""
    position = 0
    for found in INLINE.finditer(text):
        if found.start() > position:
            paragraph.add_run(md_plain(text[position:found.start()]))
        bold, italic_a, italic_b = found.groups()
        run = paragraph.add_run(md_plain(bold if bold is not None else (italic_a if italic_a is not None else italic_b)))
        run.bold = bold is not None or None
        run.italic = bold is None or None
        position = found.end()
    if position < len(text):
        paragraph.add_run(md_plain(text[position:]))


def markdown_to_docx(markdown: str, image_folder: Path, target: Path, *, paper: str = "A4") -> None:
    """A Word version of a report.md (the subset of Markdown report.md uses)."""
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = PAPER.get(paper, PAPER["A4"])
        section.left_margin = section.right_margin = Cm(2.2)
    table_rows: list[list[str]] = []
    in_references = False

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
                add_runs(cell.paragraphs[0], text)
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
            title = line.lstrip("#").strip()
            doc.add_heading(md_plain(title), level=min(level - 1, 4) if level > 1 else 0)
            in_references = title == "References"
        elif line.startswith("- "):
            add_runs(doc.add_paragraph(style="List Bullet"), line[2:])
        elif line.startswith("  ") and line.strip():
            paragraph = doc.add_paragraph()
            paragraph.paragraph_format.left_indent = Cm(0.63)
            add_runs(paragraph, line.strip())
        elif line.strip():
            paragraph = doc.add_paragraph()
            if in_references:
                paragraph.paragraph_format.left_indent = Cm(1.0)
                paragraph.paragraph_format.first_line_indent = Cm(-1.0)
                paragraph.paragraph_format.space_after = Pt(4)
            add_runs(paragraph, line)
    flush()
    doc.save(str(target))
