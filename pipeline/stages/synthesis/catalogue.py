"""The catalogue of included sources, grouped by category and year, as the Observatory lists its
collection; sources not in the previous run's catalogue are marked new."""

from __future__ import annotations

import pandas as pd

from ...records import work_link
from ...report.escape import html_text, html_url, md_text, md_url


def _groups(sources: pd.DataFrame):
    frame = sources.assign(category=sources["doc_type"].fillna("other"))
    for category, group in sorted(frame.groupby("category"), key=lambda item: (-len(item[1]), item[0])):
        years = group.assign(_y=group["year"].astype("Int64"))
        for year, items in sorted(years.groupby("_y", dropna=False), key=lambda item: -(item[0] if pd.notna(item[0]) else 0)):
            yield category, (int(year) if pd.notna(year) else None), items.sort_values("title").to_dict("records")


def catalogue_markdown(sources: pd.DataFrame, previous: set[str] | None, title: str) -> str:
    lines = [f"# {md_text(title)}", "", f"{len(sources)} included sources, by category and year."
             + (f" {sum(1 for w in sources['work_id'] if w not in previous)} are new since the previous run (marked ★)."
                if previous is not None else ""), ""]
    current = None
    for category, year, items in _groups(sources):
        if category != current:
            lines += [f"## {md_text(str(category).capitalize())} "
                      f"({int((sources['doc_type'].fillna('other') == category).sum())})", ""]
            current = category
        lines += [f"### {year or 'No year'}", ""]
        for row in items:
            star = " ★" if previous is not None and row["work_id"] not in previous else ""
            link = md_url(work_link(row))
            text = f"[{md_text(row['title'])}]({link})" if link else md_text(row["title"])
            lines.append(f"- {text}{star}")
        lines.append("")
    return "\n".join(lines)


def catalogue_html(sources: pd.DataFrame, previous: set[str] | None, title: str) -> str:
    esc = html_text
    parts = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">", f"<title>{esc(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}li{margin:.2em 0}"
             ".new{color:#b00;font-weight:bold}</style></head><body>", f"<h1>{esc(title)}</h1>",
             f"<p>{len(sources)} included sources, by category and year."
             + (f" {sum(1 for w in sources['work_id'] if w not in previous)} are new since the previous run (marked "
                "<span class=\"new\">new</span>)." if previous is not None else "") + "</p>"]
    current = None
    for category, year, items in _groups(sources):
        if category != current:
            if current is not None:
                parts.append("</section>")
            count = int((sources["doc_type"].fillna("other") == category).sum())
            parts.append(f"<section><h2>{esc(category.capitalize())} ({count})</h2>")
            current = category
        parts.append(f"<h3>{year or 'No year'}</h3><ul>")
        for row in items:
            link = html_url(work_link(row))
            text = f"<a href=\"{link}\">{esc(row['title'])}</a>" if link else esc(row["title"])
            new = " <span class=\"new\">new</span>" if previous is not None and row["work_id"] not in previous else ""
            parts.append(f"<li>{text}{new}</li>")
        parts.append("</ul>")
    if current is not None:
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
