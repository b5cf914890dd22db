"""The published site: index.html (the collection, searchable), updates.html (what each run added),
feed.xml (Atom: the latest run's additions), with site.css and site.js beside them.

Every page is complete HTML without JavaScript (so it prints, and reads in any browser); site.js
only adds search and filters by hiding entries. Nothing is loaded from elsewhere: no fonts, no
CDN, no fetch — the site works from file:// and from any static host, and its Content Security
Policy forbids any other origin. Every value from a record goes through `escape.html_text` (a
title holding `<script>` shows as text; control characters are dropped, which also keeps the feed
well-formed XML) and every link through `escape.html_url` (http and https only; a `javascript:`
URL becomes no link). Output depends only on the tables (dates come from run ids), so
a rebuild from the same inputs is byte-identical.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

from .escape import html_text, html_url
from .site_data import Entry, Site

ASSETS = ("site.css", "site.js")
#: No origin but the site's own; no inline script or style. (file:// counts as 'self' in Chromium.)
_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'")


def asset(name: str) -> bytes:
    """The bytes of site.css or site.js, shipped in pipeline/report/site_assets/."""
    return resources.files("pipeline.report").joinpath("site_assets", name).read_bytes()


def _e(value: object) -> str:
    return html_text(value)


def _href(url: str | None, *, mailto: bool = False) -> str | None:
    """A link target for an attribute: http(s) only (escape.html_url), or a mailto: address where
    allowed (the protocol's suggestion address, checked by the publish runner)."""
    if url and mailto and url.strip().lower().startswith("mailto:"):
        return html_text(url.strip())
    return html_url(url)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "other"


def _anchors(categories: list[str]) -> dict[str, str]:
    """An id per category, unique even where two names differ only in punctuation or case."""
    out: dict[str, str] = {}
    for category in categories:
        anchor, n = f"cat-{_slug(category)}", 2
        while anchor in out.values():
            anchor, n = f"cat-{_slug(category)}-{n}", n + 1
        out[category] = anchor
    return out


def _head(title: str, page: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            f'<meta name="referrer" content="no-referrer">\n'
            f'<title>{_e(page)}{" – " + _e(title) if page != title else ""}</title>\n'
            f'<link rel="stylesheet" href="site.css">\n'
            f'<link rel="alternate" type="application/atom+xml" href="feed.xml" title="{_e(title)}: additions">\n'
            f'</head>\n')


def _nav(site: Site, here: str) -> str:
    links = [("index.html", "Collection"), ("updates.html", "Update history"), ("feed.xml", "Atom feed")]
    current = ' aria-current="page"'
    items = [f'<li><a href="{href}"{current if href == here else ""}>{label}</a></li>' for href, label in links]
    suggest = _href(site.suggest, mailto=True)
    if suggest:
        items.append(f'<li><a href="{suggest}" rel="noopener">Suggest a publication</a></li>')
    return f'<nav aria-label="Site"><ul class="nav">{"".join(items)}</ul></nav>\n'


def _when(entry_or_run: dt.datetime | None) -> str:
    return entry_or_run.date().isoformat() if entry_or_run else "unknown date"


def _entry(entry: Entry) -> str:
    attrs = {
        "id": entry.work_id, "class": "entry", "data-category": entry.category,
        "data-year": "" if entry.year is None else str(entry.year),
        "data-themes": "|".join(sorted({t.theme for t in entry.themes})),
        "data-regions": "|".join(entry.regions), "data-run": entry.run,
        "data-new": "1" if entry.new else "0",
    }
    head = " ".join(f'{k}="{_e(v)}"' for k, v in attrs.items())
    link = _href(entry.link)
    title = (f'<a class="title" href="{link}" data-link-kind="{entry.link_kind}">{_e(entry.title)}</a>'
             if link else f'<span class="title">{_e(entry.title)}</span>')
    marks = ""
    if entry.new:
        marks += f' <strong class="new" title="added on {_when(entry.added)}">new</strong>'
    if entry.suggested:
        marks += ' <span class="suggested">suggested by a reader</span>'
    meta = [_e(part) for part in (entry.authors, entry.venue) if part]
    meta.append(_e(entry.year) if entry.year is not None else "no year")
    if entry.regions:
        meta.append(f'<span class="regions">{_e(", ".join(entry.regions))}</span>')
    if entry.link_kind == "landing":
        meta.append("link: the listing that names it")
    meta.append(f'<span class="added">added {_when(entry.added)}</span>')
    parts = [f"<li {head}>", f'<p class="line">{title}{marks}</p>', f'<p class="meta">{" · ".join(meta)}</p>']
    if entry.themes:
        themes = sorted({t.theme for t in entry.themes})
        parts.append(f'<details class="themes"><summary>Themes: {_e(", ".join(themes))}</summary><ul>')
        for theme in sorted(entry.themes, key=lambda t: (t.rq, t.theme, t.code)):
            where = f" ({_e(theme.where)})" if theme.where else ""
            parts.append(f'<li><span class="theme">{_e(theme.theme)}</span>: '
                         f'<span class="code" title="{_e(theme.definition)}">{_e(theme.code)}</span>'
                         f'{" — <q>" + _e(theme.evidence) + "</q>" + where if theme.evidence else ""}</li>')
        parts.append("</ul></details>")
    parts.append("</li>")
    return "".join(parts)


def _select(name: str, label: str, options: list[tuple[str, str]], first: str) -> str:
    opts = "".join(f'<option value="{_e(v)}">{_e(t)}</option>' for v, t in options)
    return (f'<div class="field"><label for="f-{name}">{label}</label>'
            f'<select id="f-{name}" name="{name}"><option value="">{first}</option>{opts}</select></div>')


def index_html(site: Site) -> str:
    """The collection by category and year, newest first, with search and filters (site.js)."""
    grouped = site.by_category()
    anchors = _anchors([category for category, _ in grouped])
    years = sorted({e.year for e in site.entries if e.year is not None}, reverse=True)
    year_options = [(str(y), str(y)) for y in years]
    runs = [(r.run, f"added since {r.date}") for r in site.runs]
    out = [_head(site.title, site.title), "<body>\n",
           '<a class="skip" href="#results">Skip to the collection</a>\n', "<header>\n",
           f"<h1>{_e(site.title)}</h1>\n"]
    if site.description:
        out.append(f'<p class="lede">{_e(site.description)}</p>\n')
    new = len([e for e in site.entries if e.new])
    updated = f", last updated {site.latest.date}" if site.latest else ""
    out.append(f'<p class="summary">{len(site.entries)} sources in {len(grouped)} categories{updated}'
               f'{f"; {new} new in the latest update, marked <strong class=new>new</strong>" if new else ""}.</p>\n')
    suggest = _href(site.suggest, mailto=True)
    if suggest:
        out.append(f'<p class="suggest">Know a publication that belongs here? '
                   f'<a href="{suggest}" rel="noopener">Suggest it</a>: the review team screens every '
                   f"suggestion against the same criteria as the rest of the collection.</p>\n")
    out.append(_nav(site, "index.html"))
    out.append("</header>\n<main>\n")
    out.append('<form id="filters" class="filters" role="search" aria-label="Search and filter the collection" hidden>'
               '<div class="field grow"><label for="f-q">Search</label>'
               '<input id="f-q" name="q" type="search" autocomplete="off" '
               'placeholder="words in titles, authors, venues, themes"></div>'
               + _select("category", "Category", [(c, c) for c, _ in grouped], "All categories")
               + _select("from", "From year", year_options[::-1], "Any")
               + _select("to", "To year", year_options, "Any")
               + _select("theme", "Theme", [(t, t) for t in site.themes], "All themes")
               + _select("region", "Region", [(r, r) for r in site.regions], "All regions")
               + _select("since", "New since", runs, "Any time")
               + '<div class="field"><button type="reset">Clear</button></div></form>\n')
    out.append(f'<p id="count" class="count" role="status" aria-live="polite">{len(site.entries)} sources</p>\n')
    out.append('<div id="results">\n')
    if grouped:
        out.append('<nav aria-label="Categories" class="toc"><ul>'
                   + "".join(f'<li><a href="#{anchors[c]}">{_e(c)}</a> <span class="n" data-for="{anchors[c]}">'
                             f'({sum(len(i) for _, i in ys)})</span></li>' for c, ys in grouped) + "</ul></nav>\n")
    else:
        out.append("<p>No sources are included yet.</p>\n")
    for category, years_ in grouped:
        total = sum(len(items) for _, items in years_)
        out.append(f'<section class="category" id="{anchors[category]}" data-category="{_e(category)}">'
                   f'<h2>{_e(category)} <span class="n" data-for="{anchors[category]}">({total})</span></h2>\n')
        for year, items in years_:
            label = str(year) if year is not None else "No year"
            out.append(f'<section class="year" data-year="{"" if year is None else year}"><h3>{label}</h3><ul>\n')
            out.extend(_entry(entry) + "\n" for entry in items)
            out.append("</ul></section>\n")
        out.append("</section>\n")
    out.append('</div>\n<p id="none" class="none" hidden>No source matches. Clear the search or a filter.</p>\n')
    out.append("</main>\n" + _footer(site) + '<script src="site.js"></script>\n</body>\n</html>\n')
    return "".join(out)


def _footer(site: Site) -> str:
    return ('<footer><p>Built with slr from the review\'s screened and coded sources. '
            '<a href="updates.html">Update history</a> · <a href="feed.xml">Atom feed</a></p></footer>\n')


def updates_html(site: Site) -> str:
    """Each run that added sources, newest first: "Added on 2026-12-03: 14 sources"."""
    by_id = {e.work_id: e for e in site.entries}
    out = [_head(site.title, "Update history"), "<body>\n<header>\n", f"<h1>Update history</h1>\n",
           f'<p class="lede">What each run of the review added to <a href="index.html">{_e(site.title)}</a>. '
           'Follow the <a href="feed.xml">Atom feed</a> to hear of the next update.</p>\n',
           _nav(site, "updates.html"), "</header>\n<main>\n"]
    if not site.runs:
        out.append("<p>No sources yet.</p>\n")
    for run in site.runs:
        n = len(run.work_ids)
        out.append(f'<section class="run" id="run-{_e(run.run)}" data-run="{_e(run.run)}">'
                   f'<h2>Added on {run.date}: {n} source{"s" if n != 1 else ""}</h2><ul>\n')
        for work_id in sorted(run.work_ids, key=lambda w: (by_id[w].category, by_id[w].title.lower())):
            entry = by_id[work_id]
            out.append(f'<li><a href="index.html#{_e(work_id)}">{_e(entry.title)}</a> '
                       f'<span class="meta">({_e(entry.category)}, {entry.year or "no year"})</span></li>\n')
        out.append("</ul></section>\n")
    out.append("</main>\n" + _footer(site) + "</body>\n</html>\n")
    return "".join(out)


def _rfc3339(moment: dt.datetime | None) -> str:
    return (moment or dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def feed_xml(site: Site, review_id: str) -> str:
    """Atom (RFC 4287): one entry per work the latest run added. Entry ids are `urn:slr:<review>:<work>`,
    stable across runs, so a feed reader never shows an addition twice."""
    url = html_url(site.url)
    base = url.rstrip("/") + "/" if url else ""
    latest = site.latest
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n',
           f"<title>{_e(site.title)}: additions</title>\n",
           f"<subtitle>Sources added to the collection in its latest update"
           f"{' (' + latest.date + ')' if latest else ''}.</subtitle>\n",
           f"<id>urn:slr:{_e(review_id)}:feed</id>\n<updated>{_rfc3339(latest.when if latest else None)}</updated>\n",
           f'<link rel="alternate" type="text/html" href="{base}index.html"/>\n',
           f"<author><name>{_e(site.title)}</name></author>\n<generator>slr</generator>\n"]
    if base:
        out.append(f'<link rel="self" type="application/atom+xml" href="{base}feed.xml"/>\n')
    for entry in sorted(site.latest_entries, key=lambda e: (e.category, e.title.lower())):
        summary = " · ".join(p for p in (entry.category, str(entry.year or "no year"), entry.authors, entry.venue) if p)
        link = _href(entry.link) or f"{base}index.html#{_e(entry.work_id)}"
        out.append(f"<entry>\n<title>{_e(entry.title)}</title>\n<id>urn:slr:{_e(review_id)}:{_e(entry.work_id)}</id>\n"
                   f"<updated>{_rfc3339(entry.added)}</updated>\n<link href=\"{link}\"/>\n"
                   f"<category term=\"{_e(entry.category)}\"/>\n<summary>{_e(summary)}</summary>\n</entry>\n")
    out.append("</feed>\n")
    return "".join(out)
