"""Issue 14, case 2: record values in Markdown and HTML outputs are shown as text, never markup.

Before the fix, report.md, catalogue.md and tables/*.md carried `<img src=x onerror=…>`,
`<svg/onload=…>` and `[click me](javascript:…)` from titles and authors verbatim.
"""

from __future__ import annotations

import re

import pandas as pd

from pipeline.report.escape import html_text, md_plain, md_text, md_url
from pipeline.stages.synthesis.catalogue import catalogue_html, catalogue_markdown
from pipeline.stages.synthesis.tables import to_markdown

HOSTILE = [
    "<img src=x onerror=alert(1)> Micro-credentials",
    "<svg/onload=alert(2)>",
    "[click me](javascript:alert(3))",
    "![pixel](http://tracker.example/p.png)",
    "<" + "a" * 300 + " onmouseover=alert(4)>long tag",
    "Ctrl\x00chars\x1b[31m and a\nnew line",
    "<https://evil.example/autolink>",
]


def _sources() -> pd.DataFrame:
    return pd.DataFrame({"work_id": [f"w{i}" for i in range(len(HOSTILE))], "title": HOSTILE,
                         "doc_type": ["journal article"] * len(HOSTILE), "year": [2021] * len(HOSTILE),
                         "doi": [None, "10.1/x) [y](javascript:z", None, None, None, None, None],
                         "url": [None, None, "javascript:alert(5)", None, None, None, None],
                         "authors": ["<b>Ana</b>"] * len(HOSTILE)})


def _no_markup(markdown: str) -> None:
    assert not re.search(r"<[a-zA-Z/!]", markdown), "an HTML tag survived"
    assert not re.search(r"(?<!\\)\]\((javascript:|http://tracker)", markdown), "a link survived"
    assert not re.search(r"(?<!\\)!(?<!\\)\[", markdown), "image syntax survived"
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", markdown)


def test_catalogue_markdown_shows_titles_as_text() -> None:
    text = catalogue_markdown(_sources(), None, "Catalogue")
    _no_markup(text)
    assert "- &lt;img src=x onerror=alert(1)&gt; Micro-credentials" in text
    assert "- \\[click me\\](javascript:alert(3))" in text
    # The DOI link stays a link, its target encoded so it cannot close the link early.
    assert "(https://doi.org/10.1/x%29%20%5By%5D%28javascript:z)" in text


def test_catalogue_html_escapes_and_drops_other_schemes() -> None:
    text = catalogue_html(_sources(), None, "Catalogue")
    assert "<img" not in text and "<svg" not in text and "javascript:alert(5)\"" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; Micro-credentials" in text
    assert 'href="javascript' not in text


def test_markdown_tables_escape_every_cell() -> None:
    text = to_markdown(_sources()[["title", "authors", "doi"]])
    _no_markup(text)
    assert text.count("\n") == len(HOSTILE) + 2  # one line per row: no newline or pipe breaks a row
    assert "&lt;b&gt;Ana&lt;/b&gt;" in text


def test_md_plain_gives_back_what_a_reader_sees() -> None:
    for value in HOSTILE:
        shown = md_plain(md_text(value))
        assert shown == re.sub(r"[\t\r\n]+", " ", re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value))


def test_helpers() -> None:
    assert md_url("javascript:alert(1)") is None and md_url("data:text/html,x") is None
    assert md_url("https://example.org/a (b)") == "https://example.org/a%20%28b%29"
    assert html_text('"><script>') == "&quot;&gt;&lt;script&gt;"
