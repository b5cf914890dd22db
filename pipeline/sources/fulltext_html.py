"""HTML full texts: what an HTML page says about itself, and its readable text.

`read_html(body, content_type)` parses the bytes with the standard library's HTML parser
(html.parser: a tokenizer, so nothing in the page is run, fetched or rendered) and returns:

- the Highwire `citation_*` meta tags publishers and repositories put in their article pages
  (`citation_pdf_url`, `citation_doi`, `citation_title`) and the Dublin Core identifier, so a
  landing page can name its PDF and its work;
- the `<title>`;
- the readable text: what a reader sees in the body, one line per block element, without
  scripts, styles, templates, embedded objects and form controls, nor the page's furniture (`nav`,
  `header`, `footer`, `aside`), which is not the work's text.

Why the standard library and not BeautifulSoup or lxml: only meta tags and text are needed, no
tree; html.parser is lenient with broken markup, has no native code, and adds no dependency.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Elements whose content is never text of the work: code, styling, embedded things, controls.
#: (Not `form`: ASP.NET pages wrap the whole body in one.)
_HIDDEN = frozenset({"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas",
                     "select", "button", "textarea"})
#: The page's furniture around an article: menus, side bars, and the site's banner and footer
#: (a `header`/`footer` inside `article` or `main` is the article's own: its title, its notes).
_FURNITURE = frozenset({"nav", "aside"})
_SITE_ONLY = frozenset({"header", "footer"})
_CONTENT = frozenset({"article", "main"})
#: Elements that start a new line in the text.
_BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "section",
                     "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figure",
                     "figcaption", "caption", "hr", "address", "summary", "details", "header", "footer"})
#: Elements with no end tag: never counted as open.
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
_META = {"citation_pdf_url", "citation_doi", "citation_title", "dc.identifier"}
_SPACE = re.compile(r"\s+")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)""", re.I)


@dataclass
class HtmlPage:
    #: Lower-cased meta names of `_META` → their first non-empty content.
    meta: dict[str, str] = field(default_factory=dict)
    title: str = ""
    text: str = ""

    @property
    def words(self) -> int:
        return len(self.text.split())


class _Reader(HTMLParser):
    """Collects meta tags, the title and the visible text. Open elements are kept on a stack; an
    end tag closes everything opened after its start tag (as browsers do with unclosed `<p>`), and
    an end tag without a start tag is ignored, so broken markup cannot hide the rest of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = HtmlPage()
        self.stack: list[tuple[str, bool]] = []  # (tag, hides its content)
        # How many of each tag are open: membership in O(1), so a page of a million unclosed
        # tags cannot make the parse quadratic.
        self.open: Counter[str] = Counter()
        self.hidden = 0
        self.content = 0  # depth inside article/main
        self.title: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = {k.lower(): (v or "") for k, v in attrs}
            name = (values.get("name") or values.get("property") or "").strip().lower()
            content = values.get("content", "").strip()
            if name in _META and content and name not in self.page.meta:
                self.page.meta[name] = content
            return
        if tag == "body" and self.open["head"]:
            self.handle_endtag("head")  # a head left open ends where the body starts
        if tag in _BLOCKS:
            self.parts.append("\n")
        if tag in _VOID:
            return
        hides = tag in _HIDDEN or tag in _FURNITURE or (tag in _SITE_ONLY and not self.content) or tag == "head"
        self.stack.append((tag, hides))
        self.open[tag] += 1
        self.hidden += hides
        self.content += tag in _CONTENT

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <meta …/>, <div/>: never left open.
        if tag == "meta":
            self.handle_starttag(tag, attrs)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")
        if not self.open[tag]:
            return
        while self.stack:
            open_tag, hides = self.stack.pop()
            self.open[open_tag] -= 1
            self.hidden -= hides
            self.content -= open_tag in _CONTENT
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "title":
            self.title.append(data)
        elif not self.hidden:
            # Whitespace in HTML is not the text's (a paragraph wraps wherever the source did),
            # except in <pre>, whose lines are kept.
            self.parts.append(data if self.open["pre"] else _SPACE.sub(" ", data))


def decode_html(body: bytes, content_type: str = "") -> str:
    """The page's text: the charset of the Content-Type header, else of a `<meta charset>`, else
    UTF-8; bytes that do not decode become U+FFFD (a page is read, never rejected, for its charset)."""
    found = re.search(r"charset=([\w\-:.]+)", content_type or "", re.I)
    names = [found.group(1)] if found else []
    meta = _CHARSET.search(body[:4096])
    if meta:
        names.append(meta.group(1).decode("ascii"))
    if body.startswith(b"\xef\xbb\xbf"):
        names.insert(0, "utf-8-sig")
    for name in [*names, "utf-8"]:
        try:
            return body.decode(name, errors="replace")
        except LookupError:
            continue
    return body.decode("utf-8", errors="replace")


def read_html(body: bytes | str, content_type: str = "") -> HtmlPage:
    """Meta tags, title and readable text of one HTML page (see the module docstring)."""
    reader = _Reader()
    reader.feed(body if isinstance(body, str) else decode_html(body, content_type))
    reader.close()
    page = reader.page
    page.title = " ".join("".join(reader.title).split())
    lines = (" ".join(line.split()) for line in "".join(reader.parts).splitlines())
    page.text = "\n".join(line for line in lines if line)
    return page


def looks_like_html(head: bytes, content_type: str = "") -> bool:
    """Whether a body is an HTML page: its Content-Type says so, or its first bytes open an HTML document."""
    if "html" in (content_type or "").lower():
        return True
    return re.search(rb"<(!doctype html|html[\s>]|head[\s>]|body[\s>])", head[:1024], re.I) is not None
