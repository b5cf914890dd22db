"""The published site without a browser: categories, runs and new marks from the record trail,
escaping of real and hostile titles, the Atom feed (parsed with feedparser), the site: protocol
section and the suggestions source."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pandas as pd
import pytest

from pipeline.config import FileSource, SiteConfig, SuggestionSource, load_protocol
from pipeline.errors import ConfigError, InputError
from pipeline.records import make_records
from pipeline.report.site import feed_xml, index_html, updates_html
from pipeline.report.site_data import build_site, categorise, run_time
from pipeline.sources import read_source_file

DATA = Path(__file__).parents[1] / "data"
ROOT = Path(__file__).parents[2]
HOSTILE = ['<script>window.pwned = 1</script>Badges', 'The "digital" badge & the <b>wallet</b>',
           "</script><script>window.pwned = 2</script>", "It's <img src=x onerror=window.pwned=3>"]


def _records(name: str, path: Path) -> pd.DataFrame:
    parsed, _ = read_source_file(FileSource(name=name, path=path))
    return make_records(parsed.records, source=name)[0]


def _real_titles() -> list[str]:
    """Real titles with & (the Observatory listing) and Chinese text (a Scopus BibTeX export)."""
    listing = _records("observatory", DATA / "reflist" / "observatory.txt")
    scopus = _records("scopus", DATA / "bibtex" / "screenie_scopus_first19.bib")
    amp = [t for t in listing["title"] if "&" in t][:2]
    chinese = [t for t in scopus["title"] if "内生真菌" in t]
    assert len(amp) == 2 and len(chinese) == 1
    return amp + chinese


def _included(titles: list[str]) -> pd.DataFrame:
    rows = []
    for i, title in enumerate(titles):
        rows.append({"work_id": f"W{i}", "title": title, "authors": "Brown, M.; Nic Giolla Mhichíl, M." if i == 0 else None,
                     "year": 2020 + i % 3, "doi": "10.1787/f14ef041-en" if i == 1 else None,
                     "url": 'https://example.org/a?x=1&y="2"' if i == 2 else None, "venue": None, "publisher": None,
                     "doc_type": ["report", "policy initiative", "event", None][i % 4],
                     "keywords": "Useful Journal Articles, Books, Reports and Other Commentaries" if i % 4 == 3 else None,
                     "record_ids": f"src:{i}", "regions": "Europe; EU" if i % 2 else None, "countries_detected": None,
                     "countries": None, "sources": "src"})
    return pd.DataFrame(rows)


def _trail(n: int, late: set[int]) -> pd.DataFrame:
    return pd.DataFrame({"record_id": [f"src:{i}" for i in range(n)] + ["api:x"], "source": ["src"] * n + ["api"],
                         "first_seen": ["20261201T090000Z" if i in late else "20261120T090000Z" for i in range(n)]
                         + ["recorded"], "retrieved_at": [None] * n + ["2025-11-17T17:13:38+00:00"]})


def _codes() -> pd.DataFrame:
    return pd.DataFrame([{"work_id": "W0", "rq": "RQ1", "theme": "definitions", "code": "oecd_definition",
                          "evidence": 'OECD says "micro" <em>&</em> more', "field": "title"}])


class _Text(HTMLParser):
    """The text of elements with a class, as a browser would show it."""

    def __init__(self, cls: str) -> None:
        super().__init__()
        self.cls, self.depth, self.texts, self.scripts = cls, 0, [], 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag == "script":
            self.scripts += 1
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("class") == self.cls:
            self.depth = 1
            self.texts.append("")

    def handle_endtag(self, tag):  # noqa: ANN001
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):  # noqa: ANN001
        if self.depth:
            self.texts[-1] += data


def test_categories_take_the_document_type_first_then_the_heading() -> None:
    config = SiteConfig()
    assert categorise("Policy Initiative", [], config) == "Major policy initiatives"
    assert categorise("reports", ["Events, Conferences and Webinars"], config) == "Reports"
    assert categorise(None, ["National & International Reports"], config) == "Reports"
    assert categorise("web page", ["micro-credentials"], config) == "Other sources"


def test_runs_are_dated_by_their_id_or_by_retrieval() -> None:
    assert run_time("20261203T074500Z") == dt.datetime(2026, 12, 3, 7, 45, tzinfo=dt.timezone.utc)
    assert run_time("recorded", "2025-11-17T17:13:38+00:00").date() == dt.date(2025, 11, 17)
    assert run_time("recorded", None) is None


def test_new_marks_and_history_come_from_the_trail() -> None:
    titles = _real_titles() + ["Micro-credentials Processes"]
    site = build_site(_included(titles), _codes(), _trail(4, late={1, 3}), SiteConfig(), title="T")
    assert [e.work_id for e in site.entries if e.new] == ["W1", "W3"]
    assert [(r.date, len(r.work_ids)) for r in site.runs] == [("2026-12-01", 2), ("2026-11-20", 2)]
    assert site.latest.run == "20261201T090000Z" and [e.work_id for e in site.latest_entries] == ["W1", "W3"]
    updates = updates_html(site)
    assert updates.index("Added on 2026-12-01: 2 sources") < updates.index("Added on 2026-11-20: 2 sources")


def test_a_single_run_marks_nothing_new() -> None:
    trail = _trail(2, late=set()).iloc[:2]
    site = build_site(_included(["A", "B"]), _codes(), trail, SiteConfig(), title="T")
    assert not any(e.new for e in site.entries) and len(site.latest_entries) == 2


def test_real_and_hostile_titles_render_as_text() -> None:
    titles = _real_titles() + HOSTILE
    site = build_site(_included(titles), _codes(), _trail(len(titles), late={0}), SiteConfig(), title='Obs <"&">')
    page = index_html(site)
    for bad in ("<script>window", "<b>wallet", "<img src=x", '"2"'):
        assert bad not in page
    parser = _Text("title")
    parser.feed(page)
    assert sorted(parser.texts) == sorted(titles)
    assert parser.scripts == 1  # site.js only
    assert "<title>Obs &lt;&quot;&amp;&quot;&gt;</title>" in page
    # Links go through pipeline/report/escape.py: quotes percent-encoded, & as an entity.
    assert 'href="https://example.org/a?x=1&amp;y=%222%22"' in page
    assert "OECD says &quot;micro&quot; &lt;em&gt;&amp;&lt;/em&gt; more" in page


def test_hostile_links_and_control_characters_do_not_reach_the_pages() -> None:
    """Made for the test: a javascript: URL, a DOI that tries to close its attribute, a landing
    page that is not http(s), and a title with a bell, a NUL and a right-to-left override."""
    included = _included(["Plain", "Quoted DOI", "Bell\x07 and NUL\x00 and \u202eevil", "No link"])
    included.loc[0, "url"] = "javascript:alert(1)"
    included.loc[1, "doi"] = '10.1/x"><script>window.pwned=4</script>'
    included.loc[2, "url"] = None
    config = SiteConfig(url="https://example.org/obs/", landing_pages={"src": "data:text/html,<script>1</script>"})
    site = build_site(included, _codes(), _trail(4, late={0, 1, 2, 3}), config, title="T")
    page, feed_text = index_html(site), feed_xml(site, "demo")
    for text in (page, feed_text):
        assert "javascript:" not in text and "data:text" not in text and "<script>window" not in text
        assert "\x07" not in text and "\x00" not in text and "\u202e" not in text
    assert 'href="https://doi.org/10.1/x%22%3E%3Cscript%3Ewindow.pwned=4%3C/script%3E"' in page
    parser = _Text("title")
    parser.feed(page)
    assert sorted(parser.texts) == ["Bell and NUL and evil", "No link", "Plain", "Quoted DOI"]
    assert page.count('<span class="title">') == 3  # only the DOI is a link: no javascript:, no data: page
    feed = feedparser.parse(feed_text)
    assert not feed.bozo, feed.get("bozo_exception")  # a control character would make the XML ill-formed
    assert "Bell and NUL and evil" in {e.title for e in feed.entries}


def test_feed_parses_and_lists_exactly_the_latest_additions() -> None:
    titles = _real_titles() + HOSTILE
    site = build_site(_included(titles), _codes(), _trail(len(titles), late={1, 4}),
                      SiteConfig(url="https://example.org/obs/"), title="Obs & co")
    feed = feedparser.parse(feed_xml(site, "demo"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "Obs & co: additions" and feed.feed.updated == "2026-12-01T09:00:00Z"
    assert {e.id for e in feed.entries} == {"urn:slr:demo:W1", "urn:slr:demo:W4"}
    assert {e.title for e in feed.entries} == {titles[1], titles[4]}
    assert {e.link for e in feed.entries} == {"https://doi.org/10.1787/f14ef041-en", "https://example.org/obs/index.html#W4"}


def test_site_section_is_validated_like_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.ris").write_text("TY  - JOUR\nTI  - x\nER  - \n")
    base = "id: t\ntitle: T\nresearch_questions: {RQ1: q}\nsources: [{name: a, type: file, path: a.ris}]\n"
    (tmp_path / "p.yaml").write_text(base + "site: {titel: X}\n")
    with pytest.raises(ConfigError, match=r'site\.titel: unknown key "titel" \(did you mean "title"\?\)'):
        load_protocol("p.yaml", root=tmp_path)
    (tmp_path / "p.yaml").write_text(base + "site: {categories: {Reports: report}}\n")
    with pytest.raises(ConfigError, match=r"site\.categories\.Reports: expected a list"):
        load_protocol("p.yaml", root=tmp_path)
    (tmp_path / "p.yaml").write_text(base + "site: {title: Obs, categories: {Reports: [report]}, suggest: mailto:a@b.org}\n")
    protocol = load_protocol("p.yaml", root=tmp_path)
    assert protocol.site.categories == {"Reports": ("report",)} and protocol.site.suggest == "mailto:a@b.org"
    assert load_protocol("p.yaml", root=tmp_path).site.other == "Other sources"


def test_suggestions_source_reads_titles_and_links(tmp_path: Path) -> None:
    path = ROOT / "data" / "demo" / "imports" / "suggestions.csv"
    parsed, fmt = read_source_file(SuggestionSource(name="suggestions", path=path))
    frame = make_records(parsed.records, source="suggestions")[0]
    assert fmt == "csv" and len(frame) == 2
    assert list(frame["doi"]) == ["10.1007/s10639-023-11739-z", "10.1787/f14ef041-en"]
    assert list(frame["keywords"]) == ["suggested by readers"] * 2
    assert list(frame["year"]) == [2023, 2021]
    bad = tmp_path / "s.csv"
    bad.write_text("title,link,suggested_by,note\n,https://example.org,Ann,no title\n")
    with pytest.raises(InputError, match=r"s\.csv, line 2: a suggestion without a title"):
        read_source_file(SuggestionSource(name="s", path=bad))
    other = tmp_path / "s.ris"
    other.write_text("TY  - JOUR\nTI  - x\nER  - \n")
    with pytest.raises(ConfigError, match=r'sources\[0\]\.format: "ris" is not one of the allowed values'):
        (tmp_path / "p.yaml").write_text("id: t\ntitle: T\nresearch_questions: {RQ1: q}\n"
                                         "sources: [{name: s, type: suggestions, path: s.ris, format: ris}]\n")
        load_protocol("p.yaml", root=tmp_path)


def test_suggestions_from_a_workbook(tmp_path: Path) -> None:
    """Made for the test: a suggestions workbook as a form tool exports it (an extra column too)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Title", "Link", "Suggested_by", "Note", "Submitted"])
    sheet.append(["Micro-credentials for lifelong learning", "https://example.org/mc", "Ann", "see p. 3", "2026-12-01"])
    sheet.append(["=HYPERLINK(\"http://x\")", None, "Bob", None, None])
    book.save(tmp_path / "s.xlsx")
    parsed, fmt = read_source_file(SuggestionSource(name="s", path=tmp_path / "s.xlsx"))
    frame = make_records(parsed.records, source="s")[0]
    assert fmt == "xlsx" and list(frame["title"]) == ["Micro-credentials for lifelong learning", '=HYPERLINK("http://x")']
    assert list(frame["url"]) == ["https://example.org/mc", None] and set(frame["keywords"]) == {"suggested by readers"}
